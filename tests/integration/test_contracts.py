"""The import contracts (pyproject.toml) catch what they promise to: a scratch copy of lbrec, the benchmarks, the
harness and the tests with a wrong import fails `lint-imports` with import-linter's own message, and the copy as it
is passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.files import REPO

PACKAGES = ("lbrec", "benchmarks", "harness", "tests")  # import-linter's root packages


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    return subprocess.run(
        [lint_imports, "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "out"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def inject(path: Path, line: str) -> None:
    text = path.read_text()
    head, _, rest = text.partition("from __future__ import annotations\n")
    path.write_text(f"{head}from __future__ import annotations\n{line}\n{rest}")


@pytest.mark.parametrize(
    "module, line, message",
    [
        ("lbrec/serving/filters.py", "import torch", "lbrec.serving is not allowed to import torch"),
        (
            "lbrec/letterboxd/rss.py",
            "from lbrec.serving import results",
            "lbrec.letterboxd is not allowed to import lbrec.serving",
        ),
        (
            "lbrec/catalog/index.py",
            "from lbrec.letterboxd import history",
            "lbrec.catalog is not allowed to import lbrec.letterboxd",
        ),
        (
            "lbrec/data/prepare.py",
            "from lbrec.evaluation import stats",
            "lbrec.data is not allowed to import lbrec.evaluation",
        ),
        ("lbrec/serving/engine.py", "import ipywidgets", "lbrec.serving is not allowed to import ipywidgets"),
        (
            "lbrec/serving/standing.py",
            "from lbrec.evaluation import stats",
            "lbrec.serving is not allowed to import lbrec.evaluation",
        ),
        ("lbrec/serving/rank.py", "from lbrec.ask import answers", "lbrec.serving is not allowed to import lbrec.ask"),
        ("lbrec/ask/options.py", "from lbrec.app import page", "lbrec.ask is not allowed to import lbrec.app"),
        (
            "lbrec/cli/questions.py",
            "from lbrec.serving import rank",
            "lbrec.cli.questions is not allowed to import lbrec.serving.rank",
        ),
        ("lbrec/serving/reading.py", "import harness.files", "lbrec is not allowed to import harness"),
        (
            "lbrec/evaluation/stats.py",
            "from benchmarks.members import data",
            "lbrec is not allowed to import benchmarks",
        ),
        ("harness/files.py", "from tests.helpers import synthetic", "harness is not allowed to import tests"),
        (
            "benchmarks/bench_engine.py",
            "from tests.helpers import synthetic",
            "benchmarks is not allowed to import tests",
        ),
        ("harness/browser.py", "import benchmarks.common", "harness is not allowed to import benchmarks"),
        ("lbrec/tmdb/watch.py", "import requests", "lbrec.tmdb is not allowed to import requests"),
        ("lbrec/letterboxd/rss.py", "import urllib3", "lbrec.letterboxd is not allowed to import urllib3"),
        (
            "lbrec/web/cache.py",
            "from lbrec.letterboxd import fields",
            "lbrec.web is not allowed to import lbrec.letterboxd",
        ),
    ],
)
def test_a_wrong_import_breaks_a_contract(scratch: Path, module: str, line: str, message: str) -> None:
    assert lint(scratch).returncode == 0
    inject(scratch / module, line)
    done = lint(scratch)
    assert done.returncode != 0 and message in done.stdout, done.stdout[-2000:]
