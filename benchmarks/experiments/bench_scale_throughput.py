"""Training throughput on this CPU: lbrec's SASRec beside RecBole 1.2.1's at the ml-latest-small and ML-32M shapes,
in the same run, with the same torch and the same number of threads.

    python -m benchmarks.experiments.bench_scale_throughput [--threads 2] [--batches 100] [--recbole-batches 20]

A "sequence" is one training sample, and the two implementations do not mean the same thing by it: lbrec trains on
windows of up to 51 films, every position a target (up to 50 next-item predictions per sequence); RecBole trains on
every prefix of every history, one target each. So the table gives both sequences/s and targets/s (next-item
predictions trained per second), the comparable unit of work.

- lbrec: `lbrec.model.train.train` with its defaults (auto loss: the full softmax over 6,389 films; 1,024 shared sampled
  negatives at 86k films). ml-latest-small: three whole epochs, the median. ML-32M shape (the 32M-rating synthetic
  data set of bench_prepare.py, prepared): the first --batches batches of an epoch (an epoch is 2,755 batches).
- RecBole: its SASRec defaults (full-softmax CE over every film, dim 64, batch 2048; bench_scale_recbole.py).
  ml-latest-small: one whole epoch. ML-32M shape: --recbole-batches batches after two untimed ones, trained on a
  random tenth of the users (RecBole's data preparation materialises every prefix of every history, 12M x 50 at
  full size) with the full 86k-film vocabulary (an atomic .item file), so its softmax is as wide as at full size.

Writes benchmarks/out/scale_throughput.json and prints the Markdown table.

Found (2 CPU threads each): lbrec trains 16x more targets a second than RecBole at the ml-latest-small shape and 35x
more at the ML-32M shape (its sampled softmax keeps the cost per batch flat where RecBole's CE over 86k films does
not). Recorded in docs/history.md, "Training throughput beside RecBole's SASRec" (commit 22e7dfd).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from benchmarks.common import OUT, SCALE, export_atomic, recbole_python
from lbrec import paths
from lbrec.data.dataset import Dataset
from lbrec.model.config import SASRecConfig, TrainConfig, resolve_loss
from lbrec.model.train import train

HERE = Path(__file__).resolve().parent


def lbrec_throughput(dataset: Dataset, epochs: int, batches: int | None, threads: int) -> dict:
    """Sequences (windows) and targets per second of `lbrec.model.train.train`'s training passes."""
    torch.set_num_threads(threads)
    model_config = SASRecConfig(n_items=dataset.n_items)
    config = TrainConfig(epochs=epochs, epoch_batches=batches, patience=epochs, val_users=1_000, eval_users=1_000)
    train(
        dataset,
        OUT / "scale-throughput-model",
        model_config,
        config,
        device="cpu",
        resume=False,
        progress=False,
        log=lambda _: None,
    )
    history = json.loads((OUT / "scale-throughput-model" / "history.json").read_text())
    median = sorted(history, key=lambda h: h["train_seconds"])[len(history) // 2]
    return {
        "items": dataset.n_items,
        "loss": resolve_loss(config, model_config).loss,
        "epochs": len(history),
        "batches": batches or "all",
        "sequences": median["windows"],
        "targets": median["targets"],
        "seconds": median["train_seconds"],
        "sequences_per_second": median["windows"] / median["train_seconds"],
        "targets_per_second": median["targets"] / median["train_seconds"],
    }


def export_user_sample(dataset: Dataset, folder: Path, every: int) -> None:
    """Every `every`-th user's positives as RecBole's atomic .inter (position = timestamp, as bench_train does),
    and every item as a one-column .item file so that RecBole's vocabulary is the full catalog."""
    folder.mkdir(parents=True, exist_ok=True)
    lengths = dataset.sequence_lengths()
    users = np.repeat(np.arange(dataset.n_users), lengths)
    position = np.arange(len(users)) - np.repeat(dataset.offsets[:-1], lengths)
    keep = users % every == 0
    pd.DataFrame(
        {
            "user_id:token": users[keep],
            "item_id:token": np.asarray(dataset.items)[keep],
            "timestamp:float": position[keep],
        }
    ).to_csv(folder / f"{folder.name}.inter", sep="\t", index=False)
    pd.DataFrame({"item_id:token": np.arange(1, dataset.n_items + 1)}).to_csv(
        folder / f"{folder.name}.item", sep="\t", index=False
    )


def recbole_throughput(data: Path, name: str, batches: int, threads: int) -> dict:
    python = recbole_python(OUT)
    done = subprocess.run(
        [
            str(python),
            str(HERE / "bench_scale_recbole.py"),
            "--data-path",
            str(data),
            "--dataset",
            name,
            "--batches",
            str(batches),
            "--threads",
            str(threads),
        ],
        cwd=data.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"RecBole failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {**result, "sequences_per_second": result["samples_per_second"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=Path, default=paths.processed_dir("ml-latest-small"))
    parser.add_argument(
        "--large",
        type=Path,
        default=SCALE / "prepared-32000000",
        help="the prepared ML-32M-shaped data set (benchmarks/bench_scale.py writes it)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, default=100, help="lbrec batches timed at the ML-32M shape")
    parser.add_argument("--recbole-batches", type=int, default=20, help="RecBole batches timed at the ML-32M shape")
    args = parser.parse_args()
    small, large = Dataset(args.small), Dataset(args.large)
    load = os.getloadavg()
    work = OUT / "scale-throughput-recbole"
    export_atomic(small, work / "small" / "small")
    export_user_sample(large, work / "large" / "large", every=10)
    rows = {}
    for shape, dataset, data, batches, recbole_batches in [
        ("ml-latest-small", small, work / "small", None, 0),
        ("ML-32M shape", large, work / "large", args.batches, args.recbole_batches),
    ]:
        print(f"{shape}: lbrec ...", file=sys.stderr)
        rows[(shape, "lbrec")] = lbrec_throughput(dataset, 3 if batches is None else 1, batches, args.threads)
        print(f"{shape}: RecBole ...", file=sys.stderr)
        rows[(shape, "RecBole 1.2.1")] = recbole_throughput(data, data.name, recbole_batches, args.threads)
    report = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "threads": args.threads,
            "load_average_at_start": load,
            "torch": torch.__version__,
        },
        "results": [{"shape": s, "implementation": i, **r} for (s, i), r in rows.items()],
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (OUT / "scale_throughput.json").write_text(json.dumps(report, indent=2))
    print("| shape | implementation | films | what was timed | sequences/s | targets/s |")
    print("|---|---|---:|---|---:|---:|")
    for (shape, name), r in rows.items():
        timed = (
            f"{r['epochs']} epochs, median ({r['loss']})"
            if name == "lbrec" and r["batches"] == "all"
            else f"{r['batches']} batches ({r['loss']})"
            if name == "lbrec"
            else f"{r['timed_batches']} batches of {r['batch_size']} (CE)"
        )
        print(
            f"| {shape} | {name} | {r['items']:,} | {timed} | {r['sequences_per_second']:,.0f} | "
            f"{r['targets_per_second']:,.0f} |"
        )


if __name__ == "__main__":
    main()
