"""The HTTP layer under both clients (`lbrec.web`) against the real loopback fault server: Retry-After in seconds and
as an HTTP date and its bound, what is tried again and how often, the gate, failures in words, the bounded GET of a
JSON object; and the disk cache: a lifetime per read, atomic writes, killed writers' leftovers swept, a damaged
entry only a miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urljoin

import pytest

from harness.fault_server import FaultServer, Reply, closed_port_url, silent_server
from lbrec.web import (
    NOT_FOUND,
    DiskCache,
    Fetcher,
    Gate,
    Incomplete,
    RetryPolicy,
    TimedOut,
    TooManyRedirects,
    Unreachable,
    entry_name,
    in_background,
    in_parallel,
    retry_after,
)


def fetcher(max_in_flight: int = 2, timeout: float = 1.0, **policy: object) -> Fetcher:
    options: dict = {"statuses": frozenset({429, 503}), "attempts": 3, "max_wait": 5.0, "backoff": 0.01}
    options.update(policy)
    return Fetcher(
        headers={"User-Agent": "lbrec-test"}, timeout=timeout, gate=Gate(max_in_flight), policy=RetryPolicy(**options)
    )


def http_date(seconds_from_now: float) -> str:
    return formatdate(time.time() + seconds_from_now, usegmt=True)


# ---------------------------------------------------------------------------------------------------- Retry-After


@pytest.mark.parametrize("form", ["seconds", "HTTP date"])
def test_a_retry_waits_as_long_as_retry_after_asks(fault_server: FaultServer, form: str) -> None:
    value = "1" if form == "seconds" else http_date(2)  # a date has whole seconds: 1 to 2 s from now
    fault_server.route("/a", Reply(429, b"slow down", {"Retry-After": value}), Reply(200, b"ok"))
    web = fetcher()
    assert web.get(fault_server.url + "/a").text == "ok" and web.requests_made == 2
    first, second = fault_server.hits_for("/a")
    assert second.time - first.time >= 0.95


HEADERS = {
    "120": 120.0,
    "0": 0.0,
    "Wed, 21 Oct 2015 07:28:00 GMT": 0.0,
    "soon": None,
    "1.5": None,
    "-1": None,
    "²": None,
    "9" * 5000: None,
    "Mon, 32 Foo 2024 99:99:99 +0000": None,
}


def test_retry_after_is_read_in_both_forms_and_nonsense_is_none(fault_server: FaultServer) -> None:
    values = {**HEADERS, http_date(60): 60.0}
    for i, value in enumerate(values):
        fault_server.route(f"/h{i}", Reply(200, b"", {"Retry-After": value}))
    fault_server.route("/none", Reply(200, b""))
    web = fetcher()
    read = {value: retry_after(web.get(f"{fault_server.url}/h{i}")) for i, value in enumerate(values)}
    for value, expected in values.items():
        if expected is None or value.isdigit():
            assert read[value] == expected, value[:40]
        else:
            assert read[value] == pytest.approx(expected, abs=2), value
    assert retry_after(web.get(fault_server.url + "/none")) is None


def test_a_wait_over_the_bound_ends_the_tries_at_once(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(429, b"", {"Retry-After": http_date(3600)}))
    started = time.monotonic()
    assert fetcher(max_wait=5.0).get(fault_server.url + "/a").status_code == 429
    assert time.monotonic() - started < 1 and len(fault_server.hits) == 1


# ---------------------------------------------------------------------------------------------------- the tries


def test_what_is_tried_again_and_how_often(fault_server: FaultServer) -> None:
    fault_server.route("/busy", Reply(503, b"busy"))
    fault_server.route("/gone", Reply(404, b"no"))
    fault_server.route("/cut", Reply(200, b"x" * 1000, truncate_to=10))
    web = fetcher()
    assert web.get(fault_server.url + "/busy").status_code == 503 and len(fault_server.hits_for("/busy")) == 3
    assert web.get(fault_server.url + "/gone").status_code == 404 and len(fault_server.hits_for("/gone")) == 1
    with pytest.raises(Incomplete):
        web.get(fault_server.url + "/cut")
    assert len(fault_server.hits_for("/cut")) == 1  # a body cut short is tried again only when the policy says so
    with pytest.raises(Incomplete):
        fetcher(incomplete=True).get(fault_server.url + "/cut")
    assert len(fault_server.hits_for("/cut")) == 1 + 3
    fetcher(backoff=None).get(fault_server.url + "/busy")  # no Retry-After: no second try without a backoff
    assert len(fault_server.hits_for("/busy")) == 3 + 1


class Stop(Exception):
    pass


def test_a_check_stops_the_tries_and_a_refusal_stops_every_request(fault_server: FaultServer) -> None:
    fault_server.route("/challenge", Reply(503, b"<title>Just a moment...</title>"))
    web = fetcher()

    def check(response: object) -> None:
        if b"Just a moment" in response.content:
            raise Stop

    with pytest.raises(Stop):
        web.get(fault_server.url + "/challenge", check=check)
    assert len(fault_server.hits) == 1 and not web.refused
    web.refuse(lambda: Stop("the key was refused"))
    with pytest.raises(Stop, match="refused"):
        web.get(fault_server.url + "/anything")
    assert web.refused and len(fault_server.hits) == 1 and web.requests_made == 1


def test_the_gate_bounds_requests_in_flight(fault_server: FaultServer) -> None:
    for i in range(8):
        fault_server.route(f"/f{i}", Reply(200, b"ok", delay=0.1))
    web = fetcher(max_in_flight=2)
    threads = [threading.Thread(target=web.get, args=(f"{fault_server.url}/f{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fault_server.hits) == 8 and fault_server.max_in_flight == 2


def test_requests_in_the_background_give_way_to_the_others(fault_server: FaultServer) -> None:
    for i in range(12):
        fault_server.route(f"/ahead{i}", Reply(200, b"ok", delay=0.2))
    fault_server.route("/asked", Reply(200, b"ok", delay=0.2))
    web = fetcher(max_in_flight=3)
    ahead = [f"{fault_server.url}/ahead{i}" for i in range(12)]

    def look_ahead() -> None:
        with in_background():  # through worker threads, as the page's look ahead asks
            in_parallel(web.get, ahead, 3)

    background = threading.Thread(target=look_ahead)
    background.start()
    time.sleep(0.3)  # the background's first requests in flight, the others queued for their turn
    started = time.monotonic()
    assert web.get(fault_server.url + "/asked").text == "ok"
    took = time.monotonic() - started
    background.join()
    # Never queued behind the background (12 of them, 2 at a time: 1.2 s), nor even behind the ones in flight: the
    # background held all places but one. Hits: at most 2 of the background's in flight at any time before.
    assert took < 0.35, took
    assert len(fault_server.hits) == 13 and fault_server.max_in_flight <= 3
    asked = fault_server.hits_for("/asked")[0].time
    in_flight_then = [h for h in fault_server.hits if h.path != "/asked" and asked - 0.2 < h.time <= asked]
    assert len(in_flight_then) <= 2


def test_in_parallel_keeps_the_order_and_the_caller_s_context(fault_server: FaultServer) -> None:
    gate = Gate(4)
    seen: list[int] = []

    def held(item: int) -> int:
        with gate.slot():
            seen.append(gate.in_background)
            time.sleep(0.01)
        return item * 2

    assert in_parallel(held, range(8), 4) == [0, 2, 4, 6, 8, 10, 12, 14] and max(seen) == 0
    with in_background():
        assert in_parallel(held, range(8), 4) == [0, 2, 4, 6, 8, 10, 12, 14]
    assert 1 <= max(seen) <= 3 and gate.in_background == 0 and gate.waiting == 0


def test_a_wait_asked_holds_back_every_request_through_the_gate(fault_server: FaultServer) -> None:
    fault_server.route("/refused", Reply(429, b"", {"Retry-After": http_date(2)}))
    fault_server.route("/other", Reply(200, b"ok"))
    web = fetcher(attempts=1)  # no second try: the answer is returned, its wait stays with the gate
    assert web.get(fault_server.url + "/refused").status_code == 429
    assert web.get(fault_server.url + "/other").text == "ok"
    (refused,), (other,) = fault_server.hits_for("/refused"), fault_server.hits_for("/other")
    assert other.time - refused.time >= 0.95


# ---------------------------------------------------------------------------------------------------- failures


def test_failures_are_reasons_in_words(fault_server: FaultServer) -> None:
    with pytest.raises(Unreachable, match="^the connection was refused$"):
        fetcher().get(closed_port_url())
    with pytest.raises(Unreachable, match="^its address could not be found"):
        fetcher().get("http://nonexistent.invalid/")
    with silent_server() as url, pytest.raises(TimedOut, match=r"^no answer within 0.3 s$"):
        fetcher(timeout=0.3).get(url)


def test_redirects_are_followed_only_where_the_caller_lets_them(fault_server: FaultServer) -> None:
    fault_server.route("/loop", Reply(302, b"", {"Location": "/loop"}))
    web = fetcher()
    assert web.get(fault_server.url + "/loop").status_code == 302 and len(fault_server.hits) == 1
    with pytest.raises(TooManyRedirects):
        web.get(fault_server.url + "/loop", follow=urljoin)
    assert len(fault_server.hits) == 1 + 4  # the request and three redirects

    def refuse(url: str, location: str) -> str:
        raise Stop(location)

    with pytest.raises(Stop, match="/loop"):
        web.get(fault_server.url + "/loop", follow=refuse)


@pytest.mark.parametrize(
    "reply, expected",
    [
        (Reply(200, b'{"id": 949}'), {"id": 949}),
        (Reply(404, b"{}"), NOT_FOUND),
        (Reply(200, b"[949]"), None),
        (Reply(200, b"<html>maintenance</html>"), None),
        (Reply(500, b"{}"), None),
        (Reply(200, b"[" * 100_000), None),
        (Reply(200, b'{"id": 949}', truncate_to=5), None),
        (Reply(200, b"{}", delay=2.0), None),
    ],
    ids=["object", "404", "a list", "not JSON", "5xx", "deep nesting", "cut short", "timeout"],
)
def test_get_json_answers_an_object_not_found_or_none(
    fault_server: FaultServer, reply: Reply, expected: object
) -> None:
    fault_server.route("/answer", reply)
    assert fetcher(timeout=0.5).get_json(fault_server.url + "/answer") == expected


# ---------------------------------------------------------------------------------------------------- the cache


def test_an_entry_lives_as_long_as_its_reader_allows(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/answer", Reply(200, b'{"n": 1}'), Reply(200, b'{"n": 2}'))
    web, cache = fetcher(), DiskCache(tmp_path)

    def fetch() -> object:
        return web.get_json(fault_server.url + "/answer")

    assert cache.remembered("a.json", 60, fetch) == {"n": 1}
    assert cache.remembered("a.json", 60, fetch) == {"n": 1} and web.requests_made == 1
    assert cache.remembered("a.json", 0, fetch) == {"n": 2} and web.requests_made == 2  # stale for this reader
    entry = json.loads((tmp_path / "a.json").read_text())
    (tmp_path / "a.json").write_text(json.dumps({**entry, "fetched": time.time() + 3600}))
    assert cache.read("a.json", 86400) is None  # from a clock set wrong: not trusted
    fault_server.route("/missing", Reply(404, b"{}"))
    fault_server.route("/down", Reply(503, b"down"))
    assert cache.remembered("m.json", 60, lambda: web.get_json(fault_server.url + "/missing")) == NOT_FOUND
    assert cache.remembered("m.json", 60, lambda: web.get_json(fault_server.url + "/missing")) == NOT_FOUND
    assert cache.remembered("d.json", 60, lambda: web.get_json(fault_server.url + "/down")) is None
    assert len(fault_server.hits_for("/missing")) == 1 and not (tmp_path / "d.json").exists()  # a failure: not kept
    assert DiskCache(None).remembered("a.json", 60, fetch) == {"n": 2} and DiskCache(None).read("a.json", 60) is None


def test_remembered_values_kept_in_memory_are_as_old_as_when_they_were_fetched(tmp_path: Path) -> None:
    fetched: list[int] = []

    def fetch() -> object:
        fetched.append(1)
        return {"n": len(fetched)} if len(fetched) != 3 else None  # the third fetch fails

    memory = DiskCache(None, memory=2)  # no folder: memory alone
    assert memory.remembered("a.json", 60, fetch) == {"n": 1} and memory.remembered("a.json", 60, fetch) == {"n": 1}
    assert memory.remembered("a.json", 0, fetch) == {"n": 2} and len(fetched) == 2  # stale for this reader
    assert memory.remembered("b.json", 60, fetch) is None and memory.remembered("b.json", 60, fetch) == {"n": 4}
    memory.remembered("c.json", 60, fetch)  # a third value: the oldest one goes
    assert memory.remembered("a.json", 60, fetch) == {"n": 6} and len(fetched) == 6
    both = DiskCache(tmp_path, memory=10)  # an entry fetched 50 s ago, read from disk: 50 s old in memory too
    (tmp_path / "d.json").write_text(json.dumps({"fetched": time.time() - 50, "value": {"n": 0}}))
    assert both.remembered("d.json", 60, fetch) == {"n": 0} and both.remembered("d.json", 55, fetch) == {"n": 0}
    assert both.remembered("d.json", 45, fetch) == {"n": 7}  # too old for this reader, in memory as on disk


DAMAGES = {
    "cut": lambda data: data[: len(data) // 2],
    "emptied": lambda data: b"",
    "binary": lambda data: os.urandom(64),
    "not an object": lambda data: b"[1, 2]",
    "no time": lambda data: b'{"value": {"n": 9}}',
    "a time that is not one": lambda data: b'{"fetched": "yesterday", "value": {"n": 9}}',
    "deep nesting": lambda data: b"[" * 100_000,
}


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_entry_is_a_miss_removed_and_fetched_again(
    fault_server: FaultServer, tmp_path: Path, how: str
) -> None:
    fault_server.route("/answer", Reply(200, b'{"n": 1}'))
    web, cache = fetcher(), DiskCache(tmp_path)
    cache.remembered("a.json", 60, lambda: web.get_json(fault_server.url + "/answer"))
    entry = tmp_path / "a.json"
    entry.write_bytes(DAMAGES[how](entry.read_bytes()))
    assert cache.read("a.json", 60) is None and not entry.exists()
    assert cache.remembered("a.json", 60, lambda: web.get_json(fault_server.url + "/answer")) == {"n": 1}
    assert web.requests_made == 2 and json.loads(entry.read_text())["value"] == {"n": 1}


def test_a_text_entry_is_checked_against_its_url_and_its_sha256(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.route("/feed", Reply(200, "Heat (1995) ★★★★★".encode()))
    url = fault_server.url + "/feed"
    cache = DiskCache(tmp_path, durable=True)
    cache.write_text(url, fetcher().get(url).text)
    assert cache.read_text(url, 60) == "Heat (1995) ★★★★★" and cache.read_text(url, 0) is None
    entry = tmp_path / entry_name(url)
    (tmp_path / entry_name(url + "/other")).write_bytes(entry.read_bytes())
    assert cache.read_text(url + "/other", 60) is None  # another URL's entry is not this one's
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "text": "Heat (1995) ★"}))  # still valid JSON
    assert cache.read_text(url, 60) is None and not entry.exists()


def test_writes_are_atomic_and_a_killed_writers_leftovers_are_swept(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f".a.json.{dead.pid}.x1y2.tmp"
    writing = tmp_path / f".b.json.{os.getpid()}.x1y2.tmp"  # a live writer's: not touched
    left.write_text('{"fetched": ')
    writing.write_text('{"fetched": ')
    cache = DiskCache(tmp_path)
    assert not left.exists() and writing.exists()
    writing.unlink()
    versions = ["x" * 400_000, "y" * 400_000]
    cache.write("e.json", {"fetched": time.time(), "value": versions[0]})
    seen: list[object] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            entry = cache.read("e.json", 60)
            seen.append(entry if entry is None else entry["value"])

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(60):
        cache.write("e.json", {"fetched": time.time(), "value": versions[i % 2]})
    done.set()
    reader.join()
    assert seen and all(value in versions for value in seen)  # never nothing, never half of one
    assert [p.name for p in tmp_path.iterdir()] == ["e.json"]
