"""The where-to-watch filter against a real loopback TMDb: it keeps the best candidates one of the services streams,
asks for the best first with at most four requests in flight, stops at k or at its limit, says how many it looked
at, skips the films TMDb does not answer for, stops on a refused key, and never shows the key."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from harness.fault_server import FaultServer, Reply
from harness.tmdb_server import (
    APPLE,
    IMAGES,
    JSON,
    MUBI,
    NETFLIX,
    TUBI,
    V3_KEY,
    V4_TOKEN,
    movie,
    offers,
    serve_film,
    with_providers,
)
from lbrec.errors import TmdbKeyError
from lbrec.tmdb.client import MAX_IN_FLIGHT, TmdbClient
from lbrec.tmdb.streaming import keep_streaming


def tmdb(server: FaultServer, tmp_path: Path, key: str = V3_KEY, **kwargs: object) -> TmdbClient:
    options: dict = {"cache_dir": tmp_path / "tmdb", "timeout": 1.0, "max_wait": 2.0}
    options.update(kwargs)
    return TmdbClient(key, api_url=server.url, image_url=server.url + IMAGES, **options)


def serve_films(server: FaultServer, count: int, on_netflix: set[int], delay: float = 0.0) -> None:
    """Films 1..count, each streaming on MUBI in GB, or on Netflix when in `on_netflix` (rented from Apple always)."""
    for tmdb_id in range(1, count + 1):
        where = offers(tmdb_id, flatrate=[NETFLIX if tmdb_id in on_netflix else MUBI], rent=[APPLE])
        serve_film(server, with_providers(movie(tmdb_id, f"Film {tmdb_id}"), GB=where), delay=delay)


def test_the_list_fills_to_k_with_the_best_films_that_pass(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_films(fault_server, 40, on_netflix=set(range(2, 41, 3)), delay=0.02)
    client = tmdb(fault_server, tmp_path)
    found = keep_streaming(client, range(1, 41), {"netflix"}, "GB", k=4)
    assert [position for position, _ in found.kept] == [1, 4, 7, 10] and found.looked_at == 11
    assert [watch.stream[0].name for _, watch in found.kept] == ["Netflix"] * 4 and found.unanswered == 0
    assert found.note(4, {"Netflix"}, "GB") == ""
    assert len({hit.path for hit in fault_server.hits}) <= 11 + 2 * MAX_IN_FLIGHT  # a few asked ahead
    assert fault_server.max_in_flight <= MAX_IN_FLIGHT
    cached = tmdb(fault_server, tmp_path)
    assert keep_streaming(cached, range(1, 41), {"Netflix"}, "GB", k=4) == found and cached.requests_made == 0


def test_it_stops_at_the_limit_and_says_how_many_it_found(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_films(fault_server, 30, on_netflix={3, 5})
    seen: list[tuple[int, int]] = []
    found = keep_streaming(
        tmdb(fault_server, tmp_path),
        range(1, 31),
        {"Netflix", "Hulu"},
        "GB",
        k=10,
        limit=8,
        progress=lambda looked_at, kept: seen.append((looked_at, kept)),
    )
    assert seen == [(1, 0), (2, 0), (3, 1), (4, 1), (5, 2), (6, 2), (7, 2), (8, 2)]
    assert [position for position, _ in found.kept] == [2, 4] and found.looked_at == 8
    assert (
        found.note(10, {"Netflix", "Hulu"}, "GB")
        == "Only 2 of the 8 best candidates stream on Hulu or Netflix in GB (United Kingdom)."
    )
    assert {int(hit.path.split("?")[0].rsplit("/", 1)[1]) for hit in fault_server.hits} == set(range(1, 9))


def test_when_nothing_passes_one_line_says_so(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_films(fault_server, 12, on_netflix=set())
    found = keep_streaming(tmdb(fault_server, tmp_path), range(1, 13), {"Netflix"}, "GB", k=5)
    assert found.kept == [] and found.looked_at == 12
    assert (
        found.note(5, {"Netflix"}, "GB")
        == "No film among the 12 best candidates streams on Netflix in GB (United Kingdom)."
    )
    elsewhere = keep_streaming(tmdb(fault_server, tmp_path), range(1, 13), {"MUBI"}, "US", k=5)
    assert elsewhere.kept == [] and len(fault_server.hits) == 12  # another country: the same cached answers


def test_streaming_means_a_subscription_free_or_with_ads_never_rent_or_buy(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    for tmdb_id, where in {
        1: offers(1, rent=[NETFLIX]),
        2: offers(2, buy=[NETFLIX]),
        3: offers(3, ads=[NETFLIX]),
        4: offers(4, free=[TUBI]),
        5: offers(5, flatrate=[NETFLIX]),
    }.items():
        serve_film(fault_server, with_providers(movie(tmdb_id, "X"), GB=where))
    found = keep_streaming(tmdb(fault_server, tmp_path), range(1, 6), {"NETFLIX", "tubi tv"}, "GB", k=10)
    assert [position for position, _ in found.kept] == [2, 3, 4]


def test_films_without_a_tmdb_id_never_pass_and_unanswered_films_are_skipped(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    serve_films(fault_server, 6, on_netflix={1, 2, 3, 4, 5, 6})
    fault_server.route("/3/movie/2", Reply(503, b"down"))
    fault_server.route("/3/movie/4", Reply(200, b"<html>", JSON))
    found = keep_streaming(tmdb(fault_server, tmp_path), [None, 1, 2, None, 3, 4, 5, 6], {"Netflix"}, "GB", k=10)
    assert [position for position, _ in found.kept] == [1, 4, 6, 7] and found.looked_at == 8
    assert found.unanswered == 2
    assert found.note(10, {"Netflix"}, "GB").endswith("(TMDb did not answer for 2 of them).")


def test_candidates_are_read_lazily_best_first(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_films(fault_server, 50, on_netflix={1, 2})
    drawn: list[int] = []

    def candidates():
        for tmdb_id in range(1, 10**6):
            drawn.append(tmdb_id)
            yield tmdb_id

    found = keep_streaming(tmdb(fault_server, tmp_path), candidates(), {"Netflix"}, "GB", k=2)
    assert found.looked_at == 2 and len(drawn) <= 2 + 2 * MAX_IN_FLIGHT
    assert keep_streaming(tmdb(fault_server, tmp_path), candidates(), {"Netflix"}, "GB", k=0).looked_at == 0


def test_a_refused_key_stops_the_filter(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_films(fault_server, 20, on_netflix=set())
    fault_server.route("/3/movie/3", Reply(401, b'{"status_code":7}', JSON))
    client = tmdb(fault_server, tmp_path)
    with pytest.raises(TmdbKeyError):
        keep_streaming(client, range(1, 21), {"Netflix"}, "GB", k=5)
    assert client.refused and len(fault_server.hits) <= 3 + 2 * MAX_IN_FLIGHT


@pytest.mark.parametrize("key", [V3_KEY, V4_TOKEN], ids=["v3", "v4"])
def test_the_key_is_never_logged_or_shown(
    fault_server: FaultServer, tmp_path: Path, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    serve_films(fault_server, 4, on_netflix={1})
    fault_server.route("/3/movie/2", Reply(200, json.dumps({"id": 2}).encode()[:5], JSON))
    fault_server.route("/3/movie/4", Reply(401, b"{}", JSON))
    client = tmdb(fault_server, tmp_path, key, cache=False)
    with pytest.raises(TmdbKeyError) as refused:
        keep_streaming(client, range(1, 5), {"Netflix"}, "GB", k=4)
    assert any("/3/movie/1" in record.getMessage() for record in caplog.records)
    for text in (caplog.text, str(refused.value), repr(refused.value), repr(client)):
        assert key not in text
