"""Headless chromium (Debian's) for the browser tests and the benchmarks, a free loopback port, and the time a page
takes to settle after a visitor's move (the tests hold it to its goal, `benchmarks.bench_page` measures it)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from harness.files import IN_CI, REPO

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARTIFACTS = REPO / "test-artifacts"  # the browser tests' screenshots and servers' logs
STARTUP_S = 90  # generous for a Voilà server on two shared cores; the benchmark measures the real figure

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium() -> str:
    """Debian's chromium (Playwright cannot download browsers here); its absence fails CI, skips elsewhere."""
    path = os.environ.get("LBREC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if IN_CI:
        pytest.fail("chromium not found: `make test` installs it (`make browser`)")
    pytest.skip("chromium not found: run `make browser`")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The "Type titles" box of the history inputs, by its placeholder (the page has a text box per question).
TYPED_TITLES = "Films you love, one per line"


@contextlib.contextmanager
def app_page(url: str) -> Iterator[Page]:
    """A tab of a fresh headless chromium on the Voilà server at `url` (nothing else reachable); on leaving, any
    JavaScript error the page raised fails the test."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url + "/")
        yield page
        browser.close()
        assert not errors, f"JavaScript errors in the page: {errors}"


def second_page(page: Page, url: str, *also: str) -> Page:
    """Another tab of the same browser on the Voilà server at `url` (nothing else reachable but the servers `also`),
    ready to be used: a page's fixture holds the one Playwright a test may have."""
    other = page.context.browser.new_page(viewport={"width": 1280, "height": 1000})
    other.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith((url, *also)) else route.abort()
    )
    other.goto(url + "/")
    other.get_by_role("button", name="Recommend films").wait_for(timeout=STARTUP_S * 1000)
    return other


QUIET_MS = 1000  # no change of the page for this long: it has settled
# In the page: the time of the next change, click or key (its event's), and of the page's last change since.
WATCH_SETTLING = """() => {
    if (window.lbrecSettle) return;
    const s = window.lbrecSettle = {armed: false, event: null, last: null};
    for (const kind of ['change', 'click', 'keydown']) {
        document.addEventListener(kind, e => { if (s.armed && s.event === null) s.event = e.timeStamp; },
                                  {capture: true});
    }
    new MutationObserver(() => { if (s.event !== null) s.last = performance.now(); })
        .observe(document.body, {childList: true, subtree: true, attributes: true, characterData: true});
}"""
ARM = "() => { const s = window.lbrecSettle; s.armed = true; s.event = null; s.last = null; }"
SETTLED = f"""() => {{ const s = window.lbrecSettle;
    return s.event !== null && s.last !== null && performance.now() - s.last > {QUIET_MS}
        && !document.querySelector('.lbrec-spinner') && !document.querySelector('button.lbrec-go').disabled; }}"""


def settle(page: Page, act: Callable[[], object], timeout_ms: int = 120_000) -> float:
    """Seconds from the event `act` causes (a change, a click or a key) to the page settled: its last change (cards,
    what was understood, the taste chart, the links, the posters) before a second of quiet."""
    page.evaluate(WATCH_SETTLING)
    page.evaluate(ARM)
    act()
    page.wait_for_function(SETTLED, timeout=timeout_ms, polling=100)
    return page.evaluate("window.lbrecSettle.last - window.lbrecSettle.event") / 1000
