"""The app end to end: a real Voilà server on a free loopback port, driven by Debian's chromium through Playwright.

One server and one page (one kernel) serve the flows in turn: typed titles, an uploaded export, an unknown user
answered with a 404 by the local fault-injecting server (the app reads its address from LBREC_LETTERBOXD_URL,
loopback only), then each question of the chooser. Every request the page makes off the loopback (Font Awesome from a
CDN) is aborted. Screenshots go to test-artifacts/.

That server has no TMDb key: the page says how to turn posters on and TMDb is never asked. A second server, with a
key and a loopback stand-in for TMDb, shows the posters filling in the cards.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

import pytest

from harness.browser import ARTIFACTS, STARTUP_S, TYPED_TITLES, app_page, second_page
from harness.fault_server import FaultServer, Reply
from harness.files import FIXTURES
from harness.tmdb_server import (
    APPLE,
    IMAGES,
    MUBI,
    NETFLIX,
    V4_TOKEN,
    movie,
    offers,
    serve_film,
    serve_logos,
    serve_offered,
    with_providers,
)
from tests.helpers.files import export_zip

if TYPE_CHECKING:
    from playwright.sync_api import Page

TYPED = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"


@pytest.fixture(scope="module")
def page(voila: str) -> Iterator[Page]:
    with app_page(voila) as page:
        page.get_by_role("button", name="Recommend films").wait_for(timeout=STARTUP_S * 1000)
        yield page


def screenshot(page: Page, name: str) -> None:
    """The whole app: Voilà scrolls inside its own container, so a tall viewport stands in for a full page."""
    height = page.evaluate("document.querySelector('.lbrec').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": max(1000, height + 80)})
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    page.set_viewport_size({"width": 1280, "height": 1000})


def recommend(page: Page) -> None:
    """Click and wait for this click's answer: the last answer is removed first, so it cannot be mistaken for it."""
    page.evaluate("document.querySelectorAll('.lbrec-card, .lbrec-error').forEach(e => e.remove())")
    page.get_by_role("button", name="Recommend films").click()
    recommend_done(page)


def recommend_done(page: Page) -> None:
    page.locator(".lbrec-error, .lbrec-card").first.wait_for(timeout=30_000)
    page.wait_for_function("!document.querySelector('button.lbrec-go').disabled", timeout=30_000)


