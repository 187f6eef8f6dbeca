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

    def __post_init__(self) -> None:
        low, high = self.popularity
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(
                f"popularity {low:g}:{high:g} is not a band of quantiles between 0 (the most obscure) "
                f"and 1 (the most rated), e.g. 0:0.5"
            )
        first, last = self.years
        if first is not None and last is not None and first > last:
            raise ValueError(f"years {first}:{last} run backwards: give the earlier year first, e.g. {last}:{first}")

    def is_default(self) -> bool:
        return self == Filters()

    def describe(self) -> str:
        """The options in words, for the message that none of the films passes them."""
        parts = []
        if self.include_genres:
            parts.append("genres " + " or ".join(sorted(self.include_genres)))
        if self.exclude_genres:
            parts.append("no " + ", ".join(sorted(self.exclude_genres)))
        first, last = self.years
        if first is not None or last is not None:
            parts.append(
                f"released {first}-{last}"
                if first is not None and last is not None
                else f"released from {first}"
                if first is not None
                else f"released up to {last}"
            )
        if self.popularity != (0.0, 1.0):
            parts.append(f"popularity {self.popularity[0]:g}-{self.popularity[1]:g}")
        return ", ".join(parts) or "no options"


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
