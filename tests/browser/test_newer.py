"""The shelf of films newer than the model in headless chromium, on the real Voilà app. With a TMDb key (a loopback
TMDb over a table of films, `tests.helpers.tmdb_films`), typed titles that include newer films get, on the answer's
first screen, a shelf of TMDb's films above the model's own cards, each card saying where it came from; on a phone
the shelf scrolls sideways, every value whole and every target a finger's size. Without a key, one line says what a
key would add. One page (one kernel) per server; the README's picture of the shelf goes to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from harness.browser import ARTIFACTS, STARTUP_S, TYPED_TITLES, app_page, second_page, settle
from harness.fault_server import FaultServer
from lbrec.serving.results import MODEL, TMDB

if TYPE_CHECKING:
    from playwright.sync_api import Page

TITLES = "Heat (1995)\nAlien (1979)\nAnora (2024)\nSirāt (2025)"  # two films newer than MovieLens's
SHELF_CARDS = ".lbrec-shelf .lbrec-card"
MODEL_CARDS = ".lbrec-grid:not(.lbrec-row) > .lbrec-card"
DESKTOP = {"width": 1280, "height": 1000}
PHONE = {"width": 390, "height": 844}
# Where a box is, relative to the top of the answer (the first panel under the button: what was understood).
FROM_ANSWER = """selector => {
    const top = document.querySelector('.lbrec-panel').getBoundingClientRect().top;
    const r = document.querySelector(selector).getBoundingClientRect();
    return {top: r.top - top, bottom: r.bottom - top};
}"""
# Every visible text of the shelf that is cut: wider than its box (scrollWidth over clientWidth), or outside its card
# (the heading and the lines above the row: outside the shelf); and every card wider than the row that shows it.
SHELF_CUT = """() => {
    const cut = [], name = e => (e.innerText || e.className.toString()).trim().slice(0, 40);
    const row = document.querySelector('.lbrec-shelf .lbrec-row');
    for (const e of document.querySelectorAll('.lbrec-shelf *')) {
        const r = e.getBoundingClientRect(), st = getComputedStyle(e);
        const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!text || r.width === 0 || st.visibility === 'hidden') continue;
        if (e.scrollWidth > e.clientWidth + 1 && st.display !== 'inline') cut.push(`${name(e)}: wider than its box`);
        const b = (e.closest('.lbrec-card') || e.closest('.lbrec-shelf')).getBoundingClientRect();
        if (r.left < b.left - 1 || r.right > b.right + 1) cut.push(`${name(e)}: outside its card`);
    }
    for (const card of row.querySelectorAll('.lbrec-card')) {
        if (card.getBoundingClientRect().width > row.clientWidth + 1) cut.push(`${name(card)}: wider than the row`);
    }
    return cut;
}"""
# Every button and link of the shelf's cards smaller than a finger: 44 x 44 px.
SMALL_TARGETS = """() => [...document.querySelectorAll('.lbrec-shelf .lbrec-card a, .lbrec-shelf .lbrec-card button')]
    .map(e => [e.innerText.trim().slice(0, 30), e.getBoundingClientRect()])
    .filter(([, r]) => r.width < 44 || r.height < 44).map(([text, r]) => `${text}: ${r.width} x ${r.height}`)"""


def ask(page: Page, titles: str) -> None:
    """Type the titles, click and wait for the page to settle (the model's cards, then the shelf's)."""
    page.get_by_role("button", name="Recommend films").wait_for(timeout=STARTUP_S * 1000)
    page.get_by_role("tab", name="Type titles").click()
    page.get_by_placeholder(TYPED_TITLES).fill(titles)
    settle(page, page.get_by_role("button", name="Recommend films").click)


@pytest.fixture(scope="module")
def shelf(voila_with_newer: str) -> Iterator[Page]:
    """The page with a key, answered: the model's cards and the shelf of newer films below the options."""
    with app_page(voila_with_newer) as page:
        ask(page, TITLES)
        page.locator(SHELF_CARDS).first.wait_for(timeout=30_000)
        yield page


def test_with_a_key_newer_films_come_first_on_the_answer_s_screen_each_saying_where_it_came_from(shelf: Page) -> None:
    page = shelf
    page.set_viewport_size(DESKTOP)
    newer, model = page.locator(SHELF_CARDS), page.locator(MODEL_CARDS)
    assert newer.count() >= 3 and model.count() == 10
    assert "Films this model does not know" in page.locator(".lbrec-shelf").inner_text()
    texts = newer.all_inner_texts()
    assert any("The Secret Agent" in text and "newer than this model's films" in text for text in texts), texts
    assert all(f"From {TMDB}" in text and "Because you liked" in text for text in texts), texts
    assert all(f"From {MODEL}\n" in text and TMDB not in text for text in model.all_inner_texts())
    shelf_box, first_card = page.evaluate(FROM_ANSWER, ".lbrec-shelf"), page.evaluate(FROM_ANSWER, SHELF_CARDS)
    # above the model's cards, and whole within one screen from the top of the answer: seen without scrolling on
    assert shelf_box["bottom"] <= page.evaluate(FROM_ANSWER, MODEL_CARDS)["top"]
    assert first_card["top"] > 0 and first_card["bottom"] <= DESKTOP["height"], first_card
    # and the page brought the answer into view after the click: the shelf's first card is on the screen, whole
    seen = page.locator(SHELF_CARDS).first.evaluate(
        "c => [c.getBoundingClientRect().top, c.getBoundingClientRect().bottom]"
    )
    assert seen[0] >= 0 and seen[1] <= DESKTOP["height"], seen
    screenshot_shelf(page, "app-newer")


