"""The real-members benchmark from the command line, on a handful of the real members (read in place from
../shared/data/letterboxd-members; CI has them, so there a missing folder fails instead of skipping)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.members.data import members_dir
from harness.files import REPO
from lbrec.data.dataset import Dataset
from lbrec.serving.members_figure import RECORD, THIS_MODEL, members_figure
from tests.helpers.files import need


@pytest.fixture(scope="module")
def ml_small_blend_dir(ml_small: Dataset, ml_small_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The random-weight ml-latest-small folder serving a blend with EASE, as `make model` serves one."""
    from lbrec.artifacts import read_json, sha256_file, write_json
    from lbrec.evaluation.blend import fit_item_item

    out = tmp_path_factory.mktemp("models") / "ml-latest-small-blend"
    shutil.copytree(ml_small_model_dir, out)
    files = fit_item_item(ml_small, "test", "ease", 200, ease_lambda=50.0).save(out)
    meta = read_json(out / "onnx.json")
    meta["files"] |= {name: sha256_file(out / name) for name in files}
    meta["blend"] = {"source": "ease", "keep": 200, "weight": 0.9, "ease_lambda": 50.0, "served": "blend"}
    write_json(out / "onnx.json", meta)
    return out


def bench_members(
    model_dir: Path, out: Path, *options: str, script: str = "bench_members"
) -> subprocess.CompletedProcess[str]:
    """`python -m benchmarks.<script>` on 6 real members, read in place, its figures written to `out`."""
    folder = need(members_dir() / "members.parquet", "the Letterboxd members' data").parent
    return subprocess.run(
        [
            sys.executable,
            "-m",
            f"benchmarks.{script}",
            "--model",
            str(model_dir),
            "--members",
            "6",
            *options,
            "--json",
            str(out),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "LBREC_MEMBERS_DIR": str(folder)},
        timeout=600,
    )


def test_the_benchmark_runs_on_a_few_real_members_and_records_the_served_figures(
    ml_small_blend_dir: Path, tmp_path: Path
) -> None:
    from lbrec.serving.engine import Recommender

    out = tmp_path / "report.json"
    folder = tmp_path / "model"
    shutil.copytree(ml_small_blend_dir, folder)
    done = bench_members(folder, out, "--no-others-ease")
    assert done.returncode == 0, done.stderr
    assert "| served |" in done.stdout and "catalog gap" in done.stdout
    report = json.loads(out.read_text())
    assert report["members"] == 6 and report["model"] == "SASRec + EASE"
    assert set(report["models"]) == {
        "served",
        "served, rated",
        "served, latest 50 (before)",
        "served, default before (the export's latest 50)",
        "sasrec",
        "item-item",
        "popular (MovieLens)",
        "ease (MovieLens)",
        "popular (Letterboxd)",
    }
    assert report["unordered_exports"] == 6  # every member's export is a bulk import: the unordered reading is served
    assert report["input_films"]["hidden_loved_mean"] == 5.0
    assert 4000 < report["candidates"] <= report["films_known"] < 6000  # about 5,900 films match ml-latest-small
    gap = report["catalog_gap"]
    assert 0.55 < gap["known_share"] < 0.72 and gap["catalog_last_year"] == 2018  # a third of loved films unknown
    assert gap["unknown_newer_than_catalog"] > 0.5 * gap["unknown"]
    record = json.loads((folder / RECORD).read_text())  # for the app's footer
    assert record["members"] == 6 and record["command"].startswith("python -m benchmarks.bench_members --model")
    assert record["served"]["ndcg@10"]["mean"] == report["models"]["served"]["ndcg@10"]["mean"]
    figure = members_figure(folder, Recommender(folder).meta)
    assert figure.measured_on == THIS_MODEL and figure.ndcg == record["served"]["ndcg@10"]["mean"]


def test_the_tuning_runs_on_a_few_real_members(ml_small_blend_dir: Path, tmp_path: Path) -> None:
    from lbrec.serving.engine import Recommender

    out = tmp_path / "tuning.json"
    folder = tmp_path / "model"
    shutil.copytree(ml_small_blend_dir, folder)
    done = bench_members(folder, out, "--tune", "--write-choice")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["tuned_on"] == report["reported_on"] == 3
    assert report["chosen"]["served"] == "windows=0 w=0.9 k=200 against=0"
    assert report["movielens_test"]["models"]["served"]["ndcg@10"]["members"] == 610  # every ml-latest-small user
    assert "| served | windows=0 w=0.9 k=200 against=0 |" in done.stdout
    written = json.loads((folder / "onnx.json").read_text())["unordered"]
    assert written == report["written"] and set(written) == {"windows", "weight"}
    assert Recommender(folder).unordered_reading.weight == written["weight"]  # the folder still verifies


def test_not_for_me_runs_on_a_few_real_members(ml_small_blend_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "not_for_me.json"
    done = bench_members(ml_small_blend_dir, out, "--not-for-me")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["members"] == 6 and report["chosen_on"] + report["reported_on"] == report["measured"] <= 6
    assert report["reported_on"] >= 1 and report["chosen"] in report["models"]
    assert {"today", "excluded", "sum x 0.1", "top5 x 1"} <= set(report["models"])
    assert report["export_lows"]["members"] == 3  # today's protocol on the whole reporting half
    assert "| today |" in done.stdout and "goal on the reporting half" in done.stdout


def test_a_short_history_is_chosen_on_a_few_real_members(ml_small_blend_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "short.json"
    done = bench_members(ml_small_blend_dir, out, "--short")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["tuned_on"] + report["reported_on"] <= 6 and report["reported_on"] >= 1
    assert report["points"]["less seen"].startswith("from 4, ")  # the rule reads the films rated 4 or more
    served, chosen = report["models"]["served now (the default path)"], report["models"]["less seen"]
    assert set(served) == {"ndcg@10", "seen@10"} and "most rated (MovieLens)" in report["models"]
    assert report["movielens_test"]["today's default (latest 50)"]["vs_blend"]["mean_diff"] == 0.0
    assert "| today's default (latest 50) |" in done.stdout
    assert served["ndcg@10"]["members"] == chosen["ndcg@10"]["members"] == report["reported_on"]


def test_the_defaults_and_the_seen_leaks_run_on_a_few_real_members(ml_small_blend_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "defaults.json"
    done = bench_members(ml_small_blend_dir, out, script="bench_defaults")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert set(report["export"]["models"]) == {"default now", "default before", "--from rated"}
    assert report["dated export"]["users"] == 610 and set(report["short"]) == {"RSS feed", "typed titles"}
    assert "An export logged in bulk (6 members)" in done.stdout
    out = tmp_path / "seen.json"
    done = bench_members(ml_small_blend_dir, out, "--k", "20", script="bench_seen")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["members"]["members"] == 6 and report["members"]["after"]["rule"]["per_member"] == 0.0
    real = report["real export"]
    assert real["films"] > 2000 and all(real[c]["after"]["rule"] == 0 for c in ("auto", "5", "4", "rated"))
    assert any(p["watched"] == "Life of Brian (1979)" for p in report["rule"]["pairs"])
