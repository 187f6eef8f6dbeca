"""`rank` and `predict` as a user runs them, on the real ml-latest-small catalog: every source, the JSON shapes,
one-line refusals for input that leaves nothing to answer, and the pictures to share (`--png`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matplotlib.image import imread

from harness.files import EXPORT_ZIP, FIXTURES
from tests.helpers.process import run_lbrec

TITLES = "Heat (1995); Alien (1979); The Matrix (1999)"
LIST = FIXTURES / "list_friday.csv"


def answer(*args: str) -> dict:
    result = run_lbrec(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_rank_typed_titles_among_a_line_up(ml_small_model_dir: Path) -> None:
    out = answer(
        "rank",
        "--model",
        str(ml_small_model_dir),
        "--titles",
        TITLES,
        "--among",
        "Fargo (1996); Heat (1995); Toy Story (1995); Qwzx Unknown (2031)",
    )
    assert set(out) == {"matched", "unmatched", "candidates", "not_ranked", "ranking"}
    assert [m["query"] for m in out["candidates"]["unmatched"]] == ["Qwzx Unknown (2031)"]
    ranking = out["ranking"]
    assert {r["title"] for r in ranking} == {"Fargo", "Heat", "Toy Story"}
    assert [r["score"] for r in ranking] == sorted((r["score"] for r in ranking), reverse=True)
    assert [r["watched"] for r in ranking if r["title"] == "Heat"] == [True]
    assert set(ranking[0]) == {
        "movieId",
        "origin",
        "title",
        "year",
        "genres",
        "tmdbId",
        "imdbId",
        "links",
        "percentile",
        "score",
        "watched",
        "because",
    }


def test_rank_an_exports_watchlist_and_a_list_file(ml_small_model_dir: Path) -> None:
    out = answer("rank", "--model", str(ml_small_model_dir), "--export", str(EXPORT_ZIP), "--watchlist")
    assert {r["title"] for r in out["ranking"]} == {"October Sky", "Paris, Texas"}  # the export's watchlist.csv
    best = answer("rank", "--model", str(ml_small_model_dir), "--export", str(EXPORT_ZIP), "--watchlist", "-k", "1")
    assert best["ranking"] == out["ranking"][:1]
    listed = answer("rank", "--model", str(ml_small_model_dir), "--titles", TITLES, "--list", str(LIST))
    assert [u["query"] for u in listed["candidates"]["unmatched"]] == ["Oppenheimer (2023)"]
    assert len(listed["ranking"]) == 4


@pytest.mark.parametrize(
    "args, message",
    [
        (["--titles", TITLES, "--watchlist"], "typed titles carry no watchlist"),
        (["--titles", TITLES, "--among", "Qwzx Unknown (2031); Zzyzx Nothing"], "none of the 2 films of the titles"),
        (["--titles", TITLES, "--list", str(EXPORT_ZIP)], "not UTF-8"),
        (["--titles", TITLES, "--list", "/nonexistent/list.csv"], "cannot read /nonexistent/list.csv"),
    ],
)
def test_rank_refuses_in_one_line(ml_small_model_dir: Path, args: list[str], message: str) -> None:
    result = run_lbrec("rank", "--model", str(ml_small_model_dir), *args)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


def test_predict_from_titles_links_and_ids(ml_small_model_dir: Path) -> None:
    out = answer(
        "predict",
        "--model",
        str(ml_small_model_dir),
        "--titles",
        TITLES,
        "Aliens (1986)",
        "https://letterboxd.com/film/fargo/",
        "tmdb:862",
        "tt0113277",
        "Qwzx Unknown (2031)",
    )
    assert [p["title"] for p in out["predictions"]] == ["Aliens", "Fargo", "Toy Story", "Heat"]
    assert [u["query"] for u in out["unmatched"]] == ["Qwzx Unknown (2031)"]
    aliens, *_, heat = out["predictions"]
    assert 1 <= aliens["rank"] <= aliens["of"] and 0 < aliens["percentile"] <= 100 and aliens["verdict"]
    assert heat["watched"] and heat["verdict"].startswith("already watched")
    assert set(aliens) == {
        "query",
        "movieId",
        "origin",
        "title",
        "year",
        "genres",
        "tmdbId",
        "imdbId",
        "links",
        "rank",
        "of",
        "percentile",
        "verdict",
        "watched",
        "because",
    }


def test_predict_says_why_when_nothing_matches(ml_small_model_dir: Path) -> None:
    result = run_lbrec("predict", "--model", str(ml_small_model_dir), "--titles", TITLES, "Qwzx Unknown (2031)")
    assert result.returncode == 1 and "'Qwzx Unknown (2031)'" in result.stderr.splitlines()[-1]
    result = run_lbrec("predict", "--model", str(ml_small_model_dir), "--titles", TITLES, "https://example.com/x")
    assert result.returncode == 1 and "is not a film's link" in result.stderr.splitlines()[-1]


def test_similar_to_one_or_more_films(ml_small_model_dir: Path) -> None:
    out = answer(
        "similar", "--model", str(ml_small_model_dir), "Toy Story (1995)", "tmdb:603", "Qwzx (2031)", "-k", "5"
    )
    assert [s["title"] for s in out["seeds"]] == ["Toy Story", "The Matrix"]
    assert [u["query"] for u in out["unmatched"]] == ["Qwzx (2031)"]
    assert len(out["similar"]) == 5 and not {s["title"] for s in out["similar"]} & {"Toy Story", "The Matrix"}
    assert set(out["similar"][0]) == {
        "movieId",
        "origin",
        "title",
        "year",
        "genres",
        "tmdbId",
        "imdbId",
        "links",
        "score",
        "because",
    }


def test_watch_together_from_an_export_and_typed_titles(ml_small_model_dir: Path) -> None:
    out = answer(
        "group",
        "--model",
        str(ml_small_model_dir),
        "--member",
        f"export:{EXPORT_ZIP}",
        "--member",
        f"titles:{TITLES}",
        "--member",
        "titles:Toy Story (1995); Up (2009)",
        "-k",
        "5",
    )
    labels = [m["label"] for m in out["members"]]
    assert labels == [EXPORT_ZIP.name, "member 2", "member 3"]
    assert len(out["recommendations"]) == 5
    for rec in out["recommendations"]:
        assert set(rec["fit"]) == set(rec["because"]) == set(labels)
        assert rec["title"] not in {"Heat", "Alien", "The Matrix", "Toy Story", "Up"}


@pytest.mark.parametrize(
    "members, message",
    [
        (["titles:Heat (1995)"], "a group has 2 to 6 members"),
        (["titles:Heat (1995)"] * 7, "a group has 2 to 6 members"),
        (["titles:Heat (1995)", "rss:bad name!"], "member 2 (rss:bad name!)"),
        (["titles:Heat (1995)", "nonsense"], "member 2 (nonsense): 'nonsense' is not a member"),
        (["titles:Heat (1995)", "export:/nonexistent.zip"], "member 2 (nonexistent.zip): /nonexistent.zip not found"),
    ],
)
def test_group_refusals_name_the_member(ml_small_model_dir: Path, members: list[str], message: str) -> None:
    result = run_lbrec("group", "--model", str(ml_small_model_dir), *[a for m in members for a in ("--member", m)])
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "command",
    [
        ["recommend", "--titles", TITLES],
        ["rank", "--titles", TITLES, "--among", "Fargo (1996); Toy Story (1995)"],
        ["similar", "Toy Story (1995)", "The Matrix (1999)"],
        ["group", "--member", f"export:{EXPORT_ZIP}", "--member", f"titles:{TITLES}"],
    ],
)
def test_every_list_can_be_written_as_a_picture_to_share(
    ml_small_model_dir: Path, tmp_path: Path, command: list[str]
) -> None:
    picture = tmp_path / "share.png"
    result = run_lbrec(*command, "--model", str(ml_small_model_dir), "--png", str(picture))
    assert result.returncode == 0, result.stderr
    assert result.stdout and f"wrote {picture}" in result.stderr  # the list is printed too
    assert imread(picture).shape[:2] == (1500, 1200)


def test_a_picture_that_cannot_be_written_is_refused_in_one_line(ml_small_model_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    target = tmp_path / "a-file" / "share.png"
    result = run_lbrec("recommend", "--model", str(ml_small_model_dir), "--titles", TITLES, "--png", str(target))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"lbrec recommend: error: cannot write {target}: ")