def screenshot_shelf(page: Page, name: str) -> None:
    """The shelf and the first row of the model's cards under it, in a tall viewport (Voilà scrolls inside its own
    container)."""
    height = page.evaluate("document.querySelector('.lbrec').scrollHeight")
    page.set_viewport_size({"width": DESKTOP["width"], "height": height + 80})
    shelf, first = page.locator(".lbrec-shelf").bounding_box(), page.locator(MODEL_CARDS).first.bounding_box()
    page.screenshot(
        path=ARTIFACTS / f"{name}.png",
        clip={
            "x": shelf["x"] - 8,
            "y": shelf["y"] - 8,
            "width": shelf["width"] + 16,
            "height": first["y"] + first["height"] - shelf["y"] + 16,
        },
    )
    page.set_viewport_size(DESKTOP)


def test_on_a_phone_the_shelf_scrolls_sideways_whole_and_large_enough(shelf: Page) -> None:
    page = shelf
    page.set_viewport_size(PHONE)
    try:
        page.wait_for_timeout(300)
        row = page.locator(".lbrec-shelf .lbrec-row")
        assert row.evaluate("r => r.scrollWidth > r.clientWidth && getComputedStyle(r).overflowX === 'auto'")
        assert row.evaluate("r => r.getBoundingClientRect().right") <= PHONE["width"]  # the page does not: the row
        assert page.evaluate(SHELF_CUT) == []
        assert page.evaluate(SMALL_TARGETS) == []
        last = page.locator(SHELF_CARDS).last
        last.scroll_into_view_if_needed()  # sideways, within the row
        assert 0 <= last.evaluate("c => c.getBoundingClientRect().left") < PHONE["width"]
        assert page.evaluate(SHELF_CUT) == []
        page.locator(".lbrec-shelf").screenshot(path=ARTIFACTS / "app-newer-phone.png")
    finally:
        page.set_viewport_size(DESKTOP)


def test_without_a_key_one_line_says_what_a_key_would_add(shelf: Page, voila: str, fault: FaultServer) -> None:
    asked = len(fault.hits)
    page = second_page(shelf, voila)
    try:
        ask(page, TITLES)
        page.locator(MODEL_CARDS).first.wait_for(timeout=30_000)
        assert page.locator(MODEL_CARDS).count() == 10 and page.locator(SHELF_CARDS).count() == 0
        note = page.locator(".lbrec-shelf-note").inner_text()
        assert note.startswith("2 of your films are newer than this model's films") and "with a TMDb key" in note
        assert "TMDB_API_KEY" not in note and page.locator(".lbrec-shelf-note").is_visible()
    finally:
        page.close()
    assert not [hit.path for hit in fault.hits[asked:] if hit.path.startswith("/3/")]  # TMDb is never asked


def test_a_film_tmdb_has_two_candidates_for_is_picked_from_a_drop_down(shelf: Page, voila_with_newer: str) -> None:
    page = second_page(shelf, voila_with_newer)
    try:
        ask(page, "Heat (1995)\nAlien (1979)\nHome (2024)")  # TMDb has two films called Home, of 2024
        pick = page.locator(".lbrec-tmdb-picks select")
        pick.wait_for(timeout=30_000)  # made in the shelf's thread, after the model's cards
        read = page.locator(".lbrec-read-on-tmdb")
        assert "TMDb read 0 of your 1 films" in read.inner_text()
        page.set_viewport_size(PHONE)  # on a phone the film and its drop-down go on two lines, whole
        page.wait_for_timeout(300)
        assert pick.evaluate("s => s.getBoundingClientRect().right") <= PHONE["width"]
        page.set_viewport_size(DESKTOP)
        options = [o.replace("\xa0", " ") for o in pick.locator("option").all_inner_texts()]  # the widget's spaces
        assert options[0] == "Not this one: skip it" and any("Documentary" in o for o in options), options
        settle(page, lambda: pick.select_option(index=next(i for i, o in enumerate(options) if "Documentary" in o)))
        page.wait_for_function(
            "() => document.querySelector('.lbrec-read-on-tmdb')?.innerText.includes('TMDb read 1 of your 1')",
            timeout=30_000,
        )
        assert "Documentary" in page.locator(".lbrec-tmdb-picks select").evaluate("s => s.selectedOptions[0].text")
    finally:
        page.close()
