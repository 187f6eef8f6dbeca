"""lbrec.evaluation.protocol and stats: ranks, metrics, intervals and paired tests against cases computed by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lbrec.evaluation.protocol import (
    Evaluation,
    evaluate,
    evaluate_scorer,
    input_histories,
    popularity_percentiles,
    rank_targets,
)
from lbrec.evaluation.stats import bootstrap_ci, paired_test
from tests.helpers.synthetic import make_dataset


def test_rank_removes_padding_and_history_and_breaks_ties_by_index() -> None:
    #                  pad  1    2    3    4    5
    scores = np.array([[9.0, 0.1, 0.5, 0.9, 0.3, 0.7], [9.0, 0.1, 0.5, 0.9, 0.3, 0.7], [0.0, 1.0, 1.0, 1.0, 1.0, 1.0]])
    histories = [np.array([3]), np.array([3]), np.array([], dtype=np.int32)]
    ranks, top = rank_targets(scores, histories, np.array([5, 4, 3]), k=3)
    # user 0: padding (9.0) and item 3 (0.9) are out, so 5 is first; user 1: 5 and 2 are above 4;
    # user 2: all tied, items 1 and 2 come first
    assert ranks.tolist() == [0, 2, 2]
    assert top.tolist() == [[5, 2, 4], [5, 2, 4], [1, 2, 3]]
    assert scores[0, 3] == 0.9  # the caller's scores are left alone


def test_a_target_already_in_the_history_is_still_ranked() -> None:
    ranks, _ = rank_targets(np.array([[0.0, 0.2, 0.8, 0.5]]), [np.array([2, 3])], np.array([3]), k=1)
    assert ranks.tolist() == [0]


def test_metrics_from_hand_computed_ranks() -> None:
    ranks = np.array([0, 2, 9, 10, 19, 25])
    top = np.array([[1, 2], [1, 3], [1, 2], [1, 2], [4, 2], [1, 2]])  # 4 distinct of 8 items
    pct = popularity_percentiles(np.array([0, 10, 20, 30, 40, 50, 60, 70, 80]))
    result = Evaluation("test", np.arange(6), ranks, top, pct, n_items=8).metrics(ci=True)
    assert result["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4) + 1 / math.log2(11)) / 6)
    assert result["hr@10"] == pytest.approx(3 / 6)
    assert result["recall@20"] == pytest.approx(5 / 6)
    assert result["coverage@10"] == pytest.approx(4 / 8)
    # percentiles of items 1..8 are 6.25, 18.75, ..., 93.75; each user's mean over their two items
    expected = np.mean([(6.25 + 18.75) / 2] * 4 + [(6.25 + 31.25) / 2, (43.75 + 18.75) / 2])
    assert result["popularity_percentile@10"] == pytest.approx(expected)
    lo, hi = result["ci95"]["ndcg@10"]
    assert lo <= result["ndcg@10"] <= hi
    assert result["users"] == 6


def test_popularity_percentiles_average_ties() -> None:
    assert popularity_percentiles(np.array([0, 5, 5, 9])).tolist() == pytest.approx([0, 100 / 3, 100 / 3, 250 / 3])


def test_bootstrap_interval_of_a_constant_is_that_constant() -> None:
    assert bootstrap_ci(np.full(50, 0.25)) == pytest.approx([0.25, 0.25])
    lo, hi = bootstrap_ci(np.r_[np.zeros(500), np.ones(500)])
    assert lo < 0.5 < hi and hi - lo < 0.1


def test_paired_test_sees_a_real_difference_and_no_difference() -> None:
    rng = np.random.default_rng(0)
    base = Evaluation("test", np.arange(400), rng.integers(0, 30, 400), np.zeros((400, 1), int), np.zeros(2), 1)
    better = Evaluation("test", np.arange(400), np.maximum(base.ranks - 5, 0), base.top, base.popularity_pct, 1)
    same = paired_test(base, base)
    assert same["mean_diff"] == 0 and same["p_wilcoxon"] == 1.0
    result = paired_test(better, base)
    assert result["mean_diff"] > 0 and result["ci95"][0] > 0
    assert result["p_bootstrap"] < 0.01 and result["p_wilcoxon"] < 0.01
    with pytest.raises(ValueError, match="same split"):
        paired_test(better, Evaluation("val", base.users, base.ranks, base.top, base.popularity_pct, 1))


def test_evaluate_a_scorer_on_a_prepared_data_set(tmp_path: Path) -> None:
    dataset = make_dataset(tmp_path / "d")
    users, ends, _targets = dataset.eval_cases("test")

    def oracle(histories: list[np.ndarray]) -> np.ndarray:  # the next film in the cycle scores highest
        scores = np.zeros((len(histories), dataset.n_items + 1))
        for row, h in enumerate(histories):
            nxt = dataset.movie_ids[h[-1]] % dataset.n_items + 1
            scores[row, np.searchsorted(dataset.movie_ids, nxt)] = 1.0
        return scores

    result = evaluate(oracle, dataset, "test")
    assert result["ndcg@10"] == pytest.approx(1.0) and result["hr@10"] == 1.0 and result["users"] == len(users)
    # the inputs for test end right before each target: the validation item is the last one
    histories = input_histories(dataset, "test")
    assert all(len(histories[u]) == e - dataset.offsets[u] for u, e in zip(users, ends, strict=True))
    assert [int(histories[u][-1]) for u in users] == dataset.val_target[users].tolist()
    subset = evaluate_scorer(oracle, dataset, "val", users=users[:5])
    assert subset.users.tolist() == users[:5].tolist()
    with pytest.raises(ValueError, match="n_items"):
        evaluate(lambda h: np.zeros((len(h), 3)), dataset, "val")
