"""The engine's reading of a history without order (`Reading(unordered=True)`: a Letterboxd export imported in bulk):
SASRec over every film in windows, averaged, the folder's unordered blend weight, explanations by occlusion over the
windows, and where the choice lives (onnx.json's "unordered": windows and weight, the defaults for older folders); on
the tiny synthetic blend. The dated reading must not change."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lbrec.artifacts import read_json, write_json
from lbrec.errors import ArtifactError
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import blend, moments, scale
from lbrec.serving.reading import UNORDERED_READING, Reading, UnorderedReading
from tests.helpers.synthetic import random_films

UNORDERED = Reading(unordered=True)


@pytest.fixture(scope="module")
def engine(tiny_blend_dir: Path) -> Recommender:
    return Recommender(tiny_blend_dir)


def thirds(items: list[int], size: int) -> list[list[int]]:
    """3 * size - 2 films in near-equal windows of at most `size`, as numpy's array_split cuts them."""
    return [items[:size], items[size : 2 * size - 1], items[2 * size - 1 :]]


def test_windows_average_sasrec_over_the_whole_history(engine: Recommender) -> None:
    size = engine.max_len
    short, long = (
        engine.item_indices(random_films(engine, size)),
        engine.item_indices(random_films(engine, 3 * size - 2)),
    )
    _, raw = engine.sasrec([short, long], [True, True])
    assert np.allclose(raw[0], engine.scores(engine.encode([short]))[0], atol=1e-5)  # one window: the same
    expected = engine.scores(engine.encode(thirds(long, size))).mean(0)
    assert np.allclose(raw[1], expected, atol=1e-5)
    assert not np.allclose(expected, engine.scores(engine.encode([long]))[0], atol=1e-3)  # not the latest alone


def test_an_unordered_history_is_served_in_windows_with_the_unordered_weight(engine: Recommender) -> None:
    assert (
        engine.unordered_reading.weight == UNORDERED_READING.weight == 0.7
        and engine.unordered_reading.windows
        and engine.weight == 0.5
    )
    films = random_films(engine, 3 * engine.max_len - 2)
    items = engine.item_indices(films)
    raw = engine.scores(engine.encode(thirds(items, engine.max_len))).mean(0, keepdims=True)
    expected = blend(raw, engine.item_item.score([items]), 0.7)[0]
    assert np.allclose(engine.standing(films, reading=UNORDERED).scores, expected, atol=1e-5)
    top = engine.recommend(films, k=5, explain=False, reading=UNORDERED)
    assert [r.movieId for r in top] == [
        engine.film(int(i)).movieId
        for i in np.argsort(
            -np.where(np.isin(np.arange(len(expected)), [0, *items]), -np.inf, expected), kind="stable"
        )[:5]
    ]
    short = random_films(engine, 10)  # within one window: the latest films are all of them, the weight still changes
    items = engine.item_indices(short)
    expected = blend(engine.scores(engine.encode([items])), engine.item_item.score([items]), 0.7)[0]
    assert np.allclose(engine.standing(short, reading=UNORDERED).scores, expected, atol=1e-5)


def test_the_dated_reading_is_exactly_the_old_formula(engine: Recommender) -> None:
    films = random_films(engine, 3 * engine.max_len - 2, seed=4)
    items = engine.item_indices(films)
    old = blend(engine.scores(engine.encode([items])), engine.item_item.score([items]), engine.weight)[0]
    assert np.array_equal(engine.standing(films).scores, old)
    assert np.array_equal(engine.standing(films).window, engine.encode([items])[0])
    # in one batch with an unordered history, the dated one is read as before
    dated, unordered = engine.recommend_many([films, films], k=5, readings=[Reading(), UNORDERED])
    assert [r.score for r in dated] == [r.score for r in engine.recommend(films, k=5, explain=False)]
    assert [r.score for r in unordered] == [
        r.score for r in engine.recommend(films, k=5, explain=False, reading=UNORDERED)
    ]
    assert [r.movieId for r in dated] != [r.movieId for r in unordered]


