"""The SASRec + item-to-item blend: its quality, its serving cost, and its item-to-item part at scale.

    LBREC_DATA_DIR=../shared/data python -m benchmarks.bench_blend [--model models/ml-latest-small]
                                                                   [--part quality latency scale]

- quality: `compare` with the blend (every choice on validation), on ml-latest-small's validation and test: NDCG@10
  and HR@10 with 95% intervals for SASRec, EASE, the blend and the other baselines, the paired tests, and the best
  validation NDCG@10 per source and number of weights kept.
- latency: the engine at batch 1 on one thread, the served blend beside SASRec alone (the same weights exported
  with `--no-blend`), in the same process, interleaved; histories of 50 and 500 films; with explanations.
- scale: at the ML-32M shape (the synthetic data `benchmarks/bench_scale.py` prepares): the item-to-item part's
  fit time and peak memory (its own process), the bytes it adds to the model folder, and the engine's latency at
  87k films with and without it. The weight there is fixed at 0.9 for timing (choosing it needs a trained model).

Results: Markdown on stdout and benchmarks/out/blend.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.files import REPO
from lbrec import paths

OUT = REPO / "benchmarks" / "out"
SCALE_DATA = OUT / "scale" / "prepared-32000000"
KEEP_AT_SCALE = 50


def quality(model_dir: Path) -> dict:
    from lbrec.evaluation.compare import compare
    from lbrec.model.folder import load_model, trained_dataset
    from lbrec.model.train import scorer

    dataset = trained_dataset(model_dir)
    comparison = compare(dataset, {"sasrec": scorer(load_model(model_dir))}, blend_with="sasrec", log=print)
    report = comparison.report()
    grid: dict[str, float] = {}
    for name, ndcg in comparison.blend.validation.items():  # type: ignore[union-attr]
        key = "sasrec" if name == "sasrec" else name.rsplit(" w=", 1)[0]
        grid[key] = max(grid.get(key, 0.0), ndcg)
    return {
        "models": report["models"],
        "paired_tests": report["paired_tests"],
        "blend": report["blend"],
        "best_validation_per_source_and_keep": grid,
        "ease_lambda": report["ease_lambda"],
    }


def timed_engines(blended: Path, alone: Path, lengths: tuple[int, ...], n: int) -> dict:
    """p50/p99 of both engines, one thread, interleaved in rounds so that a slow moment hits both."""
    from lbrec.serving.engine import Recommender
    from lbrec.serving.latency import percentiles, sample_history

    engines = {"blend": Recommender(blended, threads=1), "sasrec alone": Recommender(alone, threads=1)}
    out: dict = {}
    for length in lengths:
        history = sample_history(engines["blend"], length)
        for _ in range(3):
            for name, engine in engines.items():
                for explain in (False, True):
                    key = f"{name}, {length} films" + (", explained" if explain else "")
                    runs = n if not explain else max(n // 10, 20)
                    p = percentiles(lambda: engine.recommend(history, k=10, explain=explain), runs)  # noqa: B023
                    out.setdefault(key, []).append(p)
    return {
        key: {"p50_ms": min(r["p50_ms"] for r in rounds), "p99_ms": min(r["p99_ms"] for r in rounds)}
        for key, rounds in out.items()
    }


def latency(model_dir: Path, n: int) -> dict:
    """The served folder against a copy exported with --no-blend."""
    from lbrec.model.export import export_model_dir

    with tempfile.TemporaryDirectory(prefix="lbrec-blend-") as tmp:
        alone = Path(tmp) / "alone"
        shutil.copytree(model_dir, alone, ignore=shutil.ignore_patterns("item_item.*", "checkpoint.safetensors"))
        export_model_dir(alone, blend=False)
        return timed_engines(model_dir, alone, (50, 500), n)


def fit_at_scale(folder: str) -> None:
    """Run in a child process: fit and write the item-to-item part, print its seconds and peak memory as JSON."""
    from lbrec.data.dataset import Dataset
    from lbrec.evaluation.blend import fit_item_item

    started = time.perf_counter()
    item_item = fit_item_item(Dataset(SCALE_DATA), "test", "itemknn", KEEP_AT_SCALE, None)
    item_item.save(folder)
    print(
        json.dumps(
            {
                "fit_s": time.perf_counter() - started,
                "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
            }
        )
    )


def scale(n: int) -> dict:
    from benchmarks.common import random_model_dir
    from lbrec.artifacts import read_json, sha256_file, write_json
    from lbrec.data.dataset import Dataset
    from lbrec.model.config import SASRecConfig
    from lbrec.serving.itemitem import FILES

    if not (SCALE_DATA / "meta.json").is_file():
        sys.exit(f"{SCALE_DATA} not found: run `python -m benchmarks.bench_scale --part pipeline` first")
    dataset = Dataset(SCALE_DATA)
    with tempfile.TemporaryDirectory(prefix="lbrec-blend-scale-") as tmp:
        alone = random_model_dir(dataset.n_items, Path(tmp), SASRecConfig(n_items=dataset.n_items))
        blended = Path(tmp) / "blended"
        shutil.copytree(alone, blended)
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_blend", "--fit-at-scale", str(blended)],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        fitted = json.loads(child.stdout.strip().splitlines()[-1])
        meta = read_json(blended / "onnx.json")
        meta["files"] |= {name: sha256_file(blended / name) for name in FILES.values()}
        meta["blend"] = {"source": "itemknn", "keep": KEEP_AT_SCALE, "weight": 0.9, "served": "blend"}
        write_json(blended / "onnx.json", meta)
        added = sum((blended / name).stat().st_size for name in FILES.values())
        folder = sum(p.stat().st_size for p in alone.iterdir() if p.is_file())
        return {
            "n_items": dataset.n_items,
            "n_users": dataset.n_users,
            **fitted,
            "added_mib": added / 2**20,
            "folder_mib_without": folder / 2**20,
            "latency": timed_engines(blended, alone, (50, 500), n),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=paths.default_model_dir())
    parser.add_argument(
        "--part", nargs="+", default=["quality", "latency", "scale"], choices=["quality", "latency", "scale"]
    )
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per contender and round")
    parser.add_argument("--fit-at-scale", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit_at_scale:
        fit_at_scale(args.fit_at_scale)
        return
    report: dict = {"cpus": os.cpu_count(), "model": str(args.model)}
    if "quality" in args.part:
        report["quality"] = quality(args.model)
    if "latency" in args.part:
        report["latency"] = latency(args.model, args.requests)
    if "scale" in args.part:
        report["scale"] = scale(args.requests // 4)
    OUT.mkdir(parents=True, exist_ok=True)
    previous = json.loads((OUT / "blend.json").read_text()) if (OUT / "blend.json").is_file() else {}
    (OUT / "blend.json").write_text(json.dumps(previous | report, indent=2))
    print_report(report)


def print_report(report: dict) -> None:
    if "quality" in report:
        q = report["quality"]
        print(f"blend: {q['blend']['description']} (EASE lambda {q['ease_lambda']})\n")
        print("| model | val NDCG@10 | test NDCG@10 [95% CI] | test HR@10 [95% CI] | coverage@10 |")
        print("|---|---:|---:|---:|---:|")
        for name, m in q["models"].items():
            (nl, nh), (hl, hh) = m["ci95"]["ndcg@10"], m["ci95"]["hr@10"]
            print(
                f"| {name} | {m['val']['ndcg@10']:.4f} | {m['ndcg@10']:.4f} [{nl:.4f}, {nh:.4f}] | "
                f"{m['hr@10']:.4f} [{hl:.4f}, {hh:.4f}] | {m['coverage@10']:.3f} |"
            )
        print("\n| paired test on test (NDCG@10) | mean difference [95% CI] | p (bootstrap) | p (Wilcoxon) |")
        print("|---|---:|---:|---:|")
        for name, t in q["paired_tests"].items():
            low, high = t["ci95"]
            print(
                f"| {name.replace('_vs_', ' - ')} | {t['mean_diff']:+.4f} [{low:+.4f}, {high:+.4f}] | "
                f"{t['p_bootstrap']:.3f} | {t['p_wilcoxon']:.3f} |"
            )
        print(
            "\nbest validation NDCG@10 over the weights, per source and weights kept: "
            + "; ".join(f"{k} {v:.4f}" for k, v in q["best_validation_per_source_and_keep"].items())
        )
    for part in ("latency", "scale"):
        if part not in report:
            continue
        timings = report[part] if part == "latency" else report[part]["latency"]
        if part == "scale":
            s = report["scale"]
            print(
                f"\nat {s['n_items']:,} films, {s['n_users']:,} users: item-kNN fit {s['fit_s']:.0f} s, peak "
                f"{s['peak_gib']:.2f} GiB; adds {s['added_mib']:.1f} MiB to a {s['folder_mib_without']:.0f} MiB folder"
            )
        print(f"\n| engine, one thread ({part}) | p50 (ms) | p99 (ms) | p50 ratio to SASRec alone |")
        print("|---|---:|---:|---:|")
        for key, t in timings.items():
            alone = timings[key.replace("blend", "sasrec alone")]["p50_ms"]
            print(f"| {key} | {t['p50_ms']:.2f} | {t['p99_ms']:.2f} | {t['p50_ms'] / alone:.2f}x |")


if __name__ == "__main__":
    main()
