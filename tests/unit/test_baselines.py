"""lbrec.evaluation.baselines: each baseline against its textbook formula (the numbers on ml-latest-small are in
tests/integration/test_quality.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lbrec.evaluation import baselines
from lbrec.evaluation.baselines import EASE, ItemKNN, Popular, interactions
from tests.helpers.synthetic import make_dataset, random_histories


def dense_ease(histories: list[np.ndarray], n_items: int, lam: float) -> np.ndarray:
    x = interactions(histories, n_items).toarray()
    p = np.linalg.inv(x.T @ x + lam * np.eye(n_items + 1))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return x @ b


def test_interactions_are_binary() -> None:
    assert interactions([np.array([1, 1, 3]), np.array([], np.int32)], 3).toarray().tolist() == [
        [0, 1, 0, 1],
        [0, 0, 0, 0],
    ]


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
