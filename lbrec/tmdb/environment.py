"""TMDb as the process's environment configures it, the same for the command line and the app: the person's own
key in `TMDB_API_KEY`, and (tests only) a loopback server standing in for TMDb."""

from __future__ import annotations

import os

from lbrec.tmdb.client import TMDB_API, TMDB_IMAGES, TmdbClient

TMDB_KEY_ENV = "TMDB_API_KEY"  # the person's own TMDb key: posters and where to watch are off without it
TMDB_URL_ENV, TMDB_IMAGE_URL_ENV = "LBREC_TMDB_URL", "LBREC_TMDB_IMAGE_URL"  # tests only: a loopback TMDb
GET_A_KEY = (
    "set TMDB_API_KEY to your own TMDb API key (free with a TMDb account: themoviedb.org > Settings > API; "
    "a v3 key or a v4 read access token)"
)


def tmdb_from_env() -> TmdbClient | None:
    """TMDb with the process's `TMDB_API_KEY`, or None without one: then nothing is ever asked of TMDb.

    Like Letterboxd's pages, TMDb's answers are cached on disk only when they come from TMDb itself.
    """
    key = os.environ.get(TMDB_KEY_ENV, "").strip()
    if not key:
        return None
    api_url = os.environ.get(TMDB_URL_ENV, "").strip() or TMDB_API
    image_url = os.environ.get(TMDB_IMAGE_URL_ENV, "").strip() or TMDB_IMAGES
    return TmdbClient(key, api_url=api_url, image_url=image_url, cache=api_url.rstrip("/") == TMDB_API)
