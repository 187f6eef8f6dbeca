"""TMDb as the tests' loopback server serves it, two ways:

- routes made by hand, film by film: a film's details (with its watch providers appended, as
  `append_to_response=watch/providers` asks) at /3/movie/{id} (`serve_film`), its poster under /t/p/w185, and the
  services a country has at /3/watch/providers/movie (`serve_offered`);
- `LoopbackTmdb`: TMDb's movie API over a table of films (`harness.tmdb_table`): search, find by IMDb id, a film's
  details with keywords, credits and where to watch appended, recommendations, similar, discover, the genre list and
  posters, each answered after `latency` seconds (the issue's benchmark: 100 ms), with faults on demand (`fail`: a
  401, 404, 429 with Retry-After, 5xx, a timeout, a body cut short or nonsense JSON, for a while or until `heal`).

Both are built on `FaultServer`, so any route can be swapped for a fault, and every route takes a `delay`: the
latency of each answer. `V3_KEY` and `V4_TOKEN` have the shapes of the two kinds of TMDb credentials.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

from PIL import Image, ImageDraw

from harness.fault_server import FaultServer, Hit, Reply
from harness.tmdb_table import TmdbTable
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.records import GENRES

V3_KEY = "0123456789abcdef0123456789abcdef"
V4_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJsYnJlYy10ZXN0In0.c2lnbmF0dXJlLW9mLWEtdGVzdC10b2tlbg"
IMAGES = "/t/p/w185"
JSON = {"Content-Type": "application/json;charset=utf-8"}
OFFERED = "/3/watch/providers/movie"
# Real services' TMDb ids and names (logo paths made up); the display priority is the order given
NETFLIX, MUBI, PRIME, APPLE, BBC, TUBI = (
    (8, "Netflix"),
    (11, "MUBI"),
    (9, "Amazon Prime Video"),
    (2, "Apple TV"),
    (38, "BBC iPlayer"),
    (73, "Tubi TV"),
)


def poster_png(colour: tuple[int, int, int] = (1, 180, 228)) -> bytes:
    """A small poster-shaped PNG of one colour."""
    out = io.BytesIO()
    Image.new("RGB", (37, 55), colour).save(out, format="PNG")
    return out.getvalue()


LOGO_COLOURS = {
    8: (229, 9, 20),
    11: (0, 0, 0),
    9: (0, 168, 225),
    2: (40, 40, 40),
    38: (255, 77, 166),
    73: (255, 214, 0),
}


def logo_png(provider_id: int) -> bytes:
    """A stand-in logo: a square of the service's colour with its initial (TMDb's real logos are theirs)."""
    name = dict((NETFLIX, MUBI, PRIME, APPLE, BBC, TUBI)).get(provider_id, "?")
    image = Image.new("RGB", (92, 92), LOGO_COLOURS.get(provider_id, (90, 90, 90)))
    ImageDraw.Draw(image).text((30, 18), name[0], fill=(255, 255, 255), font_size=56)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def serve_logos(server: FaultServer, services: list[tuple[int, str]]) -> None:
    """Routes for the services' stand-in logos, where the client asks for them (the w92 size)."""
    for provider_id, _ in services:
        server.route(
            f"/t/p/w92/logo{provider_id}.jpg", Reply(200, logo_png(provider_id), {"Content-Type": "image/png"})
        )


def movie(tmdb_id: int, title: str, runtime: int | None = 120, overview: str = "") -> dict:
    return {
        "id": tmdb_id,
        "title": title,
        "runtime": runtime,
        "poster_path": f"/poster{tmdb_id}.png",
        "overview": overview or f"The story of {title}, told in one line.",
    }


def provider(entry: tuple[int, str], priority: int = 0) -> dict:
    provider_id, name = entry
    return {
        "logo_path": f"/logo{provider_id}.jpg",
        "provider_id": provider_id,
        "provider_name": name,
        "display_priority": priority,
    }


def offers(tmdb_id: int, **kinds: list[tuple[int, str]]) -> dict:
    """One country's options as TMDb sends them: `offers(949, flatrate=[NETFLIX], rent=[APPLE, PRIME])`."""
    return {
        "link": f"https://www.themoviedb.org/movie/{tmdb_id}/watch?locale=XX",
        **{kind: [provider(p, 10 * i) for i, p in enumerate(listed)] for kind, listed in kinds.items()},
    }


def with_providers(film: dict, **countries: dict) -> dict:
    """`film` as /3/movie/{id}?append_to_response=watch/providers answers: `with_providers(heat, GB=offers(...))`."""
    return {**film, "watch/providers": {"results": countries}}


def serve_film(server: FaultServer, film: dict, poster: bytes | None = None, delay: float = 0.0) -> None:
    """Routes for one film's details (answered after `delay` seconds) and its poster."""
    server.route(f"/3/movie/{film['id']}", Reply(200, json.dumps(film).encode(), JSON, delay=delay))
    server.route(f"{IMAGES}{film['poster_path']}", Reply(200, poster or poster_png(), {"Content-Type": "image/png"}))


def serve_offered(server: FaultServer, country: str, services: list[tuple[int, str]], delay: float = 0.0) -> None:
    """The services TMDb lists for `country`, in display order (the route ignores `watch_region`)."""
    results = [{**provider(p, 50 - i), "display_priorities": {country: i, "ZZ": 99}} for i, p in enumerate(services)]
    server.route(OFFERED, Reply(200, json.dumps({"results": results}).encode(), JSON, delay=delay))


# ---------------------------------------------------------------------------------------------------- faults

