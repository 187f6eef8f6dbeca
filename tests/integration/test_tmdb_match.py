"""A person's film found on TMDb, against the loopback TMDb over a table of films: the MovieLens matcher's care (no
namesake, the year within one, what is ambiguous asks), ids first, and the requests each film costs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.tmdb_server import DOWN, LoopbackTmdb
from lbrec.catalog.normalize import FilmQuery
from lbrec.tmdb import TmdbClient
from lbrec.tmdb.match import NO_ANSWER, WELL_KNOWN_VOTES, match_film, match_films
from tests.helpers.tmdb_films import ANORA, FILMS, HAMNET, HEAT, SECRET_AGENT, SIRAT


@pytest.fixture
def tmdb() -> Iterator[LoopbackTmdb]:
    with LoopbackTmdb(FILMS) as server:
        yield server


@pytest.fixture
def client(tmdb: LoopbackTmdb, tmp_path: Path) -> TmdbClient:
    return tmdb.client(tmp_path)


@pytest.mark.parametrize(
    ("title", "year", "tmdb_id", "confidence", "requests"),
    [
        ("Heat", 1995, HEAT, 0.97, 1),
        ("Anora", 2023, ANORA, 0.90, 2),  # a year off: the year's search finds nothing, the one without a year does
        ("300", 2006, 1271, 0.90, 1),  # premiered in 2006 (TMDb's year finds it), released in 2007
        ("Sirat", 2025, SIRAT, 0.97, 1),  # without its accent
        ("O Agente Secreto", 2025, SECRET_AGENT, 0.97, 1),  # by its original title
        ("secret agent", 2025, SECRET_AGENT, 0.97, 1),  # without its article, in any case
        ("Hamnett", 2025, HAMNET, 0.82, 1),  # a typo: TMDb's search is fuzzy, the spelling rule takes it
        ("Rocky 2", 1979, 1367, 0.90, 1),  # II written 2: the same spelling, a close spelling's best
        ("Infernal Affairs 3", 2003, 11636, 0.90, 1),  # III, never its sequel's namesake II
    ],
)
def test_a_film_of_that_title_within_a_year_is_matched(
    client: TmdbClient, title: str, year: int, tmdb_id: int, confidence: float, requests: int
) -> None:
    found = match_film(client, FilmQuery(title, year))
    assert (found.status, found.tmdb_id, found.film.tmdb_id) == ("matched", tmdb_id, tmdb_id)
    assert found.confidence == pytest.approx(confidence, abs=0.021) and client.requests_made == requests
    assert found.answered and "\n" not in found.reason


def test_no_namesake_from_another_year_is_ever_matched(client: TmdbClient) -> None:
    found = match_film(client, FilmQuery("Heat", 2005))
    assert (found.status, found.tmdb_id, found.candidates) == ("unmatched", None, ())
    assert found.reason == "TMDb has 'Heat' only from other years (1986, 1995)" and client.requests_made == 2
    assert match_film(client, FilmQuery("Possession", 1981)).tmdb_id == 21484  # not 2002's, nor The Possession


def test_two_years_apart_asks(client: TmdbClient) -> None:
    found = match_film(client, FilmQuery("Solaris", 1974))
    assert found.status == "uncertain" and found.tmdb_id is None and found.confidence < 0.8
    assert [c.label() for c in found.candidates] == ["Solaris (1972)"] and "2 apart" in found.reason


def test_namesakes_in_one_year_ask_unless_one_is_by_far_the_best_known(client: TmdbClient) -> None:
    home = match_film(client, FilmQuery("Home", 2024))
    assert home.status == "uncertain" and {c.tmdb_id for c in home.candidates} == {500001, 500002}
    assert "2 films have it" in home.reason
    alone = match_film(client, FilmQuery("Alone", 2020))
    assert (alone.status, alone.tmdb_id) == ("matched", 500003) and alone.confidence == pytest.approx(0.87)
    assert [c.tmdb_id for c in alone.candidates] == [500003, 500004]


def test_without_a_year_only_a_well_known_film_is_matched(client: TmdbClient) -> None:
    anora = match_film(client, FilmQuery("Anora"))
    assert (anora.status, anora.tmdb_id, anora.confidence) == ("matched", ANORA, 0.85)
    heat = match_film(client, FilmQuery("Heat"))
    assert (heat.status, heat.tmdb_id, heat.confidence) == ("matched", HEAT, 0.80)  # 7,100 votes against 60
    harbour = match_film(client, FilmQuery("Quiet Harbour"))  # 3 votes: it may be another film TMDb lacks
    assert harbour.status == "uncertain" and [c.tmdb_id for c in harbour.candidates] == [500005]
    assert WELL_KNOWN_VOTES == 100 and client.requests_made == 3  # one search each: no year to widen


def test_ids_go_first_a_tmdb_id_costs_no_request(client: TmdbClient) -> None:
    given = match_film(client, FilmQuery("Heat", 1995, tmdb_id=HEAT))
    assert (given.status, given.tmdb_id, given.confidence, given.film) == ("matched", HEAT, 1.0, None)
    assert client.requests_made == 0
    by_imdb = match_film(client, FilmQuery("Heat", 1995, imdb_id=113277))
    assert (by_imdb.tmdb_id, by_imdb.confidence, by_imdb.reason) == (HEAT, 1.0, "same IMDb id")
    far = match_film(client, FilmQuery("Heat", 1999, imdb_id=113277))
    assert (far.tmdb_id, far.confidence) == (HEAT, 0.9) and "1999 vs 1995" in far.reason
    unknown = match_film(client, FilmQuery("Anora", 2024, imdb_id=1))  # TMDb lacks the IMDb id: the title decides
    assert unknown.tmdb_id == ANORA and client.requests_made == 3  # find, find (the second is cached), search


def test_what_tmdb_files_as_tv_is_not_a_film(client: TmdbClient) -> None:
    found = match_film(client, FilmQuery("Twin Peaks: The Return", 2017))
    assert found.status == "unmatched" and found.answered and "no TMDb title is close" in found.reason


def test_tmdb_down_is_an_unanswered_film_and_nothing_raised(tmdb: LoopbackTmdb, client: TmdbClient) -> None:
    tmdb.fail(DOWN)
    found = match_films(client, [FilmQuery("Heat", 1995), FilmQuery("Heat", 1995, imdb_id=113277)])
    assert [(m.status, m.answered, m.reason) for m in found] == [("unmatched", False, NO_ANSWER)] * 2
    assert client.trouble


def test_many_films_are_matched_four_at_a_time_each_once(tmp_path: Path) -> None:
    with LoopbackTmdb(FILMS, latency=0.05) as tmdb:
        client = tmdb.client(tmp_path)
        films = [FilmQuery(row["title"], row["year"]) for row in FILMS[:16]]
        found = match_films(client, [*films, films[0]])
        assert [m.tmdb_id for m in found[:3]] == [HEAT, 26175, ANORA] and found[-1] == found[0]
        assert tmdb.server.max_in_flight == 4 and client.requests_made == 16


def test_a_match_says_itself_in_json_and_takes_the_persons_choice(client: TmdbClient) -> None:
    home = match_film(client, FilmQuery("Home", 2024))
    assert home.to_json() == {
        "query": "Home (2024)",
        "tmdbId": None,
        "title": None,
        "year": None,
        "confidence": 0.7,
        "status": "uncertain",
        "reason": home.reason,
        "candidates": [
            {"tmdbId": 500001, "title": "Home", "year": 2024, "score": 0.7},
            {"tmdbId": 500002, "title": "Home", "year": 2024, "score": 0.7},
        ],
    }
    chosen = home.confirmed(500002)
    assert (chosen.status, chosen.tmdb_id, chosen.reason, chosen.film.genres) == (
        "matched",
        500002,
        "picked by you",
        ("Documentary",),
    )
    assert home.confirmed(949) == home and chosen.confirmed(500001) == chosen
