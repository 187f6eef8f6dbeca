"""A whole profile fetched from the local fault-injecting server: all pages, RSS merged, faults, the cache."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lbrec.errors import (
    BlockedError,
    EmptyHistoryError,
    InvalidUsernameError,
    MarkupError,
    NetworkError,
    UserNotFoundError,
)
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.profile import fetch_profile
from lbrec.letterboxd.sources import load_history
from tests.helpers.fault_server import FaultServer, Reply
from tests.helpers.files import FIXTURES

HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/rss+xml; charset=utf-8"}
CLOUDFLARE = {"Server": "cloudflare", "cf-ray": "8f0a1b2c3d4e5f60-AMS", "cf-mitigated": "challenge"}


def page(name: str) -> Reply:
    return Reply(200, (FIXTURES / name).read_bytes(), XML if name.endswith(".xml") else HTML)


def serve_profile(server: FaultServer, user: str = "lbrectest") -> None:
    server.route(f"/{user}/rss/", page("rss_2026.xml"))
    server.route(f"/{user}/films/", page("films_2026_page1.html"))
    server.route(f"/{user}/films/page/2/", page("films_2026_page2.html"))
    server.route(f"/{user}/films/page/3/", page("films_2026_page3.html"))
    server.route(f"/{user}/watchlist/", page("watchlist_2026.html"))


def client(server: FaultServer, tmp_path: Path, **kwargs: object) -> Client:
    options: dict = {"cache_dir": tmp_path / "cache", "timeout": 2.0, "retries": 1, "backoff": 0.01}
    options.update(kwargs)
    return Client(base_url=server.url, **options)


def test_profile_pages_and_rss_merge(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_profile(fault_server)
    with client(fault_server, tmp_path) as http:
        history = load_history("profile", "lbrectest", client=http)
        assert http.requests_made == 5
    assert history.source == "profile" and history.username == "lbrectest"
    # undated films first (newest listed first on Letterboxd, so reversed), then the RSS's dated entries
    assert [f.title for f in history.films] == ["The Matrix", "Weapons", "Solaris", "Crouching Tiger, Hidden Dragon",
                                                "Parasite", "Amélie", "Heat"]
    by_title = {f.title: f for f in history.films}
    assert by_title["Heat"].tmdb_id == 949 and by_title["Heat"].watched_date == date(2024, 5, 31)
    assert by_title["Heat"].rating == 5.0 and by_title["Heat"].liked
    assert by_title["Crouching Tiger, Hidden Dragon"].rating == 4.5  # the page has the rating the RSS lacked
    assert by_title["Parasite"].slug == "parasite-2019"  # only in the RSS: kept
    assert [f.label for f in history.watchlist] == ["Paris, Texas (1984)", "October Sky (1999)"]
    assert history.choices() == ["recent", "5", "4", "3", "rated", "liked"]
    with client(fault_server, tmp_path) as again:  # the second run for the same user costs no requests
        assert load_history("profile", "https://letterboxd.com/lbrectest/", client=again).films == history.films
        assert again.requests_made == 0
    assert len(fault_server.hits) == 5


def test_pages_come_at_most_two_at_a_time(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_profile(fault_server)
    fault_server.route("/lbrectest/films/page/2/", Reply(200, (FIXTURES / "films_2026_page2.html").read_bytes(),
                                                         HTML, delay=0.3))
    fault_server.route("/lbrectest/films/page/3/", Reply(200, (FIXTURES / "films_2026_page3.html").read_bytes(),
                                                         HTML, delay=0.3))
    with client(fault_server, tmp_path) as http:
        fetch_profile("lbrectest", http)
    assert fault_server.max_in_flight == 2


def test_empty_profile(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/emptyuser/rss/", page("rss_empty.xml"))
    fault_server.route("/emptyuser/films/", page("films_empty.html"))
    fault_server.route("/emptyuser/watchlist/", page("films_empty.html"))
    with pytest.raises(EmptyHistoryError, match="emptyuser has no films"), client(fault_server, tmp_path) as http:
        load_history("profile", "emptyuser", client=http)


def test_unknown_user(fault_server: FaultServer, tmp_path: Path) -> None:
    with pytest.raises(UserNotFoundError, match="no member called 'nobody'"), client(fault_server, tmp_path) as http:
        load_history("profile", "nobody", client=http)


def test_invalid_username_makes_no_request(fault_server: FaultServer, tmp_path: Path) -> None:
    with pytest.raises(InvalidUsernameError), client(fault_server, tmp_path) as http:
        load_history("profile", "../admin", client=http)
    with pytest.raises(InvalidUsernameError), client(fault_server, tmp_path) as http:
        load_history("rss", "https://evil.example/x/rss/", client=http)
    assert fault_server.hits == []


def test_blocked_midway_gives_an_error_not_a_partial_history(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_profile(fault_server)
    fault_server.route("/lbrectest/films/page/3/", Reply(403, (FIXTURES / "cloudflare_challenge.html").read_bytes(),
                                                         CLOUDFLARE))
    with pytest.raises(BlockedError, match="RSS feed"), client(fault_server, tmp_path) as http:
        load_history("profile", "lbrectest", client=http)


def test_a_page_that_fails_then_recovers(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_profile(fault_server)
    fault_server.route("/lbrectest/films/page/2/", Reply(500, b"oops"),
                       Reply(200, (FIXTURES / "films_2026_page2.html").read_bytes(), HTML))
    with client(fault_server, tmp_path) as http:
        assert len(fetch_profile("lbrectest", http).films) == 7


def test_truncated_page(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_profile(fault_server)
    body = (FIXTURES / "films_2026_page2.html").read_bytes()
    fault_server.route("/lbrectest/films/page/2/", Reply(200, body, HTML, truncate_to=len(body) // 2))
    with pytest.raises(NetworkError, match="incomplete"), client(fault_server, tmp_path) as http:
        fetch_profile("lbrectest", http)


def test_changed_markup_is_an_error(fault_server: FaultServer, tmp_path: Path) -> None:
    serve_profile(fault_server)
    changed = (FIXTURES / "films_2026_page1.html").read_text(encoding="utf-8").replace("griditem", "tile")
    fault_server.route("/lbrectest/films/", Reply(200, changed.replace("data-item-", "data-x-").encode(), HTML))
    with pytest.raises(MarkupError, match="not understood"), client(fault_server, tmp_path) as http:
        fetch_profile("lbrectest", http)


def test_rss_by_username_or_feed_address(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/lbrectest/rss/", page("rss_2026.xml"))
    with client(fault_server, tmp_path) as http:
        for value in ["lbrectest", "https://letterboxd.com/lbrectest/rss/", "letterboxd.com/lbrectest/rss"]:
            history = load_history("rss", value, client=http)
            assert history.username == "lbrectest" and len(history.films) == 5
