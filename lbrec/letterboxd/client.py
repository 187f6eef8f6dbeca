"""The one way lbrec talks to Letterboxd: a member's RSS feed, and nothing else; polite, honest, cached, and clear
about being blocked.

Letterboxd's terms (section 6.11) forbid robots and scrapers on the site; the RSS feed is published for feed readers.
So the client requests `/<username>/rss/` only: any other path, and any redirect to one, is refused before a byte
is sent (`FEED_PATH`). Never a Letterboxd HTML page.

- one `requests.Session`, a timeout on every request and a User-Agent that names lbrec and its version;
- when Letterboxd cannot be reached (offline, a DNS failure, a refused connection, no answer within `timeout`, 4 s)
  the person hears it at once, in one sentence that names no library internals and points to the export;
- at most `max_in_flight` (2) requests at a time to a host, shared by every client in the process and, through
  locked files, by every process of the same user on the machine (under Voilà each visitor has a kernel process);
- 429 and 5xx are retried with exponential backoff, never sooner than the server's `Retry-After`, and a wait
  asked by one response holds back every request to that host, from every process, before the next one starts;
- feeds are cached on disk (`paths.cache_dir()/letterboxd`, atomic writes) for `cache_ttl` seconds, so a second
  run for the same user costs no requests; an entry that is unreadable or does not match its sha256 is discarded
  and fetched again;
- no bot-check circumvention: a Cloudflare challenge, a "You are being rate limited" page or HTTP 426 stops
  at once with `BlockedError`, as does a plain HTTP 403; each tells the person to use their data export instead.

Only Letterboxd is ever contacted: paths are joined to `base_url`, redirects are followed only to a feed on that
host, and `base_url` may be changed only to a loopback address (the tests' fault-injecting server) or a `.invalid`
name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

try:
    import fcntl
except ImportError:  # Windows: each process keeps its own limits
    fcntl = None  # type: ignore[assignment]

import lbrec
from lbrec import paths
from lbrec.artifacts import sweep, write_json
from lbrec.errors import (
    BlockedError,
    LetterboxdError,
    NetworkError,
    RateLimitedError,
    UserNotFoundError,
)

LETTERBOXD = "https://letterboxd.com"
USER_AGENT = (f"lbrec/{lbrec.__version__} (open-source movie recommender reading one member's public RSS feed; "
              f"python-requests/{requests.__version__})")
EXPORT = "your Letterboxd data export (on letterboxd.com: Settings > Data > Export your data)"
FALLBACK = f"Use {EXPORT} instead."
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_CHALLENGE_MARKERS = ("_cf_chl_opt", "cf-browser-verification", "<title>Just a moment...</title>",
                      "Attention Required! | Cloudflare")
MAX_REDIRECTS = 3
FEED_PATH = re.compile(r"/[A-Za-z0-9_]{2,15}/rss/")  # a member's feed: the only path lbrec ever requests


@dataclass(frozen=True)
class Page:
    url: str
    text: str
    from_cache: bool


class _HostGate:
    """At most `max_in_flight` requests in flight to one host, and the moment before which none may start (the last
    Retry-After). Shared by the threads of this process and, through locked files in `folder`, by every process of
    this user on this machine; a process that dies releases its locks with it."""

    def __init__(self, host: str, max_in_flight: int, folder: Path | None):
        self.slots = threading.BoundedSemaphore(max_in_flight)
        self.lock = threading.Lock()
        self.not_before = 0.0  # time.monotonic() (one clock for the whole machine) before which no request starts
        name = re.sub(r"[^A-Za-z0-9.-]", "_", host)
        self.slot_files = [folder / f"{name}.slot{i}" for i in range(max_in_flight)] if folder else []
        self.wait_file = folder / f"{name}.not-before" if folder else None

    def hold_off(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        with self.lock:
            self.not_before = max(self.not_before, until)
            if self.wait_file is not None:
                with _locked(self.wait_file, fcntl.LOCK_EX) as f:
                    if until > _number(f.read()):
                        f.seek(0)
                        f.truncate()
                        f.write(repr(until))

    def _not_before(self) -> float:
        if self.wait_file is None or not self.wait_file.exists():  # no wait was ever asked
            return self.not_before
        with _locked(self.wait_file, fcntl.LOCK_SH) as f:
            return max(self.not_before, _number(f.read()))

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        with self.slots, self._shared_slot():
            while (wait := self._not_before() - time.monotonic()) > 0:
                time.sleep(min(wait, 0.5))  # and look again: another process may have been asked to wait longer
            yield

    @contextlib.contextmanager
    def _shared_slot(self) -> Iterator[None]:
        """One of the slot files, locked; when all are taken by other processes, wait for one."""
        if not self.slot_files:
            yield
            return
        while True:
            for path in self.slot_files:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                try:
                    yield
                finally:
                    os.close(fd)  # releases the lock
                return
            time.sleep(0.01)


@contextlib.contextmanager
def _locked(path: Path, mode: int) -> Iterator[io.TextIOWrapper]:
    with open(path, "a+", encoding="ascii") as f:
        fcntl.flock(f, mode)
        f.seek(0)
        yield f


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _gate_folder() -> Path | None:
    """Where this user's processes share their gates: a private folder in the system's temporary folder. None (each
    process on its own) where files cannot be locked, or when someone else owns the folder."""
    if fcntl is None:
        return None
    folder = Path(tempfile.gettempdir()) / f"lbrec-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        if folder.is_symlink() or folder.stat().st_uid != os.getuid():
            return None
    except OSError:
        return None
    return folder


_GATES: dict[tuple[str, int], _HostGate] = {}
_GATES_LOCK = threading.Lock()


def _gate(host: str, max_in_flight: int) -> _HostGate:
    with _GATES_LOCK:
        if (host, max_in_flight) not in _GATES:
            _GATES[host, max_in_flight] = _HostGate(host, max_in_flight, _gate_folder())
        return _GATES[host, max_in_flight]


class Client:
    """HTTP access to Letterboxd's feeds. `base_url` is for tests only: anything but letterboxd.com must be loopback,
    or a `.invalid` name (RFC 6761: it never resolves), which stands for a DNS failure."""

    def __init__(self, *, base_url: str = LETTERBOXD, cache: bool = True,
                 cache_dir: str | os.PathLike[str] | None = None, cache_ttl: float = 6 * 3600, timeout: float = 4.0,
                 retries: int = 3, backoff: float = 2.0, max_wait: float = 120.0, max_in_flight: int = 2):
        parts = urlsplit(base_url)
        test_host = parts.hostname in _LOOPBACK or (parts.hostname or "").endswith(".invalid")  # never resolves
        if base_url.rstrip("/") != LETTERBOXD and not test_host:
            raise ValueError(f"lbrec only contacts {LETTERBOXD} (or a loopback test server), not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host = parts.netloc
        self.hostname = parts.hostname
        self.cache_dir = (Path(cache_dir) if cache_dir else paths.cache_dir() / "letterboxd") if cache else None
        if self.cache_dir is not None:
            sweep(self.cache_dir)  # what a process killed while writing an entry left
        self.cache_ttl = cache_ttl
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.gate = _gate(self.host, max_in_flight)
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept-Language": "en"})
        self.requests_made = 0  # network requests actually sent (cache hits excluded)
        self._count_lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------------ public

    def get(self, path: str) -> Page:
        """The feed at `path` (`/someone/rss/`), from the cache when fresh."""
        url = self.url(path)
        if (text := self._cache_read(url)) is not None:
            return Page(url, text, True)
        text = self._fetch(url)
        self._cache_write(url, text)
        return Page(url, text, False)

    def url(self, path: str) -> str:
        """The address of a member's feed; `ValueError` for any other path: lbrec reads no Letterboxd page."""
        if not FEED_PATH.fullmatch(path):
            raise ValueError(f"lbrec reads only a member's RSS feed (/<username>/rss/), not {path[:80]!r}")
        return self.base_url + path

    # ------------------------------------------------------------------------------------------------ network

    def _fetch(self, url: str) -> str:
        """The feed's text. A connection that cannot be made or an answer that does not come is reported at once
        (within `timeout`), not retried: offline, a retry only makes the person wait longer for the same news."""
        failure: LetterboxdError | None = None
        delay = 0.0
        for attempt in range(self.retries + 1):
            if attempt and delay:
                time.sleep(delay)
            delay = self.backoff * 2 ** attempt
            try:
                response = self._send(url)
            except requests.Timeout:
                raise NetworkError(f"Letterboxd did not answer within {self.timeout:g} s (it may be down or slow "
                                   f"right now); try again later, or use {EXPORT} instead.") from None
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
                failure = NetworkError(f"the feed {url} arrived incomplete; try again later. {FALLBACK}")
                continue
            except requests.RequestException as exc:
                raise NetworkError(f"lbrec could not reach {self.hostname} ({_unreachable(exc)}); check your "
                                   f"internet connection, or use {EXPORT} instead.") from None
            _raise_if_blocked(response)
            status = response.status_code
            if status == 200:
                if "charset" not in response.headers.get("Content-Type", ""):
                    response.encoding = "utf-8"  # Letterboxd feeds are UTF-8; requests would guess Latin-1
                return response.text
            if status == 404:
                raise UserNotFoundError(f"Letterboxd has no page at {url} (404)")
            if status not in RETRY_STATUSES:
                raise NetworkError(f"Letterboxd answered {url} with HTTP {status}, which lbrec does not expect. "
                                   f"{FALLBACK}")
            if status == 429:
                failure = RateLimitedError(f"Letterboxd is rate limiting lbrec (HTTP 429 on {url}); try again in a "
                                           f"few minutes. {FALLBACK}")
            else:
                failure = NetworkError(f"Letterboxd kept failing (HTTP {status} on {url}); try again later. "
                                       f"{FALLBACK}")
            if (wait := _retry_after(response)) is not None:
                if wait > self.max_wait:
                    raise RateLimitedError(f"Letterboxd asks lbrec to wait {wait:.0f} s before the next request "
                                           f"({url}); try again later. {FALLBACK}")
                delay = 0.0  # the gate holds this request, and every other to the host, as long as asked
        assert failure is not None
        raise failure

    def _send(self, url: str) -> requests.Response:
        """One GET, following redirects by hand so that they can never leave the host."""
        for _ in range(MAX_REDIRECTS + 1):
            with self.gate.slot():
                with self._count_lock:
                    self.requests_made += 1
                response = self.session.get(url, timeout=(self.timeout, self.timeout), allow_redirects=False)
                wait = _retry_after(response) if response.status_code in RETRY_STATUSES else None
                if wait is not None and wait <= self.max_wait:
                    self.gate.hold_off(wait)  # before the slot is free: no request of this host starts meanwhile
            if not response.is_redirect:
                return response
            target = urljoin(url, response.headers.get("Location", ""))
            parts = urlsplit(target)
            if parts.netloc != self.host:
                raise NetworkError(f"Letterboxd redirected {url} off the site (to {target}); not followed. "
                                   f"{FALLBACK}")
            if not FEED_PATH.fullmatch(parts.path) or parts.query or parts.fragment:
                raise NetworkError(f"Letterboxd redirected {url} to {target}, which is not an RSS feed; not "
                                   f"followed. {FALLBACK}")
            url = target
        raise NetworkError(f"too many redirects from {url}. {FALLBACK}")

    # ------------------------------------------------------------------------------------------------ cache

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()}.json"

    def _cache_read(self, url: str) -> str | None:
        path = self._cache_path(url)
        if path is None or not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            fresh = entry["url"] == url and time.time() - float(entry["fetched"]) < self.cache_ttl
            text = entry["text"] if fresh else None
            if text is not None and (not isinstance(text, str) or _digest(text) != entry["sha256"]):
                raise ValueError("the text does not match its sha256")  # damaged, yet still valid JSON
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # a damaged entry is only a cache miss
            return None
        return text

    def _cache_write(self, url: str, text: str) -> None:
        path = self._cache_path(url)
        if path is not None:
            write_json(path, {"url": url, "fetched": time.time(), "sha256": _digest(text), "text": text})


