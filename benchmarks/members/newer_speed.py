"""How fast a person's newer films come, and how many requests they cost: one export, a loopback TMDb with a latency.

`speed_export` builds a Letterboxd export of films the members rated: some the model knows and some newer films it
lacks (which the loopback TMDb, `benchmarks.members.newer.tmdb_table`, knows), each rated as members rate. `timed`
gives it to the product as the app does (`Ask.history` of an upload, `Ask.person`, `Ask.recommend`, then
`Ask.newer`), and times the model's films (the export read and matched, then the model's answer), the newer films
and each part of the newer films: the lookups of the films the model lacks (until `Ask.newer` says it asks for
newer films), then TMDb's lists, its releases and the ranking. `cli` times `python -m lbrec recommend` as a person
would run it, with a key and without.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.members.data import MemberData, export_zip
from benchmarks.members.newer import TmdbTable
from benchmarks.members.newer_ranks import newer_films
from harness.files import REPO
from harness.tmdb_server import V3_KEY
from lbrec.ask.options import Options
from lbrec.ask.person import Source
from lbrec.ask.questions import Ask
from lbrec.serving.engine import Recommender
from lbrec.tmdb.environment import TMDB_KEY_ENV, TMDB_URL_ENV

CHOICE = "rated"  # every film of the export is read: all of the films the model lacks are candidates for a lookup


def speed_export(
    data: MemberData, table: TmdbTable, engine: Recommender, films: int = 500, lacking: int = 150, seed: int = 0
) -> bytes:
    """An export of `films` films, `lacking` of them newer films the model lacks (the rest films it knows), shuffled,
    each with a rating drawn from the members' ratings."""
    rng = np.random.default_rng(seed)
    known = np.flatnonzero(np.isin(table.ids, np.fromiter(engine.tmdb_ids, np.int64)))
    newer = np.flatnonzero(newer_films(data, table, engine))
    if films - lacking > len(known) or lacking > len(newer):
        raise SystemExit(f"the members' films hold {len(known)} the model knows and {len(newer)} newer ones")
    rows = rng.permutation(
        np.concatenate([rng.choice(known, films - lacking, replace=False), rng.choice(newer, lacking, replace=False)])
    )
    return export_zip(data.films, rows, rng.choice(data.ratings["rating"].to_numpy(), len(rows)))


def timed(ask: Ask, zipped: bytes, k: int = 10) -> dict:
    """One answer as the app gives it: seconds to the model's films, to the newer films after them, and each part of
    the newer films with its requests (`Ask.newer`'s progress lines mark the parts)."""
    options = Options(choice=CHOICE, k=k)
    started = time.perf_counter()
    person = ask.person(ask.history(Source("upload", zipped, name="export.zip")), options)
    read = time.perf_counter() - started
    films = ask.recommend(person, options).films
    model = time.perf_counter() - started
    marks: list[tuple[float, int]] = []

    def mark(_: str) -> None:
        marks.append((time.perf_counter(), ask.tmdb.requests_made if ask.tmdb else 0))

    shelf = ask.newer(person, options, progress=mark)
    mark("done")
    out = {
        "read_s": read,  # the export read and matched
        "model_s": model,
        "newer_s": marks[-1][0] - started - model,
        "whole_s": marks[-1][0] - started,
        "model_films": len(films),
        "newer_films": len(shelf.films),
        "requests": shelf.requests,
        "note": shelf.note,
    }
    if len(marks) == 3:  # with a key: the lookups, then the rest
        (looking, before), (asking, looked), (done, after) = marks
        out["parts"] = {
            "before the lookups": {"seconds": looking - started - model, "requests": 0},
            "lookups": {"seconds": asking - looking, "requests": looked - before},
            "lists, releases and ranking": {"seconds": done - asking, "requests": after - looked},
        }
    if shelf.lookup is not None:
        lookup = shelf.lookup
        out["lookup"] = {
            "lacking": len(lookup.lacking),
            "looked_up": len(lookup.found),
            "matched": len(lookup.matched),
            "not_looked_up": lookup.not_looked_up,
        }
    return out


def cli(model: Path, zipped: bytes, tmdb_url: str | None = None) -> float:
    """Seconds for `python -m lbrec recommend --export FILE --from rated --json`, with a key and the loopback TMDb at
    `tmdb_url` (never cached: lbrec caches only TMDb's own answers), or without a key (None)."""
    env = {name: value for name, value in os.environ.items() if name != TMDB_KEY_ENV}
    if tmdb_url is not None:
        env |= {TMDB_KEY_ENV: V3_KEY, TMDB_URL_ENV: tmdb_url}
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.zip"
        export.write_bytes(zipped)
        command = [sys.executable, "-m", "lbrec", "recommend", "--model", str(model), "--export", str(export)]
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--from", CHOICE, "--json"], capture_output=True, text=True, cwd=REPO, env=env, check=False
        )
        seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"lbrec recommend failed:\n{done.stderr[-3000:]}")
    return seconds
