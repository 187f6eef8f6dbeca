"""Letterboxd lists as CSV: what its list importer reads (Letterboxd > Lists > Start a new list > Import)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def list_csv(films: Iterable[tuple[str, int | None, int | None]]) -> str:
    """(title, year, TMDb id) rows in the columns Letterboxd's list importer reads: Title, Year, tmdbID."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Title", "Year", "tmdbID"])
    for title, year, tmdb_id in films:
        writer.writerow([safe_cell(title), safe_cell(year), safe_cell(tmdb_id)])
    return buffer.getvalue()
