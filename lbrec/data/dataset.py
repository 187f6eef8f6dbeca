"""A prepared data set folder read back: memory-mapped arrays, the split, the catalog, with a fix for any damage.

Layout (written by `lbrec.data.prepare`): `user_ids.npy`, `movie_ids.npy` (item index -> movieId, [0] padding),
`offsets.npy` and `items.npy` (user u's positives, in time order, are items[offsets[u]:offsets[u + 1]]),
`timestamps.npy`, `ratings.npy`, `thresholds.npy`, `splits.npz` (leave-one-out), `catalog.parquet` and `meta.json`.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from lbrec.artifacts import load_npy, read_json
from lbrec.errors import ArtifactError

FORMAT_VERSION = 1
PREPARE_FIX = "re-run `python -m lbrec prepare` to rebuild the folder"
Split = Literal["val", "test"]
T = TypeVar("T")


def _with_fix(read: Callable[..., T], path: Path, **options: bool) -> T:
    """`read(path)`, its `ArtifactError` completed with the fix."""
    try:
        return read(path, **options)
    except ArtifactError as exc:
        raise ArtifactError(f"{exc}: {PREPARE_FIX}") from None


class Dataset:
    """A prepared data set folder, read lazily and memory-mapped."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        if not (self.path / "meta.json").is_file():
            raise ArtifactError(
                f"{self.path} is not a prepared data set (no meta.json): run `python -m lbrec prepare` first"
            )
        self.meta: dict = _with_fix(read_json, self.path / "meta.json")
        if not isinstance(self.meta, dict) or self.meta.get("format") != FORMAT_VERSION:
            raise ArtifactError(f"{self.path} was prepared by another lbrec version: {PREPARE_FIX}")
        self.name: str = self.meta["dataset"]
        self.user_ids = _with_fix(load_npy, self.path / "user_ids.npy")
        self.movie_ids = _with_fix(load_npy, self.path / "movie_ids.npy")
        self.offsets = _with_fix(load_npy, self.path / "offsets.npy")
        self.items = _with_fix(load_npy, self.path / "items.npy", mmap=True)
        if len(self.offsets) != len(self.user_ids) + 1 or self.offsets[-1] != len(self.items):
            raise ArtifactError(f"{self.path} is inconsistent (offsets do not match items): {PREPARE_FIX}")
        try:
            with np.load(self.path / "splits.npz", allow_pickle=False) as splits:
                self.train_len = splits["train_len"]
                self.val_target = splits["val_target"]
                self.test_target = splits["test_target"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise ArtifactError(f"{self.path / 'splits.npz'} is missing or corrupt ({exc}): {PREPARE_FIX}") from None

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        """Number of real items; item indices run 1..n_items, 0 is padding."""
        return len(self.movie_ids) - 1

    def sequence(self, user: int) -> np.ndarray:
        return np.asarray(self.items[self.offsets[user] : self.offsets[user + 1]])

    def sequence_lengths(self) -> np.ndarray:
        """[n_users] each user's number of positives, the length of their whole sequence."""
        return np.diff(self.offsets)

    @cached_property
    def timestamps(self) -> np.ndarray:
        return _with_fix(load_npy, self.path / "timestamps.npy", mmap=True)

    @cached_property
    def ratings(self) -> np.ndarray:
        return _with_fix(load_npy, self.path / "ratings.npy", mmap=True)

    @cached_property
    def thresholds(self) -> np.ndarray:
        return _with_fix(load_npy, self.path / "thresholds.npy")

    @cached_property
    def catalog(self) -> pd.DataFrame:
        try:
            return pd.read_parquet(self.path / "catalog.parquet")
        except (OSError, ValueError) as exc:
            raise ArtifactError(
                f"{self.path / 'catalog.parquet'} is missing or corrupt ({exc}): {PREPARE_FIX}"
            ) from None

    def train_sequences(self) -> tuple[np.ndarray, np.ndarray]:
        """(starts, ends) into `items` of each user's training prefix."""
        starts = self.offsets[:-1]
        return starts, starts + self.train_len

    def eval_cases(self, split: Split) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(users, history_ends, targets): each evaluated user's history is items[offsets[u]:history_end]."""
        if split not in ("val", "test"):
            raise ValueError(f"split must be 'val' or 'test', not {split!r}")
        targets = self.val_target if split == "val" else self.test_target
        users = np.flatnonzero(targets)
        ends = self.offsets[users] + self.train_len[users] + (0 if split == "val" else 1)
        return users, ends, targets[users]

    def histories(self, split: Split) -> list[np.ndarray]:
        """Each evaluated user's input for `split`, in `eval_cases` order: their positives before the target."""
        users, ends, _ = self.eval_cases(split)
        return [np.asarray(self.items[start:end]) for start, end in zip(self.offsets[users], ends, strict=True)]

    def history_lengths(self, split: Split) -> np.ndarray:
        """len(h) for h in `histories(split)`, without reading the items."""
        users, ends, _ = self.eval_cases(split)
        return ends - self.offsets[users]

    def popularity(self) -> np.ndarray:
        """[n_items + 1] number of ratings of each item in the (filtered) data; index 0 is padding."""
        pop = np.zeros(self.n_items + 1, dtype=np.int64)
        cat = self.catalog
        index = cat["item_index"].to_numpy()
        pop[index[index > 0]] = cat["n_ratings"].to_numpy()[index > 0]
        return pop
