"""The tutorial notebooks (01-04) run for real, in place, and stamped with the code that produced their outputs.

    python -m tests.helpers.notebooks      # what `make notebooks` runs: ml-latest-small, the default settings

Each executed notebook keeps, in its metadata, the sha256 of its code cells' sources; the suite checks that the
committed outputs carry the digest of the committed code (tests/integration/test_notebooks.py), so a notebook
edited without being run again fails the tests. Notebook 05 is the app: Voilà runs it, it is committed bare.
"""

from __future__ import annotations

import hashlib
import sys
import time

import nbformat

from tests.helpers.files import REPO

NOTEBOOKS = REPO / "notebooks"
TUTORIAL = ("01_preprocess.ipynb", "02_train.ipynb", "03_evaluate.ipynb", "04_export.ipynb")
APP = "05_recommend.ipynb"


def code_digest(notebook: nbformat.NotebookNode) -> str:
    """sha256 of the code cells' sources, in order: what the outputs must have been produced by."""
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    return hashlib.sha256("\n\0\n".join(sources).encode("utf-8")).hexdigest()


def run_in_place(name: str) -> None:
    """Execute `notebooks/<name>` with its own defaults (cwd notebooks/, as Jupyter would) and stamp it."""
    import papermill

    path = NOTEBOOKS / name
    papermill.execute_notebook(str(path), str(path), cwd=str(NOTEBOOKS), kernel_name="python3", progress_bar=False,
                               log_output=True)
    notebook = tidy(nbformat.read(path, as_version=4))
    notebook.metadata["lbrec"] = {"code_sha256": code_digest(notebook),
                                  "executed": time.strftime("%Y-%m-%d", time.gmtime())}
    nbformat.write(notebook, path)


def tidy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What a reader on GitHub should see: no widget outputs (the progress bars, which a static page shows as
    "0%" since their state is not saved) and none of papermill's timings and paths of this machine."""
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if "application/vnd.jupyter.widget-view+json" not in o.get("data", {})]
    notebook.metadata.pop("widgets", None)
    return notebook


def main(names: list[str]) -> int:
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
