"""What several benchmark scripts share, so that no script imports another: where results go (`OUT`), the app
served by `python -m lbrec app` and opened in chromium, a loopback server in a process of its own
(`served_apart`), `python -m lbrec` timed with its own peak memory and the
ML-32M-shaped data it runs on, RecBole's environment and its input, and the members' benchmark options and set-up.

Heavy imports (playwright, torch, the members' library) wait for the helper that needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from harness.browser import free_port
from harness.files import REPO
from lbrec import paths

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from benchmarks.members.models import Case, Setting
    from lbrec.data.dataset import Dataset

OUT = REPO / "benchmarks" / "out"  # every benchmark's results (git-ignored)
SCALE = OUT / "scale"  # the ML-32M-shaped data sets prepared, and the models trained on them
PAGE_TIMEOUT_MS = 120_000


# The app as `python -m lbrec app` serves it, and a page of it in chromium.


def start_server(model: Path, pool_size: int | None, checkout: Path = REPO) -> tuple[subprocess.Popen, str]:
    """`python -m lbrec app` of `checkout` on a free port (pool_size None: that checkout's own default)."""
    port = free_port()
    command = [sys.executable, "-m", "lbrec", "app", "--model", str(model.resolve()), f"--port={port}"]
    if pool_size is not None:
        command.append(f"--pool-size={pool_size}")
    server = subprocess.Popen(
        command,
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, f"http://127.0.0.1:{port}"


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()


def wait_until_answering(server: subprocess.Popen, url: str) -> None:
    """Voilà's readiness probe: its static files (a GET of / would start a kernel)."""
    while True:
        try:
            with urllib.request.urlopen(url + "/voila/static/voila.js", timeout=2):
                return
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}") from None
            time.sleep(0.05)


def new_page(browser: Browser, url: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    return page


def wait_interactive(page: Page) -> None:
    page.locator("button.lbrec-go:enabled").wait_for(timeout=PAGE_TIMEOUT_MS)


@contextlib.contextmanager
def served_apart(
    serve: Callable[..., None], args: tuple, context: str | None = None, timeout: float = 300.0
) -> Iterator[tuple[str, dict]]:
    """A loopback server in a process of its own, so that its threads never take this one's GIL: `serve(*args, queue,
    stop)` puts its URL on `queue`, waits for `stop`, then puts (requests answered, most in flight). Yields (its URL,
    what it saw: filled in on exit). `context`: multiprocessing's start method (None: the platform's)."""
    mp = multiprocessing.get_context(context)
    queue, stop_serving = mp.Queue(), mp.Event()
    process = mp.Process(target=serve, args=(*args, queue, stop_serving), daemon=True)
    process.start()
    seen: dict = {}
    try:
        yield queue.get(timeout=timeout), seen
    finally:
        stop_serving.set()
        seen["requests"], seen["max_in_flight"] = queue.get(timeout=60)
        process.join(30)


# `python -m lbrec` timed from outside, with its own peak memory, on ML-32M-shaped data.

# Runs `lbrec` and writes its own peak resident memory (VmHWM) to $BENCH_PEAK_FILE on the way out: os.wait4's
# ru_maxrss would also count this process's peak, which Linux carries into a child across fork and exec.
CHILD = """
import atexit, os, runpy, sys

def record_peak():
    with open("/proc/self/status") as status, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))

atexit.register(record_peak)
sys.argv[0] = "lbrec"
runpy.run_module("lbrec", run_name="__main__", alter_sys=True)
"""


def run_lbrec(*args: str) -> dict:
    """Run `python -m lbrec *args`: {"seconds", "peak_gib", "stdout"}; fail loudly with its stderr."""
    with tempfile.TemporaryDirectory() as work:
        peak_file = Path(work) / "peak"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "BENCH_PEAK_FILE": str(peak_file)},
        )
        seconds = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"lbrec {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        peak_kib = int(peak_file.read_text())
    return {"seconds": seconds, "peak_gib": peak_kib / 2**20, "stdout": done.stdout}


def synthetic(n: int) -> Path:
    """An ML-32M-shaped MovieLens folder of `n` ratings (200,000 users at 32M, 87,000 films), written once."""
    folder = OUT / f"synthetic-{n}"
    if not (folder / "links.csv").is_file():
        from lbrec.data import synthetic as generator

        print(f"generating {n:,} ratings into {folder} ...", file=sys.stderr)
        generator.write(folder, n, n_users=round(200_000 * n / 32_000_000), n_movies=87_000)
    return folder


def prepare_synthetic(n: int) -> tuple[Path, dict]:
    """`synthetic(n)` prepared by `lbrec prepare`, timed: (the data set's folder, the step's figures and stats)."""
    raw, out = synthetic(n), SCALE / f"prepared-{n}"
    step = run_lbrec(
        "prepare",
        "--ratings",
        str(raw / "ratings.csv"),
        "--movies",
        str(raw / "movies.csv"),
        "--links",
        str(raw / "links.csv"),
        "--name",
        f"synthetic-{n}",
        "--out",
        str(out),
        "--json",
    )
    stats = json.loads(step.pop("stdout"))
    return out, {**step, "stats": stats}


# RecBole 1.2.1 in a virtual environment of its own, and our data in its atomic format.

