"""The app's views in the kernel, as a browser drives them: set widget values, click, and check that the widgets
show the session's data (the session itself is tested in test_session.py; the page in tests/browser)."""

from __future__ import annotations

import html
import io
import logging
import subprocess
import sys
import zipfile
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest
from PIL import Image

from harness.files import REPO
from lbrec.app.environment import LETTERBOXD_URL_ENV, client_from_env, load_engine
from lbrec.app.page import RecommenderApp, main
from lbrec.app.session import SKIP
from lbrec.app.settings import POPULARITY
from lbrec.app.sources import TYPED_TAB, UPLOAD_TAB, USERNAME_TAB
from lbrec.letterboxd.client import Client
from lbrec.serving.results import Recommendation
from tests.helpers.app_views import cards, downloads, typed, upload
from tests.helpers.files import export_zip


@pytest.fixture
def app(ml_small_model_dir: Path) -> RecommenderApp:
    return RecommenderApp(*load_engine(ml_small_model_dir), client=Client(cache=False))


def shown(*values: str) -> str:
    """What the page shows: the HTML values with their entities decoded (quotes are escaped in the widgets)."""
    return html.unescape("".join(values))


def pickers(app: RecommenderApp) -> list[widgets.Dropdown]:
    return [row.children[1] for row in app.understood.children if isinstance(row, widgets.HBox)]


# ---------------------------------------------------------------------------------------------------- serving


