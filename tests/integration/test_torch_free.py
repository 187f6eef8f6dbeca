"""A serving install for real: with torch, safetensors and onnx impossible to import (the `train` extra left out),
every command that neither trains nor exports works, the app's kernel code runs, and the commands that do need
torch say so in one line. `python -X importtime` shows that a recommendation never imports torch at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.files import REPO

NO_TRAIN_EXTRA = '''
import sys

class TrainExtraMissing:
    """What a `pip install lbrec` without the train extra has: no torch, safetensors, onnx or onnxscript."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "safetensors", "onnx", "onnxscript"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, TrainExtraMissing())
'''
CLI = NO_TRAIN_EXTRA + "from lbrec.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def serving_install(*args: str, code: str = CLI) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, timeout=300)


def test_the_blocker_really_blocks_torch() -> None:
    done = serving_install(code=NO_TRAIN_EXTRA + "import torch\n")
    assert done.returncode == 1 and "No module named 'torch'" in done.stderr


def test_recommend_match_and_bench_need_no_torch(ml_small_model_dir: Path) -> None:
    recommended = serving_install("recommend", "--model", str(ml_small_model_dir), "--titles", "Heat (1995)", "--json")
    assert recommended.returncode == 0, recommended.stderr
    assert len(json.loads(recommended.stdout)["recommendations"]) == 10
    matched = serving_install("match", "--catalog", str(ml_small_model_dir / "catalog.parquet"), "Heat (1995)")
    assert matched.returncode == 0 and "movieId 6" in matched.stdout, matched.stderr
    bench = serving_install("bench", "--model", str(ml_small_model_dir), "--requests", "20", "--json")
    assert bench.returncode == 0, bench.stderr
    assert set(json.loads(bench.stdout)["timings"]) == {"engine", "engine + explanations", "onnxruntime"}
    assert "torch is not installed: PyTorch eager and the bare product are not timed" in bench.stderr


def test_prepare_and_the_app_need_no_torch(ml_small_root: Path, ml_small_model_dir: Path, tmp_path: Path) -> None:
    prepared = serving_install(
        "prepare",
        "--dataset",
        "ml-latest-small",
        "--data-dir",
        str(ml_small_root),
        "--out",
        str(tmp_path / "prepared"),
        "--json",
    )
    assert prepared.returncode == 0 and json.loads(prepared.stdout)["positives"] == 46404, prepared.stderr
    kernel = NO_TRAIN_EXTRA + (
        "from lbrec.app.environment import load_engine\nfrom lbrec.app.page import RecommenderApp\n"
        f"app = RecommenderApp(*load_engine({str(ml_small_model_dir)!r}))\n"
        "app.sources.tabs.selected_index = 2\napp.sources.typed.value = 'Heat (1995)'\napp.go.click()\n"
        "assert len(app.session.recommendations) == 10, app.message.value\n"
    )
    done = serving_install(code=kernel)
    assert done.returncode == 0, done.stderr
    refused = serving_install("app", "--model", str(tmp_path / "none"))
    assert refused.returncode == 1 and "make model" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize("command", ["train", "evaluate", "export"])
def test_commands_that_need_torch_say_so_in_one_line(command: str, tmp_path: Path) -> None:
    done = serving_install(command, "--help")
    assert done.returncode == 0, done.stderr  # the options are shown without torch
    done = serving_install(command, *(["--data", str(tmp_path)] if command == "train" else ["--model", str(tmp_path)]))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"lbrec {command}: error: `lbrec {command}` needs the train extra: pip install 'lbrec[train]'"
    )


def test_a_recommendation_never_imports_torch(ml_small_model_dir: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "lbrec",
            "recommend",
            "--model",
            str(ml_small_model_dir),
            "--titles",
            "Heat (1995)",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "lbrec.serving.engine" in imported and "onnxruntime" in imported  # the check sees what was imported
    assert not {m for m in imported if m.split(".")[0] in ("torch", "safetensors") or m.startswith("lbrec.model")}


def test_the_questions_need_no_torch(ml_small_model_dir: Path, tiny_blend_dir: Path) -> None:
    titles = ["--titles", "Heat (1995); Alien (1979)"]
    for command in (
        ["rank", *titles, "--among", "Fargo (1996); Aliens (1986)"],
        ["predict", *titles, "Fargo (1996)"],
        ["similar", "Heat (1995)"],
        ["group", "--member", "titles:Heat (1995)", "--member", "titles:Toy Story (1995)"],
    ):
        done = serving_install(*command, "--model", str(ml_small_model_dir), "--json")
        assert done.returncode == 0, done.stderr
    import pandas as pd

    catalog = pd.read_parquet(tiny_blend_dir / "catalog.parquet")
    film = catalog[catalog.item_index > 0].iloc[0]
    blended = serving_install(
        "recommend", "--model", str(tiny_blend_dir), "--titles", f"{film.title} ({film.year})", "--json"
    )
    assert blended.returncode == 0, blended.stderr  # the blend's item-to-item part is NumPy too
    assert json.loads(blended.stdout)["recommendations"]
