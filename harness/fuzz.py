"""Fuzzing every parser of outside input: RSS XML, export CSV, export ZIP, typed titles, usernames and the title
matcher.

Each target pairs a Hypothesis strategy with a check. The strategies start from real structures (the project's
fixtures, and the real samples in ../shared/fixtures-research when present) and mutate them the way hostile or
broken input would: a field replaced by a hostile value (huge numbers, Unicode digits, formulas, markup, entities,
control characters), an element dropped, repeated or renamed, bytes flipped, the document cut short, a DTD put in
front. The check: the parser either succeeds with a well-formed result or raises one of lbrec's documented
exceptions (`lbrec.errors`) with a one-line message. Anything else (an IndexError, a zlib.error, a ValueError from
int()) fails the test with the input that caused it.

The targets are registered in `harness.fuzz_targets`; the suite runs `FUZZ_CASES` cases per target (a few
hundred, seconds each: tests/unit/test_fuzz.py), `benchmarks/bench_fuzz.py` the same targets for 10,000 each.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import warnings
import zipfile
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from random import Random
from xml.sax.saxutils import escape

import pandas as pd
import pytest
from hypothesis import strategies as st

from harness.fault_server import closed_port_url
from harness.files import FIXTURES, SHARED, export_files, export_folder
from lbrec.catalog.index import MAX_CANDIDATES, MatchIndex
from lbrec.catalog.normalize import FilmQuery
from lbrec.errors import InvalidUsernameError, LbrecError
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.export import EXPORT_FILES, read_export
from lbrec.letterboxd.fields import USERNAME, validate_username
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory
from lbrec.letterboxd.rss import parse_rss
from lbrec.letterboxd.sources import load_history
from lbrec.letterboxd.typed import MAX_TYPED

RESEARCH = SHARED / "fixtures-research"
FUZZ_CASES = int(os.environ.get("LBREC_FUZZ_CASES", "200"))

# Values that broke parsers somewhere once: numbers out of range or in other scripts, dates that do not exist,
# formulas, markup and entities, control characters, paths and URLs, very long text.
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "00",
    "0000",
    "1869",
    "2101",
    "9" * 5000,
    "²",
    "١٩٩٥",
    "1995\u0663",
    "½",
    "5.5",
    "9.0",
    "0.25",
    "4,5",
    "1e309",
    "nan",
    "inf",
    "-inf",
    "1_0",
    "0x10",
    "2024-02-30",
    "2024-13-01",
    "0000-00-00",
    "31/12/2020",
    "2020-W01-1",
    "99999-01-01",
    "Mon, 32 Foo 2024 99:99:99 +0000",
    "Thu, 01 Jan 99999 00:00:00 +0000",
    "Yes",
    "yes",
    "no",
    '=HYPERLINK("http://evil.example")',
    "+1",
    "-2",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "&amp;",
    "&lt;&gt;",
    "&#0;",
    "&#xFFFF;",
    "&lol;",
    "]]>",
    "<![CDATA[x]]>",
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\ufeff",
    "\r\n",
    "\r",
    '"',
    '""',
    ",",
    ";",
    "'",
    "\\",
    "../../etc/passwd",
    "/etc/passwd",
    "file:///etc/passwd",
    "https://evil.example/",
    "//evil.example/x",
    "tt0133093",
    "tt" + "9" * 30,
    "(1995)",
    "Heat (1995)",
    "a" * 10_000,
    "🎬" * 50,
    "Ω≈ç√∫",
    "rated-10",
    "rated-99999999999999999999",
    "film/",
    "/film/heat-1995/",
    "letterboxd-watch-1",
]
PROLOGS = [  # what may sit in front of an XML document
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://evil.example/rss.dtd">',
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<?xml version="1.0" encoding="UTF-16"?>',
    "\ufeff",
    '<?xml version="1.0" encoding="x-unknown"?>',
    '<?xml version="1.0" encoding="UTF-32"?>',
    '<?xml version="1.1"?>',
    '<?xml-stylesheet href="http://evil.example/x.xsl"?>',
    "<!-- a comment -->",
]


NUMBERS = [
    "0",
    "-1",
    "00",
    "²",
    "١٩٩٥",
    "٣",
    "፩",
    "𝟗",
    "Ⅳ",
    "9" * 5000,
    "99999999999999999999",
    "1e309",
    "3.5",
    "1_0",
    " 7",
    "+3",
    "0x1F",
    "nan",
    "",
    "10",
    "11",
    "2101",
    "1869",
]


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(NUMBERS),
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=12).map(lambda s: s * 3),
    )


def reshaped(rng: Random, original: str, value: str) -> str:
    """Half the time keep the value's shape and change one part: `rated-4` -> `rated-²`, `1995` -> `١٩٩٥`."""
    if rng.random() < 0.5:
        return value
    number = rng.choice(NUMBERS) if rng.random() < 0.7 else value
    return (
        re.sub(r"\d+", lambda m: number, original, count=1)
        if re.search(r"\d", original)
        else re.sub(r"[^\W\d_]+", lambda m: value, original, count=1)
    )


