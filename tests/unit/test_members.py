"""The real-members benchmark's logic on tiny synthetic members: what is hidden, the export it builds and how the
product reads it, the metrics, and the whole measurement over a small served blend."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lbrec.catalog.index import MatchIndex
from lbrec.data.dataset import Dataset
from lbrec.evaluation import member_models as models
from lbrec.evaluation import members
from lbrec.letterboxd.export import read_export
from lbrec.serving.engine import Recommender
from tests.helpers.members import write_members


@pytest.fixture(scope="module")
def member_data(tiny_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> members.MemberData:
    return members.load_members(write_members(tmp_path_factory.mktemp("members"), tiny_dataset.catalog))


def expected_items(data: members.MemberData, dataset: Dataset) -> np.ndarray:
    """The films the helper wrote from the catalog are its rows in order; the catalog's films without an item index
    (filtered out of the data set) and the films it lacks are unknown (0)."""
    return np.r_[dataset.catalog["item_index"].to_numpy(np.int64), np.zeros(len(data.films) - len(dataset.catalog),
                                                                            np.int64)]


def test_hide_takes_known_loved_and_disliked_films_and_shuffles_the_rest() -> None:
    films = np.arange(20)
    ratings = np.array([10, 9, 8, 8, 8, 8, 8, 2, 1, 4, 4, 6, 7, 5, 10, 9, 3, 6, 6, 6])
    items = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 3, 0, 0, 0, 14, 15, 16])  # 13 repeats film 2's item
    case = members.hide("m", films, ratings, items, np.random.default_rng(1))
    assert len(case.loved) == 5 and set(case.loved) <= {1, 2, 3, 4, 5, 6, 7}
    assert len(case.disliked) == 3 and set(case.disliked) <= {8, 9, 10, 11}
    given_items = set(items[case.given]) - {0}
    assert not given_items & (set(case.loved) | set(case.disliked))  # a film matching a hidden one leaves too
    assert {14, 15, 16} <= set(case.given)  # films the catalog lacks stay in the export
    assert list(case.given) != sorted(case.given)
    assert dict(zip(case.given, case.given_ratings, strict=True)) == {f: ratings[f] for f in case.given}
    again = members.hide("m", films, ratings, items, np.random.default_rng(1))
    assert np.array_equal(again.given, case.given) and np.array_equal(again.loved, case.loved)


def test_hide_takes_what_there_is_when_a_member_has_few_loved_or_disliked_films() -> None:
    case = members.hide("m", np.arange(4), np.array([9, 8, 6, 7]), np.array([1, 0, 2, 3]), np.random.default_rng(0))
    assert list(case.loved) == [1] and len(case.disliked) == 0 and sorted(case.given) == [1, 2, 3]


def test_the_export_reads_back_as_the_films_given_in_their_order() -> None:
    films = pd.DataFrame({"slug": ["a", "b", "c"], "title": ["Heat", "Crouching Tiger, Hidden \"Dragon\"", "X"],
                          "year": pd.array([1995, 2000, None], dtype="Int64")})
    history = read_export(members.export_zip(films, np.array([2, 0, 1]), np.array([7, 10, 1])))
    assert [(f.title, f.year, f.rating) for f in history.films] == [
        ("X", None, 3.5), ("Heat", 1995, 5.0), ("Crouching Tiger, Hidden \"Dragon\"", 2000, 0.5)]
    assert [f.title for f in history.select("4")] == ["Heat"]


def test_the_product_recommends_from_the_loved_films_and_excludes_every_rated_one(
        member_data: members.MemberData, tiny_dataset: Dataset) -> None:
    catalog = MatchIndex(tiny_dataset.catalog)
    item_of = {int(m): i for i, m in enumerate(tiny_dataset.movie_ids) if i}
    items = members.film_items(member_data.films, catalog, item_of)
    assert np.array_equal(items, expected_items(member_data, tiny_dataset))  # the catalog's films that were kept
    case = members.cases(member_data, member_data.members[:1], items)[0]
    given = members.product_input(case, member_data.films, members.RememberingIndex(tiny_dataset.catalog))
    catalog_ids = tiny_dataset.catalog["movieId"].tolist()  # the films the helper wrote from it, in order
    movie_of = {f: int(catalog_ids[f]) if f < len(catalog_ids) else None for f in range(len(member_data.films))}
    loved = [movie_of[f] for f, r in zip(case.given, case.given_ratings, strict=True) if r >= 8 and movie_of[f]]
    assert given.loved == loved
    assert given.disliked == [movie_of[f] for f, r in zip(case.given, case.given_ratings, strict=True)
                              if r <= 4 and movie_of[f]]
    assert given.watched == {movie_of[f] for f in case.given if movie_of[f]}
    assert len(given.rated) == len(given.watched)


def test_a_remembering_catalog_answers_as_the_catalog(member_data: members.MemberData,
                                                      tiny_dataset: Dataset) -> None:
    queries = members.film_queries(member_data.films)
    remembering = members.RememberingIndex(tiny_dataset.catalog)
    first = remembering.match_many(queries[:30])
    assert remembering.match_many(queries) == MatchIndex(tiny_dataset.catalog).match_many(queries)
    assert remembering.match_many(queries[:30]) == first


def test_metrics_over_the_hidden_films() -> None:
    loved = np.array([0, 3, 12, 60, 200])
    got = members.member_metrics(loved, np.array([9, 10]))
    ideal = sum(1 / math.log2(i + 2) for i in range(5))
    assert got["ndcg@10"] == pytest.approx((1 + 1 / math.log2(5)) / ideal)
    assert got["hr@10"] == 1.0 and got["recall@50"] == pytest.approx(3 / 5) and got["bad@10"] == 0.5
    none = members.member_metrics(np.array([10, 11]), np.array([], np.int64))
    assert none["ndcg@10"] == 0.0 and none["hr@10"] == 0.0 and math.isnan(none["bad@10"])


def test_ranks_count_only_allowed_films_ties_to_the_lower_index() -> None:
    scores = np.array([9.0, 5.0, 7.0, 5.0, 8.0, 5.0])
    allowed = np.array([False, True, True, True, False, True])  # 0 and 4 are rated: they never outrank
    assert list(members.hidden_ranks(scores, allowed, np.array([3, 2, 5]))) == [2, 0, 3]


def test_films_map_to_the_best_score_of_the_films_matched_to_each_item() -> None:
    out = models.in_item_space(np.array([[1.0, 4.0, 2.0, 9.0]]), np.array([2, 2, 1, 0]), n_items=3)
    assert out[0, 1] == 2.0 and out[0, 2] == 4.0 and np.isneginf(out[0, [0, 3]]).all()


def test_catalog_gap_counts_loved_films_the_catalog_lacks_and_newer_ones(member_data: members.MemberData,
                                                                         tiny_dataset: Dataset) -> None:
    items = expected_items(member_data, tiny_dataset)
    gap = members.catalog_gap(member_data, items, last_year=2020)
    loved = member_data.ratings[member_data.ratings["rating"] >= 8]
    unknown = items[loved["film"]] == 0
    newer = loved["film"] >= len(tiny_dataset.catalog)  # the films the catalog lacks are from 2030 on
    assert gap["loved_ratings"] == len(loved) and gap["unknown"] == unknown.sum() > newer.sum() > 0
    assert gap["known_share"] == pytest.approx(1 - unknown.mean())
    assert gap["unknown_newer_than_catalog"] == newer.sum()


def test_the_whole_measurement_on_a_served_blend(member_data: members.MemberData, tiny_dataset: Dataset,
                                                  tiny_blend_dir: Path) -> None:
    engine = Recommender(tiny_blend_dir)
    report = models.measure(engine, tiny_dataset, member_data, member_data.sample(8, seed=1), seed=0)
    assert report["members"] == 8
    assert set(report["models"]) == {"served", "served, rated", "served, latest 50 (before)", "sasrec", "item-item",
                                     "popular (MovieLens)", "ease (MovieLens)", "popular (Letterboxd)",
                                     "ease (Letterboxd)"}
    assert report["undated_exports"] == 8 and report["undated"]["weight"] == 0.7  # bulk imports, read undated
    assert report["candidates"] == tiny_dataset.n_items
    for figures in report["models"].values():
        assert 0.0 <= figures["ndcg@10"]["mean"] <= 1.0
        low, high = figures["ndcg@10"]["ci95"]
        assert low <= figures["ndcg@10"]["mean"] <= high
    assert set(report["paired_vs_served"]) == set(report["models"]) - {"served"}
    assert report["catalog_gap"]["known_share"] < 1.0
