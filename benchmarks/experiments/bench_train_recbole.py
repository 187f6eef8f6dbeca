"""RecBole 1.2.1's SASRec on an lbrec split, run by bench_train.py inside RecBole's own virtual environment.

It imports nothing from lbrec (that environment has numpy<2 and no lbrec). The split is the same because the
atomic file holds each user's positives with their position as the timestamp, and RecBole's leave-one-out ("LS",
time order) then takes the last as test and the second-to-last as validation, ranking every item with the user's
history removed, as lbrec does. Prints one JSON object: seconds per epoch, time to the best epoch, and metrics.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time

import torch

_torch_load = torch.load
# RecBole 1.2.1 pickles its own checkpoint and reads it back; torch >= 2.6 refuses that unless asked explicitly.
torch.load = lambda *args, **kwargs: _torch_load(*args, **{"weights_only": False, **kwargs})

from recbole.config import Config  # noqa: E402  (after the torch.load shim)
from recbole.data import create_dataset, data_preparation  # noqa: E402
from recbole.model.sequential_recommender import SASRec  # noqa: E402
from recbole.trainer import Trainer  # noqa: E402
from recbole.utils import init_seed  # noqa: E402


class OutOfTime(Exception):
    """The time budget is spent: stop after this epoch, as the recorded 25-minute RecBole run did."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-path", required=True, help="folder holding <dataset>/<dataset>.inter")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--stopping-step", type=int, default=10)
    parser.add_argument("--max-minutes", type=float, default=25.0, help="stop after the epoch that passes this")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    # SASRec's RecBole defaults (CE loss, dim 64, 2 layers, 2 heads, dropout 0.5, max_len 50).
    config = Config(
        model="SASRec",
        dataset=args.dataset,
        config_dict={
            "data_path": args.data_path,
            "checkpoint_dir": os.path.join(os.getcwd(), "saved"),
            "use_gpu": False,
            "seed": args.seed,
            "reproducibility": True,
            "show_progress": False,
            "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
            "train_neg_sample_args": None,
            "loss_type": "CE",
            "MAX_ITEM_LIST_LENGTH": 50,
            "eval_args": {"split": {"LS": "valid_and_test"}, "order": "TO", "mode": "full", "group_by": "user"},
            "metrics": ["NDCG", "Hit"],
            "topk": [10],
            "valid_metric": "NDCG@10",
            "epochs": args.epochs,
            "stopping_step": args.stopping_step,
            "eval_step": 1,
        },
    )
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    model = SASRec(config, train_data.dataset).to(config["device"])
    trainer = Trainer(config, model)

    train_seconds: list[float] = []
    val_ndcg: list[float] = []
    elapsed: list[float] = []
    started = time.perf_counter()
    train_epoch = trainer._train_epoch

    def timed_epoch(*a, **k):  # time the training pass alone, as lbrec's per-epoch figure does
        t = time.perf_counter()
        loss = train_epoch(*a, **k)
        train_seconds.append(time.perf_counter() - t)
        return loss

    def after_epoch(epoch: int, score: float) -> None:  # runs after the best checkpoint is saved
        val_ndcg.append(float(score))
        elapsed.append(time.perf_counter() - started)
        if elapsed[-1] > args.max_minutes * 60:
            raise OutOfTime

    trainer._train_epoch = timed_epoch
    with contextlib.suppress(OutOfTime):
        trainer.fit(train_data, valid_data, saved=True, show_progress=False, callback_fn=after_epoch)
    best_result = trainer.best_valid_result
    test = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
    best_epoch = max(range(len(val_ndcg)), key=val_ndcg.__getitem__) + 1
    print(
        json.dumps(
            {
                "users": int(dataset.user_num - 1),
                "items": int(dataset.item_num - 1),
                "training_sequences": len(train_data.dataset),
                "epochs": len(train_seconds),
                "best_epoch": best_epoch,
                "max_minutes": args.max_minutes,
                "seconds_per_epoch": sum(train_seconds) / len(train_seconds),
                "seconds_to_best_epoch": elapsed[best_epoch - 1],
                "seconds_total": time.perf_counter() - started,
                "val": {"ndcg@10": float(best_result["ndcg@10"]), "hr@10": float(best_result["hit@10"])},
                "test": {"ndcg@10": float(test["ndcg@10"]), "hr@10": float(test["hit@10"])},
                "val_ndcg_per_epoch": val_ndcg,
                "torch": torch.__version__,
                "threads": args.threads,
            }
        )
    )


if __name__ == "__main__":
    main()