def drops(engine: Recommender, items: list[int], item: int) -> np.ndarray:
    """The served score of `item` minus the same with each film of `items` taken out of its window (that window
    rescored on its own, the others kept), on the full history's scale: the drops occlusion ranks by."""
    windows = thirds(items, engine.max_len)
    raw = np.stack([engine.scores(engine.encode([w]))[0] for w in windows])
    full_raw, full_ii = raw.mean(0, keepdims=True), engine.item_item.score([items])
    served = blend(full_raw, full_ii, 0.7)[0, item]
    out = []
    for w, window in enumerate(windows):
        for film in window:
            without = raw.copy()
            without[w] = engine.scores(engine.encode([[f for f in window if f != film]]))[0]
            sasrec = scale(without.mean(0)[None, [item]], moments(full_raw))[0, 0]
            ii = scale(engine.item_item.score([[f for f in items if f != film]])[:, [item]], moments(full_ii))[0, 0]
            out.append(served - (0.7 * sasrec + 0.3 * ii))
    return np.array(out)


def test_an_unordered_because_is_the_films_whose_removal_lowers_the_served_score_most(engine: Recommender) -> None:
    films = random_films(engine, 3 * engine.max_len - 2, seed=2)
    items = engine.item_indices(films)
    order = [f for w in thirds(items, engine.max_len) for f in w]
    recs = engine.recommend(films, k=4, reading=UNORDERED)
    standing = engine.standing(films, reading=UNORDERED)
    again = engine.because(standing, [engine.item_of(r.movieId) for r in recs])
    for rec, reasons in zip(recs, again, strict=True):
        drop = drops(engine, items, engine.item_of(rec.movieId))
        best = [engine.film(order[i]).movieId for i in np.argsort(-drop, kind="stable")[:3] if drop[i] > 0]
        assert [f.movieId for f in rec.because] == best == [f.movieId for f in reasons]
        assert rec.because


def test_the_unordered_reading_lives_in_onnx_json(engine: Recommender, tiny_blend_dir: Path, tmp_path: Path) -> None:
    written = read_json(tiny_blend_dir / "onnx.json")["unordered"]  # by the export: only what the engine reads
    assert written == UNORDERED_READING.to_json() == {"windows": True, "weight": 0.7}
    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    meta = read_json(folder / "onnx.json")
    del meta["unordered"]  # a folder exported before the entry: the defaults
    write_json(folder / "onnx.json", meta)
    assert Recommender(folder).unordered_reading == UNORDERED_READING
    old = {
        "windows": True,
        "weight": 0.7,
        "chosen_on": "python -m benchmarks.bench_members --tune: ...",
        "figures": {"members_ndcg@10": 0.0564, "model_created": meta["created"]},
    }
    write_json(folder / "onnx.json", {**meta, "unordered": old})  # an older export's entry: its extra keys are ignored
    assert Recommender(folder).unordered_reading == UNORDERED_READING
    write_json(folder / "onnx.json", {**meta, "unordered": {"windows": False, "weight": 0.2}})
    changed = Recommender(folder)
    assert changed.unordered_reading == UnorderedReading(windows=False, weight=0.2)
    films = random_films(engine, 3 * engine.max_len - 2)
    items = engine.item_indices(films)
    expected = blend(engine.scores(engine.encode([items])), engine.item_item.score([items]), 0.2)[0]
    assert np.allclose(changed.standing(films, reading=UNORDERED).scores, expected, atol=1e-5)
    assert np.array_equal(changed.standing(films).scores, engine.standing(films).scores)  # dated: the folder's own
    write_json(folder / "onnx.json", {**meta, "unordered": {"windows": True, "weight": 7}})
    with pytest.raises(ArtifactError, match="unordered reading"):
        Recommender(folder)
