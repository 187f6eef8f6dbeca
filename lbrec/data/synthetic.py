"""MovieLens-shaped synthetic data: the ML-32M scale (32M ratings, 200k users, 87k movies) without the download.

Shape, not content: per-user rating counts are log-normal with a floor of 20 (ML-32M: median ~70, mean ~160, a long
tail of users with thousands), movie popularity is Zipf-like (a few blockbusters, a long tail of obscure films),
ratings are half stars from user bias + movie quality + noise, and each user's timestamps increase. No user rates
a movie twice. Output: `ratings.csv`, `movies.csv` and `links.csv` in MovieLens format, for benchmarks and tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from lbrec.artifacts import atomic_path

GENRES = (
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)


def user_counts(n_ratings: int, n_users: int, rng: np.random.Generator, floor: int = 20) -> np.ndarray:
    """Log-normal ratings per user, at least `floor`, summing to `n_ratings`."""
    raw = rng.lognormal(mean=4.0, sigma=1.25, size=n_users)
    extra = n_ratings - floor * n_users
    if extra < 0:
        raise ValueError(f"{n_ratings} ratings cannot give {n_users} users {floor} each")
    counts = floor + np.floor(raw / raw.sum() * extra).astype(np.int64)
    counts[rng.choice(n_users, n_ratings - counts.sum(), replace=False)] += 1
    return counts


def _distinct_subset(
    users: np.ndarray, movies: np.ndarray, counts: np.ndarray, n_movies: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (user, movie) pairs, at most counts[user] per user, chosen at random; sorted by user, movie."""
    keys = np.unique(users * n_movies + movies)
    users = keys // n_movies
    order = np.lexsort((rng.random(len(keys)), users))
    first = np.concatenate([[0], np.cumsum(np.bincount(users, minlength=len(counts)))[:-1]])
    rank = np.arange(len(keys)) - first[users[order]]
    kept = np.sort(keys[order[rank < counts[users[order]]]])
    return kept // n_movies, kept % n_movies


def generate(
    n_ratings: int = 32_000_000, n_users: int = 200_000, n_movies: int = 87_000, seed: int = 0
) -> dict[str, np.ndarray]:
    """Columns userId, movieId, rating, timestamp, sorted by user then movie like MovieLens files."""
    rng = np.random.default_rng(seed)
    counts = np.minimum(user_counts(n_ratings, n_users, rng), n_movies // 4)
    popularity = 1.0 / np.arange(10, n_movies + 10) ** 1.05
    popularity /= popularity.sum()
    # Draw 20% more than needed from the popularity curve, drop repeated (user, movie) pairs, keep a random subset
    # of each user's distinct films; heavy users left short are topped up uniformly from the long tail.
    users = np.repeat(np.arange(n_users, dtype=np.int64), np.ceil(counts * 1.2).astype(np.int64))
    movies = rng.choice(n_movies, size=len(users), p=popularity)
    for _ in range(10):
        users, movies = _distinct_subset(users, movies, counts, n_movies, rng)
        missing = counts - np.bincount(users, minlength=n_users)
        if not missing.any():
            break
        extra_users = np.repeat(np.arange(n_users, dtype=np.int64), 2 * missing)
        users = np.concatenate([users, extra_users])
        movies = np.concatenate([movies, rng.integers(0, n_movies, len(extra_users))])
    quality = rng.normal(0, 0.6, n_movies) + 0.4 * (popularity * n_movies > 1)
    bias = rng.normal(3.5, 0.45, n_users)
    stars = bias[users] + quality[movies] + rng.normal(0, 0.8, len(users))
    rating = np.clip(np.round(stars * 2) / 2, 0.5, 5.0).astype(np.float32)
    # Watch order: a random order within each user, spaced by exponential gaps from a random start (1995..2023).
    start = rng.integers(820_000_000, 1_690_000_000, n_users)
    order = np.lexsort((rng.random(len(users)), users))
    per_user = np.bincount(users, minlength=n_users)
    gaps = rng.exponential(3_600 * 24 * 3, len(users)).astype(np.int64) + 1
    elapsed = np.cumsum(gaps)
    first = np.concatenate([[0], np.cumsum(per_user)[:-1]])
    elapsed -= np.repeat(elapsed[first] - gaps[first], per_user)
    timestamp = np.empty(len(users), dtype=np.int64)
    timestamp[order] = start[users[order]] + elapsed
    return {
        "userId": (users + 1).astype(np.int32),
        "movieId": (movies + 1).astype(np.int32),
        "rating": rating,
        "timestamp": timestamp,
    }


def write(
    out: str | os.PathLike[str],
    n_ratings: int = 32_000_000,
    n_users: int = 200_000,
    n_movies: int = 87_000,
    seed: int = 0,
) -> Path:
    """Write a MovieLens-format folder (ratings.csv, movies.csv, links.csv) and return it."""
    out = Path(out)
    columns = generate(n_ratings, n_users, n_movies, seed)
    with atomic_path(out / "ratings.csv") as tmp:
        pacsv.write_csv(pa.table(columns), tmp, pacsv.WriteOptions(quoting_style="none"))
    rng = np.random.default_rng(seed + 1)
    ids = np.arange(1, n_movies + 1)
    years = rng.integers(1920, 2024, n_movies)
    genres = ["|".join(sorted(set(rng.choice(GENRES, rng.integers(1, 4))))) for _ in ids]
    titles = [f"Synthetic Film {i} ({y})" for i, y in zip(ids, years, strict=True)]
    movies = pa.table({"movieId": ids, "title": titles, "genres": genres})
    with atomic_path(out / "movies.csv") as tmp:
        pacsv.write_csv(movies, tmp)
    links = pa.table({"movieId": ids, "imdbId": ids + 1_000_000, "tmdbId": ids + 2_000_000})
    with atomic_path(out / "links.csv") as tmp:
        pacsv.write_csv(links, tmp, pacsv.WriteOptions(quoting_style="none"))
    return out
