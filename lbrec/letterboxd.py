"""Letterboxd input: a data export, the RSS feed, the profile pages or typed titles, as one film history.

Every source becomes a `LetterboxdHistory`: one `FilmEntry` per film, oldest first, plus the watchlist.
`history.select(choice)` picks what to recommend from (recent 50, 5 stars, 4+, 3+, every rated film, liked films)
and `match_history` turns that into MovieLens movieIds with `lbrec.catalog`:

    history = load_history("export", "letterboxd-me-2026.zip")   # or ("rss", "me"), ("profile", "me"), ...
    matched = match_history(history, Catalog.load(...), choice="4")
    matched.positives, matched.watched, matched.watchlist, matched.unmatched

Order: by the date the film was watched where the source says (diary, RSS), else the date it was logged or rated.
Profile pages carry no dates: their films keep the page order (reversed, so that the first listed is the newest)
and the RSS feed's dated entries are merged in. Parsers never return an empty history for a page they did not
understand: they raise `MarkupError` (or `ExportError` for exports) with the reason.

Every parser here reads outside input, so each either succeeds or raises one of the documented exceptions of
`lbrec.errors` with a one-line message (tests/test_fuzz.py holds them to it): `read_export` -> `ExportError`,
`parse_rss` and `parse_grid_page` -> `MarkupError`, `parse_typed` -> `LetterboxdError`, `validate_username` ->
`InvalidUsernameError`; the fetchers add the network's errors (`lbrec.web`).
"""

from __future__ import annotations

import csv
import io
import lzma
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from bs4 import BeautifulSoup, Tag
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from lbrec.catalog import Catalog, Match, normalize, parse_query
from lbrec.errors import (EmptyHistoryError, ExportError, InvalidUsernameError, LetterboxdError, MarkupError,
                          UserNotFoundError)
from lbrec.recommend import Recommendation
from lbrec.web import Client, Page

CHOICES: dict[str, str] = {
    "recent": "your latest 50 films",
    "5": "films you rated 5 stars",
    "4": "films you rated 4 stars or more",
    "3": "films you rated 3 stars or more",
    "rated": "every film you rated",
    "liked": "films you liked",
}
RECENT = 50
SourceKind = Literal["export", "rss", "profile", "typed"]

USERNAME = re.compile(r"[A-Za-z0-9_]{2,15}")  # Letterboxd: 2-15 letters, digits or underscores
MAX_EXPORT_BYTES = 50 * 1024 * 1024  # the ZIP itself, and everything in it once uncompressed
MAX_RATIO = 100  # uncompressed/compressed above this (for entries over 1 MiB) marks a zip bomb
MAX_PAGES = 300  # 72 films a page: 21,600 films; beyond that the export is the sensible route
MAX_TYPED = 500  # titles in one typed list
MAX_TYPED_CHARS = 50_000
EXPORT_FILES = ("watched.csv", "ratings.csv", "diary.csv", "reviews.csv", "watchlist.csv", "likes/films.csv")


@dataclass(frozen=True)
class FilmEntry:
    """One film as Letterboxd knows it for this member; any field a source lacks stays None/False."""

    title: str
    year: int | None = None
    rating: float | None = None  # stars, 0.5-5 in halves
    liked: bool = False
    watched_date: date | None = None  # the (latest) diary date
    date: date | None = None  # when it was logged, rated or added
    rewatch: bool = False
    tmdb_id: int | None = None
    imdb_id: int | None = None  # typed `tt0113277`
    slug: str | None = None  # Letterboxd film slug, e.g. "heat-1995" (RSS and profile pages)
    uri: str | None = None  # the export's boxd.it link
    source: str = ""  # "export", "rss", "profile" or "typed"

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    @property
    def when(self) -> date | None:
        return self.watched_date or self.date


