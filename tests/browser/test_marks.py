""" "Not for me" and "Seen it" in the page, in headless chromium: a click takes the card out and the next film takes
its place; the mark is kept in the browser's localStorage, so that after a reload (a new kernel) the film stays
hidden; the visitor's list undoes it. A tab of its own, so that its localStorage starts empty. With a TMDb key (a
loopback TMDb), a film of the shelf of newer films is marked the same way, by its TMDb id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from harness.browser import ARTIFACTS, STARTUP_S, TYPED_TITLES, app_page
from tests.helpers.tmdb_films import SECRET_AGENT

if TYPE_CHECKING:
    from playwright.sync_api import Page

TYPED = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"
SHOWN = (
    "[...document.querySelectorAll('.lbrec-card:not(.lbrec-marked) button.lbrec-mark-seen')]"
    ".map(b => Number(b.dataset.movieId))"
)


NEWER = (
    "[...document.querySelectorAll('.lbrec-shelf .lbrec-card:not(.lbrec-marked) button.lbrec-mark-seen')]"
    ".map(b => Number(b.dataset.tmdbId))"
)


@pytest.fixture(scope="module")
def page(voila: str) -> Iterator[Page]:
    with app_page(voila) as page:
        yield page


def recommend_typed(page: Page) -> list[int]:
    """Type the titles, ask, and return the films shown (movieIds, in order)."""
    page.get_by_role("button", name="Recommend films").wait_for(timeout=STARTUP_S * 1000)
    page.get_by_role("tab", name="Type titles").click()
    page.get_by_placeholder(TYPED_TITLES).fill(TYPED)
    page.get_by_role("button", name="Recommend films").click()
    page.wait_for_function(f"{SHOWN}.length == 10", timeout=30_000)
    page.wait_for_function("!document.querySelector('button.lbrec-go').disabled", timeout=30_000)
    return page.evaluate(SHOWN)


def click_mark(page: Page, movie_id: int, mark: str) -> float:
    """Click a card's button; the milliseconds until ten cards are shown again without the film."""
    page.evaluate("window.lbrecClicked = performance.now()")
    page.locator(f".lbrec-card button.lbrec-mark-{mark}[data-movie-id='{movie_id}']").click()
    assert page.evaluate(f"{SHOWN}.includes({movie_id})") is False  # the card goes at once, before the kernel answers
    page.wait_for_function(
        f"{SHOWN}.length == 10 && !{SHOWN}.includes({movie_id}) && "
        f"document.querySelectorAll('.lbrec-card').length == 10",
        timeout=30_000,
    )
    return page.evaluate("performance.now() - window.lbrecClicked")


def test_a_mark_replaces_the_card_is_remembered_after_a_reload_and_can_be_undone(page: Page) -> None:
    first = recommend_typed(page)
    took = click_mark(page, first[0], "not_for_me")
    after = page.evaluate(SHOWN)
    assert first[0] not in after and len(after) == 10 and took < 5_000, took
    click_mark(page, after[0], "seen")
    kept = json.loads(page.evaluate("localStorage.getItem('lbrec-memory')"))
    assert kept["marks"] == [{"movieId": first[0], "mark": "not_for_me"}, {"movieId": after[0], "mark": "seen"}]
    assert "Your marks (2)" in page.locator(".lbrec-memory summary").inner_text()
    page.screenshot(path=ARTIFACTS / "app-not-for-me.png")

    page.reload()  # a new kernel: the marks come back from the browser only
    page.locator(".lbrec-memory summary", has_text="Your marks (2)").wait_for(timeout=STARTUP_S * 1000)
    again = recommend_typed(page)
    assert first[0] not in again and after[0] not in again

    page.locator(".lbrec-memory summary").click()
    page.locator(".lbrec-memory li", has_text=": Not for me").get_by_role("button", name="Undo").click()
    page.wait_for_function(f"{SHOWN}.includes({first[0]})", timeout=30_000)
    assert after[0] not in page.evaluate(SHOWN)
    assert json.loads(page.evaluate("localStorage.getItem('lbrec-memory')"))["marks"] == [
        {"movieId": after[0], "mark": "seen"}
    ]
    page.get_by_role("button", name="Clear all").click()
    page.wait_for_function(f"{SHOWN}.includes({after[0]})", timeout=30_000)
    assert page.locator(".lbrec-memory").count() == 0


def newer_typed(page: Page) -> list[int]:
    """Type titles the model lacks too, ask, and return the shelf's films once it came (TMDb ids, in order)."""
    page.get_by_role("button", name="Recommend films").wait_for(timeout=STARTUP_S * 1000)
    page.get_by_role("tab", name="Type titles").click()
    page.get_by_placeholder(TYPED_TITLES).fill("Heat (1995)\nAlien (1979)\nAnora (2024)\nSirāt (2025)")
    page.get_by_role("button", name="Recommend films").click()
    page.wait_for_function(f"{NEWER}.length > 0", timeout=60_000)
    return page.evaluate(NEWER)


def test_a_newer_film_marked_leaves_the_shelf_and_stays_gone_after_a_reload(page: Page, voila_with_newer: str) -> None:
    tab = page.context.browser.new_page(viewport={"width": 1280, "height": 1000})  # its own context: no marks yet
    tab.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(voila_with_newer) else route.abort()
    )
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(voila_with_newer + "/")
    try:
        first = newer_typed(tab)
        assert SECRET_AGENT in first
        tab.locator(f".lbrec-shelf button.lbrec-mark-not_for_me[data-tmdb-id='{SECRET_AGENT}']").click()
        assert SECRET_AGENT not in tab.evaluate(NEWER)  # the card goes at once, before the kernel answers
        tab.wait_for_function(
            f"{NEWER}.length == {len(first)} && !{NEWER}.includes({SECRET_AGENT})"
            f" && document.querySelectorAll('.lbrec-shelf .lbrec-card').length == {len(first)}",
            timeout=30_000,
        )  # the shelf ranked again: the next film takes its place
        kept = json.loads(tab.evaluate("localStorage.getItem('lbrec-memory')"))
        assert kept["marks"] == [{"tmdbId": SECRET_AGENT, "mark": "not_for_me", "title": "The Secret Agent (2025)"}]

        tab.reload()  # a new kernel: the mark comes back from the browser only
        tab.locator(".lbrec-memory summary", has_text="Your marks (1)").wait_for(timeout=STARTUP_S * 1000)
        assert SECRET_AGENT not in newer_typed(tab)
        tab.locator(".lbrec-memory summary").click()
        tab.locator(".lbrec-memory li", has_text="The Secret Agent (2025): Not for me").get_by_role(
            "button", name="Undo"
        ).click()
        tab.wait_for_function(f"{NEWER}.includes({SECRET_AGENT})", timeout=30_000)
        assert json.loads(tab.evaluate("localStorage.getItem('lbrec-memory')"))["marks"] == []
    finally:
        tab.close()
    assert not errors, f"JavaScript errors in the tab: {errors}"