def _raise_if_blocked(response: requests.Response) -> None:
    """Stop on a refusal (HTTP 403), a bot check, a rate-limit page or HTTP 426: retrying would be circumvention."""
    status, headers = response.status_code, response.headers
    head = response.text[:20000]  # challenge and rate-limit pages are small; real feeds name neither early on
    challenge = "cf-mitigated" in headers or any(marker in head for marker in _CHALLENGE_MARKERS)
    behind_cloudflare = "cf-ray" in headers or "cloudflare" in headers.get("Server", "").lower()
    if challenge or (status == 403 and behind_cloudflare):
        raise BlockedError(f"Letterboxd's bot protection (Cloudflare) blocked lbrec's request (HTTP {status}), and "
                           f"lbrec does not try to get around it: use {EXPORT} instead.")
    if status == 403:
        raise BlockedError(f"Letterboxd refused lbrec's request (HTTP 403), and lbrec does not try to get around "
                           f"it: use {EXPORT} instead.")
    if "You are being rate limited" in head:
        raise RateLimitedError(f"Letterboxd says 'You are being rate limited'; lbrec stops here. {FALLBACK}")
    if status == 426:
        raise BlockedError(f"Letterboxd refused lbrec's request (HTTP 426 Upgrade Required). {FALLBACK}")


def _retry_after(response: requests.Response) -> float | None:
    """Seconds from a `Retry-After` header (a number or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9]{1,9}", value):  # not str.isdigit(): it takes "²", which float() refuses
        return float(value)
    with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _unreachable(exc: BaseException) -> str:
    """Why no connection could be made, in words, from the causes requests and urllib3 chain (never their text,
    which quotes connection objects and retry counters)."""
    seen: set[int] = set()
    causes = [exc]
    while causes:
        cause = causes.pop()
        if id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return "its address could not be found: no network, or a DNS failure"
        if isinstance(cause, ConnectionRefusedError):
            return "the connection was refused"
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "the network is unreachable"
        if isinstance(cause, ssl.SSLError):
            return "a secure connection could not be made"
        linked = (cause.__cause__, cause.__context__, getattr(cause, "reason", None), *cause.args)
        causes += [c for c in linked if isinstance(c, BaseException)]
    return "no connection could be made"
