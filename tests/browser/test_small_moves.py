"""A visitor's small moves in headless chromium, on a tab of its own: a click on the button right after adding a genre
gets its answer (nothing under the button moves when the tag box loses the focus), a change of option or a mark
settles within a second, without a TMDb key and with one (a loopback TMDb 100 ms away: the page asks ahead, while
the visitor reads, what another choice of films would show), and the picture to share is drawn when its link asks
and downloaded."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.browser import STARTUP_S, TYPED_TITLES, app_page, second_page, settle
from harness.tmdb_server import LoopbackTmdb
from tests.helpers.files import export_zip

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

TYPED = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"
GOAL_S = 1.0  # a small change settles within a second (docs/results.md: benchmarks.bench_page)


def ready(page: Page) -> Page:
    page.get_by_role("button", name="Recommend films").wait_for(timeout=STARTUP_S * 1000)
    page.wait_for_function("!document.querySelector('button.lbrec-go').disabled", timeout=STARTUP_S * 1000)
    return page


@pytest.fixture(scope="module")
def page(voila: str) -> Iterator[Page]:
    with app_page(voila) as page:
        yield ready(page)


def answer_the_export(page: Page) -> None:
    """Upload the hand-made export and wait for its answer to settle."""
    page.get_by_role("tab", name="Upload your Letterboxd export").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose the ZIP").click()
    export = {"name": "letterboxd-lbrectest-2026.zip", "mimeType": "application/zip", "buffer": export_zip()}
    chooser.value.set_files(files=[export])
    page.locator(".lbrec-ready").wait_for(timeout=30_000)
    settle(page, lambda: page.get_by_role("button", name="Recommend films").click())
    assert page.locator(".lbrec-card").count() == 10 and page.locator(".lbrec-error").count() == 0


def other_choices(page: Page) -> tuple[Locator, list[str], str]:
    """ "Recommend from", its choices but the current one (as the page writes them: no-break spaces), the current."""
    choice = page.get_by_label("Recommend from")
    current = choice.evaluate("e => e.options[e.selectedIndex].text")
    return choice, [text for text in choice.locator("option").all_inner_texts() if text != current], current


def genres_of_cards(page: Page) -> list[list[str]]:
    return page.evaluate(
        "[...document.querySelectorAll('.lbrec-card')].map(c => [...c.querySelectorAll('.lbrec-chip')]"
        ".map(g => g.innerText))"
    )


# Where the button is on the page (Voilà scrolls inside its own container, and a click scrolls to its target).
BUTTON_ON_PAGE = """() => document.querySelector('button.lbrec-go').getBoundingClientRect().top
    - document.querySelector('.lbrec').getBoundingClientRect().top"""


@pytest.mark.parametrize(
    "placeholder, genre, titles", [("any genre", "Drama", TYPED), ("none", "Comedy", TYPED + "\nAlien (1979)")]
)
def test_a_click_right_after_adding_a_genre_gets_its_answer(
    page: Page, placeholder: str, genre: str, titles: str
) -> None:
    page.get_by_role("tab", name="Type titles").click()
    page.get_by_placeholder(TYPED_TITLES).fill(titles)  # new titles: only the click can answer them
    page.evaluate("document.querySelectorAll('.lbrec-card').forEach(e => e.remove())")
    tags = page.get_by_placeholder(placeholder)
    tags.click()
    tags.fill(genre)
    tags.press("Enter")
    where = page.evaluate(BUTTON_ON_PAGE)
    assert page.evaluate("document.activeElement.classList.contains('jupyter-widget-taginput')")  # still focused
    page.locator("button.lbrec-go").click()  # the first click: the tag box loses the focus on its way, nothing moves
    assert page.evaluate(BUTTON_ON_PAGE) == where
    page.locator(".lbrec-card").first.wait_for(timeout=30_000)
    with_genre = [genre in genres for genres in genres_of_cards(page)]
    assert len(with_genre) == 10 and (all(with_genre) if placeholder == "any genre" else not any(with_genre))
    tags.click()
    settle(page, lambda: tags.press("Backspace"))  # the tag goes (for the next test), and the answer follows
    assert page.locator(".lbrec-settings .jupyter-widget-tag", has_text=genre).count() == 0


def test_an_option_and_a_mark_settle_within_a_second_and_the_picture_comes_when_asked(
    page: Page, tmp_path: Path
) -> None:
    answer_the_export(page)
    choice, others, current = other_choices(page)
    changes = [settle(page, lambda text=text: choice.select_option(label=text)) for text in [*others[:2], current]]
    marks = [settle(page, lambda: page.locator(".lbrec-card button.lbrec-mark-seen").first.click()) for _ in range(2)]
    print(f"settled in (s): options {changes}, marks {marks}")
    # the best of each: the goal on this machine; the worst: a slow moment of the shared machine, never a stall
    assert min(changes) < GOAL_S and min(marks) < GOAL_S and max(changes + marks) < 5 * GOAL_S
    assert page.locator(".lbrec-error").count() == 0 and "data:image/png" not in page.locator(".lbrec").inner_html()
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="⬇ PNG to share").click()
    assert download.value.suggested_filename.endswith(".png")
    download.value.save_as(tmp_path / "shared.png")
    assert (tmp_path / "shared.png").read_bytes().startswith(b"\x89PNG")


def quiet(tmdb: LoopbackTmdb, seconds: float = 1.0, timeout: float = 60.0) -> None:
    """Wait until TMDb has been asked nothing for `seconds`: the page's look ahead is done (a visitor reading)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = len(tmdb.hits)
        time.sleep(seconds)
        if len(tmdb.hits) == count:
            return
    raise AssertionError("TMDb was still being asked after a minute")


def test_with_a_key_an_option_settles_within_a_second_posters_and_newer_films_included(
    page: Page, voila_with_slow_tmdb: str, slow_tmdb: LoopbackTmdb
) -> None:
    with contextlib.closing(second_page(page, voila_with_slow_tmdb)) as page:
        answer_the_export(ready(page))
        assert page.locator(".lbrec-card img.lbrec-poster").count() == 10  # the posters came: the key works
        choice, others, current = other_choices(page)
        changes = []
        for text in [*others[:3], current]:
            quiet(slow_tmdb)  # the visitor reads the answer; the page asks ahead meanwhile
            asked = len(slow_tmdb.hits)
            changes.append(settle(page, lambda text=text: choice.select_option(label=text)))
            assert page.locator(".lbrec-card img.lbrec-poster").count() == 10, text  # every card with its poster
            assert len(slow_tmdb.hits) == asked, text  # the change itself asked TMDb nothing: it was asked ahead
        print(f"settled in (s), with a key: options {changes}")
        # the best: the goal on this machine; the worst: a slow moment of the shared machine, never a stall
        assert min(changes) < GOAL_S and max(changes) < 5 * GOAL_S and page.locator(".lbrec-error").count() == 0
