"""lbrec.serving.itemitem and .blend: the item-to-item model against hand-computed cases and against the
baselines it comes from, its memory-mapped files, and a blend chosen on validation only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lbrec.data.dataset import Dataset
from lbrec.errors import ArtifactError
from lbrec.evaluation import blend as blend_module
from lbrec.evaluation.baselines import EASE, ItemKNN
from lbrec.serving.itemitem import FILES, ItemItem, blend, standardise
from tests.helpers.synthetic import make_dataset, random_histories

# three films; row j = the weights from film j (row 0 = padding)
W = np.array(
    [
        [0, 9, 9, 9],
        [0, 5, 2, -1],  # film 1 -> 2 (2.0); its own 5 and the negative -1 are dropped
        [0, 3, 0, 4],  # film 2 -> 3 (4.0), 1 (3.0)
        [0, 0, 0, 0],
    ],
    dtype=np.float32,
)


def test_rows_keep_the_largest_positive_weights_never_padding_or_the_film_itself() -> None:
    model = ItemItem.from_rows(iter([(0, W[:2]), (2, W[2:])]), n_items=3, k=2)
    assert model.indptr.tolist() == [0, 0, 1, 3, 3]
    assert model.indices.tolist() == [2, 1, 3] and model.weights.tolist() == [2.0, 3.0, 4.0]
    one = ItemItem.from_rows(iter([(0, W)]), n_items=3, k=1)
    assert one.row(2)[0].tolist() == [3]  # only film 2's largest


def test_scores_are_the_sum_of_the_history_rows_each_film_once() -> None:
    model = ItemItem.from_rows(iter([(0, W)]), n_items=3, k=2)
    scores = model.score([[1, 2, 2], [], [3], [0, 99]])  # padding and unknown indices are ignored
    assert scores.tolist() == [[0, 3, 2, 4], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_the_blend_standardises_each_model_over_the_real_films() -> None:
    sasrec = np.array([[100.0, 1.0, 2.0, 3.0]])  # column 0 (padding) never counts
    item = np.array([[-5.0, 30.0, 10.0, 20.0]])
    z = np.sqrt(2 / 3)  # the standard deviation of (1, 2, 3) and, scaled by 10, of (30, 10, 20)
    np.testing.assert_allclose(standardise(sasrec), [[0, -1 / z, 0, 1 / z]], rtol=1e-6)
    np.testing.assert_allclose(blend(sasrec, item, 0.25), [[0, (-0.25 + 0.75) / z, -0.75 / z, 0.25 / z]], rtol=1e-6)
    assert np.all(standardise(np.array([[0.0, 4.0, 4.0, 4.0]])) == 0)  # a flat row: no division by zero


def hides_history(scores: np.ndarray, histories: list[np.ndarray]) -> np.ndarray:
    out = scores.copy()
    for row, h in enumerate(histories):
        out[row, h] = 0.0
    out[:, 0] = 0.0
    return out


def scored_by_rows(model: EASE | ItemKNN, histories: list[np.ndarray]) -> np.ndarray:
    """The histories scored with the weights `model.rows()` yields (history x W), the history hidden."""
    w = np.vstack([rows for _, rows in model.rows(block=16)])
    np.fill_diagonal(w, 0.0)
    h = np.zeros((len(histories), w.shape[1]))
    for row, items in enumerate(histories):
        h[row, items] = 1
    return hides_history(h @ w, histories)


@pytest.mark.parametrize("users", [20, 80])  # fewer users than films (EASE's dual form), then more
def test_ease_rows_are_the_weights_its_scores_use(users: int) -> None:
    histories = random_histories(users, 40, seed=1)
    ease = EASE(lam=10.0).fit(histories, 40)
    np.testing.assert_allclose(
        scored_by_rows(ease, histories), hides_history(ease.score(histories), histories), atol=1e-8
    )


@pytest.mark.parametrize("neighbours", [None, 5])
def test_itemknn_rows_are_the_weights_its_scores_use(neighbours: int | None) -> None:
    histories = random_histories(30, 40, seed=2)
    knn = ItemKNN(neighbours, block=16).fit(histories, 40)
    np.testing.assert_allclose(
        scored_by_rows(knn, histories), hides_history(knn.score(histories), histories), atol=1e-6
    )


def test_saved_files_are_memory_mapped_and_damage_is_refused(tmp_path: Path) -> None:
    model = ItemItem.from_rows(iter([(0, W)]), n_items=3, k=2)
    assert sorted(model.save(tmp_path)) == sorted(FILES.values())
    loaded = ItemItem.load(tmp_path, n_items=3)
    assert all(isinstance(getattr(loaded, part), np.memmap) for part in FILES)  # shared pages, not a copy
    np.testing.assert_array_equal(loaded.score([[1, 2]]), model.score([[1, 2]]))
    with pytest.raises(ValueError, match="do not describe 4 films"):
        ItemItem.load(tmp_path, n_items=4)
    (tmp_path / FILES["weights"]).write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ArtifactError, match="item_item.weights.npy is corrupt"):
        ItemItem.load(tmp_path, n_items=3)
    (tmp_path / FILES["indices"]).unlink()
    with pytest.raises(ArtifactError, match="item_item.indices.npy is missing"):
        ItemItem.load(tmp_path, n_items=3)


def test_the_blend_is_chosen_on_validation_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = make_dataset(tmp_path / "data", users=60, items=30, length=12)
    asked = []
    real_cases = Dataset.eval_cases

    def cases(self: Dataset, split: str):  # the test split's targets must never be read
        asked.append(split)
        assert split != "test", "choose_blend read the test split"
        return real_cases(self, split)

    monkeypatch.setattr(Dataset, "eval_cases", cases)
    rng = np.random.default_rng(0)
    noise = lambda histories: rng.normal(size=(len(histories), dataset.n_items + 1))  # noqa: E731
    choice = blend_module.choose_blend(dataset, noise, ease_lambda=10.0, keep=(5, 20), weights=(0.0, 0.5, 1.0))
    assert set(asked) == {"val"}
    assert len(choice.validation) == 1 + 2 * 2 * 2  # SASRec alone, then 2 sources x 2 sizes x 2 weights below 1
    best = max(choice.validation.values())
    assert (
        choice.validation["sasrec" if choice.weight == 1.0 else f"{choice.source} k={choice.keep} w={choice.weight:g}"]
        == best
    )
    assert choice.weight < 1.0  # random "SASRec" scores lose to any item-to-item model on data with structure
