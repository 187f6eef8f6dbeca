"""IMDb's own CSV exports as a history: Your Ratings (the rated films, by Date Rated) and the Watchlist.

IMDb gives each as one CSV (Your Ratings > ... > Export, Watchlist > ... > Export). Two layouts are read, by column
name, so the order of the columns does not matter: the current one (`Const, Your Rating, Date Rated, Title,
Original Title, URL, Title Type, IMDb Rating, Runtime (mins), Year, Genres, Num Votes, Release Date, Directors`) and
the older one (`Position, Const, Created, Modified, Description, Title, ...`, with `Your Rating, Date Rated` last,
or neither in a watchlist).

- Each row's IMDb id (`Const`: `tt0113277`) becomes `FilmEntry.imdb_id` (113277), which the catalog matches
  exactly; the title and year are only the fallback for a row without one.
- Films are what MovieLens lists: movies, TV movies, TV specials, shorts and direct-to-video films. TV series,
  mini-series, episodes and pilots, video games, podcasts and music videos are skipped and counted in
  `history.skipped` ("12 TV titles skipped"). IMDb writes Title Type in the account's language ("Serie TV",
  "Fernsehserie", "Película", "Téléfilm"), so it is read by the words in it, whatever the case, accents and spaces
  (`title_kind`), in every language IMDb's site offers (English, German, Spanish, French, Italian, Portuguese), in
  the current spelling ("TV Series") and the older ones ("tvSeries", "Feature Film"). A type that is none of these
  is never taken for a film: it is skipped and named ("3 titles of unknown type 'Xyz' skipped"). A row without a
  type is a film (the id match decides).
- IMDb's 1-10 rating becomes half its value in stars (10 -> 5.0, 9 -> 4.5, 8 -> 4.0, ... 1 -> 0.5), Letterboxd's
  scale, so the choices read the same: "4 stars or more" is IMDb 8 and up, "5 stars" is IMDb 10.
- Encoding: UTF-8 (with or without a BOM), as IMDb writes it; a file re-saved by a spreadsheet as Windows-1252
  (latin-1's Western superset) is read too, since the ids, not the titles, do the matching.
Anything else raises `IMDbError` with a one-line message: a missing column, another site's file (a Letterboxd
export CSV, a list, MovieLens ratings, a ZIP, a web page), a file over 50 MB or 100,000 rows, an empty file.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections import Counter
from datetime import date, datetime
from pathlib import Path

from lbrec.errors import IMDbError
from lbrec.letterboxd.fields import oneline, parse_year
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory, time_order

MAX_IMDB_BYTES = 50 * 2**20  # a member with 10,000 ratings exports about 2 MB
MAX_IMDB_ROWS = 100_000
FILM = "film"
UNKNOWN = "unknown type"
TITLE_KINDS = [  # (words a Title Type holds, once lower case without accents or spaces; its kind), the first wins
    (
        ("musicvideo", "musikvideo", "videoclip", "clipvideo", "clipmusical", "clipedemusica", "videomusical"),
        "music video",
    ),  # Music Video, Musikvideo, Videoclip(e), Clip vidéo, Video musicale
    (("podcast",), "podcast"),  # Podcast Series, Podcast-Folge, Série de podcasts, Episodio de pódcast
    (("game", "videospiel", "computerspiel", "videojuego", "jeuvideo", "videogioco", "jogo"), "video game"),
    (("series", "serie", "episod", "folge", "pilot"), "TV title"),  # Serie TV, Fernsehserie, Minissérie, TV-Episode
    (
        (
            "movie",
            "film",
            "pelicula",
            "short",
            "corto",
            "curta",
            "metrage",
            "special",
            "video",
            "documentar",
            "documental",
            "documentaire",
        ),
        FILM,
    ),  # Fernsehfilm, Película de TV, Téléfilm, Cortometraggio, Court métrage
]
MAX_NAMED_TYPES = 3  # unknown types named in the summary; the rest are counted together
IMDB_ID = re.compile(r"tt([0-9]{1,10})")
REQUIRED = ("const", "title")
RATING_COLUMNS = ("your rating", "you rated")  # "you rated": the oldest exports
OLD_DATE = "%a %b %d %H:%M:%S %Y"  # the oldest exports' Created: "Sat Mar 14 12:00:00 2015"
OTHER_SITES = [  # (columns that give the file away, what it is and what to do with it)
    (
        {"name", "year", "letterboxd uri"},
        "this is a Letterboxd file, not an IMDb export: give the whole Letterboxd export ZIP with --export",
    ),
    (
        {"title", "year", "tmdbid"},
        "this is a list in Letterboxd's importer columns (Title, Year, tmdbID), not an IMDb export: "
        "rank it with --list",
    ),
    ({"userid", "movieid", "rating"}, "this is a MovieLens ratings file, not an IMDb export"),
]


def read_imdb(
    ratings: bytes | str | os.PathLike[str], watchlist: bytes | str | os.PathLike[str] | None = None
) -> LetterboxdHistory:
    """The history of an IMDb Your Ratings export (oldest rating first) and, if given, its Watchlist export: each
    the file's bytes or a path to it. Raises `IMDbError`."""
    films, skipped = _read_titles(ratings, "the IMDb ratings file")
    saved, _ = _read_titles(watchlist, "the IMDb watchlist") if watchlist is not None else ([], Counter())
    return LetterboxdHistory(time_order(films), time_order(saved), source="imdb", skipped=describe_skipped(skipped))


