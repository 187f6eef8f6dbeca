"""Sending: `Fetcher`, one `requests.Session` with a timeout on every request, the tries its `RetryPolicy` allows
(never sooner than the server's Retry-After, in seconds or as an HTTP date, and never for a wait over the policy's
bound), redirects only where the caller lets them go, and failures as `WebError`s whose text is a reason in words.
Why the retry loop is lbrec's own and not urllib3's `Retry`: the `lbrec.web` docstring."""

from __future__ import annotations

import errno
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

from lbrec.web.gate import Gate

LIBRARY = f"python-requests/{requests.__version__}"  # what sends lbrec's requests, for an honest User-Agent
NOT_FOUND = "not found"  # `get_json`'s answer for a 404: what was asked for is not there (an answer, not a failure)
MAX_REDIRECTS = 3
Response = requests.Response
_HEADER = Retry(retry_after_max=10**12)  # reads Retry-After as sent; each policy has its own bound
_INCOMPLETE = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


class WebError(Exception):
    """No usable answer came; the message says why in a few words, never in the HTTP library's."""


class TimedOut(WebError):
    """The server did not answer within the timeout."""


class Incomplete(WebError):
    """The answer arrived cut short, or its compression was broken."""


class Unreachable(WebError):
    """No connection could be made: offline, a DNS failure, a refused connection, no secure connection."""


class TooManyRedirects(WebError):
    """More than `MAX_REDIRECTS` redirects in a row."""


@dataclass(frozen=True)
class RetryPolicy:
    """Which answers are tried again, and when. An answer whose status is in `statuses` is asked again, `attempts`
    tries in all: after the wait its Retry-After asks when that is at most `max_wait` seconds (a longer one ends the
    tries, and the answer is returned for the caller to report), else after `backoff` seconds, doubled at each try
    (None: only when the server says when). A body cut short is asked again when `incomplete`. A timeout or a
    connection that cannot be made is never tried again: offline, a retry only makes the person wait longer."""

    statuses: frozenset[int]
    attempts: int
    max_wait: float
    backoff: float | None = None
    incomplete: bool = False


class Fetcher:
    """GET requests through `gate` (at most N in flight, none before a wait a server asked has passed), each with
    `timeout` seconds to connect and to answer, counted in `requests_made`."""

    def __init__(self, *, headers: dict[str, str], timeout: float, gate: Gate, policy: RetryPolicy):
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.timeout, self.gate, self.policy = timeout, gate, policy
        self.requests_made = 0  # requests actually sent (answers read from a cache excluded)
        self._count_lock = threading.Lock()
        self._refusal: Callable[[], Exception] | None = None

    def close(self) -> None:
        self.session.close()

    def refuse(self, error: Callable[[], Exception]) -> None:
        """From now on raise `error()` instead of sending anything: a server that refused the credentials is asked
        nothing more, by any thread, a retry waiting for its Retry-After included."""
        self._refusal = error

    @property
    def refused(self) -> bool:
        return self._refusal is not None

    def get(
        self,
        url: str,
        *,
        params: dict | None = None,
        headers: dict | None = None,
        check: Callable[[Response], None] | None = None,
        follow: Callable[[str, str], str] | None = None,
    ) -> Response:
        """The answer to a GET of `url`, asked again as the policy says; raises `WebError` when none came.

        `check(response)` sees every answer first and raises to stop at once (a block, a refused key: asking again
        would be circumvention, or useless). `follow(url, location)` gives the address a redirect may go to, or
        raises; without it a redirect is returned like any answer."""
        policy, pause = self.policy, 0.0
        for attempt in range(policy.attempts):
            if pause:
                time.sleep(pause)
            pause = policy.backoff * 2**attempt if policy.backoff is not None else 0.0
            try:
                response = self._send(url, params, headers, follow)
            except Incomplete:
                if policy.incomplete and attempt + 1 < policy.attempts:
                    continue
                raise
            if check is not None:
                check(response)
            if response.status_code not in policy.statuses:
                return response
            wait = retry_after(response)
            if (wait is None and policy.backoff is None) or (wait is not None and wait > policy.max_wait):
                return response
            if wait is not None:
                pause = 0.0  # the gate holds this request, and every other through it, as long as asked
        return response

    def get_json(
        self,
        url: str,
        *,
        params: dict | None = None,
        headers: dict | None = None,
        check: Callable[[Response], None] | None = None,
    ) -> dict | str | None:
        """The JSON object at `url`; `NOT_FOUND` for a 404; None when no usable answer came (none at all, another
        status, a body that is not a JSON object)."""
        try:
            response = self.get(url, params=params, headers=headers, check=check)
        except WebError:
            return None
        if response.status_code == 404:
            return NOT_FOUND
        if response.status_code != 200:
            return None
        try:
            answer = response.json()
        except (ValueError, RecursionError):  # a maintenance page, a body cut short, absurd nesting
            return None
        return answer if isinstance(answer, dict) else None

    def _send(
        self, url: str, params: dict | None, headers: dict | None, follow: Callable[[str, str], str] | None
    ) -> Response:
        """One request, and the redirects `follow` allows (by hand, so that each target is checked first)."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._once(url, params, headers)
            if follow is None or not response.is_redirect:
                return response
            url, params = follow(url, response.headers.get("Location", "")), None
        raise TooManyRedirects(f"too many redirects from {url}")

    def _once(self, url: str, params: dict | None, headers: dict | None) -> Response:
        if self._refusal is not None:
            raise self._refusal()
        with self.gate.slot():
            with self._count_lock:
                self.requests_made += 1
            try:
                response = self.session.get(
                    url, params=params, headers=headers, timeout=(self.timeout, self.timeout), allow_redirects=False
                )
            except requests.Timeout:  # the library's text may hold the URL, and so a key: never passed on
                raise TimedOut(f"no answer within {self.timeout:g} s") from None
            except _INCOMPLETE:
                raise Incomplete("the answer arrived incomplete") from None
            except requests.RequestException as exc:
                raise Unreachable(unreachable(exc)) from None
            policy = self.policy
            if (
                response.status_code in policy.statuses
                and (wait := retry_after(response)) is not None
                and wait <= policy.max_wait
            ):
                self.gate.hold_off(wait)  # before the slot is free: no request through the gate starts meanwhile
        return response


def retry_after(response: Response) -> float | None:
    """Seconds the server asks to wait, from `Retry-After` in seconds or as an HTTP date (read by urllib3's
    `Retry.parse_retry_after`); None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return float(_HEADER.parse_retry_after(value))
    except (InvalidHeader, TypeError, ValueError, IndexError, OverflowError):  # ValueError: over int()'s 4300 digits
        return None


def unreachable(exc: BaseException) -> str:
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
