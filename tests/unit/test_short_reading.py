"""The engine's reading of a short dated history (at most max_len films: an RSS feed's latest 50, typed titles): the
folder's `ShortReading` (SASRec's share of the blend, the canon held back, the disliked films' look-alikes pushed
down), where it lives (onnx.json's "short"), and what it leaves alone: a longer dated history, an unordered one and
SASRec served alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lbrec.artifacts import read_json, write_json
from lbrec.errors import ArtifactError
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import blend, standardise
from lbrec.serving.reading import SHORT_READING, Reading, ShortReading, popularity_prior
from tests.helpers.synthetic import random_films


@pytest.fixture(scope="module")
def engine(tiny_blend_dir: Path) -> Recommender:
    return Recommender(tiny_blend_dir)


def expected(engine: Recommender, films: list[int], disliked: list[int], short: ShortReading) -> np.ndarray:
    items, low = engine.item_indices(films), engine.item_indices(disliked)
    served = blend(engine.scores(engine.encode([items])), engine.item_item.score([items]), short.weight)[0]
    served = served - short.popularity * popularity_prior(engine.popularity)
    return served - short.against * standardise(engine.item_item.score([low]))[0]


def test_a_short_dated_history_is_read_as_the_short_reading_says(engine: Recommender) -> None:
    assert engine.short_reading == SHORT_READING and SHORT_READING.popularity > 0 and engine.weight == 0.5
    films, disliked = random_films(engine, 20, seed=1), random_films(engine, 4, seed=2)
    reading = Reading(disliked=frozenset(disliked))
    standing = engine.standing(films, reading=reading)
    assert np.allclose(standing.scores, expected(engine, films, disliked, SHORT_READING), atol=1e-5)
    assert np.allclose(engine.standing(films).scores, expected(engine, films, [], SHORT_READING), atol=1e-5)
    top = engine.recommend(films, k=5, explain=False, reading=reading)
    scores = np.where(standing.unseen, standing.scores, -np.inf)
    assert [r.movieId for r in top] == [engine.film(int(i)).movieId for i in np.argsort(-scores, kind="stable")[:5]]
    # the held-back canon: the most rated films lose most
    prior = popularity_prior(engine.popularity)
    assert prior[np.argmax(engine.popularity)] == prior.max() > 0


def test_longer_unordered_and_sasrec_alone_histories_are_read_as_before(
    engine: Recommender, tiny_model_dir: Path
) -> None:
    long = random_films(engine, engine.max_len + 1, seed=3)
    items = engine.item_indices(long)
    folder_blend = blend(engine.scores(engine.encode([items])), engine.item_item.score([items]), engine.weight)[0]
    assert np.array_equal(engine.standing(long, reading=Reading(disliked=frozenset(long[:3]))).scores, folder_blend)
    short = random_films(engine, 10, seed=4)
    unordered = engine.standing(short, reading=Reading(unordered=True)).scores
    items = engine.item_indices(short)
    assert np.allclose(unordered, blend(engine.scores(engine.encode([items])), engine.item_item.score([items]), 0.7)[0])
    alone = Recommender(tiny_model_dir)
    assert np.array_equal(alone.standing(short).scores, alone.scores(alone.encode([alone.item_indices(short)]))[0])


def test_the_short_reading_lives_in_onnx_json(engine: Recommender, tiny_blend_dir: Path, tmp_path: Path) -> None:
    assert read_json(tiny_blend_dir / "onnx.json")["short"] == SHORT_READING.to_json()  # written by the export
    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    meta = read_json(folder / "onnx.json")
    del meta["short"]  # a folder exported before the entry: the defaults
    write_json(folder / "onnx.json", meta)
    assert Recommender(folder).short_reading == SHORT_READING
    chosen = ShortReading(weight=0.6, popularity=0.0, against=0.0)
    write_json(folder / "onnx.json", {**meta, "short": chosen.to_json()})
    films = random_films(engine, 12, seed=5)
    assert np.allclose(Recommender(folder).standing(films).scores, expected(engine, films, [], chosen), atol=1e-5)
    write_json(folder / "onnx.json", {**meta, "short": {"weight": 2}})
    with pytest.raises(ArtifactError, match="describes a short reading lbrec cannot read"):
        Recommender(folder)
