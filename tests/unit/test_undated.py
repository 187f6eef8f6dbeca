"""The engine's reading of a history without order (`Reading(unordered=True)`: a Letterboxd export imported in bulk):
SASRec over every film in windows, averaged, the folder's undated blend weight, explanations by occlusion over the
windows, and where the choice lives (onnx.json's "undated", its default for older folders); on the tiny synthetic
blend. The dated reading must not change."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lbrec.artifacts import read_json, write_json
from lbrec.errors import ArtifactError
from lbrec.evaluation.member_tuning import undated_choice, write_choice
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import blend, moments, scale
from lbrec.serving.reading import UNDATED, Reading, Undated
from tests.helpers.synthetic import random_films

UNORDERED = Reading(unordered=True)


@pytest.fixture(scope="module")
def engine(tiny_blend_dir: Path) -> Recommender:
    return Recommender(tiny_blend_dir)


def thirds(items: list[int], size: int) -> list[list[int]]:
    """3 * size - 2 films in near-equal windows of at most `size`, as numpy's array_split cuts them."""
    return [items[:size], items[size:2 * size - 1], items[2 * size - 1:]]


def test_windows_average_sasrec_over_the_whole_history(engine: Recommender) -> None:
    size = engine.max_len
    short, long = engine.item_indices(random_films(engine, size)), engine.item_indices(random_films(engine, 3 * size - 2))
    _, raw = engine.sasrec([short, long], [True, True])
    assert np.allclose(raw[0], engine.scores(engine.encode([short]))[0], atol=1e-5)  # one window: the same
    expected = engine.scores(engine.encode(thirds(long, size))).mean(0)
    assert np.allclose(raw[1], expected, atol=1e-5)
    assert not np.allclose(expected, engine.scores(engine.encode([long]))[0], atol=1e-3)  # not the latest alone


def test_an_undated_history_is_served_in_windows_with_the_undated_weight(engine: Recommender) -> None:
    assert engine.undated.weight == UNDATED.weight == 0.7 and engine.undated.windows and engine.weight == 0.5
    films = random_films(engine, 3 * engine.max_len - 2)
    items = engine.item_indices(films)
    raw = engine.scores(engine.encode(thirds(items, engine.max_len))).mean(0, keepdims=True)
    expected = blend(raw, engine.item_item.score([items]), 0.7)[0]
    assert np.allclose(engine.standing(films, reading=UNORDERED).scores, expected, atol=1e-5)
    top = engine.recommend(films, k=5, explain=False, reading=UNORDERED)
    assert [r.movieId for r in top] == [engine.film(int(i)).movieId for i in
                                        np.argsort(-np.where(np.isin(np.arange(len(expected)), [0, *items]),
                                                             -np.inf, expected), kind="stable")[:5]]
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
    # in one batch with an undated history, the dated one is read as before
    dated, undated = engine.recommend_many([films, films], k=5, readings=[Reading(), UNORDERED])
    assert [r.score for r in dated] == [r.score for r in engine.recommend(films, k=5, explain=False)]
    assert [r.score for r in undated] == [r.score for r in engine.recommend(films, k=5, explain=False,
                                                                             reading=UNORDERED)]
    assert [r.movieId for r in dated] != [r.movieId for r in undated]


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


def test_an_undated_because_is_the_films_whose_removal_lowers_the_served_score_most(engine: Recommender) -> None:
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


def test_the_undated_reading_lives_in_onnx_json(engine: Recommender, tiny_blend_dir: Path, tmp_path: Path) -> None:
    assert read_json(tiny_blend_dir / "onnx.json")["undated"] == UNDATED.to_json()  # written by the export
    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    meta = read_json(folder / "onnx.json")
    del meta["undated"]  # a folder exported before the entry: the defaults
    write_json(folder / "onnx.json", meta)
    assert Recommender(folder).undated == UNDATED
    write_json(folder / "onnx.json", {**meta, "undated": {"windows": False, "weight": 0.2}})
    changed = Recommender(folder)
    assert changed.undated == Undated(windows=False, weight=0.2, figures={})
    films = random_films(engine, 3 * engine.max_len - 2)
    items = engine.item_indices(films)
    expected = blend(engine.scores(engine.encode([items])), engine.item_item.score([items]), 0.2)[0]
    assert np.allclose(changed.standing(films, reading=UNORDERED).scores, expected, atol=1e-5)
    assert np.array_equal(changed.standing(films).scores, engine.standing(films).scores)  # dated: the folder's own
    write_json(folder / "onnx.json", {**meta, "undated": {"windows": True, "weight": 7}})
    with pytest.raises(ArtifactError, match="undated reading"):
        Recommender(folder)


def test_the_tuning_s_choice_is_written_into_onnx_json_and_the_folder_still_verifies(tiny_blend_dir: Path,
                                                                                      tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    figures = {"ndcg@10": {"mean": 0.05}}
    report = {"chosen": {"served": "windows=0 w=0.5 k=50 against=0",
                         "windows and blend weight": "windows=1 w=0.3 k=50 against=0"},
              "tuned_on": 4, "reported_on": 4, "seed": 0,
              "models": {"served": figures, "windows and blend weight": {"ndcg@10": {"mean": 0.06}}},
              "movielens_test": {"models": {"served": figures, "windows and blend weight": figures}}}
    engine = Recommender(folder)
    choice = undated_choice(report, engine)
    assert (choice.windows, choice.weight, choice.figures["members_ndcg@10"]) == (True, 0.3, 0.06)
    before = read_json(folder / "onnx.json")
    write_choice(engine, choice)
    after = read_json(folder / "onnx.json")
    assert after == {**before, "undated": choice.to_json()}
    assert Recommender(folder).undated.weight == 0.3  # the sha256 of every listed file still matches


def test_the_footer_gives_this_folders_member_figure_else_the_reference_builds(tiny_blend_dir: Path, tmp_path: Path) -> None:
    from lbrec.app.page import footer
    from lbrec.app.session import Session
    from lbrec.ask.questions import Ask

    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    assert "0.056 on real Letterboxd members' exports for lbrec's reference build" in footer(
        Session(Ask(Recommender(folder))))  # the defaults: another folder's, said so
    meta = read_json(folder / "onnx.json")
    measured = {**UNDATED.to_json()["figures"], "members_ndcg@10": 0.0612, "model_created": meta["created"]}
    write_json(folder / "onnx.json", {**meta, "undated": {**UNDATED.to_json(), "figures": measured}})
    shown = footer(Session(Ask(Recommender(folder))))
    assert "test NDCG@10 0.500, 0.061 on real Letterboxd members' exports" in shown and "reference" not in shown
