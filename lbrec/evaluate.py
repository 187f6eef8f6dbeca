"""Full-ranking leave-one-out evaluation: the one protocol every model and baseline is measured with.

For each evaluated user the input is their history before the split's target (validation: the training prefix;
test: the training prefix plus the validation item). A model scores every item in the vocabulary; padding and the
user's history are removed from the ranking (the target itself always stays eligible), and the target's rank is
its position in a stable descending sort (ties go to the lower item index, as the top-k lists do).

Per user: NDCG@10, HR@10 and Recall@20 (one target, so Recall@20 = HR@20) and the mean popularity percentile of
the ten recommendations; over users: catalog coverage@10 (distinct recommended items / items). Means come with a
bootstrap 95% interval over users, and `paired_test` says whether two models differ on the same users.

No sampled negatives anywhere: sampled metrics are known to rank models inconsistently (Krichene & Rendle, 2020).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from tqdm.auto import tqdm

from lbrec.preprocess import Dataset, Split

K = 10
PROTOCOL = ("leave-one-out (last positive = test, second-to-last = validation); full ranking over every item; "
            "the user's input history removed from the ranking; bootstrap 95% intervals over users")
PER_USER = ("ndcg@10", "hr@10", "recall@20", "popularity_percentile@10")

# histories (one array of item indices per user, oldest first) -> [len(histories), n_items + 1] scores
Scorer = Callable[[Sequence[np.ndarray]], np.ndarray]


def input_histories(dataset: Dataset, split: Split) -> list[np.ndarray]:
    """Every user's input for `split`: positives before its target (all of them for users who are not evaluated).

    The baselines are fitted on exactly these, so nothing they see is a target of that split.
    """
    users, ends, _ = dataset.eval_cases(split)
    stop = dataset.offsets[1:].copy()
    stop[users] = ends
    return [np.asarray(dataset.items[a:b]) for a, b in zip(dataset.offsets[:-1], stop)]


def popularity_percentiles(popularity: np.ndarray) -> np.ndarray:
    """[n_items + 1] percentile (0-100, ties averaged) of each item's popularity among real items; [0] unused."""
    pct = np.zeros(len(popularity))
    pct[1:] = (stats.rankdata(popularity[1:]) - 0.5) / (len(popularity) - 1) * 100
    return pct


