"""When a history has no real order (`LetterboxdHistory.unordered`): a Letterboxd export imported in bulk or without
dates, an IMDb export rated in one sitting; a diary, an RSS feed and typed titles are dated. And how the questions
pass it to the engine (`Person.reading`)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta

import pandas as pd
import pytest

from harness.files import EXPORT_ZIP, FIXTURES, SHARED
from lbrec.ask.person import Person
from lbrec.catalog.matches import MatchedHistory
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.history import BULK_DAY, FilmEntry, LetterboxdHistory
from lbrec.letterboxd.imdb import read_imdb
from lbrec.letterboxd.rss import parse_rss
from lbrec.letterboxd.typed import parse_typed
from lbrec.serving.reading import Reading
from tests.helpers.files import need

START = date(2021, 4, 6)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def export(days: list[date | None], diary: bool = False) -> bytes:
    """An export ZIP of one film per day in `days` (None: no date), in watched.csv and ratings.csv as Letterboxd
    writes them, or in the diary with those watched dates."""
    films = [(f"Film {i}", str(1950 + i), "" if day is None else day.isoformat()) for i, day in enumerate(days)]
    files = {
        "watched.csv": csv_bytes(
            ["Date", "Name", "Year", "Letterboxd URI"],
            [[d, n, y, f"https://boxd.it/{i}"] for i, (n, y, d) in enumerate(films)],
        ),
        "ratings.csv": csv_bytes(
            ["Date", "Name", "Year", "Letterboxd URI", "Rating"],
            [[d, n, y, f"https://boxd.it/{i}", "4"] for i, (n, y, d) in enumerate(films)],
        ),
    }
    if diary:
        files["diary.csv"] = csv_bytes(
            ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"],
            [[d, n, y, f"https://boxd.it/d{i}", "4", "", "", d] for i, (n, y, d) in enumerate(films)],
        )
        files["watched.csv"] = csv_bytes(
            ["Date", "Name", "Year", "Letterboxd URI"],
            [[START.isoformat(), n, y, f"https://boxd.it/{i}"] for i, (n, y, _) in enumerate(films)],
        )  # logged in bulk, watched in order
        del files["ratings.csv"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def spread(n: int) -> list[date | None]:
    return [START + timedelta(days=3 * i) for i in range(n)]


def test_a_bulk_imported_export_is_unordered() -> None:
    assert read_export(export([START] * 40)).unordered
    assert read_export(export([START] * 25 + [START + timedelta(days=1)] * 15 + spread(30))).unordered  # two imports


def test_an_export_without_dates_is_unordered() -> None:
    assert read_export(export([None] * 12)).unordered


def test_an_export_logged_day_by_day_is_dated() -> None:
    assert not read_export(export(spread(40))).unordered
    assert not read_export(EXPORT_ZIP).unordered  # the hand-made export: 8 films on 8 days
    # a few days of catching up (fewer than BULK_DAY films a day), or one import smaller than half of the films
    assert not read_export(export([START + timedelta(days=d) for d in range(4) for _ in range(BULK_DAY - 1)])).unordered
    assert not read_export(export([START] * 12 + spread(30))).unordered


def test_a_diary_s_watched_dates_order_films_logged_in_bulk() -> None:
    assert not read_export(export(spread(40), diary=True)).unordered


def test_the_real_export_is_a_bulk_import() -> None:
    folder = need(SHARED / "fixtures-research" / "export_mororke2026", "the real Letterboxd export")
    history = read_export(folder)
    assert len(history.films) > 2000 and history.unordered  # 91% of its films logged on days of 10 films or more


def test_imdb_is_unordered_when_rated_in_one_sitting() -> None:
    def ratings(days: list[date]) -> bytes:
        header = [
            "Const",
            "Your Rating",
            "Date Rated",
            "Title",
            "Original Title",
            "URL",
            "Title Type",
            "IMDb Rating",
            "Runtime (mins)",
            "Year",
            "Genres",
            "Num Votes",
            "Release Date",
            "Directors",
        ]
        return csv_bytes(
            header,
            [
                [
                    f"tt{1000000 + i}",
                    "8",
                    d.isoformat(),
                    f"Film {i}",
                    f"Film {i}",
                    f"https://www.imdb.com/title/tt{1000000 + i}/",
                    "Movie",
                    "7.5",
                    "100",
                    str(1950 + i),
                    "Drama",
                    "1000",
                    f"{1950 + i}-01-01",
                    "",
                ]
                for i, d in enumerate(days)
            ],
        )

    assert read_imdb(ratings([START] * 30)).unordered
    assert not read_imdb(ratings(spread(30))).unordered


def test_rss_and_typed_titles_are_dated() -> None:
    assert not parse_rss((FIXTURES / "rss_2026.xml").read_bytes()).unordered
    assert not parse_typed("Heat (1995); Alien (1979); Amélie").unordered  # typed oldest first, no dates
    same_day = [FilmEntry(f"Film {i}", 2000, watched_date=START, source="rss") for i in range(30)]
    assert not LetterboxdHistory(same_day, source="rss").unordered  # a feed is a diary: its order is real


@pytest.mark.parametrize("bulk", [True, False])
def test_the_person_s_reading_carries_the_order_and_keeps_the_marks(bulk: bool) -> None:
    history = read_export(export([START] * 40 if bulk else spread(40)))
    person = Person(history, MatchedHistory([1, 2], {1, 2, 3}, set(), [], {3}), [1, 2])
    marks = Reading(not_for_me=frozenset({7}))
    assert person.unordered is bulk
    assert person.reading(marks) == Reading(not_for_me=frozenset({7}), unordered=bulk, disliked=frozenset({3}))


def test_the_questions_read_a_bulk_export_without_order(tiny_blend_dir) -> None:  # type: ignore[no-untyped-def]
    from lbrec.ask.options import Options
    from lbrec.ask.questions import Ask
    from lbrec.serving.engine import Recommender

    engine = Recommender(tiny_blend_dir)
    catalog = pd.read_parquet(tiny_blend_dir / "catalog.parquet")
    films = catalog[catalog.item_index > 0].head(45)

    def export_of(days: list[date | None]) -> LetterboxdHistory:
        rows = [
            [d.isoformat(), str(t), str(int(y)), f"https://boxd.it/{i}", "4"]
            for i, (t, y, d) in enumerate(zip(films.title, films.year, days, strict=True))
        ]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("ratings.csv", csv_bytes(["Date", "Name", "Year", "Letterboxd URI", "Rating"], rows))
        return read_export(buffer.getvalue())

    ask = Ask(engine)
    for days, unordered in (([START] * len(films), True), (spread(len(films)), False)):
        person = ask.person(export_of(days), Options(choice="4"))
        assert person.unordered is unordered and len(person.liked) > engine.max_len
        answer = ask.recommend(person, Options(choice="4", k=5))
        expected = engine.recommend(person.liked, k=5, exclude=person.seen, reading=Reading(unordered=unordered))
        assert [(f.movieId, f.score, f.because) for f in answer.films] == [
            (f.movieId, f.score, f.because) for f in expected
        ]
