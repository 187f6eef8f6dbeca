"""Choosing how to serve a history without order on members (`benchmarks.members.tuning`: its grid over the
engine's reading, and the choice written into onnx.json), on the tiny synthetic blend and tiny synthetic members.
The engine's own unordered reading is tested in tests/unit/test_unordered.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks.members import tuning
from benchmarks.members.data import load_members
from benchmarks.members.models import Setting, prepare
from benchmarks.members.tuning import GridPoint, item_scores, unordered_choice, write_choice
from lbrec.artifacts import read_json, write_json
from lbrec.data.dataset import Dataset
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import standardise
from lbrec.serving.members_figure import RECORD
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


def test_the_folder_s_unordered_point_is_what_the_engine_serves_an_unordered_history(engine: Recommender) -> None:
    films = random_films(engine, 3 * engine.max_len - 2)
    point = GridPoint(windows=engine.unordered_reading.windows, weight=engine.unordered_reading.weight)
    served = engine.standing(films, reading=Reading(unordered=True)).scores
    assert np.allclose(item_scores(engine, engine.item_indices(films), (), point), served, atol=1e-5)


def test_disliked_films_count_against_their_look_alikes(engine: Recommender) -> None:
    # longer than max_len: a dated history the engine reads as the folder's blend (a short one has its own reading)
    loved, disliked = random_films(engine, engine.max_len + 1, seed=1), random_films(engine, 3, seed=2)
    items, bad = engine.item_indices(loved), engine.item_indices(disliked)
    base = item_scores(engine, items, bad)
    against = item_scores(engine, items, bad, GridPoint(against=0.5))
    assert engine.item_item is not None
    look_alikes = standardise(engine.item_item.score([engine.item_indices(disliked)]))[0]
    assert np.allclose(base - against, 0.5 * look_alikes, atol=1e-5)
    assert np.allclose(base, engine.standing(loved).scores, atol=1e-5)  # without the option, dislikes change nothing


def test_halves_split_the_members_once_and_for_all() -> None:
    members = [f"m{i}" for i in range(11)]
    first, second = tuning.halves(members, seed=3)
    assert len(first) == 5 and len(second) == 6 and sorted([*first, *second]) == sorted(members)
    assert [list(h) for h in tuning.halves(members, seed=3)] == [list(first), list(second)]


def test_every_grid_point_scores_as_its_options_do(engine: Recommender, tiny_dataset: Dataset, tmp_path: Path) -> None:
    data = load_members(write_members(tmp_path, tiny_dataset.catalog, n_members=3))
    setting = Setting.of(engine, tiny_dataset, data)
    case = prepare(setting, data.members[:1])[0]
    models = tuning.item_item_models(setting)
    assert sorted(models) == [50, 200, 1000] and models[50] is None  # the folder keeps 50 weights per film
    items, disliked = engine.item_indices(case.given.loved), engine.item_indices(case.given.disliked)
    assert disliked
    points = dict(tuning._points(engine, items, disliked, models, (0.3, 0.9), (0.0, 0.5)))
    assert len(points) == 2 * 3 * 2 * 2
    for name in ("windows=0 w=0.9 k=50 against=0", "windows=1 w=0.3 k=1000 against=0.5"):
        options = tuning.options_of(name, models)
        assert np.allclose(points[name], item_scores(engine, items, disliked, options), atol=1e-5)


def test_tuning_reports_each_choice_on_the_other_half_and_on_movielens(
    engine: Recommender, tiny_dataset: Dataset, tmp_path: Path
) -> None:
    data = load_members(write_members(tmp_path, tiny_dataset.catalog, n_members=8))
    report = tuning.measure_tuning(engine, tiny_dataset, data, data.members)
    assert report["tuned_on"] == report["reported_on"] == 4
    assert report["chosen"]["served"] == "windows=0 w=0.5 k=50 against=0"
    assert set(report["models"]) == set(report["chosen"]) == set(report["movielens_test"]["models"])
    curve = report["dislikes_against"]["served"]
    assert list(curve) == ["0", "0.1", "0.25", "0.5", "1"] and curve["0"]["bad@10"]["vs_none"]["mean_diff"] == 0.0
    for label, point in report["chosen"].items():  # a choice changes only what it names
        changed = {
            k for k, v in (p.split("=") for p in point.split()) if f"{k}={v}" not in report["chosen"]["served"].split()
        }
        assert changed <= {
            "windows": {"windows"},
            "blend weight": {"w"},
            "weights per film": {"k"},
            "dislikes against": {"against"},
            "windows and blend weight": {"windows", "w"},
            "weight and weights per film": {"w", "k"},
        }.get(label, {"windows", "w", "k", "against"})


def test_the_choice_is_written_into_onnx_json_the_folder_still_verifies_and_its_stale_record_goes(
    tiny_blend_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    figures = {"ndcg@10": {"mean": 0.05}}
    report = {
        "chosen": {
            "served": "windows=0 w=0.5 k=50 against=0",
            "windows and blend weight": "windows=1 w=0.3 k=50 against=0",
        },
        "tuned_on": 4,
        "reported_on": 4,
        "seed": 0,
        "models": {"served": figures, "windows and blend weight": {"ndcg@10": {"mean": 0.06}}},
        "movielens_test": {"models": {"served": figures, "windows and blend weight": figures}},
    }
    choice = unordered_choice(report)
    assert (choice.windows, choice.weight) == (True, 0.3)
    write_json(folder / RECORD, {"measured with": "the reading replaced"})
    before = read_json(folder / "onnx.json")
    write_choice(Recommender(folder), choice)
    after = read_json(folder / "onnx.json")
    assert after == {**before, "unordered": {"windows": True, "weight": 0.3}}  # only what the engine reads
    assert Recommender(folder).unordered_reading.weight == 0.3  # the sha256 of every listed file still matches
    assert not (folder / RECORD).exists()