# ---------------------------------------------------------------------------------------------------- seeds


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@cache
def rss_seeds() -> tuple[str, ...]:
    """Real feeds: the project's fixtures always, the research samples when they are present."""
    texts = [_read(FIXTURES / name) for name in ("rss_2026.xml", "rss_2020.xml", "rss_empty.xml")]
    texts += [_read(path) for path in sorted((RESEARCH / "rss").glob("*.xml"))]
    return tuple(texts)


@cache
def csv_seeds() -> dict[str, tuple[str, ...]]:
    """Export CSVs by file name: the hand-made export, and the real ones (cut to 60 lines to keep cases fast)."""
    found: dict[str, list[str]] = {}
    folders = [export_folder(), RESEARCH / "export_mororke2026"]
    for folder in folders:
        for name in EXPORT_FILES:
            if (folder / name).is_file():
                text = _read(folder / name)
                found.setdefault(name, []).append("".join(text.splitlines(keepends=True)[:60]))
    for path in sorted((RESEARCH / "export_misc").glob("*_reviews.csv")):
        found.setdefault("reviews.csv", []).append(_read(path))
    return {name: tuple(texts) for name, texts in found.items()}


# ---------------------------------------------------------------------------------------------------- mutations

_MARKUP_TOKEN = re.compile(r"<[^>]*>|[^<]+")
_ATTRIBUTE = re.compile(r'="[^"]*"')
_TAG_NAME = re.compile(r"^</?([\w:.-]+)")


@st.composite
def mutated_markup(draw: st.DrawFn, documents: Sequence[str]) -> bytes:
    """A real feed with 1-4 mutations, at the level of tokens (tags, attributes, text) or bytes."""
    tokens = _MARKUP_TOKEN.findall(draw(st.sampled_from(documents)))
    rng = draw(st.randoms(use_true_random=True))
    cut: int | None = None
    prolog = ""
    flips: list[tuple[str, int, bytes]] = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(
            st.sampled_from(
                [
                    "text",
                    "text",
                    "text",
                    "attr",
                    "attr",
                    "attr",
                    "drop",
                    "dup",
                    "swap",
                    "rename",
                    "bytes",
                    "cut",
                    "prolog",
                ]
            )
        )
        if not tokens:
            break
        i = rng.randrange(len(tokens))
        value = draw(hostile_text())
        value = escape(value) if draw(st.booleans()) else value  # raw or escaped: both reach the parser
        if op == "text":  # the text of an element (not the whitespace between elements)
            texts = [k for k, t in enumerate(tokens) if not t.startswith("<") and t.strip()]
            k = rng.choice(texts) if texts else i
            tokens[k] = reshaped(rng, tokens[k], value)
        elif op == "attr":  # an attribute's value: the feed's version, a guid's isPermaLink, the namespaces
            tags = [k for k, t in enumerate(tokens) if _ATTRIBUTE.search(t)]
            if tags:
                k = rng.choice(tags)
                spot = rng.choice(list(_ATTRIBUTE.finditer(tokens[k])))
                value = reshaped(rng, tokens[k][spot.start() + 2 : spot.end() - 1], value)
                tokens[k] = (
                    tokens[k][: spot.start()] + f'="{value.replace(chr(34), "&quot;")}"' + tokens[k][spot.end() :]
                )
        elif op == "drop":
            del tokens[i : i + rng.choice([1, 1, 2, 5, 20])]
        elif op == "dup":
            span = tokens[i : i + rng.choice([1, 3, 10, 40])]
            tokens[i:i] = span * rng.choice([1, 2, 50])
        elif op == "swap":
            j = rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif op == "rename":
            if match := _TAG_NAME.match(tokens[i]):
                names = sorted({m.group(1) for t in tokens if (m := _TAG_NAME.match(t))})
                tokens[i] = (
                    tokens[i][: match.start(1)]
                    + rng.choice([*names, "x", "rss", "item", "li"])
                    + tokens[i][match.end(1) :]
                )
        elif op == "bytes":
            flips.append(
                (
                    rng.choice(["flip", "insert", "delete"]),
                    rng.randrange(1 << 30),
                    bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8))),
                )
            )
        elif op == "cut":
            cut = rng.randrange(1 << 30)
        else:
            prolog = rng.choice(PROLOGS)
    data = bytearray((prolog + "".join(tokens)).encode("utf-8", "surrogatepass"))
    for kind, at, junk in flips:
        at = at % (len(data) + 1)
        if kind == "flip" and data:
            data[at % len(data)] ^= junk[0] or 1
        elif kind == "insert":
            data[at:at] = junk
        else:
            del data[at : at + len(junk)]
    if cut is not None:
        del data[cut % (len(data) + 1) :]
    return bytes(data)


