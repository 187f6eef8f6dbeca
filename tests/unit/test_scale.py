"""ML-32M scale in miniature: the automatic loss, ranking in torch, the user sample and the baselines' bounds on
large catalogs, each checked on a few synthetic users."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from lbrec.data.dataset import Dataset
from lbrec.data.sequences import left_pad
from lbrec.evaluation import baselines
from lbrec.evaluation.baselines import ItemKNN, interactions
from lbrec.evaluation.compare import compare
from lbrec.evaluation.protocol import Scorer, evaluate, rank_targets, top_k, user_sample
from lbrec.model.config import SASRecConfig, TrainConfig, resolve_loss
from lbrec.model.sasrec import SASRec
from lbrec.model.train import scorer
from tests.helpers.synthetic import make_dataset


def reference_ranks(
    scores: np.ndarray, histories: list[np.ndarray], targets: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The protocol spelled out with a full stable sort per row: history and padding out, ties to the lower index."""
    ranks, tops = [], []
    for row, history, target in zip(scores.astype(np.float32), histories, targets, strict=True):
        row = row.copy()
        keep = row[target]
        row[history] = -np.inf
        row[0] = -np.inf
        row[target] = keep
        order = np.lexsort((np.arange(len(row)), -row))
        ranks.append(int(np.flatnonzero(order == target)[0]))
        tops.append(order[:k])
    return np.array(ranks), np.array(tops)


def random_scorer(dataset: Dataset) -> Scorer:
    return lambda histories: np.random.default_rng(0).normal(size=(len(histories), dataset.n_items + 1))


@pytest.mark.parametrize("kind", ["float", "ties", "torch"])
def test_ranking_in_torch_follows_the_protocol(kind: str) -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        batch, n = int(rng.integers(1, 30)), int(rng.integers(12, 120))
        scores = rng.integers(0, 3, (batch, n)).astype(np.float64) if kind == "ties" else rng.normal(size=(batch, n))
        histories = [rng.choice(np.arange(1, n), int(rng.integers(0, n // 2)), replace=False) for _ in range(batch)]
        targets = rng.integers(1, n, batch)
        expected = reference_ranks(scores, histories, targets, k=10)
        given = torch.from_numpy(scores) if kind == "torch" else scores
        ranks, top = rank_targets(given, histories, targets, k=10)
        np.testing.assert_array_equal(ranks, expected[0])
        np.testing.assert_array_equal(top, expected[1])


def test_top_k_breaks_ties_at_the_kth_place_by_index() -> None:
    scores = torch.tensor([[0.0, 1.0, 2.0, 1.0, 1.0, 1.0], [5.0, 4.0, 4.0, 4.0, 3.0, 4.0]])
    assert top_k(scores, 3).tolist() == [[2, 1, 3], [0, 1, 2]]


def test_loss_is_chosen_by_the_size_of_a_batchs_logits() -> None:
    small, large = SASRecConfig(n_items=6_389), SASRecConfig(n_items=87_000)
    assert resolve_loss(TrainConfig(), small).loss == "ce"  # 0.15 GiB: the validation winner stays
    assert resolve_loss(TrainConfig(), large).loss == "sampled"  # 2.1 GiB before its gradient
    assert resolve_loss(TrainConfig(loss="bce"), large).loss == "bce"
    with pytest.raises(ValueError, match="auto, ce, bce, sampled"):
        TrainConfig(loss="softmax")


def test_scorer_pads_like_the_model_input() -> None:
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=40, max_len=6, dim=16, heads=2, layers=1)).eval()
    rng = np.random.default_rng(0)
    histories = [np.array([], np.int32), np.array([3], np.int32)]
    histories += [rng.integers(1, 41, int(rng.integers(1, 15))).astype(np.int32) for _ in range(9)]
    scores = scorer(model, batch_size=4)(histories)
    assert scores.dtype == torch.float32 and scores.shape == (11, 41)
    with torch.no_grad():
        expected = model(torch.from_numpy(left_pad(histories, 6)))
    torch.testing.assert_close(scores, expected)


def test_user_sample_is_fixed_and_shared_by_both_splits(tmp_path: Path) -> None:
    dataset = make_dataset(tmp_path / "d", users=60)
    sample = user_sample(dataset, 25)
    assert len(sample) == 25 and np.array_equal(sample, user_sample(dataset, 25)) and (np.diff(sample) > 0).all()
    assert user_sample(dataset, None) is None and user_sample(dataset, 10_000) is None
    assert set(sample) <= set(dataset.eval_cases("val")[0]) and set(sample) <= set(dataset.eval_cases("test")[0])
    assert evaluate(random_scorer(dataset), dataset, "test", users=sample)["users"] == 25


def test_item_knn_with_k_neighbours_keeps_each_items_k_most_similar() -> None:
    rng = np.random.default_rng(0)
    histories = [rng.choice(np.arange(1, 31), int(rng.integers(1, 12)), replace=False) for _ in range(50)]
    x = interactions(histories, 30).toarray()
    norms = np.linalg.norm(x, axis=0)
    norms[norms == 0] = 1
    sim = (x.T @ x) / np.outer(norms, norms)
    np.fill_diagonal(sim, 0)
    model = ItemKNN(neighbours=4, block=7).fit(histories, 30)  # several blocks, one of them partial
    kept = model.similar.toarray()
    for item in range(31):
        nonzero = kept[item][kept[item] != 0]
        assert len(nonzero) <= 4 and kept[item, item] == 0
        np.testing.assert_allclose(np.sort(nonzero), np.sort(sim[item])[::-1][: len(nonzero)][::-1], rtol=1e-6)
    np.testing.assert_allclose(model.score(histories), x @ kept.T, rtol=1e-6)
    everything = ItemKNN(neighbours=30, block=7).fit(histories, 30)  # every neighbour: the exact scores
    np.testing.assert_allclose(everything.score(histories), ItemKNN().fit(histories, 30).score(histories), atol=1e-6)


def test_compare_skips_ease_and_bounds_item_knn_on_large_catalogs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = make_dataset(tmp_path / "d", users=60)
    monkeypatch.setattr(baselines, "MAX_DENSE", 20)  # as if this were ML-32M: 200k users, 87k films
    monkeypatch.setattr(baselines, "KNN_ALL_MAX", 10)
    notes: list[str] = []
    comparison = compare(dataset, {"sasrec": random_scorer(dataset)}, log=notes.append, users=user_sample(dataset, 30))
    report = comparison.report()
    assert set(report["models"]) == {"sasrec", "popular", "itemknn"} and report["ease_lambda"] is None
    assert report["users"] == 30 and "EASE skipped" in notes[0]
    assert any("100 nearest neighbours" in n for n in report["notes"]) and any(
        "sample of 30" in n for n in report["notes"]
    )
    assert set(comparison.table().index) == {"sasrec", "popular", "itemknn"}
    lengths = dict(zip(dataset.eval_cases("test")[0].tolist(), dataset.history_lengths("test").tolist(), strict=True))
    sampled = np.array([lengths[u] for u in comparison.evaluations["test"]["sasrec"].users.tolist()])
    edge = int(np.median(sampled))
    groups = list(comparison.by_history_length(edges=(edge,))["sasrec"])
    assert groups == [f"<{edge} (n={np.sum(sampled < edge)})", f"{edge}+ (n={np.sum(sampled >= edge)})"]
