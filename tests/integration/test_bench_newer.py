"""The benchmark of films newer than the model from the command line, each part on a few real members (read in place
from ../shared/data/letterboxd-members; CI has them, so there a missing folder fails instead of skipping), and its
live part pointed at a loopback TMDb that knows the members' films."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.members.data import load_members, members_dir
from benchmarks.members.newer import OUTCOMES, UNKNOWN_IDS, others_votes, tmdb_table
from benchmarks.members.newer_ranks import LIVE, OFFLINE
from harness.files import REPO
from harness.tmdb_server import V3_KEY, LoopbackTmdb
from lbrec.ask.lookup import BUDGET
from lbrec.ask.shelf import DISCOVER_PAGES, SEEDS
from lbrec.catalog.table import Catalog
from lbrec.tmdb.environment import TMDB_KEY_ENV, TMDB_URL_ENV
from tests.helpers.files import need


@pytest.fixture(scope="module")
def members_folder() -> Path:
    return need(members_dir() / "members.parquet", "the Letterboxd members' data").parent


def bench_newer(model: Path, folder: Path, out: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m benchmarks.bench_newer` with these arguments, its figures written to `out`."""
    environment = {name: value for name, value in os.environ.items() if name not in (TMDB_KEY_ENV, TMDB_URL_ENV)}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_newer", *args, "--model", str(model), "--json", str(out)],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**environment, "LBREC_MEMBERS_DIR": str(folder), **env},
        timeout=600,
    )


def test_the_loopback_knows_every_film_the_model_s_films_by_their_tmdb_ids(
    ml_small_model_dir: Path, members_folder: Path
) -> None:
    data = load_members(members_folder)
    catalog = Catalog.read(ml_small_model_dir / "catalog.parquet")
    table = tmdb_table(data, catalog)
    assert len(table.rows) == len(data.films) and len(set(table.ids)) == len(table.ids)  # one id a film
    ours = table.ids < UNKNOWN_IDS
    assert 0.3 < ours.mean() < 0.7 and set(table.ids[ours]) <= set(catalog.tmdb_ids)  # the catalog's own TMDb ids
    assert table.tv.sum() == (data.films["content_type"] == "tv").sum() > 0
    assert all(row["vote_count"] == 0 for row in table.rows)  # the data has no vote counts...
    votes = tmdb_table(data, catalog, others_votes(data)).rows
    assert sum(row["vote_count"] > 0 for row in votes) > len(votes) / 2  # ...unless the other members stand in


def test_speed_times_the_model_s_films_the_newer_films_cold_and_warm_and_counts_requests(
    ml_small_model_dir: Path, members_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "speed.json"
    args = ("speed", "--films", "80", "--lacking", "20", "--latency", "0.02", "--runs", "1")
    done = bench_newer(ml_small_model_dir, members_folder, out, *args)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["lookup"] == {"lacking": 20, "looked_up": 20, "matched": 20, "not_looked_up": 0}
    median = report["median"]
    assert {name: row["requests"] for name, row in median.items() if name != "cold cache"} == dict.fromkeys(
        ("without a key", "warm cache", "warm cache, asked again"), 0
    )
    assert 20 + 1 <= median["cold cache"]["requests"] <= report["budget_requests"]
    assert median["cold cache"]["newer_s"] >= 0.02 * median["cold cache"]["requests"] / 4  # 4 in flight at most
    parts = report["parts_median"]
    assert parts["lookups"]["requests"] >= 20 and parts["lists, releases and ranking"]["requests"] >= 1
    assert report["server"]["max_in_flight"] <= 4 and report["server"]["requests"] == median["cold cache"]["requests"]
    assert "| cold cache |" in done.stdout and f"at most {2 * BUDGET + SEEDS + DISCOVER_PAGES} requests" in done.stdout


def test_reading_says_who_read_each_loved_film_with_the_product_s_budget_and_more(
    ml_small_model_dir: Path, members_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reading.json"
    done = bench_newer(ml_small_model_dir, members_folder, out, "reading", "--members", "3")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["product_path_agrees"]  # Ask.newer's lookups are the first row's, film by film
    rows = report["budgets"]
    assert rows[0]["budget"] == BUDGET and rows[-1]["budget"] is None
    for row in rows:
        assert set(row["outcomes"]) == set(OUTCOMES) and sum(row["outcomes"].values()) == row["loved"] > 3 * 15
        assert row["with_key"] > row["without_key"] > 0.3  # TMDb reads most of what the model lacks
    assert rows[0]["outcomes"] == report["product_path"] and rows[-1]["outcomes"]["over the budget"] == 0
    assert [row["with_key"] for row in rows] == sorted(row["with_key"] for row in rows)  # more lookups, more read


def test_offline_ranks_the_hidden_newer_films_every_way_with_intervals(
    ml_small_model_dir: Path, members_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "offline.json"
    done = bench_newer(ml_small_model_dir, members_folder, out, "offline", "--members", "6")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert 0 < report["members"] <= 6 and report["newer_films"] > 1000
    assert set(report["models"]) == set(OFFLINE)
    for figures in report["models"].values():
        low, high = figures["ndcg@10"]["ci95"]
        assert 0 <= low <= figures["ndcg@10"]["mean"] <= high <= 1
    assert set(report["paired_vs_" + OFFLINE[0].replace(" ", "_")]) == set(OFFLINE[1:])


def test_live_asks_tmdb_with_the_person_s_key(ml_small_model_dir: Path, members_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "live.json"
    refused = bench_newer(ml_small_model_dir, members_folder, out, "live", "--members", "4")
    assert refused.returncode != 0 and "set TMDB_API_KEY" in refused.stderr and "Traceback" not in refused.stderr
    data = load_members(members_folder)
    table = tmdb_table(data, Catalog.read(ml_small_model_dir / "catalog.parquet"), others_votes(data))
    with LoopbackTmdb(table.rows) as tmdb:
        args = ("live", "--members", "5", "--cache", str(tmp_path / "cache"))
        done = bench_newer(ml_small_model_dir, members_folder, out, *args, TMDB_API_KEY=V3_KEY, LBREC_TMDB_URL=tmdb.url)
        assert done.returncode == 0, done.stderr
        report = json.loads(out.read_text())
        assert report["tmdb"] == tmdb.url and report["requests"] == len(tmdb.hits) > 0
    assert report["members"] > 0 and report["hidden_found_on_tmdb"] >= 0.8 * report["hidden"]
    assert set(report["models"]) == set(LIVE)
