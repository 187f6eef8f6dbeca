"""Posters, synopses, runtimes and where to watch from TMDb, with the person's own API key: optional, polite and
quiet on failure.

- the key is a v3 API key (sent as the `api_key` query parameter) or a v4 read access token (a JWT, sent as
  `Authorization: Bearer`); it never leaves the kernel (posters are fetched here and embedded), never appears in a
  repr, an error message or a log line (urllib3's request lines are redacted);
- one `requests.Session`, a timeout on every request, at most `max_in_flight` requests at a time (whoever asks);
- one request per film: the details and the watch providers together (`append_to_response=watch/providers`);
- 429 waits as long as `Retry-After` asks (bounded by `max_wait`) and tries again; a 404 is a film TMDb lacks;
  5xx, a timeout or a body that is not JSON leave that film without details (`trouble` says so, for one line);
- a 401 raises `TmdbKeyError` once and the client sends nothing more;
- each film's details (its poster included) are cached on disk for `cache_ttl` seconds (30 days), a 404 too, so
  a second view of the same films costs no request; its watch providers beside them, for `watch_ttl` (24 hours);
- the services offered in a country (`/3/watch/providers/movie`) are cached for `offered_ttl` (7 days).

Only TMDb is contacted; the base URLs may be changed (for the tests' loopback server) only to a loopback address.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import requests

import lbrec
from lbrec import paths
from lbrec.artifacts import sweep, write_bytes, write_json
from lbrec.errors import TmdbKeyError
from lbrec.tmdb.watch import Provider, Watch, compact_providers, is_compact, offered_providers, watch_in

TMDB_API = "https://api.themoviedb.org"
TMDB_IMAGES = "https://image.tmdb.org/t/p/w185"
LOGO_SIZE = "w92"  # the logos are shown at 28 px: w92 stays sharp on a screen of 2 or 3 pixels a point
KEY_REFUSED = "TMDb refused the API key: check TMDB_API_KEY"
ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."
# Where to watch changes daily (JustWatch updates TMDb's lists every day, and a film leaves a service on a given
# date), so the providers are trusted for a day, while a film's title, synopsis and poster hardly ever change.
WATCH_TTL = 86400.0
OFFERED_TTL = 7 * 86400.0  # the services a country has: one appears or goes every few months
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_POSTER_PATH = re.compile(r"/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp)")
_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_POSTER_BYTES = 1_000_000
_REDACTED = "<redacted>"
NOT_FOUND = "not found"  # what `_get_json` answers for a film TMDb does not have
_MEMORY = 5000  # films whose providers a client keeps in memory (a few kB each)
_WATCH_FILE, _WATCH_END = "lbrec-watch-providers/1", "end\n"  # a providers file's first word and its last line


@dataclass(frozen=True)
class FilmDetails:
    """What a card shows from TMDb; `poster` is a data URL (empty when TMDb has none or it could not be fetched)."""

    tmdb_id: int
    title: str
    overview: str
    runtime: int | None
    poster: str


class _Redact(logging.Filter):
    """Masks the key in the lines urllib3 logs (a v3 key travels in the URL, which urllib3 logs at DEBUG)."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.key in message:
            record.msg, record.args = message.replace(self.key, _REDACTED), ()
        return True


