""" "Not for me" and "Seen it" in the app's kernel, as the page's memory widget sends them: a mark takes the film out
of the answer on screen and the next one takes its place, without reading the input again; undo and clear bring
films back; what the browser remembers comes back on opening; whatever else it sends is ignored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lbrec.app.environment import load_engine
from lbrec.app.memory import MOVIE_ID, TMDB_ID
from lbrec.app.page import RecommenderApp
from lbrec.ask.person import Source
from lbrec.letterboxd.client import Client
from tests.helpers.app_views import cards, downloads, typed


@pytest.fixture
def app(ml_small_model_dir: Path) -> Iterator[RecommenderApp]:
    app = RecommenderApp(*load_engine(ml_small_model_dir), client=Client(cache=False))
    yield app
    if app.chart_thread is not None:  # a thread left drawing when the interpreter exits would abort it
        app.chart_thread.join(60)


def shown_ids(app: RecommenderApp) -> list[int]:
    return [int(m) for m in re.findall(r'data-movie-id="(\d+)" data-mark="not_for_me"', app.results.value)]


def test_every_card_has_both_buttons(app: RecommenderApp) -> None:
    typed(app)
    assert len(cards(app)) == 10 and shown_ids(app) == [f.movieId for f in app.session.recommendations]
    assert app.results.value.count('data-mark="seen"') == 10


def test_a_mark_replaces_the_card_without_reading_the_input_again(
    app: RecommenderApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed(app)
    before = shown_ids(app)
    reads: list[Source] = []
    read = app.session.ask.history
    monkeypatch.setattr(app.session.ask, "history", lambda source, *a: reads.append(source) or read(source, *a))
    app._on_memory({"type": "mark", "movieId": before[0], "mark": "not_for_me"})
    after = shown_ids(app)
    assert len(after) == 10 and before[0] not in after
    assert app.chart_thread is not None  # the taste chart follows the cards: the click does not wait for it
    app.chart_thread.join(30)
    assert downloads(app) == app.session.downloads()  # the new answer's
    app._on_memory({"type": "mark", "movieId": after[0], "mark": "seen"})
    assert after[0] not in shown_ids(app) and len(shown_ids(app)) == 10 and reads == []
    assert app.memory.memory["marks"] == [
        {"movieId": before[0], "mark": "not_for_me"},
        {"movieId": after[0], "mark": "seen"},
    ]
    assert [(m["movieId"], m["mark"]) for m in app.memory.listed] == [(after[0], "seen"), (before[0], "not_for_me")]
    assert all(m["title"] for m in app.memory.listed)
    app._on_memory({"type": "undo", "movieId": before[0]})
    assert before[0] in shown_ids(app) and after[0] not in shown_ids(app)
    app._on_memory({"type": "clear"})
    assert shown_ids(app) == before and app.memory.memory["marks"] == [] and app.memory.listed == []
    assert app.message.value == ""


def test_the_browsers_memory_comes_back_on_opening(app: RecommenderApp) -> None:
    first = typed(app).session.recommendations[0].movieId
    fresh = RecommenderApp(app.session.engine, app.session.ask.index, client=Client(cache=False))
    fresh._on_memory(
        {
            "type": "restore",
            "memory": {
                "version": 1,
                "country": "IT",
                "services": [],
                "marks": [
                    {"movieId": first, "mark": "not_for_me"},
                    {"movieId": -4, "mark": "seen"},
                    {"movieId": 1, "mark": "love"},
                    "junk",
                    {"movieId": 999_999_999, "mark": "seen"},
                    {"tmdbId": 1064213, "mark": "seen", "title": " Anora (2024) "},  # a film only TMDb knows
                    {"tmdbId": 2**31, "mark": "seen"},
                    {"tmdbId": "1064213", "mark": "seen"},
                ],
            },
        }
    )
    assert fresh.session.marks == {(MOVIE_ID, first): "not_for_me", (TMDB_ID, 1064213): "seen"}
    assert fresh.session.options.seen_tmdb == {1064213} and fresh.session.options.not_for_me == {first}
    assert fresh.memory.memory == {
        "version": 1,
        "marks": [
            {"movieId": first, "mark": "not_for_me"},
            {"tmdbId": 1064213, "mark": "seen", "title": "Anora (2024)"},
        ],
        "country": "IT",
        "services": [],
    }  # kept, though this page has no TMDb key
    assert fresh.memory.listed[0] == {"tmdbId": 1064213, "title": "Anora (2024)", "mark": "seen"}  # the latest first
    assert first not in shown_ids(typed(fresh)) and len(shown_ids(fresh)) == 10


@pytest.mark.parametrize(
    "content",
    [
        None,
        [],
        "mark",
        {"type": "mark"},
        {"type": "mark", "movieId": "1"},
        {"type": "mark", "movieId": 1, "mark": ["seen"]},
        {"type": "undo"},
        {"type": "restore", "memory": "x"},
        {"type": "drop tables"},
        {"type": "mark", "movieId": True, "mark": "seen"},
        {"type": "mark", "tmdbId": 0, "mark": "seen"},
        {"type": "undo", "tmdbId": None},
    ],
)
def test_anything_else_from_the_page_changes_nothing(app: RecommenderApp, content: object) -> None:
    typed(app)
    before = shown_ids(app)
    app._on_memory(content)
    assert shown_ids(app) == before and app.session.marks == {} and app.message.value == ""


@pytest.mark.parametrize("question", ["similar", "group"])
def test_a_mark_on_another_questions_card_answers_it_again_without_reading_again(
    app: RecommenderApp, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.question.value = question
    app.panels["similar"].seeds.value = "Heat (1995)"
    for row, titles in zip(
        app.panels["group"].rows, ("Heat (1995); Alien (1979)", "Amélie (2001)"), strict=True
    ):  # a group's two
        row.kind.value, row.typed.value = "typed", titles
    app.go.click()
    before = shown_ids(app)
    reads: list[Source] = []
    monkeypatch.setattr(app.session.ask, "history", lambda source, *a: reads.append(source))
    app._on_memory({"type": "mark", "movieId": before[0], "mark": "not_for_me"})
    after = shown_ids(app)
    assert before[0] not in after and len(after) == len(before) == 10 and reads == [] and not app.message.value