@dataclass
class LetterboxdHistory:
    """A member's films, oldest first (one entry per film), and their watchlist."""

    films: list[FilmEntry]
    watchlist: list[FilmEntry] = field(default_factory=list)
    source: str = ""
    username: str | None = None

    def choices(self) -> list[str]:
        """The choices this source can honour: no ratings (typed titles), no rating-based choices."""
        available = ["recent"]
        if any(f.rating is not None for f in self.films):
            available += ["5", "4", "3", "rated"]
        if any(f.liked for f in self.films):
            available.append("liked")
        return available

    def select(self, choice: str) -> list[FilmEntry]:
        """The films to recommend from, oldest first."""
        picks = {
            "recent": lambda f: True,
            "5": lambda f: f.rating is not None and f.rating >= 5,
            "4": lambda f: f.rating is not None and f.rating >= 4,
            "3": lambda f: f.rating is not None and f.rating >= 3,
            "rated": lambda f: f.rating is not None,
            "liked": lambda f: f.liked,
        }
        if choice not in picks:
            raise LetterboxdError(f"unknown choice {choice!r}: use one of {', '.join(CHOICES)}")
        films = [f for f in self.films if picks[choice](f)]
        return films[-RECENT:] if choice == "recent" else films


# ---------------------------------------------------------------------------------------------------- helpers


def validate_username(text: str) -> str:
    """A Letterboxd username from `name`, `@name` or a letterboxd.com profile link; refuse anything else with
    `InvalidUsernameError`, before any request: only the name goes into the paths requested from letterboxd.com."""
    value = text.strip()
    if "/" in value:
        try:
            parts = urlsplit(value if "://" in value else "https://" + value)
        except ValueError:  # e.g. an unclosed "[" reads as a broken IPv6 address
            raise InvalidUsernameError(f"{text[:80]!r} is not a Letterboxd profile link "
                                       f"(https://letterboxd.com/NAME/)") from None
        if parts.netloc.lower() not in ("letterboxd.com", "www.letterboxd.com") or \
                parts.scheme.lower() not in ("http", "https"):  # no port, no user@, no backslash, no ftp://
            raise InvalidUsernameError(f"{text[:80]!r} is not a Letterboxd profile link (https://letterboxd.com/NAME/)")
        value = parts.path.strip("/").split("/")[0] if parts.path.strip("/") else ""
    value = value.removeprefix("@")
    if not USERNAME.fullmatch(value):
        raise InvalidUsernameError(f"{text[:80]!r} is not a Letterboxd username (2 to 15 letters, digits or "
                                   f"underscores)")
    return value


def _time_order(films: Iterable[FilmEntry]) -> list[FilmEntry]:
    """Undated films first, in the order given; then dated ones by date (stable)."""
    films = list(films)
    return sorted(films, key=lambda f: (f.when is not None, f.when or date.min))


def _film_key(title: str, year: int | None) -> tuple[str, int | None]:
    return normalize(title), year


def _parse_year(text: str, where: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]{4}", text) and 1870 <= int(text) <= 2100:  # str.isdigit() also takes "²"
        return int(text)
    raise ValueError(f"{where}: year {text[:20]!r} is not a year")