def rank_targets(scores: np.ndarray, histories: Sequence[np.ndarray], targets: np.ndarray,
                 k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """(0-based rank of each target, [batch, k] top items) with padding and history removed from the ranking."""
    scores = np.array(scores, dtype=np.float32)  # a copy: the caller's scores stay intact
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinity")
    rows = np.arange(len(targets))
    target_scores = scores[rows, targets]
    lengths = [len(h) for h in histories]
    scores[np.repeat(rows, lengths), np.concatenate(histories)] = -np.inf
    scores[:, 0] = -np.inf
    scores[rows, targets] = target_scores  # a target the user had already liked still counts
    above = (scores > target_scores[:, None]).sum(1)
    tied_before = ((scores == target_scores[:, None]) & (np.arange(scores.shape[1]) < targets[:, None])).sum(1)
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(scores, top, 1)
    order = np.lexsort((top, -top_scores), axis=1)
    return above + tied_before, np.take_along_axis(top, order, 1)


@dataclass
class Evaluation:
    """Per-user outcomes of one model on one split: enough for means, intervals and paired tests."""

    split: str
    users: np.ndarray  # user rows evaluated
    ranks: np.ndarray  # 0-based rank of each user's target
    top: np.ndarray  # [users, K] recommended items
    popularity_pct: np.ndarray  # [n_items + 1] popularity percentile per item
    n_items: int

    def per_user(self, metric: str) -> np.ndarray:
        if metric == "ndcg@10":
            return np.where(self.ranks < 10, 1.0 / np.log2(self.ranks + 2.0), 0.0)
        if metric == "hr@10":
            return (self.ranks < 10).astype(np.float64)
        if metric == "recall@20":
            return (self.ranks < 20).astype(np.float64)
        if metric == "popularity_percentile@10":
            return self.popularity_pct[self.top].mean(1)
        raise KeyError(f"unknown per-user metric {metric!r}: choose one of {', '.join(PER_USER)}")

    def metrics(self, ci: bool = True, seed: int = 0) -> dict:
        """{"ndcg@10", "hr@10", "recall@20", "coverage@10", "popularity_percentile@10", "users"[, "ci95"]}."""
        out: dict = {m: float(self.per_user(m).mean()) for m in PER_USER}
        out["coverage@10"] = len(np.unique(self.top)) / self.n_items
        out["users"] = len(self.users)
        if ci:
            out["ci95"] = {m: bootstrap_ci(self.per_user(m), seed=seed) for m in PER_USER}
        return out


def evaluate_scorer(score: Scorer, dataset: Dataset, split: Split, batch_size: int = 256,
                    users: np.ndarray | None = None, progress: bool = False) -> Evaluation:
    """Rank every evaluated user's target (or only `users`, a subset of rows) under `score`."""
    all_users, ends, targets = dataset.eval_cases(split)
    if users is not None:
        keep = np.isin(all_users, users)
        all_users, ends, targets = all_users[keep], ends[keep], targets[keep]
    if len(all_users) == 0:
        raise ValueError(f"{dataset.path} has no users to evaluate on the {split} split")
    ranks, tops = [], []
    for start in tqdm(range(0, len(all_users), batch_size), desc=f"evaluate {split}", leave=False,
                      disable=not progress):
        batch = slice(start, start + batch_size)
        histories = [np.asarray(dataset.items[dataset.offsets[u]:e]) for u, e in zip(all_users[batch], ends[batch])]
        scores = score(histories)
        if scores.shape != (len(histories), dataset.n_items + 1):
            raise ValueError(f"a scorer must return [batch, n_items + 1] = {(len(histories), dataset.n_items + 1)}, "
                             f"not {scores.shape}")
        rank, top = rank_targets(scores, histories, targets[batch])
        ranks.append(rank)
        tops.append(top)
    return Evaluation(split, all_users, np.concatenate(ranks), np.concatenate(tops),
                      popularity_percentiles(dataset.popularity()), dataset.n_items)


def evaluate(score: Scorer, dataset: Dataset, split: Split, ci: bool = True, progress: bool = False) -> dict:
    """The metric dict of `score` on `split` of `dataset` (see `Evaluation.metrics`)."""
    return evaluate_scorer(score, dataset, split, progress=progress).metrics(ci=ci)


def bootstrap_ci(values: np.ndarray, n_boot: int = 1000, seed: int = 0, chunk: int = 100) -> list[float]:
    """Percentile bootstrap 95% interval of the mean over users (resampling users with replacement)."""
    rng = np.random.default_rng(seed)
    means = np.concatenate([values[rng.integers(0, len(values), (min(chunk, n_boot - i), len(values)))].mean(1)
                            for i in range(0, n_boot, chunk)])
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def paired_test(a: Evaluation, b: Evaluation, metric: str = "ndcg@10", n_boot: int = 2000, seed: int = 0) -> dict:
    """Is `a` better than `b` on the same users? Mean difference, its paired-bootstrap 95% interval and p-value,
    and the Wilcoxon signed-rank p-value (users where both are equal are dropped, as Wilcoxon does)."""
    if a.split != b.split or not np.array_equal(a.users, b.users):
        raise ValueError("a paired test needs both models evaluated on the same split and users")
    diff = a.per_user(metric) - b.per_user(metric)
    rng = np.random.default_rng(seed)
    means = np.concatenate([diff[rng.integers(0, len(diff), (100, len(diff)))].mean(1) for _ in range(n_boot // 100)])
    p_boot = min(1.0, 2 * min((means <= 0).mean(), (means >= 0).mean()))
    p_wilcoxon = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0
    return {"metric": metric, "mean_diff": float(diff.mean()),
            "ci95": [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))],
            "p_bootstrap": float(p_boot), "p_wilcoxon": p_wilcoxon}
