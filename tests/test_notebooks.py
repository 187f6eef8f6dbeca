"""The five notebooks, executed headless in order with papermill, as a learner would run them (but shorter)."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import papermill
import pytest

from conftest import REPO

pytestmark = pytest.mark.integration
NOTEBOOKS = REPO / "notebooks"


def execute(name: str, tmp_path: Path, **parameters: object) -> nbformat.NotebookNode:
    out = tmp_path / name
    papermill.execute_notebook(str(NOTEBOOKS / name), str(out), parameters=parameters, cwd=str(NOTEBOOKS),
                               progress_bar=False, kernel_name="python3")
    return nbformat.read(out, as_version=4)


def images(notebook: nbformat.NotebookNode) -> list[bytes]:
    return [base64.b64decode(o["data"]["image/png"]) for c in notebook.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "image/png" in o.get("data", {})]


def text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", "") + output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_committed_without_outputs() -> None:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") and not c.get("execution_count") for c in notebook.cells
                   if c.cell_type == "code"), path.name
    assert [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb"))] == [
        "01_preprocess.ipynb", "02_train.ipynb", "03_evaluate.ipynb", "04_export.ipynb", "05_recommend.ipynb"]


def test_the_suite_runs_in_order(ml_small_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prepared, model = tmp_path / "processed" / "ml-latest-small", tmp_path / "models" / "ml-latest-small"
    first = execute("01_preprocess.ipynb", tmp_path, data_dir=str(ml_small_root), out=str(prepared))
    assert len(images(first)) == 4 and "46404" in text(first).replace(",", "")

    second = execute("02_train.ipynb", tmp_path, data=str(prepared), out=str(model), epochs=3, dim=32, heads=2)
    assert len(images(second)) == 1 and (model / "model.safetensors").is_file()

    third = execute("03_evaluate.ipynb", tmp_path, model_dir=str(model), ease_lambda=50.0)
    assert len(images(third)) == 3
    assert all(name in text(third) for name in ("sasrec", "popular", "itemknn", "ease", "best on validation"))

    fourth = execute("04_export.ipynb", tmp_path, model_dir=str(model), requests=50)
    assert (model / "model.onnx").is_file() and len(images(fourth)) == 1
    assert "topk_identical" in text(fourth) and "PyTorch eager" in text(fourth)

    monkeypatch.setenv("LBREC_MODEL", str(model))
    fifth = execute("05_recommend.ipynb", tmp_path)
    widgets = [o for c in fifth.cells for o in c.get("outputs", [])
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, "the app notebook displays the app"