def test_typed_titles_give_ten_results_with_links(page: Page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Type titles").click()
    page.get_by_placeholder(TYPED_TITLES).fill(TYPED)
    recommend(page)
    cards = page.locator(".lbrec-card")
    assert cards.count() == 10
    for i in range(10):
        links = [
            cards.nth(i).locator(f"a.lbrec-{site}").get_attribute("href") for site in ("letterboxd", "tmdb", "imdb")
        ]
        assert links[0].startswith("https://letterboxd.com/tmdb/")
        assert links[1].startswith("https://www.themoviedb.org/movie/")
        assert links[2].startswith("https://www.imdb.com/title/tt")
    assert "3 films from the titles you typed" in page.locator(".lbrec-panel").first.inner_text()
    csv_link = page.locator("a.lbrec-download", has_text="CSV")
    assert csv_link.get_attribute("download") == "lbrec-list.csv"
    data = base64.b64decode(unquote(csv_link.get_attribute("href").split("base64,", 1)[1])).decode()
    assert data.splitlines()[0] == "Title,Year,tmdbID" and len(data.splitlines()) == 11
    assert "data:image/png" not in page.locator(".lbrec-results-head").inner_html()  # drawn when its link asks
    with page.expect_download(timeout=30_000) as download:
        page.locator("a.lbrec-download", has_text="PNG").click()
    assert download.value.suggested_filename == "lbrec.png"
    download.value.save_as(tmp_path / "lbrec.png")
    assert (tmp_path / "lbrec.png").read_bytes().startswith(b"\x89PNG")
    assert page.locator(".lbrec-panel img").first.is_visible()  # the taste chart
    note = page.locator(".lbrec-posters-note").inner_text()  # what a key would add, in a visitor's words
    assert "each film's poster" in note and "TMDB_API_KEY" not in note
    assert page.locator("img.lbrec-poster").count() == 0 and "TMDB" not in page.locator(".lbrec-footer").inner_text()
    screenshot(page, "app-typed-titles")


def test_an_uploaded_export_gives_results(page: Page) -> None:
    page.get_by_role("tab", name="Upload your Letterboxd export").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose the ZIP").click()
    chooser.value.set_files(
        files=[
            {
                "name": "letterboxd-lbrectest-2026-11-25-08-00-utc.zip",
                "mimeType": "application/zip",
                "buffer": export_zip(),
            }
        ]
    )
    page.locator(".lbrec-ready").wait_for(timeout=30_000)
    recommend(page)
    assert page.locator(".lbrec-error").count() == 0
    assert page.locator(".lbrec-card").count() == 10
    assert "8 films from your export" in page.locator(".lbrec-panel").first.inner_text()
    screenshot(page, "app-export")


def test_an_unknown_user_gets_a_clear_message_after_a_progress_indicator(page: Page, fault: FaultServer) -> None:
    fault.route("/nobody_here/rss/", Reply(404, b"Not found", delay=1.5))  # a slow answer, to see the spinner
    page.get_by_role("tab", name="Letterboxd username").click()
    page.get_by_placeholder("your Letterboxd username").fill("nobody_here")
    page.get_by_role("button", name="Recommend films").click()
    status = page.locator(".lbrec-status")
    status.wait_for(timeout=10_000)
    assert "Fetching nobody_here's RSS feed" in status.inner_text() and page.locator(".lbrec-spinner").count() == 1
    assert page.locator("button.lbrec-go").is_disabled()
    recommend_done(page)
    error = page.locator(".lbrec-error")
    assert "Letterboxd has no member called 'nobody_here'" in error.inner_text()
    assert page.locator(".lbrec-card").count() == 0
    assert [hit.path for hit in fault.hits] == ["/nobody_here/rss/"]  # and never TMDb: this server has no key
    screenshot(page, "app-unknown-user")


# ---------------------------------------------------------------------------------------------------- the questions


def choose(page: Page, question: str) -> None:
    page.get_by_role("button", name=question, exact=True).click()


def answer(page: Page, button: str) -> None:
    """Click the question's button and wait for this click's answer (the last one removed first)."""
    page.evaluate("document.querySelectorAll('.lbrec-card, .lbrec-error').forEach(e => e.remove())")
    page.get_by_role("button", name=button).click()
    recommend_done(page)


def upload_file(page: Page, button: object, name: str, data: bytes) -> None:
    with page.expect_file_chooser() as chooser:
        button.click()  # type: ignore[attr-defined]
    chooser.value.set_files(files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])


def downloaded(page: Page, text: str) -> str:
    href = page.locator("a.lbrec-download", has_text=text).get_attribute("href")
    return base64.b64decode(unquote(href.split("base64,", 1)[1])).decode()


def test_a_list_csv_is_ranked_for_typed_titles(page: Page) -> None:
    choose(page, "From my watchlist or a list")
    page.get_by_role("tab", name="Type titles").click()
    page.get_by_placeholder(TYPED_TITLES).fill("Heat (1995)\nAlien (1979)\nThe Matrix (1999)")
    page.get_by_role("button", name="A Letterboxd list CSV").click()
    upload_file(
        page,
        page.get_by_role("button", name="Choose the list CSV"),
        "list_friday.csv",
        (FIXTURES / "list_friday.csv").read_bytes(),
    )
    answer(page, "Rank them for me")
    cards = page.locator(".lbrec-card")
    assert page.locator(".lbrec-error").count() == 0 and cards.count() == 4
    assert all("% for you" in cards.nth(i).inner_text() for i in range(4))
    assert "Oppenheimer (2023)" in page.locator(".lbrec-unmatched").inner_text()
    rows = downloaded(page, "CSV").splitlines()
    assert rows[0] == "Title,Year,tmdbID" and len(rows) == 5
    screenshot(page, "app-rank-list")


def test_would_i_like_it_gives_a_rank_and_a_verdict(page: Page) -> None:
    choose(page, "Would I like…?")
    page.get_by_placeholder("The films you wonder about").fill("Aliens (1986)\nhttps://letterboxd.com/film/heat-1995/")
    answer(page, "Would I like them?")
    cards = page.locator(".lbrec-card")
    assert cards.count() == 2
    assert " of " in cards.nth(0).locator(".lbrec-rank").inner_text() and cards.nth(0).locator(".lbrec-verdict")
    assert cards.nth(1).locator(".lbrec-verdict").inner_text() == "already watched"
    page.get_by_placeholder("The films you wonder about").fill("Solaris")
    answer(page, "Would I like them?")
    assert "did you mean: Solaris" in page.locator(".lbrec-error").inner_text() and cards.count() == 0
    screenshot(page, "app-predict")


