"""The command line as a user runs it: a real subprocess, exit codes, stderr progress, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from harness.browser import free_port
from tests.helpers.process import run_lbrec


@pytest.mark.parametrize(
    "command",
    [
        "download",
        "prepare",
        "train",
        "evaluate",
        "export",
        "match",
        "recommend",
        "rank",
        "predict",
        "similar",
        "group",
        "app",
        "bench",
    ],
)
def test_every_command_has_help(command: str) -> None:
    result = run_lbrec(command, "--help")
    assert result.returncode == 0 and "usage: python -m lbrec" in result.stdout


def test_prepare_from_a_ratings_file(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "userId,movieId,rating,timestamp\n"
        + "".join(f"{u},{m},{1 + (u + m) % 5},{m}\n" for u in range(1, 6) for m in range(1, 13))
    )
    result = run_lbrec("prepare", "--ratings", str(ratings), "--out", str(tmp_path / "out"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["users"] == 5 and summary["ratings_in"] == 60
    assert "positives" in result.stderr  # progress and the summary line go to stderr
    assert (tmp_path / "out" / "meta.json").is_file()


def test_prepare_ml_latest_small_from_the_data_folder(ml_small_root: Path, tmp_path: Path) -> None:
    result = run_lbrec(
        "prepare",
        "--dataset",
        "ml-latest-small",
        "--out",
        str(tmp_path / "ml"),
        "--json",
        env={"LBREC_DATA_DIR": str(ml_small_root)},
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["users"], summary["items"], summary["positives"]) == (610, 6389, 46404)


def test_bad_input_exits_nonzero_with_one_line(tmp_path: Path) -> None:
    result = run_lbrec("prepare", "--ratings", str(tmp_path / "missing.csv"))
    assert result.returncode == 1
    missing = tmp_path / "missing.csv"
    assert result.stderr.strip().splitlines()[-1] == f"lbrec prepare: error: ratings file {missing} not found"
    assert "Traceback" not in result.stderr
    result = run_lbrec(
        "prepare", "--dataset", "ml-latest-small", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o")
    )
    assert result.returncode == 1 and "LBREC_DATA_DIR" in result.stderr and "Traceback" not in result.stderr
    assert run_lbrec("prepare", "--dataset", "nope").returncode == 2  # argparse rejects unknown names itself


def test_recommend_from_typed_titles(tiny_model_dir: Path, tiny_dataset) -> None:
    catalog = tiny_dataset.catalog
    liked = catalog[catalog.item_index > 0].head(3)
    titles = "; ".join(f"{t} ({y})" for t, y in zip(liked.title, liked.year, strict=True)) + "; Qwzx Unknown (2031)"
    result = run_lbrec("recommend", "--model", str(tiny_model_dir), "--titles", titles, "-k", "4", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [m["movieId"] for m in report["matched"]] == liked.movieId.tolist()
    assert [u["query"] for u in report["unmatched"]] == ["Qwzx Unknown (2031)"] and report["unmatched"][0]["reason"]
    recs = report["recommendations"]
    assert len(recs) == 4 and not {r["movieId"] for r in recs} & set(liked.movieId)
    assert set(recs[0]) == {
        "movieId",
        "title",
        "year",
        "genres",
        "score",
        "because",
        "tmdbId",
        "imdbId",
        "links",
        "origin",
    }
    plain = run_lbrec("recommend", "--model", str(tiny_model_dir), "--titles", titles, "-k", "2")
    assert plain.returncode == 0 and plain.stdout.startswith(" 1. ")


def test_recommend_refusals(tiny_model_dir: Path, tmp_path: Path) -> None:
    missing = run_lbrec("recommend", "--model", str(tmp_path), "--titles", "Heat (1995)")
    assert missing.returncode == 1 and "make model" in missing.stderr and "Traceback" not in missing.stderr
    nothing = run_lbrec("recommend", "--model", str(tiny_model_dir), "--titles", "Qwzx Unknown (2031)")
    assert nothing.returncode == 1 and "none of your films could be used" in nothing.stderr
    two = run_lbrec("recommend", "--model", str(tiny_model_dir), "--titles", "a", "--rss", "b")
    assert two.returncode == 1 and "exactly one" in two.stderr
    years = run_lbrec("recommend", "--model", str(tiny_model_dir), "--titles", "a", "--years", "199x")
    assert years.returncode == 2 and "range" in years.stderr


def test_bench_times_every_contender(tiny_model_dir: Path) -> None:
    result = run_lbrec("bench", "--model", str(tiny_model_dir), "--requests", "30", "--json")
    assert result.returncode == 0, result.stderr
    timings = json.loads(result.stdout)["timings"]
    assert set(timings) == {"engine", "engine + explanations", "onnxruntime", "PyTorch eager", "NumPy h @ E.T"}
    assert all(0 < t["p50_ms"] <= t["p99_ms"] for t in timings.values())


def test_app_refuses_a_missing_model_before_starting(tmp_path: Path) -> None:
    result = run_lbrec("app", "--model", str(tmp_path / "none"))
    assert result.returncode == 1 and "run `make model`" in result.stderr and "Traceback" not in result.stderr


def test_the_app_starts_and_answers_wherever_lbrec_home_points(tmp_path: Path, tiny_model_dir: Path) -> None:
    home, port = tmp_path / "a new home", free_port()
    home.mkdir()
    log = tmp_path / "voila.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "lbrec", "app", "--model", str(tiny_model_dir), f"--port={port}", "--pool-size=0"],
            cwd=home,
            env={**os.environ, "LBREC_HOME": str(home)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as page:
                    assert page.status == 200 and b"voila" in page.read().lower()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(20)
    assert "not found" not in log.read_text() and "Traceback" not in log.read_text()


@pytest.mark.parametrize(
    "options, message",
    [
        (["--years", "2030:2040"], "no film passes these options (released 2030-2040): widen the years"),
        (
            ["--genre", "Documentary", "--genre", "Western", "--years", "1902:1905", "--popularity", "0.8:1"],
            "no film passes these options (genres Documentary or Western, released 1902-1905, popularity 0.8-1)",
        ),
        (["--popularity", "2:3"], "popularity 2:3 is not a band of quantiles between 0 (the most obscure) and 1"),
        (["--genre", "Nope"], "unknown genres: Nope"),
    ],
)
def test_options_that_leave_no_film_are_an_error_not_an_empty_list(
    ml_small_model_dir: Path, options: list[str], message: str
) -> None:
    result = run_lbrec("recommend", "--model", str(ml_small_model_dir), "--titles", "Heat (1995)", *options)
    assert result.returncode == 1 and result.stdout == ""
    (line,) = [text for text in result.stderr.splitlines() if text.startswith("lbrec recommend: error:")]
    assert message in line, result.stderr


IMDB = Path(__file__).resolve().parents[1] / "fixtures" / "imdb"


def test_recommend_and_rank_from_imdb_exports(ml_small_model_dir: Path) -> None:
    ratings, watchlist = str(IMDB / "your_ratings_2026.csv"), str(IMDB / "watchlist_2026.csv")
    model = ["--model", str(ml_small_model_dir)]
    result = run_lbrec(
        "recommend",
        *model,
        "--imdb",
        ratings,
        "--imdb-watchlist",
        watchlist,
        "--exclude-watchlist",
        "-k",
        "20",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert "3 TV titles and 1 video game skipped" in result.stderr
    report = json.loads(result.stdout)
    matched = {m["movieId"]: m["confidence"] for m in report["matched"]}
    assert matched == {1: 1.0, 2571: 1.0, 26467: 1.0, 6: 1.0, 1214: 1.0}  # Toy Story ... Alien, by IMDb id
    assert [u["query"] for u in report["unmatched"]] == ["Oppenheimer (2023)"]  # after ml-latest-small
    recommended = {r["movieId"] for r in report["recommendations"]}
    assert len(recommended) == 20 and not recommended & {1, 2571, 26467, 6, 1214, 16, 10, 2}  # seen, watchlist
    top = run_lbrec("recommend", *model, "--imdb", ratings, "--from", "5", "--json")
    assert [m["movieId"] for m in json.loads(top.stdout)["matched"]] == [2571]  # IMDb 10 is 5 stars
    ranked = run_lbrec("rank", *model, "--imdb", ratings, "--imdb-watchlist", watchlist, "--watchlist", "--json")
    assert ranked.returncode == 0, ranked.stderr
    assert sorted(r["movieId"] for r in json.loads(ranked.stdout)["ranking"]) == [2, 10, 16]  # Chernobyl left out
    group = run_lbrec("group", *model, "--member", f"imdb:{ratings}", "--member", "titles:Casino (1995)", "--json")
    assert group.returncode == 0, group.stderr
    assert [m["label"] for m in json.loads(group.stdout)["members"]] == ["your_ratings_2026.csv", "member 2"]


def test_imdb_refusals_are_one_line(ml_small_model_dir: Path) -> None:
    model = ["--model", str(ml_small_model_dir)]
    ratings = str(IMDB / "your_ratings_2026.csv")
    cases = [
        (["recommend", "--imdb", str(IMDB.parent / "letterboxd" / "list_friday.csv")], "this is a Letterboxd list"),
        (["rank", "--imdb", ratings, "--watchlist"], "with --imdb-watchlist FILE"),
        (["recommend", "--titles", "Heat (1995)", "--imdb-watchlist", ratings], "--imdb-watchlist goes with"),
        (["recommend", "--imdb", ratings, "--export", ratings], "exactly one of"),
        (["predict", "tt0112641", "--imdb", str(IMDB / "missing.csv")], "missing.csv not found"),
    ]
    for args, message in cases:
        result = run_lbrec(*args, *model)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        (line,) = [text for text in result.stderr.splitlines() if text.startswith(f"lbrec {args[0]}: error:")]
        assert message in line, result.stderr
