"""The one way lbrec talks to Letterboxd: a member's RSS feed, and nothing else; polite, honest, cached, and clear
about being blocked.

Letterboxd's terms (section 6.11) forbid robots and scrapers on the site; the RSS feed is published for feed readers.
So the client requests `/<username>/rss/` only: any other path, and any redirect to one, is refused before a byte
is sent (`FEED_PATH`). Never a Letterboxd HTML page.

- requests go through `lbrec.web` (the HTTP layer it shares with the TMDb client): a timeout on every request, a
  User-Agent that names lbrec and its version;
- when Letterboxd cannot be reached (offline, a DNS failure, a refused connection, no answer within `timeout`, 4 s)
  the person hears it at once, in one sentence that names no library internals and points to the export;
- at most `max_in_flight` (2) requests at a time to a host, shared by every client in the process and, through
  locked files, by every process of the same user on the machine (under Voilà each visitor has a kernel process);
- 429 and 5xx are retried with exponential backoff, never sooner than the server's `Retry-After` (seconds or an
  HTTP date; over `max_wait`, 120 s, lbrec stops instead), and a wait asked by one response holds back every request
  to that host, from every process, before the next one starts;
- feeds are cached on disk (`paths.cache_dir()/letterboxd`, atomic and durable writes) for `cache_ttl` seconds, so
  a second run for the same user costs no requests; an entry that is unreadable or does not match its sha256 is
  discarded and fetched again;
- no bot-check circumvention: a Cloudflare challenge, a "You are being rate limited" page or HTTP 426 stops
  at once with `BlockedError`, as does a plain HTTP 403; each tells the person to use their data export instead.

Only Letterboxd is ever contacted: paths are joined to `base_url`, redirects are followed only to a feed on that
host, and `base_url` may be changed only to a loopback address (the tests' fault-injecting server) or a `.invalid`
name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lbrec
from lbrec import paths
from lbrec.errors import BlockedError, NetworkError, RateLimitedError, UserNotFoundError
from lbrec.web import (
    LIBRARY,
    DiskCache,
    Fetcher,
    Incomplete,
    Response,
    RetryPolicy,
    TimedOut,
    TooManyRedirects,
    Unreachable,
    retry_after,
    shared_gate,
)

LETTERBOXD = "https://letterboxd.com"
USER_AGENT = (
    f"lbrec/{lbrec.__version__} (open-source movie recommender reading one member's public RSS feed; {LIBRARY})"
)
EXPORT = "your Letterboxd data export (on letterboxd.com: Settings > Data > Export your data)"
FALLBACK = f"Use {EXPORT} instead."
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_CHALLENGE_MARKERS = (
    "_cf_chl_opt",
    "cf-browser-verification",
    "<title>Just a moment...</title>",
    "Attention Required! | Cloudflare",
)
FEED_PATH = re.compile(r"/[A-Za-z0-9_]{2,15}/rss/")  # a member's feed: the only path lbrec ever requests


@dataclass(frozen=True)
class Page:
    url: str
    text: str
    from_cache: bool


class Client:
    """HTTP access to Letterboxd's feeds. `base_url` is for tests only: anything but letterboxd.com must be loopback,
    or a `.invalid` name (RFC 6761: it never resolves), which stands for a DNS failure."""

    def __init__(
        self,
        *,
        base_url: str = LETTERBOXD,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
        cache_ttl: float = 6 * 3600,
        timeout: float = 4.0,
        retries: int = 3,
        backoff: float = 2.0,
        max_wait: float = 120.0,
        max_in_flight: int = 2,
    ):
        parts = urlsplit(base_url)
        test_host = parts.hostname in _LOOPBACK or (parts.hostname or "").endswith(".invalid")  # never resolves
        if base_url.rstrip("/") != LETTERBOXD and not test_host:
            raise ValueError(f"lbrec only contacts {LETTERBOXD} (or a loopback test server), not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host = parts.netloc
        self.hostname = parts.hostname
        self.cache_dir = (Path(cache_dir) if cache_dir else paths.cache_dir() / "letterboxd") if cache else None
        self.cache = DiskCache(self.cache_dir, durable=True)
        self.cache_ttl = cache_ttl
        self.timeout = timeout
        self.max_wait = max_wait
        policy = RetryPolicy(RETRY_STATUSES, attempts=retries + 1, max_wait=max_wait, backoff=backoff, incomplete=True)
        self.web = Fetcher(
            headers={"User-Agent": USER_AGENT, "Accept-Language": "en"},
            timeout=timeout,
            gate=shared_gate(self.host, max_in_flight),
            policy=policy,
        )

    @property
    def requests_made(self) -> int:
        """Network requests actually sent (cache hits excluded)."""
        return self.web.requests_made

    def close(self) -> None:
        self.web.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------------ public

    def get(self, path: str) -> Page:
        """The feed at `path` (`/someone/rss/`), from the cache when fresh."""
        url = self.url(path)
        if (text := self.cache.read_text(url, self.cache_ttl)) is not None:
            return Page(url, text, True)
        text = self._fetch(url)
        self.cache.write_text(url, text)
        return Page(url, text, False)

    def url(self, path: str) -> str:
        """The address of a member's feed; `ValueError` for any other path: lbrec reads no Letterboxd page."""
        if not FEED_PATH.fullmatch(path):
            raise ValueError(f"lbrec reads only a member's RSS feed (/<username>/rss/), not {path[:80]!r}")
        return self.base_url + path

    # ------------------------------------------------------------------------------------------------ network

    def _fetch(self, url: str) -> str:
        """The feed's text, or the reason there is none as one of `lbrec.errors`' Letterboxd errors, in one line.
        A connection that cannot be made or an answer that does not come is reported at once (within `timeout`)."""
        try:
            response = self.web.get(url, check=_raise_if_blocked, follow=self._follow)
        except TimedOut:
            raise NetworkError(
                f"Letterboxd did not answer within {self.timeout:g} s (it may be down or slow "
                f"right now); try again later, or use {EXPORT} instead."
            ) from None
        except Incomplete:
            raise NetworkError(f"the feed {url} arrived incomplete; try again later. {FALLBACK}") from None
        except TooManyRedirects as exc:
            raise NetworkError(f"{exc}. {FALLBACK}") from None
        except Unreachable as exc:
            raise NetworkError(
                f"lbrec could not reach {self.hostname} ({exc}); check your internet connection, or "
                f"use {EXPORT} instead."
            ) from None
        status = response.status_code
        if status == 200:
            if "charset" not in response.headers.get("Content-Type", ""):
                response.encoding = "utf-8"  # Letterboxd feeds are UTF-8; requests would guess Latin-1
            return response.text
        if status == 404:
            raise UserNotFoundError(f"Letterboxd has no page at {url} (404)")
        if status not in RETRY_STATUSES:
            raise NetworkError(f"Letterboxd answered {url} with HTTP {status}, which lbrec does not expect. {FALLBACK}")
        if (wait := retry_after(response)) is not None and wait > self.max_wait:
            raise RateLimitedError(
                f"Letterboxd asks lbrec to wait {wait:.0f} s before the next request ({url}); "
                f"try again later. {FALLBACK}"
            )
        if status == 429:
            raise RateLimitedError(
                f"Letterboxd is rate limiting lbrec (HTTP 429 on {url}); try again in a few minutes. {FALLBACK}"
            )
        raise NetworkError(f"Letterboxd kept failing (HTTP {status} on {url}); try again later. {FALLBACK}")

    def _follow(self, url: str, location: str) -> str:
        """Where a redirect from `url` may go: another feed on the site, nowhere else."""
        target = urljoin(url, location)
        parts = urlsplit(target)
        if parts.netloc != self.host:
            raise NetworkError(f"Letterboxd redirected {url} off the site (to {target}); not followed. {FALLBACK}")
        if not FEED_PATH.fullmatch(parts.path) or parts.query or parts.fragment:
            raise NetworkError(
                f"Letterboxd redirected {url} to {target}, which is not an RSS feed; not followed. {FALLBACK}"
            )
        return target


