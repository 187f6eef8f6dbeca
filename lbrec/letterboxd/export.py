"""The Letterboxd data export: the ZIP Letterboxd gives under Settings > Data > Export your data, or its folder.

The ZIP is read in memory, never extracted; entries whose paths leave the archive are ignored (`lbrec.archive`), and
an archive over 50 MB uncompressed or compressed more than 100:1 is refused. What the files say of each film
(watched.csv, ratings.csv, diary.csv, reviews.csv, likes/films.csv) is merged into one entry; watchlist.csv is
the watchlist. Anything that is not a readable export raises `ExportError`, naming the file.
"""

from __future__ import annotations

import csv
import io
import lzma
import os
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lbrec.archive import inside_entry
from lbrec.errors import ExportError
from lbrec.letterboxd.fields import film_key, oneline, parse_date, parse_rating, parse_year
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory, time_order

MAX_EXPORT_BYTES = 50 * 1024 * 1024  # the ZIP itself, and everything in it once uncompressed
MAX_RATIO = 100  # uncompressed/compressed above this (for entries over 1 MiB) marks a zip bomb
EXPORT_FILES = ("watched.csv", "ratings.csv", "diary.csv", "reviews.csv", "watchlist.csv", "likes/films.csv")


def username_in_name(name: str) -> str | None:
    """The username in the name Letterboxd gives an export, `letterboxd-<username>-2026-11-25-08-00-utc.zip`."""
    found = re.match(r"letterboxd-([A-Za-z0-9_]+)-\d{4}-\d{2}-\d{2}", Path(name).name)
    return found.group(1) if found else None


def read_export(source: bytes | str | os.PathLike[str], name: str = "the export") -> LetterboxdHistory:
    """Read a Letterboxd data export: the ZIP's bytes, a path to it, or (CLI) the unzipped folder.

    The ZIP is read in memory, never extracted; entries with absolute paths or `..` are ignored, and an archive
    over 50 MB uncompressed or compressed more than 100:1 is refused. Raises `ExportError`, naming the file, for
    anything that is not a readable export (not a ZIP, damaged, a CSV that is not UTF-8 or lacks its columns).
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = path.name
        if path.is_dir():
            return _export_history(_read_folder(path), name)
        try:
            if path.stat().st_size > MAX_EXPORT_BYTES:
                raise ExportError(f"{name} is larger than {MAX_EXPORT_BYTES // 2**20} MB: not a Letterboxd export")
            data = path.read_bytes()
        except FileNotFoundError:
            raise ExportError(f"{path} not found") from None
        except OSError as exc:
            raise ExportError(f"cannot read {path}: {exc.strerror}") from None
    else:
        data = bytes(source)
    if len(data) > MAX_EXPORT_BYTES:
        raise ExportError(f"{name} is larger than {MAX_EXPORT_BYTES // 2**20} MB: not a Letterboxd export")
    return _export_history(_read_zip(data, name), name)


# What a damaged archive raises from zipfile and its decompressors: headers that lie (negative offsets, versions
# from the future), streams that do not decompress.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _read_zip(data: bytes, name: str) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        if _looks_like_imdb(data):
            raise ExportError(
                f"{name} is IMDb's ratings or watchlist export, not Letterboxd's: give it with --imdb "
                f"(or --imdb-watchlist)"
            ) from None
        raise ExportError(
            f"{name} is not a ZIP file: upload the .zip that Letterboxd gives you under "
            f"Settings > Data > Export your data"
        ) from None
    with archive:
        members = []
        total = 0
        for info in archive.infolist():
            entry = inside_entry(info.filename)
            if entry is None:
                continue  # a folder, or a path out of the archive: never followed
            total += info.file_size
            if total > MAX_EXPORT_BYTES:
                raise ExportError(
                    f"{name} holds more than {MAX_EXPORT_BYTES // 2**20} MB once uncompressed: not a Letterboxd export"
                )
            if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ExportError(
                    f"{name}: {oneline(entry)} is compressed more than {MAX_RATIO}:1, which marks a zip bomb"
                )
            members.append((entry, info))
        prefix = _common_folder([entry for entry, _ in members])
        wanted = {prefix + f: f for f in EXPORT_FILES}
        files: dict[str, bytes] = {}
        budget = MAX_EXPORT_BYTES
        for entry, info in members:
            if entry not in wanted:
                continue
            try:
                with archive.open(info) as f:
                    content = f.read(min(budget, info.file_size) + 1)  # inflate no more than the header declares
            except _ZIP_ERRORS as exc:
                raise ExportError(
                    f"{name}: {oneline(entry)} cannot be read ({oneline(str(exc))}); the archive is "
                    f"damaged: download the export from Letterboxd again"
                ) from None
            budget -= len(content)
            if budget < 0:
                raise ExportError(f"{name} holds more than {MAX_EXPORT_BYTES // 2**20} MB once uncompressed")
            files[wanted[entry]] = content
    return files


def _common_folder(entries: Sequence[str]) -> str:
    """`folder/` when every entry sits in one top folder (a re-zipped export), else ''."""
    tops = {e.split("/", 1)[0] for e in entries if "/" in e}
    if len(tops) == 1 and all("/" in e for e in entries):
        return tops.pop() + "/"
    return ""


def _read_folder(folder: Path) -> dict[str, bytes]:
    files = {}
    for relative in EXPORT_FILES:
        path = folder / relative
        if path.is_file():
            if path.stat().st_size > MAX_EXPORT_BYTES:
                raise ExportError(f"{path} is larger than {MAX_EXPORT_BYTES // 2**20} MB")
            files[relative] = path.read_bytes()
    return files


def _rows(
    files: dict[str, bytes], filename: str, required: Sequence[str], name: str
) -> list[tuple[str, dict[str, str]]]:
    """(where, row) for each row: `where` names the file and line for error messages."""
    if filename not in files:
        return []
    try:
        text = files[filename].decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExportError(f"{name}: {filename} is not UTF-8 text; Letterboxd exports are UTF-8") from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise ExportError(
                f"{name}: {filename} has no {', '.join(missing)} column (found: "
                f"{oneline(', '.join(header)) or 'nothing'}); is it a Letterboxd export?"
            )
        rows = []
        for row in reader:
            if None in row:
                raise ExportError(f"{name}: {filename} line {reader.line_num} has more fields than its header")
            rows.append((f"{filename} line {reader.line_num}", {k: (v or "") for k, v in row.items()}))
        return rows
    except csv.Error as exc:
        raise ExportError(f"{name}: {filename} is not valid CSV ({exc})") from None


@dataclass
class _Film:
    """What the export's files say about one film, merged."""

    title: str
    year: int | None
    rating: float | None = None
    rated_on: date | None = None
    logged_on: date | None = None
    liked: bool = False
    watched: list[date] = field(default_factory=list)
    diary_ratings: list[tuple[date, float]] = field(default_factory=list)
    rewatch: bool = False
    uri: str | None = None


