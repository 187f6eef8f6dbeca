"""The Letterboxd client at load, against the fault-injecting server: many users at once, some answered 429 with a
Retry-After (in seconds or as an HTTP date), some 503.

Two properties, checked from the server's log of when each request arrived:
- never more than `max_in_flight` (2) requests to Letterboxd at a time, however many users, whether the users share
  one process (threads) or each has their own (a Voilà kernel per visitor: here real processes);
- never sooner than Retry-After allows: the retry of a refused feed waits at least that long, and no other request
  starts meanwhile, except those already on the wire when the client read the 429 (at most max_in_flight - 1;
  the server logs when it sent the 429, so the first READ seconds after it are the client's time to read it).
And nothing is lost: every user gets their feed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from harness.fault_server import FaultServer, Hit, Reply
from harness.files import REPO
from lbrec.letterboxd.client import Client

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
MAX_IN_FLIGHT = 2
DELAY = 0.02  # seconds the server takes per feed
READ = 0.3  # seconds a client may take to read a 429 (threads of one process share the GIL with the server)


def body(path: str) -> bytes:
    return f"<rss><channel><link>{path}</link></channel></rss>".encode()


def serve(server: FaultServer, users: list[str]) -> dict[str, Reply]:
    """Routes for every user's feed: every seventh is first answered 429 with Retry-After 1 s (every other one as
    an HTTP date), every eleventh 503; then each is served. Returns the first answers of the refused feeds."""
    paths = [f"/{user}/rss/" for user in users]
    refused = {}
    for i, path in enumerate(paths):
        if i % 7 == 3:
            after = "1" if i % 2 else formatdate(time.time() + 2, usegmt=True)  # a date: 1-2 s from now
            refused[path] = Reply(429, b"slow down", {"Retry-After": after})
        elif i % 11 == 5:
            refused[path] = Reply(503, b"busy")
        ok = Reply(200, body(path), RSS, delay=DELAY)
        server.route(path, *([refused[path], ok] if path in refused else [ok]))
    return refused


def check(server: FaultServer, refused: dict[str, Reply]) -> None:
    """The two properties, from the server's own log of arrivals."""
    assert server.max_in_flight <= MAX_IN_FLIGHT, f"{server.max_in_flight} requests at once"
    hits = sorted(server.hits, key=lambda h: h.time)
    for path, reply in refused.items():
        if reply.status != 429:
            continue
        first, retry = server.hits_for(path)[:2]
        wait = retry_after(reply, first)
        assert retry.time - first.time >= wait - 0.05, f"{path} retried after {retry.time - first.time:.2f} s"
        during = [h for h in hits if first.time + READ < h.time < first.time + wait - 0.05]
        assert len(during) <= MAX_IN_FLIGHT - 1, (
            f"{[(h.path, round(h.time - first.time, 3)) for h in during]} started within {path}'s Retry-After "
            f"of {wait:.2f} s"
        )


def retry_after(reply: Reply, hit: Hit) -> float:
    value = reply.headers["Retry-After"]
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    # the date was written before the request arrived: the wait is counted from the answer
    return parsedate_to_datetime(value).timestamp() - (time.time() - (time.monotonic() - hit.time))


def test_many_users_in_one_process(fault_server: FaultServer, tmp_path: Path) -> None:
    users = [f"user{i}" for i in range(32)]
    refused = serve(fault_server, users)
    got: dict[str, str] = {}

    def visit(user: str) -> None:
        with Client(base_url=fault_server.url, cache=False, retries=3, backoff=0.05) as http:
            got[user] = http.get(f"/{user}/rss/").text

    threads = [threading.Thread(target=visit, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert got == {user: body(f"/{user}/rss/").decode() for user in users}
    check(fault_server, refused)


VISITOR = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
from lbrec.letterboxd.client import Client
url, users = sys.argv[1], sys.argv[2:]
with Client(base_url=url, cache=False, retries=3, backoff=0.05) as http, ThreadPoolExecutor(len(users)) as pool:
    print(json.dumps(list(pool.map(lambda user: http.get(f"/{user}/rss/").text, users))))
"""
FEEDS_PER_KERNEL = 4  # a kernel serving several users at once


def test_many_users_each_in_their_own_process(fault_server: FaultServer) -> None:
    """As under Voilà, where every visitor has a kernel: the limit and the waits hold across processes."""
    kernels = [[f"kernel{k}_{i}" for i in range(FEEDS_PER_KERNEL)] for k in range(6)]
    refused = serve(fault_server, [user for users in kernels for user in users])
    visitors = [
        subprocess.Popen(
            [sys.executable, "-c", VISITOR, fault_server.url, *users],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for users in kernels
    ]
    for users, visitor in zip(kernels, visitors, strict=True):
        out, err = visitor.communicate(timeout=120)
        assert visitor.returncode == 0, err[-2000:]
        assert json.loads(out) == [body(f"/{user}/rss/").decode() for user in users]
    check(fault_server, refused)


@pytest.mark.parametrize("after", ["1", "date"])
def test_a_lone_retry_waits_as_long_as_asked(fault_server: FaultServer, after: str) -> None:
    value = "1" if after == "1" else formatdate(time.time() + 2, usegmt=True)
    fault_server.route("/someone/rss/", Reply(429, b"slow down", {"Retry-After": value}), Reply(200, b"<rss/>"))
    with Client(base_url=fault_server.url, cache=False, retries=1, backoff=0.01) as http:
        http.get("/someone/rss/")
    first, retry = fault_server.hits_for("/someone/rss/")
    assert retry.time - first.time >= retry_after(Reply(429, b"", {"Retry-After": value}), first) - 0.05
