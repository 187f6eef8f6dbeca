"""A picture of a list of films to post on social sites: 1200x1500 px (4:5, what feeds show uncropped), one card
per film with its rank, title, year and the films it comes from.

It takes plain data (`SharedFilm`), so the CLI, the app and every question draw the same picture. Each text is
shortened with an ellipsis until it fits its card (measured by the renderer, not guessed from character counts),
and the cards shrink, then split into two columns, as the list grows: nothing overlaps, up to `MAX_FILMS` films.
A card has a slot for a poster, left of its text, drawn when a film has one (the app's, once TMDb's have come).
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import zip_longest

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text
from PIL import Image  # matplotlib's own dependency

from lbrec.data.titles import film_label

WIDTH, HEIGHT, DPI = 1200, 1500, 100
MAX_FILMS = 50  # the picture stays legible up to here; a longer list is cut and says how many more it holds
ONE_COLUMN_UP_TO = 16
MARGIN, GAP = 60, 10  # pixels
TOP, BOTTOM = 200, 70  # the heading's and the footer's bands
TALLEST_CARD = 170
LARGEST_TITLE = {1: 36, 2: 24}  # pixels, by the number of columns: a half-width card needs smaller type
BACKGROUND, CARD, WHITE, GREY, ORANGE, GREEN = "#14181c", "#232b33", "#ffffff", "#99aabb", "#ff8000", "#00c030"
FONT = "DejaVu Sans"  # bundled with matplotlib: Latin accents, Greek and Cyrillic whatever the machine has
POINTS_PER_PIXEL = 72 / DPI
COLOURS = 64  # the PNG's palette
TRIMMED = " ,;:-–—"  # what an ellipsis never follows


@dataclass(frozen=True)
class SharedFilm:
    """One film of the picture. `poster`: an RGB(A) image array, drawn in the card when given."""

    title: str
    year: int | None = None
    because: tuple[str, ...] = ()
    poster: np.ndarray | None = None


def shared_films(records: Iterable[object], posters: Mapping[int, np.ndarray] | None = None) -> list[SharedFilm]:
    """The films of any answer's records (`Recommendation`, `Ranked`, `Similar`, `GroupFilm`): title, year, the
    poster (from `posters` by TMDb id) and the titles of `because` (a list of films, or a group's dict of them per
    member: each member's strongest first, in turns, so that a shortened line still names every member's reason;
    each title once)."""
    films = []
    for record in records:
        because = record.because  # type: ignore[attr-defined]
        if isinstance(because, dict):  # a group's: the members in turns
            because = [ref for turn in zip_longest(*because.values()) for ref in turn if ref is not None]
        films.append(
            SharedFilm(
                record.title,
                record.year,  # type: ignore[attr-defined]
                tuple(dict.fromkeys(ref.title for ref in because)),
                posters.get(record.tmdbId) if posters else None,
            )
        )  # type: ignore[attr-defined]
    return films


def poster_pixels(data_url: str) -> np.ndarray | None:
    """A poster's data URL (as the app embeds TMDb's) as RGB pixels for a card; None when it cannot be read."""
    try:
        with Image.open(io.BytesIO(base64.b64decode(data_url.partition(",")[2]))) as image:
            return np.asarray(image.convert("RGB"))
    except (ValueError, OSError):
        return None


def without_a_shared_reason(films: list[SharedFilm]) -> list[SharedFilm]:
    """The films without their reasons when every one has the same single reason (more like one seed film: the
    subtitle names it once)."""
    reasons = {film.because for film in films}
    return [replace(film, because=()) for film in films] if len(reasons) == 1 and len(reasons.pop()) == 1 else films


def share_picture(
    films: Sequence[SharedFilm], heading: str = "Films for you", subtitle: str = "", because: str = "because you liked"
) -> Figure:
    """The picture of `films` (at least one) as a Figure of WIDTH x HEIGHT pixels at DPI."""
    if not films:
        raise ValueError("a picture to share needs at least one film")
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor=BACKGROUND)
    renderer = FigureCanvasAgg(figure).get_renderer()
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set(xlim=(0, WIDTH), ylim=(0, HEIGHT))
    axes.set_autoscale_on(False)
    axes.axis("off")
    write(axes, renderer, MARGIN, HEIGHT - MARGIN, heading, 40, WIDTH - 2 * MARGIN, weight="bold")
    if subtitle:
        write(axes, renderer, MARGIN, HEIGHT - MARGIN - 70, subtitle, 22, WIDTH - 2 * MARGIN, color=GREY)
    shown = films[:MAX_FILMS]
    columns = 1 if len(shown) <= ONE_COLUMN_UP_TO else 2
    rows = math.ceil(len(shown) / columns)
    row_height = min((HEIGHT - TOP - BOTTOM) / rows, TALLEST_CARD)
    first_top = HEIGHT - TOP - (HEIGHT - TOP - BOTTOM - rows * row_height) / 2  # a short list sits in the middle
    column_width = (WIDTH - 2 * MARGIN - GAP * (columns - 1)) / columns
    for index, film in enumerate(shown):
        column, row = divmod(index, rows)
        left = MARGIN + column * (column_width + GAP)
        top = first_top - row * row_height
        card(
            axes,
            renderer,
            (left, top - row_height + GAP / 2, column_width, row_height - GAP),
            index + 1,
            film,
            because,
            LARGEST_TITLE[columns],
        )
    more = f"  ·  and {len(films) - MAX_FILMS} more in the list" if len(films) > MAX_FILMS else ""
    write(
        axes,
        renderer,
        MARGIN,
        BOTTOM / 2,
        f"lbrec · recommended from MovieLens ratings{more}",
        14,
        WIDTH - 2 * MARGIN,
        color=GREY,
        va="center",
    )
    return figure


def card(
    axes: Axes,
    renderer: RendererAgg,
    box: tuple[float, float, float, float],
    rank: int,
    film: SharedFilm,
    because: str,
    largest_title: float,
) -> None:
    """One film's card in `box` (left, bottom, width, height in pixels): the rank, the poster's slot, two lines."""
    left, bottom, width, height = box
    axes.add_patch(
        FancyBboxPatch(
            (left, bottom),
            width,
            height,
            boxstyle=f"round,pad=0,rounding_size={height / 8}",
            facecolor=CARD,
            edgecolor="none",
        )
    )
    title_size = min(height * 0.36, largest_title) * POINTS_PER_PIXEL
    pad = min(height * 0.18, 24)
    rank_width = title_size / POINTS_PER_PIXEL * 1.5
    write(
        axes,
        renderer,
        left + pad + rank_width,
        bottom + height / 2,
        str(rank),
        title_size,
        rank_width,
        color=ORANGE,
        weight="bold",
        ha="right",
        va="center",
    )
    text_left = left + 2 * pad + rank_width
    if film.poster is not None:
        poster_width = (height - pad) * 2 / 3
        axes.imshow(
            film.poster,
            aspect="auto",
            zorder=2,
            extent=(text_left, text_left + poster_width, bottom + pad / 2, bottom + height - pad / 2),
        )
        text_left += poster_width + pad
    room = left + width - pad - text_left
    middle = bottom + height / 2
    year = f" ({film.year})" if film.year else ""
    title = write(
        axes,
        renderer,
        text_left,
        middle + height * 0.04,
        film_label(film.title, film.year),
        title_size,
        room,
        weight="bold",
        va="bottom",
        keep=len(year),
    )
    if film.because:
        write(
            axes,
            renderer,
            text_left,
            middle - height * 0.04,
            f"{because} {' · '.join(film.because)}",
            title_size * 0.75,
            room,
            color=GREEN,
            va="top",
        )
    else:
        title.set_verticalalignment("center")
        title.set_y(middle)


def write(
    axes: Axes,
    renderer: RendererAgg,
    x: float,
    y: float,
    text: str,
    size: float,
    room: float,
    color: str = WHITE,
    keep: int = 0,
    **style: object,
) -> Text:
    """Draw `text` at (x, y) in pixels, cut with an ellipsis to fit `room` pixels; the last `keep` characters
    (a title's year) stay whole."""
    artist = axes.text(x, y, text, fontsize=size, color=color, fontfamily=FONT, va=style.pop("va", "top"), **style)  # type: ignore[arg-type]
    if artist.get_window_extent(renderer).width <= room:
        return artist
    head, tail = text[: len(text) - keep], text[len(text) - keep :]
    low, high = 0, len(head)  # the longest head that fits, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        artist.set_text(head[:middle].rstrip(TRIMMED) + "…" + tail)
        if artist.get_window_extent(renderer).width <= room:
            low = middle
        else:
            high = middle - 1
    artist.set_text(head[:low].rstrip(TRIMMED) + "…" + tail)
    return artist


def share_png(
    films: Sequence[SharedFilm], heading: str = "Films for you", subtitle: str = "", because: str = "because you liked"
) -> bytes:
    """The picture as PNG bytes, WIDTH x HEIGHT pixels, in COLOURS colours: a quarter of the full-colour file's
    size (the app carries it in the page) with no visible loss on flat cards and text."""
    canvas = FigureCanvasAgg(share_picture(films, heading, subtitle, because))
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB").quantize(COLOURS)
    buffer = io.BytesIO()
    image.save(buffer, format="png", optimize=True)
    return buffer.getvalue()
