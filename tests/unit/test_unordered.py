"""Choosing how to serve a history without order on members (`lbrec.evaluation.member_tuning`: its grid over the
engine's reading, and the choice written into onnx.json), on the tiny synthetic blend and tiny synthetic members.
The engine's own undated reading is tested in tests/unit/test_undated.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lbrec.data.dataset import Dataset
from lbrec.evaluation import member_models, member_tuning
from lbrec.evaluation.members import load_members
from lbrec.serving.engine import Recommender
from lbrec.evaluation.member_tuning import Unordered, item_scores
from lbrec.serving.itemitem import standardise
from lbrec.serving.reading import Reading
from tests.helpers.members import write_members
from tests.helpers.synthetic import random_films


@pytest.fixture(scope="module")
def engine(tiny_blend_dir: Path) -> Recommender:
    return Recommender(tiny_blend_dir)


def test_the_default_options_are_what_the_engine_serves_a_dated_history(engine: Recommender) -> None:
    films = random_films(engine, 45)
    assert np.allclose(item_scores(engine, engine.item_indices(films)), engine.standing(films).scores, atol=1e-5)
    assert np.array_equal(item_scores(engine, []), engine.standing([]).scores)


def test_the_folder_s_undated_point_is_what_the_engine_serves_an_undated_history(engine: Recommender) -> None:
    films = random_films(engine, 3 * engine.max_len - 2)
    point = Unordered(windows=engine.undated.windows, weight=engine.undated.weight)
    served = engine.standing(films, reading=Reading(unordered=True)).scores
    assert np.allclose(item_scores(engine, engine.item_indices(films), (), point), served, atol=1e-5)


def test_disliked_films_count_against_their_look_alikes(engine: Recommender) -> None:
    loved, disliked = random_films(engine, 10, seed=1), random_films(engine, 3, seed=2)
    items, bad = engine.item_indices(loved), engine.item_indices(disliked)
    base = item_scores(engine, items, bad)
    against = item_scores(engine, items, bad, Unordered(against=0.5))
    assert engine.item_item is not None
    look_alikes = standardise(engine.item_item.score([engine.item_indices(disliked)]))[0]
    assert np.allclose(base - against, 0.5 * look_alikes, atol=1e-5)
    assert np.allclose(base, engine.standing(loved).scores, atol=1e-5)  # without the option, dislikes change nothing


def test_halves_split_the_members_once_and_for_all() -> None:
    members = [f"m{i}" for i in range(11)]
    first, second = member_tuning.halves(members, seed=3)
    assert len(first) == 5 and len(second) == 6 and sorted([*first, *second]) == sorted(members)
    assert [list(h) for h in member_tuning.halves(members, seed=3)] == [list(first), list(second)]


def test_every_grid_point_scores_as_its_options_do(engine: Recommender, tiny_dataset: Dataset,
                                                   tmp_path: Path) -> None:
    data = load_members(write_members(tmp_path, tiny_dataset.catalog, n_members=3))
    found = member_models.setting(engine, tiny_dataset, data)
    member = member_models.prepare(found, data.members[:1])[0]
    models = member_tuning.item_item_models(found)
    assert sorted(models) == [50, 200, 1000] and models[50] is None  # the folder keeps 50 weights per film
    items, disliked = engine.item_indices(member.given.loved), engine.item_indices(member.given.disliked)
    assert disliked
    points = dict(member_tuning._points(engine, items, disliked, models, (0.3, 0.9), (0.0, 0.5)))
    assert len(points) == 2 * 3 * 2 * 2
    for name in ("windows=0 w=0.9 k=50 against=0", "windows=1 w=0.3 k=1000 against=0.5"):
        options = member_tuning.options_of(name, models)
        assert np.allclose(points[name], item_scores(engine, items, disliked, options), atol=1e-5)


def test_tuning_reports_each_choice_on_the_other_half_and_on_movielens(engine: Recommender, tiny_dataset: Dataset,
                                                                        tmp_path: Path) -> None:
    data = load_members(write_members(tmp_path, tiny_dataset.catalog, n_members=8))
    report = member_tuning.measure_tuning(engine, tiny_dataset, data, data.members)
    assert report["tuned_on"] == report["reported_on"] == 4
    assert report["chosen"]["served"] == "windows=0 w=0.5 k=50 against=0"
    assert set(report["models"]) == set(report["chosen"]) == set(report["movielens_test"]["models"])
    curve = report["dislikes_against"]["served"]
    assert list(curve) == ["0", "0.1", "0.25", "0.5", "1"] and curve["0"]["bad@10"]["vs_none"]["mean_diff"] == 0.0
    for label, point in report["chosen"].items():  # a choice changes only what it names
        changed = {k for k, v in (p.split("=") for p in point.split())
                   if f"{k}={v}" not in report["chosen"]["served"].split()}
        assert changed <= {"windows": {"windows"}, "blend weight": {"w"}, "weights per film": {"k"},
                           "dislikes against": {"against"}, "windows and blend weight": {"windows", "w"},
                           "weight and weights per film": {"w", "k"}}.get(
            label, {"windows", "w", "k", "against"})


def test_the_export_measures_the_served_engine_on_held_out_members_when_their_data_is_here(
        tiny_blend_dir: Path, tiny_dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from lbrec.artifacts import read_json

    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    monkeypatch.setenv("LBREC_MEMBERS_DIR", str(tmp_path / "nobody"))
    assert member_tuning.measure_served(Recommender(folder), tiny_dataset) is None  # a user's machine: no members
    monkeypatch.setenv("LBREC_MEMBERS_DIR", str(write_members(tmp_path / "members", tiny_dataset.catalog, 8)))
    engine = Recommender(folder)
    report = member_tuning.measure_served(engine, tiny_dataset)
    assert report is not None and report["members"] == 4  # the half the undated reading was not chosen on
    member_tuning.record_served(engine, report)
    written = read_json(folder / "onnx.json")["undated"]
    assert written["figures"]["members_ndcg@10"] == report["models"]["served"]["ndcg@10"]["mean"]
    assert written["weight"] == engine.undated.weight and written["windows"] == engine.undated.windows
    again = Recommender(folder)  # still verifies, and now names its own figure
    assert again.undated.members_ndcg(again.meta) == written["figures"]["members_ndcg@10"]
