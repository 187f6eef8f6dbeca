"""TMDb as the tests' loopback server serves it: a film's details (with its watch providers appended, as
`append_to_response=watch/providers` asks) at /3/movie/{id}, its poster under /t/p/w185, and the services a
country has at /3/watch/providers/movie.

Built on `FaultServer`, so any route can be swapped for a fault (401, 404, 429 with Retry-After, 5xx, a slow,
truncated or non-JSON answer), and every route takes a `delay`: the latency of each answer. `V3_KEY` and
`V4_TOKEN` have the shapes of the two kinds of TMDb credentials.
"""

from __future__ import annotations

import io
import json

from PIL import Image, ImageDraw

from harness.fault_server import FaultServer, Reply

V3_KEY = "0123456789abcdef0123456789abcdef"
V4_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJsYnJlYy10ZXN0In0.c2lnbmF0dXJlLW9mLWEtdGVzdC10b2tlbg"
IMAGES = "/t/p/w185"
JSON = {"Content-Type": "application/json;charset=utf-8"}
OFFERED = "/3/watch/providers/movie"
# Real services' TMDb ids and names (logo paths made up); the display priority is the order given
NETFLIX, MUBI, PRIME, APPLE, BBC, TUBI = ((8, "Netflix"), (11, "MUBI"), (9, "Amazon Prime Video"),
                                          (2, "Apple TV"), (38, "BBC iPlayer"), (73, "Tubi TV"))


def poster_png(colour: tuple[int, int, int] = (1, 180, 228)) -> bytes:
    """A small poster-shaped PNG of one colour."""
    out = io.BytesIO()
    Image.new("RGB", (37, 55), colour).save(out, format="PNG")
    return out.getvalue()


LOGO_COLOURS = {8: (229, 9, 20), 11: (0, 0, 0), 9: (0, 168, 225), 2: (40, 40, 40), 38: (255, 77, 166), 73: (255, 214, 0)}


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
        server.route(f"/t/p/w92/logo{provider_id}.jpg", Reply(200, logo_png(provider_id), {"Content-Type": "image/png"}))


def movie(tmdb_id: int, title: str, runtime: int | None = 120, overview: str = "") -> dict:
    return {"id": tmdb_id, "title": title, "runtime": runtime, "poster_path": f"/poster{tmdb_id}.png",
            "overview": overview or f"The story of {title}, told in one line."}


def provider(entry: tuple[int, str], priority: int = 0) -> dict:
    provider_id, name = entry
    return {"logo_path": f"/logo{provider_id}.jpg", "provider_id": provider_id, "provider_name": name,
            "display_priority": priority}


def offers(tmdb_id: int, **kinds: list[tuple[int, str]]) -> dict:
    """One country's options as TMDb sends them: `offers(949, flatrate=[NETFLIX], rent=[APPLE, PRIME])`."""
    return {"link": f"https://www.themoviedb.org/movie/{tmdb_id}/watch?locale=XX",
            **{kind: [provider(p, 10 * i) for i, p in enumerate(listed)] for kind, listed in kinds.items()}}


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
