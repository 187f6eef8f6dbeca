"""What the app takes from its process, not from the visitor: the model (loaded once per kernel and shared by every
session), the Letterboxd client and the server's log. The TMDb client, when the server has a key, comes from
`lbrec.tmdb.environment`, shared with the command line."""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path

from lbrec import paths
from lbrec.catalog.index import MatchIndex
from lbrec.letterboxd.client import LETTERBOXD, Client
from lbrec.serving.engine import Recommender

LETTERBOXD_URL_ENV = "LBREC_LETTERBOXD_URL"  # tests only: a loopback server standing in for letterboxd.com
log = logging.getLogger("lbrec.app")


@functools.cache
def _load(model_dir: Path) -> tuple[Recommender, MatchIndex]:
    engine = Recommender(model_dir)
    return engine, MatchIndex(engine.catalog)


def load_engine(model_dir: str | os.PathLike[str] | None = None) -> tuple[Recommender, MatchIndex]:
    """The engine and matching index for a model folder, built once per process (every session shares them)."""
    return _load(Path(model_dir or paths.default_model_dir()).expanduser().resolve())


def client_from_env() -> Client:
    """letterboxd.com, or the loopback test server named by `LBREC_LETTERBOXD_URL` (never from a UI field).

    The on-disk page cache is for being polite to Letterboxd; a local test server gets none.
    """
    url = os.environ.get(LETTERBOXD_URL_ENV, "").strip() or LETTERBOXD
    return Client(base_url=url, cache=url.rstrip("/") == LETTERBOXD)


def log_to_server() -> None:
    """Send the app's log to the server's terminal: in a kernel, sys.stderr is the notebook's output stream."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("%(asctime)s lbrec.app %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
