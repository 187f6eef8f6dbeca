"""The models measured on members (`benchmarks.members.models`) on tiny synthetic members and the synthetic blend:
the in-domain films mapped to the model's, the whole measurement, and its record in the model folder, which the
app's footer reads (`lbrec.serving.members_figure`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks.members import data, models
from lbrec.data.dataset import Dataset
from lbrec.serving.engine import Recommender
from lbrec.serving.members_figure import RECORD, REFERENCE, THIS_MODEL, members_figure
from tests.helpers.members import write_members


@pytest.fixture(scope="module")
def member_data(tiny_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> data.MemberData:
    return data.load_members(write_members(tmp_path_factory.mktemp("members"), tiny_dataset.catalog))


def test_films_map_to_the_best_score_of_the_films_matched_to_each_item() -> None:
    out = models.in_item_space(np.array([[1.0, 4.0, 2.0, 9.0]]), np.array([2, 2, 1, 0]), n_items=3)
    assert out[0, 1] == 2.0 and out[0, 2] == 4.0 and np.isneginf(out[0, [0, 3]]).all()


def test_the_whole_measurement_on_a_served_blend(
    member_data: data.MemberData, tiny_dataset: Dataset, tiny_blend_dir: Path
) -> None:
    engine = Recommender(tiny_blend_dir)
    report = models.measure(engine, tiny_dataset, member_data, member_data.sample(8, seed=1), seed=0)
    assert report["members"] == 8
    assert set(report["models"]) == {
        "served",
        "served, rated",
        "served, latest 50 (before)",
        "served, default before (the export's latest 50)",
        "sasrec",
        "item-item",
        "popular (MovieLens)",
        "ease (MovieLens)",
        "popular (Letterboxd)",
        "ease (Letterboxd)",
    }
    assert report["unordered_exports"] == 8 and report["unordered"]["weight"] == 0.7  # bulk imports, read unordered
    assert report["candidates"] == tiny_dataset.n_items
    for figures in report["models"].values():
        assert 0.0 <= figures["ndcg@10"]["mean"] <= 1.0
        low, high = figures["ndcg@10"]["ci95"]
        assert low <= figures["ndcg@10"]["mean"] <= high
    assert set(report["paired_vs_served"]) == set(report["models"]) - {"served"}
    assert report["catalog_gap"]["known_share"] < 1.0


def test_the_record_names_its_folder_and_the_footer_s_figure_is_read_from_it(
    member_data: data.MemberData, tiny_dataset: Dataset, tiny_blend_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    engine = Recommender(folder)
    report = models.measure(engine, tiny_dataset, member_data, member_data.sample(4, seed=1), others_ease=False)
    report["command"] = "python -m benchmarks.bench_members --members 4"
    path = models.write_record(engine, report)
    record = json.loads(path.read_text())
    assert path == folder / RECORD and record["members"] == 4 and record["command"] == report["command"]
    assert record["model"] == {"created": engine.meta["created"], "sha256": engine.meta["sha256"]}
    assert set(record["served"]) == {"ndcg@10", "hr@10", "recall@50", "bad@10"}
    served = report["models"]["served"]["ndcg@10"]
    figure = members_figure(folder, engine.meta)
    assert (figure.ndcg, figure.ci95, figure.members, figure.measured_on) == (
        served["mean"],
        tuple(served["ci95"]),
        4,
        THIS_MODEL,
    )
    assert members_figure(folder, {**engine.meta, "created": "2030-01-01T00:00:00Z"}) == REFERENCE  # re-exported
    assert members_figure(tiny_blend_dir, engine.meta) == REFERENCE  # a folder never measured
