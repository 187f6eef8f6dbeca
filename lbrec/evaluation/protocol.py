"""Full-ranking leave-one-out evaluation: the one protocol every model and baseline is measured with.

For each evaluated user the input is their history before the split's target (validation: the training prefix;
test: the training prefix plus the validation item). A model scores every item in the vocabulary; padding and the
user's history are removed from the ranking (the target itself always stays eligible), and the target's rank is
its position in a stable descending sort (ties go to the lower item index, as the top-k lists do).

Per user: NDCG@10, HR@10 and Recall@20 (one target, so Recall@20 = HR@20) and the mean popularity percentile of
the ten recommendations; over users: catalog coverage@10 (distinct recommended items / items). Means come with a
bootstrap 95% interval over users, and `lbrec.evaluation.stats.paired_test` says whether two models differ on the
same users.

No sampled negatives anywhere: sampled metrics are known to rank models inconsistently (Krichene & Rendle, 2020).
Ranking runs in torch on whichever device the scores are on, so a model on a GPU is evaluated there, a batch of
users at a time (87k films x 256 users is 89 MB); on a CPU-only machine `user_sample` draws a fixed, documented
subset of users for large data sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats
from tqdm.auto import tqdm

from lbrec.data.dataset import Dataset, Split
from lbrec.evaluation.stats import bootstrap_ci
from lbrec.heap import bound_heap

K = 10
PROTOCOL = (
    "leave-one-out (last positive = test, second-to-last = validation); full ranking over every item; "
    "the user's input history removed from the ranking; bootstrap 95% intervals over users"
)
PER_USER = ("ndcg@10", "hr@10", "recall@20", "popularity_percentile@10")

# histories (one array of item indices per user, oldest first) -> [len(histories), n_items + 1] scores, as a NumPy
# array or a torch tensor on any device (the ranking then runs on that device)
Scores = np.ndarray | torch.Tensor
Scorer = Callable[[Sequence[np.ndarray]], Scores]


def input_histories(dataset: Dataset, split: Split) -> list[np.ndarray]:
    """Every user's input for `split`: positives before its target (all of them for users who are not evaluated).

    The baselines are fitted on exactly these, so nothing they see is a target of that split.
    """
    users, ends, _ = dataset.eval_cases(split)
    stop = dataset.offsets[1:].copy()
    stop[users] = ends
    return [np.asarray(dataset.items[a:b]) for a, b in zip(dataset.offsets[:-1], stop, strict=True)]


def popularity_percentiles(popularity: np.ndarray) -> np.ndarray:
    """[n_items + 1] percentile (0-100, ties averaged) of each item's popularity among real items; [0] unused."""
    pct = np.zeros(len(popularity))
    pct[1:] = (stats.rankdata(popularity[1:]) - 0.5) / (len(popularity) - 1) * 100
    return pct


def rank_targets(
    scores: Scores, histories: Sequence[np.ndarray], targets: np.ndarray, k: int = K
) -> tuple[np.ndarray, np.ndarray]:
    """(0-based rank of each target, [batch, k] top items) with padding and history removed from the ranking."""
    lengths = [len(h) for h in histories]
    rows = np.repeat(np.arange(len(histories)), lengths)
    cols = np.concatenate(histories) if len(histories) else np.zeros(0, np.int64)
    return _rank(scores, rows, cols, targets, k)


