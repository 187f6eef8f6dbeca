"""lbrec.share: the picture to post is 1200x1500 px, lays out 1 to 50 films without any text overlapping or leaving
the picture, shortens long titles and keeps accents."""

from __future__ import annotations

import io
import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from lbrec.serving.results import FilmRef
from lbrec.share import MAX_FILMS, SharedFilm, share_picture, share_png, shared_films, without_a_shared_reason

LONG = "The Extraordinarily Long Title of a Film — Ça va, Ælfred, Øresund, São Paulo, Łódź and Ísafjörður"


def films(n: int, title: str = LONG) -> list[SharedFilm]:
    return [
        SharedFilm(f"{title} {i}", 1950 + i, ("Heat", "Amélie", "Crouching Tiger, Hidden Dragon") * (i % 3))
        for i in range(n)
    ]


def texts(figure: Figure) -> list[tuple[str, object]]:
    renderer = FigureCanvasAgg(figure).get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in figure.axes[0].texts]


@pytest.mark.parametrize("n", [1, 10, 50])
def test_a_picture_is_a_1200_by_1500_png(n: int) -> None:
    data = share_png(films(n), subtitle="for Ana + Bo")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert imread(io.BytesIO(data)).shape[:2] == (1500, 1200)


@pytest.mark.parametrize("n", [1, 10, 16, 17, 50])
def test_no_text_overlaps_another_or_leaves_the_picture(n: int) -> None:
    figure = share_picture(films(n), subtitle="for Ana + Bo, with a subtitle far too long to fit on one line " * 3)
    boxes = texts(figure)
    assert len(boxes) >= n * 2  # a rank and a title per film
    for text, box in boxes:
        assert box.x0 >= 0 and box.x1 <= 1200 and box.y0 >= 0 and box.y1 <= 1500, text
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b)


def test_long_titles_are_shortened_keeping_their_year_and_accents() -> None:
    shown = [text for text, _ in texts(share_picture(films(10)))]
    titles = [t for t in shown if t.startswith("The Extraordinarily")]
    assert len(titles) == 10 and all(t.endswith(f"… ({1950 + i})") for i, t in enumerate(titles))
    accented = share_picture([SharedFilm("Amélie", 2001, ("Léon",))])
    assert {"Amélie (2001)", "because you liked Léon"} <= {text for text, _ in texts(accented)}


def test_a_list_longer_than_the_picture_says_how_many_more_it_holds() -> None:
    shown = [text for text, _ in texts(share_picture(films(MAX_FILMS + 7, "Heat")))]
    assert str(MAX_FILMS) in shown and str(MAX_FILMS + 1) not in shown
    assert any("and 7 more" in text for text in shown)


def test_an_empty_list_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one film"):
        share_png([])


def test_a_poster_is_drawn_in_its_card() -> None:
    poster = np.zeros((3, 2, 3))
    poster[..., 0] = 1.0  # red
    picture = imread(io.BytesIO(share_png([SharedFilm("Heat", 1995, poster=poster)])))
    assert (np.all(picture[..., :3] == [1.0, 0.0, 0.0], axis=-1)).sum() > 10_000


def test_records_of_every_question_become_films_to_share() -> None:
    alien, leon, fargo = FilmRef(1, "Alien", 1979), FilmRef(2, "Léon", 1994), FilmRef(3, "Fargo", 1996)
    pick = SimpleNamespace(
        title="Heat",
        year=1995,  # the fields a `GroupPick` shares with the other records
        because={"ana": [alien, fargo], "bo": [leon, alien]},
    )
    assert shared_films([pick]) == [SharedFilm("Heat", 1995, ("Alien", "Léon", "Fargo"))]  # the members in turns
    ranked = SimpleNamespace(title="Heat", year=None, because=[leon])
    assert shared_films([ranked]) == [SharedFilm("Heat", None, ("Léon",))]


def test_one_reason_shared_by_every_film_is_left_to_the_subtitle() -> None:
    like_heat = [SharedFilm("Ronin", 1998, ("Heat",)), SharedFilm("Thief", 1981, ("Heat",))]
    assert [film.because for film in without_a_shared_reason(like_heat)] == [(), ()]
    mixed = [*like_heat, SharedFilm("Alien", 1979, ("Heat", "Aliens"))]
    assert without_a_shared_reason(mixed) == mixed
