"""The tutorial notebooks (01-04) run for real, in place, and stamped with the code that produced their outputs.

    python -m harness.notebooks [NAME ...]           # what `make notebooks` runs: ml-latest-small, defaults
    python -m harness.notebooks --refill [NAME ...]  # prose edited, code not: fill it again, without a run

After the run, each markdown cell that quotes figures (`{{name:format}}`, `lbrec.prose`) is filled from the figures
its notebook's code cells quoted; the template stays in the cell's metadata for the next run. Each notebook keeps,
in its metadata, the sha256 of its code cells' sources (what produced the outputs and the quoted figures) and of
its templates (what the prose was filled from); the suite checks both against the committed notebook
(tests/integration/test_notebooks.py), so a notebook edited without being run, or filled, again fails the tests.
Notebook 05 is the app: Voilà runs it, it is committed bare.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from typing import Any

import nbformat

from harness.files import REPO
from lbrec.prose import MIME, PLACEHOLDER, fill

NOTEBOOKS = REPO / "notebooks"
TUTORIAL = ("01_preprocess.ipynb", "02_train.ipynb", "03_evaluate.ipynb", "04_export.ipynb")
APP = "05_recommend.ipynb"


def code_digest(notebook: nbformat.NotebookNode) -> str:
    """sha256 of the code cells' sources, in order: what the outputs, quoted figures included, were produced by."""
    return _digest([cell.source for cell in notebook.cells if cell.cell_type == "code"])


def prose_digest(notebook: nbformat.NotebookNode) -> str:
    """sha256 of the markdown cells' templates, in order: what the quoting prose was filled from."""
    return _digest([text for cell in notebook.cells if (text := template(cell))])


