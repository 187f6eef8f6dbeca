"""Matching Letterboxd films to MovieLens: the rules on a tiny hand-made catalog, the bar on the real one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.files import load_labels
from lbrec.catalog.index import MatchIndex
from lbrec.catalog.normalize import FilmQuery, normalize, parse_query
from lbrec.data.titles import split_title
from lbrec.errors import ArtifactError

# movieId, MovieLens title, tmdbId, number of ratings
MOVIES = [
    (1, "Matrix, The (1999)", 603, 300),
    (2, "Solaris (Solyaris) (1972)", 593, 20),
    (3, "Solaris (2002)", 2103, 25),
    (4, "Seven (a.k.a. Se7en) (1995)", 807, 250),
    (5, "WALL·E (2008)", 10681, 200),
    (6, "8 1/2 (8½) (1963)", 422, 40),
    (7, "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", 194, 150),
    (8, "Parasite (1982)", 48311, 1),
    (9, "Cinema Paradiso (Nuovo cinema Paradiso) (1989)", 11216, 30),
    (10, "Star Wars: Episode IV - A New Hope (1977)", 11, 280),
    (11, "Moonlight", 376867, 1),
    (12, "Infernal Affairs 2 (Mou gaan dou II) (2003)", 11647, 2),
    (13, "Shawshank Redemption, The (1994)", 278, 320),
    (14, "Heat (1995)", 949, 100),
    (15, "Heat (1986)", 10847, 2),
    (16, "Emma (1996)", 3573, 30),
    (17, "Emma (1996)", 12254, 1),
    (18, "Godzilla (Gojira) (1954)", 1678, 3),
    (19, "Godzilla (1998)", 929, 33),
    (20, "Old Boy (2003)", 670, 40),
] + [(100 + i, f"Filler Film {i} (2000)", 90000 + i, 1) for i in range(80)]  # so that 100 ratings is "well known"


def tiny_frame() -> pd.DataFrame:
    parts = [split_title(title) for _, title, _, _ in MOVIES]
    return pd.DataFrame(
        {
            "movieId": [m[0] for m in MOVIES],
            "ml_title": [m[1] for m in MOVIES],
            "title": [p.title for p in parts],
            "year": pd.array([p.year for p in parts], dtype="Int32"),
            "alternates": [list(p.alternates) for p in parts],
            "genres": [[] for _ in MOVIES],
            "imdbId": pd.array([1000 + m[0] for m in MOVIES], dtype="Int64"),
            "tmdbId": pd.array([m[2] for m in MOVIES], dtype="Int64"),
            "n_ratings": [m[3] for m in MOVIES],
        }
    )


@pytest.fixture(scope="module")
def tiny() -> MatchIndex:
    return MatchIndex(tiny_frame())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Amélie", "amelie"),
        ("WALL·E", "wall e"),
        ("Wall-E", "wall e"),
        ("8½", "8 1 2"),
        ("8 1/2", "8 1 2"),
        ("Lock, Stock & Two Smoking Barrels", "lock stock and two smoking barrels"),
        ("Æon Flux", "aeon flux"),
        ("Don’t Look Now", "dont look now"),
        ("M*A*S*H", "m a s h"),
        ("  ", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_parse_query() -> None:
    assert parse_query("Heat (1995)") == FilmQuery("Heat", 1995)
    assert parse_query("  The  Matrix ") == FilmQuery("The Matrix")
    assert parse_query("tt0133093") == FilmQuery("tt0133093", imdb_id=133093)
    assert parse_query("Birdman or (The Unexpected Virtue of Ignorance) (2014)") == FilmQuery(
        "Birdman or (The Unexpected Virtue of Ignorance)", 2014
    )
    assert parse_query("Weird (0042)") == FilmQuery("Weird (0042)")  # not a plausible year: part of the title


@pytest.mark.parametrize(
    "text, movie_id",
    [
        ("The Matrix (1999)", 1),
        ("Se7en (1995)", 4),
        ("Seven (1995)", 4),
        ("WALL·E (2008)", 5),
        ("Wall-E (2008)", 5),
        ("8½ (1963)", 6),
        ("Amélie (2001)", 7),
        ("Le Fabuleux Destin d'Amélie Poulain (2001)", 7),
        ("Solaris (1972)", 2),
        ("Solaris (2002)", 3),
        ("Cinema Paradiso (1988)", 9),
        ("Star Wars (1977)", 10),
        ("The Shawshank Redemtion (1994)", 13),
        ("Infernal Affairs II (2003)", 12),
        ("Oldboy (2003)", 20),
        ("Godzilla (1954)", 18),
        ("Heat (1995)", 14),
        ("Heat (1986)", 14 + 1),
    ],
)
def test_matched(tiny: MatchIndex, text: str, movie_id: int) -> None:
    match = tiny.match_text(text)
    assert (match.status, match.movie_id) == ("matched", movie_id), match
    assert match.confidence >= 0.8 and match.candidates[0].movie_id == movie_id and match.query == text


@pytest.mark.parametrize(
    "text",
    [
        "Parasite (2019)",
        "Godzilla (2014)",
        "Infernal Affairs III (2003)",
        "Infernal Affairs 3 (2003)",
        "Completely Unknown Film (2001)",
        "Solaris (1990)",
    ],
)
def test_absent_films_are_never_matched_to_a_namesake(tiny: MatchIndex, text: str) -> None:
    match = tiny.match_text(text)
    assert match.status != "matched" and match.movie_id is None, match
    assert all(c.movie_id not in (8, 2, 3) for c in match.candidates)  # no namesake from another decade


def test_uncertain_cases_offer_candidates(tiny: MatchIndex) -> None:
    solaris = tiny.match_text("Solaris")  # no year and two films of that name
    assert solaris.status == "uncertain" and {c.movie_id for c in solaris.candidates} == {2, 3}
    assert tiny.match_text("Godzilla (1956)").status == "uncertain"  # years two apart: ask
    moonlight = tiny.match_text("Moonlight (2016)")  # MovieLens has it without a year
    assert moonlight.status == "uncertain" and moonlight.candidates[0].movie_id == 11
    assert moonlight.confidence < 0.8 and "without a year" in moonlight.reason


def test_without_a_year(tiny: MatchIndex) -> None:
    assert tiny.match_text("The Matrix").movie_id == 1  # the one well-known film of that name
    assert tiny.match_text("Heat").movie_id == 14  # by far the better-known of two
    assert tiny.match_text("Parasite").status == "uncertain"  # a little-known film: ask


def test_ids_come_first(tiny: MatchIndex) -> None:
    assert tiny.match("Solaris", 2002, tmdb_id=593).movie_id == 2  # the id wins over the year
    assert tiny.match("Moonlight", 2016, tmdb_id=376867).status == "matched"
    assert tiny.match("Parasite", 2019, tmdb_id=496243).status == "unmatched"  # unknown id: the title decides
    assert tiny.match("Anything", None, imdb_id=1001).movie_id == 1
    emma = tiny.match("Emma", 1996, tmdb_id=12254)
    assert emma.movie_id == 17 and emma.confidence == 1.0
    assert tiny.match("Emma", 1996).movie_id == 16  # the same film listed twice: the better known


def test_a_conflicting_id_rules_out_a_namesake(tiny: MatchIndex) -> None:
    assert tiny.match("Heat", 1995, tmdb_id=123456).status == "unmatched"


def test_match_many_and_json(tiny: MatchIndex) -> None:
    films = [FilmQuery("Heat", 1995), FilmQuery("Nope", 2022), FilmQuery("Heat", 1995)]
    results = tiny.match_many(films)
    assert [r.movie_id for r in results] == [14, None, 14]
    assert set(results[0].to_json()) == {
        "query",
        "movieId",
        "title",
        "year",
        "confidence",
        "status",
        "reason",
        "candidates",
    }
    assert results[1].to_json()["movieId"] is None and results[0].query == "Heat (1995)"


def test_load(tmp_path: Path) -> None:
    tiny_frame().to_parquet(tmp_path / "catalog.parquet")
    assert len(MatchIndex.load(tmp_path)) == len(MOVIES) == len(MatchIndex.load(tmp_path / "catalog.parquet"))
    with pytest.raises(ArtifactError, match="missing"):
        MatchIndex.load(tmp_path / "nope")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "catalog.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ArtifactError, match="corrupt"):
        MatchIndex.load(tmp_path / "bad")
    with pytest.raises(ArtifactError, match="lacks the columns"):
        MatchIndex(tiny_frame().drop(columns=["tmdbId"]))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_an_answer(text: str) -> None:
    match = TINY.match_text(text)
    assert match.status in ("matched", "uncertain", "unmatched") and 0 <= match.confidence <= 1
    assert normalize(normalize(text)) == normalize(text)


TINY = MatchIndex(tiny_frame())


def test_the_labelled_set_covers_every_hard_case() -> None:
    rows = load_labels()
    assert len(rows) >= 100
    cases = {row["case"] for row in rows}
    for case in [
        "trailing article",
        "aka",
        "original title",
        "punctuation",
        "diacritics",
        "year off by one",
        "namesake",
        "no year in MovieLens",
        "after the catalog",
        "no year given",
    ]:
        assert case in cases
    assert sum(row["expected"] == "absent" for row in rows) >= 25


def test_match_command(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    from harness.files import REPO

    tiny_frame().to_parquet(tmp_path / "catalog.parquet")
    (tmp_path / "titles.txt").write_text("Solaris (1972)\n\nCrouching Tiger, Hidden Dragon (2000)\n", encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lbrec", "match", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=os.environ,
            timeout=120,
        )

    result = run(
        "Heat (1995)", "Parasite (2019)", "--file", str(tmp_path / "titles.txt"), "--catalog", str(tmp_path), "--json"
    )
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["query"] for o in objects] == [
        "Heat (1995)",
        "Parasite (2019)",
        "Solaris (1972)",
        "Crouching Tiger, Hidden Dragon (2000)",
    ]
    assert [o["movieId"] for o in objects] == [14, None, 2, None]
    assert objects[0]["title"] == "Heat" and objects[0]["year"] == 1995 and objects[0]["confidence"] > 0.9
    assert objects[1]["candidates"] == [] and {"query", "movieId", "title", "year", "confidence", "candidates"} <= set(
        objects[1]
    )
    human = run("Solaris", "--catalog", str(tmp_path / "catalog.parquet"))
    assert human.returncode == 0 and "uncertain" in human.stdout and "Solaris (2002)" in human.stdout
    nothing = run("--catalog", str(tmp_path))
    assert nothing.returncode == 1 and "nothing to match" in nothing.stderr and "Traceback" not in nothing.stderr
    missing = run("Heat", "--catalog", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "prepare" in missing.stderr
