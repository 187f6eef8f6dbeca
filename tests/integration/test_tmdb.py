"""The TMDb client against a real loopback server standing in for TMDb: both kinds of key, every fault the card
must survive, the cache, and the key kept out of requests' logs, errors and reprs."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.fault_server import FaultServer, Reply
from harness.tmdb_server import IMAGES, JSON, V3_KEY, V4_TOKEN, movie, poster_png, serve_film
from lbrec.errors import TmdbKeyError
from lbrec.tmdb import KEY_REFUSED, TmdbClient

HEAT = movie(949, "Heat", 170)


def tmdb(server: FaultServer, tmp_path: Path, key: str = V3_KEY, **kwargs: object) -> TmdbClient:
    options: dict = {"cache_dir": tmp_path / "tmdb", "timeout": 1.0, "max_wait": 2.0}
    options.update(kwargs)
    return TmdbClient(key, api_url=server.url, image_url=server.url + IMAGES, **options)


def test_a_v3_key_goes_in_the_query_and_the_details_come_back_with_the_poster(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    serve_film(fault_server, HEAT, poster_png())
    film = tmdb(fault_server, tmp_path).details(949)
    assert film is not None and (film.title, film.runtime) == ("Heat", 170) and "Heat" in film.overview
    assert film.poster.startswith("data:image/png;base64,")
    (hit,) = fault_server.hits_for("/3/movie/949")
    assert parse_qs(urlsplit(hit.path).query) == {"api_key": [V3_KEY], "append_to_response": ["watch/providers"]}
    assert "Authorization" not in hit.headers
    (image,) = fault_server.hits_for(f"{IMAGES}/poster949.png")
    assert "api_key" not in image.path and "Authorization" not in image.headers  # the image CDN gets no key


def test_a_v4_token_goes_in_the_authorization_header(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_film(fault_server, HEAT)
    assert tmdb(fault_server, tmp_path, V4_TOKEN).details(949) is not None
    (hit,) = fault_server.hits_for("/3/movie/949")
    assert hit.headers["Authorization"] == f"Bearer {V4_TOKEN}" and V4_TOKEN not in hit.path
    assert parse_qs(urlsplit(hit.path).query) == {"append_to_response": ["watch/providers"]}


def test_a_refused_key_is_one_clear_message_then_no_more_requests(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/3/movie/949", Reply(401, b'{"status_code":7}', JSON))
    client = tmdb(fault_server, tmp_path)
    with pytest.raises(TmdbKeyError, match="TMDb refused the API key: check TMDB_API_KEY"):
        client.details(949)
    with pytest.raises(TmdbKeyError):
        client.details_many([949, 680, 603])
    assert client.refused and len(fault_server.hits) == 1


def test_a_film_tmdb_lacks_has_no_details_and_is_not_asked_again(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/3/movie/949", Reply(404, b'{"status_code":34}', JSON))
    assert tmdb(fault_server, tmp_path).details(949) is None
    assert tmdb(fault_server, tmp_path).details(949) is None
    assert len(fault_server.hits) == 1


def test_a_429_waits_as_long_as_retry_after_asks(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_film(fault_server, HEAT)
    fault_server.route(
        "/3/movie/949", Reply(429, b"{}", {"Retry-After": "1", **JSON}), Reply(200, json.dumps(HEAT).encode(), JSON)
    )
    client = tmdb(fault_server, tmp_path)
    assert client.details(949) is not None and not client.trouble
    first, second = fault_server.hits_for("/3/movie/949")
    assert second.time - first.time >= 0.95


def test_a_wait_longer_than_allowed_gives_up_on_the_film(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/3/movie/949", Reply(429, b"{}", {"Retry-After": "3600", **JSON}))
    client = tmdb(fault_server, tmp_path)
    started = time.monotonic()
    assert client.details(949) is None and client.trouble and time.monotonic() - started < 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(503, b"down"),
        Reply(200, b"<html>maintenance</html>", JSON),
        Reply(200, b"[1, 2]", JSON),
        Reply(200, b"{}", JSON, delay=2.0),
    ],
    ids=["5xx", "not JSON", "not an object", "timeout"],
)
def test_a_film_tmdb_cannot_answer_stays_without_details(
    fault_server: FaultServer, tmp_path: Path, reply: Reply
) -> None:
    fault_server.route("/3/movie/949", reply)
    serve_film(fault_server, movie(680, "Pulp Fiction"))
    client = tmdb(fault_server, tmp_path, timeout=0.5)
    found = client.details_many([949, 680])
    assert set(found) == {680} and client.trouble and not client.refused
    assert tmdb(fault_server, tmp_path).requests_made == 0  # nothing cached for the failed film...
    fault_server.route("/3/movie/949", Reply(200, json.dumps(HEAT).encode(), JSON))
    assert tmdb(fault_server, tmp_path).details(949) is not None  # ...so it is asked again next time


def test_a_missing_or_failed_poster_leaves_the_details(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_film(fault_server, HEAT)
    fault_server.route(f"{IMAGES}/poster949.png", Reply(500, b"oops"))
    fault_server.route(
        "/3/movie/680", Reply(200, json.dumps({**movie(680, "Pulp Fiction"), "poster_path": None}).encode(), JSON)
    )
    found = tmdb(fault_server, tmp_path).details_many([949, 680])
    assert found[949].title == "Heat" and found[949].poster == "" and found[680].poster == ""


def test_the_cache_saves_a_second_view_until_it_expires(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_film(fault_server, HEAT)
    assert tmdb(fault_server, tmp_path).details(949) is not None
    again = tmdb(fault_server, tmp_path)
    assert again.details(949) == tmdb(fault_server, tmp_path).details(949) and again.requests_made == 0
    expired = tmdb(fault_server, tmp_path, cache_ttl=0)
    assert expired.details(949) is not None and expired.requests_made == 2  # the details and the poster
    (tmp_path / "tmdb" / "949.json").write_text("{damaged")
    assert tmdb(fault_server, tmp_path).details(949) is not None  # a damaged entry is only a miss


def test_requests_in_flight_are_bounded(fault_server: FaultServer, tmp_path: Path) -> None:
    for tmdb_id in range(1, 13):
        fault_server.route(f"/3/movie/{tmdb_id}", Reply(200, json.dumps(movie(tmdb_id, "X")).encode(), JSON, delay=0.1))
    found = tmdb(fault_server, tmp_path, cache=False, max_in_flight=3).details_many(range(1, 13))
    assert len(found) == 12 and fault_server.max_in_flight <= 3


@pytest.mark.parametrize("key", [V3_KEY, V4_TOKEN], ids=["v3", "v4"])
def test_the_key_is_never_logged_shown_or_in_a_repr(
    fault_server: FaultServer, tmp_path: Path, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    serve_film(fault_server, HEAT)
    fault_server.route("/3/movie/680", Reply(401, b"{}", JSON))
    client = tmdb(fault_server, tmp_path, key, cache=False)
    client.details(949)
    with pytest.raises(TmdbKeyError) as refused:
        client.details(680)
    unreachable = TmdbClient(key, api_url="http://127.0.0.1:9", image_url="http://127.0.0.1:9", cache=False)
    assert unreachable.details(949) is None and unreachable.trouble
    assert any("/3/movie/949" in record.getMessage() for record in caplog.records)  # urllib3 did log the request
    assert str(refused.value) == KEY_REFUSED
    for text in (caplog.text, str(refused.value), repr(client), repr(unreachable)):
        assert key not in text


def test_only_tmdb_or_a_loopback_server_is_contacted() -> None:
    with pytest.raises(ValueError, match="only contacts TMDb"):
        TmdbClient(V3_KEY, api_url="https://example.com")
    with pytest.raises(ValueError, match="only contacts TMDb"):
        TmdbClient(V3_KEY, image_url="https://example.com/t/p/w185")
