"""Where the inputs are (the repository, ../shared, the hand-made fixtures), the hand-made export as its files and
its folder, and the hand-labelled titles: what the tests, the fuzz harness and the matching benchmark read."""

from __future__ import annotations

import atexit
import csv
import functools
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from lbrec.catalog.normalize import FilmQuery, parse_query

REPO = Path(__file__).resolve().parents[1]
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
