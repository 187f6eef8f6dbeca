"""The app as the posters' tests build it: TMDb's addresses pointing at a loopback stand-in, with a key or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.fault_server import FaultServer
from harness.tmdb_server import IMAGES
from lbrec.app.environment import load_engine
from lbrec.app.page import RecommenderApp
from lbrec.letterboxd.client import Client
from lbrec.tmdb.environment import TMDB_IMAGE_URL_ENV, TMDB_KEY_ENV, TMDB_URL_ENV, tmdb_from_env


def app_with(model_dir: Path, server: FaultServer, monkeypatch: pytest.MonkeyPatch, key: str | None) -> RecommenderApp:
    """The app as `main` builds it, with TMDb's addresses pointing at `server` and the key set or not."""
    monkeypatch.setenv(TMDB_URL_ENV, server.url)
    monkeypatch.setenv(TMDB_IMAGE_URL_ENV, server.url + IMAGES)
    if key is None:
        monkeypatch.delenv(TMDB_KEY_ENV, raising=False)
    else:
        monkeypatch.setenv(TMDB_KEY_ENV, key)
    return RecommenderApp(*load_engine(model_dir), client=Client(cache=False), tmdb=tmdb_from_env())


def wait_for_posters(app: RecommenderApp) -> None:
    if app.poster_thread is not None:
        app.poster_thread.join(30)
        assert not app.poster_thread.is_alive()