EXPORT_COLUMNS = ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date", "Review"]


PLAUSIBLE = {  # values a real export holds in each column, for the fields not made hostile
    "Date": st.dates().map(str),
    "Watched Date": st.dates().map(str) | st.just(""),
    "Year": st.integers(1870, 2100).map(str) | st.just(""),
    "Rating": st.sampled_from(["", "0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5", "5.0"]),
    "Rewatch": st.sampled_from(["", "Yes", "No"]),
    "Letterboxd URI": st.just("https://boxd.it/2bg8"),
}


def field_value(column: str) -> st.SearchStrategy[str]:
    """Mostly what the column holds in a real export, at times something hostile; names are any text."""
    usual = PLAUSIBLE.get(column, st.text(min_size=1, max_size=30))
    return st.one_of(usual, usual, usual, usual, hostile_text())


@st.composite
def export_csv(draw: st.DrawFn, name: str) -> bytes:
    """One export CSV: a real one mutated by rows and fields, or one built from a real header and hostile or
    plausible fields; mostly UTF-8, at times another encoding or broken quoting."""
    rng = draw(st.randoms(use_true_random=True))
    real = csv_seeds().get(name, ())
    if real and draw(st.booleans()):
        rows = list(csv.reader(io.StringIO(draw(st.sampled_from(real)), newline="")))
    else:
        header = draw(
            st.one_of(
                st.just(["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"]),
                st.permutations(EXPORT_COLUMNS),
                st.lists(st.sampled_from([*EXPORT_COLUMNS, "Title", "Film", ""]), max_size=9),
            )
        )
        rows = [header] + [[draw(field_value(c)) for c in header] for _ in range(draw(st.integers(0, 6)))]
    header = rows[0] if rows else []
    for _ in range(draw(st.integers(0, 4))):
        if not rows:
            break
        r = rng.randrange(len(rows))
        op = draw(st.sampled_from(["field", "field", "field", "drop", "dup", "extra", "short", "row"]))
        if op == "field" and rows[r]:
            column = rng.randrange(len(rows[r]))
            rows[r][column] = draw(field_value(header[column] if column < len(header) else ""))
        elif op == "drop":
            del rows[r]
        elif op == "dup":
            rows[r:r] = [list(rows[r])] * rng.choice([1, 2, 200])
        elif op == "extra":
            rows[r].append(draw(hostile_text()))
        elif op == "short" and rows[r]:
            rows[r].pop()
        else:
            rows.insert(r, [draw(hostile_text()) for _ in range(rng.randrange(6))])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"]))).writerows(rows)
    text = buffer.getvalue()
    if rng.random() < 0.1:  # quoting broken by hand (a Random: Hypothesis draws small integers more often)
        text = text.replace('"', "", 1) if '"' in text else '"' + text
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    return text.encode(encoding, "replace")