class TmdbClient:
    """TMDb's movie details for a person's key. `api_url` and `image_url` are for tests only (loopback)."""

    def __init__(self, key: str, *, api_url: str = TMDB_API, image_url: str = TMDB_IMAGES, cache: bool = True,
                 cache_dir: str | os.PathLike[str] | None = None, cache_ttl: float = 30 * 86400,
                 watch_ttl: float = WATCH_TTL, offered_ttl: float = OFFERED_TTL,
                 timeout: float = 8.0, max_wait: float = 10.0, max_in_flight: int = 3):
        for url, real in ((api_url, TMDB_API), (image_url, TMDB_IMAGES)):
            if url.rstrip("/") != real and urlsplit(url).hostname not in _LOOPBACK:
                raise ValueError(f"lbrec only contacts TMDb (or a loopback test server), not {url!r}")
        key = key.strip()
        if not key:
            raise ValueError("no TMDb key given")
        self._auth = ({"headers": {"Authorization": f"Bearer {key}"}} if key.startswith("eyJ")
                      else {"params": {"api_key": key}})
        self.api_url, self.image_url = api_url.rstrip("/"), image_url.rstrip("/")
        self.logo_url = self.image_url.rsplit("/", 1)[0] + "/" + LOGO_SIZE
        self.cache_dir = (Path(cache_dir) if cache_dir else paths.cache_dir() / "tmdb") if cache else None
        if self.cache_dir is not None:
            sweep(self.cache_dir)
        self.cache_ttl, self.watch_ttl, self.offered_ttl = cache_ttl, watch_ttl, offered_ttl
        self.timeout, self.max_wait, self.max_in_flight = timeout, max_wait, max_in_flight
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": f"lbrec/{lbrec.__version__}", "Accept": "application/json"})
        self.refused = False  # a 401 was answered: nothing more is sent
        self.trouble = False  # TMDb could not answer for some film (5xx, timeout, not JSON): reset by details_many
        self.requests_made = 0
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_in_flight)  # the bound holds across threads and callers
        self._providers: dict[int, tuple[float, str]] = {}  # tmdb id -> (when fetched, compact providers)
        _redact_urllib3(key)

    def __repr__(self) -> str:
        return f"TmdbClient(api_url={self.api_url!r}, refused={self.refused})"

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------------------------------------ public

    def details(self, tmdb_id: int) -> FilmDetails | None:
        """One film's details, from the cache when fresh; None when TMDb lacks the film or did not answer."""
        path = self._cache_path(f"{int(tmdb_id)}.json")
        entry = self._cache_read(path, self.cache_ttl)
        if entry is None:
            fetched = self._fetch_movie(tmdb_id)
            if fetched is None:
                return None
            entry = fetched[0]
        try:
            film = FilmDetails(**entry["film"]) if entry["film"] is not None else None
        except (KeyError, TypeError):  # a damaged entry: asked again next time
            self._forget(path)
            return None
        if film is not None and entry.get("poster_pending"):  # fetched for its providers: the poster comes now
            film = replace(film, poster=self._poster(entry.get("poster_path")))
            self._cache_write(path, {**entry, "film": asdict(film), "poster_pending": False})
        return film

    def details_many(self, tmdb_ids: Iterable[int]) -> dict[int, FilmDetails]:
        """The details of every film TMDb answered for, `max_in_flight` at a time; a refused key raises."""
        ids = list(dict.fromkeys(tmdb_ids))
        self.trouble = False
        with ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="lbrec-tmdb") as pool:
            found = list(pool.map(self.details, ids))
        return {film.tmdb_id: film for film in found if film is not None}

    def watch(self, tmdb_id: int, country: str) -> Watch | None:
        """Where to watch the film in `country` (an ISO 3166-1 alpha-2 code, upper case): from memory or the cache
        when fresh, else one request; empty for a film TMDb lacks; None when TMDb did not answer."""
        cached = self.cached_watch(tmdb_id, country)
        if cached is not None:
            return cached
        fetched = self._fetch_movie(tmdb_id)
        return watch_in(fetched[1], country, tmdb_id, self.logo_url) if fetched is not None else None

    def watch_many(self, tmdb_ids: Iterable[int], country: str) -> dict[int, Watch]:
        """Where to watch each film TMDb answered for (`--country` without `--service`: the films shown),
        `max_in_flight` at a time; a refused key raises."""
        ids = list(dict.fromkeys(tmdb_ids))
        self.trouble = False
        with ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="lbrec-tmdb") as pool:
            found = list(pool.map(self.watch, ids, [country] * len(ids)))
        return {tmdb_id: watch for tmdb_id, watch in zip(ids, found) if watch is not None}

    def cached_watch(self, tmdb_id: int, country: str) -> Watch | None:
        """`watch` without a request: None when the providers are not in memory or fresh in the cache."""
        remembered = self._providers.get(int(tmdb_id))
        if remembered is None or not 0 <= time.time() - remembered[0] < self.watch_ttl:
            remembered = self._read_providers(tmdb_id)
        if remembered is None:
            return None
        try:
            return watch_in(remembered[1], country, tmdb_id, self.logo_url)
        except (ValueError, RecursionError):  # a damaged entry is only a cache miss
            with self._lock:
                self._providers.pop(int(tmdb_id), None)
            self._forget(self._cache_path(f"{int(tmdb_id)}.watch.txt"))
            return None

    def providers_offered(self, country: str) -> list[Provider] | None:
        """The services TMDb lists for movies in `country`, in its display order (cached for `offered_ttl`);
        None when TMDb did not answer."""
        path = self._cache_path(f"offered-{country}.json")
        entry = self._cache_read(path, self.offered_ttl)
        if entry is None:
            answer = self._get_json(f"{self.api_url}/3/watch/providers/movie", {"watch_region": country})
            if not isinstance(answer, dict):
                return None
            entry = {"fetched": time.time(), "providers": offered_providers(answer, country)}
            self._cache_write(path, entry)
        try:
            return [Provider(int(i), str(name), self.logo_url + logo if logo else "")
                    for i, name, logo in entry["providers"]]
        except (KeyError, TypeError, ValueError):
            self._forget(path)
            return None

    # ------------------------------------------------------------------------------------------------ network

    def _fetch_movie(self, tmdb_id: int) -> tuple[dict, str] | None:
        """One request for the film's details and providers together; both are cached (the details without the
        poster, which `details` fetches when a card needs it). (the details' cache entry, the compact providers),
        or None when TMDb did not answer."""
        answer = self._get_json(f"{self.api_url}/3/movie/{int(tmdb_id)}",
                                {"append_to_response": "watch/providers"})
        if answer is None:
            return None
        now = time.time()
        if answer == NOT_FOUND:  # remembered like a film that is there
            entry: dict = {"fetched": now, "film": None}
            compact = compact_providers(None)
        else:
            entry = self._details_entry(tmdb_id, answer, now)
            compact = compact_providers(answer.get("watch/providers"))
        self._cache_write(self._cache_path(f"{int(tmdb_id)}.json"), entry)
        self._remember(int(tmdb_id), now, compact)
        if (path := self._cache_path(f"{int(tmdb_id)}.watch.txt")) is not None:
            write_bytes(path, f"{_WATCH_FILE} {now!r}{compact}{_WATCH_END}".encode(), durable=False)
        return entry, compact

    def _details_entry(self, tmdb_id: int, answer: dict, now: float) -> dict:
        """The details' cache entry for TMDb's answer: the poster still to fetch, unless the entry it replaces
        (the providers were refreshed, the details were still fresh) already holds the same poster."""
        runtime, poster_path = answer.get("runtime"), answer.get("poster_path")
        poster_path = poster_path if isinstance(poster_path, str) else None
        film = FilmDetails(int(tmdb_id), str(answer.get("title") or ""), str(answer.get("overview") or ""),
                           runtime if type(runtime) is int else None, "")
        previous = self._cache_read(self._cache_path(f"{int(tmdb_id)}.json"), self.cache_ttl)
        if (previous is not None and isinstance(previous.get("film"), dict) and previous.get("poster_path") ==
                poster_path and previous.get("poster_pending") is False):
            film = replace(film, poster=str(previous["film"].get("poster") or ""))
            return {"fetched": now, "film": asdict(film), "poster_path": poster_path, "poster_pending": False}
        return {"fetched": now, "film": asdict(film), "poster_path": poster_path, "poster_pending": True}

    def _send(self, url: str, auth: bool, params: dict | None = None) -> requests.Response | None:
        """One GET (repeated after a 429 while the waits asked stay short); None on a timeout or no connection."""
        options = {"headers": self._auth.get("headers", {}), "params": {**(params or {}), **self._auth.get(
            "params", {})}} if auth else {}
        for _ in range(3):
            if self.refused:
                raise TmdbKeyError(KEY_REFUSED)
            with self._lock:
                self.requests_made += 1
            try:
                with self._slots:
                    response = self.session.get(url, timeout=(self.timeout, self.timeout), allow_redirects=False,
                                                **options)
            except requests.RequestException:  # its text may hold the URL, and so a v3 key: never shown
                return None
            if response.status_code == 401 and auth:
                self.refused = True
                raise TmdbKeyError(KEY_REFUSED)
            if response.status_code != 429:
                return response
            wait = _retry_after(response)
            if wait is None or wait > self.max_wait:
                return response
            time.sleep(wait)
        return response

    def _get_json(self, url: str, params: dict | None = None) -> dict | str | None:
        """The JSON object at `url`; NOT_FOUND for a 404; None (and `trouble`) when TMDb did not answer usably."""
        response = self._send(url, auth=True, params=params)
        if response is not None and response.status_code == 404:
            return NOT_FOUND
        answer = None
        if response is not None and response.status_code == 200:
            try:
                answer = response.json()
            except (ValueError, RecursionError):  # a maintenance page, a body cut short, absurd nesting
                answer = None
        if not isinstance(answer, dict):
            self.trouble = True
            return None
        return answer

    def _poster(self, poster_path: object) -> str:
        """The poster as a data URL, or "" when there is none or it could not be fetched (the card stays text)."""
        if not isinstance(poster_path, str) or not _POSTER_PATH.fullmatch(poster_path):
            return ""
        response = self._send(self.image_url + poster_path, auth=False)  # the image CDN needs no key
        kind = response.headers.get("Content-Type", "").split(";")[0].strip() if response is not None else ""
        if response is None or response.status_code != 200 or kind not in _IMAGE_TYPES:
            self.trouble = self.trouble or response is None or response.status_code >= 500
            return ""
        if len(response.content) > MAX_POSTER_BYTES:
            return ""
        return f"data:{kind};base64,{base64.b64encode(response.content).decode('ascii')}"

    # ------------------------------------------------------------------------------------------------ cache

    def _read_providers(self, tmdb_id: int) -> tuple[float, str] | None:
        """(when fetched, the film's providers in every country in `lbrec.tmdb.watch`'s compact form) from the
        disk cache, if fresh; remembered in memory."""
        path = self._cache_path(f"{int(tmdb_id)}.watch.txt")
        try:
            data = path.read_bytes() if path is not None else None
        except OSError:  # absent (the usual miss), or not a file
            data = None
        if data is None:
            return None
        entry = _read_watch_file(data)
        if entry is None:
            self._forget(path)  # a damaged entry is only a cache miss
            return None
        if not 0 <= time.time() - entry[0] < self.watch_ttl:  # stale, or from a clock set wrong
            return None
        self._remember(int(tmdb_id), *entry)
        return entry

    def _remember(self, tmdb_id: int, fetched: float, compact: str) -> None:
        with self._lock:  # the filter's threads and the posters' may remember at once
            if len(self._providers) >= _MEMORY:
                self._providers.pop(next(iter(self._providers)))  # the oldest: a dict keeps insertion order
            self._providers[tmdb_id] = (fetched, compact)

    def _cache_path(self, name: str) -> Path | None:
        return self.cache_dir / name if self.cache_dir is not None else None

    @staticmethod
    def _cache_read(path: Path | None, ttl: float) -> dict | None:
        """The entry at `path` when it is younger than `ttl` seconds; None when absent, stale or damaged."""
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:  # absent (the usual miss), or not a file
            return None
        try:
            entry = json.loads(data)
            if not 0 <= time.time() - float(entry["fetched"]) < ttl:  # stale, or from a clock set wrong
                return None
            return entry if isinstance(entry, dict) else None
        except (ValueError, KeyError, TypeError, RecursionError):
            path.unlink(missing_ok=True)  # a damaged entry is only a cache miss
            return None

    @staticmethod
    def _forget(path: Path | None) -> None:
        if path is not None:
            path.unlink(missing_ok=True)

    @staticmethod
    def _cache_write(path: Path | None, entry: dict) -> None:
        if path is not None:
            write_json(path, entry, durable=False)  # a cache: a power cut may cost an entry, read as a miss


def _redact_urllib3(key: str) -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _Redact) and f.key == key for f in logger.filters):
        logger.addFilter(_Redact(key))


def _read_watch_file(data: bytes) -> tuple[float, str] | None:
    """(when fetched, the compact form) from a providers file: a header line (`_WATCH_FILE` and the time), the
    compact form, an end line (so that a file cut short is seen as damaged); None when it is not one."""
    try:
        text = data.decode("utf-8")
        header, newline, rest = text.partition("\n")
        word, _, fetched = header.partition(" ")
        compact = newline + rest[:-len(_WATCH_END)]
        if word == _WATCH_FILE and rest.endswith(_WATCH_END) and is_compact(compact):
            return float(fetched), compact
    except (UnicodeDecodeError, ValueError):
        pass
    return None


def _retry_after(response: requests.Response) -> float | None:
    """Seconds from a numeric `Retry-After` (TMDb sends seconds), None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if re.fullmatch(r"[0-9]{1,6}", value) else None
