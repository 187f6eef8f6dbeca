"""Where the test inputs are (the repository, ../shared, the hand-made fixtures), and the hand-made export in the
forms a person may give it (the ZIP, its folder, a ZIP built in memory)."""

from __future__ import annotations

import atexit
import csv
import functools
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest

from lbrec.catalog.normalize import FilmQuery, parse_query

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
FIXTURES = REPO / "tests" / "fixtures" / "letterboxd"
LABELS = REPO / "tests" / "fixtures" / "matching_labels.csv"  # Letterboxd titles and the MovieLens film each is
# A hand-made Letterboxd export, kept as the ZIP Letterboxd sends: its files have names (ratings.csv) that the
# project never commits loose, since MovieLens uses them too.
EXPORT_ZIP = FIXTURES / "export.zip"


def export_files() -> dict[str, bytes]:
    """The hand-made export's files by entry name (`likes/films.csv` ...)."""
    with zipfile.ZipFile(EXPORT_ZIP) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


@functools.cache
def export_folder() -> Path:
    """The hand-made export unzipped into a temporary folder (once per run), as the CLI may be given it."""
    folder = Path(tempfile.mkdtemp(prefix="lbrec-export-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    with zipfile.ZipFile(EXPORT_ZIP) as archive:
        archive.extractall(folder)
    return folder


def export_zip(prefix: str = "", extra: dict[str, bytes] | None = None, skip: tuple[str, ...] = ()) -> bytes:
    """The hand-written export CSVs zipped in memory, as Letterboxd ships them (or under a folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(export_files().items()):
            if name not in skip:
                archive.writestr(prefix + name, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def need(path: Path, what: str) -> Path:
    """Return `path`, or skip the test when it is absent on a developer machine; in CI absence is a failure."""
    if path.exists():
        return path
    message = f"{what} not found at {path}"
    if IN_CI:
        pytest.fail(f"{message}: CI must provide it (set LBREC_DATA_DIR)")
    pytest.skip(message)


def movielens_root() -> Path:
    """The folder holding ml-latest-small/: LBREC_DATA_DIR, else ../shared/data, else data/."""
    for candidate in [os.environ.get("LBREC_DATA_DIR"), SHARED / "data", REPO / "data"]:
        if candidate and (Path(candidate) / "ml-latest-small" / "ratings.csv").is_file():
            return Path(candidate)
    return Path(os.environ.get("LBREC_DATA_DIR") or SHARED / "data")


def load_labels() -> list[dict[str, str]]:
    with open(LABELS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def labelled_queries() -> list[tuple[dict[str, str], FilmQuery]]:
    """Each labelled row and the query it stands for: the typed title, with the TMDb id where the row gives one."""
    pairs = []
    for row in load_labels():
        query = parse_query(row["query"])
        if row["tmdb_id"]:
            query = FilmQuery(query.title, query.year, int(row["tmdb_id"]), query.imdb_id)
        pairs.append((row, query))
    return pairs
