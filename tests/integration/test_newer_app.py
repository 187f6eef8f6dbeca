"""Films of every year in the app: with a TMDb key (a loopback TMDb), the model's cards come at once and a shelf of
films the model does not know follows in a thread, above them, each card saying why it is there and where it came
from; TMDb's faults leave the model's cards as they are, with one line; without a key, one line says what a key
would add."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pytest

from harness.tmdb_server import DOWN, V3_KEY, LoopbackTmdb, catalog_rows
from lbrec.app.markup import escape
from lbrec.app.page import RecommenderApp
from lbrec.app.questions.recommend import understood_lists
from lbrec.app.session import SKIP
from lbrec.serving.results import MODEL, TMDB
from tests.helpers.app_views import cards, typed, upload
from tests.helpers.files import export_zip
from tests.helpers.posters import app_with
from tests.helpers.tmdb_films import FILMS, HAMNET, SECRET_AGENT

TITLES = "Heat (1995)\nAlien (1979)\nAnora (2024)\nSirāt (2025)"
SHELF_PATHS = ("/3/search/", "/3/find/", "/3/discover/")


@pytest.fixture
def tmdb() -> Iterator[LoopbackTmdb]:
    with LoopbackTmdb(FILMS) as server:
        yield server


def shelf_done(app: RecommenderApp) -> str:
    thread = app.screen.shelf_thread
    if thread is not None:
        thread.join(30)
        assert not thread.is_alive()
    return app.shelf.value


def test_the_shelf_of_films_the_model_does_not_know_follows_the_model_s_cards(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typed(app_with(ml_small_model_dir, tmdb.server, monkeypatch, V3_KEY), TITLES)
    assert len(cards(app)) == 10 and app.message.value == ""  # the model's, without waiting for TMDb
    assert all(escape(f"From {MODEL}") in card for card in cards(app))  # each saying where it came from
    shelf = shelf_done(app)
    assert "Films this model does not know" in shelf and "The Secret Agent" in shelf
    assert escape("newer than this model's films") in shelf
    assert shelf.count('class="lbrec-card') >= 3 and "Because you liked" in shelf
    assert escape(f"From {TMDB}") in shelf
    assert 'data-movie-id="None"' not in shelf  # no mark button a click could not carry: a TMDb id, and its title
    assert f'data-tmdb-id="{SECRET_AGENT}" data-title="The Secret Agent (2025)" data-mark="not_for_me"' in shelf
    assert app.session.shelf is not None and {f.title for f in app.session.shelf.films} >= {"The Secret Agent"}
    assert "TMDb read 2 of your 2 films this model lacks: Sirāt (2025), Anora (2024)" in shelf
    # in the same thread, the shelf's posters: each card shows its own
    assert shelf.count('class="lbrec-poster"') == len(app.session.shelf.films)
    assert f'alt="Poster of {escape(app.session.shelf.films[0].title)}"' in shelf


def test_tmdb_down_leaves_the_model_s_cards_and_says_so(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = cards(typed(app_with(ml_small_model_dir, tmdb.server, monkeypatch, None), TITLES))
    tmdb.fail(DOWN)
    app = typed(app_with(ml_small_model_dir, tmdb.server, monkeypatch, V3_KEY), TITLES)
    assert [c.split("lbrec-title-link")[1][:80] for c in cards(app)] == [
        c.split("lbrec-title-link")[1][:80] for c in before
    ]
    assert "TMDb did not answer" in shelf_done(app) and app.message.value == ""


def test_without_a_key_one_line_says_what_a_key_adds(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typed(app_with(ml_small_model_dir, tmdb.server, monkeypatch, None), TITLES)
    assert "2 of your films are newer than this model" in app.shelf.value and "TMDb key" in app.shelf.value
    assert not tmdb.hits  # nothing is asked of TMDb without a key


def test_a_film_tmdb_has_two_candidates_for_is_picked_and_the_newer_films_follow(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typed(
        app_with(ml_small_model_dir, tmdb.server, monkeypatch, V3_KEY), "Heat (1995)\nAlien (1979)\nHome (2024)"
    )
    assert "TMDb read 0 of your 1 films this model lacks" in shelf_done(app)  # two films called Home, of 2024
    picks = [child for child in app.tmdb_picks.children if isinstance(child, widgets.HBox)]
    assert len(picks) == 1 and picks[0].children[0].value == "Home (2024)"
    pick = picks[0].children[1]
    assert [value for _, value in pick.options] == [SKIP, 500001, 500002] and pick.value == SKIP
    cards_before = cards(app)
    pick.value = 500002  # the documentary
    shelf = shelf_done(app)
    assert "TMDb read 1 of your 1 films this model lacks: Home (2024)" in shelf
    assert app.session.shelf is not None and app.session.shelf.lookup.tmdb_ids == {500002}
    assert cards(app) == cards_before  # the model's films stay as they were
    picks = [child for child in app.tmdb_picks.children if isinstance(child, widgets.HBox)]
    assert picks[0].children[1].value == 500002  # the pick is shown as made


def test_a_newer_film_is_never_offered_the_catalog_s_far_off_candidates(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the catalog offers an undated Paterson for Aftersun (2022) and an undated Moonlight for Moonlight (2016)
    app = typed(
        app_with(ml_small_model_dir, tmdb.server, monkeypatch, None), "Heat (1995)\nAftersun (2022)\nMoonlight (2016)"
    )
    understood = app.session.understood()
    assert [label for label, _ in understood.uncertain] == ["Moonlight (2016)"]  # it may be the undated one: a pick
    assert ("Aftersun (2022)", "newer than this model's films (they end in 2018)") in understood.missing
    assert "Paterson" not in understood_lists(understood) + app.results.value
    line = escape("1 of your films is newer than this model's films (up to 2018): with a TMDb key, lbrec reads it too")
    assert line in app.shelf.value


def test_the_other_questions_show_films_the_model_does_not_know(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_with(ml_small_model_dir, tmdb.server, monkeypatch, V3_KEY)
    app.question.value = "similar"
    app.panels["similar"].seeds.value = "Sirāt (2025)"
    app.go.click()
    assert app.message.value == "" and "Films this model does not know" in app.results.value
    assert "Films like Sirāt (2025)" in app.results.value and "lbrec-newer" in app.results.value
    app.question.value = "predict"
    app.panels["predict"].asked.value = "Anora (2024)"
    app.sources.tabs.selected_index = 2
    app.sources.typed.value = "Heat (1995)\nSirāt (2025)"
    app.go.click()
    assert app.message.value == "" and "Anora" in app.results.value and "for you" in app.results.value


def test_a_mark_keeps_the_shelf_without_asking_tmdb_again(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typed(app_with(ml_small_model_dir, tmdb.server, monkeypatch, V3_KEY), TITLES)
    shelf = shelf_done(app)

    def shelf_asked() -> int:  # what the shelf asks TMDb (a card's poster is the cards' own request)
        return sum(1 for hit in tmdb.hits if "/recommendations" in hit.path or hit.path.startswith(SHELF_PATHS))

    asked = shelf_asked()
    first = app.session.recommendations[0].movieId
    app._on_memory({"type": "mark", "movieId": first, "mark": "not_for_me"})
    assert first not in [r.movieId for r in app.session.recommendations]
    assert app.shelf.value == shelf and shelf_asked() == asked  # the same newer films, not asked again


def test_a_newer_film_marked_leaves_the_shelf_at_once_and_every_question_after(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typed(app_with(ml_small_model_dir, tmdb.server, monkeypatch, V3_KEY), TITLES)
    shelf_done(app)

    def shelf_ids() -> list[int]:
        return [f.tmdbId for f in app.session.shelf.films]

    def shelf_asked() -> int:
        return sum(1 for hit in tmdb.hits if "/recommendations" in hit.path or hit.path.startswith(SHELF_PATHS))

    before, asked = shelf_ids(), shelf_asked()
    assert SECRET_AGENT in before and HAMNET in before and len(before) == 10
    app._on_memory({"type": "mark", "tmdbId": SECRET_AGENT, "title": "The Secret Agent (2025)", "mark": "not_for_me"})
    assert SECRET_AGENT not in shelf_ids() and len(shelf_ids()) == 10  # the next of what TMDb offered takes its place
    assert "The Secret Agent" not in app.shelf.value and shelf_asked() == asked and app.message.value == ""
    assert app.memory.memory["marks"] == [
        {"tmdbId": SECRET_AGENT, "mark": "not_for_me", "title": "The Secret Agent (2025)"}
    ]
    assert app.memory.listed == [{"tmdbId": SECRET_AGENT, "title": "The Secret Agent (2025)", "mark": "not_for_me"}]
    app._on_memory({"type": "undo", "tmdbId": SECRET_AGENT})  # the list's Undo: back on the shelf
    assert shelf_ids() == before and app.memory.memory["marks"] == [] and shelf_asked() == asked
    app._on_memory({"type": "mark", "tmdbId": SECRET_AGENT, "title": "The Secret Agent (2025)", "mark": "not_for_me"})
    app._on_memory({"type": "mark", "tmdbId": HAMNET, "title": "Hamnet (2025)", "mark": "seen"})
    assert not {SECRET_AGENT, HAMNET} & set(shelf_ids())

    app.question.value = "similar"  # another question: its shelf leaves them out too
    app.panels["similar"].seeds.value = "Sirāt (2025)"
    app.go.click()
    assert app.message.value == "" and app.questions.answer.shelf.films
    assert not {SECRET_AGENT, HAMNET} & {f.tmdbId for f in app.questions.answer.shelf.films}
    app.question.value = "group"
    members = ("Heat (1995); Anora (2024)", "Alien (1979); Sirāt (2025)")
    for row, titles in zip(app.panels["group"].rows, members, strict=True):
        row.kind.value, row.typed.value = "typed", titles
    app.go.click()
    assert app.message.value == "" and app.questions.answer.shelf.films
    assert not {SECRET_AGENT, HAMNET} & {f.tmdbId for f in app.questions.answer.shelf.films}
    app.question.value = "predict"  # asked about by name: placed, and said to be marked
    app.panels["predict"].asked.value = "The Secret Agent (2025)\nHamnet (2025)"
    app.sources.tabs.selected_index = 2
    app.sources.typed.value = TITLES
    app.go.click()
    verdicts = {f.tmdbId: (f.verdict, f.watched) for f in app.questions.answer.films}
    assert verdicts[SECRET_AGENT][0] == "you marked it “not for me”" and verdicts[HAMNET] == ("already watched", True)


def joined(*threads: object) -> None:
    for thread in threads:
        if thread is not None:
            thread.join(60)
            assert not thread.is_alive()


def test_the_other_choices_of_films_are_asked_ahead_so_a_change_shows_at_once(
    ml_small_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackTmdb(catalog_rows(ml_small_model_dir)) as tmdb:  # a TMDb that knows every film of the model
        app = app_with(ml_small_model_dir, tmdb.server, monkeypatch, V3_KEY)
        upload(app, export_zip())
        app.go.click()
        screen = app.screen
        joined(screen.poster_thread, screen.shelf_thread, screen.ahead_thread)
        first, asked = app.session.answer, len(tmdb.hits)
        assert first is not None and screen.ahead_thread is not None and asked > 0
        choices = [value for _, value in app.settings.choice.options if value != app.settings.choice.value]
        shown = []
        for choice in choices:
            app.settings.choice.value = choice
            if app.message.value:  # a choice this export refuses
                continue
            # at once: every card with its poster, the shelf's films from what TMDb already answered
            assert len(cards(app)) == 10 and all('class="lbrec-poster"' in card for card in cards(app)), choice
            joined(screen.poster_thread, screen.shelf_thread, screen.ahead_thread)
            shown.append(choice)
        assert len(shown) >= 3 and app.session.answer is not first
        assert len(tmdb.hits) == asked  # nothing asked of TMDb after the look ahead: every change was answered


def test_a_slow_shelf_says_it_is_coming_and_one_asked_again_replaces_the_last_without_a_flicker(
    ml_small_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackTmdb(FILMS, latency=0.5) as tmdb:  # slower than the line's delay
        app = app_with(ml_small_model_dir, tmdb.server, monkeypatch, V3_KEY)
        values: list[str] = []
        app.shelf.observe(lambda change: values.append(change["new"]), "value")
        typed(app, TITLES)
        first = shelf_done(app)
        assert any("Asking TMDb for newer films" in value for value in values) and "The Secret Agent" in first
        joined(app.screen.poster_thread, app.screen.ahead_thread)
        values.clear()
        answer = app.session.answer
        app.settings.exclude_watchlist.value = not app.settings.exclude_watchlist.value  # asked again: kept answers
        again = shelf_done(app)
        assert app.session.answer is not answer and "The Secret Agent" in again
        # the last shelf stayed until this one came: never the coming line, never an empty shelf between
        assert all("The Secret Agent" in value for value in values), values
