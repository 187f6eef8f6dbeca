"""The cost of a training option per step: one training step (forward, loss, backward, AdamW) of the served settings
on real ml-latest-small batches, with and without each option, alternated in one process so that the ratios hold on
a noisy machine.

    python -m benchmarks.bench_step [--data data/processed/ml-latest-small] [--steps 40] [--threads 2]

Variants: the default loop, `--future-weight 0.5` (the set objective) and `--shuffle-windows 0.5` (order
augmentation). Each variant takes every batch in turn (the same windows), after two warm-up steps of each; the table
gives the median and 90th percentile milliseconds per step and the ratio of medians to the default.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

import numpy as np
import torch

from lbrec import paths
from lbrec.data.dataset import Dataset
from lbrec.model.config import SASRecConfig, TrainConfig, resolve_loss
from lbrec.model.losses import sequence_loss
from lbrec.model.sasrec import SASRec
from lbrec.model.train import batch_of, shuffle_windows, windows

VARIANTS = {"default": {}, "future_weight=0.5": {"future_weight": 0.5}, "shuffle_windows=0.5": {"shuffle_windows": 0.5}}
WARM_UP = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_step", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(paths.processed_dir("ml-latest-small")), help="a prepared data set")
    parser.add_argument("--steps", type=int, default=40, help="timed steps of each variant")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    dataset = Dataset(args.data)
    network = SASRecConfig(n_items=dataset.n_items)
    base = resolve_loss(TrainConfig(), network)
    items = np.asarray(dataset.items)
    starts, ends = windows(dataset, network.max_len)
    rng = np.random.default_rng(0)
    runs = {}
    for name, change in VARIANTS.items():
        torch.manual_seed(0)
        model = SASRec(network)
        runs[name] = (model, torch.optim.AdamW(model.parameters(), lr=base.lr), replace(base, **change))
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for step in range(WARM_UP + args.steps):
        chosen = rng.choice(len(starts), base.batch_size, replace=False)
        batch = batch_of(items, starts[chosen], ends[chosen], network.max_len + 1)
        for name, (model, optimizer, config) in runs.items():
            started = time.perf_counter()
            read = shuffle_windows(batch, config.shuffle_windows, np.random.default_rng(step)) \
                if config.shuffle_windows else batch
            loss = sequence_loss(model, read, config)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if step >= WARM_UP:
                times[name].append((time.perf_counter() - started) * 1000)
    default = float(np.median(times["default"]))
    print(f"{dataset.name}: {args.steps} steps of {base.batch_size} windows each, {args.threads} threads, "
          f"{base.loss} loss\n")
    print("| variant | ms per step, median | p90 | x default |\n|---|---:|---:|---:|")
    for name, values in times.items():
        print(f"| {name} | {np.median(values):.0f} | {np.percentile(values, 90):.0f} | "
              f"{np.median(values) / default:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