def _zip(entries: Sequence[tuple[str, bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are wanted here
        for name, content, method in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 25, 8, 0, 0))
            info.compress_type = method
            archive.writestr(info, content)
    return buffer.getvalue()


@st.composite
def export_with_hostile_csv(draw: st.DrawFn) -> bytes:
    """The hand-made export with one or two of its CSVs replaced by hostile ones."""
    names = draw(st.lists(st.sampled_from(EXPORT_FILES), min_size=1, max_size=2, unique=True))
    entries = [(name, data, zipfile.ZIP_DEFLATED) for name, data in sorted(export_files().items())]
    entries = [e for e in entries if e[0] not in names]
    entries += [(name, draw(export_csv(name)), zipfile.ZIP_DEFLATED) for name in names]
    return _zip(entries)


EVIL = "Evil Sentinel Film"  # only ever inside entries that must be ignored
ENTRY_NAMES = [
    *EXPORT_FILES,
    "profile.csv",
    "comments.csv",
    "lists/x.csv",
    "deleted/diary.csv",
    "letterboxd-me-2026/watched.csv",
    "letterboxd-me-2026/ratings.csv",
    "folder/",
    "",
    "watched.csv/",
    "WATCHED.CSV",
    "watched.csv\x00.txt",
    "wätched.csv",
    "a" * 300 + ".csv",
]
ESCAPING_NAMES = [
    "../watched.csv",
    "/watched.csv",
    "/etc/ratings.csv",
    "..\\diary.csv",
    "C:/watched.csv",
    "C:\\ratings.csv",
    "letterboxd-me-2026/../../watched.csv",
    "./../diary.csv",
    "a/../../watched.csv",
]
METHODS = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]