def test_like_this_film_needs_only_the_film(page: Page) -> None:
    choose(page, "Like this film")
    page.get_by_role("tab", name="Type titles").wait_for(state="hidden", timeout=10_000)  # no history needed
    page.get_by_placeholder("One or more films").fill("Toy Story (1995)")
    answer(page, "Find similar films")
    cards = page.locator(".lbrec-card")
    assert cards.count() == 10 and all("Like Toy Story (1995)" in cards.nth(i).inner_text() for i in range(10))
    screenshot(page, "app-similar")


def test_watch_together_with_an_uploaded_export_and_typed_titles(page: Page) -> None:
    choose(page, "Watch together")
    first, second = page.locator(".lbrec-member").nth(0), page.locator(".lbrec-member").nth(1)
    first.get_by_role("button", name="Export ZIP").click()
    upload_file(page, first.get_by_role("button", name="Choose the ZIP"), "letterboxd-ana.zip", export_zip())
    first.get_by_placeholder("name (optional)", exact=True).fill("Ana")
    second.get_by_role("button", name="Typed titles").click()
    second.get_by_placeholder("Films they love").fill("Alien (1979)\nAliens (1986)")
    answer(page, "Recommend for the group")
    cards = page.locator(".lbrec-card")
    assert page.locator(".lbrec-error").count() == 0 and cards.count() == 10
    fits = cards.nth(0).locator(".lbrec-member-fit").all_inner_texts()
    assert [fit.split(":")[0] for fit in fits] == ["Ana", "member 2"] and all("top" in fit for fit in fits)
    screenshot(page, "app-group")
    second.get_by_role("button", name="Remove").click()
    answer(page, "Recommend for the group")
    assert "A group has 2 to 6 members, not 1" in page.locator(".lbrec-error").inner_text() and cards.count() == 0


# ---------------------------------------------------------------------------------------------------- a phone

PHONE = {"width": 390, "height": 844}
OPTION_LABELS = ("Recommend from", "How many films", "Only these genres", "Released", "Mainstream ↔ obscure")
SHOWN_OPTIONS = {
    "For me": OPTION_LABELS,
    "From my watchlist or a list": ("Recommend from", "How many films"),
    "Would I like…?": ("Recommend from",),
    "Like this film": OPTION_LABELS[1:],
    "Watch together": OPTION_LABELS[1:],
}
# Every visible text of the app that is cut: wider than its box (a field's value or placeholder, a select's choice,
# measured in its own font), outside the screen, or outside the nearest box that clips it.
TEXTS_CUT = """() => {
    const visible = e => { const r = e.getBoundingClientRect(), st = getComputedStyle(e);
                           return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none'; };
    const pen = document.createElement('canvas').getContext('2d');
    const width = (e, text) => { pen.font = getComputedStyle(e).font; return pen.measureText(text).width; };
    const name = e => (e.innerText || e.value || e.placeholder || e.className.toString()).trim().slice(0, 40);
    const cut = [];
    for (const e of document.querySelectorAll('.lbrec *')) {
        const field = e.matches('input[type=text], input:not([type]), select');
        if (!visible(e) || !(field || [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))) continue;
        if (field) {
            const st = getComputedStyle(e), arrow = e.tagName === 'SELECT' ? 20 : 0;
            const text = e.tagName === 'SELECT' ? e.options[e.selectedIndex].text : e.value || e.placeholder;
            const room = e.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - arrow;
            if (width(e, text) > room + 1) cut.push(`${name(e)}: wider than its field`);
        } else if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline') {
            cut.push(`${name(e)}: wider than its box`);
        }
        const r = e.getBoundingClientRect();
        if (r.left < -1 || r.right > window.innerWidth + 1) cut.push(`${name(e)}: outside the screen`);
        for (let box = e.parentElement; box && !box.matches('.lbrec'); box = box.parentElement) {
            const st = getComputedStyle(box);
            if (st.overflowX === 'visible' && st.overflowY === 'visible') continue;
            const b = box.getBoundingClientRect();
            if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) {
                cut.push(`${name(e)}: outside its box`);
            }
            break;
        }
    }
    return cut;
}"""
# Every visible button, tab, link drawn as a button, checkbox (with its label, which takes the tap) and select
# smaller than a finger: 44 x 44 px.
SMALL_TARGETS = """() => [...document.querySelectorAll('.lbrec button, .lbrec [role=tab], .lbrec a.lbrec-link,'
        + ' .lbrec a.lbrec-download, .lbrec input[type=checkbox], .lbrec select')]
    .map(e => e.closest('label') || e)
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.width < 44 || r.height < 44); })
    .map(e => `${(e.innerText || e.className.toString()).trim().slice(0, 30)}: ${e.getBoundingClientRect().width}`
              + ` x ${e.getBoundingClientRect().height}`)"""
