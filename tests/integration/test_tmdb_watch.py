"""Where to watch from the TMDb client against a real loopback server standing in for TMDb: the providers read
per country from the one request a film costs, their cache (a day) beside the details' (30 days), the services a
country has, and every fault the filter must survive."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from harness.fault_server import FaultServer, Reply
from harness.tmdb_server import (
    APPLE,
    BBC,
    IMAGES,
    JSON,
    MUBI,
    NETFLIX,
    OFFERED,
    PRIME,
    TUBI,
    V3_KEY,
    movie,
    offers,
    serve_film,
    serve_offered,
    with_providers,
)
from lbrec.errors import TmdbKeyError, WhereToWatchError
from lbrec.tmdb.client import KEY_REFUSED, MAX_IN_FLIGHT, TmdbClient
from lbrec.tmdb.environment import TMDB_KEY_ENV, TMDB_URL_ENV, tmdb_from_env
from lbrec.tmdb.streaming import services_in

HEAT = with_providers(
    movie(949, "Heat", 170),
    GB=offers(949, flatrate=[NETFLIX, MUBI], rent=[APPLE, PRIME], buy=[APPLE]),
    US=offers(949, ads=[TUBI], free=[BBC]),
)


def tmdb(server: FaultServer, tmp_path: Path, **kwargs: object) -> TmdbClient:
    options: dict = {"cache_dir": tmp_path / "tmdb", "timeout": 1.0, "max_wait": 2.0}
    options.update(kwargs)
    return TmdbClient(V3_KEY, api_url=server.url, image_url=server.url + IMAGES, **options)


def test_the_providers_are_read_per_country_in_display_order(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_film(fault_server, HEAT)
    client = tmdb(fault_server, tmp_path)
    gb = client.watch(949, "GB")
    assert gb is not None and gb.to_json() == {
        "country": "GB",
        "stream": ["Netflix", "MUBI"],
        "free": [],
        "ads": [],
        "rent": ["Apple TV", "Amazon Prime Video"],
        "buy": ["Apple TV"],
        "link": "https://www.themoviedb.org/movie/949/watch?locale=GB",
    }
    assert gb.stream[0].logo == f"{fault_server.url}/t/p/w92/logo8.jpg"
    us = client.watch(949, "US")
    assert us is not None and (us.to_json()["ads"], us.to_json()["free"]) == (["Tubi TV"], ["BBC iPlayer"])
    assert us.stream == ()
    france = client.watch(949, "FR")
    assert france is not None and france.is_empty() and france.link.endswith("locale=FR")
    assert len(fault_server.hits_for("/3/movie/949")) == 1 and not fault_server.hits_for(f"{IMAGES}/poster949.png")


def test_one_request_per_film_brings_the_details_and_the_providers(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_film(fault_server, HEAT)
    serve_film(fault_server, with_providers(movie(680, "Pulp Fiction"), GB=offers(680, flatrate=[NETFLIX])))
    client = tmdb(fault_server, tmp_path)
    assert client.details(949) is not None and client.watch(949, "GB") is not None  # details first...
    assert client.watch(680, "GB") is not None  # ...or the providers first: the card's details are then cached
    film = tmdb(fault_server, tmp_path).details(680)
    assert film is not None and film.title == "Pulp Fiction" and film.poster.startswith("data:image/png")
    assert [len(fault_server.hits_for(f"/3/movie/{i}")) for i in (949, 680)] == [1, 1]
    assert len(fault_server.hits_for(f"{IMAGES}/poster680.png")) == 1  # the image CDN, when a card needs it


def test_the_films_shown_get_their_options_four_at_a_time(fault_server: FaultServer, tmp_path: Path) -> None:
    for tmdb_id in range(1, 10):
        serve_film(fault_server, with_providers(movie(tmdb_id, "X"), GB=offers(tmdb_id, buy=[APPLE])), delay=0.1)
    fault_server.route("/3/movie/5", Reply(503, b"down"))
    client = tmdb(fault_server, tmp_path)
    found = client.watch_many([1, 2, 3, 4, 5, 6, 7, 8, 9, 1], "GB")
    assert sorted(found) == [1, 2, 3, 4, 6, 7, 8, 9] and client.trouble
    assert found[9].to_json()["buy"] == ["Apple TV"] and fault_server.max_in_flight <= MAX_IN_FLIGHT


def test_cached_providers_cost_no_request_for_a_day(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_film(fault_server, HEAT)
    assert tmdb(fault_server, tmp_path).details(949) is not None
    again = tmdb(fault_server, tmp_path)
    assert again.watch(949, "GB") == again.cached_watch(949, "GB") is not None and again.requests_made == 0
    stale = tmdb(fault_server, tmp_path, watch_ttl=0)
    assert stale.cached_watch(949, "GB") is None and stale.watch(949, "GB") is not None
    assert stale.details(949) is not None and stale.requests_made == 1  # the details were still fresh
    memory = tmdb(fault_server, tmp_path)
    memory.watch(949, "GB")
    (tmp_path / "tmdb" / "949.watch.txt").unlink()
    assert memory.watch(949, "US") is not None and memory.requests_made == 0  # kept in memory too


@pytest.mark.parametrize(
    "damage",
    [
        "lbrec-watch-providers/1 1e18\nGB\t8||||\nend\n",
        "lbrec-watch-providers/1 1e18\n8\tNetflix\nGB\t8||||\nend\n",
        "lbrec-watch-providers/1 nan\nend\n",
        "lbrec-watch-providers/1 x\nend\n",
        "lbrec-watch-providers/2 1e18\nend\n",
        "lbrec-watch-providers/1 1e18\n",
        "{damaged",
        "",
    ],
    ids=["unknown id", "short provider line", "nan time", "bad time", "other version", "no end", "not ours", "empty"],
)
def test_a_damaged_providers_entry_is_only_a_miss(fault_server: FaultServer, tmp_path: Path, damage: str) -> None:
    serve_film(fault_server, HEAT)
    tmdb(fault_server, tmp_path).watch(949, "GB")
    (tmp_path / "tmdb" / "949.watch.txt").write_text(damage)
    client = tmdb(fault_server, tmp_path)
    assert client.cached_watch(949, "GB") is None and client.watch(949, "GB").stream[0].name == "Netflix"
    assert client.requests_made == 1


@pytest.mark.parametrize("kept", [0, 1, 0.25, 0.5, 0.75, 0.99], ids=lambda kept: f"cut to {kept}")
def test_an_entry_cut_short_is_read_as_a_miss(fault_server: FaultServer, tmp_path: Path, kept: float) -> None:
    """What a power cut may leave of an entry written without fsync (lbrec.artifacts, durable=False)."""
    serve_film(fault_server, HEAT)
    tmdb(fault_server, tmp_path).watch(949, "GB")
    for name in ("949.watch.txt", "949.json"):
        data = (tmp_path / "tmdb" / name).read_bytes()
        (tmp_path / "tmdb" / name).write_bytes(data[: int(kept * len(data)) if kept < 1 else 1])
    client = tmdb(fault_server, tmp_path)
    assert client.watch(949, "GB").stream[0].name == "Netflix" and client.details(949).title == "Heat"
    assert len(fault_server.hits_for("/3/movie/949")) == 2


def test_a_film_tmdb_lacks_is_offered_nowhere_and_not_asked_again(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/3/movie/949", Reply(404, b'{"status_code":34}', JSON))
    watch = tmdb(fault_server, tmp_path).watch(949, "GB")
    assert watch is not None and watch.is_empty()
    assert tmdb(fault_server, tmp_path).details(949) is None and len(fault_server.hits) == 1


def test_a_refused_key_raises_and_sends_nothing_more(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/3/movie/949", Reply(401, b'{"status_code":7}', JSON))
    client = tmdb(fault_server, tmp_path)
    with pytest.raises(TmdbKeyError, match=KEY_REFUSED):
        client.watch(949, "GB")
    with pytest.raises(TmdbKeyError):
        client.providers_offered("GB")
    assert len(fault_server.hits) == 1


def test_a_429_waits_for_retry_after_then_the_providers_come(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route(
        "/3/movie/949", Reply(429, b"{}", {"Retry-After": "1", **JSON}), Reply(200, json.dumps(HEAT).encode(), JSON)
    )
    client = tmdb(fault_server, tmp_path)
    assert client.watch(949, "GB").stream[0].name == "Netflix" and not client.trouble
    first, second = fault_server.hits_for("/3/movie/949")
    assert second.time - first.time >= 0.95


@pytest.mark.parametrize(
    "reply",
    [
        Reply(503, b"down"),
        Reply(502, b"<html>bad gateway</html>"),
        Reply(200, b"<html>maintenance</html>", JSON),
        Reply(200, b'"text"', JSON),
        Reply(200, json.dumps(HEAT).encode(), JSON, truncate_to=40),
        Reply(200, b"[" * 100_000, JSON),
        Reply(200, b"{}", JSON, delay=2.0),
        Reply(429, b"{}", {"Retry-After": "3600", **JSON}),
    ],
    ids=["503", "502", "not JSON", "not an object", "truncated", "deep nesting", "timeout", "429 too long"],
)
def test_a_film_tmdb_cannot_answer_has_no_providers_and_nothing_is_cached(
    fault_server: FaultServer, tmp_path: Path, reply: Reply
) -> None:
    fault_server.route("/3/movie/949", reply)
    client = tmdb(fault_server, tmp_path, timeout=0.5)
    started = time.monotonic()
    assert client.watch(949, "GB") is None and client.trouble and not client.refused
    assert time.monotonic() - started < 1.5
    assert not (tmp_path / "tmdb" / "949.watch.txt").exists() and not (tmp_path / "tmdb" / "949.json").exists()
    serve_film(fault_server, HEAT)
    assert tmdb(fault_server, tmp_path).watch(949, "GB").stream[0].name == "Netflix"


def test_malformed_providers_are_left_out_not_raised(fault_server: FaultServer, tmp_path: Path) -> None:
    block = {
        "results": {
            "GB": {
                "flatrate": [
                    {"provider_id": "8", "provider_name": "Netflix"},
                    None,
                    3,
                    {
                        "provider_id": 11,
                        "provider_name": "MUBI\x00\n",
                        "logo_path": "javascript:alert(1)",
                        "display_priority": "first",
                    },
                ],
                "rent": "Apple",
            },
            "gb": {"flatrate": [{"provider_id": 9, "provider_name": "Prime"}]},
            "XX": [],
        }
    }
    serve_film(fault_server, {**movie(949, "Heat"), "watch/providers": block})
    gb = tmdb(fault_server, tmp_path).watch(949, "GB")
    assert gb is not None and [(p.id, p.name, p.logo) for p in gb.stream] == [(11, "MUBI", "")] and gb.rent == ()


def test_the_services_a_country_has_are_listed_cached_and_check_names(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    serve_offered(fault_server, "GB", [NETFLIX, BBC, MUBI, PRIME])
    client = tmdb(fault_server, tmp_path)
    offered = client.providers_offered("GB")
    assert [p.name for p in offered] == ["Netflix", "BBC iPlayer", "MUBI", "Amazon Prime Video"]
    assert offered[0].logo == f"{fault_server.url}/t/p/w92/logo8.jpg"
    (hit,) = fault_server.hits_for(OFFERED)
    assert "watch_region=GB" in hit.path
    again = tmdb(fault_server, tmp_path)
    assert services_in(again, ["netflix", "  mubi "], "GB") == {"Netflix", "MUBI"} and again.requests_made == 0
    with pytest.raises(WhereToWatchError, match=r"no service called 'Netflx' in GB \(close names: Netflix"):
        services_in(again, ["Netflx"], "GB")
    fault_server.route(OFFERED, Reply(503, b"down"))
    with pytest.raises(WhereToWatchError, match="TMDb did not answer with the services of FR"):
        services_in(tmdb(fault_server, tmp_path), ["Netflix"], "FR")


def test_the_command_line_and_the_app_get_the_same_client_from_the_environment(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TMDB_KEY_ENV, raising=False)
    assert tmdb_from_env() is None
    monkeypatch.setenv(TMDB_KEY_ENV, f" {V3_KEY} ")
    monkeypatch.setenv(TMDB_URL_ENV, fault_server.url)
    client = tmdb_from_env()
    assert client.api_url == fault_server.url and client.cache_dir is None  # a loopback TMDb is never cached
    assert V3_KEY not in repr(client)
