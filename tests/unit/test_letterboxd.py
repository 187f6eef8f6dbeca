"""Letterboxd parsers: export ZIP, RSS (new and old), typed titles, choices.

Hand-written fixtures under tests/fixtures/letterboxd cover every structure, so these pass without ../shared;
the real samples in ../shared/fixtures-research are read in place as well (skipped only outside CI).
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.files import FIXTURES, SHARED, export_folder
from lbrec.catalog.index import MatchIndex
from lbrec.data.titles import split_title
from lbrec.errors import EmptyHistoryError, ExportError, InvalidUsernameError, LbrecError, LetterboxdError, MarkupError
from lbrec.letterboxd import export
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.fields import validate_username
from lbrec.letterboxd.rss import parse_rss
from lbrec.letterboxd.sources import load_history, match_history
from lbrec.letterboxd.typed import parse_typed
from tests.helpers.files import export_zip, need

RESEARCH = SHARED / "fixtures-research"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------- export


def test_export_zip() -> None:
    history = read_export(export_zip())
    assert history.source == "export"
    assert [f.label for f in history.films] == [
        "Crouching Tiger, Hidden Dragon (2000)",
        "The Matrix (1999)",
        "Solaris (1972)",
        "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1964)",
        "Amélie (2001)",
        'The "Quoted" Picture (2019)',
        "Parasite (2019)",
        "Heat (1995)",
    ]  # by watched date, else logged date
    heat = history.films[-1]
    assert (heat.rating, heat.liked, heat.rewatch, heat.watched_date) == (5.0, True, True, date(2024, 5, 31))
    assert heat.uri == "https://boxd.it/2bg8" and heat.date == date(2021, 4, 5)
    assert history.films[0].rating == 4.5 and history.films[0].watched_date is None
    assert [f.label for f in history.watchlist] == ["October Sky (1999)", "Paris, Texas (1984)"]
    assert history.choices() == ["auto", "recent", "all", "5", "4", "3", "rated", "liked"]
    assert history.default_choice() == "all" and history.select("auto") == history.films
    assert history.describe("auto") == "every film you logged"  # 4 films of 4 stars: too few
    assert [f.title for f in history.select("5")] == ["Parasite", "Heat"]
    assert [f.title for f in history.select("4")] == [
        "Crouching Tiger, Hidden Dragon",
        "The Matrix",
        "Parasite",
        "Heat",
    ]
    assert len(history.select("3")) == 6 and len(history.select("rated")) == 6
    assert [f.title for f in history.select("liked")] == ["Amélie", "Heat"]
    assert len(history.select("recent")) == 8 == len(history.select("all"))
    assert [f.title for f in history.disliked()] == []


def test_export_in_a_folder_and_unzipped(tmp_path: Path) -> None:
    expected = [f.label for f in read_export(export_zip()).films]
    assert [f.label for f in read_export(export_zip(prefix="letterboxd-me-2026/")).films] == expected
    assert [f.label for f in read_export(export_folder()).films] == expected  # CLI: the unzipped folder
    (tmp_path / "e.zip").write_bytes(export_zip())
    assert [f.label for f in read_export(tmp_path / "e.zip").films] == expected


def test_export_ignores_paths_out_of_the_archive_and_other_folders() -> None:
    sneaky = {
        "../watched.csv": b"Date,Name,Year\r\n2020-01-01,Evil,2020\r\n",
        "/etc/ratings.csv": b"x",
        "deleted/diary.csv": b"Date,Name,Year\r\n2020-01-01,Deleted,2020\r\n",
    }
    titles = {f.title for f in read_export(export_zip(extra=sneaky)).films}
    assert "Evil" not in titles and "Deleted" not in titles and "Heat" in titles


@pytest.mark.parametrize(
    "data, message",
    [
        (b"not a zip at all", "not a ZIP file"),
        (b"", "not a ZIP file"),
    ],
)
def test_export_refuses_non_zip(data: bytes, message: str) -> None:
    with pytest.raises(ExportError, match=message):
        read_export(data)


def test_export_refuses_zip_bombs_and_oversize(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("watched.csv", b"Date,Name,Year\r\n" + b" " * (20 * 2**20))  # 20 MB of spaces: ~1000:1
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ExportError, match="zip bomb"):
        read_export(buffer.getvalue())
    monkeypatch.setattr(export, "MAX_EXPORT_BYTES", 2**20)  # the same rule as 50 MB, at a size a test can afford
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(3):
            archive.writestr(f"junk{i}.txt", os.urandom(300_000).hex())  # 600 kB each, compresses about 2:1
    with pytest.raises(ExportError, match="more than 1 MB once uncompressed"):
        read_export(buffer.getvalue())
    with pytest.raises(ExportError, match="larger than 1 MB"):
        read_export(b"PK" + b"\0" * 2**20)


def test_export_errors_name_the_file() -> None:
    with pytest.raises(ExportError, match="watched.csv is not UTF-8"):
        read_export(
            export_zip(
                skip=("watched.csv",), extra={"watched.csv": "Date,Name,Year\r\n2020,Amélie,2001".encode("latin-1")}
            )
        )
    with pytest.raises(ExportError, match="ratings.csv line 3: rating '7' is not between"):
        read_export(
            export_zip(
                skip=("ratings.csv",),
                extra={
                    "ratings.csv": b"Date,Name,Year,Letterboxd URI,Rating\r\n2020-01-01,A,2000,u,4\r\n"
                    b"2020-01-01,B,2000,u,7\r\n"
                },
            )
        )
    with pytest.raises(ExportError, match="diary.csv line 2: date '01/02/2020' is not YYYY-MM-DD"):
        read_export(
            export_zip(
                skip=("diary.csv",),
                extra={
                    "diary.csv": b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\r\n"
                    b"2020-01-01,A,2000,u,4,,,01/02/2020\r\n"
                },
            )
        )
    with pytest.raises(ExportError, match="watched.csv has no Name column"):
        read_export(export_zip(skip=("watched.csv",), extra={"watched.csv": b"Title,Year\r\nHeat,1995\r\n"}))
    with pytest.raises(ExportError, match="no watched.csv, ratings.csv or diary.csv"):
        read_export(export_zip(skip=("watched.csv", "ratings.csv", "diary.csv")))


def test_real_export_in_place() -> None:
    folder = need(RESEARCH / "export_mororke2026", "the real Letterboxd export sample")
    history = read_export(folder)
    assert len(history.films) > 2000 and len(history.watchlist) == 15
    assert len(history.select("recent")) == 50 and len(history.select("rated")) > 300
    # logged in bulk: the latest 50 are any 50, so they are not offered; the default reads the films rated 4 or more
    assert history.unordered and "recent" not in history.choices() and history.default_choice() == "4"
    assert history.select("auto") == history.select("4") and len(history.select("all")) == len(history.films)
    assert history.describe("auto") == "films you rated 4 stars or more, all together (logged in bulk: no order)"
    dated = [f.when for f in history.films if f.when]
    assert dated == sorted(dated)
    reviews = need(RESEARCH / "export_misc" / "moviemind_reviews.csv", "a populated reviews.csv")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("diary.csv", b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\r\n")
        archive.writestr("reviews.csv", reviews.read_bytes())
    films = read_export(buffer.getvalue()).films
    assert {f.title for f in films} >= {"Interstellar", "Shutter Island"} and any(f.rewatch for f in films)


# ---------------------------------------------------------------------------------------------------- RSS


def test_rss_2026() -> None:
    history = parse_rss(fixture("rss_2026.xml"))
    assert history.username == "lbrectest"
    assert [f.title for f in history.films] == [
        "Solaris",
        "Crouching Tiger, Hidden Dragon",
        "Parasite",
        "Amélie",
        "Heat",
    ]  # Chernobyl (TV) skipped; Heat twice -> once
    heat = history.films[-1]
    assert (heat.rating, heat.liked, heat.rewatch, heat.tmdb_id, heat.slug) == (5.0, True, True, 949, "heat-1995")
    assert heat.watched_date == date(2024, 5, 31) and heat.date == date(2024, 6, 1)
    assert history.films[1].rating is None and history.films[1].tmdb_id == 146
    assert history.films[3].liked and history.films[3].rewatch  # a review item counts like a diary entry


def test_rss_2020_without_tmdb_and_with_lists() -> None:
    history = parse_rss(fixture("rss_2020.xml").encode())
    assert [f.label for f in history.films] == ["WALL·E (2008)", "Solaris (2002)", "The Matrix (1999)"]
    assert all(f.tmdb_id is None and not f.liked for f in history.films)
    assert history.films[-1].rewatch and history.films[-1].slug == "the-matrix"


def test_rss_empty_feed_and_errors() -> None:
    assert parse_rss(fixture("rss_empty.xml")).films == []
    with pytest.raises(MarkupError, match="not valid XML"):
        parse_rss(fixture("rss_2026.xml")[:3000])
    with pytest.raises(MarkupError, match="not an RSS feed"):
        parse_rss("<html><body>hello</body></html>")
    changed = fixture("rss_2026.xml").replace("letterboxd:filmTitle", "letterboxd:title")
    with pytest.raises(MarkupError, match="without letterboxd:filmTitle"):
        parse_rss(changed)
    with pytest.raises(MarkupError, match="rating '9.0'"):
        parse_rss(fixture("rss_2026.xml").replace(">5.0<", ">9.0<"))
    huge_day = fixture("rss_2026.xml").replace("<pubDate>Sat, 1 Jun", "<pubDate>Sat, 99999999999999999999 Jun")
    assert huge_day != fixture("rss_2026.xml")
    with pytest.raises(MarkupError, match="pubDate .* is not a date"):  # found by bench_fuzz: it overflowed datetime
        parse_rss(huge_day)


def test_rss_refuses_entities() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        "<rss><channel><title>&lol2;</title></channel></rss>"
    )
    with pytest.raises(MarkupError, match="entities"):
        parse_rss(bomb)
    external = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<rss><channel><title>&x;</title></channel></rss>"
    )
    with pytest.raises(MarkupError, match="entities"):
        parse_rss(external)


@pytest.mark.parametrize(
    "name, films, rated",
    [("samueldiamond_letterboxd_2026-08.xml", 50, 50), ("dekadans_letterboxd_2020-08.xml", 50, 50)],
)
def test_real_rss_in_place(name: str, films: int, rated: int) -> None:
    path = need(RESEARCH / "rss" / name, "a real Letterboxd RSS feed")
    history = parse_rss(path.read_bytes())
    assert len(history.films) <= films and sum(f.rating is not None for f in history.films) <= rated
    assert len(history.films) >= 40  # rewatches of one film collapse into one entry
    assert all(f.year and f.watched_date for f in history.films)
    if "2026" in name:
        assert all(f.tmdb_id for f in history.films)


# ---------------------------------------------------------------------------------------------------- typed


def test_typed_titles() -> None:
    history = parse_typed(
        "Heat (1995); The Matrix; Amélie\nCrouching Tiger, Hidden Dragon (2000), Se7en, tt0133093\n\n ; ,"
    )
    assert [f.label for f in history.films] == [
        "Heat (1995)",
        "The Matrix",
        "Amélie",
        "Crouching Tiger, Hidden Dragon (2000)",
        "Se7en",
        "tt0133093",
    ]
    assert history.films[-1].imdb_id == 133093 and history.choices() == ["auto", "recent", "all"]
    assert history.default_choice() == "all" and history.select("auto") == history.films
    assert history.describe("auto") == "the films you typed, in their order"
    assert history.describe("auto") == "the films you typed, in their order"
    assert parse_typed("").films == []
    by_id = parse_typed("tmdb:500002; Heat (1995)").films  # one of TMDb's namesakes, as the command line offers them
    assert (by_id[0].title, by_id[0].tmdb_id, by_id[1].title, by_id[1].year) == ("", 500002, "Heat", 1995)
    with pytest.raises(LetterboxdError, match="too many titles"):
        parse_typed(", ".join(f"Film {i}" for i in range(600)))


@pytest.mark.parametrize(
    "text, user",
    [
        ("lbrectest", "lbrectest"),
        (" @Some_One ", "Some_One"),
        ("https://letterboxd.com/dave/", "dave"),
        ("letterboxd.com/dave/films/", "dave"),
    ],
)
def test_usernames(text: str, user: str) -> None:
    assert validate_username(text) == user


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "x" * 16,
        "dave/../admin",
        "https://evil.example/dave/",
        "da ve",
        "dave?x=1",
        "",
        "127.0.0.1",
        "http://letterboxd.com.evil.example/dave/",
    ],
)
def test_bad_usernames_are_refused_before_any_request(text: str) -> None:
    with pytest.raises(InvalidUsernameError):
        validate_username(text)


def test_select_refuses_unknown_choices() -> None:
    with pytest.raises(LetterboxdError, match="unknown choice"):
        parse_typed("Heat").select("best")


def test_load_history_sources(tmp_path: Path) -> None:
    assert load_history("export", export_zip()).source == "export"
    with pytest.raises(LetterboxdError, match="uploaded"):
        load_history("export", str(tmp_path / "e.zip"))  # the app never reads server paths
    (tmp_path / "feed.xml").write_text(fixture("rss_2026.xml"), encoding="utf-8")
    assert len(load_history("rss", str(tmp_path / "feed.xml"), allow_files=True).films) == 5
    assert len(load_history("rss", fixture("rss_2020.xml").encode()).films) == 3
    assert load_history("typed", "Heat (1995)").films[0].year == 1995
    with pytest.raises(EmptyHistoryError, match="no films"):
        load_history("typed", " ; ")
    with pytest.raises(EmptyHistoryError, match="emptyuser has no films"):
        load_history("rss", fixture("rss_empty.xml").encode())
    with pytest.raises(LetterboxdError, match="unknown input"):
        load_history("myspace", "x")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- fuzzing


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_as_export_or_feed_give_a_result_or_a_clear_error(data: bytes) -> None:
    for parse in (read_export, parse_rss):
        try:
            parse(data)
        except LbrecError as exc:
            assert str(exc)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_as_titles_username_or_feed(text: str) -> None:
    for parse in (parse_typed, validate_username, parse_rss):
        try:
            parse(text)
        except LbrecError as exc:
            assert str(exc)


# ---------------------------------------------------------------------------------------------------- matching

MOVIES = [
    (1, "Heat (1995)", 949, 100),
    (2, "Matrix, The (1999)", 603, 300),
    (3, "Solaris (Solyaris) (1972)", 593, 20),
    (4, "Solaris (2002)", 2103, 25),
    (5, "Crouching Tiger, Hidden Dragon (Wo hu cang long) (2000)", 146, 80),
    (6, "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", 194, 150),
    (7, "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1964)", 935, 90),
    (8, "October Sky (1999)", 13466, 20),
    (9, "Paris, Texas (1984)", 655, 20),
    (10, "Parasite (1982)", 48311, 1),
]


def small_catalog() -> MatchIndex:
    parts = [split_title(m[1]) for m in MOVIES]
    return MatchIndex(
        pd.DataFrame(
            {
                "movieId": [m[0] for m in MOVIES],
                "ml_title": [m[1] for m in MOVIES],
                "title": [p.title for p in parts],
                "year": pd.array([p.year for p in parts], dtype="Int32"),
                "alternates": [list(p.alternates) for p in parts],
                "imdbId": pd.array([None] * len(MOVIES), dtype="Int64"),
                "tmdbId": pd.array([m[2] for m in MOVIES], dtype="Int64"),
                "n_ratings": [m[3] for m in MOVIES],
            }
        )
    )


def test_match_history() -> None:
    history = read_export(export_zip())
    matched = match_history(history, small_catalog(), "4")
    assert matched.positives == [5, 2, 1]  # Crouching Tiger, The Matrix, Heat; Parasite (2019) is not Parasite 1982
    assert matched.watched == {1, 2, 3, 5, 6, 7} and matched.watchlist == {8, 9}
    assert [(f.title, m.status) for f, m in matched.unmatched] == [("Parasite", "unmatched")]
    report = matched.to_json()
    assert report["unmatched"][0]["query"] == "Parasite (2019)" and "1982" in report["unmatched"][0]["reason"]
    assert [m["movieId"] for m in report["matched"]] == [5, 2, 1]
    assert set(report) == {"matched", "unmatched"}  # the engine adds "recommendations" (serving.results.report)


def test_match_history_from_rss_uses_tmdb_ids() -> None:
    matched = match_history(parse_rss(fixture("rss_2026.xml")), small_catalog(), "recent")
    assert matched.positives == [3, 5, 6, 1]
    assert all(m.confidence == 1.0 for _, m in matched.results if m.status == "matched")
