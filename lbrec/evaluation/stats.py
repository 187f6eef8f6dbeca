"""Statistics over users: how sure a mean is, and whether two models differ on the same users.

On ml-latest-small (610 users) a metric moves by several percent between samples of users, so every mean comes
with a percentile-bootstrap 95% interval, and models are compared with paired tests over the same users.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from lbrec.evaluation.protocol import Evaluation


def bootstrap_ci(values: np.ndarray, n_boot: int = 1000, seed: int = 0, chunk: int = 100) -> list[float]:
    """Percentile bootstrap 95% interval of the mean over users (resampling users with replacement)."""
    rng = np.random.default_rng(seed)
    means = np.concatenate(
        [
            values[rng.integers(0, len(values), (min(chunk, n_boot - i), len(values)))].mean(1)
            for i in range(0, n_boot, chunk)
        ]
    )
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def paired_test(a: Evaluation, b: Evaluation, metric: str = "ndcg@10", n_boot: int = 2000, seed: int = 0) -> dict:
    """Is `a` better than `b` on the same users? Mean difference, its paired-bootstrap 95% interval and p-value,
    and the Wilcoxon signed-rank p-value (users where both are equal are dropped, as Wilcoxon does)."""
    if a.split != b.split or not np.array_equal(a.users, b.users):
        raise ValueError("a paired test needs both models evaluated on the same split and users")
    return paired_values(a.per_user(metric), b.per_user(metric), metric, n_boot, seed)


def paired_values(a: np.ndarray, b: np.ndarray, metric: str, n_boot: int = 2000, seed: int = 0) -> dict:
    """`paired_test` on two models' per-user values of one metric (the same users in the same order)."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = np.concatenate([diff[rng.integers(0, len(diff), (100, len(diff)))].mean(1) for _ in range(n_boot // 100)])
    p_boot = min(1.0, 2 * min((means <= 0).mean(), (means >= 0).mean()))
    p_wilcoxon = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0
    return {
        "metric": metric,
        "mean_diff": float(diff.mean()),
        "ci95": [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))],
        "p_bootstrap": float(p_boot),
        "p_wilcoxon": p_wilcoxon,
    }
