"""lbrec.model.train: windows, the three losses, early stopping, the model folder, resumption and its failure modes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from lbrec.data.dataset import Dataset
from lbrec.errors import ArtifactError, LbrecError
from lbrec.model import budget as budget_module
from lbrec.model.config import LOSSES, SASRecConfig, TrainConfig
from lbrec.model.folder import load_model, trained_dataset
from lbrec.model.losses import sequence_loss
from lbrec.model.sasrec import SASRec
from lbrec.model.train import batch_of, scorer, train, windows
from tests.helpers.process import run_lbrec
from tests.helpers.synthetic import make_dataset

TINY = {"dim": 16, "heads": 2, "layers": 1, "max_len": 4, "dropout": 0.1}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return make_dataset(tmp_path_factory.mktemp("synthetic") / "d", users=40, items=30, length=14)


def quiet(message: str) -> None:
    pass


def test_windows_make_every_training_position_a_target_once(dataset: Dataset) -> None:
    starts, ends = windows(dataset, max_len=4)
    batch = batch_of(np.asarray(dataset.items), starts, ends, 5).numpy()
    assert (batch[:, -1] > 0).all() and (ends - starts <= 5).all()
    targets = sorted(int(e) - k for s, e in zip(starts, ends, strict=True) for k in range(1, e - s))
    train_starts, train_ends = dataset.train_sequences()
    expected = sorted(p for s, e in zip(train_starts, train_ends, strict=True) for p in range(s + 1, e))
    assert targets == expected  # every position after a user's first item, exactly once
    assert all(dataset.items[e - 1] == row[-1] for e, row in zip(ends, batch, strict=True))


@pytest.mark.parametrize("loss", LOSSES)
def test_every_loss_runs_and_decreases(dataset: Dataset, loss: str) -> None:
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=dataset.n_items, **TINY))
    config = TrainConfig(loss=loss, negatives=8)
    starts, ends = windows(dataset, 4)
    batch = batch_of(np.asarray(dataset.items), starts, ends, 5)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        torch.manual_seed(1)  # the same negatives and dropout each step: only the weights change
        value = sequence_loss(model, batch, config)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        losses.append(value.item())
    assert np.isfinite(losses).all() and losses[-1] < 0.7 * losses[0]


def test_sampled_loss_works_at_the_production_catalog_size() -> None:
    """ML-32M has 87k films: full-softmax logits for a batch would be 6400 x 87k; sampled needs 6400 x negatives."""
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=87_000, dim=32, heads=2, layers=1, max_len=50))
    batch = torch.randint(1, 87_001, (128, 51))
    loss = sequence_loss(model, batch, TrainConfig(loss="sampled", negatives=1024))
    loss.backward()
    assert torch.isfinite(loss) and model.item_emb.weight.grad is not None


def test_training_learns_the_cycle_and_writes_the_model_folder(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "model"
    result = train(
        dataset,
        out,
        SASRecConfig(n_items=dataset.n_items, **TINY),
        TrainConfig(epochs=40, lr=1e-2, batch_size=16, patience=40),
        progress=False,
        log=quiet,
    )
    assert result["metrics"]["test"]["ndcg@10"] > 0.8  # the next film in a cycle is easy to learn
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == SASRecConfig(n_items=dataset.n_items, **TINY).to_dict()
    assert config["train"]["loss"] == "ce" and config["dataset"] == "synthetic"
    assert set(config["metrics"]) == {"val", "test"} and "ci95" in config["metrics"]["test"]
    history = json.loads((out / "history.json").read_text())
    assert len(history) == 40 and {"loss", "val_ndcg@10"} <= set(history[0])
    best = max(range(40), key=lambda e: history[e]["val_ndcg@10"])
    assert config["best_epoch"] == best + 1
    np.testing.assert_array_equal(np.load(out / "movie_ids.npy"), dataset.movie_ids)
    model = load_model(out)
    assert not model.training
    # the folder holds the best epoch's weights, not the last epoch's
    assert scorer(model)([dataset.sequence(0)[:3]]).shape == (1, dataset.n_items + 1)
    checkpoint = load_file(out / "checkpoint.safetensors")
    for name, weight in load_file(out / "model.safetensors").items():
        torch.testing.assert_close(weight, checkpoint[f"best.{name}"])


def test_an_interrupted_run_resumes_to_the_same_result(dataset: Dataset, tmp_path: Path) -> None:
    model_config = SASRecConfig(n_items=dataset.n_items, **TINY)
    config = TrainConfig(epochs=5, lr=5e-3, batch_size=16, patience=5, loss="sampled", negatives=8)
    whole = train(dataset, tmp_path / "whole", model_config, config, progress=False, log=quiet)

    def interrupt(epoch: int, record: dict) -> None:
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(dataset, tmp_path / "split", model_config, config, progress=False, on_epoch=interrupt, log=quiet)
    assert not (tmp_path / "split" / "config.json").exists()
    messages: list[str] = []
    resumed = train(dataset, tmp_path / "split", model_config, config, progress=False, log=messages.append)
    assert "resuming" in messages[0] and "after epoch 2" in messages[0]
    history = [json.loads((tmp_path / d / "history.json").read_text()) for d in ("whole", "split")]
    assert [h["loss"] for h in history[0]] == pytest.approx([h["loss"] for h in history[1]], rel=1e-5)
    assert resumed["metrics"]["test"]["ndcg@10"] == pytest.approx(whole["metrics"]["test"]["ndcg@10"], abs=1e-6)
    for name, weight in load_file(tmp_path / "whole" / "model.safetensors").items():
        torch.testing.assert_close(load_file(tmp_path / "split" / "model.safetensors")[name], weight)


def test_other_settings_start_afresh(dataset: Dataset, tmp_path: Path) -> None:
    model_config = SASRecConfig(n_items=dataset.n_items, **TINY)
    train(dataset, tmp_path, model_config, TrainConfig(epochs=1), progress=False, log=quiet)
    messages: list[str] = []
    train(dataset, tmp_path, model_config, TrainConfig(epochs=1, lr=1e-2), progress=False, log=messages.append)
    assert "from scratch" in messages[0]


def test_a_model_folder_opens_the_data_set_it_was_trained_on(dataset: Dataset, tmp_path: Path) -> None:
    train(
        dataset,
        tmp_path / "model",
        SASRecConfig(n_items=dataset.n_items, **TINY),
        TrainConfig(epochs=1),
        progress=False,
        log=quiet,
    )
    assert trained_dataset(tmp_path / "model").path == dataset.path.resolve()
    with pytest.raises(ArtifactError, match="run `python -m lbrec train`"):
        trained_dataset(tmp_path / "nothing")
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    (tmp_path / "model" / "config.json").write_text(json.dumps({**config, "dataset_path": str(tmp_path / "gone")}))
    with pytest.raises(ArtifactError, match="is gone: re-run `python -m lbrec prepare`"):
        trained_dataset(tmp_path / "model")


def test_missing_or_corrupt_models_are_refused(dataset: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="run `python -m lbrec train`"):
        load_model(tmp_path / "nothing")
    train(
        dataset,
        tmp_path,
        SASRecConfig(n_items=dataset.n_items, **TINY),
        TrainConfig(epochs=1),
        progress=False,
        log=quiet,
    )
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10])
    with pytest.raises(ArtifactError, match="does not match"):
        load_model(tmp_path)
    (tmp_path / "checkpoint.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(ArtifactError, match="corrupt"):
        train(
            dataset,
            tmp_path,
            SASRecConfig(n_items=dataset.n_items, **TINY),
            TrainConfig(epochs=1),
            progress=False,
            log=quiet,
        )


def test_commands_fail_with_one_line_on_bad_input(dataset: Dataset, tmp_path: Path) -> None:
    missing = run_lbrec("train", "--data", str(tmp_path / "nope"), "--quiet")
    assert missing.returncode == 1 and "not a prepared data set" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = run_lbrec("train", "--data", str(dataset.path), "--out", str(tmp_path / "m"), "--dim", "30", "--heads", "4")
    assert bad.returncode == 1 and bad.stderr.strip() == "lbrec train: error: dim (30) must be divisible by heads (4)"
    no_model = run_lbrec("evaluate", "--model", str(tmp_path / "nope"))
    assert no_model.returncode == 1 and "run `python -m lbrec train`" in no_model.stderr


class Clock:
    """A clock for the budget that moves one second at each look: its decisions come out the same on any machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_a_time_budget_stops_mid_epoch_and_keeps_the_best_weights(
    dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a clock that moves a second at each look, a 15-second budget starts at 1 and ends at 16; one validation
    takes a second, so 3 s are kept for the last validation and the final evaluation of both splits (as many users
    as validation); a batch takes 3 looks of which 1 s is its own: batches start at 4, 7 and 10, and at 13 the next
    would end after the 13 s deadline."""
    monkeypatch.setattr(budget_module, "clock", Clock())
    model_config = SASRecConfig(n_items=dataset.n_items, **TINY)
    config = TrainConfig(epochs=50, patience=50, batch_size=8, lr=5e-3)
    messages: list[str] = []
    result = train(dataset, tmp_path, model_config, config, progress=False, log=messages.append, time_budget=0.25)
    history = json.loads((tmp_path / "history.json").read_text())
    full = -(-len(windows(dataset, model_config.max_len)[0]) // config.batch_size)
    assert [h["batches"] for h in history] == [3] and f"after 3 of {full} batches of epoch 1" in " ".join(messages)
    assert result["stopped_by"] == "time budget" == json.loads((tmp_path / "config.json").read_text())["stopped_by"]
    assert result["best_epoch"] == 1 and (tmp_path / "model.safetensors").is_file()
    again = train(dataset, tmp_path, model_config, config, progress=False, log=messages.append, time_budget=0.25)
    history = json.loads((tmp_path / "history.json").read_text())
    assert [h["batches"] for h in history] == [3, 3] and again["stopped_by"] == "time budget"  # a new budget goes on
    assert again["best_epoch"] == max(range(2), key=lambda i: history[i]["val_ndcg@10"]) + 1


def test_a_budget_must_be_positive_minutes(dataset: Dataset, tmp_path: Path) -> None:
    bad = run_lbrec("train", "--data", str(dataset.path), "--out", str(tmp_path / "m"), "--time-budget", "0")
    assert bad.returncode == 2 and "'0' is not a positive number of minutes" in bad.stderr


def test_a_budget_with_no_room_for_a_batch_is_refused_in_one_line(
    dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget_module, "clock", Clock())
    model_config = SASRecConfig(n_items=dataset.n_items, **TINY)
    with pytest.raises(LbrecError, match="the time budget leaves no time for a single batch"):
        train(dataset, tmp_path, model_config, TrainConfig(epochs=5), progress=False, log=quiet, time_budget=0.05)
    assert not (tmp_path / "config.json").exists()