SLIDER_WIDTHS = """() => [...document.querySelectorAll('.lbrec .widget-hslider .slider-container')]
    .filter(e => e.getBoundingClientRect().width > 0).map(e => e.getBoundingClientRect().width)"""


def whole_and_large_enough(page: Page, where: str) -> None:
    """Every text whole and every target a finger's size on the page as it is now."""
    assert page.evaluate(TEXTS_CUT) == [], where
    assert page.evaluate(SMALL_TARGETS) == [], where


def test_on_a_phone_every_value_is_whole_every_target_large_and_each_question_shows_only_its_options(
    page: Page,
) -> None:
    page.set_viewport_size(PHONE)
    try:
        for question, options in SHOWN_OPTIONS.items():
            choose(page, question)
            page.wait_for_timeout(300)
            shown = tuple(
                label
                for label in OPTION_LABELS
                if page.locator(".lbrec").get_by_text(label, exact=True).first.is_visible()
            )
            assert shown == options, question
            whole_and_large_enough(page, question)  # with the last answer of each question on screen
            widths = page.evaluate(SLIDER_WIDTHS)
            assert bool(widths) == ("How many films" in options) and all(w >= 120 for w in widths), (question, widths)
        choose(page, "For me")
        page.get_by_role("tab", name="Type titles").click()
        page.get_by_placeholder(TYPED_TITLES).fill(TYPED + "\nSolaris")  # a film to pick among its candidates
        page.get_by_placeholder("any genre").fill("Drama")
        page.get_by_placeholder("any genre").press("Enter")
        recommend(page)
        page.get_by_text("Which film did you mean?").wait_for(timeout=10_000)
        whole_and_large_enough(page, "For me, answered")
        screenshot_phone(page, "app-phone")
        page.get_by_placeholder("any genre").press("Backspace")  # the genre goes, as the next tests expect
        page.wait_for_function("!document.querySelector('button.lbrec-go').disabled", timeout=30_000)
    finally:
        page.set_viewport_size({"width": 1280, "height": 1000})


def screenshot_cards(page: Page, name: str, n: int) -> None:
    """The first n cards of the answer on screen, in a tall viewport (Voilà scrolls inside its own container)."""
    height = page.evaluate("document.querySelector('.lbrec').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": height + 80})
    grid, last = page.locator(".lbrec-grid").bounding_box(), page.locator(".lbrec-card").nth(n - 1).bounding_box()
    page.screenshot(
        path=ARTIFACTS / f"{name}.png",
        clip={
            "x": grid["x"] - 8,
            "y": grid["y"] - 8,
            "width": grid["width"] + 16,
            "height": last["y"] + last["height"] - grid["y"] + 16,
        },
    )
    page.set_viewport_size({"width": 1280, "height": 1000})


