"""lbrec.data.prepare and dataset: thresholds, time order, leave-one-out, the folder read back (the exact figures
on ml-latest-small are in tests/integration/test_quality.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lbrec.data.dataset import Dataset
from lbrec.data.movielens import Ratings
from lbrec.data.prepare import PrepareConfig, leave_one_out, prepare, prepare_to_folder, user_thresholds
from lbrec.errors import ArtifactError, DataError


def ratings_from(rows: list[tuple[int, int, float, int]], titles: dict[int, str] | None = None) -> Ratings:
    frame = pd.DataFrame(rows, columns=["userId", "movieId", "rating", "timestamp"])
    movies = None
    if titles is not None:
        movies = pd.DataFrame({"movieId": list(titles), "title": list(titles.values()), "genres": "Drama"})
    return Ratings(
        name="synthetic",
        user=frame.userId.to_numpy(np.int32),
        movie=frame.movieId.to_numpy(np.int32),
        rating=frame.rating.to_numpy(np.float32),
        timestamp=frame.timestamp.to_numpy(np.int64),
        movies=movies,
    )


def test_thresholds_match_numpy_percentile() -> None:
    rng = np.random.default_rng(0)
    users = rng.integers(0, 50, 2000)
    ratings = rng.integers(1, 11, 2000) / 2
    got = user_thresholds(users, ratings, 50, 70.0)
    expected = [np.percentile(ratings[users == u], 70) for u in range(50)]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_positives_are_time_ordered_with_stable_ties_and_split_leave_one_out() -> None:
    # user 7: sorted ratings [1,1,2,2,3,4.5,5,5,5,5]; 70th percentile at position 6.3 -> 5.0, so the 5s are positives
    rows = [
        (7, 100 + i, float(r), t)
        for i, (r, t) in enumerate(
            [(5, 30), (1, 10), (5, 10), (2, 5), (5, 10), (3, 1), (5, 20), (1, 2), (4.5, 40), (2, 3)]
        )
    ]
    rows += [(9, 100, 5.0, 1), (9, 101, 1.0, 2)] * 5  # user 9: ten ratings, positives = the five 5.0s of movie 100
    prepared = prepare(ratings_from(rows))
    movie_of = prepared.movie_ids
    seq7 = movie_of[prepared.items[prepared.offsets[0] : prepared.offsets[1]]].tolist()
    # movies 102 and 104 share timestamp 10 and keep their file order
    assert prepared.thresholds[0] == 5.0
    assert seq7 == [102, 104, 106, 100]
    train_len, val, test = leave_one_out(prepared.offsets, prepared.items)
    assert train_len.tolist() == [2, 3]
    assert movie_of[val].tolist() == [106, 100] and movie_of[test].tolist() == [100, 100]


def test_short_users_only_train_and_filters_apply() -> None:
    rows = [(1, m, 5.0 if m < 3 else 1.0, m) for m in range(10)]  # 10 ratings, 3 positives (0,1,2 and ties)
    rows += [(2, m, 5.0, m) for m in range(5)]  # only 5 ratings: dropped by min_user_ratings=10
    rows += [(3, m, 4.0 if m == 0 else 1.0, m) for m in range(12)]  # a single positive? no: 70th pct of mostly 1s
    prepared = prepare(ratings_from(rows))
    assert prepared.user_ids.tolist() == [1, 3]
    lengths = np.diff(prepared.offsets)
    train_len, val, test = leave_one_out(prepared.offsets, prepared.items)
    for u, length in enumerate(lengths):
        if length < 3:
            assert train_len[u] == length and val[u] == 0 and test[u] == 0
        else:
            assert train_len[u] == length - 2 and val[u] > 0 and test[u] > 0
    assert 12 in lengths  # user 3: threshold = 1.0, so all twelve ratings are positives
    stricter = prepare(ratings_from(rows), PrepareConfig(min_item_ratings=2, min_user_ratings=5))
    assert stricter.user_ids.tolist() == [1, 2, 3]
    assert stricter.stats["ratings_kept"] == 25  # movies 10 and 11 had one rating each
    assert not {10, 11} & set(stricter.movie_ids.tolist())


def test_no_user_left_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="min-user-ratings"):
        prepare(ratings_from([(1, 1, 5.0, 1)]))


def test_millisecond_timestamps_sort_correctly() -> None:
    base = 1_700_000_000_000_000  # microseconds: too wide for the packed sort key, so the lexsort path runs
    rows = [(u, m, 5.0, base + (10 - m) * 10**9) for u in (1, 2) for m in range(10)]
    prepared = prepare(ratings_from(rows))
    seq = prepared.movie_ids[prepared.items[: prepared.offsets[1]]]
    assert seq.tolist() == list(range(9, -1, -1))


def test_dataset_folder_round_trip_and_corruption(tmp_path: Path) -> None:
    rows = [(u, m, float(1 + (u * m) % 5), m) for u in range(1, 30) for m in range(1, 25)]
    titles = {m: f"Film {m} ({1990 + m})" for m in range(1, 25)}
    dataset = prepare_to_folder(ratings_from(rows, titles), tmp_path / "ds")
    assert dataset.n_users == 29 and dataset.catalog["year"].iloc[0] == 1991
    assert sorted(p.name for p in (tmp_path / "ds").iterdir()) == sorted(
        [
            "catalog.parquet",
            "items.npy",
            "meta.json",
            "movie_ids.npy",
            "offsets.npy",
            "ratings.npy",
            "splits.npz",
            "thresholds.npy",
            "timestamps.npy",
            "user_ids.npy",
        ]
    )
    assert not list(tmp_path.glob(".*"))  # no temporary folders left behind
    (tmp_path / "ds" / "items.npy").write_bytes((tmp_path / "ds" / "items.npy").read_bytes()[:100])
    with pytest.raises(ArtifactError, match="items.npy"):
        Dataset(tmp_path / "ds")
    with pytest.raises(ArtifactError, match="run `python -m lbrec prepare`"):
        Dataset(tmp_path / "nothing")


def test_counting_and_sorting_thresholds_agree() -> None:
    """Star ratings take the linear-time counting path; any other scale the sorting path; both equal numpy's."""
    rng = np.random.default_rng(1)
    users = rng.integers(0, 300, 20_000)
    stars = rng.integers(1, 11, 20_000) / 2
    continuous = stars + rng.normal(0, 0.01, 20_000)
    for ratings in (stars, continuous):
        for percentile in (0.0, 33.3, 70.0, 100.0):
            got = user_thresholds(users, ratings, 300, percentile)
            expected = [np.percentile(ratings[users == u], percentile) for u in range(300)]
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_histories_are_each_evaluated_users_films_before_the_target(tmp_path: Path) -> None:
    rows = [(u, m, float(1 + (u * m) % 5), m) for u in range(1, 30) for m in range(1, 25)]
    dataset = prepare_to_folder(ratings_from(rows), tmp_path / "ds")
    users, _, _ = dataset.eval_cases("test")
    val, test = dataset.histories("val"), dataset.histories("test")
    assert len(val) == len(test) == len(users) > 0
    for user, before_val, before_test in zip(users, val, test, strict=True):
        whole = dataset.sequence(user).tolist()
        assert [*before_val.tolist(), dataset.val_target[user], dataset.test_target[user]] == whole
        assert before_test.tolist() == whole[:-1]
    assert dataset.history_lengths("test").tolist() == [len(h) for h in test]
    assert dataset.sequence_lengths().tolist() == [len(dataset.sequence(u)) for u in range(dataset.n_users)]
