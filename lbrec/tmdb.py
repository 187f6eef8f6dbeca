"""Posters, synopses and runtimes from TMDb, with the person's own API key: optional, polite and quiet on failure.

- the key is a v3 API key (sent as the `api_key` query parameter) or a v4 read access token (a JWT, sent as
  `Authorization: Bearer`); it never leaves the kernel (posters are fetched here and embedded), never appears in a
  repr, an error message or a log line (urllib3's request lines are redacted);
- one `requests.Session`, a timeout on every request, at most `max_in_flight` requests at a time;
- 429 waits as long as `Retry-After` asks (bounded by `max_wait`) and tries again; a 404 is a film TMDb lacks;
  5xx, a timeout or a body that is not JSON leave that film without details (`trouble` says so, for one line);
- a 401 raises `TmdbKeyError` once and the client sends nothing more;
- each film's answer (its poster included) is cached on disk for `cache_ttl` seconds (30 days), a 404 too, so a
  second view of the same films costs no request.

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
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

import lbrec
from lbrec import paths
from lbrec.artifacts import sweep, write_json
from lbrec.errors import TmdbKeyError

TMDB_API = "https://api.themoviedb.org"
TMDB_IMAGES = "https://image.tmdb.org/t/p/w185"
KEY_REFUSED = "TMDb refused the API key: check TMDB_API_KEY"
ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_POSTER_PATH = re.compile(r"/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp)")
_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_POSTER_BYTES = 1_000_000
_REDACTED = "<redacted>"
NOT_FOUND = "not found"  # what `_get_json` answers for a film TMDb does not have


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
        self.cache_dir = (Path(cache_dir) if cache_dir else paths.cache_dir() / "tmdb") if cache else None
        if self.cache_dir is not None:
            sweep(self.cache_dir)
        self.cache_ttl, self.timeout, self.max_wait, self.max_in_flight = cache_ttl, timeout, max_wait, max_in_flight
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": f"lbrec/{lbrec.__version__}", "Accept": "application/json"})
        self.refused = False  # a 401 was answered: nothing more is sent
        self.trouble = False  # in the last details_many, TMDb could not answer for some film (5xx, timeout, not JSON)
        self.requests_made = 0
        self._lock = threading.Lock()
        _redact_urllib3(key)

    def __repr__(self) -> str:
        return f"TmdbClient(api_url={self.api_url!r}, refused={self.refused})"

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------------------------------------ public

    def details(self, tmdb_id: int) -> FilmDetails | None:
        """One film's details, from the cache when fresh; None when TMDb lacks the film or did not answer."""
        cached, found = self._cache_read(tmdb_id)
        if found:
            return cached
        answer = self._get_json(f"{self.api_url}/3/movie/{int(tmdb_id)}")
        if answer == NOT_FOUND:  # remembered like a film that is there
            self._cache_write(tmdb_id, None)
            return None
        if answer is None:
            return None
        film = FilmDetails(int(tmdb_id), str(answer.get("title") or ""), str(answer.get("overview") or ""),
                           answer.get("runtime") if isinstance(answer.get("runtime"), int) else None,
                           self._poster(answer.get("poster_path")))
        self._cache_write(tmdb_id, film)
        return film

    def details_many(self, tmdb_ids: Iterable[int]) -> dict[int, FilmDetails]:
        """The details of every film TMDb answered for, `max_in_flight` at a time; a refused key raises."""
        ids = list(dict.fromkeys(tmdb_ids))
        self.trouble = False
        with ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="lbrec-tmdb") as pool:
            found = list(pool.map(self.details, ids))
        return {film.tmdb_id: film for film in found if film is not None}

    # ------------------------------------------------------------------------------------------------ network

    def _send(self, url: str, auth: bool) -> requests.Response | None:
        """One GET (repeated after a 429 while the waits asked stay short); None on a timeout or no connection."""
        for _ in range(3):
            if self.refused:
                raise TmdbKeyError(KEY_REFUSED)
            with self._lock:
                self.requests_made += 1
            try:
                response = self.session.get(url, timeout=(self.timeout, self.timeout), allow_redirects=False,
                                            **(self._auth if auth else {}))
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

    def _get_json(self, url: str) -> dict | str | None:
        """The JSON object at `url`; NOT_FOUND for a 404; None (and `trouble`) when TMDb did not answer usably."""
        response = self._send(url, auth=True)
        if response is not None and response.status_code == 404:
            return NOT_FOUND
        answer = None
        if response is not None and response.status_code == 200:
            try:
                answer = response.json()
            except ValueError:  # a maintenance page, or a body cut short
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

    def _cache_path(self, tmdb_id: int) -> Path | None:
        return self.cache_dir / f"{int(tmdb_id)}.json" if self.cache_dir is not None else None

    def _cache_read(self, tmdb_id: int) -> tuple[FilmDetails | None, bool]:
        """(the film or None for a film TMDb lacks, whether a fresh entry was found)."""
        path = self._cache_path(tmdb_id)
        if path is None or not path.is_file():
            return None, False
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if time.time() - float(entry["fetched"]) >= self.cache_ttl:
                return None, False
            film = entry["film"]
            return (FilmDetails(**film) if film is not None else None), True
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # a damaged entry is only a cache miss
            return None, False

    def _cache_write(self, tmdb_id: int, film: FilmDetails | None) -> None:
        if (path := self._cache_path(tmdb_id)) is not None:
            write_json(path, {"fetched": time.time(), "film": asdict(film) if film is not None else None})


def _redact_urllib3(key: str) -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _Redact) and f.key == key for f in logger.filters):
        logger.addFilter(_Redact(key))


def _retry_after(response: requests.Response) -> float | None:
    """Seconds from a numeric `Retry-After` (TMDb sends seconds), None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if re.fullmatch(r"[0-9]{1,6}", value) else None