Fault = Reply | Callable[[Reply], Reply]  # a reply instead of TMDb's, or what becomes of TMDb's (`truncated`)
REFUSED = Reply(
    401, b'{"status_code":7,"status_message":"Invalid API key: You must be granted a valid key.","success":false}', JSON
)
MISSING = Reply(
    404, b'{"status_code":34,"status_message":"The resource you requested could not be found.","success":false}', JSON
)
DOWN = Reply(503, b"<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"})
NONSENSE = {  # answers that are JSON, or look like it, and mean nothing
    "html": b"<html>maintenance</html>",
    "array": b"[1, 2]",
    "results not a list": b'{"results": "none"}',
    "wrong types": b'{"results": [{"id": "949", "title": 7}], "id": [], "title": {}, "movie_results": 3}',
    "null": b"null",
}


def rate_limited(retry_after: str = "1") -> Reply:
    """TMDb's 429, asking to wait `retry_after` (seconds or an HTTP date)."""
    return Reply(
        429,
        b'{"status_code":25,"status_message":"Your request count is over the allowed limit."}',
        {"Retry-After": retry_after, **JSON},
    )


def timed_out(seconds: float) -> Fault:
    """TMDb's answer, `seconds` late."""
    return lambda reply: replace(reply, delay=reply.delay + seconds)


def truncated(reply: Reply) -> Reply:
    """TMDb's answer cut at half its length, its full length announced."""
    return replace(reply, truncate_to=len(reply.body) // 2)


def nonsense(kind: str) -> Reply:
    return Reply(200, NONSENSE[kind], JSON)


# ---------------------------------------------------------------------------------------------------- the server

_MOVIE = re.compile(r"/3/movie/([0-9]{1,10})")
_RELATED = re.compile(r"/3/movie/([0-9]{1,10})/(recommendations|similar)")
_FIND = re.compile(r"/3/find/([^/]{1,40})")


def catalog_rows(model_dir: str | os.PathLike[str]) -> list[dict]:
    """TMDb's rows for every film of a model folder's catalog that has a TMDb id (a TMDb that knows them all)."""
    from lbrec.serving.engine import Recommender

    engine = Recommender(model_dir)
    films = [engine.film(item) for item in range(1, engine.n_items + 1)]
    return [{"id": f.tmdbId, "title": f.title, "year": f.year} for f in films if f.tmdbId]


class LoopbackTmdb:
    """TMDb's movie API on a real loopback server, over `films` (rows: `harness.tmdb_table`), each answer after
    `latency` seconds. Use it as a context manager; `client()` gives a `TmdbClient` pointed at it."""

    def __init__(self, films: Iterable[Mapping], latency: float = 0.0):
        self.table = TmdbTable(films)
        self.latency = latency
        self.server = FaultServer()
        self.server.answer = self._answer
        self._faults: list[tuple[str, Fault, list[int | None]]] = []
        self._lock = threading.Lock()

    def __enter__(self) -> LoopbackTmdb:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def hits(self) -> list[Hit]:
        return self.server.hits

    def client(
        self, cache_dir: str | os.PathLike[str] | None = None, key: str = V3_KEY, **options: object
    ) -> TmdbClient:
        """A client of this TMDb, its answers cached in `cache_dir` (None: no cache)."""
        return TmdbClient(
            key,
            api_url=self.url,
            image_url=self.url + IMAGES,
            cache=cache_dir is not None,
            cache_dir=cache_dir,
            **options,
        )

    def fail(self, fault: Fault, *, under: str = "/3/", times: int | None = None) -> None:
        """Answer the next `times` requests whose path starts with `under` (None: every one until `heal`) with
        `fault`, after the latency as any answer. The first fault set that matches a request is the one served."""
        with self._lock:
            self._faults.append((under, fault, [times]))

    def heal(self) -> None:
        with self._lock:
            self._faults.clear()

    def _fault(self, path: str) -> Fault | None:
        with self._lock:
            for under, fault, left in self._faults:
                if path.startswith(under) and left[0] != 0:
                    if left[0] is not None:
                        left[0] -= 1
                    return fault
        return None

    def _answer(self, target: str) -> Reply:
        parts = urlsplit(target)
        if parts.path.startswith(IMAGES + "/"):
            reply = Reply(200, poster_png(), {"Content-Type": "image/png"}, delay=self.latency)
        else:
            answer = self._json(parts.path, dict(parse_qsl(parts.query)))
            reply = (
                replace(MISSING, delay=self.latency)
                if answer is None
                else Reply(200, json.dumps(answer).encode(), JSON, delay=self.latency)
            )
        fault = self._fault(parts.path)
        if fault is None:
            return reply
        return fault(reply) if callable(fault) else replace(fault, delay=fault.delay + self.latency)

    def _json(self, path: str, params: dict[str, str]) -> dict | None:
        """TMDb's answer for `path`, or None for a 404."""
        if path == "/3/search/movie":
            return self.table.search(params)
        if path == "/3/discover/movie":
            return self.table.discover(params)
        if path == "/3/genre/movie/list":
            return {"genres": [{"id": genre_id, "name": name} for genre_id, name in GENRES.items()]}
        if found := _FIND.fullmatch(path):
            return self.table.find(found.group(1)) if params.get("external_source") == "imdb_id" else None
        if found := _RELATED.fullmatch(path):
            return self.table.related(int(found.group(1)), found.group(2))
        if found := _MOVIE.fullmatch(path):
            film = self.table.films.get(int(found.group(1)))
            appended = set(params.get("append_to_response", "").split(","))
            return film.details(appended) if film is not None else None
        return None
