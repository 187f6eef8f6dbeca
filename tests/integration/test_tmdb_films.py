"""TMDb as a second catalog, against the loopback TMDb over a table of films: every call's request and records, what
is read of answers of the wrong shape, a day's cache, four requests in flight, and every fault ending in no answer
and `trouble`, never an exception but the refused key's one line."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from harness.fault_server import Reply
from harness.tmdb_server import (
    DOWN,
    JSON,
    MISSING,
    NONSENSE,
    REFUSED,
    V3_KEY,
    LoopbackTmdb,
    nonsense,
    rate_limited,
    timed_out,
    truncated,
)
from lbrec.errors import TmdbKeyError
from lbrec.tmdb import KEY_REFUSED, TmdbClient
from lbrec.tmdb.client import MAX_IN_FLIGHT
from lbrec.tmdb.films import ask_many, details, discover, find_imdb, recommendations, search, similar
from lbrec.tmdb.records import TmdbDetails, TmdbFilm
from tests.helpers.tmdb_films import ANORA, FILMS, HAMNET, HEAT, SIRAT

CALLS: dict[str, Callable[[TmdbClient], object]] = {
    "search": lambda client: search(client, "Heat", 1995),
    "find": lambda client: find_imdb(client, 113277),
    "details": lambda client: details(client, HEAT),
    "recommendations": lambda client: recommendations(client, HEAT),
    "similar": lambda client: similar(client, HEAT),
    "discover": lambda client: discover(client, date(2019, 1, 1)),
}


@pytest.fixture
def tmdb() -> Iterator[LoopbackTmdb]:
    with LoopbackTmdb(FILMS) as server:
        yield server


def sent(tmdb: LoopbackTmdb, path: str) -> dict[str, list[str]]:
    (hit,) = [hit for hit in tmdb.hits if urlsplit(hit.path).path == path]
    return parse_qs(urlsplit(hit.path).query)


def test_a_search_sends_the_title_and_year_and_reads_tmdbs_films(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    client = tmdb.client(tmp_path)
    (heat,) = search(client, "  Heat\n", 1995)
    assert sent(tmdb, "/3/search/movie") == {
        "query": ["Heat"],
        "year": ["1995"],
        "include_adult": ["false"],
        "api_key": [V3_KEY],
    }
    assert heat == TmdbFilm(
        HEAT, "Heat", "Heat", "1995-12-15", 1995, (28, 80, 18), "en", 40.0, 7100, 7.9, f"/poster{HEAT}.png"
    )
    assert heat.genres == ("Action", "Crime", "Drama") and client.requests_made == 1 and not client.trouble
    assert [film.year for film in search(client, "heat")] == [1995, 1986]  # no year: namesakes, best known first
    assert [film.tmdb_id for film in search(client, "SIRAT")] == [SIRAT]  # any case, without accents
    assert search(client, "  ") == [] and client.requests_made == 3  # nothing to search: no request


def test_find_asks_by_imdb_id_and_an_unknown_one_is_an_answer(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    client = tmdb.client(tmp_path)
    assert [film.title for film in find_imdb(client, 113277)] == ["Heat"]
    assert sent(tmdb, "/3/find/tt0113277") == {"external_source": ["imdb_id"], "api_key": [V3_KEY]}
    assert find_imdb(client, 9999999) == [] and not client.trouble
    assert find_imdb(client, 0) == [] and client.requests_made == 2


def test_details_come_in_one_request_that_also_fills_the_films_card(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    client = tmdb.client(tmp_path)
    heat = details(client, HEAT)
    assert isinstance(heat, TmdbDetails) and (heat.title, heat.year, heat.runtime, heat.imdb_id) == (
        "Heat",
        1995,
        170,
        113277,
    )
    assert heat.genres == ("Action", "Crime", "Drama") and heat.directors == ("Michael Mann",)
    assert heat.keywords == ("heist", "los angeles", "cat and mouse") and heat.vote_count == 7100
    assert sent(tmdb, f"/3/movie/{HEAT}")["append_to_response"] == ["keywords,credits,watch/providers"]
    card = client.details(HEAT)  # the card: its synopsis and runtime kept from that answer, the poster fetched now
    assert card is not None and card.runtime == 170 and card.poster.startswith("data:image/png")
    assert client.watch(HEAT, "GB").stream[0].name == "Netflix"
    assert client.requests_made == 2  # the details, then only the poster
    assert details(client, 123) is None and not client.trouble  # a film TMDb lacks
    again = tmdb.client(tmp_path)
    assert details(again, 123) is None and again.requests_made == 0  # remembered for the day


def test_recommendations_and_similar_are_page_one_of_films_like_it(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    client = tmdb.client(tmp_path)
    recommended, alike = recommendations(client, HEAT), similar(client, HEAT)
    assert recommended and alike and HEAT not in {f.tmdb_id for f in recommended + alike}
    assert all({28, 80, 18} & set(film.genre_ids) for film in recommended + alike)
    assert sent(tmdb, f"/3/movie/{HEAT}/recommendations") == {"api_key": [V3_KEY]}  # page 1: TMDb's default
    assert recommendations(client, 123) == [] and not client.trouble  # a film TMDb lacks: none


def test_discover_asks_for_well_voted_releases_since_a_date(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    client = tmdb.client(tmp_path)
    found = discover(client, date(2024, 1, 1), min_votes=500, genre_ids=[35, 18])
    assert [film.title for film in found] == ["Anora", "Hamnet", "Sentimental Value"]  # most votes first
    assert sent(tmdb, "/3/discover/movie") == {
        "primary_release_date.gte": ["2024-01-01"],
        "vote_count.gte": ["500"],
        "sort_by": ["vote_count.desc"],
        "include_adult": ["false"],
        "page": ["1"],
        "with_genres": ["18|35"],
        "api_key": [V3_KEY],
    }
    newest = discover(client, date(2025, 1, 1), until=date(2025, 12, 31), sort_by="primary_release_date.desc")
    assert [film.year for film in newest] == [2025] * 5 and newest[0].title == "Hamnet"
    with pytest.raises(ValueError, match="sort_by must be one of"):
        discover(client, date(2025, 1, 1), sort_by="title.asc")


def test_every_answer_is_kept_a_day(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    first = {name: call(tmdb.client(tmp_path)) for name, call in CALLS.items()}
    assert all(first.values()) and len(tmdb.hits) == len(CALLS)
    again = tmdb.client(tmp_path)
    assert {name: call(again) for name, call in CALLS.items()} == first and again.requests_made == 0
    for entry in (tmp_path).glob("*.json"):  # a day and a minute later
        kept = json.loads(entry.read_text())
        entry.write_text(json.dumps({**kept, "fetched": kept["fetched"] - 86460}))
    later = tmdb.client(tmp_path)
    assert {name: call(later) for name, call in CALLS.items()} == first and later.requests_made == len(CALLS)


def test_a_client_asks_once_even_without_a_disk_cache_and_never_keeps_a_failure(
    tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = tmdb.client(None)  # no disk cache (a loopback TMDb's): what it was answered stays in its memory
    first = {name: call(client) for name, call in CALLS.items()}
    assert all(first.values()) and client.requests_made == len(CALLS)
    assert {name: call(client) for name, call in CALLS.items()} == first and client.requests_made == len(CALLS)
    later = time.time() + 86460  # a day and a minute later: asked again
    monkeypatch.setattr("lbrec.tmdb.client.time.time", lambda: later)
    assert {name: call(client) for name, call in CALLS.items()} == first and client.requests_made == 2 * len(CALLS)
    monkeypatch.undo()
    tmdb.fail(DOWN)
    failing = tmdb.client(None)
    assert CALLS["search"](failing) is None and failing.trouble
    tmdb.heal()
    assert CALLS["search"](failing) and failing.requests_made == 2  # the failure was not remembered


def test_many_at_once_go_four_at_a_time(tmp_path: Path) -> None:
    with LoopbackTmdb(FILMS, latency=0.1) as tmdb:
        client = tmdb.client(tmp_path)
        ids = [row["id"] for row in FILMS[:12]]
        started = time.monotonic()
        found = ask_many(client, details, [*ids, HEAT])
        assert list(found) == ids and all(found.values()) and not client.trouble
        assert tmdb.server.max_in_flight == MAX_IN_FLIGHT == 4 and client.requests_made == 12
        assert time.monotonic() - started >= 0.28  # three rounds of 100 ms
        titles = ask_many(client, lambda c, film: search(c, *film), [("Anora", 2024), ("Hamnet", 2025)])
        assert [films[0].tmdb_id for films in titles.values()] == [ANORA, HAMNET]


FAULTS = {
    "5xx": DOWN,
    "timeout": timed_out(2.0),
    "cut short": truncated,
    "429 beyond the wait": rate_limited("3600"),
    **{f"nonsense: {kind}": nonsense(kind) for kind in NONSENSE},
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_a_fault_is_no_answer_with_trouble_and_nothing_kept(
    tmdb: LoopbackTmdb, tmp_path: Path, call: Callable, fault: object
) -> None:
    tmdb.fail(fault)
    client = tmdb.client(tmp_path, timeout=0.5)
    assert call(client) is None and client.trouble and not client.refused
    tmdb.heal()
    healed = tmdb.client(tmp_path)
    assert call(healed) and healed.requests_made == 1 and not healed.trouble  # the failure was not kept


def test_a_429_waits_as_long_as_retry_after_asks(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    tmdb.fail(rate_limited("1"), times=1)
    client = tmdb.client(tmp_path)
    assert [film.year for film in search(client, "Heat", 1995)] == [1995] and not client.trouble
    refused, answered = tmdb.hits
    assert answered.time - refused.time >= 0.95 and client.requests_made == 2


def test_a_refused_key_raises_one_line_once_and_nothing_more_is_sent(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    tmdb.fail(REFUSED)
    client = tmdb.client(tmp_path)
    for call in CALLS.values():
        with pytest.raises(TmdbKeyError) as refused:
            call(client)
        assert str(refused.value) == KEY_REFUSED
    with pytest.raises(TmdbKeyError):
        ask_many(client, details, [HEAT, ANORA])
    assert len(tmdb.hits) == 1 and client.refused


def test_a_film_tmdb_lacks_is_remembered_as_lacking(tmdb: LoopbackTmdb, tmp_path: Path) -> None:
    tmdb.fail(MISSING, under="/3/search")
    client = tmdb.client(tmp_path)
    assert search(client, "Heat") == [] and not client.trouble
    assert search(tmdb.client(tmp_path), "Heat") == [] and len(tmdb.hits) == 1


def test_fields_of_the_wrong_shape_are_left_out_and_so_are_films_without_an_id_or_title(
    tmdb: LoopbackTmdb, tmp_path: Path
) -> None:
    good = {"id": 7, "title": "Good", "release_date": "2024-05-01", "vote_count": 10}
    page = {
        "results": [
            good,
            {**good, "title": "Twice"},
            {"id": "8", "title": "Id as text"},
            {"id": 9, "title": 9},
            {"id": 10},
            {"id": True, "title": "A bool"},
            "not a film",
            None,
            {
                "id": 11,
                "title": " Odd\u202e\n  fields\x00 ",
                "release_date": "2024-13-45",
                "popularity": float("inf"),
                "vote_count": -5,
                "vote_average": 11,
                "genre_ids": "28",
                "original_language": "English",
                "poster_path": "../../etc/passwd",
                "original_title": ["x"],
            },
            {
                "id": 12,
                "title": "Numbers",
                "popularity": 2**80,
                "vote_count": 3.5,
                "genre_ids": [28, "35", True, 2**40],
            },
        ]
    }
    tmdb.server.route("/3/search/movie", Reply(200, json.dumps(page).encode(), JSON))
    good_film, odd, numbers = search(tmdb.client(tmp_path), "anything")
    assert good_film == TmdbFilm(7, "Good", release_date="2024-05-01", year=2024, vote_count=10)
    assert odd == TmdbFilm(11, "Odd fields")
    assert numbers == TmdbFilm(12, "Numbers", genre_ids=(28,))
    answer = {
        "id": 5,
        "title": "Details",
        "genres": {"id": 18},
        "runtime": "170",
        "imdb_id": 113277,
        "keywords": [{"name": "not in a block"}],
        "credits": {
            "crew": [None, {"job": "Director"}, {"job": "Director", "name": "Ann Lee"}, {"job": "Writer", "name": "Bo"}]
        },
    }
    tmdb.server.route("/3/movie/5", Reply(200, json.dumps(answer).encode(), JSON))
    assert details(tmdb.client(tmp_path), 5) == TmdbDetails(5, "Details", directors=("Ann Lee",))


def test_the_loopback_tmdb_reads_rows_as_a_data_frame_gives_them(tmp_path: Path) -> None:
    """The members' films.csv layout: no ids (a row's position stands), empty fields, a film TMDb files as TV."""
    text = (
        "slug,title,year,genres,language,runtime,release_date,popularity,content_type\n"
        "heat,Heat,1995,Action|Crime|Drama,en,170,1995-12-15,40.5,movie\n"
        "gone,,,,,,,,\n"
        "the-wire,The Wire,2002,Drama,en,,,,tv\n"
        "anora,Anora,2024,Drama|Sci-Fi & Fantasy,en,139,,,\n"
    )
    rows = pd.read_csv(io.StringIO(text)).to_dict("records")
    with LoopbackTmdb(rows) as tmdb:
        client = tmdb.client(tmp_path)
        (heat,) = search(client, "heat", 1995)
        assert (heat.tmdb_id, heat.genres, heat.popularity) == (1, ("Action", "Crime", "Drama"), 40.5)
        (anora,) = search(client, "Anora", 2024)
        assert (anora.tmdb_id, anora.release_date, anora.genres, anora.vote_count) == (4, "2024-01-01", ("Drama",), 0)
        assert details(client, 4).runtime == 139 and details(client, 3) is None and search(client, "wire") == []
