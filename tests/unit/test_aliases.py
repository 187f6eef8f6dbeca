"""A watched film the matcher cannot place keeps its aliases out of every answer: the same year and one title
inside the other (a franchise prefix, an article, a subtitle), or the candidates of the very same title; never a
namesake of another year, a one-word title inside a longer one, or a film whose id says it differs."""

from __future__ import annotations

import pandas as pd
import pytest

from lbrec.catalog.index import MatchIndex
from lbrec.catalog.matches import match_films
from lbrec.catalog.normalize import FilmQuery
from lbrec.data.titles import split_title

# movieId, MovieLens title, tmdbId, number of ratings
MOVIES = [
    (1, "Monty Python's Life of Brian (1979)", 583, 200),
    (2, "Grand Day Out with Wallace and Gromit, A (1989)", 530, 40),
    (3, "Star Wars: Episode VII - The Force Awakens (2015)", 140607, 300),
    (4, "Heat and Dust (1983)", 10000, 5),
    (5, "Heat (1995)", 949, 100),
    (6, "Life of Brian Jones, The (2005)", 10001, 1),  # holds the words, another year
    (7, "Leviathan (2014)", 265180, 20),
] + [(100 + i, f"Filler Film {i} (2000)", 90000 + i, 1) for i in range(40)]


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    parts = [split_title(title) for _, title, _, _ in MOVIES]
    return MatchIndex(
        pd.DataFrame(
            {
                "movieId": [m[0] for m in MOVIES],
                "ml_title": [m[1] for m in MOVIES],
                "title": [p.title for p in parts],
                "year": pd.array([p.year for p in parts], dtype="Int32"),
                "alternates": [list(p.alternates) for p in parts],
                "imdbId": pd.array([None] * len(MOVIES), dtype="Int64"),
                "tmdbId": pd.array([m[2] for m in MOVIES], dtype="Int64"),
                "n_ratings": [m[3] for m in MOVIES],
            }
        )
    )


def aliases(index: MatchIndex, title: str, year: int | None, tmdb_id: int | None = None) -> list[int]:
    film = FilmQuery(title, year, tmdb_id=tmdb_id)
    return index.aliases.of(film, index.match_many([film])[0])


@pytest.mark.parametrize(
    "title, year, expected",
    [
        ("Life of Brian", 1979, [1]),  # a franchise prefix
        ("A Grand Day Out", 1989, [2]),  # an article, and a title inside a longer one
        ("Star Wars: The Force Awakens", 2015, [3]),  # the matcher's candidate, its words in order
        ("Leviathan", 2012, [7]),  # the very same title, two years apart: the matcher's candidate
    ],
)
def test_a_watched_film_not_placed_keeps_its_aliases_out(
    index: MatchIndex, title: str, year: int, expected: list[int]
) -> None:
    assert index.match_many([FilmQuery(title, year)])[0].status != "matched"
    assert aliases(index, title, year) == expected


@pytest.mark.parametrize(
    "title, year",
    [
        ("Life of Brian", 1980),  # another year
        ("Dust", 1983),  # one word inside a longer title is no evidence
        ("The Force", 2015),  # "the" aside, one word
        ("Brian Jones", 1979),  # the words of a film of another year
    ],
)
def test_nothing_is_kept_out_on_weaker_evidence(index: MatchIndex, title: str, year: int) -> None:
    assert aliases(index, title, year) == []


def test_a_placed_film_or_an_id_that_differs_keeps_nothing_else_out(index: MatchIndex) -> None:
    assert aliases(index, "Heat", 1995) == []  # matched: the match itself is what is left out
    assert aliases(index, "Life of Brian", 1979, tmdb_id=999999) == []  # its id says it is another film


def test_the_watched_films_of_a_history_take_their_aliases_with_them(index: MatchIndex) -> None:
    watched = [FilmQuery("Heat", 1995), FilmQuery("Life of Brian", 1979), FilmQuery("A Grand Day Out", 1989)]
    matched = match_films(index, watched[:1], watched)
    assert matched.positives == [5] and matched.watched == {1, 2, 5}
