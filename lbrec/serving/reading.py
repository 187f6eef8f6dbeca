"""What the engine knows of a person beyond their films: the films they said are not for them, the films they rated
low, and whether their history has a real order.

A "not for me" takes the film out of every answer and pushes its look-alikes down: the refused films' nearest
look-alikes (each one's `LOOK_ALIKES` largest item-to-item weights), standardised over all films like the blend's
parts, are subtracted from the served scores with the weight `PUSH`.

A history without a real order (`unordered`: a Letterboxd export imported in bulk, every film logged the same day)
is read as `UnorderedReading` says: SASRec over the whole history in near-equal windows of at most `max_len` films,
its scores averaged over them, instead of the latest `max_len` (which are any of them), and SASRec's share of the
blend chosen for such histories. The model folder's onnx.json records the choice (`"unordered"`: windows and
weight); `UNORDERED_READING` is what a folder exported without one gets.

A short history with a real order (at most `max_len` films: an RSS feed's latest 50, a few typed titles) is read as
`ShortReading` says: SASRec's share of the blend, how much of the canon to hold back (the films' MovieLens popularity,
`popularity_prior`, subtracted: a film lover has seen most of it already), and how far the films they rated 2 stars or
less push their look-alikes down (`Reading.disliked`). onnx.json's `"short"` records it; `SHORT_READING` is the
default. A longer dated history is read as the folder's blend (MovieLens's own protocol).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lbrec.serving.itemitem import ItemItem, standardise

# Chosen on real members: docs/results.md, python -m benchmarks.bench_members --not-for-me
PUSH = 0.02  # how far a "not for me" pushes its look-alikes down (standardised, subtracted)
LOOK_ALIKES = 5  # each refused film's largest item-to-item weights that count as its look-alikes


@dataclass(frozen=True)
class Reading:
    """How to read one person beyond their history: `not_for_me` (movieIds) are never answered and their
    look-alikes are pushed down; `unordered`: their history has no real order (read as the folder's
    `UnorderedReading` says); `disliked`: what a short dated history pushes against (`ShortReading`)."""

    not_for_me: frozenset[int] = frozenset()
    unordered: bool = False
    disliked: frozenset[int] = frozenset()  # movieIds they rated 2 stars or less (`lbrec.letterboxd.history.DISLIKED`)


@dataclass(frozen=True)
class UnorderedReading:
    """How the engine reads a history without order: in `windows` (or the latest max_len films only) and with
    SASRec's share of the blend `weight` (for a blend; SASRec alone ignores it)."""

    windows: bool = True
    weight: float = 0.7

    def __post_init__(self) -> None:
        if not isinstance(self.windows, bool) or not 0.0 <= float(self.weight) <= 1.0:
            raise ValueError(f"windows {self.windows!r}, weight {self.weight!r}")

    @classmethod
    def from_json(cls, entry: object) -> UnorderedReading:
        """onnx.json's "unordered" entry (other keys, as older exports wrote, are ignored); a folder exported before it
        had one (None) gets `UNORDERED_READING`."""
        if entry is None:
            return UNORDERED_READING
        if not isinstance(entry, Mapping):
            raise ValueError('its "unordered" entry is not an object')
        return cls(
            windows=entry.get("windows", UNORDERED_READING.windows),
            weight=float(entry.get("weight", UNORDERED_READING.weight)),
        )

    def to_json(self) -> dict:
        return {"windows": self.windows, "weight": self.weight}

    def describe(self) -> str:
        return ("all films in windows" if self.windows else "the latest films") + f", SASRec x {self.weight:g}"


# Chosen on real members: docs/results.md, python -m benchmarks.bench_members --tune
UNORDERED_READING = UnorderedReading(windows=True, weight=0.7)


@dataclass(frozen=True)
class ShortReading:
    """How the engine reads a dated history of at most `max_len` films (for a blend; SASRec alone ignores it):
    SASRec's share of the blend `weight`, the films' popularity subtracted x `popularity`, and the disliked films'
    item-to-item look-alikes (standardised) subtracted x `against`."""

    weight: float = 0.9
    popularity: float = 0.0
    against: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.weight) <= 1.0 or float(self.popularity) < 0 or float(self.against) < 0:
            raise ValueError(f"weight {self.weight!r}, popularity {self.popularity!r}, against {self.against!r}")

    @classmethod
    def from_json(cls, entry: object) -> ShortReading:
        """onnx.json's "short" entry; a folder exported without one (None) gets `SHORT_READING`."""
        if entry is None:
            return SHORT_READING
        if not isinstance(entry, Mapping):
            raise ValueError('its "short" entry is not an object')
        return cls(**{key: float(entry.get(key, getattr(SHORT_READING, key))) for key in SHORT_READING.to_json()})

    def to_json(self) -> dict:
        return {"weight": self.weight, "popularity": self.popularity, "against": self.against}

    def describe(self) -> str:
        return f"SASRec x {self.weight:g}, popularity x {self.popularity:g}, dislikes x {self.against:g}"


# Chosen on real members' short diaries: docs/results.md, python -m benchmarks.bench_members --short --seed 1
SHORT_READING = ShortReading(weight=0.9, popularity=0.3, against=0.25)


def popularity_prior(popularity: np.ndarray) -> np.ndarray:
    """[n_items + 1] how much of the canon each film is: the log of its MovieLens ratings, standardised over the films
    as the blend's parts are (what a film lover has most likely seen already)."""
    return standardise(np.log1p(np.asarray(popularity, np.float32))[None])[0]


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


def push_down(scores: np.ndarray, item_item: ItemItem | None, refused: Sequence[int], push: float = PUSH) -> np.ndarray:
    """`scores` [n_items + 1] with the look-alikes of the `refused` item indices pushed down (unchanged without an
    item-to-item model or a refused film)."""
    if item_item is None or not len(refused) or push == 0.0:
        return scores
    return (scores - push * look_alikes(item_item, refused)).astype(np.float32)
