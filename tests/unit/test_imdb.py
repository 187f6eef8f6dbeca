"""IMDb's Your Ratings and Watchlist exports: both layouts, the titles that are not films, the rating scale, the
order, matching by IMDb id, and a one-line refusal for every file that is not one (hand-made fixtures under
tests/fixtures/imdb)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from harness.files import REPO, export_files
from lbrec.ask.person import Source, parse_member
from lbrec.catalog.index import MatchIndex
from lbrec.errors import EmptyHistoryError, IMDbError, LetterboxdError
from lbrec.letterboxd import imdb
from lbrec.letterboxd.imdb import read_imdb
from lbrec.letterboxd.sources import load_history, match_history

IMDB = REPO / "tests" / "fixtures" / "imdb"
RATINGS = IMDB / "your_ratings_2026.csv"
LEGACY = IMDB / "your_ratings_legacy.csv"
WATCHLIST = IMDB / "watchlist_2026.csv"
HEADER = (
    "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,"
    "Num Votes,Release Date,Directors"
)


def ratings_csv(*rows: tuple[str, str, str, str, str, str]) -> bytes:
    """A current-layout ratings export of (Const, Your Rating, Date Rated, Title, Title Type, Year) rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER.split(","))
    for const, rating, rated, title, kind, year in rows:
        writer.writerow(
            [
                const,
                rating,
                rated,
                title,
                title,
                f"https://www.imdb.com/title/{const}/",
                kind,
                "7.5",
                "100",
                year,
                "Drama",
                "1000",
                f"{year}-01-01",
                "",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def small_catalog() -> MatchIndex:
    """Heat and a namesake of the same title, The Matrix, Alien, Toy Story and one film without an IMDb id."""
    rows = [
        (6, "Heat", 1995, 949, 113277),
        (60, "Heat", 1986, 11000, 91187),
        (2571, "The Matrix", 1999, 603, 133093),
        (1214, "Alien", 1979, 348, 78748),
        (1, "Toy Story", 1995, 862, 114709),
        (7, "Paterson", 2016, None, None),
    ]
    return MatchIndex(
        pd.DataFrame(
            {
                "movieId": [r[0] for r in rows],
                "title": [r[1] for r in rows],
                "year": pd.array([r[2] for r in rows], dtype="Int32"),
                "alternates": [[] for _ in rows],
                "tmdbId": pd.array([r[3] for r in rows], dtype="Int64"),
                "imdbId": pd.array([r[4] for r in rows], dtype="Int64"),
                "n_ratings": [100] * len(rows),
                "genres": [["Drama"] for _ in rows],
            }
        )
    )


def test_current_layout_oldest_rating_first_with_ids_and_half_stars() -> None:
    history = read_imdb(RATINGS)
    assert history.source == "imdb"
    assert [(f.title, f.imdb_id, f.rating, f.date) for f in history.films] == [
        ("Toy Story", 114709, 3.5, date(2022, 11, 20)),
        ("The Matrix", 133093, 5.0, date(2023, 1, 15)),
        ("The Day After", 85404, 3.0, date(2024, 1, 7)),
        ("Heat", 113277, 4.5, date(2024, 3, 2)),
        ("Alien", 78748, 4.0, date(2025, 6, 1)),
        ("Oppenheimer", 15398776, 4.0, date(2025, 9, 9)),
    ]
    assert all(f.source == "imdb" and f.year for f in history.films)
    assert history.choices() == ["auto", "recent", "all", "5", "4", "3", "rated"]
    assert [f.title for f in history.select("5")] == ["The Matrix"]  # IMDb 10
    assert [f.title for f in history.select("4")] == ["The Matrix", "Heat", "Alien", "Oppenheimer"]  # IMDb 8 and up


def test_tv_titles_video_games_and_podcasts_are_skipped_and_counted() -> None:
    assert read_imdb(RATINGS).skipped == "3 TV titles and 1 video game skipped"  # a series, an episode, a mini-series
    both_spellings = ratings_csv(
        *[
            (f"tt00000{n:02}", "7", "2024-01-01", f"T{n}", kind, "2020")
            for n, kind in enumerate(
                [
                    "tvSeries",
                    "TV Series",
                    "tvEpisode",
                    "TV Mini-Series",
                    "podcastSeries",
                    "Podcast Episode",
                    "videoGame",
                    "Music Video",
                    "Movie",
                    "tvMovie",
                    "TV Special",
                    "short",
                    "Video",
                    "",
                    "somethingNew",
                ]
            )
        ]
    )
    history = read_imdb(both_spellings)
    assert history.skipped == (
        "4 TV titles, 2 podcasts, 1 video game, 1 music video and 1 title of unknown type 'somethingNew' skipped"
    )  # an unknown type is never taken for a film
    assert [f.title for f in history.films] == [f"T{n}" for n in range(8, 14)]  # films kept, and no type at all
    assert read_imdb(ratings_csv(("tt0113277", "8", "", "Heat", "Movie", "1995"))).skipped is None


# Title Type as IMDb's site writes it in each of its languages (and in English, today's and the older spellings).
FILM_TYPES = [
    "Movie",
    "movie",
    "Feature Film",
    "TV Movie",
    "tvMovie",
    "TV Special",
    "tvSpecial",
    "Short",
    "short",
    "Short Film",
    "TV Short",
    "tvShort",
    "Video",
    "video",
    "Documentary",
    "Film",
    "Fernsehfilm",
    "Kurzfilm",
    "TV-Kurzfilm",
    "Spielfilm",
    "TV-Special",
    "Fernsehspecial",
    "Película",
    "Película de TV",
    "Cortometraje",
    "Especial de TV",
    "Téléfilm",
    "Court métrage",
    "Spécial TV",
    "Vidéo",
    "Film TV",
    "Cortometraggio",
    "Speciale TV",
    "Filme",
    "Filme para TV",
    "Filme de TV",
    "Curta-metragem",
    "Vídeo",
]
NOT_FILM_TYPES = {
    "TV title": [
        "TV Series",
        "tvSeries",
        "TV Mini Series",
        "tvMiniSeries",
        "TV Mini-Series",
        "Mini-Series",
        "TV Episode",
        "tvEpisode",
        "tvPilot",
        "Fernsehserie",
        "Miniserie",
        "Mini-Serie",
        "TV-Episode",
        "Folge",
        "Serie de TV",
        "Miniserie de TV",
        "Episodio de TV",
        "Série TV",
        "Mini-série TV",
        "Épisode TV",
        "Serie TV",
        "Mini serie TV",
        "Miniserie TV",
        "Episodio TV",
        "Série de TV",
        "Minissérie",
        "Episódio de TV",
    ],
    "video game": [
        "Video Game",
        "videoGame",
        "Videospiel",
        "Videojuego",
        "Jeu vidéo",
        "Videogioco",
        "Jogo eletrônico",
        "Videojogo",
    ],
    "podcast": ["Podcast Series", "podcastSeries", "Podcast Episode", "podcastEpisode", "Podcast", "Série de podcasts"],
    "music video": [
        "Music Video",
        "musicVideo",
        "Musikvideo",
        "Videoclip",
        "Clip vidéo",
        "Video musicale",
        "Videoclipe",
    ],
}


@pytest.mark.parametrize("title_type", FILM_TYPES)
def test_film_types_in_every_language(title_type: str) -> None:
    assert imdb.title_kind(title_type) == imdb.FILM
    assert imdb.title_kind(f"  {title_type.upper()} ") == imdb.FILM  # whatever the case and spaces


@pytest.mark.parametrize("kind, title_type", [(k, t) for k, types in NOT_FILM_TYPES.items() for t in types])
def test_tv_and_other_types_in_every_language(kind: str, title_type: str) -> None:
    assert imdb.title_kind(title_type) == kind


@pytest.mark.parametrize(
    "name, films, skipped",
    [
        (
            "your_ratings_it.csv",
            [
                "Il padrino",
                "Nuovo Cinema Paradiso",
                "The Day After - Il giorno dopo",
                "Wallace & Gromit - Una tosatura perfetta",
                "Il buono, il brutto, il cattivo",
            ],
            "4 TV titles and 1 video game skipped",
        ),
        (
            "your_ratings_de.csv",
            ["Das Boot", "Das Leben der Anderen", "The Day After - Der Tag danach", "Wallace & Gromit - Unter Schafen"],
            "3 TV titles and 1 video game skipped",
        ),
        (
            "your_ratings_es.csv",
            ["El laberinto del fauno", "El día después", "Wallace y Gromit: Un esquilado apurado"],
            "3 TV titles and 1 video game skipped",
        ),
        (
            "your_ratings_fr.csv",
            ["Le Fabuleux Destin d'Amélie Poulain", "Le Jour d'après", "Wallace & Gromit : Rasé de près"],
            "3 TV titles and 1 video game skipped",
        ),
        (
            "your_ratings_pt.csv",
            ["Cidade de Deus", "O Dia Seguinte", "Wallace & Gromit: Uma Tosquia Rente"],
            "3 TV titles, 1 video game and 1 title of unknown type 'Xyz' skipped",
        ),
    ],
)
def test_exports_in_imdbs_languages_keep_films_and_skip_the_rest(name: str, films: list[str], skipped: str) -> None:
    """An account in Italian writes "Serie TV" and "Mini serie TV": they were taken for films MovieLens lacks."""
    history = read_imdb(IMDB / name)
    assert [f.title for f in history.films] == films and history.skipped == skipped
    assert {f.imdb_id for f in history.films}.isdisjoint({903747, 7366338, 959621, 944947, 2140553})


def test_unknown_types_are_named_a_few_and_the_rest_counted() -> None:
    kinds = ["Xyz", "Xyz", "Xyz", "Foo", "Bar", "Baz", "Qux", "Qux", "TV Series"]
    history = read_imdb(
        ratings_csv(
            ("tt0113277", "8", "", "Heat", "Film", "1995"),
            *[(f"tt00000{n:02}", "7", "2024-01-01", f"T{n}", kind, "2020") for n, kind in enumerate(kinds)],
        )
    )
    assert [f.title for f in history.films] == ["Heat"]
    assert history.skipped == (
        "1 TV title, 3 titles of unknown type 'Xyz', 2 titles of unknown type 'Qux', 1 title "
        "of unknown type 'Foo' and 2 titles of 2 other unknown types skipped"
    )
    only_unknown = ratings_csv(("tt0113277", "8", "", "Heat", "फ़िल्म", "1995"))
    with pytest.raises(EmptyHistoryError, match="1 title of unknown type 'फ़िल्म' skipped"):
        load_history("imdb", only_unknown)


def test_legacy_layout_with_position_first_and_the_rating_last() -> None:
    history = read_imdb(LEGACY)
    assert [(f.title, f.rating, f.date) for f in history.films] == [
        ("Heat", 4.0, date(2015, 12, 24)),
        ("Toy Story", 5.0, date(2016, 4, 2)),
        ("Alien", 2.5, date(2017, 1, 9)),
    ]  # no Date Rated: when it was added (Created)
    assert history.skipped == "1 TV title skipped"


def test_rating_is_half_the_imdb_score_in_stars() -> None:
    rows = [(f"tt01{n:05}", str(n), f"2024-01-{n:02}", f"Film {n}", "Movie", "2000") for n in range(1, 11)]
    assert [f.rating for f in read_imdb(ratings_csv(*rows)).films] == [n / 2 for n in range(1, 11)]
    unrated = read_imdb(ratings_csv(("tt0113277", "", "", "Heat", "Movie", "1995"))).films[0]
    assert unrated.rating is None and unrated.date is None


def test_watchlist_export_is_the_watchlist_without_its_tv_titles() -> None:
    history = read_imdb(RATINGS, WATCHLIST)
    assert [(f.title, f.imdb_id, f.date) for f in history.watchlist] == [
        ("GoldenEye", 113189, date(2024, 10, 12)),
        ("Casino", 112641, date(2025, 2, 3)),
        ("Jumanji", 113497, date(2025, 4, 4)),
    ]  # by the date each was added; Chernobyl left out
    assert read_imdb(RATINGS).watchlist == []
    assert read_imdb(RATINGS.read_bytes(), WATCHLIST.read_bytes()).watchlist == history.watchlist


def test_films_match_the_catalog_by_imdb_id_exactly() -> None:
    history = read_imdb(RATINGS)
    matched = match_history(history, small_catalog(), "rated")
    by_title = {film.title: match for film, match in matched.results}
    assert by_title["Heat"].movie_id == 6 and by_title["Heat"].confidence == 1.0  # not the 1986 namesake
    assert {t: m.movie_id for t, m in by_title.items() if m.status == "matched"} == {
        "Toy Story": 1,
        "The Matrix": 2571,
        "Heat": 6,
        "Alien": 1214,
    }
    assert all(by_title[t].confidence == 1.0 for t in ("Toy Story", "The Matrix", "Alien"))
    assert by_title["Oppenheimer"].status == "unmatched"
    renamed = read_imdb(ratings_csv(("tt0113277", "9", "", "Heat: a Los Angeles Crime Saga", "Movie", "1995")))
    assert match_history(renamed, small_catalog()).positives == [6]  # the id decides, whatever the title says


def test_title_and_year_only_when_the_id_is_missing() -> None:
    history = read_imdb(
        ratings_csv(
            ("", "9", "2024-01-01", "Paterson", "Movie", "2016"), ("", "8", "2024-01-02", "Heat", "Movie", "1986")
        )
    )
    assert [f.imdb_id for f in history.films] == [None, None]
    assert match_history(history, small_catalog()).positives == [7, 60]


def test_load_history_reads_imdb_files_and_says_when_none_is_a_film() -> None:
    history = load_history("imdb", RATINGS, allow_files=True, imdb_watchlist=WATCHLIST)
    assert len(history.films) == 6 and len(history.watchlist) == 3
    with pytest.raises(LetterboxdError, match="must be uploaded, not named by path"):
        load_history("imdb", str(RATINGS))
    only_tv = ratings_csv(("tt0903747", "10", "2024-01-01", "Breaking Bad", "TV Series", "2008"))
    with pytest.raises(
        EmptyHistoryError,
        match=r"^this IMDb file has no films to recommend from \(1 TV title "
        r"skipped\): rate a few films on IMDb",
    ):
        load_history("imdb", only_tv)


def test_a_group_member_from_an_imdb_export() -> None:
    assert parse_member(f"imdb:{RATINGS}") == Source("imdb", str(RATINGS))


LETTERBOXD_RATINGS = export_files()["ratings.csv"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "is empty"),
        (b"  \r\n", "is empty"),
        (LETTERBOXD_RATINGS, "this is a Letterboxd file, not an IMDb export: give the whole Letterboxd export ZIP"),
        (b"Letterboxd list export v7\r\nDate,Name,Tags,URL,Description\r\n", "this is a Letterboxd list"),
        (b"Title,Year,tmdbID\r\nHeat,1995,949\r\n", "Letterboxd's importer columns"),
        (b"userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n", "MovieLens ratings file"),
        (b"PK\x03\x04rest of a zip", "is a ZIP archive, not an IMDb CSV"),
        (b"<!DOCTYPE html><html><body>Your Ratings</body></html>", "is a web page, not the CSV"),
        (b"Const,Your Rating,Date Rated\r\ntt0113277,9,2024-01-01\r\n", "has no Title column"),
        (b"Title,Your Rating\r\nHeat,9\r\n", "has no Const column"),
        (b"Const,Title\x00\r\n", "is not a text file"),
        (b"Const,Title\r\n\x81\x8d,\x8f\x90\r\n", "is not UTF-8 text"),
        (ratings_csv(("113277", "9", "", "Heat", "Movie", "1995")), "line 2: Const '113277' is not an IMDb id"),
        (
            ratings_csv(("tt0113277", "11", "", "Heat", "Movie", "1995")),
            "rating '11' is not a whole number from 1 to 10",
        ),
        (ratings_csv(("tt0113277", "4.5", "", "Heat", "Movie", "1995")), "rating '4.5' is not a whole number"),
        (ratings_csv(("tt0113277", "9", "15/01/2024", "Heat", "Movie", "1995")), "date '15/01/2024' is not YYYY-MM-DD"),
        (ratings_csv(("tt0113277", "9", "", "Heat", "Movie", "١٩٩٥")), "is not a year"),
        (ratings_csv(("", "9", "", "", "Movie", "1995")), "neither an IMDb id nor a title"),
        (HEADER.encode() + b"\r\ntt0113277,9,,Heat,Heat,,Movie,8,170,1995,Drama,1,,,extra\r\n", "more fields than"),
        (HEADER.encode() + b'\r\ntt0113277,9,,"Heat\r\n', "is not valid CSV"),
    ],
)
def test_bad_files_are_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(IMDbError) as refused:
        read_imdb(data)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_spreadsheet_latin_files_are_read_and_oldest_export_dates_too() -> None:
    resaved = ratings_csv(("tt0211915", "9", "2024-01-01", "Amélie", "Movie", "2001")).decode().encode("cp1252")
    assert read_imdb(resaved).films[0].title == "Amélie"
    oldest = (
        b"position,const,created,modified,description,Title,Title type,You rated,Year\n"
        b"1,tt0113277,Sat Mar 14 12:00:00 2015,,,Heat,Feature Film,8,1995\n"
    )
    film = read_imdb(oldest).films[0]
    assert (film.imdb_id, film.rating, film.date) == (113277, 4.0, date(2015, 3, 14))


