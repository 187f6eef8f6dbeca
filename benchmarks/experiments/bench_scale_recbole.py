"""RecBole 1.2.1's SASRec training throughput on an atomic data set, run by bench_scale_throughput.py inside RecBole's
own virtual environment (it imports nothing from lbrec).

The settings are bench_train_recbole.py's (RecBole's SASRec defaults: CE over every item, dim 64, 2 layers, 2 heads,
max_len 50, batch 2048). Each training sample is one prefix of a user's sequence with one target. The loop is the
inner loop of RecBole's `Trainer._train_epoch` (its data loader, `calculate_loss`, backward, Adam step), timed over
`--batches` batches after `--warmup` untimed ones (0: one whole epoch). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch
from recbole.config import Config
from recbole.data import create_dataset, data_preparation
from recbole.model.sequential_recommender import SASRec
from recbole.utils import init_seed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-path", required=True, help="folder holding <dataset>/<dataset>.inter (and .item)")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--batches", type=int, default=0, help="timed batches (0: one whole epoch)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    has_items = os.path.isfile(os.path.join(args.data_path, args.dataset, f"{args.dataset}.item"))
    config = Config(
        model="SASRec",
        dataset=args.dataset,
        config_dict={
            "data_path": args.data_path,
            "checkpoint_dir": os.path.join(os.getcwd(), "saved"),
            "use_gpu": False,
            "seed": 0,
            "reproducibility": True,
            "show_progress": False,
            "load_col": {"inter": ["user_id", "item_id", "timestamp"], **({"item": ["item_id"]} if has_items else {})},
            "train_neg_sample_args": None,
            "loss_type": "CE",
            "MAX_ITEM_LIST_LENGTH": 50,
            "eval_args": {"split": {"LS": "valid_and_test"}, "order": "TO", "mode": "full", "group_by": "user"},
        },
    )
    init_seed(config["seed"], config["reproducibility"])
    started = time.perf_counter()
    dataset = create_dataset(config)
    train_data, _, _ = data_preparation(config, dataset)
    prepared = time.perf_counter() - started
    model = SASRec(config, train_data.dataset)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["learning_rate"])
    model.train()
    samples = batches = 0
    timed_start = time.perf_counter()
    for index, interaction in enumerate(train_data):
        if index == args.warmup:
            timed_start = time.perf_counter()
        if args.batches and index == args.warmup + args.batches:
            break
        optimizer.zero_grad()
        loss = model.calculate_loss(interaction)
        loss.backward()
        optimizer.step()
        if index >= args.warmup:
            samples, batches = samples + len(interaction), batches + 1
    seconds = time.perf_counter() - timed_start
    print(
        json.dumps(
            {
                "items": int(dataset.item_num - 1),
                "users": int(dataset.user_num - 1),
                "training_samples": len(train_data.dataset),
                "batch_size": config["train_batch_size"],
                "timed_batches": batches,
                "samples": samples,
                "seconds": seconds,
                "samples_per_second": samples / seconds,
                "targets_per_second": samples / seconds,
                "data_preparation_seconds": prepared,
                "threads": args.threads,
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
