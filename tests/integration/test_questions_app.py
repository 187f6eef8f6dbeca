"""The question chooser in the kernel, as a browser drives it: pick a question, fill its inputs, click, and check
that the page shows the inputs it needs, the answer's cards and downloads, and each refusal in the error box."""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as widgets
import pytest

from harness.files import FIXTURES
from lbrec.app.environment import load_engine
from lbrec.app.page import RecommenderApp
from lbrec.app.questions.group import ORDER
from lbrec.app.sources import TYPED_TAB, UPLOAD_TAB
from lbrec.letterboxd.client import Client
from tests.helpers.files import export_zip

TYPED = "Heat (1995)\nAlien (1979)\nThe Matrix (1999)"


@pytest.fixture
def app(ml_small_model_dir: Path) -> RecommenderApp:
    return RecommenderApp(*load_engine(ml_small_model_dir), client=Client(cache=False))


def chosen(name: str, data: bytes) -> tuple[dict, ...]:
    return (
        {"name": name, "type": "", "size": len(data), "content": memoryview(data), "last_modified": datetime.now(UTC)},
    )


def ask(app: RecommenderApp, question: str) -> None:
    app.question.value = question
    app.go.click()


def typed_history(app: RecommenderApp, text: str = TYPED) -> None:
    app.sources.tabs.selected_index = TYPED_TAB
    app.sources.typed.value = text


def cards(app: RecommenderApp) -> list[str]:
    return re.findall(
        r'<div class="lbrec-card[ "].*?</div></div>(?=<div class="lbrec-card[ "]|</div>$)', app.results.value
    )


def downloads(app: RecommenderApp) -> dict[str, str | bytes]:
    found = re.findall(r'download="([^"]+)" href="data:([^;]+)(;charset=utf-8)?;base64,([^"]+)"', app.downloads.value)
    return {
        name: base64.b64decode(data).decode("utf-8") if text else base64.b64decode(data)
        for name, _, text, data in found
    }


def shown(widget: widgets.Widget) -> bool:
    return widget.layout.display != "none"


def test_the_chooser_shows_the_inputs_each_question_needs(app: RecommenderApp) -> None:
    assert [label for label, _ in app.question.options] == [
        "For me",
        "From my watchlist or a list",
        "Like this film",
        "Would I like…?",
        "Watch together",
    ]
    panels = app.panels
    assert panels.built == {}  # the page opens with "for me"'s widgets only: the others' come when chosen
    for question, history in {
        "recommend": True,
        "rank": True,
        "similar": False,
        "predict": True,
        "group": False,
    }.items():
        app.question.value = question
        assert shown(app.sources.tabs) == history
        shown_boxes = [panel.box for panel in panels.built.values() if shown(panel.box)]
        assert shown_boxes == ([] if question == "recommend" else [panels[question].box])
    assert app.go.description == "Recommend for the group"
    app.question.value = "recommend"
    assert app.go.description == "Recommend films"


def test_a_ranked_list_shows_percentiles_watched_films_and_downloads(app: RecommenderApp) -> None:
    typed_history(app)
    app.panels["rank"].candidate_kind.value = "list"
    assert shown(app.panels["rank"].list_upload) and not shown(app.panels["rank"].candidate_titles)
    app.panels["rank"].list_upload.value = chosen("list_friday.csv", (FIXTURES / "list_friday.csv").read_bytes())
    ask(app, "rank")
    ranking = app.questions.answer.films
    assert app.message.value == "" and len(cards(app)) == len(ranking) == 4
    assert "The list “Friday night”, best first for you" in app.results.value
    assert "Oppenheimer (2023): newer than this model's films (they end in 2018)" in html.unescape(app.results.value)
    for place, (film, card) in enumerate(zip(ranking, cards(app), strict=True), 1):
        assert f"#{place}</span>" in card and html.escape(film.title) in card and "% for you" in card
    rows = list(csv.reader(io.StringIO(downloads(app)["lbrec-rank-list.csv"])))
    assert [r[0] for r in rows[1:]] == [f.title for f in ranking] and "lbrec-rank.json" in downloads(app)
    assert "lbrec-picture" in app.downloads.value and app.picture()["lbrec-rank.png"].startswith(b"\x89PNG")
    app.panels["rank"].candidate_kind.value = "typed"
    app.panels["rank"].candidate_titles.value = "Fargo (1996)\nHeat (1995)"
    app.go.click()
    (heat,) = [card for card in cards(app) if ">Heat</a>" in card]
    assert "✓ watched" in heat and "lbrec-watched" in heat