def screenshot_phone(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


# ---------------------------------------------------------------------------------------------------- posters


def test_with_a_tmdb_key_posters_fill_in_the_cards(
    page: Page, served_model: Path, tmdb: FaultServer, voila_with_posters: str
) -> None:
    from lbrec.app.environment import load_engine
    from lbrec.app.session import Session
    from lbrec.ask.person import Source
    from lbrec.ask.questions import Ask

    session = Session(Ask(*load_engine(served_model)))
    session.run(Source("typed", TYPED))  # the films the page will be recommended: TMDb knows each of them
    for rec in session.recommendations:
        serve_film(tmdb, movie(rec.tmdbId, rec.title, 125), delay=1.0)  # slow: the cards must not wait for it
    posters = second_page(page, voila_with_posters)
    try:
        assert (
            "This product uses the TMDB API but is not endorsed or certified by TMDB"
            in posters.locator(".lbrec-footer").inner_text()
        )
        assert posters.locator(".lbrec-posters-note").count() == 0  # no hint: posters are on
        posters.get_by_role("tab", name="Type titles").click()
        posters.get_by_placeholder(TYPED_TITLES).fill(TYPED)
        posters.get_by_role("button", name="Recommend films").click()
        recommend_done(posters)
        assert posters.locator(".lbrec-card").count() == 10 and posters.locator("img.lbrec-poster").count() == 0
        posters.wait_for_function("document.querySelectorAll('img.lbrec-poster').length == 10", timeout=30_000)
        posters.wait_for_function(
            "[...document.querySelectorAll('img.lbrec-poster')].every(i => i.naturalWidth)", timeout=10_000
        )
        assert posters.locator(".lbrec-about").first.inner_text().startswith("2 h 05 min The story of")
        assert V4_TOKEN not in posters.content()
        screenshot(posters, "app-posters")
    finally:
        posters.close()
    assert {hit.headers["Authorization"] for hit in tmdb.hits if hit.path.startswith("/3/")} == {f"Bearer {V4_TOKEN}"}
    assert all("Authorization" not in hit.headers for hit in tmdb.hits if hit.path.startswith(IMAGES))
    assert V4_TOKEN not in (ARTIFACTS / "voila-posters.log").read_text()


def test_with_a_tmdb_key_a_country_and_a_service_leave_only_the_films_it_streams(
    page: Page, served_model: Path, tmdb: FaultServer, voila_with_posters: str
) -> None:
    from lbrec.app.environment import load_engine
    from lbrec.app.session import Session
    from lbrec.ask.person import Source
    from lbrec.ask.questions import Ask

    session = Session(Ask(*load_engine(served_model)))
    session.set_options(k=40)
    session.run(Source("typed", TYPED))
    ranked = [rec.tmdbId for rec in session.recommendations]
    on_netflix = set(ranked[::3])
    serve_offered(tmdb, "GB", [NETFLIX, MUBI, APPLE])
    serve_logos(tmdb, [NETFLIX, MUBI, APPLE])
    for tmdb_id in ranked:
        where = offers(tmdb_id, flatrate=[NETFLIX if tmdb_id in on_netflix else MUBI], rent=[APPLE])
        serve_film(tmdb, with_providers(movie(tmdb_id, f"Film {tmdb_id}"), GB=where))
    watch = second_page(page, voila_with_posters, tmdb.url)  # the posters and logos come from the loopback TMDb
    try:
        watch.get_by_role("tab", name="Type titles").click()
        watch.get_by_placeholder(TYPED_TITLES).fill(TYPED)
        watch.get_by_label("Where to watch").select_option(label="United Kingdom (GB)")
        services = watch.get_by_placeholder("any service")
        services.wait_for(timeout=10_000)
        services.fill("Netflix")
        services.press("Enter")
        services.press("Escape")  # the list of services the box suggests would take the next click
        services.blur()
        watch.get_by_role("button", name="Recommend films").click()
        recommend_done(watch)
        cards = watch.locator(".lbrec-card")
        watch.wait_for_function("document.querySelectorAll('.lbrec-card .lbrec-watch').length == 10", timeout=30_000)
        assert cards.count() == 10
        for i in range(10):
            assert cards.nth(i).locator(".lbrec-watch img[alt='Netflix']").count() == 1
            assert "Where to watch on TMDb" in cards.nth(i).locator(".lbrec-watch").inner_text()
        assert "JustWatch" in watch.locator(".lbrec-watch-attribution").inner_text()
        assert V4_TOKEN not in watch.content()
        watch.wait_for_function(
            "document.querySelectorAll('img.lbrec-poster').length == 10 && [...document"
            ".querySelectorAll('img.lbrec-provider, img.lbrec-poster')].every(i => i.complete && "
            "i.naturalWidth)",
            timeout=30_000,
        )
        screenshot(watch, "app-where-to-watch")
        screenshot_cards(watch, "app-where-to-watch-cards", 6)  # the README's
        watch.reload()  # a new kernel: the country comes back from the browser's memory
        watch.get_by_role("button", name="Recommend films").wait_for(timeout=STARTUP_S * 1000)
        country = watch.get_by_label("Where to watch")
        deadline = time.monotonic() + 30
        while country.input_value() != "United Kingdom (GB)" and time.monotonic() < deadline:
            watch.wait_for_timeout(100)
        assert country.input_value() == "United Kingdom (GB)"
        watch.locator(".lbrec-settings .jupyter-widget-tag", has_text="Netflix").wait_for(
            timeout=10_000
        )  # and its service
    finally:
        watch.close()
