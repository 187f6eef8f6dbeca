"""The members' data and its split (`benchmarks.members.data`) on tiny synthetic members: what is hidden, the export
built from the rest and how the product reads it, the metrics over the hidden films and the catalog gap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from benchmarks.members import data
from lbrec.catalog.index import MatchIndex
from lbrec.data.dataset import Dataset
from lbrec.letterboxd.export import read_export
from tests.helpers.members import write_members


@pytest.fixture(scope="module")
def member_data(tiny_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> data.MemberData:
    return data.load_members(write_members(tmp_path_factory.mktemp("members"), tiny_dataset.catalog))


def expected_items(member_data: data.MemberData, dataset: Dataset) -> np.ndarray:
    """The films the helper wrote from the catalog are its rows in order; the catalog's films without an item index
    (filtered out of the data set) and the films it lacks are unknown (0)."""
    return np.r_[
        dataset.catalog["item_index"].to_numpy(np.int64),
        np.zeros(len(member_data.films) - len(dataset.catalog), np.int64),
    ]


def test_hide_takes_known_loved_and_disliked_films_and_shuffles_the_rest() -> None:
    films = np.arange(20)
    ratings = np.array([10, 9, 8, 8, 8, 8, 8, 2, 1, 4, 4, 6, 7, 5, 10, 9, 3, 6, 6, 6])
    items = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 3, 0, 0, 0, 14, 15, 16])  # 13 repeats film 2's item
    split = data.hide("m", films, ratings, items, np.random.default_rng(1))
    assert len(split.loved) == 5 and set(split.loved) <= {1, 2, 3, 4, 5, 6, 7}
    assert len(split.disliked) == 3 and set(split.disliked) <= {8, 9, 10, 11}
    given_items = set(items[split.given]) - {0}
    assert not given_items & (set(split.loved) | set(split.disliked))  # a film matching a hidden one leaves too
    assert {14, 15, 16} <= set(split.given)  # films the catalog lacks stay in the export
    assert list(split.given) != sorted(split.given)
    assert dict(zip(split.given, split.given_ratings, strict=True)) == {f: ratings[f] for f in split.given}
    again = data.hide("m", films, ratings, items, np.random.default_rng(1))
    assert np.array_equal(again.given, split.given) and np.array_equal(again.loved, split.loved)


def test_hide_takes_what_there_is_when_a_member_has_few_loved_or_disliked_films() -> None:
    split = data.hide("m", np.arange(4), np.array([9, 8, 6, 7]), np.array([1, 0, 2, 3]), np.random.default_rng(0))
    assert list(split.loved) == [1] and len(split.disliked) == 0 and sorted(split.given) == [1, 2, 3]


def test_the_export_reads_back_as_the_films_given_in_their_order() -> None:
    films = pd.DataFrame(
        {
            "slug": ["a", "b", "c"],
            "title": ["Heat", 'Crouching Tiger, Hidden "Dragon"', "X"],
            "year": pd.array([1995, 2000, None], dtype="Int64"),
        }
    )
    history = read_export(data.export_zip(films, np.array([2, 0, 1]), np.array([7, 10, 1])))
    assert [(f.title, f.year, f.rating) for f in history.films] == [
        ("X", None, 3.5),
        ("Heat", 1995, 5.0),
        ('Crouching Tiger, Hidden "Dragon"', 2000, 0.5),
    ]
    assert [f.title for f in history.select("4")] == ["Heat"]


def test_the_product_recommends_from_the_loved_films_and_excludes_every_rated_one(
    member_data: data.MemberData, tiny_dataset: Dataset
) -> None:
    catalog = MatchIndex(tiny_dataset.catalog)
    item_of = {int(m): i for i, m in enumerate(tiny_dataset.movie_ids) if i}
    items = data.film_items(member_data.films, catalog, item_of)
    assert np.array_equal(items, expected_items(member_data, tiny_dataset))  # the catalog's films that were kept
    split = data.splits(member_data, member_data.members[:1], items)[0]
    given = data.product_input(split, member_data.films, data.RememberingIndex(tiny_dataset.catalog))
    catalog_ids = tiny_dataset.catalog["movieId"].tolist()  # the films the helper wrote from it, in order
    movie_of = {f: int(catalog_ids[f]) if f < len(catalog_ids) else None for f in range(len(member_data.films))}
    loved = [movie_of[f] for f, r in zip(split.given, split.given_ratings, strict=True) if r >= 8 and movie_of[f]]
    assert given.loved == loved
    assert given.disliked == [
        movie_of[f] for f, r in zip(split.given, split.given_ratings, strict=True) if r <= 4 and movie_of[f]
    ]
    assert given.watched == {movie_of[f] for f in split.given if movie_of[f]}
    assert len(given.rated) == len(given.watched)


def test_a_remembering_catalog_answers_as_the_catalog(member_data: data.MemberData, tiny_dataset: Dataset) -> None:
    queries = data.film_queries(member_data.films)
    remembering = data.RememberingIndex(tiny_dataset.catalog)
    first = remembering.match_many(queries[:30])
    assert remembering.match_many(queries) == MatchIndex(tiny_dataset.catalog).match_many(queries)
    assert remembering.match_many(queries[:30]) == first


def test_metrics_over_the_hidden_films() -> None:
    loved = np.array([0, 3, 12, 60, 200])
    got = data.member_metrics(loved, np.array([9, 10]))
    ideal = sum(1 / math.log2(i + 2) for i in range(5))
    assert got["ndcg@10"] == pytest.approx((1 + 1 / math.log2(5)) / ideal)
    assert got["hr@10"] == 1.0 and got["recall@50"] == pytest.approx(3 / 5) and got["bad@10"] == 0.5
    none = data.member_metrics(np.array([10, 11]), np.array([], np.int64))
    assert none["ndcg@10"] == 0.0 and none["hr@10"] == 0.0 and math.isnan(none["bad@10"])


def test_ranks_count_only_allowed_films_ties_to_the_lower_index() -> None:
    scores = np.array([9.0, 5.0, 7.0, 5.0, 8.0, 5.0])
    allowed = np.array([False, True, True, True, False, True])  # 0 and 4 are rated: they never outrank
    assert list(data.hidden_ranks(scores, allowed, np.array([3, 2, 5]))) == [2, 0, 3]


def test_catalog_gap_counts_loved_films_the_catalog_lacks_and_newer_ones(
    member_data: data.MemberData, tiny_dataset: Dataset
) -> None:
    items = expected_items(member_data, tiny_dataset)
    gap = data.catalog_gap(member_data, items, last_year=2020)
    loved = member_data.ratings[member_data.ratings["rating"] >= 8]
    unknown = items[loved["film"]] == 0
    newer = loved["film"] >= len(tiny_dataset.catalog)  # the films the catalog lacks are from 2030 on
    assert gap["loved_ratings"] == len(loved) and gap["unknown"] == unknown.sum() > newer.sum() > 0
    assert gap["known_share"] == pytest.approx(1 - unknown.mean())
    assert gap["unknown_newer_than_catalog"] == newer.sum()
