"""The Letterboxd HTTP client against a real local server that injects faults (tests/fault_server.py)."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from lbrec import __version__
from lbrec.errors import BlockedError, NetworkError, PrivateProfileError, RateLimitedError, UserNotFoundError
from lbrec.letterboxd.client import Client
from tests.helpers.fault_server import FaultServer, Reply
from tests.helpers.files import FIXTURES

PAGE = (FIXTURES / "films_2026_page1.html").read_bytes()
CLOUDFLARE = {"Server": "cloudflare", "cf-ray": "8f0a1b2c3d4e5f60-AMS", "cf-mitigated": "challenge",
              "Content-Type": "text/html; charset=UTF-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def client(server: FaultServer, tmp_path: Path, **kwargs: object) -> Client:
    options: dict = {"cache_dir": tmp_path / "cache", "timeout": 2.0, "retries": 2, "backoff": 0.01}
    options.update(kwargs)
    return Client(base_url=server.url, **options)


def test_honest_user_agent_and_the_cache(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(200, PAGE, HTML))
    with client(fault_server, tmp_path) as http:
        first, second = http.get("/someone/films/"), http.get("/someone/films/")
    assert first.text == second.text == PAGE.decode() and not first.from_cache and second.from_cache
    hits = fault_server.hits_for("/someone/films/")
    assert len(hits) == 1 and hits[0].headers["User-Agent"].startswith(f"lbrec/{__version__} (")
    with client(fault_server, tmp_path) as again:  # a second run costs no requests
        assert again.get("/someone/films/").from_cache and again.requests_made == 0
    with client(fault_server, tmp_path, cache_ttl=0) as expired:
        assert not expired.get("/someone/films/").from_cache
    assert len(fault_server.hits_for("/someone/films/")) == 2


def test_a_damaged_cache_entry_is_fetched_again(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(200, PAGE, HTML))
    with client(fault_server, tmp_path) as http:
        http.get("/someone/films/")
        (entry,) = (tmp_path / "cache").glob("*.json")
        assert json.loads(entry.read_text())["url"].endswith("/someone/films/")
        entry.write_text('{"url": "trunc')
        assert http.get("/someone/films/").text == PAGE.decode()
    assert len(fault_server.hits_for("/someone/films/")) == 2
    assert not list((tmp_path / "cache").glob(".*.tmp"))  # atomic writes leave no temporary files


def test_404(fault_server: FaultServer, tmp_path: Path) -> None:
    with pytest.raises(UserNotFoundError, match="404"), client(fault_server, tmp_path) as http:
        http.get("/nobody/films/")
    assert len(fault_server.hits) == 1


@pytest.mark.parametrize("reply", [
    Reply(403, (FIXTURES / "cloudflare_challenge.html").read_bytes(), CLOUDFLARE),
    Reply(403, b"Forbidden", {"Server": "cloudflare", "cf-ray": "8f0a1b2c3d4e5f60-AMS"}),
    Reply(503, (FIXTURES / "cloudflare_challenge.html").read_bytes(), CLOUDFLARE),
    Reply(200, (FIXTURES / "cloudflare_challenge.html").read_bytes(), HTML),
    Reply(426, b"Upgrade Required", HTML),
])
def test_blocked_requests_stop_at_once_and_point_to_rss_and_export(fault_server: FaultServer, tmp_path: Path,
                                                                   reply: Reply) -> None:
    fault_server.route("/someone/films/", reply)
    with pytest.raises(BlockedError) as caught, client(fault_server, tmp_path) as http:
        http.get("/someone/films/")
    assert "RSS feed" in str(caught.value) and "export" in str(caught.value)
    assert len(fault_server.hits) == 1  # no retry: lbrec does not try to get around a block
    assert not list((tmp_path / "cache").glob("*.json"))  # and nothing is cached


@pytest.mark.parametrize("status", [429, 200])
def test_rate_limited_page(fault_server: FaultServer, tmp_path: Path, status: int) -> None:
    fault_server.route("/someone/films/", Reply(status, (FIXTURES / "rate_limited.html").read_bytes(), HTML))
    with pytest.raises(RateLimitedError, match="You are being rate limited"), client(fault_server, tmp_path) as http:
        http.get("/someone/films/")
    assert len(fault_server.hits) == 1


def test_403_without_a_bot_check_is_a_private_profile(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(403, b"<html>Forbidden</html>", HTML))
    with pytest.raises(PrivateProfileError, match="private"), client(fault_server, tmp_path) as http:
        http.get("/someone/films/")


def test_429_honours_retry_after(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(429, b"slow down", {"Retry-After": "1"}), Reply(200, PAGE, HTML))
    with client(fault_server, tmp_path) as http:
        assert http.get("/someone/films/").text == PAGE.decode()
    first, second = fault_server.hits_for("/someone/films/")
    assert second.time - first.time >= 0.95


def test_429_asking_for_too_long_a_wait_stops(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(429, b"slow down", {"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(RateLimitedError, match="wait 3600 s"), client(fault_server, tmp_path) as http:
        http.get("/someone/films/")
    assert time.monotonic() - started < 1 and len(fault_server.hits) == 1


def test_429_every_time(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(429, b"slow down"))
    with pytest.raises(RateLimitedError, match="429"), client(fault_server, tmp_path) as http:
        http.get("/someone/films/")
    assert len(fault_server.hits) == 3  # the first try and two retries


def test_500_then_success(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(500, b"oops"), Reply(502, b"oops"), Reply(200, PAGE, HTML))
    with client(fault_server, tmp_path) as http:
        assert http.get("/someone/films/").text == PAGE.decode()
    assert len(fault_server.hits) == 3


def test_503_every_time(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(503, b"down for maintenance"))
    with pytest.raises(NetworkError, match="kept failing"), client(fault_server, tmp_path) as http:
        http.get("/someone/films/")


def test_slow_responses_time_out(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(200, PAGE, HTML, delay=1.0))
    started = time.monotonic()
    with pytest.raises(NetworkError, match="did not answer within 0.2 s"), \
            client(fault_server, tmp_path, timeout=0.2, retries=1) as http:
        http.get("/someone/films/")
    assert time.monotonic() - started < 1.5


def test_truncated_response(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/films/", Reply(200, PAGE, HTML, truncate_to=1000))
    with pytest.raises(NetworkError, match="arrived incomplete"), client(fault_server, tmp_path) as http:
        http.get("/someone/films/")
    assert not list((tmp_path / "cache").glob("*.json"))


def test_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket closes
    with pytest.raises(NetworkError, match="could not reach Letterboxd"), \
            Client(base_url=f"http://127.0.0.1:{port}", cache=False, retries=1, backoff=0.01) as http:
        http.get("/someone/films/")


def test_at_most_two_requests_in_flight(fault_server: FaultServer, tmp_path: Path) -> None:
    paths = [f"/someone/films/page/{n}/" for n in range(1, 9)]
    for path in paths:
        fault_server.route(path, Reply(200, PAGE, HTML, delay=0.15))
    with client(fault_server, tmp_path) as a, client(fault_server, tmp_path, cache=False) as b:
        results: list[object] = []
        threads = [threading.Thread(target=lambda c=c: results.extend(c.get_many(paths))) for c in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 16
    assert fault_server.max_in_flight == 2  # two clients, four workers, still two requests at a time


def test_redirects_stay_on_the_site(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/Someone/films/", Reply(301, b"", {"Location": "/someone/films/"}))
    fault_server.route("/someone/films/", Reply(200, PAGE, HTML))
    fault_server.route("/away/films/", Reply(302, b"", {"Location": "http://example.com/steal"}))
    with client(fault_server, tmp_path) as http:
        assert http.get("/Someone/films/").text == PAGE.decode()
        with pytest.raises(NetworkError, match="off the site"):
            http.get("/away/films/")


def test_only_letterboxd_or_a_loopback_test_server(tmp_path: Path) -> None:
    assert Client(cache=False).base_url == "https://letterboxd.com"
    for url in ["https://evil.example", "http://letterboxd.com.evil.example", "http://10.0.0.1:8080"]:
        with pytest.raises(ValueError, match="only contacts"):
            Client(base_url=url, cache=False)
    with pytest.raises(ValueError, match="not a site path"):
        Client(cache=False).url("//evil.example/x")
