"""lbrec.app driven in the kernel, as a browser would drive it: set widget values, click, read the widgets back.

The model has random weights over the real ml-latest-small catalog (`ml_small_model_dir`): the tests check the
flow, the messages and the downloads, not the quality of the recommendations.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import logging
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

from fault_server import FaultServer, Reply
from lbrec import app as lbapp
from lbrec.app import RecommenderApp, letterboxd_csv, load_engine
from lbrec.cli import main as cli_main
from lbrec.recommend import Recommendation
from lbrec.web import Client
from test_letterboxd import export_zip

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "letterboxd"
TYPED = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"
CLOUDFLARE = {"Server": "cloudflare", "cf-ray": "8f0a1b2c3d4e5f60-AMS", "cf-mitigated": "challenge"}

pytestmark = pytest.mark.integration


@pytest.fixture
def app(ml_small_model_dir: Path) -> RecommenderApp:
    return RecommenderApp(*load_engine(ml_small_model_dir), client=Client(cache=False))


def typed(app: RecommenderApp, text: str = TYPED) -> RecommenderApp:
    app.tabs.selected_index = lbapp.TYPED_TAB
    app.typed.value = text
    app.go.click()
    return app


def upload(app: RecommenderApp, data: bytes, name: str = "letterboxd-lbrectest-2026-11-25-08-00-utc.zip") -> None:
    app.tabs.selected_index = lbapp.UPLOAD_TAB
    app.upload.value = ({"name": name, "type": "application/zip", "size": len(data), "content": memoryview(data),
                         "last_modified": datetime.now(UTC)},)


def shown(*values: str) -> str:
    """What the page shows: the HTML values with their entities decoded (quotes are escaped in the widgets)."""
    return html.unescape("".join(values))


def downloads(app: RecommenderApp) -> dict[str, str]:
    """The files behind the download links, by file name."""
    found = re.findall(r'download="([^"]+)" href="data:[^;]+;charset=utf-8;base64,([^"]+)"', app.downloads.value)
    return {name: base64.b64decode(data).decode("utf-8") for name, data in found}


def cards(app: RecommenderApp) -> list[str]:
    return re.findall(r'<div class="lbrec-card".*?</div></div>(?=<div class="lbrec-card"|</div>$)',
                      app.results.value)


# ---------------------------------------------------------------------------------------------------- serving


def test_importing_and_running_the_app_never_imports_torch(ml_small_model_dir: Path) -> None:
    code = ("import sys; from lbrec.app import RecommenderApp, load_engine; "
            f"app = RecommenderApp(*load_engine({str(ml_small_model_dir)!r})); "
            "app.tabs.selected_index = 2; app.typed.value = 'Heat (1995)'; app.go.click(); "
            "assert len(app.recommendations) == 10, app.message.value; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_engine_loads_once_per_process(ml_small_model_dir: Path) -> None:
    assert load_engine(ml_small_model_dir)[0] is load_engine(str(ml_small_model_dir) + "/")[0]


def test_main_explains_a_missing_model_and_refuses_other_hosts(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LBREC_MODEL", str(tmp_path / "nothing"))
    page = lbapp.main()
    assert "The app cannot start" in page.value and "make app" in page.value
    assert lbapp.client_from_env().base_url == "https://letterboxd.com"
    monkeypatch.setenv(lbapp.LETTERBOXD_URL_ENV, "http://127.0.0.1:9")
    assert lbapp.client_from_env().base_url == "http://127.0.0.1:9" and lbapp.client_from_env().cache_dir is None
    monkeypatch.setenv(lbapp.LETTERBOXD_URL_ENV, "https://letterboxd.com.evil.example")
    with pytest.raises(ValueError, match="only contacts"):
        lbapp.client_from_env()


def test_the_notebook_is_committed_without_outputs_and_holds_no_logic() -> None:
    notebook = nbformat.read(REPO / "notebooks" / "05_recommend.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == 1 and not code[0].outputs and code[0].execution_count is None
    statements = [line for line in code[0].source.splitlines() if line.strip() and not line.startswith("#")]
    assert statements == ["from lbrec.app import main", "main()"]


# ---------------------------------------------------------------------------------------------------- typed titles


def test_typed_titles_give_cards_with_links_and_downloads(app: RecommenderApp) -> None:
    typed(app)
    assert app.message.value == ""
    assert "3 films from the titles you typed" in app.understood_summary.value
    assert "✓ 3 matched" in app.understood_summary.value
    assert len(app.recommendations) == 10 and len(cards(app)) == 10
    for rec, card in zip(app.recommendations, cards(app), strict=True):
        assert html.escape(rec.title) in card
        assert f'href="https://letterboxd.com/tmdb/{rec.tmdbId}/"' in card
        assert "https://www.themoviedb.org/movie/" in card and "https://www.imdb.com/title/tt" in card
    assert bytes(app.taste.value).startswith(b"\x89PNG") and app.taste_box.layout.display == "flex"
    files = downloads(app)
    rows = list(csv.reader(io.StringIO(files["lbrec-list.csv"])))
    assert rows[0] == ["Title", "Year", "tmdbID"] and len(rows) == 11
    assert [int(r[2]) for r in rows[1:]] == [rec.tmdbId for rec in app.recommendations]
    assert json.loads(files["lbrec.json"])["recommendations"][0]["movieId"] == app.recommendations[0].movieId


def test_the_json_download_is_what_the_cli_prints(app: RecommenderApp, ml_small_model_dir: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    typed(app, "Heat (1995); Solaris; Parasite (2019); The Matrix (1999)")
    capsys.readouterr()
    assert cli_main(["recommend", "--model", str(ml_small_model_dir), "--json", "--titles",
                     "Heat (1995); Solaris; Parasite (2019); The Matrix (1999)"]) == 0
    assert json.loads(downloads(app)["lbrec.json"]) == json.loads(capsys.readouterr().out)


def test_uncertain_matches_offer_candidates_and_a_pick_updates_the_results(app: RecommenderApp) -> None:
    typed(app, "Heat (1995)\nSolaris")
    picks = [row.children[1] for row in app.understood.children if hasattr(row, "children") and row.children
             and isinstance(row.children[-1], lbapp.widgets.Dropdown)]
    assert len(picks) == 1 and picks[0].value == lbapp.SKIP
    assert "? 1 to confirm" in app.understood_summary.value
    candidates = [value for label, value in picks[0].options if value != lbapp.SKIP]
    assert len(candidates) >= 2  # Solaris (1972) and Solaris (2002)
    before = list(app.matched.positives)
    picks[0].value = candidates[0]
    assert app.matched.positives == [*before, candidates[0]]
    assert app.status.value == "" and not app.go.disabled
    assert "✓ 2 matched" in app.understood_summary.value
    assert candidates[0] not in [r.movieId for r in app.recommendations]  # a film you saw is never recommended
    typed(app, "Heat (1995)\nSolaris")  # the pick is kept for the same film
    assert app.matched.positives == [*before, candidates[0]]


def test_not_found_films_say_why(app: RecommenderApp) -> None:
    typed(app, "Heat (1995)\nPast Lives (2023)")
    understood = "".join(getattr(w, "value", "") for w in app.understood.children)
    assert "Not found in MovieLens (1)" in understood
    assert "Past Lives (2023)" in understood and "catalog ends in 2018" in understood


def test_options_apply_at_once_to_the_results(app: RecommenderApp) -> None:
    typed(app)
    app.k.value = 20
    assert len(app.recommendations) == 20 and len(cards(app)) == 20
    app.include.value = ["Horror"]
    assert app.recommendations and all("Horror" in r.genres for r in app.recommendations)
    app.exclude.value = ["Comedy"]
    assert all("Comedy" not in r.genres for r in app.recommendations)
    app.years.value = (1980, 1989)
    assert all(1980 <= r.year <= 1989 for r in app.recommendations)
    app.popularity.value = "Mainstream"
    assert app.recommendations
    app.exclude.value = ["Horror"]
    assert "cannot be both wanted and excluded" in app.message.value and app.results.value == ""
    app.exclude.value = []
    app.include.value = ["Documentary", "Western"]
    app.years.value = (1902, 1905)
    assert app.recommendations == [] and "No film passes these options" in app.results.value
    history = app.history
    app.typed.value = "Alien (1979)"  # a new input: options wait for the button
    app.include.value = []
    app.years.value = app.years.min, app.years.max
    assert app.history is history and app.recommendations == []
    app.go.click()
    assert [f.title for f in app.history.films] == ["Alien"] and app.recommendations


def test_nothing_usable_and_empty_inputs_are_explained(app: RecommenderApp) -> None:
    typed(app, "")
    assert "Type a few films you love first" in app.message.value
    typed(app, "Zzzqqx Vvbnm (1990)")
    assert "None of your films could be used" in app.message.value and app.results.value == ""
    app.tabs.selected_index = lbapp.UPLOAD_TAB
    app.go.click()
    assert "Choose your Letterboxd export ZIP first" in app.message.value
    app.tabs.selected_index = lbapp.USERNAME_TAB
    app.go.click()
    assert "Type your Letterboxd username first" in app.message.value
    assert not app.go.disabled and app.status.value == ""  # the spinner never stays after an error


def test_what_users_type_is_shown_escaped(app: RecommenderApp) -> None:
    typed(app, 'Heat (1995)\n<img src=x onerror="alert(1)">\n<script>alert(2)</script> (1999)')
    page = "".join(getattr(w, "value", "") for w in app.understood.children) + app.message.value
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page and "&lt;script&gt;" in page
    assert "<img" not in page and "<script" not in page
    app.tabs.selected_index = lbapp.USERNAME_TAB
    app.username.value = '<b onmouseover="x()">me</b>'
    app.go.click()
    assert "is not a Letterboxd" in shown(app.message.value) and "<b " not in app.message.value


def test_unexpected_errors_are_shown_and_logged_never_dropped(app: RecommenderApp, monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> list[Recommendation]:
        raise RuntimeError("onnxruntime fell over")

    monkeypatch.setattr(app.engine, "recommend", broken)
    with caplog.at_level(logging.INFO, logger="lbrec.app"):
        typed(app)
    assert "Something went wrong on our side (RuntimeError)" in app.message.value
    assert "onnxruntime fell over" not in app.message.value  # internals stay in the log
    assert any("onnxruntime fell over" in (r.exc_text or "") for r in caplog.records)
    assert not app.go.disabled and app.status.value == ""


def test_letterboxd_csv_neutralises_spreadsheet_formulas() -> None:
    def rec(title: str) -> Recommendation:
        return Recommendation(1, title, 1999, [], 1.0, [], 603, None, {})

    text = letterboxd_csv([rec("=HYPERLINK(\"http://x\")"), rec("+1"), rec("-2"), rec("@SUM(A1)"), rec("Heat, Again")])
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "Heat, Again"]
    assert rows[1][1:] == ["1999", "603"]


# ---------------------------------------------------------------------------------------------------- export


def test_an_uploaded_export_is_read_in_memory_and_its_watchlist_left_out(app: RecommenderApp,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    upload(app, export_zip())
    assert "letterboxd-lbrectest-2026-11-25-08-00-utc.zip" in app.upload_info.value
    excluded: list[set[int]] = []
    recommend = app.engine.recommend
    monkeypatch.setattr(app.engine, "recommend",
                        lambda history, k, exclude, **kw: excluded.append(set(exclude)) or recommend(
                            history, k, exclude=exclude, **kw))
    app.source.value = "4"
    app.go.click()
    assert app.message.value == "" and len(app.recommendations) == 10
    assert "films from your export" in app.understood_summary.value
    assert app.matched.watchlist and app.matched.watchlist <= excluded[-1]
    app.exclude_watchlist.value = False  # applies at once, from the same upload
    assert not app.matched.watchlist & excluded[-1]
    app.source.value = "liked"
    assert "2 films from your export" in app.understood_summary.value


@pytest.mark.parametrize("data, message", [
    (b"GIF89a not a zip", "holiday.gif is not a ZIP file"),
    (export_zip(skip=("watched.csv", "ratings.csv", "diary.csv")), "holiday.gif is not a Letterboxd export"),
])
def test_a_bad_upload_gets_a_message_naming_the_file(app: RecommenderApp, data: bytes, message: str) -> None:
    upload(app, data, "holiday.gif")
    app.go.click()
    assert message in shown(app.message.value) and app.results.value == ""


# ---------------------------------------------------------------------------------------------------- username


def serve_rss(server: FaultServer, user: str = "lbrectest") -> None:
    server.route(f"/{user}/rss/", Reply(200, (FIXTURES / "rss_2026.xml").read_bytes(),
                                        {"Content-Type": "application/rss+xml; charset=utf-8"}))


@pytest.fixture
def online(ml_small_model_dir: Path, fault_server: FaultServer) -> RecommenderApp:
    client = Client(base_url=fault_server.url, cache=False, timeout=2.0, retries=1, backoff=0.01)
    app = RecommenderApp(*load_engine(ml_small_model_dir), client=client)
    app.tabs.selected_index = lbapp.USERNAME_TAB
    return app


def test_username_rss_with_a_progress_message(online: RecommenderApp, fault_server: FaultServer) -> None:
    serve_rss(fault_server)
    steps: list[str] = []
    online.status.observe(lambda change: steps.append(change["new"]), "value")
    online.username.value = "https://letterboxd.com/lbrectest/"
    online.go.click()
    assert online.message.value == "" and len(online.recommendations) == 10
    assert "lbrectest's RSS feed" in shown(online.understood_summary.value)
    assert any("Fetching lbrectest's RSS feed" in shown(step) and "lbrec-spinner" in step for step in steps)
    assert steps[-1] == "" and not online.go.disabled
    assert "lbrec-lbrectest-list.csv" in downloads(online)
    online.k.value = 15  # options reuse the feed: no second request
    assert len(online.recommendations) == 15 and len(fault_server.hits) == 1
    online.source.value = "5"
    assert "1 film from lbrectest's RSS feed" in shown(online.understood_summary.value)  # Heat
    online.source.value = "liked"
    assert "2 films from lbrectest's RSS feed" in shown(online.understood_summary.value)  # Heat, Amélie
    assert "✓ 2 matched" in online.understood_summary.value and len(fault_server.hits) == 1


@pytest.mark.parametrize("route, message", [
    (None, "Letterboxd has no member called 'nobody_here'"),
    (Reply(403, (FIXTURES / "cloudflare_challenge.html").read_bytes(), CLOUDFLARE), "bot protection"),
    (Reply(503, b"down"), "Letterboxd kept failing (HTTP 503"),
])
def test_letterboxd_errors_are_explained(online: RecommenderApp, fault_server: FaultServer, route: Reply | None,
                                         message: str) -> None:
    if route is not None:
        fault_server.route("/nobody_here/rss/", route)
    online.username.value = "nobody_here"
    online.go.click()
    assert message in shown(online.message.value) and "lbrec-error" in online.message.value
    assert online.results.value == "" and online.understood.layout.display == "none"
    if route is not None and route.status == 403:
        assert "data export" in online.message.value


def test_bad_usernames_are_refused_before_any_request(online: RecommenderApp, fault_server: FaultServer) -> None:
    online.username.value = "../../admin"
    online.go.click()
    assert "is not a Letterboxd" in shown(online.message.value) and fault_server.hits == []


def test_profile_mode_reads_every_page(online: RecommenderApp, fault_server: FaultServer) -> None:
    page = {"Content-Type": "text/html; charset=utf-8"}
    serve_rss(fault_server)
    for path, name in [("/lbrectest/films/", "films_2026_page1.html"), ("/lbrectest/films/page/2/",
                       "films_2026_page2.html"), ("/lbrectest/films/page/3/", "films_2026_page3.html"),
                       ("/lbrectest/watchlist/", "watchlist_2026.html")]:
        fault_server.route(path, Reply(200, (FIXTURES / name).read_bytes(), page))
    online.username_mode.value = "profile"
    online.username.value = "lbrectest"
    online.source.value = "3"
    online.go.click()
    assert online.message.value == "" and online.recommendations
    assert "lbrectest's profile" in shown(online.understood_summary.value) and online.matched.watchlist
    assert len(fault_server.hits_for("/lbrectest/watchlist/")) == 1
    online.exclude_watchlist.value = False  # applies at once; the films are read again, without the watchlist
    assert online.message.value == "" and online.recommendations and not online.matched.watchlist
    assert len(fault_server.hits_for("/lbrectest/watchlist/")) == 1


def test_the_binder_environment_mirrors_pyproject() -> None:
    import tomllib

    import yaml

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [d for d in project["optional-dependencies"]["train"]
                                        if not d.startswith("torch")]  # torch comes from conda-forge, CPU only
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert sorted(pip) == sorted(wanted)
    assert "conda-forge" in environment["channels"] and "python=3.11" in environment["dependencies"]
    assert any(str(d).startswith("pytorch-cpu") for d in environment["dependencies"])