def _parse_rating(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: rating {text[:20]!r} is not a number") from None
    if not (0.5 <= value <= 5 and value * 2 == int(value * 2)):
        raise ValueError(f"{where}: rating {text[:20]!r} is not between 0.5 and 5 stars in halves")
    return value


def _parse_date(text: str, where: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: date {text[:30]!r} is not YYYY-MM-DD") from None


# ---------------------------------------------------------------------------------------------------- export


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
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, ValueError,
               NotImplementedError, RuntimeError)


def _read_zip(data: bytes, name: str) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise ExportError(f"{name} is not a ZIP file: upload the .zip that Letterboxd gives you under "
                          f"Settings > Data > Export your data") from None
    with archive:
        members = []
        total = 0
        for info in archive.infolist():
            entry = info.filename.replace("\\", "/")
            parts = PurePosixPath(entry).parts
            if not entry or entry.endswith("/") or entry.startswith("/") or ".." in parts or \
                    re.match(r"^[A-Za-z]:", entry):
                continue  # never follow a path out of the archive
            total += info.file_size
            if total > MAX_EXPORT_BYTES:
                raise ExportError(f"{name} holds more than {MAX_EXPORT_BYTES // 2**20} MB once uncompressed: "
                                  f"not a Letterboxd export")
            if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ExportError(f"{name}: {_oneline(entry)} is compressed more than {MAX_RATIO}:1, which marks a "
                                  f"zip bomb")
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
                raise ExportError(f"{name}: {_oneline(entry)} cannot be read ({_oneline(str(exc))}); the archive is "
                                  f"damaged: download the export from Letterboxd again") from None
            budget -= len(content)
            if budget < 0:
                raise ExportError(f"{name} holds more than {MAX_EXPORT_BYTES // 2**20} MB once uncompressed")
            files[wanted[entry]] = content
    return files


def _oneline(text: str, limit: int = 200) -> str:
    """Outside text fit for a one-line message: control characters (new lines included) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text[:limit])


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


def _rows(files: dict[str, bytes], filename: str, required: Sequence[str],
          name: str) -> list[tuple[str, dict[str, str]]]:
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
            raise ExportError(f"{name}: {filename} has no {', '.join(missing)} column (found: "
                              f"{_oneline(', '.join(header)) or 'nothing'}); is it a Letterboxd export?")
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
            year = _parse_year(row["Year"], where)
            return films.setdefault(_film_key(title, year), _Film(title, year))

        for filename in ("watched.csv", "ratings.csv", "likes/films.csv"):
            for where, row in _rows(files, filename, base, name):
                entry = film(row, where)
                logged = _parse_date(row.get("Date", ""), where)
                entry.uri = entry.uri or row.get("Letterboxd URI") or None
                if filename == "ratings.csv":
                    entry.rating, entry.rated_on = _parse_rating(row.get("Rating", ""), where), logged
                elif filename == "likes/films.csv":
                    entry.liked = True
                else:
                    entry.logged_on = logged
        for filename in ("diary.csv", "reviews.csv"):
            for where, row in _rows(files, filename, base, name):
                entry = film(row, where)
                watched = _parse_date(row.get("Watched Date", ""), where) or _parse_date(row.get("Date", ""), where)
                rating = _parse_rating(row.get("Rating", ""), where)
                if watched:
                    entry.watched.append(watched)
                    if rating is not None:
                        entry.diary_ratings.append((watched, rating))
                entry.rewatch |= row.get("Rewatch", "").strip().lower() == "yes"
        watchlist = []
        for where, row in _rows(files, "watchlist.csv", base, name):
            title = row["Name"].strip()
            if title:
                watchlist.append(FilmEntry(title, _parse_year(row["Year"], where), date=_parse_date(
                    row.get("Date", ""), where), uri=row.get("Letterboxd URI") or None, source="export"))
    except ValueError as exc:
        raise ExportError(f"{name}: {exc}") from None
    entries = []
    for f in films.values():
        rating = f.rating if f.rating is not None else (max(f.diary_ratings)[1] if f.diary_ratings else None)
        entries.append(FilmEntry(
            title=f.title, year=f.year, rating=rating, liked=f.liked,
            watched_date=max(f.watched) if f.watched else None, date=f.rated_on or f.logged_on,
            rewatch=f.rewatch, uri=f.uri, source="export"))
    return LetterboxdHistory(_time_order(entries), _time_order(watchlist), source="export")


# ---------------------------------------------------------------------------------------------------- RSS


def parse_rss(xml: str | bytes) -> LetterboxdHistory:
    """A member's RSS feed (latest 50 diary entries): films with watched dates, ratings and TMDb ids.

    List items and TV entries (`tmdb:tvId`) are skipped; feeds from before the tmdb namespace parse too. Parsed by
    defusedxml: a DTD's entities (billion laughs) and external references (XXE) are refused with `MarkupError`,
    as is anything that is not a Letterboxd feed.
    """
    try:
        root = SafeElementTree.fromstring(xml.encode("utf-8", "surrogatepass") if isinstance(xml, str) else xml)
    except DefusedXmlException:
        raise MarkupError("the RSS feed declares XML entities or a DTD, which lbrec refuses to expand") from None
    except (ParseError, LookupError, ValueError) as exc:  # LookupError, ValueError: an encoding expat cannot read
        raise MarkupError(f"the RSS feed is not valid XML ({_oneline(str(exc))})") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise MarkupError(f"this is not an RSS feed (root element <{_local(root.tag)[:40]}>): expected "
                          f"https://letterboxd.com/<username>/rss/")
    username = _rss_username(channel)
    by_film: dict[object, FilmEntry] = {}
    for number, item in enumerate(channel.findall("item"), start=1):
        fields = {_local(child.tag): (child.text or "").strip() for child in item}
        guid = fields.get("guid", "")
        if "filmTitle" not in fields:
            if guid.startswith(("letterboxd-watch-", "letterboxd-review-")):
                raise MarkupError(f"RSS item {number} ({_oneline(guid, 80)}) is a diary entry without "
                                  f"letterboxd:filmTitle: the feed format is not understood")
            continue  # a list, or anything else that is not a film
        if "tvId" in fields:
            continue  # a TV series: MovieLens has films only
        try:
            entry = _rss_entry(fields, f"RSS item {number}")
        except ValueError as exc:
            raise MarkupError(f"{exc}: the feed format is not understood") from None
        key = entry.slug or entry.tmdb_id or _film_key(entry.title, entry.year)
        if (previous := by_film.get(key)) is not None:
            newest, oldest = sorted([previous, entry], key=lambda f: f.when or date.min, reverse=True)
            entry = replace(newest, rating=newest.rating if newest.rating is not None else oldest.rating,
                            liked=newest.liked or oldest.liked, rewatch=True)
        by_film[key] = entry
    return LetterboxdHistory(_time_order(by_film.values()), source="rss", username=username)


def _rss_entry(fields: dict[str, str], where: str) -> FilmEntry:
    title = fields["filmTitle"]
    if not title:
        raise ValueError(f"{where} has an empty film title")
    published = None
    if fields.get("pubDate"):
        try:
            published = parsedate_to_datetime(fields["pubDate"]).date()
        except (TypeError, ValueError, IndexError, OverflowError):  # a day of 10**20 overflows datetime
            raise ValueError(f"{where}: pubDate {fields['pubDate'][:40]!r} is not a date") from None
    tmdb = fields.get("movieId", "")
    if tmdb and not re.fullmatch(r"[0-9]{1,12}", tmdb):
        raise ValueError(f"{where}: tmdb:movieId {tmdb[:20]!r} is not a number")
    return FilmEntry(
        title=title, year=_parse_year(fields.get("filmYear", ""), where),
        rating=_parse_rating(fields.get("memberRating", ""), where),
        liked=fields.get("memberLike", "").lower() == "yes",
        watched_date=_parse_date(fields.get("watchedDate", ""), where), date=published,
        rewatch=fields.get("rewatch", "").lower() == "yes", tmdb_id=int(tmdb) if tmdb else None,
        slug=_slug_from_link(fields.get("link", "")), source="rss")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rss_username(channel: Element) -> str | None:
    link = (channel.findtext("link") or "").strip()
    path = urlsplit(link).path.strip("/").split("/")
    return path[0] if path and USERNAME.fullmatch(path[0]) else None


def _slug_from_link(link: str) -> str | None:
    """`https://letterboxd.com/user/film/heat-1995/1/` or `/film/heat-1995/` -> `heat-1995`."""
    match = re.search(r"/film/([a-z0-9][a-z0-9-]*)/", link)
    return match.group(1) if match else None


# ---------------------------------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class GridPage:
    """One page of a member's films or watchlist grid."""

    films: list[FilmEntry]
    last_page: int


_EMPTY_TEXT = re.compile(r"\b(no films|hasn.t (watched|added|rated|logged)|has not (watched|added)|"
                         r"nothing (here|yet)|is empty|no entries)\b", re.IGNORECASE)


def parse_grid_page(html: str, what: str = "films page") -> GridPage:
    """A `/<user>/films/` or `/<user>/watchlist/` page, in the 2025-26 markup (`li.griditem` with a LazyPoster
    react-component, the film id only in `data-postered-identifier` since April 2026) or the legacy one
    (`li.poster-container > div.film-poster[data-film-slug]`). Raises `MarkupError` unless the page is
    either a grid of films or a member page that says it has none.
    """
    if not re.search(r"</html\s*>\s*$", html[-4000:], re.IGNORECASE):
        raise MarkupError(f"the {what} ends before </html>: it arrived truncated; try again")
    soup = BeautifulSoup(html, "lxml")
    films = [f for f in (_grid_item(li) for li in soup.select("li.griditem, li.poster-container")) if f]
    if not films:
        body = soup.body
        member_page = body is not None and (body.has_attr("data-owner") or "screen-member" in " ".join(
            body.get("class", [])))
        main = soup.select_one("section.col-main, #content") or body
        grids = main.select("ul.poster-list, ul.grid, div.poster-grid") if main is not None else []
        items = [li for grid in grids for li in grid.select("li")]
        says_empty = main is not None and not items and (
            bool(grids) or _EMPTY_TEXT.search(main.get_text(" ")) is not None)
        if not (member_page and says_empty):
            raise MarkupError(f"the {what} was not understood: no film posters in either known markup "
                              f"(Letterboxd may have changed its pages). Use your RSS feed or data export instead.")
    return GridPage(films, _last_page(soup))


def _grid_item(li: Tag) -> FilmEntry | None:
    poster = li.select_one("[data-item-slug], [data-film-slug], [data-item-name]")
    if poster is None:
        return None
    name = str(poster.get("data-item-name") or poster.get("data-film-name") or "")
    slug = str(poster.get("data-item-slug") or poster.get("data-film-slug") or "").strip("/")
    slug = slug.removeprefix("film/") or None
    if not name:  # legacy markup: the title is the poster's alt text, without the year
        image = li.select_one("img[alt]")
        name = str(image["alt"]).removeprefix("Poster for ") if image else ""
    query = parse_query(name)
    if not query.title:
        raise MarkupError(f"a poster for {_oneline(slug or 'a film', 80)} has no title in the page")
    year = query.year
    if year is None and poster.get("data-film-release-year"):
        try:
            year = _parse_year(str(poster["data-film-release-year"]), f"the poster for {name[:80]!r}")
        except ValueError as exc:
            raise MarkupError(str(exc)) from None
    viewing = li.select_one("p.poster-viewingdata")
    rating = None
    liked = False
    if viewing is not None:
        stars = viewing.select_one("span.rating")
        for cls in stars.get("class", []) if stars else []:
            if match := re.fullmatch(r"rated-(\d+)", cls):
                half_stars = int(match.group(1)) if re.fullmatch(r"[0-9]{1,2}", match.group(1)) else 0
                if not 1 <= half_stars <= 10:
                    raise MarkupError(f"rating class {cls[:40]!r} for {name[:80]!r} is not 1-10 half-stars")
                rating = half_stars / 2
        liked = viewing.select_one(".icon-liked, .liked-micro") is not None
    return FilmEntry(title=query.title, year=year, rating=rating, liked=liked, slug=slug, source="profile")


def _last_page(soup: BeautifulSoup) -> int:
    texts = (e.get_text(strip=True) for e in soup.select(".paginate-pages li"))
    numbers = [int(t) for t in texts if re.fullmatch(r"[0-9]{1,7}", t)]
    return max(numbers, default=1)


def fetch_profile(username: str, client: Client | None = None, *, watchlist: bool = True) -> LetterboxdHistory:
    """Every film on a public profile (all pages) with ratings and likes, the RSS feed's dates and TMDb ids, and
    the watchlist. Stops with a clear error when Letterboxd blocks the requests (use RSS or the export then)."""
    user = validate_username(username)
    client = client or Client()
    rss = fetch_rss(user, client)
    films = _fetch_grid(user, "films", client)
    saved = _fetch_grid(user, "watchlist", client) if watchlist else []
    by_slug = {f.slug: f for f in rss.films if f.slug}
    merged = []
    for entry in reversed(films):  # Letterboxd lists the newest first
        dated = by_slug.pop(entry.slug, None) if entry.slug else None
        if dated is not None:
            entry = replace(dated, rating=entry.rating if entry.rating is not None else dated.rating,
                            liked=entry.liked or dated.liked, source="profile")
        merged.append(entry)
    merged += by_slug.values()
    rest = [f for f in rss.films if not f.slug]
    return LetterboxdHistory(_time_order(merged + rest), list(reversed(saved)), source="profile", username=user)


def _fetch_grid(user: str, section: str, client: Client) -> list[FilmEntry]:
    what = f"{section} page of {user}"
    first = _get_user_page(client, f"/{user}/{section}/", user)
    page = parse_grid_page(first.text, f"{what} ({first.url})")
    if page.last_page > MAX_PAGES:
        raise LetterboxdError(f"{user}'s {section} run to {page.last_page} pages; lbrec reads at most {MAX_PAGES}. "
                              f"Use your data export instead (Settings > Data > Export your data).")
    films = list(page.films)
    rest = client.get_many([f"/{user}/{section}/page/{n}/" for n in range(2, page.last_page + 1)])
    for other in rest:
        films += parse_grid_page(other.text, f"{what} ({other.url})").films
    return films


def _get_user_page(client: Client, path: str, user: str) -> Page:
    try:
        return client.get(path)
    except UserNotFoundError:
        raise UserNotFoundError(f"Letterboxd has no member called {user!r}: check the spelling "
                                f"(https://letterboxd.com/{user}/ should open in a browser)") from None


def fetch_rss(username: str, client: Client | None = None) -> LetterboxdHistory:
    """The latest 50 diary entries from https://letterboxd.com/<username>/rss/."""
    user = validate_username(username)
    page = _get_user_page(client or Client(), f"/{user}/rss/", user)
    history = parse_rss(page.text)
    history.username = history.username or user
    return history


# ---------------------------------------------------------------------------------------------------- typed


def parse_typed(text: str) -> LetterboxdHistory:
    """`Heat (1995); The Matrix; Amélie`: titles separated by commas, semicolons or new lines.

    A title may contain commas when it ends with its year: `Crouching Tiger, Hidden Dragon (2000), Heat`.
    Films keep the order typed (the last is taken as the most recent). Raises `LetterboxdError` for a list too long
    to be a history (more than 500 titles or 50,000 characters, a title over 300).
    """
    if len(text) > MAX_TYPED_CHARS:
        raise LetterboxdError(f"the list of titles is too long ({len(text):,} characters; at most "
                              f"{MAX_TYPED_CHARS:,})")
    titles = []
    for line in re.split(r"[;\n\r]+", text):
        pieces = re.split(r"(?<=\(\d{4}\))\s*,", line)  # split after "(1995)," first: those titles are whole
        for piece in pieces:
            titles += [piece] if re.search(r"\(\d{4}\)\s*$", piece) else piece.split(",")
    titles = [" ".join(t.split()) for t in titles if t.strip()]
    if len(titles) > MAX_TYPED:
        raise LetterboxdError(f"too many titles ({len(titles)}; at most {MAX_TYPED})")
    films = []
    for title in titles:
        if len(title) > 300:
            raise LetterboxdError(f"{title[:40]!r}... is too long to be a film title")
        query = parse_query(title)
        films.append(FilmEntry(query.title, query.year, imdb_id=query.imdb_id, source="typed"))
    return LetterboxdHistory(films, source="typed")


# ---------------------------------------------------------------------------------------------------- sources


def load_history(kind: SourceKind, value: str | bytes | os.PathLike[str], *, client: Client | None = None,
                 watchlist: bool = True, allow_files: bool = False) -> LetterboxdHistory:
    """One entry point for the app and the CLI.

    - `export`: the ZIP's bytes, or (with `allow_files`, the CLI) a path to the ZIP or the unzipped folder;
    - `rss`: a username or https://letterboxd.com/<username>/rss/, or (with `allow_files`) a saved feed file;
    - `profile`: a username or profile link;
    - `typed`: titles separated by commas, semicolons or new lines.
    Raises `EmptyHistoryError` when the source holds no films.
    """
    if kind == "export":
        if not (isinstance(value, bytes) or allow_files):
            raise LetterboxdError("the export must be uploaded, not named by path")
        history = read_export(value)
    elif kind == "rss":
        text = os.fspath(value) if not isinstance(value, bytes) else None
        if allow_files and text is not None and Path(text).is_file():
            history = parse_rss(Path(text).read_bytes())
        elif isinstance(value, bytes):
            history = parse_rss(value)
        else:
            history = fetch_rss(_rss_user(str(value)), client)
    elif kind == "profile":
        history = fetch_profile(str(value), client, watchlist=watchlist)
    elif kind == "typed":
        history = parse_typed(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))
    else:
        raise LetterboxdError(f"unknown source {kind!r}: use export, rss, profile or typed")
    if not history.films:
        who = f"{history.username} has" if history.username else "this input has"
        raise EmptyHistoryError(f"{who} no films to recommend from yet ({kind}): log or rate a few films on "
                                f"Letterboxd, or type some titles")
    return history


