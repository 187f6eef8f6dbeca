"""The figure on real members (`lbrec.serving.members_figure`): the record the members' benchmark wrote for this very
folder, else the reference build's, said so; a record missing, malformed or of another export is ignored, never an
error. The footer says in words what was measured, and leaves the figures to the README."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from lbrec.app.page import footer
from lbrec.app.session import Session
from lbrec.artifacts import read_json, write_json
from lbrec.ask.questions import Ask
from lbrec.serving.engine import Recommender
from lbrec.serving.members_figure import RECORD, REFERENCE, THIS_MODEL, members_figure


@pytest.fixture
def folder(tiny_blend_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, out)
    return out


def record_of(meta: dict, mean: object = 0.0612, ci95: object = (0.05, 0.07)) -> dict:
    """A record as `benchmarks.members.models.write_record` writes it, for the folder `meta` describes."""
    return {
        "served": {"ndcg@10": {"mean": mean, "ci95": ci95}, "bad@10": {"mean": 0.01, "ci95": [0.0, 0.02]}},
        "members": 20,
        "seed": 0,
        "date": "2026-12-08",
        "command": "python -m benchmarks.bench_members --members 20",
        "model": {"created": meta["created"], "sha256": meta["sha256"]},
    }


def test_a_record_of_this_folder_is_its_figure(folder: Path) -> None:
    meta = read_json(folder / "onnx.json")
    write_json(folder / RECORD, record_of(meta))
    assert members_figure(folder, meta) == type(REFERENCE)(0.0612, (0.05, 0.07), 20, "2026-12-08", THIS_MODEL)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda record: record["model"].update(created="2031-01-01T00:00:00Z"),  # exported again since
        lambda record: record["model"].update(sha256="0" * 64),  # another model.onnx
        lambda record: record.pop("model"),
        lambda record: record["served"].pop("ndcg@10"),
        lambda record: record["served"]["ndcg@10"].update(mean="high"),
        lambda record: record["served"]["ndcg@10"].update(mean=float("nan")),
        lambda record: record["served"]["ndcg@10"].update(mean=1.5),
        lambda record: record["served"]["ndcg@10"].update(ci95=[0.1]),
        lambda record: record.update(members=None),
    ],
)
def test_a_record_of_another_folder_or_malformed_gives_the_reference_build_s(folder: Path, spoil) -> None:
    meta = read_json(folder / "onnx.json")
    record = record_of(meta)
    spoil(record)
    write_json(folder / RECORD, record)
    assert members_figure(folder, meta) == REFERENCE


@pytest.mark.parametrize("content", [b"", b"{not json", b"[1, 2]", b"\xff\xfe", b"null"])
def test_a_record_that_is_not_one_gives_the_reference_build_s(folder: Path, content: bytes) -> None:
    (folder / RECORD).write_bytes(content)
    assert members_figure(folder, read_json(folder / "onnx.json")) == REFERENCE
    (folder / RECORD).unlink()
    assert members_figure(folder, read_json(folder / "onnx.json")) == REFERENCE  # none at all


def test_the_footer_says_what_the_model_is_and_where_it_was_tested_in_words(folder: Path) -> None:
    shown = html.unescape(footer(Session(Ask(Recommender(folder)))))
    assert "SASRec, a model that reads the order you watched your films in, blended with EASE" in shown
    assert "1,000 real Letterboxd members' exports (lbrec's reference build)" in shown  # never measured: said so
    write_json(folder / RECORD, record_of(read_json(folder / "onnx.json")))
    shown = html.unescape(footer(Session(Ask(Recommender(folder)))))
    assert "on 20 real Letterboxd members' exports (this model)" in shown and "reference" not in shown
    assert not any(word in shown.lower() for word in ("ndcg", "0.500", "0.061", "score"))  # the README has those
