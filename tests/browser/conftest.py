"""The Voilà servers the browser tests drive (one of each for the whole run: a server starts in seconds, and the tests
of several modules share it), and the loopback stand-ins for Letterboxd and TMDb they point to: a TMDb of routes set
by each test (posters, where to watch), and one that answers from a table of films (the newer films' shelf)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.browser import ARTIFACTS, STARTUP_S, free_port
from harness.fault_server import FaultServer
from harness.files import REPO
from harness.tmdb_server import IMAGES, V3_KEY, V4_TOKEN, LoopbackTmdb, catalog_rows
from tests.helpers.tmdb_films import FILMS


def start_voila(
    model_dir: Path, letterboxd_url: str, log_path: Path, tmdb_url: str, tmdb_key: str = ""
) -> tuple[subprocess.Popen, str]:
    """`python -m lbrec app`, the command `make app` runs, on a free port; ready when its static files are served
    (a GET of / would start a kernel). TMDb is `tmdb_url`, with `tmdb_key` or none (whatever this shell has set)."""
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if name != "TMDB_API_KEY"},
        "LBREC_LETTERBOXD_URL": letterboxd_url,
        "LBREC_TMDB_URL": tmdb_url,
        "LBREC_TMDB_IMAGE_URL": tmdb_url + IMAGES,
        **({"TMDB_API_KEY": tmdb_key} if tmdb_key else {}),
    }
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "lbrec", "app", "--model", str(model_dir), f"--port={port}"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Voilà exited with {server.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/voila/static/voila.js", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"Voilà did not answer within {STARTUP_S} s: {log_path.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def fault() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def serve_voila(
    model_dir: Path, letterboxd_url: str, log_name: str, tmdb_url: str, tmdb_key: str = ""
) -> Iterator[str]:
    ARTIFACTS.mkdir(exist_ok=True)
    server, url = start_voila(model_dir, letterboxd_url, ARTIFACTS / log_name, tmdb_url, tmdb_key)
    try:
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def served_model(ml_small_model_dir: Path) -> Path:
    """The model the pages serve: random weights over the real catalog (the tests need its titles, not a taste), or
    the folder `LBREC_BROWSER_MODEL` names (`make screenshots`: the trained default model, for the README)."""
    chosen = os.environ.get("LBREC_BROWSER_MODEL")
    return Path(chosen).resolve() if chosen else ml_small_model_dir


@pytest.fixture(scope="session")
def voila(served_model: Path, fault: FaultServer) -> Iterator[str]:
    """The app without a TMDb key, its TMDb pointed at the fault server (which must never be asked)."""
    yield from serve_voila(served_model, fault.url, "voila.log", fault.url)


@pytest.fixture(scope="session")
def tmdb() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def voila_with_posters(served_model: Path, fault: FaultServer, tmdb: FaultServer) -> Iterator[str]:
    yield from serve_voila(served_model, fault.url, "voila-posters.log", tmdb.url, V4_TOKEN)


@pytest.fixture(scope="session")
def tmdb_films() -> Iterator[LoopbackTmdb]:
    """TMDb over a table of films, the newer than MovieLens among them (`tests.helpers.tmdb_films`)."""
    with LoopbackTmdb(FILMS) as server:
        yield server


@pytest.fixture(scope="session")
def voila_with_newer(served_model: Path, fault: FaultServer, tmdb_films: LoopbackTmdb) -> Iterator[str]:
    """The app with a TMDb key, its TMDb the table's: the shelf of films newer than the model fills in."""
    yield from serve_voila(served_model, fault.url, "voila-newer.log", tmdb_films.url, V3_KEY)


@pytest.fixture(scope="session")
def slow_tmdb(served_model: Path) -> Iterator[LoopbackTmdb]:
    """A TMDb that knows every film of the served model and answers each request after 100 ms, as TMDb itself does
    from afar (and never cached on disk: a loopback TMDb's answers are not)."""
    with LoopbackTmdb(catalog_rows(served_model), latency=0.1) as server:
        yield server


@pytest.fixture(scope="session")
def voila_with_slow_tmdb(served_model: Path, fault: FaultServer, slow_tmdb: LoopbackTmdb) -> Iterator[str]:
    yield from serve_voila(served_model, fault.url, "voila-slow-tmdb.log", slow_tmdb.url, V3_KEY)
