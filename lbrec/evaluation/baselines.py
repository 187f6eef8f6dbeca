"""The baselines SASRec has to beat, in plain NumPy/SciPy: most popular, item-kNN (cosine) and EASE.

Each is fitted on one binary user x item matrix: every user's input history for the split being evaluated
(`protocol.input_histories`: validation -> training prefixes; test -> training prefixes plus the validation item),
so a baseline never sees a target of that split. Scores have the same layout as the model's: [batch, n_items + 1]
with column 0 the padding.

Item-kNN and EASE are computed in whichever of the user or item space is smaller: ml-latest-small has 610 users and
6,389 items, so EASE's item x item inverse comes from a 610 x 610 one (Woodbury identity), in a second, not a minute.
At ML-32M scale (200k users, 87k items) EASE's dense inverse cannot fit and `compare` skips it with a note, and
item-kNN keeps each item's 100 nearest neighbours, found a block of items at a time (never a dense 87k x 87k).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from lbrec.data.dataset import Dataset, Split
from lbrec.errors import LbrecError
from lbrec.evaluation.protocol import Evaluation, evaluate_scorer, input_histories

EASE_LAMBDAS = (5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
MAX_DENSE = 30_000  # EASE inverts a dense min(users, items)^2 matrix: 30k^2 float64 is 7 GB
# Above this many items, item-kNN keeps KNN_NEIGHBOURS neighbours per item: summing over all of them costs each
# scored user a pass over every interaction (37 s per 256 users at ML-32M scale).
KNN_ALL_MAX = 30_000
KNN_NEIGHBOURS = 100


class Baseline(Protocol):
    name: str

    def fit(self, histories: Sequence[np.ndarray], n_items: int) -> Baseline: ...

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray: ...


def interactions(histories: Sequence[np.ndarray], n_items: int) -> sp.csr_matrix:
    """Binary [len(histories), n_items + 1] matrix (float64): 1 where the user liked the item."""
    rows = np.repeat(np.arange(len(histories)), [len(h) for h in histories])
    cols = np.concatenate(histories).astype(np.int64) if len(histories) else np.zeros(0, np.int64)
    matrix = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(histories), n_items + 1))
    matrix.data[:] = 1.0  # a repeated item counts once
    return matrix


class Popular:
    """The items liked by the most users, the same list for everyone."""

    name = "popular"

    def fit(self, histories: Sequence[np.ndarray], n_items: int) -> Popular:
        self.counts = np.asarray(interactions(histories, n_items).sum(0)).ravel()
        return self

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(histories), len(self.counts)))


class ItemKNN:
    """Item-based kNN with cosine similarity: score(i) = sum of sim(i, j) over the history, over all neighbours j
    (`neighbours=None`) or over i's `neighbours` most similar items (Sarwar et al., 2001).

    All neighbours: sim = Xn^T Xn with Xn the column-normalised matrix, so H sim = (H Xn^T) Xn is two sparse
    products and the item x item matrix is never formed. k neighbours: sim is computed `block` items at a time and
    only each item's k largest similarities are kept, a sparse [items, items] matrix with k entries per row.
    """

    name = "itemknn"

    def __init__(self, neighbours: int | None = None, block: int = 512):
        self.neighbours = neighbours
        self.block = block

    def fit(self, histories: Sequence[np.ndarray], n_items: int) -> ItemKNN:
        matrix = interactions(histories, n_items)
        norms = np.sqrt(np.asarray(matrix.sum(0)).ravel())
        self.inv_norm = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        self.normed = (matrix @ sp.diags(self.inv_norm)).tocsr()
        self.n_items = n_items
        if self.neighbours is not None:
            self.similar = self._nearest(self.normed, self.neighbours)
        return self

    def _nearest(self, normed: sp.csr_matrix, k: int) -> sp.csr_matrix:
        """[items, items] sparse: row i holds sim(i, j) for i's k most similar items j (never i itself)."""
        by_item = normed.T.tocsr()
        n = by_item.shape[0]
        k = min(k, n - 1)
        rows, cols, values = [], [], []
        for start in range(0, n, self.block):
            sim = (by_item[start : start + self.block] @ normed).toarray().astype(np.float32)  # [block, items]
            sim[np.arange(len(sim)), np.arange(start, start + len(sim))] = 0.0
            top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
            rows.append(np.repeat(np.arange(start, start + len(sim)), k))
            cols.append(top.ravel())
            values.append(np.take_along_axis(sim, top, 1).ravel())
        similar = sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
        similar.eliminate_zeros()
        return similar

    def rows(self, block: int = 512) -> Iterator[tuple[int, np.ndarray]]:
        """The item-to-item weights W (score = history @ W) a block of source films at a time: (first, rows)."""
        if self.neighbours is not None:
            by_source = self.similar.T.tocsr()
        for start in range(0, self.n_items + 1, block):
            if self.neighbours is not None:
                yield start, by_source[start : start + block].toarray()
            else:
                yield start, (self.normed[:, start : start + block].T @ self.normed).toarray()

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        h = interactions(histories, self.n_items)
        if self.neighbours is not None:
            return np.asarray((h @ self.similar.T).todense())
        scores = ((h @ self.normed.T) @ self.normed).toarray()
        return scores - h.toarray() * (self.inv_norm > 0)  # drop each item's similarity to itself (1)


