"""What the engine knows of a person beyond their films: the films they said are not for them.

A "not for me" takes the film out of every answer and pushes its look-alikes down: the item-to-item scores of the
refused films, standardised over all films like the blend's parts, are subtracted from the served scores with the
weight `PUSH`. The weight was chosen on real Letterboxd members, their films rated 2 stars or less standing in for
the clicks (`python -m benchmarks.bench_members --not-for-me`, BENCHMARKS.md "Not for me").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lbrec.serving.itemitem import ItemItem, standardise

PUSH = 0.25  # the weight of the refused films' look-alike scores, subtracted (see the module docstring)


@dataclass(frozen=True)
class Reading:
    """How to read one person beyond their history: `not_for_me` (movieIds) are never answered and their
    look-alikes are pushed down."""

    not_for_me: frozenset[int] = frozenset()


def push_down(scores: np.ndarray, item_item: ItemItem | None, refused: Sequence[int], push: float = PUSH
              ) -> np.ndarray:
    """`scores` [n_items + 1] with the look-alikes of the `refused` item indices pushed down (unchanged without an
    item-to-item model or a refused film)."""
    if item_item is None or not len(refused) or push == 0.0:
        return scores
    return (scores - push * standardise(item_item.score([refused]))[0]).astype(np.float32)
