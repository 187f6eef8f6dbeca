"""Posters in the app's views, with a loopback server standing in for TMDb: without a key one line that says what a
key would add, and no request at all; with one, the cards come first and TMDb's posters, runtimes and synopses fill
them in; a refused key or an outage is one quiet line, never an error box (the client's own faults are in
test_tmdb.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.fault_server import FaultServer, Reply
from harness.tmdb_server import IMAGES, JSON, V3_KEY, movie, serve_film
from lbrec.app import screen
from lbrec.app.environment import load_engine
from lbrec.app.page import RecommenderApp
from lbrec.app.sources import TYPED_TAB
from lbrec.letterboxd.client import Client
from lbrec.serving.results import Recommendation
from lbrec.tmdb import ATTRIBUTION, KEY_REFUSED, TmdbClient
from lbrec.tmdb.environment import TMDB_IMAGE_URL_ENV, TMDB_KEY_ENV, TMDB_URL_ENV, tmdb_from_env
from tests.helpers.posters import app_with, wait_for_posters

TYPED = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"


def recommend(app: RecommenderApp) -> list[Recommendation]:
    app.sources.tabs.selected_index = TYPED_TAB
    app.sources.typed.value = TYPED
    app.go.click()
    assert app.message.value == ""
    return app.session.recommendations


@pytest.fixture
def films(ml_small_model_dir: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> list[Recommendation]:
    """The films the typed titles are recommended (learned from an app without a key), each served by TMDb with a
    second's delay."""
    recommendations = recommend(app_with(ml_small_model_dir, fault_server, monkeypatch, None))
    for rec in recommendations:
        serve_film(fault_server, movie(rec.tmdbId, rec.title, 125), delay=0.5)
    return recommendations


def test_without_a_key_one_line_says_what_a_key_adds_and_nothing_is_asked(
    ml_small_model_dir: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_with(ml_small_model_dir, fault_server, monkeypatch, None)
    assert app.tmdb is None and len(recommend(app)) == 10
    assert screen.POSTERS_HINT in app.posters_note.value and "lbrec-poster" not in app.results.value
    assert "where it streams in your country" in app.posters_note.value  # the country and services menus are hidden
    assert app.settings.country.layout.display == "none"
    assert ATTRIBUTION not in app.widget.children[-1].value
    assert app.poster_thread is None and fault_server.hits == []


def test_with_a_key_the_cards_come_first_and_the_posters_fill_them_in(
    ml_small_model_dir: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch, films: list[Recommendation]
) -> None:
    app = app_with(ml_small_model_dir, fault_server, monkeypatch, V3_KEY)
    assert ATTRIBUTION in app.widget.children[-1].value and app.posters_note.value == ""
    assert recommend(app) == films
    assert app.results.value.count('class="lbrec-card"') == 10 and "lbrec-poster" not in app.results.value
    wait_for_posters(app)
    assert app.results.value.count('<img class="lbrec-poster" src="data:image/png;base64,') == 10
    assert app.results.value.count("2 h 05 min") == 10 and "told in one line" in app.results.value
    assert app.message.value == "" and app.posters_note.value == ""


def cards_asked(server: FaultServer) -> int:
    """The cards' requests to TMDb (details and posters): the shelf of newer films asks TMDb for other things."""
    return sum(1 for hit in server.hits if "/recommendations" not in hit.path and "/discover" not in hit.path)


def test_a_second_view_of_the_same_films_costs_no_request(
    ml_small_model_dir: Path, fault_server: FaultServer, tmp_path: Path, films: list[Recommendation]
) -> None:
    def cached_app() -> RecommenderApp:
        tmdb = TmdbClient(
            V3_KEY, api_url=fault_server.url, image_url=fault_server.url + IMAGES, cache_dir=tmp_path / "tmdb"
        )
        return RecommenderApp(*load_engine(ml_small_model_dir), client=Client(cache=False), tmdb=tmdb)

    first = cached_app()
    recommend(first)
    wait_for_posters(first)
    asked = cards_asked(fault_server)
    assert asked == 20  # ten films' details and ten posters
    first.settings.k.value = 5  # the same input, fewer films: the first five again
    wait_for_posters(first)
    second = cached_app()  # another visitor's page
    recommend(second)
    wait_for_posters(second)
    assert second.results.value.count("lbrec-poster") == 10 and cards_asked(fault_server) == asked


def test_a_refused_key_is_one_line_and_then_no_more_requests(
    ml_small_model_dir: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch, films: list[Recommendation]
) -> None:
    for rec in films:
        fault_server.route(f"/3/movie/{rec.tmdbId}", Reply(401, b'{"status_code": 7}', JSON))
    app = app_with(ml_small_model_dir, fault_server, monkeypatch, "not-a-key")
    recommend(app)
    wait_for_posters(app)
    assert screen.POSTERS_REFUSED in app.posters_note.value and app.message.value == ""
    assert KEY_REFUSED not in app.posters_note.value  # the operator's instruction stays in the server's log
    assert app.results.value.count('class="lbrec-card"') == 10
    asked = cards_asked(fault_server)
    assert asked <= app.tmdb.max_in_flight  # those already in flight when the first 401 came
    app.settings.k.value = 15
    wait_for_posters(app)
    assert cards_asked(fault_server) == asked and screen.POSTERS_REFUSED in app.posters_note.value


def test_an_outage_leaves_text_cards_and_one_quiet_line(
    ml_small_model_dir: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch, films: list[Recommendation]
) -> None:
    for rec in films:
        fault_server.route(f"/3/movie/{rec.tmdbId}", Reply(503, b"<html>down</html>"))
    app = app_with(ml_small_model_dir, fault_server, monkeypatch, V3_KEY)
    recommend(app)
    wait_for_posters(app)
    assert app.posters_note.value == screen.posters_note(screen.POSTERS_MISSING) and app.message.value == ""
    assert app.results.value.count('class="lbrec-card"') == 10 and "lbrec-poster" not in app.results.value


def test_a_late_fill_never_overwrites_a_questions_answer(
    ml_small_model_dir: Path, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch, films: list[Recommendation]
) -> None:
    app = app_with(ml_small_model_dir, fault_server, monkeypatch, V3_KEY)
    recommend(app)
    app.question.value = "similar"  # before TMDb answers (each film takes half a second)
    wait_for_posters(app)
    assert app.results.value == ""


def test_tmdb_comes_from_the_environment_cached_only_for_tmdb_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TMDB_URL_ENV, raising=False)
    monkeypatch.delenv(TMDB_IMAGE_URL_ENV, raising=False)
    monkeypatch.setenv(TMDB_KEY_ENV, "  ")
    assert tmdb_from_env() is None
    monkeypatch.setenv(TMDB_KEY_ENV, V3_KEY)
    real = tmdb_from_env()
    assert real.api_url == "https://api.themoviedb.org" and real.cache_dir is not None and V3_KEY not in repr(real)
    monkeypatch.setenv(TMDB_URL_ENV, "http://127.0.0.1:9")
    assert tmdb_from_env().cache_dir is None
    monkeypatch.setenv(TMDB_URL_ENV, "https://api.themoviedb.org.evil.example")
    with pytest.raises(ValueError, match="only contacts TMDb"):
        tmdb_from_env()