def test_importing_and_running_the_app_never_imports_torch(ml_small_model_dir: Path) -> None:
    code = (
        "import sys; from lbrec.app.page import RecommenderApp; from lbrec.app.environment import load_engine; "
        f"app = RecommenderApp(*load_engine({str(ml_small_model_dir)!r})); "
        "app.sources.tabs.selected_index = 2; app.sources.typed.value = 'Heat (1995)'; app.go.click(); "
        "assert len(app.session.recommendations) == 10, app.message.value; "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_engine_loads_once_per_process(ml_small_model_dir: Path) -> None:
    assert load_engine(ml_small_model_dir)[0] is load_engine(str(ml_small_model_dir) + "/")[0]


def test_main_explains_a_missing_model_and_refuses_other_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LBREC_MODEL", str(tmp_path / "nothing"))
    page = main()
    assert "The app cannot start" in page.value and "make app" in page.value
    assert client_from_env().base_url == "https://letterboxd.com"
    monkeypatch.setenv(LETTERBOXD_URL_ENV, "http://127.0.0.1:9")
    assert client_from_env().base_url == "http://127.0.0.1:9" and client_from_env().cache_dir is None
    monkeypatch.setenv(LETTERBOXD_URL_ENV, "https://letterboxd.com.evil.example")
    with pytest.raises(ValueError, match="only contacts"):
        client_from_env()


def test_the_notebook_is_committed_without_outputs_and_holds_no_logic() -> None:
    notebook = nbformat.read(REPO / "notebooks" / "05_recommend.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == 1 and not code[0].outputs and code[0].execution_count is None
    statements = [line for line in code[0].source.splitlines() if line.strip() and not line.startswith("#")]
    assert statements == ["from lbrec.app.page import main", "main()"]


# ---------------------------------------------------------------------------------------------------- the views


def test_a_click_shows_the_sessions_results(app: RecommenderApp) -> None:
    typed(app)
    session = app.session
    assert app.message.value == "" and app.status.value == "" and not app.go.disabled
    assert "3 films from the titles you typed" in app.understood_summary.value
    assert "✓ 3 matched" in app.understood_summary.value and app.understood.layout.display == "flex"
    assert len(cards(app)) == len(session.recommendations) == 10
    for rec, card in zip(session.recommendations, cards(app), strict=True):
        assert html.escape(rec.title) in card and f'href="{rec.links["letterboxd"]}"' in card
        assert "https://www.themoviedb.org/movie/" in card and "https://www.imdb.com/title/tt" in card
    assert downloads(app) == session.downloads()
    assert bytes(app.taste.value).startswith(b"\x89PNG") and app.taste_box.layout.display == "flex"


def test_the_picture_to_share_is_drawn_when_its_link_asks_and_sent_to_the_browser(
    app: RecommenderApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed(app)
    assert "lbrec-picture" in app.downloads.value and "image/png" not in app.downloads.value  # not with every answer
    sent: list[tuple[object, list[bytes]]] = []
    monkeypatch.setattr(app.memory, "send", lambda content, buffers=None: sent.append((content, buffers)))
    app._on_memory({"type": "picture"})
    [(content, [png])] = sent
    assert content == {"type": "picture", "name": "lbrec.png"} and png == app.session.picture()["lbrec.png"]
    assert Image.open(io.BytesIO(png)).size == (1200, 1500) and app.message.value == ""


def test_options_apply_at_once_to_the_same_input_only(app: RecommenderApp) -> None:
    typed(app)
    app.settings.k.value = 20
    assert app.session.options.k == 20 and len(cards(app)) == 20
    app.settings.include.value = ["Horror"]
    assert all("Horror" in r.genres for r in app.session.recommendations) and cards(app)
    app.settings.popularity.value = "Mainstream"
    assert app.session.options.popularity == POPULARITY["Mainstream"] and cards(app)
    app.settings.exclude.value = ["Horror"]
    assert "cannot be both wanted and excluded" in app.message.value and app.results.value == ""
    app.settings.exclude.value = []
    app.settings.include.value = ["Documentary", "Western"]
    app.settings.years.value = (1902, 1905)
    assert app.session.recommendations == [] and "No film passes these options" in app.results.value
    assert app.downloads.value == "" and app.taste_box.layout.display == "none"
    history = app.session.history
    app.sources.typed.value = "Alien (1979)"  # a new input: options wait for the button
    app.settings.include.value = []
    app.settings.years.value = app.settings.years.min, app.settings.years.max
    app.settings.popularity.value = "Anything"
    assert app.session.history is history and "No film passes these options" in app.results.value
    app.go.click()
    assert [f.title for f in app.session.history.films] == ["Alien"] and len(cards(app)) == 20


def test_a_pick_among_candidates_updates_the_results(app: RecommenderApp) -> None:
    typed(app, "Heat (1995)\nSolaris")
    (pick,) = pickers(app)
    assert pick.value == SKIP and "? 1 to confirm" in app.understood_summary.value
    candidates = [value for _, value in pick.options if value != SKIP]
    pick.value = candidates[0]
    assert app.session.confirmed == {"Solaris": candidates[0]} and candidates[0] in app.session.matched.positives
    assert "✓ 2 matched" in app.understood_summary.value and len(cards(app)) == 10
    assert app.status.value == "" and not app.go.disabled


def test_typed_titles_disable_the_choice_of_films(app: RecommenderApp) -> None:
    app.sources.tabs.selected_index = TYPED_TAB
    assert app.settings.choice.disabled
    app.sources.tabs.selected_index = USERNAME_TAB
    assert not app.settings.choice.disabled
    assert [value for _, value in app.settings.choice.options] == [
        "auto",
        "recent",
        "all",
        "5",
        "4",
        "3",
        "rated",
        "liked",
    ]
    assert app.settings.choice.value == "auto"  # what was measured best for every input


def test_errors_are_shown_in_a_box_and_the_spinner_never_stays(app: RecommenderApp) -> None:
    typed(app)
    typed(app, "")
    assert "Type a few films you love first" in app.message.value and "lbrec-error" in app.message.value
    assert app.results.value == "" and app.understood.layout.display == "none" and app.downloads.value == ""
    app.sources.tabs.selected_index = UPLOAD_TAB
    app.go.click()
    assert "Choose your Letterboxd export ZIP first" in app.message.value
    typed(app, "Zzzqqx Vvbnm (1990)")
    assert "None of your films could be used" in app.message.value and app.results.value == ""
    understood = shown(*(getattr(w, "value", "") for w in app.understood.children))
    assert "Films the model does not know (1)" in understood and "Zzzqqx Vvbnm (1990): not in its catalog" in understood
    assert "MovieLens" not in understood
    assert not app.go.disabled and app.status.value == ""


def test_an_upload_is_announced_and_recommended_from(app: RecommenderApp) -> None:
    upload(app, export_zip())
    assert "letterboxd-lbrectest-2026-11-25-08-00-utc.zip" in app.sources.upload_info.value
    app.settings.choice.value = "4"
    app.go.click()
    assert (
        app.message.value == "" and len(cards(app)) == 10 and "films from your export" in app.understood_summary.value
    )
    assert app.session.matched.watchlist and app.session.options.exclude_watchlist
    app.settings.exclude_watchlist.value = False  # applies at once, from the same upload
    assert not app.session.options.exclude_watchlist and len(cards(app)) == 10
    upload(app, b"GIF89a not a zip", "holiday.gif")
    app.go.click()
    assert (
        "holiday.gif is neither a Letterboxd export ZIP nor an IMDb ratings CSV" in shown(app.message.value)
        and app.results.value == ""
    )


BULK = [  # logged on one day, as an import of a whole history: their dates give no order
    ("Heat", 1995), ("Alien", 1979), ("The Matrix", 1999), ("Fargo", 1996), ("Toy Story", 1995), ("Aliens", 1986),
    ("Jurassic Park", 1993), ("Titanic", 1997), ("Forrest Gump", 1994), ("Pulp Fiction", 1994), ("Memento", 2000),
    ("Gladiator", 2000),
]  # fmt: skip


def test_after_a_refused_choice_another_choice_answers_at_once(app: RecommenderApp) -> None:
    rows = "".join(f"2024-05-01,{title},{year},https://boxd.it/b{i},4.5\n" for i, (title, year) in enumerate(BULK))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n" + rows)
    upload(app, buffer.getvalue())
    app.go.click()
    assert app.message.value == "" and len(cards(app)) == 10
    app.settings.choice.value = "recent"  # refused: the dates of a bulk import give no order
    assert "logged in bulk" in app.message.value and app.results.value == ""
    app.settings.choice.value = "4"  # a small change after a refusal counts too: no second click needed
    assert app.message.value == "" and len(cards(app)) == 10 and app.session.options.choice == "4"


def test_what_users_type_is_shown_escaped(app: RecommenderApp) -> None:
    typed(app, 'Heat (1995)\n<img src=x onerror="alert(1)">\n<script>alert(2)</script> (1999)')
    page = "".join(getattr(w, "value", "") for w in app.understood.children) + app.message.value
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page and "&lt;script&gt;" in page
    assert "<img" not in page and "<script" not in page
    app.sources.tabs.selected_index = USERNAME_TAB
    app.sources.username.value = '<b onmouseover="x()">me</b>'
    app.go.click()
    assert "is not a Letterboxd" in shown(app.message.value) and "<b " not in app.message.value


def test_unexpected_errors_are_shown_and_logged_never_dropped(
    app: RecommenderApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> list[Recommendation]:
        raise RuntimeError("onnxruntime fell over")

    monkeypatch.setattr(app.session.engine, "recommend", broken)
    with caplog.at_level(logging.INFO, logger="lbrec.app"):
        typed(app)
    assert "Something went wrong on our side (RuntimeError)" in app.message.value
    assert "onnxruntime fell over" not in app.message.value  # internals stay in the log
    assert any("onnxruntime fell over" in (r.exc_text or "") for r in caplog.records)
    assert not app.go.disabled and app.status.value == "" and app.results.value == ""


def test_the_binder_environment_mirrors_pyproject() -> None:
    import tomllib

    import yaml

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [
        d for d in project["optional-dependencies"]["train"] if not d.startswith("torch")
    ]  # torch comes from conda-forge, CPU only
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert sorted(pip) == sorted(wanted)
    assert "conda-forge" in environment["channels"] and "python=3.11" in environment["dependencies"]
    assert any(str(d).startswith("pytorch-cpu") for d in environment["dependencies"])
