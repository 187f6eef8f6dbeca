"""A real HTTP server on 127.0.0.1 for tests: serves canned responses and injects faults on demand.

Each route is a list of `Reply`s served in turn (the last one repeats), so "500 then 200" or "429 with Retry-After
then 200" are one line each. A path without a route goes to `answer` (path and query -> a `Reply`, or None for a
404) when one is set: a server that computes its answers (`harness.tmdb_server.LoopbackTmdb`). Every request is
logged with its time, so tests can check retries and spacing.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)
    truncate_to: int | None = None  # send only this many body bytes while announcing the full length


@dataclass
class Hit:
    path: str
    time: float
    headers: dict[str, str]


class FaultServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.hits: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.answer: Callable[[str], Reply | None] | None = None  # what a path without a route gets
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # TCP_NODELAY: a body written after its headers goes at once, as a real
            # server sends it (else Nagle holds it until the client's delayed ACK: 40 ms a request on Linux)

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.hits.append(Hit(self.path, time.monotonic(), dict(self.headers)))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    replies = server.routes.get(self.path.split("?")[0])
                    reply = (replies.pop(0) if len(replies) > 1 else replies[0]) if replies else None
                try:
                    if reply is None:  # computed outside the lock: answers are made in parallel, as a server does
                        reply = (server.answer(self.path) if server.answer is not None else None) or Reply(404, b"nf")
                    if reply.delay:
                        time.sleep(reply.delay)
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    if reply.truncate_to is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
                    self.wfile.write(body)
                    self.wfile.flush()
                    if reply.truncate_to is not None:
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server._lock:
                        server.in_flight -= 1

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # polled every 50 ms, not 0.5 s: shutting the server down waits for the next poll, once per test
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def hits_for(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path.split("?")[0] == path]

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """The address of a loopback port where nothing listens: a connection there is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket closes
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """The address of a loopback server that takes connections and never answers: requests there time out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)  # the kernel completes the handshakes; nothing ever reads or replies
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