def _rank(
    scores: Scores, rows: np.ndarray, cols: np.ndarray, targets: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """`rank_targets` with the histories given flat: scores[rows, cols] are the entries to remove."""
    # a float32 copy: the caller's scores stay intact
    scores = (
        torch.from_numpy(np.array(scores, dtype=np.float32))
        if isinstance(scores, np.ndarray)
        else scores.to(torch.float32, copy=True)
    )
    if not torch.isfinite(torch.stack(torch.aminmax(scores))).all():  # one pass; NaN propagates to both
        raise ValueError("scores contain NaN or infinity")
    device = scores.device
    targets_t = torch.as_tensor(np.asarray(targets, dtype=np.int64), device=device)
    batch = torch.arange(len(targets_t), device=device)
    target_scores = scores[batch, targets_t]
    scores[torch.as_tensor(rows, device=device), torch.as_tensor(cols.astype(np.int64), device=device)] = -np.inf
    scores[:, 0] = -np.inf
    scores[batch, targets_t] = target_scores  # a target the user had already liked still counts
    above = (scores > target_scores[:, None]).sum(1)
    index = torch.arange(scores.shape[1], device=device)
    tied_before = ((scores == target_scores[:, None]) & (index < targets_t[:, None])).sum(1)
    return (above + tied_before).cpu().numpy(), top_k(scores, k).cpu().numpy()


def top_k(scores: torch.Tensor, k: int) -> torch.Tensor:
    """[batch, k] indices of the k highest scores per row, best first, ties to the lower index (exactly, even at
    the k-th place, which `torch.topk` and `np.argpartition` leave arbitrary)."""
    k = min(k, scores.shape[1])
    kth = scores.topk(k, dim=1).values[:, -1:]
    take = scores >= kth
    tied = (take.sum(1) > k).nonzero().squeeze(1)
    if len(tied):  # rows with ties at the k-th place keep the lowest-index ones
        sub, sub_kth = scores[tied], kth[tied]
        greater, equal = sub > sub_kth, sub == sub_kth
        take[tied] = greater | (equal & (equal.cumsum(1) <= k - greater.sum(1, keepdim=True)))
    chosen = take.nonzero()[:, 1].view(-1, k)  # ascending index within each row
    order = scores.gather(1, chosen).sort(dim=1, descending=True, stable=True).indices
    return chosen.gather(1, order)


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


def user_sample(dataset: Dataset, n: int | None, seed: int = 0) -> np.ndarray | None:
    """A fixed random subset of `n` evaluated users (the same for every model and both splits), or None for all:
    for CPU-only machines on large data sets, where ranking 200k users against 87k films takes minutes per model."""
    users, _, _ = dataset.eval_cases("test")
    if n is None or n >= len(users):
        return None
    return np.sort(np.random.default_rng(seed).choice(users, n, replace=False))


def evaluate_scorer(
    score: Scorer,
    dataset: Dataset,
    split: Split,
    batch_size: int = 256,
    users: np.ndarray | None = None,
    progress: bool = False,
) -> Evaluation:
    """Rank every evaluated user's target (or only `users`, a subset of rows) under `score`."""
    return evaluate_many(lambda histories: iter([("", score(histories))]), dataset, split, batch_size, users, progress)[
        ""
    ]


# histories -> (name, scores) pairs, produced one at a time: several models ranked from one pass over the users
ManyScorer = Callable[[Sequence[np.ndarray]], Iterator[tuple[str, Scores]]]


def evaluate_many(
    scores: ManyScorer,
    dataset: Dataset,
    split: Split,
    batch_size: int = 256,
    users: np.ndarray | None = None,
    progress: bool = False,
) -> dict[str, Evaluation]:
    """`evaluate_scorer` for every (name, scores) that `scores` yields per batch, in one pass over the users: a
    grid of blends shares each batch's model scores instead of recomputing them for every point."""
    bound_heap()  # each batch's [batch, n_items + 1] temporaries would otherwise pile up in glibc's heap
    all_users, ends, targets = dataset.eval_cases(split)
    if users is not None:
        keep = np.isin(all_users, users)
        all_users, ends, targets = all_users[keep], ends[keep], targets[keep]
    if len(all_users) == 0:
        raise ValueError(f"{dataset.path} has no users to evaluate on the {split} split")
    ranks: dict[str, list[np.ndarray]] = {}
    tops: dict[str, list[np.ndarray]] = {}
    for start in tqdm(
        range(0, len(all_users), batch_size), desc=f"evaluate {split}", leave=False, disable=not progress
    ):
        batch = slice(start, start + batch_size)
        starts = dataset.offsets[all_users[batch]]
        lengths = ends[batch] - starts
        # every history of the batch in one gather from the memory-mapped items, then split into views
        flat = np.asarray(
            dataset.items[np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())]
        )
        histories = np.split(flat, np.cumsum(lengths)[:-1])
        for name, batch_scores in scores(histories):
            if tuple(batch_scores.shape) != (len(histories), dataset.n_items + 1):
                raise ValueError(
                    f"a scorer must return [batch, n_items + 1] = "
                    f"{(len(histories), dataset.n_items + 1)}, not {tuple(batch_scores.shape)}"
                )
            rank, top = _rank(batch_scores, np.repeat(np.arange(len(histories)), lengths), flat, targets[batch], K)
            ranks.setdefault(name, []).append(rank)
            tops.setdefault(name, []).append(top)
    popularity = popularity_percentiles(dataset.popularity())
    return {
        name: Evaluation(
            split, all_users, np.concatenate(ranks[name]), np.concatenate(tops[name]), popularity, dataset.n_items
        )
        for name in ranks
    }


def evaluate(
    score: Scorer,
    dataset: Dataset,
    split: Split,
    ci: bool = True,
    progress: bool = False,
    users: np.ndarray | None = None,
) -> dict:
    """The metric dict of `score` on `split` of `dataset` (see `Evaluation.metrics`)."""
    return evaluate_scorer(score, dataset, split, users=users, progress=progress).metrics(ci=ci)
