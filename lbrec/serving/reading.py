"""What the engine knows of a person beyond their films: the films they said are not for them, and whether their
history has a real order.

A "not for me" takes the film out of every answer and pushes its look-alikes down: the refused films' nearest
look-alikes (each one's `LOOK_ALIKES` largest item-to-item weights), standardised over all films like the blend's
parts, are subtracted from the served scores with the weight `PUSH`. Both were chosen on real Letterboxd members,
their films rated 2 stars or less standing in for the clicks (`python -m benchmarks.bench_members --not-for-me`,
BENCHMARKS.md "Not for me"); the push barely moves bad picks (they are rare, and a third of them are no look-alike
of any click), so it is kept small enough to cost nothing.

A history without a real order (`unordered`: a Letterboxd export imported in bulk, every film logged the same day)
is read as `Undated` says: SASRec over the whole history in near-equal windows of at most `max_len` films, its
scores averaged over them, instead of the latest `max_len` (which are any of them), and SASRec's share of the blend
chosen for such histories. The model folder's onnx.json records the choice (`"undated"`); `UNDATED` is what a folder
exported without one gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lbrec.serving.itemitem import ItemItem, standardise

# How far a "not for me" pushes its look-alikes down: each refused film's 5 largest item-to-item weights, standardised,
# times 0.02. Chosen on half of the 1,000 dev Letterboxd members, their films rated 2 stars or less standing in for
# clicks (the fewest held-out low films in the top 10 among pushes that keep NDCG@10), reported on the other half:
# held-out low films in the top 10 0.0039 -> 0.0035 (p = 0.26), NDCG@10 unchanged (BENCHMARKS.md "Not for me").
PUSH = 0.02
LOOK_ALIKES = 5


@dataclass(frozen=True)
class Reading:
    """How to read one person beyond their history: `not_for_me` (movieIds) are never answered and their
    look-alikes are pushed down; `unordered`: their history has no real order (read it as the folder's `Undated`)."""

    not_for_me: frozenset[int] = frozenset()
    unordered: bool = False


@dataclass(frozen=True)
class Undated:
    """How the engine reads a history without order: in `windows` (or the latest max_len films only) and with
    SASRec's share of the blend `weight` (for a blend; SASRec alone ignores it)."""

    windows: bool = True
    weight: float = 0.7
    chosen_on: str = ""
    figures: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.windows, bool) or not 0.0 <= float(self.weight) <= 1.0:
            raise ValueError(f"windows {self.windows!r}, weight {self.weight!r}")

    @classmethod
    def from_json(cls, entry: object) -> Undated:
        """onnx.json's "undated" entry; a folder exported before it had one (None) gets `UNDATED`."""
        if entry is None:
            return UNDATED
        if not isinstance(entry, Mapping):
            raise ValueError("its \"undated\" entry is not an object")
        return cls(windows=entry.get("windows", UNDATED.windows), weight=float(entry.get("weight", UNDATED.weight)),
                   chosen_on=str(entry.get("chosen_on", "")), figures=dict(entry.get("figures") or {}))

    def to_json(self) -> dict:
        return {"windows": self.windows, "weight": self.weight, "chosen_on": self.chosen_on,
                "figures": dict(self.figures or {})}

    def members_ndcg(self, meta: Mapping) -> float | None:
        """NDCG@10 on real members' undated exports when it was measured on the folder described by `meta` (its
        onnx.json: the same "created"), else None: a figure of another model is not this one's."""
        figures = self.figures or {}
        value = figures.get("members_ndcg@10")
        same = figures.get("model_created") is not None and figures.get("model_created") == meta.get("created")
        return float(value) if same and isinstance(value, (int, float)) else None

    def describe(self) -> str:
        return ("all films in windows" if self.windows else "the latest films") + f", SASRec x {self.weight:g}"


# Chosen on real Letterboxd members (bulk-imported exports): `python -m benchmarks.bench_members --tune` on the first
# half of the 1,000 dev members, reported on the other half (BENCHMARKS.md "Serving a history without order",
# 2026-12-03, ml-latest-small's SASRec x 0.9 + EASE x 0.1): windows and a SASRec share of 0.7 took NDCG@10 from
# 0.0329 to 0.0564 (x1.71, p < 0.001); on MovieLens's time-ordered test split the same point costs 0.008 (p = 0.17).
UNDATED = Undated(
    windows=True, weight=0.7,
    chosen_on="python -m benchmarks.bench_members --tune: 500 of the 1,000 dev Letterboxd members (seed 0), "
              "reported on the other 500 (BENCHMARKS.md \"Serving a history without order\", 2026-12-03)",
    figures={"members_ndcg@10": 0.0564, "members_ndcg@10_latest": 0.0329, "members": 500,
             "movielens_test_ndcg@10": 0.0579, "movielens_test_ndcg@10_dated": 0.0658,
             "model_created": "2026-12-03T16:28:14Z"})  # the folder measured: its onnx.json's "created"


def look_alikes(item_item: ItemItem, films: Sequence[int] | np.ndarray, top: int | None = LOOK_ALIKES) -> np.ndarray:
    """[n_items + 1] the look-alikes of `films` (item indices), standardised over the films (0 without any): the sum
    of each film's `top` largest item-to-item weights (None: its whole row, as `ItemItem.score` sums it)."""
    films = np.unique(np.asarray(films, np.int64))
    films = films[(films > 0) & (films <= item_item.n_items)]
    if top is None:
        return standardise(item_item.score([films]))[0]
    raw = np.zeros(item_item.n_items + 1, np.float32)
    for film in films:
        targets, weights = item_item.row(int(film))
        keep = np.argsort(-weights, kind="stable")[:top]
        raw[targets[keep]] += weights[keep]  # a row's targets are distinct
    return standardise(raw[None])[0]


def push_down(scores: np.ndarray, item_item: ItemItem | None, refused: Sequence[int], push: float = PUSH
              ) -> np.ndarray:
    """`scores` [n_items + 1] with the look-alikes of the `refused` item indices pushed down (unchanged without an
    item-to-item model or a refused film)."""
    if item_item is None or not len(refused) or push == 0.0:
        return scores
    return (scores - push * look_alikes(item_item, refused)).astype(np.float32)
