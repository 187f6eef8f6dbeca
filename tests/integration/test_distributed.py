"""Multi-process training for real: two CPU processes under torchrun (gloo) give the run of one process.

"Equal" needs three things the training loop provides: both processes walk the same shuffled order and split each
global batch of `batch_size` windows between them (so the global batch is the same), the negatives come from a
generator seeded by the step (the same draws wherever they are drawn), and each process divides its summed loss by the
number of targets in the whole global batch, so DistributedDataParallel's gradient average is the one-process
gradient. Dropout is off: its masks depend on each process's share of the batch. What is left is the order of
floating-point sums, hence a tolerance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

from harness.files import REPO
from lbrec.data.dataset import Dataset
from lbrec.model.train import windows
from tests.helpers.synthetic import make_dataset

# 93 windows in batches of 23: the last global batch has one window, so one process gets an empty share
SETTINGS = [
    "--device",
    "cpu",
    "--dropout",
    "0",
    "--epochs",
    "3",
    "--patience",
    "3",
    "--batch-size",
    "23",
    "--max-len",
    "4",
    "--dim",
    "16",
    "--heads",
    "2",
    "--layers",
    "1",
    "--lr",
    "5e-3",
    "--negatives",
    "8",
    "--threads",
    "1",
    "--quiet",
    "--json",
]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    dataset = make_dataset(tmp_path_factory.mktemp("synthetic") / "d", users=40, items=30, length=14)
    assert len(windows(dataset, 4)[0]) % 23 == 1
    return dataset


def train(launcher: list[str], dataset: Dataset, out: Path, loss: str) -> dict:
    done = subprocess.run(
        [*launcher, "-m", "lbrec", "train", "--data", str(dataset.path), "--out", str(out), "--loss", loss, *SETTINGS],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout  # process 0 alone prints the result
    return json.loads(lines[0])


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["sampled", "bce"])
def test_two_processes_train_as_one(dataset: Dataset, tmp_path: Path, loss: str) -> None:
    one = train([sys.executable], dataset, tmp_path / "one", loss)
    two = train(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"],
        dataset,
        tmp_path / "two",
        loss,
    )
    assert (one["processes"], two["processes"]) == (1, 2)
    histories = [json.loads((tmp_path / d / "history.json").read_text()) for d in ("one", "two")]
    assert [h["loss"] for h in histories[1]] == pytest.approx([h["loss"] for h in histories[0]], rel=1e-5)
    assert [h["val_ndcg@10"] for h in histories[1]] == pytest.approx([h["val_ndcg@10"] for h in histories[0]])
    assert two["best_epoch"] == one["best_epoch"]
    assert two["metrics"]["test"]["ndcg@10"] == pytest.approx(one["metrics"]["test"]["ndcg@10"], abs=1e-6)
    weights = [load_file(tmp_path / d / "model.safetensors") for d in ("one", "two")]
    for name, weight in weights[0].items():
        np.testing.assert_allclose(weights[1][name].numpy(), weight.numpy(), atol=1e-4, err_msg=name)