def stamp(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """What the notebook's metadata must hold for its outputs and prose to be those of its code and templates."""
    return {"code_sha256": code_digest(notebook), "prose_sha256": prose_digest(notebook)}


def _digest(sources: list[str]) -> str:
    return hashlib.sha256("\n\0\n".join(sources).encode("utf-8")).hexdigest()


def template(cell: nbformat.NotebookNode) -> str:
    """A markdown cell's template: its source while it holds placeholders (as written), else the one kept in its
    metadata by the last fill; "" for a cell that quotes nothing."""
    if cell.cell_type != "markdown":
        return ""
    if PLACEHOLDER.search(cell.source):
        return cell.source
    return cell.metadata.get("lbrec", {}).get("template", "")


def quoted(notebook: nbformat.NotebookNode) -> dict[str, Any]:
    """The figures the notebook's code cells quoted when it ran (`lbrec.prose.quote`), by name."""
    figures: dict[str, Any] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            figures.update(output.get("data", {}).get(MIME, {}))
    return figures


def fill_prose(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Each quoting markdown cell written out with this run's figures, its template kept in its metadata."""
    figures = quoted(notebook)
    for cell in notebook.cells:
        if text := template(cell):
            cell.metadata["lbrec"] = {"template": text}
            cell.source = fill(text, figures)
    return notebook


def edited_prose(notebook: nbformat.NotebookNode) -> list[int]:
    """Cells whose filled prose differs from their template filled with the figures the notebook holds: edited by
    hand (the edit would be lost at the next run: write it in the template, with its placeholders)."""
    figures = quoted(notebook)
    return [
        i
        for i, cell in enumerate(notebook.cells)
        if (text := template(cell)) and not PLACEHOLDER.search(cell.source) and fill(text, figures) != cell.source
    ]


# Digits a paragraph after results may hold without quoting them from the run: placeholders (filled), code and
# link targets, metric names (NDCG@10, Recall@20), "top-10", a heading's number ("## 2.") and notebook file names.
_NOT_FIGURES = re.compile(
    r"\{\{[^{}]*\}\}|```.*?```|`[^`]*`|\]\([^)]*\)|https?://\S+|\w+@\d+|\b[Tt]op-\d+\b"
    r"|^#+ \d+\.|\b\d\d_\w+",
    re.MULTILINE | re.DOTALL,
)


def stray_figures(prose: str) -> list[str]:
    """The numbers in `prose` that are not filled from the run (the words that hold them)."""
    return re.findall(r"\S*\d\S*", _NOT_FIGURES.sub(" ", prose))


def unquoted_figures(notebook: nbformat.NotebookNode) -> dict[int, list[str]]:
    """Per markdown cell after the first result, the numbers its prose (its template when it has one) states
    without quoting them from the run."""
    first = next(
        (i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.get("outputs")), len(notebook.cells)
    )
    found = {
        i: stray_figures(template(cell) or cell.source)
        for i, cell in enumerate(notebook.cells)
        if i > first and cell.cell_type == "markdown"
    }
    return {i: words for i, words in found.items() if words}


def run_in_place(name: str) -> None:
    """Execute `notebooks/<name>` with its own defaults (cwd notebooks/, as Jupyter would) and stamp it."""
    import papermill

    path = NOTEBOOKS / name
    refuse_edited_prose(name, nbformat.read(path, as_version=4))
    papermill.execute_notebook(
        str(path), str(path), cwd=str(NOTEBOOKS), kernel_name="python3", progress_bar=False, log_output=True
    )
    notebook = fill_prose(tidy(nbformat.read(path, as_version=4)))
    notebook.metadata["lbrec"] = {**stamp(notebook), "executed": time.strftime("%Y-%m-%d", time.gmtime())}
    nbformat.write(notebook, path)


def refill(name: str) -> None:
    """Fill `notebooks/<name>`'s prose again from the figures its last run quoted: for a change of wording. Refused
    when its code changed since that run, whose figures would then not be those of the code."""
    path = NOTEBOOKS / name
    notebook = nbformat.read(path, as_version=4)
    if notebook.metadata.get("lbrec", {}).get("code_sha256") != code_digest(notebook):
        raise SystemExit(f"{name}: its code changed since it ran: run it (`make notebooks`), not --refill")
    refuse_edited_prose(name, notebook)
    notebook = fill_prose(notebook)
    notebook.metadata["lbrec"]["prose_sha256"] = prose_digest(notebook)
    nbformat.write(notebook, path)


def refuse_edited_prose(name: str, notebook: nbformat.NotebookNode) -> None:
    if edited := edited_prose(notebook):
        raise SystemExit(
            f"{name}: cells {edited} were edited after their figures were filled in: write the change "
            f"into the cell with its {{{{placeholders}}}} (the template is in its metadata)"
        )


def tidy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What a reader on GitHub should see: no widget outputs (the progress bars, which a static page shows as
    "0%" since their state is not saved) and none of papermill's timings and paths of this machine."""
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if "application/vnd.jupyter.widget-view+json" not in o.get("data", {})
            ]
    notebook.metadata.pop("widgets", None)
    return notebook


def kernel_path() -> str:
    """The PYTHONPATH of the notebooks' kernels (cwd notebooks/): this checkout first, so that they import its lbrec,
    as this process does, and write under it, whatever a relative PYTHONPATH or the virtualenv's editable install
    would give them, and so that notebook 04 finds the members' measurement (`benchmarks.members`) beside it."""
    return os.pathsep.join([str(REPO), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])


def main(names: list[str]) -> int:
    if names[:1] == ["--refill"]:
        for name in names[1:] or TUTORIAL:
            refill(name)
        return 0
    os.environ["PYTHONPATH"] = kernel_path()
    from lbrec import paths

    checkpoint = paths.models_dir() / "ml-latest-small" / "checkpoint.safetensors"
    if checkpoint.is_file():  # a tutorial shows a real training run, not one resumed from its last epoch
        print(f"removing {checkpoint}: notebook 02 trains from scratch", file=sys.stderr)
        checkpoint.unlink()
    for name in names or TUTORIAL:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        run_in_place(name)
        print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