RECBOLE_REQUIREMENTS = [
    "numpy<2",
    "scipy<1.14",
    "pandas<2.3",
    "scikit-learn<1.6",
    "tqdm",
    "colorlog==4.7.2",
    "colorama==0.4.4",
    "pyyaml",
    "tensorboard",
    "thop",
    "tabulate",
    "plotly",
    "texttable",
    "psutil",
]


def recbole_python(out: Path) -> Path:
    """The RecBole environment's interpreter, installed once (same torch version as ours, for a fair race)."""
    import torch

    venv = out / "recbole-venv"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        print(f"installing RecBole 1.2.1 into {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, f"torch=={torch.__version__.split('+')[0]}", *RECBOLE_REQUIREMENTS], check=True)
        subprocess.run([*pip, "--no-deps", "recbole==1.2.1"], check=True)
        (venv / ".installed").touch()
    return python


def export_atomic(dataset: Dataset, folder: Path) -> None:
    """Our positives as RecBole's atomic .inter file; the position in the user's sequence is the timestamp, so
    RecBole's time order is ours exactly and its leave-one-out picks the same validation and test items."""
    folder.mkdir(parents=True, exist_ok=True)
    lengths = dataset.sequence_lengths()
    users = np.repeat(np.arange(dataset.n_users), lengths)
    position = np.arange(len(users)) - np.repeat(dataset.offsets[:-1], lengths)
    with open(folder / f"{folder.name}.inter", "w") as f:
        f.write("user_id:token\titem_id:token\ttimestamp:float\n")
        f.writelines(f"{u}\t{i}\t{p}\n" for u, i, p in zip(users, np.asarray(dataset.items), position, strict=True))


# The real Letterboxd members (benchmarks.members) with the served model folder.


def cell(figure: dict, digits: int = 3) -> str:
    """A mean with its 95% interval, as the members' tables show it: "0.065 [0.058, 0.073]" ("-" without one)."""
    if figure["mean"] is None:
        return "-"
    low, high = figure["ci95"]
    return f"{figure['mean']:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def paired_cell(test: dict) -> str:
    """A paired test's difference with its 95% interval and p-value: "+0.0066 [+0.0023, +0.0108], p 0.002"."""
    return f"{test['mean_diff']:+.4f} [{test['ci95'][0]:+.4f}, {test['ci95'][1]:+.4f}], p {test['p_bootstrap']:.3f}"


def member_arguments(
    prog: str, description: str, argv: list[str] | None = None, json: bool = False
) -> argparse.Namespace:
    """The options of a benchmark on the members with the served folder: --model, --members, --seed (and `json`:
    --json PATH)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="the served model folder (default: LBREC_MODEL, else models/ml-latest-small)",
    )
    parser.add_argument("--members", type=int, help="a sample of this many members (fixed seed); default: all")
    parser.add_argument("--seed", type=int, default=0, help="draws the sample and the hidden films")
    if json:
        parser.add_argument("--json", type=Path, metavar="PATH", help="write every figure here")
    return parser.parse_args(argv)


def served_members(args: argparse.Namespace) -> tuple[Setting, list[Case], np.ndarray]:
    """The served engine's setting, the members' cases (`bench_members`' protocol) and the members drawn."""
    from benchmarks.members.data import load_members
    from benchmarks.members.models import Setting, prepare
    from lbrec.artifacts import read_json
    from lbrec.data.dataset import Dataset
    from lbrec.serving.engine import Recommender

    model_dir = args.model or paths.default_model_dir()
    engine = Recommender(model_dir)
    dataset = Dataset(read_json(model_dir / "config.json")["dataset_path"])
    data = load_members()
    setting = Setting.of(engine, dataset, data)
    members = data.sample(args.members, args.seed)
    return setting, prepare(setting, members, args.seed), members


def random_model_dir(n_items: int, root: Path, config: object | None = None) -> Path:
    """An exported model folder with random weights and a placeholder catalog of `n_items` films (`config`: a
    `SASRecConfig`): timing does not depend on the weights."""
    import pandas as pd
    import torch

    from lbrec.model.config import SASRecConfig
    from lbrec.model.export import export_model_dir
    from lbrec.model.folder import write_model
    from lbrec.model.sasrec import SASRec

    torch.manual_seed(0)
    model = SASRec(config or SASRecConfig(n_items=n_items))
    dataset = root / f"dataset-{n_items}"
    dataset.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    ids = np.arange(1, n_items + 1)
    pd.DataFrame(
        {
            "movieId": ids,
            "ml_title": [f"Film {i}" for i in ids],
            "title": [f"Film {i}" for i in ids],
            "year": pd.array(rng.integers(1920, 2024, n_items), dtype="Int32"),
            "alternates": [[] for _ in ids],
            "genres": [["Drama"] for _ in ids],
            "imdbId": pd.array(ids + 1_000_000, dtype="Int64"),
            "tmdbId": pd.array(ids, dtype="Int64"),
            "n_ratings": rng.zipf(1.5, n_items),
            "item_index": ids.astype("int32"),
            "n_positives": np.ones(n_items, dtype=np.int64),
        }
    ).to_parquet(dataset / "catalog.parquet")
    folder = root / f"model-{n_items}"
    folder.mkdir(exist_ok=True)
    write_model(
        folder,
        model,
        np.concatenate([[0], ids]),
        {"model": model.config.to_dict(), "dataset": f"random-{n_items}", "dataset_path": str(dataset)},
        history=[],
    )
    export_model_dir(folder, blend=False)
    return folder
