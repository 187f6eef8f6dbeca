"""Which films may be recommended: genres wanted and refused, release years, and a band of popularity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lbrec.serving.items import Items


@dataclass(frozen=True)
class Filters:
    """Which films may be recommended. Popularity is a quantile band: 0 = the most obscure, 1 = the most rated."""

    include_genres: frozenset[str] = frozenset()  # any of these (empty: all)
    exclude_genres: frozenset[str] = frozenset()  # none of these
    years: tuple[int | None, int | None] = (None, None)  # inclusive; a bound excludes films of unknown year
    popularity: tuple[float, float] = (0.0, 1.0)

    def is_default(self) -> bool:
        return self == Filters()


def allowed(items: Items, filters: Filters) -> np.ndarray:
    """[n_items + 1] bool: which films the filters let through (padding never)."""
    mask = np.ones(len(items.movie_ids), dtype=bool)
    mask[0] = False
    if filters.is_default():
        return mask
    unknown = (set(filters.include_genres) | set(filters.exclude_genres)) - set(items.genres)
    if unknown:
        raise ValueError(f"unknown genres: {', '.join(sorted(unknown))}; known: {', '.join(items.genres)}")
    bit = {g: 1 << i for i, g in enumerate(items.genres)}
    if filters.include_genres:
        mask &= (items.genre_bits & sum(bit[g] for g in filters.include_genres)) != 0
    if filters.exclude_genres:
        mask &= (items.genre_bits & sum(bit[g] for g in filters.exclude_genres)) == 0
    low, high = filters.years
    if low is not None:
        mask &= items.years >= low
    if high is not None:
        mask &= items.years <= high
    band_low, band_high = filters.popularity
    if (band_low, band_high) != (0.0, 1.0):
        mask &= (items.popularity_quantile >= band_low) & (items.popularity_quantile <= band_high)
    return mask
