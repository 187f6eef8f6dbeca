"""The one card every question shows a film on, and the grid of an answer's cards.

A card holds what every film has (the title with its year and link, the genres, where to watch, the links, the
"Not for me" and "Seen it" buttons), TMDb's poster, runtime and synopsis once they have come, and what the question
adds, made by the question's own module (`lbrec.app.questions`): its top line and its body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lbrec.app.markup import box, escape, link
from lbrec.app.memory import MARKS
from lbrec.app.where_to_watch import watch_credit, watch_html
from lbrec.ask.answers import Answer
from lbrec.data.titles import film_label
from lbrec.serving.results import Film
from lbrec.tmdb import FilmDetails

SITES = {"letterboxd": "Letterboxd", "tmdb": "TMDb", "imdb": "IMDb"}
GENRE_COLOURS = {
    "Action": "#ff8000",
    "Adventure": "#f5a623",
    "Animation": "#f5c400",
    "Children": "#f5c400",
    "Comedy": "#f5c400",
    "Crime": "#8e44ad",
    "Documentary": "#7f8c8d",
    "Drama": "#40bcf4",
    "Fantasy": "#9b59b6",
    "Film-Noir": "#34495e",
    "Horror": "#c0392b",
    "Musical": "#ff5c8a",
    "Mystery": "#5b6abf",
    "Romance": "#ff5c8a",
    "Sci-Fi": "#00c030",
    "Thriller": "#d35400",
    "War": "#6d7b57",
    "Western": "#a0522d",
}
NOTHING_PASSES = "No film passes these options: widen the years, the genres or the mainstream ↔ obscure setting."

Card = Callable[[int, Film, FilmDetails | None], str]  # a question's card: (place, film, TMDb's details) -> HTML


def card(film: Film, top: str, body: str, details: FilmDetails | None = None, watched: bool = False) -> str:
    """The one card every answer shows a film on: its top line (`top`: rank and measure, already made), the title
    with its year and link, TMDb's runtime and synopsis once they have come, the genres, what the answer adds
    (`body`, already made), the links and the buttons "Not for me" and "Seen it"; the poster beside them
    once it has come; the genre's colour on the edge."""
    colour = next((GENRE_COLOURS[g] for g in film.genres if g in GENRE_COLOURS), "#40bcf4")
    links = film.links
    name = link(links["letterboxd"], film.title, "lbrec-title-link") if "letterboxd" in links else escape(film.title)
    year = f' <span class="lbrec-year">{film.year}</span>' if film.year else ""
    chips = "".join(f'<span class="lbrec-chip">{escape(g)}</span>' for g in film.genres)
    buttons = " ".join(link(url, SITES[site], f"lbrec-link lbrec-{site}") for site, url in links.items())
    inner = (
        f'<div class="lbrec-card-top">{top}</div><div class="lbrec-title">{name}{year}</div>{synopsis(details)}'
        f'<div class="lbrec-chips">{chips}</div>{body}{watch_html(film.watch)}'  # type: ignore[arg-type]
        f'<div class="lbrec-links">{buttons}</div>{mark_buttons(film)}'
    )
    classes = "lbrec-card" + (" lbrec-watched" if watched else "")
    style = f' style="border-left-color:{colour}"'
    if details is None or not details.poster:
        return f'<div class="{classes}"{style}>{inner}</div>'
    return (
        f'<div class="{classes} lbrec-with-poster"{style}>{poster(details, film.title)}'
        f'<div class="lbrec-card-body">{inner}</div></div>'
    )


def mark_buttons(film: Film) -> str:
    """ "Not for me" and "Seen it": the page's memory (`memory.js`) sends a click to the kernel, which answers again
    without the film. A film only TMDb knows is marked by its TMDb id, with its title for the visitor's list; a film
    with neither id has no buttons."""
    if film.movieId is not None:
        which = f'data-movie-id="{film.movieId}"'
    elif film.tmdbId is not None:
        which = f'data-tmdb-id="{film.tmdbId}" data-title="{escape(film_label(film.title, film.year))}"'
    else:
        return ""
    return (
        '<div class="lbrec-marks">'
        + "".join(
            f'<button type="button" class="lbrec-mark lbrec-mark-{mark}" {which} '
            f'data-mark="{mark}" title="{escape(words)}: never show {escape(film.title)} again">'
            f"{escape(words)}</button>"
            for mark, words in MARKS.items()
        )
        + "</div>"
    )


def origin_line(film: Film) -> str:
    """Where the film came from, in one quiet line: the model, or TMDb's recommendations ranked by lbrec (the shelf
    of newer films and the model's cards are on one screen, and each card says which it is)."""
    return f'<div class="lbrec-hint lbrec-origin">From {escape(film.origin)}</div>'


def poster(film: FilmDetails | None, title: str) -> str:
    """A card's poster, or "" while it has none."""
    if film is None or not film.poster:
        return ""
    return f'<img class="lbrec-poster" src="{escape(film.poster)}" alt="Poster of {escape(title)}">'


def synopsis(film: FilmDetails | None) -> str:
    """The runtime and the synopsis (cut to two lines by the stylesheet; in full on hover)."""
    if film is None or not (film.overview or film.runtime):
        return ""
    hours, minutes = divmod(film.runtime or 0, 60)
    length = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    runtime = f'<span class="lbrec-runtime">{length}</span> ' if film.runtime else ""
    return f'<div class="lbrec-about" title="{escape(film.overview)}">{runtime}{escape(film.overview)}</div>'


def grid(answer: Answer, card_of: Card, details: Mapping[int, FilmDetails] | None = None) -> str:
    """The answer's line (fewer than asked stream on the services chosen), its cards made by `card_of` (with TMDb's
    details by TMDb id where they have come) and JustWatch's credit; a box when the options leave no film."""
    if not answer.films:
        return box("info", NOTHING_PASSES)
    details = details or {}
    cards = "".join(
        card_of(place, film, details.get(film.tmdbId) if film.tmdbId is not None else None)
        for place, film in enumerate(answer.films, 1)
    )
    note = box("info", answer.note) if answer.note else ""
    return f'{note}<div class="lbrec-grid">{cards}</div>{watch_credit(answer)}'
