"""The catalog's columns aligned with the model's item indices (row 0 = padding), for vectorised filtering and for
describing a film by its index in constant time."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lbrec.catalog.table import Catalog
from lbrec.errors import ArtifactError

FIX = "re-run `make model` (or `python -m lbrec export`) to rebuild it"


@dataclass
class Items:
    """Catalog columns aligned with item indices (row 0 = padding), for vectorised filtering."""

    movie_ids: np.ndarray
    titles: list[str]
    years: np.ndarray  # float, NaN when unknown
    genre_bits: np.ndarray  # int64 bitmask over `genres`
    genres: list[str]
    genre_lists: list[list[str]]
    tmdb: list[int | None]
    imdb: list[int | None]
    popularity: np.ndarray  # number of ratings
    popularity_quantile: np.ndarray  # 0 = least rated, 1 = most rated
    index_of: dict[int, int] = field(default_factory=dict)  # movieId -> item index


def load_items(movie_ids: np.ndarray, catalog: Catalog, catalog_path: Path) -> Items:
    row_of = {int(m): row for row, m in enumerate(catalog.movie_ids.tolist())}
    missing = [m for m in movie_ids[1:].tolist() if m not in row_of]
    if missing:
        raise ArtifactError(f"{catalog_path} lacks {len(missing)} movies of the model's vocabulary; {FIX}")
    rows = np.array([row_of[m] for m in movie_ids[1:].tolist()], dtype=np.int64)
    genre_lists = [[], *(list(catalog.genres[r]) for r in rows)]
    genres = sorted({g for gs in genre_lists for g in gs})
    bit = {g: 1 << i for i, g in enumerate(genres)}
    popularity = np.concatenate([[0], catalog.n_ratings[rows]])
    ranks = popularity[1:].argsort(kind="stable").argsort(kind="stable")
    quantile = np.concatenate([[0.0], ranks / max(len(ranks) - 1, 1)])
    years = catalog.years[rows].astype(np.float64)
    return Items(
        movie_ids=movie_ids,
        titles=["", *(catalog.titles[r] for r in rows)],
        years=np.concatenate([[np.nan], np.where(years < 0, np.nan, years)]),
        genre_bits=np.array([sum(bit[g] for g in gs) for gs in genre_lists], dtype=np.int64),
        genres=genres,
        genre_lists=genre_lists,
        tmdb=[None, *(_known(v) for v in catalog.tmdb_ids[rows].tolist())],
        imdb=[None, *(_known(v) for v in catalog.imdb_ids[rows].tolist())],
        popularity=popularity,
        popularity_quantile=quantile,
        index_of={int(m): i for i, m in enumerate(movie_ids) if i},
    )


def _known(value: int) -> int | None:
    """An id, None where the catalog has none (-1)."""
    return value if value >= 0 else None
