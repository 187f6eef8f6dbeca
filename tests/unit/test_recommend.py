"""lbrec.serving: the onnxruntime engine, its exclusions, filters, explanations and its refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lbrec.artifacts import read_json, write_json
from lbrec.data.dataset import Dataset
from lbrec.errors import ArtifactError
from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.itemitem import ItemItem, blend, moments, scale
from lbrec.serving.reading import popularity_prior
from lbrec.serving.results import links_for


@pytest.fixture(scope="module")
def engine(tiny_model_dir: Path) -> Recommender:
    return Recommender(tiny_model_dir)


def catalog_frame(engine: Recommender) -> pd.DataFrame:
    """The model folder's catalog as pandas reads it: what the engine's answers are checked against."""
    return pd.read_parquet(engine.model_dir / "catalog.parquet")


@pytest.fixture(scope="module")
def history(tiny_dataset: Dataset) -> list[int]:
    return [int(m) for m in tiny_dataset.movie_ids[tiny_dataset.sequence(3)][-8:]]


def test_recommends_unseen_films_in_score_order(engine: Recommender, history: list[int]) -> None:
    watched_elsewhere = [int(m) for m in engine.catalog.movie_ids[:2]]
    recs = engine.recommend(history, k=10, exclude=watched_elsewhere)
    assert len(recs) == 10
    ids = [r.movieId for r in recs]
    assert len(set(ids)) == 10 and not set(ids) & set(history) and not set(ids) & set(watched_elsewhere)
    scores = [r.score for r in recs]
    assert scores == sorted(scores, reverse=True)
    raw = engine.scores(engine.encode([engine.item_indices(history)]))[0]
    allowed = np.ones_like(raw, dtype=bool)
    allowed[0] = False
    allowed[engine.item_indices(history + watched_elsewhere)] = False
    best = np.sort(raw[allowed])[::-1][:10]
    np.testing.assert_allclose(scores, best, rtol=1e-5)  # the true top 10 of what is allowed


def test_every_field_is_filled(engine: Recommender, history: list[int]) -> None:
    rec = engine.recommend(history, k=1)[0]
    row = catalog_frame(engine).set_index("movieId").loc[rec.movieId]
    assert (rec.title, rec.year, rec.tmdbId, rec.imdbId) == (row.title, row.year, row.tmdbId, row.imdbId)
    assert rec.genres == tuple(row.genres)
    assert rec.links == {
        "letterboxd": f"https://letterboxd.com/tmdb/{rec.tmdbId}/",
        "tmdb": f"https://www.themoviedb.org/movie/{rec.tmdbId}",
        "imdb": f"https://www.imdb.com/title/tt{rec.imdbId:07d}/",
    }
    assert set(rec.to_dict()) == {
        "movieId",
        "title",
        "year",
        "genres",
        "score",
        "because",
        "tmdbId",
        "imdbId",
        "links",
        "origin",
    }
    assert rec.to_dict()["origin"] == "the model"  # beside films from TMDb: where each came from


def test_links_pad_imdb_ids_and_skip_missing_ones() -> None:
    assert links_for(None, 133093) == {"imdb": "https://www.imdb.com/title/tt0133093/"}
    assert links_for(None, None) == {}


def test_explanations_come_from_the_model(engine: Recommender, history: list[int]) -> None:
    recs = engine.recommend(history, k=5)
    known = engine.item_indices(history)
    for rec in recs:
        assert rec.because and {f.movieId for f in rec.because} <= set(history)
        # Removing the first "because" film lowers this film's score: that is what "because" means here.
        top = engine.item_indices([rec.because[0].movieId])[0]
        without = [i for i in known if i != top]
        item = engine.item_indices([rec.movieId])[0]
        full = engine.scores(engine.encode([known]))[0, item]
        reduced = engine.scores(engine.encode([without]))[0, item]
        assert reduced < full
    assert all(r.because == [] for r in engine.recommend(history, k=3, explain=False))
    single = engine.recommend(history[-1:], k=2)
    assert all([f.movieId for f in r.because] == history[-1:] for r in single)


def test_filters(engine: Recommender, history: list[int]) -> None:
    genre = engine.genres[0]
    only = engine.recommend(history, k=10, filters=Filters(include_genres=frozenset({genre})))
    assert only and all(genre in r.genres for r in only)
    without = engine.recommend(history, k=10, filters=Filters(exclude_genres=frozenset({genre})))
    assert all(genre not in r.genres for r in without)
    years = engine.recommend(history, k=10, filters=Filters(years=(1990, 1999)))
    assert years and all(1990 <= r.year <= 1999 for r in years)
    popularity = catalog_frame(engine).set_index("movieId").n_ratings
    obscure = engine.recommend(history, k=10, filters=Filters(popularity=(0.0, 0.3)))
    mainstream = engine.recommend(history, k=10, filters=Filters(popularity=(0.7, 1.0)))
    assert max(popularity[r.movieId] for r in obscure) <= min(popularity[r.movieId] for r in mainstream)
    assert engine.recommend(history, k=10, filters=Filters(years=(3000, None))) == []  # nothing allowed: no error
    with pytest.raises(ValueError, match="unknown genres: Nope"):
        engine.recommend(history, filters=Filters(include_genres=frozenset({"Nope"})))


def test_batch_equals_one_by_one(engine: Recommender, tiny_dataset: Dataset) -> None:
    histories = [[int(m) for m in tiny_dataset.movie_ids[tiny_dataset.sequence(u)]] for u in range(6)]
    batched = engine.recommend_many(histories, k=5)
    single = [engine.recommend(h, k=5, explain=False) for h in histories]
    assert [[r.movieId for r in rs] for rs in batched] == [[r.movieId for r in rs] for rs in single]


def test_unknown_films_and_repeats_in_history(engine: Recommender, history: list[int]) -> None:
    noisy = [999_999_999, *history, history[0]]  # an unknown movieId and a rewatch of the first film
    assert engine.item_indices(noisy) == engine.item_indices(history[1:] + history[:1])
    assert engine.recommend([], k=3)  # no known film: the most rated films, unexplained
    by_popularity = catalog_frame(engine).sort_values("n_ratings", ascending=False).movieId.tolist()[:3]
    assert [r.movieId for r in engine.recommend([999_999_999], k=3)] == by_popularity


@pytest.mark.parametrize(
    "damage", ["missing onnx", "truncated onnx", "missing meta", "wrong vocabulary", "corrupt catalog"]
)
def test_broken_model_folders_are_refused_with_the_fix(tiny_model_dir: Path, tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    if damage == "missing onnx":
        (folder / "model.onnx").unlink()
    elif damage == "truncated onnx":
        (folder / "model.onnx").write_bytes((folder / "model.onnx").read_bytes()[:1000])
    elif damage == "missing meta":
        (folder / "onnx.json").unlink()
    elif damage == "wrong vocabulary":
        np.save(folder / "movie_ids.npy", np.arange(5))
    else:
        (folder / "catalog.parquet").write_bytes(b"not parquet")
    with pytest.raises(ArtifactError) as info:
        Recommender(folder)
    assert str(folder) in str(info.value) and ("make model" in str(info.value) or "missing" in str(info.value))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"popularity": (2.0, 3.0)}, "not a band of quantiles between 0"),
        ({"popularity": (0.8, 0.2)}, "not a band of quantiles between 0"),
        ({"years": (2000, 1990)}, "run backwards"),
    ],
)
def test_filters_refuse_options_that_cannot_hold(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Filters(**options)


def test_filters_say_what_they_are() -> None:
    assert Filters().describe() == "no options"
    described = Filters(
        include_genres=frozenset({"Western", "Documentary"}),
        exclude_genres=frozenset({"Horror"}),
        years=(2030, 2040),
        popularity=(0.0, 0.5),
    ).describe()
    assert described == "genres Documentary or Western, no Horror, released 2030-2040, popularity 0-0.5"
    assert Filters(years=(None, 1950)).describe() == "released up to 1950"


@pytest.fixture(scope="module")
def blended(tiny_blend_dir: Path) -> Recommender:
    return Recommender(tiny_blend_dir)


def test_a_blend_serves_the_top_of_the_blended_scores(blended: Recommender, history: list[int]) -> None:
    known = blended.item_indices(history)
    assert len(known) <= blended.max_len  # a short dated history: read as the folder's short reading says
    sasrec = blended.scores(blended.encode([known]))
    item_item = ItemItem.load(blended.model_dir, blended.n_items).score([known])
    short = blended.short_reading
    expected = blend(sasrec, item_item, short.weight)[0] - short.popularity * popularity_prior(blended.popularity)
    expected[0] = -np.inf
    expected[known] = -np.inf
    recs = blended.recommend(history, k=10)
    np.testing.assert_allclose([r.score for r in recs], np.sort(expected)[::-1][:10], rtol=1e-5)
    assert blended.model_name == "SASRec + EASE"
    assert isinstance(blended.item_item.weights, np.memmap)  # every kernel maps the same file's pages


def test_a_blends_because_films_are_those_whose_removal_lowers_the_blended_score(
    blended: Recommender, history: list[int]
) -> None:
    known = blended.item_indices(history)

    def served(films: list[int], item: int) -> float:
        """The blend a short history's reasons read, on the whole history's scale (a film's own contribution)."""
        weight, full = blended.short_reading.weight, (blended.scores(blended.encode([known])), [known])
        sasrec = scale(blended.scores(blended.encode([films]))[:, [item]], moments(full[0]))
        item_item = scale(blended.item_item.score([films])[:, [item]], moments(blended.item_item.score(full[1])))
        return float(weight * sasrec[0, 0] + (1 - weight) * item_item[0, 0])

    for rec in blended.recommend(history, k=5):
        assert rec.because
        item = blended.item_indices([rec.movieId])[0]
        for film in rec.because:
            without = [i for i in known if i != blended.item_indices([film.movieId])[0]]
            assert served(without, item) < served(known, item)


@pytest.mark.parametrize("damage", ["corrupt weights", "missing indices", "blend without its files"])
def test_damaged_item_to_item_files_are_refused_by_name(tiny_blend_dir: Path, tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_blend_dir, folder)
    if damage == "corrupt weights":
        (folder / "item_item.weights.npy").write_bytes(b"\x93NUMPY")
        expected = "item_item.weights.npy does not match the sha256"
    elif damage == "missing indices":
        (folder / "item_item.indices.npy").unlink()
        expected = "item_item.indices.npy not found"
    else:
        meta = read_json(folder / "onnx.json")
        meta["files"] = {k: v for k, v in meta["files"].items() if not k.startswith("item_item")}
        write_json(folder / "onnx.json", meta)
        expected = "describes a blend lbrec cannot read"
    with pytest.raises(ArtifactError, match=expected) as info:
        Recommender(folder)
    assert "make model" in str(info.value)


def test_the_apps_footer_names_the_served_model(engine: Recommender, blended: Recommender) -> None:
    from lbrec.app.page import footer
    from lbrec.app.session import Session
    from lbrec.ask.questions import Ask

    assert "order you watched your films in, blended with EASE, which adds films" in footer(Session(Ask(blended)))
    assert "NDCG" not in footer(Session(Ask(blended)))  # the figures are the README's
    assert "order you watched your films in. It learned" in footer(Session(Ask(engine)))  # SASRec alone
