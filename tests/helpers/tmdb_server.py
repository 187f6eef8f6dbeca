"""TMDb as the tests' loopback server serves it: a film's details at /3/movie/{id} and its poster under /t/p/w185.

Built on `FaultServer`, so any route can be swapped for a fault (401, 404, 429 with Retry-After, 5xx, a slow or
non-JSON answer). `V3_KEY` and `V4_TOKEN` have the shapes of the two kinds of TMDb credentials.
"""

from __future__ import annotations

import io
import json

from PIL import Image

from tests.helpers.fault_server import FaultServer, Reply

V3_KEY = "0123456789abcdef0123456789abcdef"
V4_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJsYnJlYy10ZXN0In0.c2lnbmF0dXJlLW9mLWEtdGVzdC10b2tlbg"
IMAGES = "/t/p/w185"
JSON = {"Content-Type": "application/json;charset=utf-8"}


def poster_png(colour: tuple[int, int, int] = (1, 180, 228)) -> bytes:
    """A small poster-shaped PNG of one colour."""
    out = io.BytesIO()
    Image.new("RGB", (37, 55), colour).save(out, format="PNG")
    return out.getvalue()


def movie(tmdb_id: int, title: str, runtime: int | None = 120, overview: str = "") -> dict:
    return {"id": tmdb_id, "title": title, "runtime": runtime, "poster_path": f"/poster{tmdb_id}.png",
            "overview": overview or f"The story of {title}, told in one line."}


def serve_film(server: FaultServer, film: dict, poster: bytes | None = None, delay: float = 0.0) -> None:
    """Routes for one film's details (answered after `delay` seconds) and its poster."""
    server.route(f"/3/movie/{film['id']}", Reply(200, json.dumps(film).encode(), JSON, delay=delay))
    server.route(f"{IMAGES}{film['poster_path']}", Reply(200, poster or poster_png(), {"Content-Type": "image/png"}))
