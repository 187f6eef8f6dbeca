"""The item-to-item model served beside SASRec, and the blend of the two: NumPy only, so serving can read it.

An item-to-item model scores film i for a history H as the sum over j in H of W[j, i]. W comes from EASE where
EASE fits (its weights B) or from item-kNN (cosine similarities) where it does not (`lbrec.evaluation.blend`), and
keeps, for each film j, only its `k` largest weights: a sparse matrix whose rows are the films a history film
points to. It is stored as three .npy arrays (CSR: `indptr`, `indices`, `weights`) and memory-mapped, so every
Voilà kernel reads the same pages of the same file instead of holding a copy.

The blend adds each model's scores standardised over the user's candidate films (mean 0, standard deviation 1),
weighted: `weight` * SASRec + (1 - weight) * item-to-item. Standardising makes the two scales comparable (SASRec's
dot products and EASE's sums of weights differ by orders of magnitude) without changing either model's order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lbrec.artifacts import load_npy, save_npy

FILES = {"indptr": "item_item.indptr.npy", "indices": "item_item.indices.npy", "weights": "item_item.weights.npy"}


@dataclass
class ItemItem:
    """A sparse [n_items + 1, n_items + 1] item-to-item matrix in CSR form: row j holds W[j, :] (row 0 empty)."""

    indptr: np.ndarray  # int64 [n_items + 2]
    indices: np.ndarray  # int32, the target films of each row
    weights: np.ndarray  # float32

    @property
    def n_items(self) -> int:
        return len(self.indptr) - 2

    @classmethod
    def from_rows(cls, rows: Iterator[tuple[int, np.ndarray]], n_items: int, k: int) -> ItemItem:
        """Keep the k largest positive weights of each row; `rows` yields (first row, [block, n_items + 1])."""
        indices, weights, counts = [], [], np.zeros(n_items + 1, np.int64)
        for start, block in rows:
            block = np.array(block, dtype=np.float32)
            block[:, 0] = 0.0  # never point to padding
            if start == 0:
                block[0] = 0.0  # nor from it
            block[np.arange(len(block)), np.arange(start, start + len(block))] = 0.0  # nor to the film itself
            keep = min(k, block.shape[1] - 1)
            top = np.argpartition(-block, keep - 1, axis=1)[:, :keep]
            values = np.take_along_axis(block, top, 1)
            order = np.argsort(top, axis=1, kind="stable")  # ascending film index inside a row
            top, values = np.take_along_axis(top, order, 1), np.take_along_axis(values, order, 1)
            positive = values > 0
            counts[start : start + len(block)] = positive.sum(1)
            indices.append(top[positive].astype(np.int32))
            weights.append(values[positive])
        indptr = np.zeros(n_items + 2, np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(
            indptr,
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.concatenate(weights) if weights else np.zeros(0, np.float32),
        )

    def score(self, histories: Sequence[Sequence[int] | np.ndarray]) -> np.ndarray:
        """[len(histories), n_items + 1] float32: each history's summed rows (a film counted once)."""
        out = np.zeros((len(histories), self.n_items + 1), np.float32)
        for row, history in enumerate(histories):
            films = np.unique(np.asarray(history, dtype=np.int64))
            films = films[(films > 0) & (films <= self.n_items)]
            if len(films) == 0:
                continue
            starts, ends = self.indptr[films], self.indptr[films + 1]
            lengths = ends - starts
            flat = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
            np.add.at(out[row], self.indices[flat], self.weights[flat])
        return out

    def row(self, film: int) -> tuple[np.ndarray, np.ndarray]:
        """(target films, weights) of one history film: what removing it from a history takes away."""
        start, end = self.indptr[film], self.indptr[film + 1]
        return self.indices[start:end], self.weights[start:end]

    def save(self, folder: str | os.PathLike[str]) -> list[str]:
        """Write the three arrays (atomically, each) into `folder`; return their file names."""
        for part, name in FILES.items():
            save_npy(Path(folder) / name, getattr(self, part))
        return list(FILES.values())

    @classmethod
    def load(cls, folder: str | os.PathLike[str], n_items: int) -> ItemItem:
        """Memory-mapped from `folder`: the page cache holds one copy for every process that reads it."""
        arrays = {part: load_npy(Path(folder) / name, mmap=True) for part, name in FILES.items()}
        model = cls(**arrays)
        if (
            model.indptr.ndim != 1
            or len(model.indptr) != n_items + 2
            or model.indptr[0] != 0
            or model.indptr[-1] != len(model.indices)
            or len(model.indices) != len(model.weights)
            or (len(model.indices) and (model.indices.min() < 0 or model.indices.max() > n_items))
        ):
            raise ValueError(f"the item-to-item arrays in {folder} do not describe {n_items} films")
        return model


def moments(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's mean and standard deviation over the real films (column 0 is padding), as [batch, 1] columns."""
    real = scores[:, 1:].astype(np.float64)
    return real.mean(1, keepdims=True), real.std(1, keepdims=True)


def standardise(scores: np.ndarray) -> np.ndarray:
    """Rows to mean 0 and standard deviation 1 over the real films (a flat row: 0)."""
    out = np.zeros(scores.shape, np.float32)
    out[:, 1:] = scale(scores[:, 1:], moments(scores))
    return out


def scale(values: np.ndarray, by: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Values of some films, standardised with the moments `by` of whole rows (an explanation compares a history
    with one film taken out on the full history's scale, at the recommended films only)."""
    mean, std = by
    return np.divide(values.astype(np.float64) - mean, std, out=np.zeros(values.shape), where=std > 0)


def blend(sasrec: np.ndarray, item_item: np.ndarray, weight: float) -> np.ndarray:
    """weight * standardised SASRec + (1 - weight) * standardised item-to-item scores, [batch, n_items + 1]."""
    return weight * standardise(sasrec) + (1.0 - weight) * standardise(item_item)
