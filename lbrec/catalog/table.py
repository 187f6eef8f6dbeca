"""The catalog's columns as the matcher and the engine read them: plain NumPy arrays and lists, one row per film.

`Catalog.read` reads a `catalog.parquet` with pyarrow alone: serving never imports pandas, which would cost every
command a quarter of a second at start (docs/results.md, "The command line"). `Catalog.of` takes the columns from
anything that gives one by name (a prepared data set's pandas catalog, a table built in a test).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lbrec.errors import ArtifactError

REQUIRED = ("movieId", "title", "year", "alternates", "imdbId", "tmdbId", "n_ratings")


def _ints(values: Iterable[object]) -> np.ndarray:
    """Integers, -1 where the value is missing (None, NaN, pandas' NA)."""
    out = []
    for value in values:
        try:
            out.append(int(value))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            out.append(-1)
    return np.array(out, dtype=np.int64)


def _lists(values: Iterable[object]) -> list[list[str]]:
    """Lists of strings, empty where the cell is missing."""
    return [[str(v) for v in value] if value is not None and not isinstance(value, float) else [] for value in values]


@dataclass(frozen=True)
class Catalog:
    """The films of a catalog, row by row: ids and years are -1 where unknown."""

    movie_ids: np.ndarray  # int64
    titles: list[str]
    raw_titles: list[str]  # MovieLens's own ("Matrix, The (1999)"), where the catalog keeps it; else the title
    years: np.ndarray  # int64
    alternates: list[list[str]]  # other titles of the film
    genres: list[list[str]]
    imdb_ids: np.ndarray  # int64
    tmdb_ids: np.ndarray  # int64
    n_ratings: np.ndarray  # int64: how often MovieLens members rated it

    def __len__(self) -> int:
        return len(self.movie_ids)

    @classmethod
    def of(cls, columns: Mapping[str, Iterable[object]]) -> Catalog:
        """The catalog in `columns` (a column by name); a missing column fails in one line."""
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise ArtifactError(f"the catalog lacks the columns {', '.join(missing)}: re-run `python -m lbrec prepare`")
        titles = [str(t) for t in columns["title"]]
        return cls(
            movie_ids=_ints(columns["movieId"]),
            titles=titles,
            raw_titles=[str(t) for t in columns["ml_title"]] if "ml_title" in columns else titles,
            years=_ints(columns["year"]),
            alternates=_lists(columns["alternates"]),
            genres=_lists(columns["genres"]) if "genres" in columns else [[] for _ in titles],
            imdb_ids=_ints(columns["imdbId"]),
            tmdb_ids=_ints(columns["tmdbId"]),
            n_ratings=_ints(columns["n_ratings"]),
        )

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Catalog:
        """A `catalog.parquet`; missing or unreadable, an `ArtifactError` naming it."""
        import pyarrow.parquet as pq

        path = Path(path)
        try:  # a ParquetFile's read leaves the pandas metadata alone (read_table would import pandas to honour it)
            table = pq.ParquetFile(path).read(use_pandas_metadata=False)
        except FileNotFoundError:
            raise ArtifactError(f"{path} is missing") from None
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise ArtifactError(f"{path} is corrupt ({exc})") from None
        return cls.of(table.to_pydict())