def test_rank_refusals_are_shown_and_clear_the_answer(app: RecommenderApp) -> None:
    typed_history(app)
    app.panels["rank"].candidate_kind.value = "typed"
    app.panels["rank"].candidate_titles.value = "Fargo (1996)"
    ask(app, "rank")
    assert len(cards(app)) == 1
    app.panels["rank"].candidate_kind.value = "watchlist"
    app.go.click()
    assert "Typed titles carry no watchlist" in app.message.value and "lbrec-error" in app.message.value
    assert app.results.value == "" and app.downloads.value == "" and app.sources.typed.value == TYPED
    app.sources.tabs.selected_index = UPLOAD_TAB
    app.sources.upload.value = chosen("letterboxd-lbrectest.zip", export_zip())
    app.go.click()
    assert app.message.value == "" and len(cards(app)) == 2  # the export's watchlist


def test_would_i_like_it_shows_rank_verdict_and_the_films_that_raise_it(app: RecommenderApp) -> None:
    typed_history(app)
    app.panels["predict"].asked.value = "Aliens (1986)\nhttps://letterboxd.com/film/heat-1995/"
    ask(app, "predict")
    aliens, heat = app.questions.answer.films
    page = html.unescape(app.results.value)
    assert f"#{aliens.rank:,} of the {aliens.of:,} films you have not seen" in page and "Most raised by" in page
    assert aliens.verdict in page and cards(app)[0].count("%") == 1  # one share per film: the verdict's
    assert heat.watched and "already watched" in cards(app)[1] and "Most raised by" not in cards(app)[1]
    app.panels["predict"].asked.value = "Solaris"
    app.go.click()
    assert "did you mean: Solaris (2002); Solaris (1972)?" in html.unescape(app.message.value)
    assert app.results.value == ""


def test_like_this_film_needs_no_history(app: RecommenderApp) -> None:
    app.panels["similar"].seeds.value = "Toy Story (1995)"
    app.settings.k.value = 5
    ask(app, "similar")
    assert app.message.value == "" and len(cards(app)) == 5
    assert all("Like <b>Toy Story (1995)</b>" in card for card in cards(app))
    assert list(downloads(app)) == ["lbrec-similar.json"] and list(app.picture()) == ["lbrec-similar.png"]


def test_watch_together_adds_and_removes_people_and_names_a_failing_one(app: RecommenderApp) -> None:
    group = app.panels["group"]
    first, second = group.rows
    first.upload.value = chosen("letterboxd-ana.zip", export_zip())
    first.kind.value = "upload"
    assert shown(first.upload) and not shown(first.username)
    second.name.value, second.kind.value, second.typed.value = "Bo", "typed", "Alien (1979); Aliens (1986)"
    ask(app, "group")
    assert app.message.value == "" and len(cards(app)) == 10
    assert all("letterboxd-ana.zip: top" in card and "Bo: top" in card for card in cards(app))
    assert ORDER in html.unescape(app.results.value) and "group fit" not in app.results.value  # the order said
    for _ in range(4):
        group.add.click()
    assert len(group.members.children) == 6
    group.add.click()
    assert "A group has at most 6 members" in app.message.value and len(group.rows) == 6
    for row in group.rows[2:]:
        row.remove.click()
    second.typed.value = ""
    app.go.click()
    assert "Member 2 (Bo): type a few films you love first" in app.message.value and app.results.value == ""
    second.remove.click()
    app.go.click()
    assert "A group has 2 to 6 members, not 1" in app.message.value and group.rows == [first]


def test_list_names_member_names_and_queries_are_shown_escaped(app: RecommenderApp) -> None:
    typed_history(app)
    app.panels["rank"].candidate_kind.value = "list"
    listed = (FIXTURES / "list_friday.csv").read_text().replace("Friday night", "<script>alert(1)</script>")
    app.panels["rank"].list_upload.value = chosen("list.csv", listed.encode())
    ask(app, "rank")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in app.results.value and "<script" not in app.results.value
    first, second = app.panels["group"].rows
    for row, name in ((first, '<img src=x onerror="x()">'), (second, "Bo")):
        row.name.value, row.kind.value, row.typed.value = name, "typed", "Alien (1979)"
    ask(app, "group")
    assert "&lt;img src=x onerror=&quot;x()&quot;&gt;: top" in app.results.value and "<img" not in app.results.value
