""" "Not for me" and "seen it": the engine leaves refused films out of every answer and pushes their
look-alikes down; the questions layer leaves marked films out of every question, on the tiny synthetic blend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lbrec.ask.options import Options
from lbrec.ask.person import Source
from lbrec.ask.questions import Ask, Member, ToRank
from lbrec.data.titles import film_label
from lbrec.errors import LbrecError
from lbrec.serving.engine import Recommender
from lbrec.serving.group import MemberFilms, recommend_for_group
from lbrec.serving.itemitem import standardise
from lbrec.serving.rank import rank_films
from lbrec.serving.reading import LOOK_ALIKES, PUSH, Reading, push_down
from lbrec.serving.similar import similar_films


@pytest.fixture(scope="module")
def engine(tiny_blend_dir: Path) -> Recommender:
    return Recommender(tiny_blend_dir)


def movie_ids(engine: Recommender, items: range | list[int]) -> list[int]:
    return [engine.film(i).movieId for i in items]


@pytest.fixture(scope="module")
def history(engine: Recommender) -> list[int]:
    return movie_ids(engine, list(range(1, 30, 3)))


def test_the_push_subtracts_the_refused_films_look_alikes(engine: Recommender) -> None:
    scores = np.linspace(0, 1, engine.n_items + 1, dtype=np.float32)
    assert engine.item_item is not None
    pushed = push_down(scores, engine.item_item, [4, 7])
    nearest = np.zeros_like(scores)
    for film in (4, 7):  # each refused film's LOOK_ALIKES largest weights
        targets, weights = engine.item_item.row(film)
        for target, weight in sorted(zip(targets, weights, strict=True), key=lambda t: -t[1])[:LOOK_ALIKES]:
            nearest[target] += weight
    expected = scores - PUSH * standardise(nearest[None])[0]
    assert np.allclose(pushed, expected, atol=1e-5) and (pushed < scores).sum() <= 2 * LOOK_ALIKES
    assert push_down(scores, engine.item_item, []) is scores and push_down(scores, None, [4]) is scores


def test_a_refused_film_leaves_the_answer_and_its_look_alikes_go_down(engine: Recommender, history: list[int]) -> None:
    before = engine.recommend(history, k=10, explain=False)
    refused = before[0].movieId
    after = engine.recommend(history, k=10, explain=False, reading=Reading(frozenset({refused})))
    assert refused not in {f.movieId for f in after}
    assert [f.movieId for f in after[:1]] != [refused] and len(after) == 10
    standing, pushed = engine.standing(history), engine.standing(history, reading=Reading(frozenset({refused})))
    item = engine.item_of(refused)
    assert not pushed.unseen[item] and standing.unseen[item] and pushed.of == standing.of - 1
    targets, weights = engine.item_item.row(item)  # type: ignore[union-attr]
    nearest = [t for t in targets[np.argsort(-weights, kind="stable")[:LOOK_ALIKES]] if standing.unseen[t]]
    assert nearest and all(pushed.scores[t] < standing.scores[t] for t in nearest)
    assert np.array_equal(pushed.blended, standing.blended)  # the reasons read the scores before the push


def test_the_reasons_do_not_change_with_a_refusal(engine: Recommender, history: list[int]) -> None:
    after = engine.recommend(history, k=10, reading=Reading(frozenset(movie_ids(engine, [50]))))
    plain = {f.movieId: f.because for f in engine.recommend(history, k=30)}
    assert all(f.because == plain[f.movieId] for f in after if f.movieId in plain)


def test_every_question_of_the_serving_layer_obeys(engine: Recommender, history: list[int]) -> None:
    candidates = movie_ids(engine, list(range(40, 60)))
    refused = frozenset(candidates[:5])
    ranked = rank_films(engine, history, candidates, reading=Reading(refused))
    assert {f.movieId for f in ranked} == set(candidates) - refused
    seeds = movie_ids(engine, [5])
    plain = similar_films(engine, seeds, k=5)
    marked = similar_films(
        engine, seeds, k=5, exclude={plain[1].movieId}, reading=Reading(frozenset({plain[0].movieId}))
    )
    assert {plain[0].movieId, plain[1].movieId}.isdisjoint(f.movieId for f in marked) and len(marked) == 5
    members = [MemberFilms("a", history), MemberFilms("b", movie_ids(engine, list(range(2, 30, 4))))]
    group = recommend_for_group(engine, members, k=5)
    again = recommend_for_group(
        engine, members, k=5, exclude={group[0].movieId}, reading=Reading(frozenset({group[1].movieId}))
    )
    assert {group[0].movieId, group[1].movieId}.isdisjoint(f.movieId for f in again) and len(again) == 5


def titles(engine: Recommender, items: list[int]) -> str:
    return "; ".join(film_label(engine.film(i).title, engine.film(i).year) for i in items)


def test_the_questions_layer_leaves_marked_films_out(engine: Recommender) -> None:
    ask = Ask(engine)
    person = ask.person(ask.history(Source("typed", titles(engine, list(range(1, 30, 3))))))
    first = ask.recommend(person).films
    options = Options(not_for_me=frozenset({first[0].movieId}), seen=frozenset({first[1].movieId}))
    again = ask.recommend(person, options).films
    assert {first[0].movieId, first[1].movieId}.isdisjoint(f.movieId for f in again) and len(again) == 10
    to_rank = ToRank("typed", titles(engine, [40, 41, 42]))
    ranked = ask.rank(
        person,
        ask.to_rank(to_rank),
        Options(k=None, not_for_me=frozenset(movie_ids(engine, [40])), seen=frozenset(movie_ids(engine, [41]))),
    )
    assert [f.movieId for f in ranked.films if f.watched] == movie_ids(engine, [41])
    assert movie_ids(engine, [40])[0] not in {f.movieId for f in ranked.films}
    verdicts = ask.predict(person, [titles(engine, [40])], Options(not_for_me=frozenset(movie_ids(engine, [40]))))
    assert verdicts.films[0].verdict == "you marked it “not for me”"
    group = ask.group(
        [
            Member("", Source("typed", titles(engine, [1, 4, 7]))),
            Member("", Source("typed", titles(engine, [2, 5, 8]))),
        ],
        options,
    )
    assert {first[0].movieId, first[1].movieId}.isdisjoint(f.movieId for f in group.films)


def test_ranking_only_refused_films_is_refused_in_one_line(engine: Recommender) -> None:
    ask = Ask(engine)
    person = ask.person(ask.history(Source("typed", titles(engine, [1, 4, 7]))))
    with pytest.raises(LbrecError, match="^you marked every film of the titles you typed that was found “not for "):
        ask.rank(
            person,
            ask.to_rank(ToRank("typed", titles(engine, [40]))),
            Options(not_for_me=frozenset(movie_ids(engine, [40]))),
        )


def test_a_mark_asks_again_without_redoing_the_reasons_inference(
    engine: Recommender, history: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = engine.recommend(history, k=10)
    calls: list[int] = []
    scores = engine.scores
    monkeypatch.setattr(engine, "scores", lambda batch: calls.append(len(batch)) or scores(batch))
    again = engine.recommend(history, k=10, reading=Reading(frozenset({first[0].movieId})))
    assert calls == [1]  # the history's own window; its occlusions were kept from the first answer
    plain = {f.movieId: f.because for f in first}
    assert all(f.because == plain[f.movieId] for f in again if f.movieId in plain)
    engine.recommend(history[:-1], k=10)  # another history: its own occlusions
    assert len(calls) == 3 and calls[2] > 1
