"""Letterboxd lists as CSV: what its list importer reads (Letterboxd > Lists > Start a new list > Import), and the
lists people bring (a list page's export, the data export's lists/*.csv) to be ranked for them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from lbrec.errors import ListError
from lbrec.letterboxd.history import FilmEntry

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


MAX_LIST_BYTES = 5 * 2**20
MAX_LIST_FILMS = 10_000
TITLE_COLUMNS = ("Name", "Title")  # a list page's export and the export's lists/*.csv; the importer's format


def read_list_csv(data: bytes | str) -> tuple[str | None, list[FilmEntry]]:
    """(the list's name, its films in list order) from a Letterboxd list CSV: a list page's export or the data
    export's lists/*.csv (`Letterboxd list export v7`, the list's own row, a blank line, then
    `Position,Name,Year,URL,Description`), or the importer's `Title,Year[,tmdbID]`. Raises `ListError`."""
    if isinstance(data, bytes):
        if len(data) > MAX_LIST_BYTES:
            raise ListError(f"this list CSV is too large ({len(data) / 2**20:.0f} MB; at most 5 MB)")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ListError("this list CSV is not UTF-8 text: export the list from Letterboxd again") from None
    lines = data.splitlines()
    name = None
    if lines and lines[0].startswith("Letterboxd list export"):
        meta = list(csv.DictReader(lines[1:3]))
        name = (meta[0].get("Name") or None) if meta else None
        blank = next((i for i, line in enumerate(lines) if i > 0 and not line.strip()), None)
        lines = lines[blank + 1 :] if blank is not None else []
    reader = csv.DictReader(lines)
    columns = reader.fieldnames or []
    title = next((c for c in TITLE_COLUMNS if c in columns), None)
    if title is None or "Year" not in columns:
        shown = ", ".join(c[:30] for c in columns[:6])[:200] if columns else "none"  # echo little of the input
        raise ListError(
            f"this CSV is not a Letterboxd list: its columns are {shown}; a list has Position, Name, "
            f"Year, URL (export it from the list's page: ... > Export list)"
        )
    films = []
    try:
        for row in reader:
            if len(films) >= MAX_LIST_FILMS:
                raise ListError(f"this list has more than {MAX_LIST_FILMS:,} films")
            text = (row.get(title) or "").strip()
            if not text:
                continue
            year, tmdb = _number(row.get("Year"), 4), _number(row.get("tmdbID"), 9)
            films.append(
                FilmEntry(
                    text[:300],
                    year if year and 1870 <= year <= 2100 else None,
                    tmdb_id=tmdb,
                    uri=(row.get("URL") or None),
                    source="list",
                )
            )
    except csv.Error as exc:
        raise ListError(f"this list CSV is malformed ({exc})") from None
    if not films:
        raise ListError("this list CSV has no films")
    return name, films


def _number(text: str | None, digits: int) -> int | None:
    """A plain ASCII number of at most `digits` digits, else None (a list's cells are hints, never trusted)."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else None
