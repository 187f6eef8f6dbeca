"""Small synthetic data sets a model can learn, built in a second for the unit tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lbrec.data.dataset import Dataset
from lbrec.data.movielens import Ratings
from lbrec.data.prepare import PrepareConfig, prepare_to_folder
from lbrec.serving.engine import Recommender


def make_dataset(folder: Path, users: int = 40, items: int = 30, length: int = 12, seed: int = 0) -> Dataset:
    """Users who like films in a cycle (a random start, then start + 1, + 2, ...): a sequence a model can learn."""
    rng = np.random.default_rng(seed)
    user, movie = [], []
    for u in range(1, users + 1):
        start = int(rng.integers(items))
        n = int(rng.integers(length // 2, length + 1))
        user += [u] * n
        movie += [(start + k) % items + 1 for k in range(n)]
    ratings = Ratings(
        "synthetic",
        user=np.array(user, np.int32),
        movie=np.array(movie, np.int32),
        rating=np.full(len(user), 5.0, np.float32),
        timestamp=np.arange(len(user), dtype=np.int64),
    )
    return prepare_to_folder(ratings, folder, PrepareConfig(min_user_ratings=3))


def random_histories(users: int, items: int, seed: int = 0) -> list[np.ndarray]:
    """Histories of distinct random films (1..items), each up to half the catalog long."""
    rng = np.random.default_rng(seed)
    return [rng.choice(np.arange(1, items + 1), int(rng.integers(1, items // 2)), replace=False) for _ in range(users)]


def random_films(engine: Recommender, n: int, seed: int = 0) -> list[int]:
    """`n` distinct films the engine knows, as movieIds, drawn with a fixed seed."""
    items = np.random.default_rng(seed).choice(np.arange(1, engine.n_items + 1), n, replace=False)
    return [engine.film(int(i)).movieId for i in items]
