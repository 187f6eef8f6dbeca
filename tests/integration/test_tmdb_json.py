"""`TmdbClient.cached_json`, the way a new TMDb call is added, against the loopback TMDb: the key sent and never
stored, the answer kept for the lifetime the call gives, a film TMDb lacks kept too, a failure not kept; and TMDb's
429 with Retry-After as an HTTP date, which holds back the client's other requests while it runs."""

from __future__ import annotations

import json
import threading
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from harness.fault_server import FaultServer, Reply
from harness.tmdb_server import IMAGES, JSON, V3_KEY, movie, serve_film
from lbrec.tmdb import TmdbClient
from lbrec.web import NOT_FOUND

SEARCH = "/3/search/movie"
FOUND = {"page": 1, "results": [{"id": 949, "title": "Heat"}, {"id": 8489, "title": "Heat"}]}


def tmdb(server: FaultServer, tmp_path: Path, **kwargs: object) -> TmdbClient:
    options: dict = {"cache_dir": tmp_path / "tmdb", "timeout": 1.0, "max_wait": 3.0}
    options.update(kwargs)
    return TmdbClient(V3_KEY, api_url=server.url, image_url=server.url + IMAGES, **options)


def ids(answer: dict) -> list[int]:
    return [result["id"] for result in answer["results"]]


def test_a_new_call_is_kept_for_its_lifetime_and_never_keeps_the_key(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route(SEARCH, Reply(200, json.dumps(FOUND).encode(), JSON))
    client = tmdb(fault_server, tmp_path)
    assert client.cached_json(SEARCH, {"query": "Heat", "year": 1995}, lifetime=60, keep=ids) == [949, 8489]
    (hit,) = fault_server.hits_for(SEARCH)
    assert parse_qs(urlsplit(hit.path).query) == {"api_key": [V3_KEY], "query": ["Heat"], "year": ["1995"]}
    again = tmdb(fault_server, tmp_path)
    assert again.cached_json(SEARCH, {"year": 1995, "query": "Heat"}, lifetime=60, keep=ids) == [949, 8489]
    assert again.requests_made == 0  # the same parameters in another order: the same entry
    assert again.cached_json(SEARCH, {"query": "Heat", "year": 1995}, lifetime=0, keep=ids) == [949, 8489]
    assert again.cached_json(SEARCH, {"query": "Heat"}, lifetime=60) == FOUND  # other parameters, another entry
    assert again.requests_made == 2
    for entry in (tmp_path / "tmdb").iterdir():
        assert V3_KEY not in entry.name and V3_KEY not in entry.read_text()


def test_what_tmdb_lacks_is_kept_and_a_failure_is_not(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/3/find/tt0113277", Reply(404, b'{"status_code":34}', JSON))
    fault_server.route("/3/movie/949/similar", Reply(503, b"down"))
    client = tmdb(fault_server, tmp_path)
    assert client.cached_json("/3/find/tt0113277", {"external_source": "imdb_id"}, lifetime=60) == NOT_FOUND
    assert client.cached_json("/3/movie/949/similar", lifetime=60, keep=ids) is None and client.trouble
    again = tmdb(fault_server, tmp_path)
    assert again.cached_json("/3/find/tt0113277", {"external_source": "imdb_id"}, lifetime=60) == NOT_FOUND
    assert again.requests_made == 0 and not again.trouble
    assert again.cached_json("/3/movie/949/similar", lifetime=60, keep=ids) is None and again.requests_made == 1


def test_a_429_with_an_http_date_waits_until_then(fault_server: FaultServer, tmp_path: Path) -> None:
    heat = movie(949, "Heat", 170)
    serve_film(fault_server, heat)
    fault_server.route(
        "/3/movie/949",
        Reply(429, b"{}", {"Retry-After": formatdate(time.time() + 2, usegmt=True), **JSON}),
        Reply(200, json.dumps(heat).encode(), JSON),
    )
    client = tmdb(fault_server, tmp_path)
    assert client.details(949) is not None and not client.trouble
    first, second = fault_server.hits_for("/3/movie/949")
    assert second.time - first.time >= 0.95


def test_a_429_holds_back_the_clients_other_requests(fault_server: FaultServer, tmp_path: Path) -> None:
    heat, alien = movie(949, "Heat", 170), movie(348, "Alien", 117)
    fault_server.route(
        "/3/movie/949", Reply(429, b"{}", {"Retry-After": "1", **JSON}), Reply(200, json.dumps(heat).encode(), JSON)
    )
    fault_server.route("/3/movie/348", Reply(200, json.dumps(alien).encode(), JSON))
    client = tmdb(fault_server, tmp_path)
    waiting = threading.Thread(target=client.watch, args=(949, "GB"))
    waiting.start()
    while not fault_server.hits_for("/3/movie/949"):
        time.sleep(0.01)
    time.sleep(0.2)  # the 429 has been read: its wait is with the client's gate
    assert client.watch(348, "GB") is not None
    waiting.join()
    (refused, retried), (other,) = fault_server.hits_for("/3/movie/949"), fault_server.hits_for("/3/movie/348")
    assert other.time - refused.time >= 0.95 and retried.time - refused.time >= 0.95
