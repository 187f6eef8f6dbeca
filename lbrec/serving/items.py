"""The catalog's columns aligned with the model's item indices (row 0 = padding), for vectorised filtering and for
describing a film by its index in constant time."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lbrec.errors import ArtifactError

FIX = "re-run `make model` (or `python -m lbrec export`) to rebuild it"


def _optional_int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


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


def load_items(movie_ids: np.ndarray, catalog: pd.DataFrame, catalog_path: Path) -> Items:
    frame = catalog.set_index("movieId")
    missing = np.setdiff1d(movie_ids[1:], frame.index.to_numpy())
    if len(missing):
        raise ArtifactError(f"{catalog_path} lacks {len(missing)} movies of the model's vocabulary; {FIX}")
    rows = frame.loc[movie_ids[1:]]
    genres = sorted({g for gs in rows["genres"] for g in gs})
    bit = {g: 1 << i for i, g in enumerate(genres)}
    genre_lists = [[]] + [list(gs) for gs in rows["genres"]]
    popularity = np.concatenate([[0], rows["n_ratings"].to_numpy(np.int64)])
    ranks = popularity[1:].argsort(kind="stable").argsort(kind="stable")
    quantile = np.concatenate([[0.0], ranks / max(len(ranks) - 1, 1)])
    return Items(
        movie_ids=movie_ids,
        titles=["", *rows["title"].tolist()],
        years=np.concatenate([[np.nan], rows["year"].astype("Float64").to_numpy(np.float64, na_value=np.nan)]),
        genre_bits=np.array([sum(bit[g] for g in gs) for gs in genre_lists], dtype=np.int64),
        genres=genres,
        genre_lists=genre_lists,
        tmdb=[None] + [_optional_int(v) for v in rows["tmdbId"]],
        imdb=[None] + [_optional_int(v) for v in rows["imdbId"]],
        popularity=popularity,
        popularity_quantile=quantile,
        index_of={int(m): i for i, m in enumerate(movie_ids) if i},
    )
