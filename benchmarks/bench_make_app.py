"""`make app` from a fresh clone, as a new user meets it, beside another commit (e.g. an older main) in the same run.

    LBREC_DATA_DIR=../shared/data python -m benchmarks.bench_make_app [--baseline a37bacf] [--commit HEAD]

For each commit, one after the other: a fresh `git clone` of this repository, `make app` in it (a new virtual
environment, the install, `prepare`, `train`, `export`, then the server), until the server answers. Each phase ends
when the file it writes appears (`.venv/.installed-app`, the prepared `meta.json`, the model's `config.json`, its
`onnx.json`), so the phases need no log parsing; then the server is stopped and the clone's training record read:
seconds per epoch, the best epoch and the time to it. Last, the two default models are evaluated here on the same
split and users (validation and test NDCG@10 with 95% intervals, and the paired test of the new against the old).
Needs the training extra (torch). Results: a Markdown table on stdout and benchmarks/out/make_app.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from harness.browser import free_port
from harness.files import REPO
from lbrec import paths
from lbrec.data.dataset import Dataset
from lbrec.evaluation.protocol import evaluate_scorer
from lbrec.evaluation.stats import paired_test
from lbrec.model.folder import load_model
from lbrec.model.train import scorer

OUT = REPO / "benchmarks" / "out"
DATASET = "ml-latest-small"
PHASES = {
    "install": ".venv/.installed-app",
    "prepare": f"data/processed/{DATASET}/meta.json",
    "train": f"models/{DATASET}/config.json",
    "export": f"models/{DATASET}/onnx.json",
}


def answering(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/voila/static/voila.js", timeout=2):
            return True
    except OSError:
        return False


def make_app(commit: str, workdir: Path, timeout_s: float) -> dict:
    """A fresh clone of `commit`, `make app` in it until the server answers: the seconds at the end of each phase."""
    clone = workdir / commit
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", commit], check=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "LBREC_MODEL")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(REPO)))
    ended: dict[str, float] = {}
    with open(workdir / f"{commit}.log", "w") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            ["make", "app", f"PORT={port}"],
            cwd=clone,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while "serve" not in ended:
                if process.poll() is not None:
                    raise RuntimeError(f"make app of {commit} exited with {process.returncode}: see {log.name}")
                if time.perf_counter() - started > timeout_s:
                    raise RuntimeError(f"make app of {commit} did not serve within {timeout_s} s")
                for phase, path in PHASES.items():
                    if phase not in ended and (clone / path).exists():
                        ended[phase] = time.perf_counter() - started
                if "export" in ended and answering(f"http://127.0.0.1:{port}"):
                    ended["serve"] = time.perf_counter() - started
                time.sleep(0.5)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    record = json.loads((clone / PHASES["train"]).read_text())
    return {
        "commit": commit,
        "ended_s": ended,
        "model": str(clone / "models" / DATASET),
        "best_epoch": record["best_epoch"],
        "epochs": len(json.loads((clone / "models" / DATASET / "history.json").read_text())),
        "seconds_per_epoch": record["seconds"]["per_epoch"],
        "to_best_epoch_s": record["seconds"]["to_best_epoch"],
        "training_s": record["seconds"]["total"],
    }


def quality(runs: list[dict], dataset: Dataset) -> dict:
    """Both default models on this checkout's split: NDCG@10 with intervals, and the paired test new - old."""
    evaluations = {
        split: [evaluate_scorer(scorer(load_model(Path(r["model"]))), dataset, split) for r in runs]
        for split in ("val", "test")
    }
    return {
        split: {
            "ndcg@10": [e.metrics()["ndcg@10"] for e in pair],
            "ci95": [e.metrics()["ci95"]["ndcg@10"] for e in pair],
            "paired_new_minus_old": paired_test(pair[1], pair[0]),
        }
        for split, pair in evaluations.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="a37bacf", help="the older commit (default: %(default)s)")
    parser.add_argument("--commit", default="HEAD", help="the newer commit (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed for each make app")
    args = parser.parse_args()
    commits = [
        subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", c], check=True, capture_output=True, text=True
        ).stdout.strip()
        for c in (args.baseline, args.commit)
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lbrec-make-app-"))  # kept if anything fails, for a look at the logs
    report: dict = {"cpus": os.cpu_count(), "runs": []}
    for commit in commits:
        report["runs"].append(make_app(commit, work, args.timeout))
        (OUT / "make_app.json").write_text(json.dumps(report, indent=2))  # each run on disk as soon as it ends
    report["quality"] = quality(report["runs"], Dataset(paths.processed_dir(DATASET)))
    for run in report["runs"]:
        run.pop("model")
    (OUT / "make_app.json").write_text(json.dumps(report, indent=2))
    shutil.rmtree(work)
    print_report(report)


def print_report(report: dict) -> None:
    old, new = report["runs"]
    print(f"{report['cpus']} CPUs; fresh clones, one after the other\n")
    print(f"| | {old['commit']} | {new['commit']} | ratio |")
    print("|---|---:|---:|---:|")
    rows = [("make app, to serving (min)", old["ended_s"]["serve"] / 60, new["ended_s"]["serve"] / 60)]
    rows += [
        (f"  ... {phase} done at (min)", old["ended_s"][phase] / 60, new["ended_s"][phase] / 60) for phase in PHASES
    ]
    rows += [
        ("seconds per epoch", old["seconds_per_epoch"], new["seconds_per_epoch"]),
        ("time to the best epoch (s)", old["to_best_epoch_s"], new["to_best_epoch_s"]),
        ("training, whole (s)", old["training_s"], new["training_s"]),
        ("best epoch / epochs run", f"{old['best_epoch']} / {old['epochs']}", f"{new['best_epoch']} / {new['epochs']}"),
    ]
    for name, a, b in rows:
        ratio = f"{b / a:.2f}x" if isinstance(a, float) else ""
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in (a, b)]
        print(f"| {name} | {cells[0]} | {cells[1]} | {ratio} |")
    for split, q in report["quality"].items():
        (a, b), (ca, cb), t = q["ndcg@10"], q["ci95"], q["paired_new_minus_old"]
        print(
            f"\n{split} NDCG@10: old {a:.4f} [{ca[0]:.4f}, {ca[1]:.4f}], new {b:.4f} [{cb[0]:.4f}, {cb[1]:.4f}]; "
            f"paired new - old: {json.dumps(t)}"
        )


if __name__ == "__main__":
    main()
