"""Fuzzing the IMDb export reader: the hand-made Your Ratings (both layouts, and in IMDb's languages) and Watchlist
files, mutated by rows and fields (Title Types in every language, unknown ones), cut short, re-encoded, or swapped
for another site's CSV. Same harness and checks as `harness.fuzz`: accepted and well formed, or refused with
one of lbrec's exceptions and a one-line message; and a row whose type is not a film never becomes one."""

from __future__ import annotations

import csv
import io
from functools import cache

from hypothesis import strategies as st

from harness import fuzz
from harness.files import REPO, export_files
from harness.fuzz import check_history, hostile_text, parsed
from lbrec.letterboxd.imdb import FILM, read_imdb, title_kind

IMDB_FIXTURES = REPO / "tests" / "fixtures" / "imdb"
TITLE_TYPES = [
    "Movie",
    "movie",
    "TV Series",
    "tvSeries",
    "tvEpisode",
    "TV Mini Series",
    "tvMovie",
    "Video Game",
    "podcastEpisode",
    "short",
    "video",
    "",
    "Feature Film",
    "Film",
    "Serie TV",
    "Mini serie TV",
    "Episodio TV",
    "Film TV",
    "Fernsehserie",
    "TV-Episode",
    "Kurzfilm",
    "Videospiel",
    "Película",
    "Serie de TV",
    "Videojuego",
    "Série TV",
    "Épisode TV",
    "Téléfilm",
    "Jeu vidéo",
    "Court métrage",
    "Filme",
    "Minissérie",
    "Curta-metragem",
    "Jogo eletrônico",
    "Xyz",
    "फ़िल्म",
    "TV\u200bSeries",
    "SERIE  TV",
    "e\u0301pisode tv",
]
PLAUSIBLE = {
    "Const": st.from_regex(r"tt[0-9]{7,8}", fullmatch=True),
    "Your Rating": st.sampled_from([str(n) for n in range(1, 11)] + [""]),
    "Date Rated": st.sampled_from(["2024-01-15", "2019-12-31", "", "Sat Mar 14 12:00:00 2015"]),
    "Created": st.sampled_from(["2024-01-15", "", "Sat Mar 14 12:00:00 2015"]),
    "Title Type": st.sampled_from(TITLE_TYPES),
    "Year": st.sampled_from(["1995", "1979", "2023", ""]),
}


@cache
def imdb_seeds() -> tuple[list[list[str]], ...]:
    """The hand-made exports as rows of cells."""
    return tuple(
        list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        for path in sorted(IMDB_FIXTURES.glob("*.csv"))
    )


def imdb_field(column: str) -> st.SearchStrategy[str]:
    usual = PLAUSIBLE.get(column, st.text(max_size=30))
    return st.one_of(usual, usual, usual, hostile_text())


@st.composite
def imdb_file(draw: st.DrawFn) -> bytes:
    """One IMDb CSV: a real layout with fields, rows and columns changed, or another site's file."""
    rows = [list(row) for row in draw(st.sampled_from(imdb_seeds()))]
    header = rows[0]
    for _ in range(draw(st.integers(0, 5))):
        at = draw(st.integers(0, len(rows) - 1))
        op = draw(st.sampled_from(["field", "field", "field", "drop", "dup", "extra", "short", "rename"]))
        if op == "field" and rows[at]:
            column = draw(st.integers(0, len(rows[at]) - 1))
            rows[at][column] = draw(imdb_field(header[column] if column < len(header) else ""))
        elif op == "drop" and at > 0:
            del rows[at]
        elif op == "dup":
            rows[at + 1 : at + 1] = [list(rows[at])] * draw(st.sampled_from([1, 2, 200]))
        elif op == "extra":
            rows[at].append(draw(hostile_text()))
        elif op == "short" and rows[at]:
            rows[at].pop()
        elif op == "rename" and header:
            header[draw(st.integers(0, len(header) - 1))] = draw(
                st.sampled_from(["", "const", "Name", "TITLE", "Letterboxd URI", "tmdbID"])
            )
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"]))).writerows(rows)
    text = buffer.getvalue()
    action = draw(st.sampled_from(["none"] * 6 + ["cut", "letterboxd", "empty", "quote", "zip"]))
    if action == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif action == "quote":
        text = text.replace('"', "", 1) if '"' in text else '"' + text
    elif action == "empty":
        text = draw(st.sampled_from(["", "\r\n", ",,,\r\n"]))
    elif action == "letterboxd":
        return export_files()["ratings.csv"]
    elif action == "zip":
        return b"PK\x03\x04" + text.encode()
    return text.encode(draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "cp1252", "utf-16"])), "replace")


def imdb_files() -> st.SearchStrategy[tuple[bytes, bytes | None]]:
    """(ratings, watchlist or None)."""
    return st.tuples(imdb_file(), st.one_of(st.none(), imdb_file()))


def check_imdb(case: tuple[bytes, bytes | None]) -> None:
    ratings, watchlist = case
    history = parsed(lambda: read_imdb(ratings, watchlist))
    if history is None:
        return
    check_history(history)
    given = ratings + (watchlist or b"")
    for film in [*history.films, *history.watchlist]:
        assert film.source == "imdb"
        assert film.imdb_id is None or str(film.imdb_id).encode() in given, film  # an id the file holds
    assert history.skipped is None or history.skipped.endswith(" skipped")
    films = {f.imdb_id for f in history.films}
    assert films.isdisjoint(never_films(ratings)), "a title that is not a film was read as one"


def never_films(data: bytes) -> set[int]:
    """The IMDb ids whose every row in `data` has a Title Type that is not a film (read here on its own, the simple
    way: the file was accepted, so it decodes and splits into rows)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = [column.strip().lower() for column in rows[0]] if rows else []
    if "const" not in header or "title type" not in header:
        return set()
    const, kind = header.index("const"), header.index("title type")
    film_or_not: dict[int, set[bool]] = {}
    for row in rows[1:]:
        key = row[const].strip() if len(row) > const else ""
        if key[:2] == "tt" and key[2:].isascii() and key[2:].isdigit():
            film_or_not.setdefault(int(key[2:]), set()).add(title_kind(row[kind] if len(row) > kind else "") == FILM)
    return {imdb_id for imdb_id, seen in film_or_not.items() if seen == {False}}


def uploads() -> st.SearchStrategy[bytes]:
    """What the app's upload may be given: an export ZIP (hostile or not), an IMDb CSV, any other bytes."""
    return st.one_of(
        fuzz.hostile_zip().map(lambda case: case[0]),
        imdb_file(),
        fuzz.export_with_hostile_csv(),
        st.binary(max_size=3000),
    )


def check_upload(data: bytes) -> None:
    from lbrec.letterboxd.upload import read_upload

    history = parsed(lambda: read_upload(data, "upload"))
    if history is not None:
        check_history(history)  # type: ignore[arg-type]