class EASE:
    """EASE (Steck, 2019): B = I - P diag(1/diag(P)), P = (X^T X + lam I)^-1; scores = H B.

    With fewer users than items, P = (I - X^T (X X^T + lam I)^-1 X) / lam needs only a users x users inverse.
    """

    name = "ease"

    def __init__(self, lam: float = 100.0):
        self.lam = lam

    @staticmethod
    def fits(n_users: int, n_items: int) -> str | None:
        """None when EASE can be fitted on this many users and items, else the reason it cannot."""
        side = min(n_users, n_items + 1)
        if side <= MAX_DENSE:
            return None
        return (
            f"EASE needs a dense {side:,}^2 inverse here ({side**2 * 8 / 2**30:.0f} GiB); it is limited to "
            f"{MAX_DENSE:,} users or items (use ml-latest-small or ml-1m for the baselines)"
        )

    def fit(self, histories: Sequence[np.ndarray], n_items: int) -> EASE:
        x = interactions(histories, n_items)
        n_users, n_cols = x.shape
        if reason := self.fits(n_users, n_items):
            raise LbrecError(reason)
        self.n_items = n_items
        self.dual = n_users < n_cols
        if self.dual:
            m = np.linalg.inv((x @ x.T).toarray() + self.lam * np.eye(n_users))
            self.x = x
            self.mx = m @ x  # [users, items] dense
            self.diag = (1.0 - np.asarray(x.multiply(self.mx).sum(0)).ravel()) / self.lam
        else:
            p = np.linalg.inv((x.T @ x).toarray() + self.lam * np.eye(n_cols))
            self.diag = np.diag(p).copy()
            self.b = -p / self.diag
            np.fill_diagonal(self.b, 0.0)
        return self

    def rows(self, block: int = 512) -> Iterator[tuple[int, np.ndarray]]:
        """B a block of source films at a time: (first, rows). Dual form: P[j] = (e_j - X[:, j]^T M X) / lam."""
        for start in range(0, self.n_items + 1, block):
            if not self.dual:
                yield start, self.b[start : start + block]
                continue
            stop = min(start + block, self.n_items + 1)
            p = -(self.x[:, start:stop].T @ self.mx)
            p[np.arange(stop - start), np.arange(start, stop)] += 1.0
            yield start, -(p / self.lam) / self.diag  # the diagonal, 1 - 1, is dropped by the caller

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        h = interactions(histories, self.n_items)
        if not self.dual:
            return np.asarray(h @ self.b)
        hp = (h.toarray() - (h @ self.x.T) @ self.mx) / self.lam  # H P
        return h.toarray() - hp / self.diag


def fit(baseline: Baseline, dataset: Dataset, split: Split) -> Baseline:
    """Fit `baseline` on every user's input history for `split` (see the module docstring)."""
    return baseline.fit(input_histories(dataset, split), dataset.n_items)


def tune_ease(
    dataset: Dataset, lambdas: Sequence[float] = EASE_LAMBDAS, users: np.ndarray | None = None
) -> tuple[float, dict[float, float]]:
    """(best lam, {lam: validation NDCG@10}): EASE's one hyper-parameter, chosen on validation only."""
    found = {
        lam: float(
            evaluate_scorer(fit(EASE(lam), dataset, "val").score, dataset, "val", users=users)
            .per_user("ndcg@10")
            .mean()
        )
        for lam in lambdas
    }
    return max(found, key=found.__getitem__), found


def item_knn(dataset: Dataset) -> ItemKNN:
    """Item-kNN over all neighbours on small catalogs, over each item's 100 nearest above KNN_ALL_MAX items."""
    return ItemKNN(None if dataset.n_items <= KNN_ALL_MAX else KNN_NEIGHBOURS)


def evaluate_baselines(
    dataset: Dataset, split: Split, ease_lambda: float | None, users: np.ndarray | None = None
) -> dict[str, Evaluation]:
    """Every baseline fitted on `split`'s input histories and evaluated on it (on `users` only, when given);
    EASE only with a lambda (None: it cannot be fitted on this data set)."""
    models: list[Baseline] = [Popular(), item_knn(dataset), *([EASE(ease_lambda)] if ease_lambda is not None else [])]
    return {m.name: evaluate_scorer(fit(m, dataset, split).score, dataset, split, users=users) for m in models}
