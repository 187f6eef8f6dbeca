"""The layers' import contracts (pyproject.toml) catch what they promise to: a scratch copy of lbrec with a wrong
import fails `lint-imports` with import-linter's own message, and the copy as it is passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.files import REPO


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    return subprocess.run([lint_imports, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)})


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "lbrec", tmp_path / "lbrec", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def inject(path: Path, line: str) -> None:
    text = path.read_text()
    head, _, rest = text.partition("from __future__ import annotations\n")
    path.write_text(f"{head}from __future__ import annotations\n{line}\n{rest}")


@pytest.mark.parametrize("module, line, message", [
    ("serving/filters.py", "import torch", "lbrec.serving is not allowed to import torch"),
    ("letterboxd/rss.py", "from lbrec.serving import results",
     "lbrec.letterboxd is not allowed to import lbrec.serving"),
    ("catalog/index.py", "from lbrec.letterboxd import history",
     "lbrec.catalog is not allowed to import lbrec.letterboxd"),
    ("data/prepare.py", "from lbrec.evaluation import stats", "lbrec.data is not allowed to import lbrec.evaluation"),
    ("serving/engine.py", "import ipywidgets", "lbrec.serving is not allowed to import ipywidgets"),
    ("serving/standing.py", "from lbrec.evaluation import stats",
     "lbrec.serving is not allowed to import lbrec.evaluation"),
    ("serving/rank.py", "from lbrec.ask import answers", "lbrec.serving is not allowed to import lbrec.ask"),
    ("ask/options.py", "from lbrec.app import page", "lbrec.ask is not allowed to import lbrec.app"),
    ("cli/questions.py", "from lbrec.serving import rank", "lbrec.cli.questions is not allowed to import "
                                                           "lbrec.serving.rank"),
    ("tmdb/watch.py", "import requests", "lbrec.tmdb is not allowed to import requests"),
    ("letterboxd/rss.py", "import urllib3", "lbrec.letterboxd is not allowed to import urllib3"),
    ("web/cache.py", "from lbrec.letterboxd import fields", "lbrec.web is not allowed to import lbrec.letterboxd"),
])
def test_a_wrong_import_breaks_a_contract(scratch: Path, module: str, line: str, message: str) -> None:
    assert lint(scratch).returncode == 0
    inject(scratch / "lbrec" / module, line)
    done = lint(scratch)
    assert done.returncode != 0 and message in done.stdout, done.stdout[-2000:]