def test_too_large_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imdb, "MAX_IMDB_ROWS", 3)
    rows = [(f"tt01{n:05}", "7", "", f"Film {n}", "Movie", "2000") for n in range(4)]
    with pytest.raises(IMDbError, match="has more than 3 rows: not an IMDb export"):
        read_imdb(ratings_csv(*rows))
    assert len(read_imdb(ratings_csv(*rows[:3])).films) == 3
    monkeypatch.setattr(imdb, "MAX_IMDB_BYTES", 2**20)
    big = tmp_path / "ratings.csv"
    big.write_bytes(ratings_csv(*rows) + b"tt0113277,7,,Heat,,,Movie,,,1995,,,,\r\n" * 30_000)
    with pytest.raises(IMDbError, match=r"^ratings.csv is larger than 1 MB: not an IMDb export"):
        read_imdb(big)
    with pytest.raises(IMDbError, match="is larger than 1 MB"):
        read_imdb(big.read_bytes())
    with pytest.raises(IMDbError, match="not found"):
        read_imdb(tmp_path / "missing.csv")


def test_an_imdb_export_given_as_a_letterboxd_export_says_which_option_reads_it() -> None:
    from lbrec.errors import ExportError
    from lbrec.letterboxd.export import read_export

    with pytest.raises(
        ExportError, match="is IMDb's ratings or watchlist export, not Letterboxd's: give it with --imdb"
    ):
        read_export(RATINGS.read_bytes(), "ratings.csv")
