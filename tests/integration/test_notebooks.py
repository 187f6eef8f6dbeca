"""The five notebooks: the tutorial committed with the outputs of its own code, and all five executed headless in
order with papermill into a temporary folder, as a learner would run them (but shorter)."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import papermill
import pytest

from harness.notebooks import (
    APP,
    NOTEBOOKS,
    TUTORIAL,
    code_digest,
    edited_prose,
    fill_prose,
    kernel_path,
    prose_digest,
    stamp,
    stray_figures,
    unquoted_figures,
)
from lbrec.prose import MIME, PLACEHOLDER


def execute(name: str, tmp_path: Path, **parameters: object) -> nbformat.NotebookNode:
    out = tmp_path / name
    papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(out),
        parameters=parameters,
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        kernel_name="python3",
    )
    return nbformat.read(out, as_version=4)


def images(notebook: nbformat.NotebookNode) -> list[bytes]:
    return [
        base64.b64decode(o["data"]["image/png"])
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]


def text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", "") + output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_tutorial_is_committed_with_the_outputs_of_its_own_code() -> None:
    """Notebooks 01-04 carry the outputs of a real run (`make notebooks`), made by the code they hold now: every
    code cell ran, in order, without an error, and the digest stamped at the run is that of the committed code."""
    assert [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb"))] == [*TUTORIAL, APP]
    for name in TUTORIAL:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), f"{name}: not run in order"
        assert not [o for c in code for o in c.outputs if o.output_type == "error"], f"{name}: a cell failed"
        assert images(notebook), f"{name}: no plot"
        stamped = notebook.metadata.get("lbrec", {})
        assert stamped.get("code_sha256") == code_digest(notebook), (
            f"{name}: its code changed since it ran: run `make notebooks`"
        )
        assert stamped.get("prose_sha256") == prose_digest(notebook), (
            f"{name}: its prose templates changed since they were filled: run `make notebooks`"
        )
        cells = notebook.cells
        silent = [
            i
            for i, c in enumerate(cells)
            if c.cell_type == "code" and c.outputs and (i + 1 == len(cells) or cells[i + 1].cell_type != "markdown")
        ]
        assert not silent, f"{name}: results without a paragraph saying what they show (cells {silent})"


def test_the_prose_after_results_quotes_the_run() -> None:
    """Every figure a paragraph after the first result states is filled from the run: a markdown cell writes
    `{{name:format}}` and the code cells before it `quote(name=value)`; `make notebooks` fills it in and keeps the
    template in the cell's metadata. So a changed model can never leave a notebook quoting figures it no longer shows.

    The rule, for each markdown cell after the first code cell with outputs (the introduction before it describes
    the method, not this run): its template (else its source), once placeholders, code spans, link targets, metric
    names such as NDCG@10 or Recall@20, "top-10", a heading's number ("## 2.") and notebook file names ("01_...")
    are taken out, holds no digit. Numbers in words ("ten epochs") are not caught: write a figure of the run as a
    placeholder. And each filled cell must read exactly as its template filled with the figures the notebook holds
    (no hand edit of the filled text, which the next run would lose), and none may show a placeholder unfilled."""
    for name in TUTORIAL:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert not unquoted_figures(notebook), f"{name}: figures not quoted from the run: {unquoted_figures(notebook)}"
        assert not edited_prose(notebook), f"{name}: filled prose edited by hand in cells {edited_prose(notebook)}"
        unfilled = [
            i for i, c in enumerate(notebook.cells) if c.cell_type == "markdown" and PLACEHOLDER.search(c.source)
        ]
        assert not unfilled, f"{name}: cells {unfilled} show their placeholders: run `make notebooks`"


def test_the_figure_rule_tells_quoted_figures_from_typed_ones() -> None:
    assert stray_figures("Test NDCG@10 is 0.0573, HR@10 0.102: about one user in ten.") == ["0.0573,", "0.102:"]
    assert stray_figures("the best epoch, {{best_epoch}}, and {{ndcg:.3f}} on validation") == []
    assert stray_figures("## 2. Recall@20 of the top-10 lists; see `01_preprocess.ipynb` and [notes](a/b1.md)") == []
    assert stray_figures("the 610 users and 4 stars") == ["610", "4"]


def test_prose_is_filled_from_the_run_and_refilled_from_its_template() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "quote(best=24)",
                outputs=[nbformat.v4.new_output("display_data", data={MIME: {"best": 24, "ndcg": 0.07128}})],
                execution_count=1,
            ),
            nbformat.v4.new_markdown_cell("Best epoch {{best}}, NDCG@10 {{ndcg:.3f}}."),
        ]
    )
    before = stamp(notebook)
    fill_prose(notebook)
    prose = notebook.cells[1]
    assert prose.source == "Best epoch 24, NDCG@10 0.071." and not unquoted_figures(notebook)
    assert stamp(notebook) == before and not edited_prose(notebook)
    notebook.cells[0].outputs[0]["data"][MIME] = {"best": 31, "ndcg": 0.08}  # a rerun with another model
    assert fill_prose(notebook).cells[1].source == "Best epoch 31, NDCG@10 0.080."
    prose.source = prose.source.replace("31", "30")
    assert edited_prose(notebook) == [1]
    prose.metadata["lbrec"]["template"] = "Best epoch {{best}}, NDCG@10 {{ndcg:.4f}}."
    assert prose_digest(notebook) != before["prose_sha256"] and code_digest(notebook) == before["code_sha256"]


def test_a_figure_the_run_did_not_quote_is_an_error() -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("{{never_quoted}} users")])
    with pytest.raises(KeyError, match="never_quoted"):
        fill_prose(notebook)


def test_the_app_notebook_is_committed_bare() -> None:
    notebook = nbformat.read(NOTEBOOKS / APP, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in notebook.cells if c.cell_type == "code")


def test_a_changed_cell_breaks_the_stamp() -> None:
    notebook = nbformat.read(NOTEBOOKS / TUTORIAL[0], as_version=4)
    before = code_digest(notebook)
    next(c for c in notebook.cells if c.cell_type == "code").source += "\n# edited"
    assert code_digest(notebook) != before


@pytest.mark.slow
def test_the_suite_runs_in_order(ml_small_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", kernel_path())  # as `make notebooks` runs them: this checkout's code first
    prepared, model = tmp_path / "processed" / "ml-latest-small", tmp_path / "models" / "ml-latest-small"
    first = execute("01_preprocess.ipynb", tmp_path, data_dir=str(ml_small_root), out=str(prepared))
    assert len(images(first)) == 4 and "46404" in text(first).replace(",", "")

    second = execute(
        "02_train.ipynb", tmp_path, data=str(prepared), out=str(model), settings={"epochs": 3, "dim": 32, "heads": 2}
    )
    assert len(images(second)) == 1 and (model / "model.safetensors").is_file()

    third = execute("03_evaluate.ipynb", tmp_path, model_dir=str(model), ease_lambda=50.0)
    assert len(images(third)) == 3
    assert all(name in text(third) for name in ("sasrec", "popular", "itemknn", "ease", "best on validation"))

    fourth = execute("04_export.ipynb", tmp_path, model_dir=str(model), requests=50, members=12)
    assert (model / "model.onnx").is_file() and len(images(fourth)) == 2
    assert any(c.source.startswith("On 12 members") for c in fill_prose(fourth).cells)  # the real members' section
    assert "topk_identical" in text(fourth) and "PyTorch eager" in text(fourth)

    for notebook in (first, second, third, fourth):  # every figure the prose quotes is quoted by the code
        assert not [c for c in fill_prose(notebook).cells if c.cell_type == "markdown" and "{{" in c.source]

    monkeypatch.setenv("LBREC_MODEL", str(model))
    fifth = execute("05_recommend.ipynb", tmp_path)
    widgets = [
        o
        for c in fifth.cells
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets, "the app notebook displays the app"