def _rss_user(value: str) -> str:
    """A username from `name` or `https://letterboxd.com/name/rss/`."""
    return validate_username(re.sub(r"/rss/?$", "/", value.strip()))


# ---------------------------------------------------------------------------------------------------- matching


@dataclass
class MatchedHistory:
    """A history choice matched to MovieLens: what the recommender needs, and what to tell the user."""

    positives: list[int]  # movieIds of the chosen films that matched, oldest first, each once
    watched: set[int]  # every matched film the member has seen (to exclude from recommendations)
    watchlist: set[int]  # matched watchlist films (to exclude on request)
    results: list[tuple[FilmEntry, Match]]  # each chosen film and its match

    @property
    def unmatched(self) -> list[tuple[FilmEntry, Match]]:
        return [(f, m) for f, m in self.results if m.status != "matched"]

    def to_json(self, recommendations: Sequence[Recommendation] = ()) -> dict:
        """The shape `recommend --json` prints and the app saves: matched, unmatched, recommendations."""
        return {
            "matched": [{"query": f.label, "movieId": m.movie_id, "title": m.title, "year": m.year,
                         "confidence": round(m.confidence, 3)} for f, m in self.results if m.status == "matched"],
            "unmatched": [{"query": f.label, "status": m.status, "reason": m.reason,
                           "candidates": m.to_json()["candidates"]} for f, m in self.unmatched],
            "recommendations": [r.to_dict() for r in recommendations],
        }


def match_history(history: LetterboxdHistory, catalog: Catalog, choice: str = "recent") -> MatchedHistory:
    """Match the chosen films (and, for exclusion, every watched film and the watchlist) to MovieLens."""
    chosen = history.select(choice)
    chosen_matches = catalog.match_many(chosen)
    watched = {m.movie_id for m in catalog.match_many(history.films) if m.movie_id is not None}
    saved = {m.movie_id for m in catalog.match_many(history.watchlist) if m.movie_id is not None}
    positives: list[int] = []
    for match in chosen_matches:
        if match.movie_id is not None:
            if match.movie_id in positives:
                positives.remove(match.movie_id)  # keep the latest occurrence
            positives.append(match.movie_id)
    return MatchedHistory(positives, watched, saved, list(zip(chosen, chosen_matches, strict=True)))