def title_kind(title_type: str) -> str:
    """`FILM`, a kind of title that is not a film ("TV title", "video game", "podcast", "music video"), or
    `unknown type 'Xyz'` for a Title Type in none of IMDb's languages. No type at all: a film."""
    if not title_type.strip():
        return FILM
    decomposed = unicodedata.normalize("NFKD", title_type.lower())  # "Épisode" -> "E" + a combining accent
    letters = re.sub(r"[^a-z]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))
    for words, kind in TITLE_KINDS:
        if any(word in letters for word in words):
            return kind
    return f"{UNKNOWN} {oneline(title_type.strip()[:40])!r}"


def describe_skipped(skipped: Counter[str]) -> str | None:
    """`Counter({"TV title": 12, "video game": 1, "unknown type 'Xyz'": 3})` -> "12 TV titles, 1 video game and 3
    titles of unknown type 'Xyz' skipped": the known kinds, then the unknown types, each by count; beyond
    `MAX_NAMED_TYPES` unknown types, the rest are counted together."""
    if not skipped:
        return None
    ranked = skipped.most_common()
    parts = [f"{count:,} {kind}{'s' if count > 1 else ''}" for kind, count in ranked if not kind.startswith(UNKNOWN)]
    unknown = [(kind, count) for kind, count in ranked if kind.startswith(UNKNOWN)]
    parts += [f"{count:,} title{'s' if count > 1 else ''} of {kind}" for kind, count in unknown[:MAX_NAMED_TYPES]]
    others, other_types = sum(count for _, count in unknown[MAX_NAMED_TYPES:]), len(unknown[MAX_NAMED_TYPES:])
    if others:
        parts.append(
            f"{others:,} title{'s' if others > 1 else ''} of {other_types:,} other unknown "
            f"type{'s' if other_types > 1 else ''}"
        )
    return (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + " skipped"


def _read_titles(source: bytes | str | os.PathLike[str], name: str) -> tuple[list[FilmEntry], Counter[str]]:
    """The films of one IMDb CSV in file order, and what was skipped by kind."""
    if isinstance(source, (str, os.PathLike)):
        name = Path(source).name
        data = _read_file(Path(source))
    else:
        data = bytes(source)
    if len(data) > MAX_IMDB_BYTES:
        raise IMDbError(f"{name} is larger than {MAX_IMDB_BYTES // 2**20} MB: not an IMDb export")
    reader = csv.reader(io.StringIO(_decode(data, name), newline=""), strict=True)
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        _refuse_other_site(data, header, name)
        columns = {column: at for at, column in reversed(list(enumerate(header)))}  # a repeated name: the first
        films, skipped = [], Counter[str]()
        for number, row in enumerate(reader, 1):
            if number > MAX_IMDB_ROWS:
                raise IMDbError(f"{name} has more than {MAX_IMDB_ROWS:,} rows: not an IMDb export")
            if len(row) > len(header):
                raise IMDbError(f"{name} line {reader.line_num} has more fields than its header")
            if not any(cell.strip() for cell in row):
                continue
            cells = {column: row[at] if at < len(row) else "" for column, at in columns.items()}
            kind = title_kind(cells.get("title type", ""))
            if kind == FILM:
                films.append(_film(cells, f"{name} line {reader.line_num}"))
            else:
                skipped[kind] += 1
    except csv.Error as exc:
        raise IMDbError(f"{name} is not valid CSV ({oneline(str(exc))})") from None
    return films, skipped


def _read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_IMDB_BYTES:
            raise IMDbError(f"{path.name} is larger than {MAX_IMDB_BYTES // 2**20} MB: not an IMDb export")
        return path.read_bytes()
    except FileNotFoundError:
        raise IMDbError(f"{path} not found") from None
    except OSError as exc:
        raise IMDbError(f"cannot read {path}: {exc.strerror or exc}") from None


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise IMDbError(f"{name} is empty: export your ratings (or watchlist) from IMDb again")
    if data.startswith(b"PK\x03\x04"):
        raise IMDbError(f"{name} is a ZIP archive, not an IMDb CSV: a Letterboxd export ZIP goes to --export")
    if b"\x00" in data:
        raise IMDbError(f"{name} is not a text file: IMDb exports are UTF-8 CSV files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise IMDbError(f"{name} is not UTF-8 text; IMDb exports are UTF-8: export it from IMDb again") from None


def _refuse_other_site(data: bytes, header: list[str], name: str) -> None:
    """Another site's file (or a web page) named as an IMDb export: say what it is, before any missing column."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise IMDbError(f"{name} is a web page, not the CSV: use Export on IMDb's Your Ratings or Watchlist page")
    if header and header[0].startswith("letterboxd list export"):
        raise IMDbError("this is a Letterboxd list, not an IMDb export: rank it with --list")
    for columns, message in OTHER_SITES:
        if columns <= set(header):
            raise IMDbError(message)
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        shown = oneline(", ".join(c[:30] for c in header[:8]))[:200] or "nothing"  # echo little of the input
        raise IMDbError(
            f"{name} has no {' or '.join(c.title() for c in missing)} column (found: {shown}): is it "
            f"IMDb's Your Ratings or Watchlist export?"
        )


def _film(cells: dict[str, str], where: str) -> FilmEntry:
    id_text = cells["const"].strip()
    match = IMDB_ID.fullmatch(id_text)
    if id_text and not match:
        raise IMDbError(f"{where}: Const {oneline(id_text[:20])!r} is not an IMDb id (tt followed by digits)")
    title = cells["title"].strip() or cells.get("original title", "").strip() or id_text
    if not title:
        raise IMDbError(f"{where}: the row has neither an IMDb id nor a title")
    rating = next((cells[c] for c in RATING_COLUMNS if c in cells), "")
    try:
        year = parse_year(cells.get("year", ""), where)
    except ValueError as exc:
        raise IMDbError(str(exc)) from None
    rated_on = _date(cells.get("date rated", ""), where) or _date(cells.get("created", ""), where)
    return FilmEntry(
        title=title,
        year=year,
        rating=_stars(rating, where),
        date=rated_on,
        imdb_id=int(match.group(1)) if match else None,
        source="imdb",
    )


def _stars(text: str, where: str) -> float | None:
    """IMDb's 1-10 as Letterboxd stars: half the value (9 -> 4.5)."""
    text = text.strip()
    if not text:
        return None
    if not (re.fullmatch(r"[0-9]{1,2}", text) and 1 <= int(text) <= 10):
        raise IMDbError(f"{where}: rating {oneline(text[:20])!r} is not a whole number from 1 to 10")
    return int(text) / 2


def _date(text: str, where: str) -> date | None:
    """`2024-01-15`, or the oldest exports' `Sat Mar 14 12:00:00 2015`."""
    text = text.strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return date.fromisoformat(text)
        return datetime.strptime(text, OLD_DATE).date()
    except ValueError:
        raise IMDbError(f"{where}: date {oneline(text[:30])!r} is not YYYY-MM-DD") from None
