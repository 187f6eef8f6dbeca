"""Where films stand for one user: the served scores over every film, and each film's rank and percentile among
the films the user has not seen. The questions beyond "what next" (rank a list, would I like it, watch together)
are all read from here, so a film's percentile means the same in each of them, and is said in the same words
(`standing_words`) wherever it shows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Standing:
    """One user's served scores [n_items + 1] and which films they have not seen nor refused (padding never
    counts)."""

    scores: np.ndarray
    unseen: np.ndarray  # bool [n_items + 1]
    items: list[int]  # the history the scores come from, item indices in time order
    window: np.ndarray  # the last max_len of them, left-padded, as SASRec read them; unordered: [windows, max_len]
    raw: np.ndarray  # SASRec's own scores (averaged over the windows), which explanations need beside the served ones
    blended: np.ndarray  # the served scores before the person's "not for me" pushed look-alikes down
    unordered: bool = False  # the history was read without order (`Reading.unordered`)
    _sorted: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sorted = np.sort(self.scores[self.unseen])

    @property
    def of(self) -> int:
        """How many films the user has not seen: what a rank is out of."""
        return len(self._sorted)

    def above(self, item: int) -> int:
        """How many unseen films score strictly higher than `item` (seen or not)."""
        return int(self.of - np.searchsorted(self._sorted, self.scores[item], side="right"))

    def rank(self, item: int) -> int:
        """1 for the film the user would be recommended first; a watched film gets the rank its score would have."""
        return self.above(item) + 1

    def percentile(self, item: int) -> float:
        """100 for the very top of the unseen films, near 0 for the bottom."""
        return float(self.percentiles()[item])

    def percentiles(self) -> np.ndarray:
        """Every film's percentile [n_items + 1], as `percentile` gives it one film at a time."""
        above = self.of - np.searchsorted(self._sorted, self.scores, side="right")
        return 100.0 * (1.0 - above / max(self.of, 1))


def share_above(percentile: float) -> float:
    """The share (%) of the films not seen that rank above a film, as a reader is told it: rounded up, to a tenth
    under 1% (never 0)."""
    above = max(0.0, 100.0 - percentile)
    return max(0.1, math.ceil(above * 10 - 1e-9) / 10) if above < 1 else float(math.ceil(above - 1e-9))


def standing_words(percentile: float) -> str:
    """Where a film stands among the films not seen, in words: "top 3%" in the upper half (the share above it,
    `share_above`), "bottom 31%" in the lower half (the share at or below it, rounded up)."""
    above = share_above(percentile)
    if above <= 50:
        return f"top {above:g}%"
    return f"bottom {max(1, math.ceil(percentile - 1e-9))}%"
