""" "Not for me" on members (`benchmarks.members.not_for_me`): the click protocol, the push and the measurement, on
the tiny synthetic blend and tiny synthetic members."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.members import not_for_me
from benchmarks.members.data import DISLIKED, MemberData, hidden_ranks, load_members
from benchmarks.members.models import Setting
from lbrec.data.dataset import Dataset
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import standardise
from tests.helpers.members import write_members


@pytest.fixture(scope="module")
def engine(tiny_blend_dir: Path) -> Recommender:
    return Recommender(tiny_blend_dir)


@pytest.fixture(scope="module")
def data(tiny_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> MemberData:
    return load_members(write_members(tmp_path_factory.mktemp("members"), tiny_dataset.catalog, n_members=8))


@pytest.fixture(scope="module")
def setting(engine: Recommender, tiny_dataset: Dataset, data: MemberData) -> Setting:
    return Setting.of(engine, tiny_dataset, data)


@pytest.fixture(scope="module")
def clicked(setting: Setting, data: MemberData) -> list[not_for_me.Clicked]:
    return not_for_me.prepare_clicks(setting, data.members, seed=0)


def test_clicks_and_held_out_films_are_the_known_low_films_and_never_in_the_export(
    setting: Setting, data: MemberData, engine: Recommender, clicked: list[not_for_me.Clicked]
) -> None:
    assert clicked
    by_member = data.ratings.groupby("member")
    for one in clicked:
        split = one.case.split
        rows = by_member.get_group(split.member)
        items = setting.items[rows["film"].to_numpy()]
        low = np.setdiff1d(items[(items > 0) & (rows["rating"].to_numpy() <= DISLIKED)], split.loved)
        assert np.array_equal(np.union1d(one.clicks, one.held_out), low)  # every known low film, split in two
        assert len(np.intersect1d(one.clicks, one.held_out)) == 0 and len(one.held_out) >= len(one.clicks) >= 1
        given = setting.items[split.given]
        exported = np.concatenate(
            [given, engine.item_indices(one.case.given.loved), engine.item_indices(one.case.given.disliked)]
        )
        assert not np.isin(exported, low).any()  # neither the clicks nor the held-out films are in the export
        assert not np.isin(one.case.seen, low).any()
    again = not_for_me.prepare_clicks(setting, data.members, seed=0)
    assert [list(c.clicks) for c in again] == [list(c.clicks) for c in clicked]  # a fixed seed, the same split


def test_the_push_forms_over_the_served_item_to_item_arrays(engine: Recommender) -> None:
    item_item = engine.item_item
    assert item_item is not None
    films = [3, 17, 40]
    assert np.allclose(not_for_me.push(item_item, films, "sum"), standardise(item_item.score([films]))[0])
    assert np.allclose(
        not_for_me.push(item_item, films, "top1000"), not_for_me.push(item_item, films, "sum"), atol=1e-5
    )  # every weight of each row kept: the sum
    assert np.allclose(not_for_me.push(item_item, [3], "max"), not_for_me.push(item_item, [3], "sum"), atol=1e-5)
    targets, weights = item_item.row(3)
    top = not_for_me.push(item_item, [3], "top5")
    assert set(np.flatnonzero(top[1:] > top[1:].min()) + 1) == set(targets[np.argsort(-weights, kind="stable")[:5]])
    assert not not_for_me.push(item_item, [], "sum").any()
    with pytest.raises(ValueError, match="unknown push form"):
        not_for_me.push(item_item, films, "mean")


def test_excluded_films_are_never_ranked_and_the_push_lowers_a_clicked_films_look_alike(
    engine: Recommender, setting: Setting, clicked: list[not_for_me.Clicked]
) -> None:
    one = clicked[0]
    assert engine.item_item is not None
    points = not_for_me.member_points(engine, one, setting.candidates, forms=("sum",), amounts=(0.5,))
    assert set(points) == {"today", "excluded", "sum x 0.5"}
    assert "bad_all@10" in points["today"] and "bad@50" in points["excluded"]
    served = engine.standing(one.case.given.loved).scores
    allowed = setting.candidates.copy()
    allowed[one.case.seen] = False
    allowed[one.clicks] = False
    pushed = served - 0.5 * not_for_me.push(engine.item_item, one.clicks, "sum")
    n_allowed = int(allowed.sum())
    assert (hidden_ranks(pushed, allowed, one.clicks) >= n_allowed).all()  # behind every candidate: never ranked
    targets, weights = engine.item_item.row(int(one.clicks[0]))
    look_alike = int(targets[np.argmax(weights)])
    assert pushed[look_alike] < served[look_alike]
    if allowed[look_alike]:
        assert (
            hidden_ranks(pushed, allowed, np.array([look_alike]))[0]
            >= hidden_ranks(served, allowed, np.array([look_alike]))[0]
        )


def test_the_clicks_played_out_leave_no_held_out_low_film_in_the_top_10(
    engine: Recommender, setting: Setting, clicked: list[not_for_me.Clicked]
) -> None:
    for one in clicked[:3]:
        for amount in (0.0, 0.5):
            figures = not_for_me.simulate(engine, one, setting.candidates, "top5", amount)
            assert figures["first screen"] >= 0 and figures["later"] >= 0 and 0.0 <= figures["ndcg@10"] <= 1.0


def test_the_whole_measurement_chooses_on_one_half_and_reports_on_the_other(
    engine: Recommender, tiny_dataset: Dataset, data: MemberData
) -> None:
    report = not_for_me.measure_not_for_me(
        engine, tiny_dataset, data, data.members, forms=("sum", "top5"), amounts=(0.1, 1.0)
    )
    assert report["chosen_on"] + report["reported_on"] == report["measured"] <= len(data.members)
    assert report["chosen"] in report["models"] and report["chosen"] != "today"
    assert set(report["models"]) == {"today", "excluded", "sum x 0.1", "sum x 1", "top5 x 0.1", "top5 x 1"}
    assert set(report["paired_vs_today"]) == set(report["models"]) - {"today"}
    assert set(report["paired_vs_excluded"]) == set(report["models"]) - {"today", "excluded"}
    assert set(report["goal"]) == {"bad_ratio", "bad_halved", "ndcg_not_lower", "met", "all_low_ratio"}
    assert set(report["simulation"]["models"]) <= {"excluded", report["chosen"]}
    assert set(report["export_lows"]["models"]) == {"ignored", "not for me"}
    reach = report["reach"]
    assert set(reach["look_alikes"]) == {"top5", "top10", "top20", "row"}
    counts = list(reach["look_alikes"].values())
    assert counts == sorted(counts) and counts[-1] <= reach["bad_picks"]  # nested: N largest weights within the row
    assert report["export_lows"]["members"] == len(data.members) - len(data.members) // 2  # all of half B
