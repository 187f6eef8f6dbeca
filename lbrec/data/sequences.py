"""The model's input, written once for training, evaluation, export and serving: left-padded item histories."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def left_pad(histories: Sequence[Sequence[int]], max_len: int) -> np.ndarray:
    """[len(histories), max_len] int64: each history's last `max_len` items, right-aligned, 0 (padding) before."""
    batch = np.zeros((len(histories), max_len), dtype=np.int64)
    for row, items in enumerate(histories):
        items = np.asarray(items, dtype=np.int64)[-max_len:]
        if len(items):
            batch[row, -len(items) :] = items
    return batch