@st.composite
def hostile_zip(draw: st.DrawFn) -> tuple[bytes, bool]:
    """The real export's entries (most of the time, under a folder at times), plus entries built one by one (names
    that try to escape, duplicates, folders, every compression method, highly compressible content), then possibly
    damaged byte by byte (headers that lie, cut short). Returns the bytes and whether they were damaged (a flipped
    byte may turn an escaping name into an ordinary one)."""
    real = export_files()
    rng = draw(st.randoms(use_true_random=True))
    entries: list[tuple[str, bytes, int]] = []
    if rng.random() < 0.75:
        folder = draw(st.sampled_from(["", "", "letterboxd-me-2026-11-25-08-00-utc/"]))
        entries = [(folder + name, data, draw(st.sampled_from(METHODS))) for name, data in sorted(real.items())]
    for _ in range(draw(st.integers(0, 5))):
        escaping = rng.random() < 0.2
        name = draw(st.sampled_from(ESCAPING_NAMES if escaping else ENTRY_NAMES))
        if escaping:
            content = f"Date,Name,Year,Letterboxd URI,Rating\r\n2020-01-01,{EVIL},2000,u,5\r\n".encode()
        elif rng.random() < 0.06:  # a bomb: megabytes of spaces that compress a thousandfold
            content = b"Date,Name,Year\r\n" + b" " * draw(st.sampled_from([2**20 + 1, 3 * 2**20]))
        else:
            content = draw(st.one_of(st.sampled_from(sorted(real.values())), st.binary(max_size=200)))
        method = zipfile.ZIP_DEFLATED if len(content) > 2**20 else draw(st.sampled_from(METHODS))
        entries.append((name, content, method))
    data = bytearray(_zip(entries))
    damaged = False
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        if not data:
            break
        damaged = True
        at = rng.randrange(len(data))
        op = draw(st.sampled_from(["flip", "size", "cut", "junk"]))
        if op == "flip":
            data[at] ^= rng.randrange(1, 256)
        elif op == "size":  # a header field rewritten: sizes, offsets and counts that lie
            data[at : at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\xff\xff\x00\x00"])
        elif op == "cut":
            del data[at:]
        else:
            data[at:at] = rng.randbytes(rng.randrange(1, 64)) if rng.random() < 0.5 else b"PK\x03\x04" * 8
    return bytes(data), damaged


def typed_text() -> st.SearchStrategy[str]:
    titles = st.one_of(
        hostile_text(),
        st.sampled_from(
            ["Heat (1995)", "The Matrix", "Amélie", "tt0133093", "Crouching Tiger, Hidden Dragon (2000)", "Se7en"]
        ),
    )
    separators = st.sampled_from([";", ",", "\n", "\r\n", " ; ", ",,", "\n\n"])
    return st.one_of(
        st.lists(st.tuples(titles, separators), max_size=12).map(lambda parts: "".join(t + s for t, s in parts)),
        st.text(max_size=300),
        st.integers(0, 700).map(lambda n: ", ".join(f"Film {i} (1999)" for i in range(n))),
        st.sampled_from(["x" * 50_001, "(1999)," * 8000, ";" * 60_000, "tt1, " * 600]),
    )


USERNAME_SHAPES = [
    "{u}",
    "@{u}",
    " {u} ",
    "https://letterboxd.com/{u}/",
    "letterboxd.com/{u}/films/",
    "https://www.letterboxd.com/{u}/rss/",
    "http://letterboxd.com/{u}",
    "https://letterboxd.com/{u}/rss",
    "https://evil.example/{u}/",
    "https://letterboxd.com.evil.example/{u}/",
    "https://letterboxd.com@evil.example/{u}/",
    "https://evil.example@letterboxd.com/{u}/",
    "https://[letterboxd.com/{u}/",
    "https://letterboxd.com:99999/{u}/",
    "//{u}",
    "{u}/../admin",
    "{u}\r\nHost: evil.example",
    "{u}?x=1",
    "{u}#frag",
    "{u}%2f..",
    "ftp://letterboxd.com/{u}/",
    "javascript:alert('{u}')",
    "file:///etc/{u}",
    "\\\\evil.example\\{u}",
    "{u}\x00",
]


def username_text() -> st.SearchStrategy[str]:
    names = st.one_of(
        st.from_regex(r"[A-Za-z0-9_]{1,17}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9_]{2,15}", fullmatch=True),
        hostile_text(),
    )
    return st.one_of(
        st.tuples(st.sampled_from(USERNAME_SHAPES), names).map(lambda p: p[0].replace("{u}", p[1])),
        st.text(max_size=60),
    )


# ---------------------------------------------------------------------------------------------------- checks


PYTHON_INTERNALS = re.compile(
    r"Traceback|invalid literal for|Exceeds the limit|has no attribute|NoneType|"
    r"index out of range|could not convert|unsupported operand|object is not"
)


def refused_clearly(exc: LbrecError) -> None:
    """A documented exception with a message a person can read: one line, not empty, not a traceback."""
    message = str(exc)
    assert message.strip(), f"{type(exc).__name__} without a message"
    assert "\n" not in message and len(message) < 2000, message
    assert not PYTHON_INTERNALS.search(message), f"a Python internal error leaked into the message: {message}"


def parsed(call: Callable[[], object]) -> object | None:
    """The parser's result, or None when it refused with a documented exception (anything else propagates)."""
    try:
        return call()
    except LbrecError as exc:
        refused_clearly(exc)
        return None


def well_formed(film: FilmEntry) -> None:
    assert isinstance(film.title, str) and film.title.strip()
    assert film.year is None or 1870 <= film.year <= 2100
    assert film.rating is None or (0.5 <= film.rating <= 5 and film.rating * 2 == int(film.rating * 2))
    assert film.watched_date is None or isinstance(film.watched_date, date)
    assert film.date is None or isinstance(film.date, date)
    assert film.tmdb_id is None or film.tmdb_id >= 0
    assert film.slug is None or re.fullmatch(r"[a-z0-9][a-z0-9-]*", film.slug)


def check_history(history: LetterboxdHistory) -> None:
    for film in [*history.films, *history.watchlist]:
        well_formed(film)
    for choice in history.choices():
        history.select(choice)
    assert history.username is None or USERNAME.fullmatch(history.username)


def check_rss(data: bytes) -> None:
    history = parsed(lambda: parse_rss(data))
    if history is not None:
        check_history(history)


def check_export(data: bytes) -> None:
    history = parsed(lambda: read_export(data, "upload.zip"))
    if history is not None:
        check_history(history)


def check_zip(case: tuple[bytes, bool]) -> None:
    data, damaged = case
    history = parsed(lambda: read_export(data, "upload.zip"))
    if history is not None:
        check_history(history)
        if not damaged:
            assert EVIL not in {f.title for f in history.films}, "an entry outside the archive's folder was read"


def check_typed(text: str) -> None:
    history = parsed(lambda: load_history("typed", text))
    if history is not None:
        assert 0 < len(history.films) <= MAX_TYPED
        for film in history.films:
            well_formed(film)
            assert len(film.title) <= 300


@cache
def _dead_client() -> Client:
    """A client whose server refuses every connection at once: a valid username ends in NetworkError, fast."""
    return Client(base_url=closed_port_url(), cache=False, retries=0, timeout=1.0)


_connections: list[object] = []


def _count_connections(event: str, args: tuple) -> None:
    if event == "socket.connect":
        _connections.append(args[1])


sys.addaudithook(_count_connections)  # Python's audit events: every socket connect in this process is seen


def check_username(text: str) -> None:
    try:
        user = validate_username(text)
    except InvalidUsernameError as exc:
        refused_clearly(exc)
        before = len(_connections)
        with pytest.raises(InvalidUsernameError):
            load_history("rss", text, client=_dead_client())
        assert len(_connections) == before, "a request was made for an invalid username"
        return
    assert USERNAME.fullmatch(user) and user in text


@cache
def fuzz_catalog() -> MatchIndex:
    """A catalog with namesakes, sequels, subtitles, articles, accents, ids and films without a year."""
    rows = [
        (1, "Heat", 1995, 949, 113277, 500),
        (2, "Heat", 1986, 11000, 91187, 20),
        (3, "Solaris", 1972, 593, 69293, 80),
        (4, "Solaris", 2002, 2103, 307479, 90),
        (5, "The Matrix", 1999, 603, 133093, 900),
        (6, "Star Wars: Episode IV - A New Hope", 1977, 11, 76759, 800),
        (7, "Amélie", 2001, 194, 211915, 400),
        (8, "Rocky II", 1979, 1367, 79817, 100),
        (9, "Rocky III", 1982, 1371, 84602, 90),
        (10, "WALL·E", 2008, 10681, 910970, 300),
        (11, "8½", 1963, 422, 56801, 60),
        (12, "Paterson", None, None, None, 10),
        (13, "Se7en", 1995, 807, 114369, 700),
    ]
    frame = pd.DataFrame(
        {
            "movieId": [r[0] for r in rows],
            "title": [r[1] for r in rows],
            "year": pd.array([r[2] for r in rows], dtype="Int32"),
            "alternates": [[] for _ in rows],
            "tmdbId": pd.array([r[3] for r in rows], dtype="Int64"),
            "imdbId": pd.array([r[4] for r in rows], dtype="Int64"),
            "n_ratings": [r[5] for r in rows],
            "genres": [["Drama"] for _ in rows],
        }
    )
    return MatchIndex(frame)


def film_queries() -> st.SearchStrategy[FilmQuery]:
    return st.builds(
        FilmQuery,
        title=st.one_of(
            hostile_text(),
            st.sampled_from(
                ["Heat", "heat", "Solaris", "Matrix", "Star Wars", "Rocky 2", "Wall-E", "8 1/2", "Amelie", "Seven"]
            ),
        ),
        year=st.none() | st.integers(1870, 2100),
        tmdb_id=st.none() | st.integers(0, 2**63 - 1),
        imdb_id=st.none() | st.integers(0, 10**9),
    )


def check_match(case: tuple[str, FilmQuery]) -> None:
    text, film = case
    catalog = fuzz_catalog()
    known = set(catalog.movie_ids.tolist())
    for match in [catalog.match_text(text), *catalog.match_many([film])]:
        assert match.status in ("matched", "uncertain", "unmatched")
        assert (match.movie_id is not None) == (match.status == "matched")
        assert match.movie_id is None or match.movie_id in known
        assert 0.0 <= match.confidence <= 1.0 and len(match.candidates) <= MAX_CANDIDATES
        assert {c.movie_id for c in match.candidates} <= known
        assert match.reason and "\n" not in match.reason
