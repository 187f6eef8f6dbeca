"""Posters, synopses, runtimes and where to watch from TMDb, with the person's own API key: optional, polite and
quiet on failure.

- the key is a v3 API key (sent as the `api_key` query parameter) or a v4 read access token (a JWT, sent as
  `Authorization: Bearer`); it never leaves the kernel (posters are fetched here and embedded), never appears in a
  repr, an error message or a log line (urllib3's request lines are redacted);
- requests go through `lbrec.web` (the HTTP layer it shares with the Letterboxd client): a timeout on every request,
  at most `max_in_flight` requests at a time (4: whoever asks, for whatever call; TMDb asks clients to stay under
  about 40-50 requests a second, and 4 in flight at TMDb's usual 100-300 ms make 13-40);
- one request per film: the details and the watch providers together (`append_to_response=watch/providers`); a film
  whose keywords and credits are asked for too (`lbrec.tmdb.films.details`) has its card's entries written from that
  same answer (`store_movie`);
- 429 waits as long as `Retry-After` asks (seconds or an HTTP date, bounded by `max_wait`), holding back the
  client's other requests meanwhile, and tries again, three tries in all; a 404 is a film TMDb lacks; 5xx, a
  timeout or a body that is not JSON leave that film without details (`trouble` says so, for one line);
- a 401 raises `TmdbKeyError` once and the client sends nothing more;
- each film's details (its poster included) are cached on disk for `cache_ttl` seconds (30 days), a 404 too, so
  a second view of the same films costs no request; its watch providers beside them, for `watch_ttl` (24 hours);
- the services offered in a country (`/3/watch/providers/movie`) are cached for `offered_ttl` (7 days);
- `cached_json` is the one way to add a call: TMDb's JSON answer for a path, kept on disk for the lifetime given
  (`lbrec.tmdb.films` adds TMDb as a catalog that way: search, find, details, recommendations, similar, discover),
  and in the client's memory too (the latest `_ANSWERS`), so that a page asks TMDb once for what every change of
  an option asks again, even with no disk cache (a loopback TMDb's).

Only TMDb is contacted; the base URLs may be changed (for the tests' loopback server) only to a loopback address.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import lbrec
from lbrec import paths
from lbrec.errors import TmdbKeyError
from lbrec.tmdb.watch import Provider, Watch, compact_providers, is_compact, offered_providers, watch_in
from lbrec.web import NOT_FOUND, DiskCache, Fetcher, Gate, Response, RetryPolicy, WebError, entry_name, in_parallel

TMDB_API = "https://api.themoviedb.org"
TMDB_IMAGES = "https://image.tmdb.org/t/p/w185"
LOGO_SIZE = "w92"  # the logos are shown at 28 px: w92 stays sharp on a screen of 2 or 3 pixels a point
KEY_REFUSED = "TMDb refused the API key: check TMDB_API_KEY"
ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."
# Where to watch changes daily (JustWatch updates TMDb's lists every day, and a film leaves a service on a given
# date), so the providers are trusted for a day, while a film's title, synopsis and poster hardly ever change.
WATCH_TTL = 86400.0
OFFERED_TTL = 7 * 86400.0  # the services a country has: one appears or goes every few months
MAX_IN_FLIGHT = 4  # requests at a time, all of a client's calls together
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_POSTER_PATH = re.compile(r"/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp)")
_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_POSTER_BYTES = 1_000_000
_REDACTED = "<redacted>"
_MEMORY = 5000  # films whose providers a client keeps in memory (a few kB each)
_ANSWERS = 2000  # `cached_json` answers a client keeps in memory (lists of 20 films: a few kB each)
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

    def __init__(
        self,
        key: str,
        *,
        api_url: str = TMDB_API,
        image_url: str = TMDB_IMAGES,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
        cache_ttl: float = 30 * 86400,
        watch_ttl: float = WATCH_TTL,
        offered_ttl: float = OFFERED_TTL,
        timeout: float = 8.0,
        max_wait: float = 10.0,
        max_in_flight: int = MAX_IN_FLIGHT,
    ):
        for url, real in ((api_url, TMDB_API), (image_url, TMDB_IMAGES)):
            if url.rstrip("/") != real and urlsplit(url).hostname not in _LOOPBACK:
                raise ValueError(f"lbrec only contacts TMDb (or a loopback test server), not {url!r}")
        key = key.strip()
        if not key:
            raise ValueError("no TMDb key given")
        bearer = key.startswith("eyJ")  # a v4 read access token (a JWT); else a v3 key
        self._key_headers = {"Authorization": f"Bearer {key}"} if bearer else {}
        self._key_params = {} if bearer else {"api_key": key}
        self.api_url, self.image_url = api_url.rstrip("/"), image_url.rstrip("/")
        self.logo_url = self.image_url.rsplit("/", 1)[0] + "/" + LOGO_SIZE
        self.cache_dir = (Path(cache_dir) if cache_dir else paths.cache_dir() / "tmdb") if cache else None
        # not durable: a power cut may cost an entry, read as a miss; `cached_json`'s latest answers kept in memory
        self.cache = DiskCache(self.cache_dir, memory=_ANSWERS)
        self.cache_ttl, self.watch_ttl, self.offered_ttl = cache_ttl, watch_ttl, offered_ttl
        self.timeout, self.max_wait, self.max_in_flight = timeout, max_wait, max_in_flight
        self.web = Fetcher(
            headers={"User-Agent": f"lbrec/{lbrec.__version__}", "Accept": "application/json"},
            timeout=timeout,
            gate=Gate(max_in_flight),  # the bound holds across threads and callers
            policy=RetryPolicy(frozenset({429}), attempts=3, max_wait=max_wait),
        )
        self.trouble = False  # TMDb could not answer for some film (5xx, timeout, not JSON): reset by details_many
        self._lock = threading.Lock()
        self._providers: dict[int, tuple[float, str]] = {}  # tmdb id -> (when fetched, compact providers)
        _redact_urllib3(key)

    def __repr__(self) -> str:
        return f"TmdbClient(api_url={self.api_url!r}, refused={self.refused})"

    @property
    def refused(self) -> bool:
        """A 401 was answered: nothing more is sent."""
        return self.web.refused

    @property
    def requests_made(self) -> int:
        return self.web.requests_made

    def close(self) -> None:
        self.web.close()

    # ------------------------------------------------------------------------------------------------ public

    def details(self, tmdb_id: int) -> FilmDetails | None:
        """One film's details, from the cache when fresh; None when TMDb lacks the film or did not answer."""
        name = f"{int(tmdb_id)}.json"
        entry = self.cache.read(name, self.cache_ttl)
        if entry is None:
            fetched = self._fetch_movie(tmdb_id)
            if fetched is None:
                return None
            entry = fetched[0]
        try:
            film = FilmDetails(**entry["film"]) if entry["film"] is not None else None
        except (KeyError, TypeError):  # a damaged entry: asked again next time
            self.cache.forget(name)
            return None
        if film is not None and entry.get("poster_pending"):  # fetched for its providers: the poster comes now
            film = replace(film, poster=self._poster(entry.get("poster_path")))
            self.cache.write(name, {**entry, "film": asdict(film), "poster_pending": False})
        return film

    def details_many(self, tmdb_ids: Iterable[int]) -> dict[int, FilmDetails]:
        """The details of every film TMDb answered for, `max_in_flight` at a time; a refused key raises."""
        ids = list(dict.fromkeys(tmdb_ids))
        self.trouble = False
        found = in_parallel(self.details, ids, self.max_in_flight)
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
        found = in_parallel(lambda tmdb_id: self.watch(tmdb_id, country), ids, self.max_in_flight)
        return {tmdb_id: watch for tmdb_id, watch in zip(ids, found, strict=True) if watch is not None}

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
            self.cache.forget(f"{int(tmdb_id)}.watch.txt")
            return None

    def providers_offered(self, country: str) -> list[Provider] | None:
        """The services TMDb lists for movies in `country`, in its display order (cached for `offered_ttl`);
        None when TMDb did not answer."""
        name = f"offered-{country}.json"
        offered = self.cached_json(
            "/3/watch/providers/movie",
            {"watch_region": country},
            lifetime=self.offered_ttl,
            keep=lambda answer: offered_providers(answer, country),
            name=name,
        )
        if offered is None or offered == NOT_FOUND:
            return None
        try:
            return [
                Provider(int(i), str(service), self.logo_url + logo if logo else "") for i, service, logo in offered
            ]
        except (TypeError, ValueError):  # a damaged entry: asked again next time
            self.cache.forget(name)
            return None

    def cached_json(
        self,
        path: str,
        params: dict | None = None,
        *,
        lifetime: float,
        keep: Callable[[dict], object] | None = None,
        name: str | None = None,
    ) -> object:
        """TMDb's JSON answer at `path` (`/3/...`) with `params`, from the cache while younger than `lifetime`
        seconds. What is kept is `keep(answer)` (JSON; the whole answer without `keep`), stored as `name` (by default
        one made from the path and the parameters, never the key); NOT_FOUND for what TMDb lacks, kept too; None
        (and `trouble`) when TMDb did not answer usably (`keep` returns None for an answer it cannot use), kept not
        at all."""

        def fetch() -> object:
            answer = self._get_json(self.api_url + path, params)
            if keep is None or not isinstance(answer, dict):
                return answer
            kept = keep(answer)
            if kept is None:  # nonsense in the shape of JSON: a failure like any other, asked again next time
                self.trouble = True
            return kept

        query = urlencode(sorted((params or {}).items()))
        return self.cache.remembered(name or entry_name(f"{path}?{query}"), lifetime, fetch)

    # ------------------------------------------------------------------------------------------------ network

    def _fetch_movie(self, tmdb_id: int) -> tuple[dict, str] | None:
        """One request for the film's details and providers together, both cached (`store_movie`); None when TMDb
        did not answer."""
        answer = self._get_json(f"{self.api_url}/3/movie/{int(tmdb_id)}", {"append_to_response": "watch/providers"})
        return self.store_movie(tmdb_id, answer) if answer is not None else None

    def store_movie(self, tmdb_id: int, answer: dict | str) -> tuple[dict, str]:
        """Keep the film's card (its details, the poster fetched when a card needs it) and where to watch it, from
        TMDb's answer for /3/movie/{id} with `watch/providers` appended (NOT_FOUND: a film TMDb lacks, remembered
        too): (the details' cache entry, the compact providers)."""
        now = time.time()
        if answer == NOT_FOUND:  # remembered like a film that is there
            entry: dict = {"fetched": now, "film": None}
            compact = compact_providers(None)
        else:
            entry = self._details_entry(tmdb_id, answer, now)
            compact = compact_providers(answer.get("watch/providers"))
        self.cache.write(f"{int(tmdb_id)}.json", entry)
        self._remember(int(tmdb_id), now, compact)
        self.cache.write_bytes(f"{int(tmdb_id)}.watch.txt", f"{_WATCH_FILE} {now!r}{compact}{_WATCH_END}".encode())
        return entry, compact

    def _details_entry(self, tmdb_id: int, answer: dict, now: float) -> dict:
        """The details' cache entry for TMDb's answer: the poster still to fetch, unless the entry it replaces
        (the providers were refreshed, the details were still fresh) already holds the same poster."""
        runtime, poster_path = answer.get("runtime"), answer.get("poster_path")
        poster_path = poster_path if isinstance(poster_path, str) else None
        film = FilmDetails(
            int(tmdb_id),
            str(answer.get("title") or ""),
            str(answer.get("overview") or ""),
            runtime if type(runtime) is int else None,
            "",
        )
        previous = self.cache.read(f"{int(tmdb_id)}.json", self.cache_ttl)
        if (
            previous is not None
            and isinstance(previous.get("film"), dict)
            and previous.get("poster_path") == poster_path
            and previous.get("poster_pending") is False
        ):
            film = replace(film, poster=str(previous["film"].get("poster") or ""))
            return {"fetched": now, "film": asdict(film), "poster_path": poster_path, "poster_pending": False}
        return {"fetched": now, "film": asdict(film), "poster_path": poster_path, "poster_pending": True}

    def _get_json(self, url: str, params: dict | None = None) -> dict | str | None:
        """The JSON object at `url`, asked with the key; NOT_FOUND for a 404; None (and `trouble`) when TMDb did not
        answer usably (5xx, a 429 still after three tries, a timeout, a body that is not a JSON object)."""
        answer = self.web.get_json(
            url, params={**(params or {}), **self._key_params}, headers=self._key_headers, check=self._check_key
        )
        if answer is None:
            self.trouble = True
        return answer

    def _check_key(self, response: Response) -> None:
        """A 401 refuses the key: it raises here, and every request after it, from any thread, is never sent."""
        if response.status_code == 401:
            self.web.refuse(lambda: TmdbKeyError(KEY_REFUSED))
            raise TmdbKeyError(KEY_REFUSED)

    def _poster(self, poster_path: object) -> str:
        """The poster as a data URL, or "" when there is none or it could not be fetched (the card stays text)."""
        if not isinstance(poster_path, str) or not _POSTER_PATH.fullmatch(poster_path):
            return ""
        try:
            response = self.web.get(self.image_url + poster_path)  # the image CDN needs no key
        except WebError:
            response = None
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
        name = f"{int(tmdb_id)}.watch.txt"
        data = self.cache.read_bytes(name)
        if data is None:
            return None
        entry = _read_watch_file(data)
        if entry is None:
            self.cache.forget(name)  # a damaged entry is only a cache miss
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
        compact = newline + rest[: -len(_WATCH_END)]
        if word == _WATCH_FILE and rest.endswith(_WATCH_END) and is_compact(compact):
            return float(fetched), compact
    except (UnicodeDecodeError, ValueError):
        pass
    return None
