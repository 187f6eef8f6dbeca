"""lbrec.baselines: each baseline against its textbook formula, and the issue's numbers on ml-latest-small."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lbrec import baselines
from lbrec.baselines import EASE, ItemKNN, Popular, interactions
from lbrec.preprocess import Dataset

from test_evaluate import make_dataset


def random_histories(users: int, items: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.choice(np.arange(1, items + 1), int(rng.integers(1, items // 2)), replace=False) for _ in range(users)]


def dense_ease(histories: list[np.ndarray], n_items: int, lam: float) -> np.ndarray:
    x = interactions(histories, n_items).toarray()
    p = np.linalg.inv(x.T @ x + lam * np.eye(n_items + 1))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return x @ b


def test_interactions_are_binary() -> None:
    assert interactions([np.array([1, 1, 3]), np.array([], np.int32)], 3).toarray().tolist() == [[0, 1, 0, 1],
                                                                                                 [0, 0, 0, 0]]


def test_popular_ranks_by_number_of_users() -> None:
    model = Popular().fit([np.array([1, 2]), np.array([2]), np.array([2, 3, 3])], 3)
    assert model.counts.tolist() == [0, 1, 3, 1]
    assert model.score([np.array([1])]).shape == (1, 4)


def test_itemknn_is_the_sum_of_cosine_similarities() -> None:
    histories = random_histories(15, 12)
    x = interactions(histories, 12).toarray()
    norms = np.linalg.norm(x, axis=0)
    norms[norms == 0] = 1
    sim = (x.T @ x) / np.outer(norms, norms)
    np.fill_diagonal(sim, 0)
    np.testing.assert_allclose(ItemKNN().fit(histories, 12).score(histories), x @ sim, atol=1e-12)


@pytest.mark.parametrize("users", [8, 40])  # fewer users than items (the dual form) and more (the primal one)
def test_ease_matches_its_closed_form(users: int) -> None:
    histories = random_histories(users, 20)
    model = EASE(lam=3.0).fit(histories, 20)
    assert model.dual == (users < 21)
    np.testing.assert_allclose(model.score(histories), dense_ease(histories, 20, 3.0), atol=1e-9)


def test_ease_is_tuned_on_validation(tmp_path: Path) -> None:
    dataset = make_dataset(tmp_path / "d")
    best, found = baselines.tune_ease(dataset, lambdas=(1.0, 100.0))
    assert set(found) == {1.0, 100.0} and best == max(found, key=found.get)
    results = baselines.evaluate_baselines(dataset, "test", best)
    assert set(results) == {"popular", "itemknn", "ease"}


@pytest.mark.integration
def test_reproduces_the_issue_numbers_on_ml_latest_small(ml_small: Dataset) -> None:
    """Issue 3 quotes test NDCG@10 popular 0.024, item-kNN 0.035, EASE 0.052 (HR@10 0.043, 0.072, 0.108)."""
    best, _ = baselines.tune_ease(ml_small, lambdas=(20.0, 50.0, 100.0, 200.0))
    assert best == 50.0  # 100 is a close second on validation; on test it gives 0.0517
    test = {name: e.metrics(ci=False) for name, e in baselines.evaluate_baselines(ml_small, "test", best).items()}
    assert test["popular"]["ndcg@10"] == pytest.approx(0.0238, abs=5e-4)
    assert test["popular"]["hr@10"] == pytest.approx(0.0426, abs=2e-3)
    assert test["itemknn"]["ndcg@10"] == pytest.approx(0.0345, abs=5e-4)
    assert test["itemknn"]["hr@10"] == pytest.approx(0.0721, abs=2e-3)
    assert test["ease"]["ndcg@10"] == pytest.approx(0.0511, abs=5e-4)
    assert test["ease"]["hr@10"] == pytest.approx(0.1066, abs=2e-3)
