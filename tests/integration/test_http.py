"""The Letterboxd HTTP client against a real local server that injects faults (tests/fault_server.py)."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from pathlib import Path

import pytest

from harness.fault_server import FaultServer, Reply, closed_port_url, silent_server
from harness.files import FIXTURES
from lbrec import __version__
from lbrec.errors import BlockedError, LetterboxdError, NetworkError, RateLimitedError, UserNotFoundError
from lbrec.letterboxd.client import Client

FEED = (FIXTURES / "rss_2026.xml").read_bytes()
CLOUDFLARE = {
    "Server": "cloudflare",
    "cf-ray": "8f0a1b2c3d4e5f60-AMS",
    "cf-mitigated": "challenge",
    "Content-Type": "text/html; charset=UTF-8",
}
HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def client(server: FaultServer, tmp_path: Path, **kwargs: object) -> Client:
    options: dict = {"cache_dir": tmp_path / "cache", "timeout": 2.0, "retries": 2, "backoff": 0.01}
    options.update(kwargs)
    return Client(base_url=server.url, **options)


def test_honest_user_agent_and_the_cache(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(200, FEED, RSS))
    with client(fault_server, tmp_path) as http:
        first, second = http.get("/someone/rss/"), http.get("/someone/rss/")
    assert first.text == second.text == FEED.decode() and not first.from_cache and second.from_cache
    hits = fault_server.hits_for("/someone/rss/")
    assert len(hits) == 1 and hits[0].headers["User-Agent"].startswith(f"lbrec/{__version__} (")
    with client(fault_server, tmp_path) as again:  # a second run costs no requests
        assert again.get("/someone/rss/").from_cache and again.requests_made == 0
    with client(fault_server, tmp_path, cache_ttl=0) as expired:
        assert not expired.get("/someone/rss/").from_cache
    assert len(fault_server.hits_for("/someone/rss/")) == 2


def test_a_damaged_cache_entry_is_fetched_again(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(200, FEED, RSS))
    with client(fault_server, tmp_path) as http:
        http.get("/someone/rss/")
        (entry,) = (tmp_path / "cache").glob("*.json")
        assert json.loads(entry.read_text())["url"].endswith("/someone/rss/")
        entry.write_text('{"url": "trunc')
        assert http.get("/someone/rss/").text == FEED.decode()
    assert len(fault_server.hits_for("/someone/rss/")) == 2
    assert not list((tmp_path / "cache").glob(".*.tmp"))  # atomic writes leave no temporary files


def test_404(fault_server: FaultServer, tmp_path: Path) -> None:
    with pytest.raises(UserNotFoundError, match="404"), client(fault_server, tmp_path) as http:
        http.get("/nobody/rss/")
    assert len(fault_server.hits) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(403, (FIXTURES / "cloudflare_challenge.html").read_bytes(), CLOUDFLARE),
        Reply(403, b"Forbidden", {"Server": "cloudflare", "cf-ray": "8f0a1b2c3d4e5f60-AMS"}),
        Reply(503, (FIXTURES / "cloudflare_challenge.html").read_bytes(), CLOUDFLARE),
        Reply(200, (FIXTURES / "cloudflare_challenge.html").read_bytes(), HTML),
        Reply(426, b"Upgrade Required", HTML),
    ],
)
def test_blocked_requests_stop_at_once_and_point_to_the_export(
    fault_server: FaultServer, tmp_path: Path, reply: Reply
) -> None:
    fault_server.route("/someone/rss/", reply)
    with pytest.raises(BlockedError) as caught, client(fault_server, tmp_path) as http:
        http.get("/someone/rss/")
    assert "data export" in str(caught.value) and "rss" not in str(caught.value).lower()
    assert len(fault_server.hits) == 1  # no retry: lbrec does not try to get around a block
    assert not list((tmp_path / "cache").glob("*.json"))  # and nothing is cached


@pytest.mark.parametrize("status", [429, 200])
def test_rate_limited_page(fault_server: FaultServer, tmp_path: Path, status: int) -> None:
    fault_server.route("/someone/rss/", Reply(status, (FIXTURES / "rate_limited.html").read_bytes(), HTML))
    with pytest.raises(RateLimitedError, match="You are being rate limited"), client(fault_server, tmp_path) as http:
        http.get("/someone/rss/")
    assert len(fault_server.hits) == 1


def test_429_honours_retry_after(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(429, b"slow down", {"Retry-After": "1"}), Reply(200, FEED, RSS))
    with client(fault_server, tmp_path) as http:
        assert http.get("/someone/rss/").text == FEED.decode()
    first, second = fault_server.hits_for("/someone/rss/")
    assert second.time - first.time >= 0.95


def test_429_asking_for_too_long_a_wait_stops(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(429, b"slow down", {"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(RateLimitedError, match="wait 3600 s"), client(fault_server, tmp_path) as http:
        http.get("/someone/rss/")
    assert time.monotonic() - started < 1 and len(fault_server.hits) == 1


def test_429_every_time(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(429, b"slow down"))
    with pytest.raises(RateLimitedError, match="429"), client(fault_server, tmp_path) as http:
        http.get("/someone/rss/")
    assert len(fault_server.hits) == 3  # the first try and two retries


def test_500_then_success(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(500, b"oops"), Reply(502, b"oops"), Reply(200, FEED, RSS))
    with client(fault_server, tmp_path) as http:
        assert http.get("/someone/rss/").text == FEED.decode()
    assert len(fault_server.hits) == 3


def test_503_every_time(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(503, b"down for maintenance"))
    with pytest.raises(NetworkError, match="kept failing"), client(fault_server, tmp_path) as http:
        http.get("/someone/rss/")


def test_slow_responses_time_out(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(200, FEED, RSS, delay=1.0))
    started = time.monotonic()
    with (
        pytest.raises(NetworkError, match="did not answer within 0.2 s"),
        client(fault_server, tmp_path, timeout=0.2, retries=1) as http,
    ):
        http.get("/someone/rss/")
    assert time.monotonic() - started < 1.5


def test_truncated_response(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/someone/rss/", Reply(200, FEED, RSS, truncate_to=1000))
    with pytest.raises(NetworkError, match="arrived incomplete"), client(fault_server, tmp_path) as http:
        http.get("/someone/rss/")
    assert not list((tmp_path / "cache").glob("*.json"))


# ---------------------------------------------------------------------------------------------------- out of reach

LIBRARY_INTERNALS = re.compile(
    r"urllib3|requests\.|HTTPConnection|Max retries|NameResolution|NewConnection|Errno|"
    r"0x[0-9a-f]{6}|object at|Caused by|Read timed out|\bpool\b",
    re.IGNORECASE,
)


def out_of_reach(how: str, fault_server: FaultServer) -> contextlib.AbstractContextManager[str]:
    """The address of a Letterboxd that cannot be reached in the way `how` says."""
    if how == "connection refused":
        return contextlib.nullcontext(closed_port_url())
    if how == "no answer":
        return silent_server()
    if how == "dns failure":
        return contextlib.nullcontext("http://nonexistent.invalid")  # RFC 6761: .invalid never resolves
    fault_server.route("/someone/rss/", Reply(403, b"<html>Forbidden</html>", HTML))
    return contextlib.nullcontext(fault_server.url)


@pytest.mark.parametrize("how", ["connection refused", "no answer", "dns failure", "blocked (403)"])
def test_letterboxd_out_of_reach_is_one_plain_sentence_within_5_s(fault_server: FaultServer, how: str) -> None:
    """Offline, a DNS failure, a refused connection, a server that never answers, a block: the person hears it at
    once (the client's own defaults), in one line without the HTTP library's words, and is sent to the export (not
    to the feed they just tried)."""
    with out_of_reach(how, fault_server) as url, Client(base_url=url, cache=False) as http:
        started = time.monotonic()
        with pytest.raises(LetterboxdError) as caught:
            http.get("/someone/rss/")
        elapsed = time.monotonic() - started
    message = str(caught.value)
    assert elapsed < 5, f"{how}: {elapsed:.1f} s"
    assert "\n" not in message and len(message) < 300 and not re.search(r"[.;] [A-Z]", message), message
    assert not LIBRARY_INTERNALS.search(message), message
    assert "Settings > Data > Export your data" in message and "rss" not in message.lower(), message
    expected = {
        "connection refused": "connection was refused",
        "no answer": "did not answer within 4 s",
        "dns failure": "address could not be found",
        "blocked (403)": "HTTP 403",
    }[how]
    assert expected in message, message


def test_at_most_two_requests_in_flight(fault_server: FaultServer, tmp_path: Path) -> None:
    paths = [f"/user{n}/rss/" for n in range(1, 9)]
    for path in paths:
        fault_server.route(path, Reply(200, FEED, RSS, delay=0.15))
    with client(fault_server, tmp_path) as a, client(fault_server, tmp_path, cache=False) as b:
        results: list[object] = []
        threads = [threading.Thread(target=lambda c=c, p=p: results.append(c.get(p))) for c in (a, b) for p in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 16
    assert fault_server.max_in_flight == 2  # two clients, sixteen threads, still two requests at a time


def test_redirects_stay_on_the_site_and_on_a_feed(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/Someone/rss/", Reply(301, b"", {"Location": "/someone/rss/"}))
    fault_server.route("/someone/rss/", Reply(200, FEED, RSS))
    fault_server.route("/away/rss/", Reply(302, b"", {"Location": "http://example.com/steal"}))
    fault_server.route("/moved/rss/", Reply(302, b"", {"Location": "/moved/films/"}))
    fault_server.route("/moved/films/", Reply(200, b"<html>a profile page</html>", HTML))
    with client(fault_server, tmp_path) as http:
        assert http.get("/Someone/rss/").text == FEED.decode()
        with pytest.raises(NetworkError, match="off the site"):
            http.get("/away/rss/")
        with pytest.raises(NetworkError, match="not an RSS feed"):
            http.get("/moved/rss/")
    assert fault_server.hits_for("/moved/films/") == []


PAGES = [
    "/someone/",
    "/someone/films/",
    "/someone/films/page/2/",
    "/someone/watchlist/",
    "/someone/films/diary/",
    "/film/heat-1995/",
    "/",
    "/someone/rss",
    "/someone/rss/page/2/",
    "/someone/rss/?x=1",
    "/someone/rss/../films/",
    "/someone/rss/%2e%2e/films/",
    "//evil.example/someone/rss/",
    "/a/rss/",
    "/someone\\/rss/",
    "/search/heat/",
    "/someone/list/best/",
    "/someone/likes/films/",
]


def test_the_client_requests_a_members_feed_and_nothing_else(fault_server: FaultServer, tmp_path: Path) -> None:
    """Letterboxd's terms forbid scraping its pages: any path but /<username>/rss/ is refused before a request."""
    for path in PAGES:
        fault_server.route(path, Reply(200, b"<html><body>a Letterboxd page</body></html>", HTML))
    with client(fault_server, tmp_path) as http:
        for path in PAGES:
            with pytest.raises(ValueError, match="only a member's RSS feed"):
                http.get(path)
    assert fault_server.hits == [] and http.requests_made == 0


def test_only_letterboxd_or_a_loopback_test_server(tmp_path: Path) -> None:
    assert Client(cache=False).base_url == "https://letterboxd.com"
    for url in ["https://evil.example", "http://letterboxd.com.evil.example", "http://10.0.0.1:8080"]:
        with pytest.raises(ValueError, match="only contacts"):
            Client(base_url=url, cache=False)
    with pytest.raises(ValueError, match="only a member's RSS feed"):
        Client(cache=False).url("//evil.example/x")