def _raise_if_blocked(response: Response) -> None:
    """Stop on a refusal (HTTP 403), a bot check, a rate-limit page or HTTP 426: retrying would be circumvention."""
    status, headers = response.status_code, response.headers
    head = response.text[:20000]  # challenge and rate-limit pages are small; real feeds name neither early on
    challenge = "cf-mitigated" in headers or any(marker in head for marker in _CHALLENGE_MARKERS)
    behind_cloudflare = "cf-ray" in headers or "cloudflare" in headers.get("Server", "").lower()
    if challenge or (status == 403 and behind_cloudflare):
        raise BlockedError(
            f"Letterboxd's bot protection (Cloudflare) blocked lbrec's request (HTTP {status}), and "
            f"lbrec does not try to get around it: use {EXPORT} instead."
        )
    if status == 403:
        raise BlockedError(
            f"Letterboxd refused lbrec's request (HTTP 403), and lbrec does not try to get around "
            f"it: use {EXPORT} instead."
        )
    if "You are being rate limited" in head:
        raise RateLimitedError(f"Letterboxd says 'You are being rate limited'; lbrec stops here. {FALLBACK}")
    if status == 426:
        raise BlockedError(f"Letterboxd refused lbrec's request (HTTP 426 Upgrade Required). {FALLBACK}")
