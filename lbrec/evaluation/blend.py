"""SASRec blended with an item-to-item model (`lbrec.serving.itemitem`), everything chosen on validation only.

The item-to-item model is fitted on the split's input histories, as the baselines are (validation: the training
prefixes; test and serving: the training prefixes plus the validation film). Its source is EASE where a dense
EASE fits (ml-latest-small, ml-1m) and item-kNN where it does not (ML-32M: 87k films would need a 55 GiB inverse;
`baselines.EASE.fits`). The grid, every point ranked on the same validation users in one pass: the source, the
number of weights kept per film (`KEEP`) and the blend weight (`WEIGHTS`; 1 is SASRec alone, 0 the item-to-item
model alone). The best point on validation NDCG@10 is what `export` writes into the model folder and what
`evaluate` reports on test as `blend`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from lbrec.data.dataset import Dataset, Split
from lbrec.evaluation.baselines import EASE, ItemKNN, fit, item_knn
from lbrec.evaluation.protocol import Scorer, evaluate_many
from lbrec.serving.itemitem import ItemItem, blend

KEEP = (50, 200, 1000)  # weights kept per source film (the rest are dropped: the model folder holds k per film)
WEIGHTS = tuple(round(w, 2) for w in np.linspace(0.0, 1.0, 11))  # SASRec's share of the blend


@dataclass
class BlendChoice:
    """The best point of the grid on validation, and the whole grid's validation NDCG@10 (to show the choice)."""

    source: str  # "ease" or "itemknn"
    keep: int
    weight: float  # SASRec's share; 1.0 means SASRec alone is best and nothing is blended
    ease_lambda: float | None
    validation: dict[str, float] = field(default_factory=dict)  # "ease k=200 w=0.6" -> NDCG@10

    @property
    def served(self) -> str:
        return "sasrec" if self.weight == 1.0 else "blend"

    def describe(self) -> str:
        if self.weight == 1.0:
            return "SASRec alone (no blend was better on validation)"
        return f"SASRec x {self.weight:g} + {self.source} x {1 - self.weight:g} ({self.keep} weights per film)"

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "keep": self.keep,
            "weight": self.weight,
            "ease_lambda": self.ease_lambda,
            "served": self.served,
            "description": self.describe(),
        }


def sources(dataset: Dataset, ease_lambda: float | None) -> list[str]:
    return (
        ["ease", "itemknn"]
        if ease_lambda is not None and EASE.fits(dataset.n_users, dataset.n_items) is None
        else ["itemknn"]
    )


def fit_source(dataset: Dataset, split: Split, source: str, ease_lambda: float | None) -> EASE | ItemKNN:
    """EASE or item-kNN fitted on `split`'s input histories: the full weights, before any are dropped."""
    return fit(EASE(ease_lambda) if source == "ease" else item_knn(dataset), dataset, split)  # type: ignore[return-value]


def fit_item_item(dataset: Dataset, split: Split, source: str, keep: int, ease_lambda: float | None) -> ItemItem:
    """The item-to-item model of `source` on `split`'s input histories, `keep` weights per film."""
    return ItemItem.from_rows(fit_source(dataset, split, source, ease_lambda).rows(), dataset.n_items, keep)


def as_numpy(scores: np.ndarray | torch.Tensor) -> np.ndarray:
    """A scorer's scores (a NumPy array or a torch tensor on any device) as a NumPy array."""
    return scores.detach().float().cpu().numpy() if isinstance(scores, torch.Tensor) else np.asarray(scores)


def blend_scorer(sasrec: Scorer, item_item: ItemItem, weight: float) -> Scorer:
    """The blend as a scorer (histories -> [batch, n_items + 1] NumPy scores)."""
    return lambda histories: blend(as_numpy(sasrec(histories)), item_item.score(histories), weight)


def choose_blend(
    dataset: Dataset,
    sasrec: Scorer,
    ease_lambda: float | None,
    users: np.ndarray | None = None,
    keep: Sequence[int] = KEEP,
    weights: Sequence[float] = WEIGHTS,
) -> BlendChoice:
    """The grid point with the best validation NDCG@10 (a tie goes to SASRec alone)."""
    models = {}
    for source in sources(dataset, ease_lambda):
        fitted = fit_source(dataset, "val", source, ease_lambda)
        models |= {(source, k): ItemItem.from_rows(fitted.rows(), dataset.n_items, k) for k in keep}

    def grid(histories: Sequence[np.ndarray]) -> Iterator[tuple[str, np.ndarray]]:
        base = as_numpy(sasrec(histories))
        yield "sasrec", base
        for (source, k), model in models.items():
            other = model.score(histories)
            for w in weights:
                if w < 1.0:
                    yield f"{source} k={k} w={w:g}", blend(base, other, w)

    found = {
        name: float(e.per_user("ndcg@10").mean())
        for name, e in evaluate_many(grid, dataset, "val", users=users).items()
    }
    best = max(found, key=lambda name: (found[name], name == "sasrec"))
    if best == "sasrec":
        source, k = next(iter(models))
        return BlendChoice(source, k, 1.0, ease_lambda, found)
    source, k_text, w_text = best.split()
    return BlendChoice(source, int(k_text[2:]), float(w_text[2:]), ease_lambda, found)
