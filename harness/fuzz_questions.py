"""Fuzzing the parsers the questions added: Letterboxd list CSVs, film queries (titles, Letterboxd film links,
TMDb and IMDb ids and links) and group member specs. Same harness and checks as `harness.fuzz`: accepted
and well formed, or refused with one of lbrec's exceptions and a one-line message."""

from __future__ import annotations

import csv
import io
from random import Random

from hypothesis import strategies as st

from harness.files import FIXTURES
from harness.fuzz import RESEARCH, hostile_text, parsed, reshaped, well_formed
from lbrec.ask.person import parse_member
from lbrec.letterboxd.fields import USERNAME
from lbrec.letterboxd.lists import MAX_LIST_FILMS, read_list_csv
from lbrec.letterboxd.typed import parse_film_query

LIST_HEADER = (
    "Letterboxd list export v7\r\nDate,Name,Tags,URL,Description\r\n2024-01-01,Tonight,,https://boxd.it/x,\r\n\r\n"
)


def list_seeds() -> list[str]:
    """Real list exports where present, the project's own, and a list in the importer's columns."""
    found = [
        p.read_text(encoding="utf-8")
        for folder in (RESEARCH, FIXTURES)
        if folder.is_dir()
        for p in sorted(folder.rglob("lists/*.csv"))
    ]
    own = (
        LIST_HEADER + "Position,Name,Year,URL,Description\r\n1,Heat,1995,https://boxd.it/29mK,\r\n"
        '2,"Crouching Tiger, Hidden Dragon",2000,https://boxd.it/1Xlk,a note\r\n'
    )
    return [*found, own, "Title,Year,tmdbID\r\nHeat,1995,949\r\nAlien,1979,348\r\n"]


@st.composite
def list_csv(draw: st.DrawFn) -> bytes:
    """A list CSV with hostile fields, columns dropped or renamed, rows repeated, cut short or made huge."""
    text = draw(st.sampled_from(list_seeds()))
    rng = Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(0, 4))):
        text = reshaped(rng, text, draw(hostile_text()))
    action = draw(st.sampled_from(["none", "cut", "rename", "drop", "repeat", "bytes", "empty", "other site"]))
    if action == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif action == "rename":
        text = text.replace("Name", draw(st.sampled_from(["Film", "name", "", "Title,Name"])), 1)
    elif action == "drop":
        text = text.replace("Year", "Released", 1)
    elif action == "repeat":
        _head, _, body = text.rpartition("Position,Name,Year,URL,Description")
        rows = body.splitlines()[1:2] or ["1,Heat,1995,,"]
        text = text + "\r\n".join(rows * draw(st.sampled_from([3, MAX_LIST_FILMS + 1])))
    elif action == "empty":
        text = ""
    elif action == "other site":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["Const", "Your Rating", "Title"], ["tt0113277", "9", "Heat"]])
        text = buffer.getvalue()
    data = text.encode("utf-8")
    if action == "bytes":
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        data = data[:at] + bytes([draw(st.integers(0x80, 0xFF))]) + data[at + 1 :]
    return data


def check_list(data: bytes) -> None:
    result = parsed(lambda: read_list_csv(data))
    if result is not None:
        name, films = result
        assert name is None or isinstance(name, str)
        assert 0 < len(films) <= MAX_LIST_FILMS
        for film in films:
            well_formed(film)


FILM_SHAPES = [
    "{t}",
    "{t} (1995)",
    "https://letterboxd.com/film/{t}/",
    "letterboxd.com/film/{t}-1995/",
    "https://letterboxd.com/someone/film/{t}/",
    "https://letterboxd.com/film/{t}/reviews/",
    "https://letterboxd.evil.example/film/{t}/",
    "tmdb:{t}",
    "https://www.themoviedb.org/movie/{t}-heat",
    "tt{t}",
    "https://www.imdb.com/title/tt{t}/",
    "https://imdb.com.evil.example/title/tt{t}/",
    "http://{t}",
    "javascript:{t}",
]


def film_query_text() -> st.SearchStrategy[str]:
    parts = st.one_of(
        hostile_text(), st.from_regex(r"[a-z0-9-]{1,30}", fullmatch=True), st.from_regex(r"[0-9]{1,12}", fullmatch=True)
    )
    return st.one_of(
        st.tuples(st.sampled_from(FILM_SHAPES), parts).map(lambda p: p[0].replace("{t}", p[1])), st.text(max_size=400)
    )


def check_film_query(text: str) -> None:
    film = parsed(lambda: parse_film_query(text))
    if film is None:
        return
    if film.tmdb_id is None and film.imdb_id is None:
        well_formed(film)
    assert film.tmdb_id is None or 0 <= film.tmdb_id < 10**9
    assert film.slug is None or "letterboxd.com/" in text.lower()


MEMBER_SHAPES = [
    "export:{t}",
    "imdb:{t}",
    "rss:{t}",
    "user:{t}",
    "titles:{t}",
    "RSS: {t}",
    "user:",
    ":{t}",
    "{t}",
    "export:../../{t}",
    "user:https://letterboxd.com/{t}/",
    "titles:{t}; Heat (1995)",
    "ftp:{t}",
]


def member_spec() -> st.SearchStrategy[str]:
    parts = st.one_of(hostile_text(), st.from_regex(r"[A-Za-z0-9_]{1,20}", fullmatch=True))
    return st.one_of(
        st.tuples(st.sampled_from(MEMBER_SHAPES), parts).map(lambda p: p[0].replace("{t}", p[1])), st.text(max_size=200)
    )


def check_member(spec: str) -> None:
    source = parsed(lambda: parse_member(spec))
    if source is not None:
        assert source.kind in ("export", "rss", "typed", "imdb") and source.value  # type: ignore[attr-defined]
        assert source.kind != "rss" or USERNAME.fullmatch(source.value)  # type: ignore[attr-defined]
