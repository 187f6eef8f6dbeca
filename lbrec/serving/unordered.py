"""Served scores for a history without a real order: a Letterboxd export imported in bulk, where every film was
logged the same day and "the latest 50 films" SASRec reads are any 50 of them. Options, none of them retrained:

- `windows`: SASRec reads the whole history as consecutive windows of at most `max_len` films, of near-equal sizes,
  and its scores are averaged over them, instead of reading the last `max_len` films only;
- `weight`: SASRec's share of the blend, in place of the one the model folder was chosen with on MovieLens's
  time-ordered validation (`item_item`: another item-to-item model in place of the folder's, e.g. more weights kept);
- `against`: films the member disliked (rated 2 stars or less) count against their look-alikes: their item-to-item
  score, standardised over the films like the blend's parts, is subtracted with this weight.

`Unordered()` is what the engine serves (`Recommender.standing`'s scores); `unordered_scores` takes any of them.
`lbrec.evaluation.member_tuning` chooses them on real Letterboxd members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import ItemItem, blend, standardise


@dataclass(frozen=True)
class Unordered:
    """How to score a history that has no order; the defaults are what the engine serves."""

    windows: bool = False
    weight: float | None = None  # SASRec's share of the blend; None: the model folder's
    against: float = 0.0  # weight of the disliked films' item-to-item score, subtracted
    item_item: ItemItem | None = None  # None: the model folder's

    def describe(self) -> str:
        parts = ["all films in 50-film windows" if self.windows else "the last 50 films"]
        if self.weight is not None:
            parts.append(f"SASRec x {self.weight:g}")
        if self.against:
            parts.append(f"dislikes against x {self.against:g}")
        return ", ".join(parts)


def window_scores(engine: Recommender, items: Sequence[int]) -> np.ndarray:
    """SASRec's raw scores [n_items + 1] averaged over the history read as near-equal windows of <= max_len films."""
    n_windows = max(1, -(-len(items) // engine.max_len))
    windows = [list(w) for w in np.array_split(np.asarray(items, np.int64), n_windows)]
    return engine.scores(engine.encode(windows)).mean(0)


def unordered_scores(engine: Recommender, history: Sequence[int], disliked: Sequence[int] = (),
                     options: Unordered = Unordered()) -> np.ndarray:
    """Served scores [n_items + 1] for `history` (movieIds, any order) and the films the member `disliked`."""
    return item_scores(engine, engine.item_indices(history), engine.item_indices(disliked), options)


def item_scores(engine: Recommender, items: Sequence[int], against: Sequence[int] = (),
                options: Unordered = Unordered()) -> np.ndarray:
    """`unordered_scores` for item indices: the history `items` and the disliked films `against`."""
    if not items:
        return engine.standing(()).scores
    raw = window_scores(engine, items) if options.windows else engine.scores(engine.encode([items]))[0]
    item_item = options.item_item or engine.item_item
    weight = engine.weight if options.weight is None else options.weight
    if item_item is None:
        served = raw.astype(np.float32)
    else:
        served = blend(raw[None], item_item.score([items]), weight)[0]
    if options.against and len(against) and item_item is not None:
        served = served - options.against * standardise(item_item.score([against]))[0]
    return served