def _export_history(files: dict[str, bytes], name: str) -> LetterboxdHistory:
    if not any(f in files for f in ("watched.csv", "ratings.csv", "diary.csv")):
        raise ExportError(f"{name} is not a Letterboxd export: it has no watched.csv, ratings.csv or diary.csv")
    base = ("Name", "Year")
    films: dict[tuple[str, int | None], _Film] = {}
    try:

        def film(row: dict[str, str], where: str) -> _Film:
            title = row["Name"].strip()
            if not title:
                raise ValueError(f"{where}: the film has no name")
            year = parse_year(row["Year"], where)
            return films.setdefault(film_key(title, year), _Film(title, year))

        for filename in ("watched.csv", "ratings.csv", "likes/films.csv"):
            for where, row in _rows(files, filename, base, name):
                entry = film(row, where)
                logged = parse_date(row.get("Date", ""), where)
                entry.uri = entry.uri or row.get("Letterboxd URI") or None
                if filename == "ratings.csv":
                    entry.rating, entry.rated_on = parse_rating(row.get("Rating", ""), where), logged
                elif filename == "likes/films.csv":
                    entry.liked = True
                else:
                    entry.logged_on = logged
        for filename in ("diary.csv", "reviews.csv"):
            for where, row in _rows(files, filename, base, name):
                entry = film(row, where)
                watched = parse_date(row.get("Watched Date", ""), where) or parse_date(row.get("Date", ""), where)
                rating = parse_rating(row.get("Rating", ""), where)
                if watched:
                    entry.watched.append(watched)
                    if rating is not None:
                        entry.diary_ratings.append((watched, rating))
                entry.rewatch |= row.get("Rewatch", "").strip().lower() == "yes"
        watchlist = []
        for where, row in _rows(files, "watchlist.csv", base, name):
            title = row["Name"].strip()
            if title:
                watchlist.append(
                    FilmEntry(
                        title,
                        parse_year(row["Year"], where),
                        date=parse_date(row.get("Date", ""), where),
                        uri=row.get("Letterboxd URI") or None,
                        source="export",
                    )
                )
    except ValueError as exc:
        raise ExportError(f"{name}: {exc}") from None
    entries = []
    for f in films.values():
        rating = f.rating if f.rating is not None else (max(f.diary_ratings)[1] if f.diary_ratings else None)
        entries.append(
            FilmEntry(
                title=f.title,
                year=f.year,
                rating=rating,
                liked=f.liked,
                watched_date=max(f.watched) if f.watched else None,
                date=f.rated_on or f.logged_on,
                rewatch=f.rewatch,
                uri=f.uri,
                source="export",
            )
        )
    return LetterboxdHistory(time_order(entries), time_order(watchlist), source="export")


def _looks_like_imdb(data: bytes) -> bool:
    """An IMDb CSV export by its header (`Const` and `Title` columns): named as a Letterboxd export by mistake."""
    header = data[:2000].lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].lower()
    return b"const" in header and b"title" in header
