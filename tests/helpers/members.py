"""Tiny synthetic Letterboxd members in the shared data set's layout (members.parquet, films.csv, others_likes.npz),
rating films of a given MovieLens-shaped catalog and a few films the catalog lacks: for the unit tests, which never
read the real members."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp


def write_members(
    folder: Path,
    catalog: pd.DataFrame,
    n_members: int = 12,
    n_unknown: int = 20,
    per_member: int = 40,
    n_others: int = 60,
    seed: int = 0,
) -> Path:
    """Members who each rate `per_member` films (ratings 1-10, at least 8 rated 8 or more and 3 rated 4 or less)
    among the catalog's films and `n_unknown` films it does not have (from 2030, after any catalog)."""
    rng = np.random.default_rng(seed)
    known = pd.DataFrame({"title": catalog["title"].astype(str), "year": catalog["year"].astype("Int64")})
    unknown = pd.DataFrame(
        {
            "title": [f"Not In MovieLens {i}" for i in range(n_unknown)],
            "year": pd.array([2030 + i % 3 for i in range(n_unknown)], dtype="Int64"),
        }
    )
    films = pd.concat([known, unknown], ignore_index=True)
    films.insert(0, "slug", [f"film-{i}" for i in range(len(films))])
    films["genres"], films["language"], films["runtime"] = "Drama", "en", 100.0
    rows = []
    for member in range(n_members):
        chosen = rng.choice(len(films), per_member, replace=False)
        ratings = rng.integers(1, 11, per_member)
        ratings[:8], ratings[8:11] = rng.integers(8, 11, 8), rng.integers(1, 5, 3)
        rows += [(f"member{member:03d}", films["slug"].iat[f], int(r)) for f, r in zip(chosen, ratings, strict=True)]
    ratings_frame = pd.DataFrame(rows, columns=["member", "slug", "rating"]).astype({"rating": "int8"})
    folder.mkdir(parents=True, exist_ok=True)
    ratings_frame.to_parquet(folder / "members.parquet", index=False)
    films.to_csv(folder / "films.csv", index=False)
    likes = sp.random(n_others, len(films), density=0.2, random_state=seed, format="csr", dtype=np.float32)
    likes.data[:] = 1.0
    sp.save_npz(folder / "others_likes.npz", likes)
    return folder
