"""ML-32M scale on this machine: the pipeline (prepare, one training epoch, evaluation, export) at the ML-32M shape,
and the scaling curve of prepare and one epoch at 1M, 4M, 16M and 32M ratings.

    python -m benchmarks.bench_scale                              # both parts
    python -m benchmarks.bench_scale --part curve --sizes 1e6 4e6 # a quicker look

The real ML-32M cannot be downloaded here: `lbrec.synthetic` writes ML-32M-shaped folders once (benchmarks/out/
synthetic-<N>/, as bench_prepare.py does; users scale with the ratings, 200,000 at 32M; 87,000 movies throughout).
Every step is a `python -m lbrec ...` process of its own: wall time from outside, peak memory = that process's own
high-water mark of resident memory (VmHWM), so each figure is the step's own. Epochs are whole unless --batches N is
given: then an epoch longer than N batches is timed on its first N and extrapolated (seconds per batch x batches per
epoch), and the tables say so. The curve trains with the sampled loss at every size, as `auto` does at 86k films
(it would pick the full softmax for the smaller catalogs of the smaller sizes); its 32M point is the pipeline's
epoch, from this run or the last one with the same --batches (a part not run keeps its figures in scale.json).
Writes benchmarks/out/scale.json and docs/scaling.png, and prints the Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.common import OUT, SCALE, prepare_synthetic, run_lbrec
from harness.files import REPO

PLOT = REPO / "docs" / "scaling.png"


def train_epoch(
    data: Path,
    model: Path,
    batches: int,
    threads: int,
    eval_users: int | None,
    val_users: int,
    device: str,
    loss: str = "auto",
) -> dict:
    """One epoch (or its first `batches` batches, extrapolated) through `lbrec train`."""
    from lbrec.data.dataset import Dataset
    from lbrec.model.config import TrainConfig
    from lbrec.model.train import windows

    dataset = Dataset(data)
    per_epoch = math.ceil(len(windows(dataset, 50)[0]) / TrainConfig().batch_size)
    val_users = min(val_users, len(dataset.eval_cases("val")[0]))
    timed = min(batches, per_epoch) if batches else per_epoch
    args = [
        "train",
        "--data",
        str(data),
        "--out",
        str(model),
        "--epochs",
        "1",
        "--epoch-batches",
        str(timed),
        "--val-users",
        str(val_users),
        "--loss",
        loss,
        "--threads",
        str(threads),
        "--device",
        device,
        "--restart",
        "--quiet",
        "--json",
    ] + (["--eval-users", str(eval_users)] if eval_users else [])
    step = run_lbrec(*args)
    result = json.loads(step.pop("stdout"))
    record = json.loads((model / "history.json").read_text())[0]
    return {
        **step,
        "loss": result["train"]["loss"],
        "batches_per_epoch": per_epoch,
        "timed_batches": timed,
        "timed_seconds": record["train_seconds"],
        "windows": record["windows"],
        "targets": record["targets"],
        "epoch_seconds": record["train_seconds"] / timed * per_epoch,
        "extrapolated": timed < per_epoch,
        "validation_seconds": record["elapsed_seconds"] - record["train_seconds"],
        "val_users": val_users,
        "evaluation_seconds": result["seconds"]["final_evaluation"],
        "eval_users": result["metrics"]["test"]["users"],
    }


def pipeline(args: argparse.Namespace) -> dict:
    n = int(float(args.ratings))
    print("pipeline: prepare ...", file=sys.stderr)
    data, prepared = prepare_synthetic(n)
    print("pipeline: one training epoch and the model's evaluation ...", file=sys.stderr)
    model = SCALE / f"model-pipeline-{n}"
    trained = train_epoch(data, model, args.batches, args.threads, None, 10_000, args.device)
    print("pipeline: export ...", file=sys.stderr)
    exported = run_lbrec("export", "--model", str(model), "--json")
    onnx = json.loads(exported.pop("stdout"))
    print("pipeline: evaluate beside the baselines ...", file=sys.stderr)
    compared = run_lbrec(
        "evaluate", "--model", str(model), "--users", str(args.users), "--device", args.device, "--json"
    )
    report = json.loads(compared.pop("stdout"))
    return {
        "ratings": n,
        "prepare": prepared,
        "train": trained,
        "export": {**exported, "onnx_mb": onnx["bytes"] / 2**20},
        "evaluate": {
            **compared,
            "users": report["users"],
            "models": sorted(report["models"]),
            "notes": report["notes"],
        },
    }


def curve(args: argparse.Namespace, pipeline: dict | None) -> list[dict]:
    points = []
    for n in [int(float(s)) for s in args.sizes]:
        if pipeline and n == pipeline["ratings"] and pipeline["train"]["loss"] == "sampled":
            points.append({"ratings": n, "prepare": pipeline["prepare"], "train": pipeline["train"]})
            continue
        print(f"curve: {n:,} ratings ...", file=sys.stderr)
        data, prepared = prepare_synthetic(n)
        # sampled at every size, as at 32M (auto would pick the full softmax for the smaller catalogs)
        trained = train_epoch(
            data, SCALE / f"model-{n}", args.batches, args.threads, 1_000, 1_000, args.device, loss="sampled"
        )
        points.append({"ratings": n, "prepare": prepared, "train": trained})
    return points


def plot(points: list[dict], where: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    millions = [p["ratings"] / 1e6 for p in points]
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, unit, label in [
        (time_ax, "seconds", "minutes", "time"),
        (memory_ax, "peak_gib", "GiB", "peak memory"),
    ]:
        prepare = [p["prepare"][key] / (60 if key == "seconds" else 1) for p in points]
        epoch = [(p["train"]["epoch_seconds"] / 60) if key == "seconds" else p["train"][key] for p in points]
        ax.plot(millions, prepare, "o-", label="prepare")
        ax.plot(millions, epoch, "s-", label="one training epoch" + (f" ({where})" if key == "seconds" else ""))
        if key == "seconds":  # a straight line through the origin and the largest point: linear growth
            ax.plot([0, millions[-1]], [0, epoch[-1]], ":", color="grey", label="linear")
            for x, y, p in zip(millions, epoch, points, strict=True):
                if p["train"]["extrapolated"]:
                    ax.annotate("extrapolated", (x, y), textcoords="offset points", xytext=(-30, 8), fontsize=8)
        ax.set(xlabel="ratings (millions)", ylabel=unit, title=label, xlim=(0, None), ylim=(0, None))
        ax.legend()
    fig.suptitle(f"lbrec at ML-32M-shaped scale (synthetic data; {where})")
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def _gpu_name() -> str | None:
    """The CUDA GPU the steps would use under `--device auto`, for the record."""
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["pipeline", "curve", "both"], default="both")
    parser.add_argument("--ratings", default="32e6", help="size of the pipeline's data set (default: %(default)s)")
    parser.add_argument("--sizes", nargs="+", default=["1e6", "4e6", "16e6", "32e6"], help="sizes of the curve")
    parser.add_argument(
        "--batches",
        type=int,
        default=0,
        help="time at most this many batches per epoch and extrapolate (default: whole epochs)",
    )
    parser.add_argument("--users", type=int, default=20_000, help="user sample for `lbrec evaluate` (baselines)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--device",
        default="auto",
        help="training and evaluation device (default: %(default)s: a CUDA GPU when there is one, else the CPU)",
    )
    args = parser.parse_args()
    SCALE.mkdir(parents=True, exist_ok=True)
    previous = OUT / "scale.json"
    report = json.loads(previous.read_text()) if previous.is_file() else {}  # a part not run keeps its last figures
    report.setdefault("runs", {})
    run_info = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "threads": args.threads,
            "device": args.device,
            "gpu": _gpu_name(),
            "load_average_at_start": os.getloadavg(),
        },
        "batches": args.batches,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if args.part in ("pipeline", "both"):
        report["pipeline"], report["runs"]["pipeline"] = pipeline(args), run_info
    if args.part in ("curve", "both"):
        reuse = (
            report.get("pipeline")
            if report.get("runs", {}).get("pipeline", {}).get("batches") == args.batches
            else None
        )
        report["curve"], report["runs"]["curve"] = curve(args, reuse), run_info
        machine = run_info["machine"]
        plot(report["curve"], machine["gpu"] or f"{machine['cores']}-core CPU, {machine['threads']} threads")
    (OUT / "scale.json").write_text(json.dumps(report, indent=2))
    print_tables(report)


def print_tables(report: dict) -> None:
    if "pipeline" in report:
        p = report["pipeline"]
        t = p["train"]
        print("| step | wall (s) | peak memory (GiB) | notes |")
        print("|---|---:|---:|---|")
        print(
            f"| prepare | {p['prepare']['seconds']:.1f} | {p['prepare']['peak_gib']:.2f} | "
            f"{p['prepare']['stats']['positives']:,} positives, {p['prepare']['stats']['items']:,} films |"
        )
        print(
            f"| train (`lbrec train --epochs 1`, {t['loss']} loss) | {t['seconds']:.0f} | {t['peak_gib']:.2f} | "
            f"the epoch: {t['epoch_seconds']:.0f} s"
            + (
                f" (extrapolated from {t['timed_batches']} of {t['batches_per_epoch']:,} batches)"
                if t["extrapolated"]
                else f" ({t['batches_per_epoch']:,} batches)"
            )
            + f"; validation on {t['val_users']:,} users: {t['validation_seconds']:.0f} s; final evaluation of "
            f"{t['eval_users']:,} users (val and test): {t['evaluation_seconds']:.0f} s |"
        )
        print(
            f"| export (ONNX, {p['export']['onnx_mb']:.0f} MB) | {p['export']['seconds']:.1f} | "
            f"{p['export']['peak_gib']:.2f} | |"
        )
        print(
            f"| evaluate beside {', '.join(m for m in p['evaluate']['models'] if m != 'sasrec')} | "
            f"{p['evaluate']['seconds']:.0f} | {p['evaluate']['peak_gib']:.2f} | {p['evaluate']['users']:,} users; "
            f"{'; '.join(p['evaluate']['notes'])} |"
        )
        print()
    if "curve" in report:
        print("| ratings | users | films | prepare (s) | prepare peak (GiB) | epoch (s) | epoch peak (GiB) |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for c in report["curve"]:
            s, t = c["prepare"]["stats"], c["train"]
            print(
                f"| {c['ratings'] / 1e6:.0f}M | {s['users']:,} | {s['items']:,} | {c['prepare']['seconds']:.1f} | "
                f"{c['prepare']['peak_gib']:.2f} | {t['epoch_seconds']:.0f}{'*' if t['extrapolated'] else ''} | "
                f"{t['peak_gib']:.2f} |"
            )


if __name__ == "__main__":
    main()
