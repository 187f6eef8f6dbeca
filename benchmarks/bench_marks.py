"""How long a "not for me" or "seen it" click takes to re-rank (the goal: under 100 ms in the app).

    python -m benchmarks.bench_marks [--model models/ml-latest-small] [--clicks 20] [--no-browser]

- in the kernel: the app's handler for a click (`RecommenderApp._on_memory`: read the message, mark, ask the engine
  again without reading the input, render the cards), for 3 typed titles, 500 typed films and a 500-film export
  imported in bulk (read as unordered: SASRec over every window, its reasons by occlusion over all 500), each click on
  the first card shown once the previous click's taste chart is drawn (it follows the cards in a thread); beside it,
  the same app's first answer (the "Recommend films" click) for scale;
- in chromium, on the server `python -m lbrec app` starts: from the click on a card's button (the event's time) to
  the page holding ten cards again without the film (a MutationObserver in the page; the card itself is hidden at
  once, in the page).

Results: Markdown on stdout and benchmarks/out/marks.json.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from harness.files import REPO
from lbrec import paths

OUT = REPO / "benchmarks" / "out"
PAUSE_MS = 2000  # between two clicks in the browser: a person reads the new card (the chart is drawn meanwhile)
THREE = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"
SHOWN = (
    "[...document.querySelectorAll('.lbrec-card:not(.lbrec-marked) button.lbrec-mark-seen')]"
    ".map(b => Number(b.dataset.movieId))"
)


# In the page: from the click (its event's time) to the DOM holding ten cards again without the film.
TIME_THE_CLICK = """() => {
    window.lbrecReplaced = undefined;
    let clicked;
    document.addEventListener('click', (event) => { clicked = event.timeStamp; }, {capture: true, once: true});
    const observer = new MutationObserver(() => {
        const shown = SHOWN;
        if (clicked !== undefined && shown.length == 10 && !shown.includes(MOVIE_ID)
                && document.querySelectorAll('.lbrec-card').length == 10) {
            window.lbrecReplaced = performance.now() - clicked;
            observer.disconnect();
        }
    });
    observer.observe(document.body, {childList: true, subtree: true});
}""".replace("SHOWN", SHOWN)


def milliseconds(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "n": len(ordered),
    }


def bulk_export(films: list[tuple[str, int]]) -> bytes:
    """A Letterboxd export ZIP of `films` (title, year) all logged on one day: a bulk import, read as unordered."""
    rows = "".join(f'2026-01-01,"{title}",{year},https://boxd.it/x{i},4\n' for i, (title, year) in enumerate(films))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n" + rows)
        archive.writestr(
            "watched.csv",
            "Date,Name,Year,Letterboxd URI\n"
            + "".join(f'2026-01-01,"{title}",{year},https://boxd.it/x{i}\n' for i, (title, year) in enumerate(films)),
        )
    return buffer.getvalue()


def in_kernel(model: Path, titles: str | bytes, clicks: int) -> dict[str, dict[str, float]]:
    """The click's handler in-process, on the app a visitor's kernel builds: typed titles, or an export's bytes."""
    from lbrec.app.environment import load_engine
    from lbrec.app.page import RecommenderApp
    from lbrec.app.sources import TYPED_TAB, UPLOAD_TAB
    from lbrec.letterboxd.client import Client

    app = RecommenderApp(*load_engine(model), client=Client(cache=False))
    if isinstance(titles, bytes):
        app.sources.tabs.selected_index = UPLOAD_TAB
        app.sources.upload.value = (
            {
                "name": "letterboxd-bench-2026-01-01-00-00-utc.zip",
                "type": "application/zip",
                "size": len(titles),
                "content": memoryview(titles),
                "last_modified": datetime.now(UTC),
            },
        )
    else:
        app.sources.tabs.selected_index = TYPED_TAB
        app.sources.typed.value = titles
    started = time.perf_counter()
    app.go.click()
    first = time.perf_counter() - started
    assert app.session.answer is not None and not app.message.value, app.message.value
    times = []
    for number in range(clicks):
        movie_id = int(re.search(r'data-movie-id="(\d+)"', app.results.value).group(1))
        mark = "not_for_me" if number % 2 == 0 else "seen"
        started = time.perf_counter()
        app._on_memory({"type": "mark", "movieId": movie_id, "mark": mark})
        times.append(time.perf_counter() - started)
        assert f'data-movie-id="{movie_id}"' not in app.results.value and not app.message.value
        if app.chart_thread is not None:  # a person clicks again after a moment, not at once
            app.chart_thread.join()
    return {"first answer": milliseconds([first]), "click": milliseconds(times)}


def in_browser(model: Path, clicks: int) -> dict[str, float]:
    """From a card's button clicked to ten cards again without the film, in chromium."""
    from playwright.sync_api import sync_playwright

    from benchmarks.common import new_page, start_server, stop, wait_interactive, wait_until_answering
    from harness.browser import CHROMIUM_ARGS, TYPED_TITLES, chromium

    server, url = start_server(model, None)
    try:
        wait_until_answering(server, url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            page = new_page(browser, url)
            page.goto(url + "/")
            wait_interactive(page)
            page.get_by_role("tab", name="Type titles").click()
            page.get_by_placeholder(TYPED_TITLES).fill(THREE)
            page.get_by_role("button", name="Recommend films").click()
            page.wait_for_function(f"{SHOWN}.length == 10", timeout=120_000)
            times = []
            for _ in range(clicks):
                movie_id = page.evaluate(SHOWN)[0]
                page.evaluate(TIME_THE_CLICK.replace("MOVIE_ID", str(movie_id)))
                page.locator(f"button.lbrec-mark-not_for_me[data-movie-id='{movie_id}']").click()
                page.wait_for_function("window.lbrecReplaced !== undefined", timeout=60_000)
                times.append(page.evaluate("window.lbrecReplaced") / 1000)
                page.wait_for_timeout(PAUSE_MS)
            browser.close()
    finally:
        stop(server)
    return milliseconds(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    model = args.model or paths.default_model_dir()
    from lbrec.serving.engine import Recommender

    engine = Recommender(model)
    films = [
        (engine.film(i).title, engine.film(i).year) for i in range(1, engine.n_items + 1, 12) if engine.film(i).year
    ][:500]
    report = {
        "kernel, 3 typed titles": in_kernel(model, THREE, args.clicks),
        "kernel, 500 typed films": in_kernel(model, "\n".join(f"{t} ({y})" for t, y in films), args.clicks),
        "kernel, a 500-film bulk export (unordered)": in_kernel(model, bulk_export(films), args.clicks),
    }
    if not args.no_browser:
        report["chromium, click to ten cards again (3 titles)"] = {"click": in_browser(model, args.clicks)}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "marks.json").write_text(json.dumps(report, indent=2))
    print("| where | what | median ms | p95 ms | n |\n|---|---|---:|---:|---:|")
    for where, rows in report.items():
        for what, row in rows.items():
            print(f"| {where} | {what} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | {row['n']} |")


if __name__ == "__main__":
    main()
