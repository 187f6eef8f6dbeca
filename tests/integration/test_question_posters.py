"""Posters on the questions' cards and in the picture to share, with a loopback server standing in for TMDb: the
answer comes first and TMDb's posters fill its cards in, and the PNG, drawn when asked, has them; without a key
nothing changes and nothing is asked (the "for me" cards are test_posters_app.py's)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from harness.fault_server import FaultServer
from harness.tmdb_server import V3_KEY, movie, poster_png, serve_film
from lbrec.app.page import RecommenderApp
from lbrec.app.sources import TYPED_TAB
from tests.helpers.posters import app_with, wait_for_posters

POSTER = (1, 180, 228)  # the stand-in's posters: one colour the picture to share has nowhere else


def ask(app: RecommenderApp, question: str) -> None:
    """Rank two typed titles for a typed history, or find films like Toy Story."""
    if question == "rank":
        app.sources.tabs.selected_index = TYPED_TAB
        app.sources.typed.value = "Heat (1995)\nAlien (1979)\nThe Matrix (1999)"
        app.panels["rank"].candidate_kind.value = "typed"
        app.panels["rank"].candidate_titles.value = "Fargo (1996)\nToy Story (1995)\nAliens (1986)"
    else:
        app.panels["similar"].seeds.value = "Toy Story (1995)"
    app.question.value = question
    app.go.click()
    assert app.message.value == ""


def poster_pixels_in_png(app: RecommenderApp, question: str) -> int:
    """How many pixels of the answer's PNG to share, drawn now as its link asks, have the posters' colour (within
    the palette's rounding)."""
    assert "lbrec-picture" in app.downloads.value
    png = app.picture()[f"lbrec-{question}.png"]
    picture = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int((np.abs(picture - POSTER).max(axis=-1) <= 12).sum())


@pytest.fixture
def served(ml_small_model_dir: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Each question's answer films (learned from an app without a key: nothing asked, nothing drawn), served by
    TMDb with half a second's delay; how many cards each answer has."""
    counts = {}
    for question in ("rank", "similar"):
        app = app_with(ml_small_model_dir, fault_server, monkeypatch, None)
        ask(app, question)
        assert app.poster_thread is None and "lbrec-poster" not in app.results.value
        assert poster_pixels_in_png(app, question) == 0
        for tmdb_id in [film.tmdbId for film in app.questions.answer.films if film.tmdbId is not None]:
            serve_film(fault_server, movie(tmdb_id, f"Film {tmdb_id}", 95), poster_png(POSTER), delay=0.5)
        counts[question] = len(app.questions.answer.films)
    assert fault_server.hits == []
    return counts


@pytest.mark.parametrize("question", ["rank", "similar"])
def test_the_answer_comes_first_then_posters_fill_its_cards_and_its_picture(
    ml_small_model_dir: Path,
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    served: dict[str, int],
    question: str,
) -> None:
    app = app_with(ml_small_model_dir, fault_server, monkeypatch, V3_KEY)
    ask(app, question)
    assert len(re.findall(r'class="lbrec-card[ "]', app.results.value)) == served[question] > 1
    assert "lbrec-poster" not in app.results.value and poster_pixels_in_png(app, question) == 0
    wait_for_posters(app)
    assert app.results.value.count('<img class="lbrec-poster" src="data:image/png;base64,') == served[question]
    assert app.results.value.count("1 h 35 min") == served[question] and app.posters_note.value == ""
    assert poster_pixels_in_png(app, question) > 1000 * served[question]


def test_a_late_fill_never_overwrites_a_newer_answer(
    ml_small_model_dir: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch, served: dict[str, int]
) -> None:
    app = app_with(ml_small_model_dir, fault_server, monkeypatch, V3_KEY)
    ask(app, "similar")
    app.question.value = "recommend"  # before TMDb answers
    wait_for_posters(app)
    assert app.results.value == "" and app.downloads.value == ""
