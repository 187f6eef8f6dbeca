"""How quickly the page answers a small change, in chromium, and where the seconds go in the kernel.

    python -m benchmarks.bench_page [--model models/ml-latest-small] [--export ZIP] [--runs 5] [--tmdb SECONDS]
                                    [--baseline DIR]

- usable: a settled server (its preheated kernels ready) opened in a new tab, until the "Recommend films" button is
  enabled (the widgets built), one visitor after another with a pause for the pool to refill;
- an option: after an export's first answer, "Recommend from" set to each of its other choices in turn, from the
  change (the event's time) to the page settled: its last change before a second of quiet (the cards, what was
  understood, the taste chart, the download links with the picture to share);
- a mark: "Seen it" or "Not for me" on the first card, from the click to the page settled;
- in the kernel, for the same change of option: the app's whole handler, and apart the answer, the taste chart and
  the picture to share (what the rest of the browser's figure is: the widgets' traffic and the page's rendering);
  with a key, TMDb's requests: the first answer's, what the page asks ahead while the visitor reads it (the other
  choices of films), and each change's own.

The export is `--export` (a Letterboxd export ZIP), else a made-up one over the model's catalog: 300 films logged on
300 days, two thirds rated (half a star to five), a fifth liked. With `--baseline DIR`, another checkout's
`python -m lbrec app` (e.g. main before a change) is measured in the same run, the two interleaved. With
`--tmdb SECONDS`, the servers have a key to a loopback TMDb over the model's catalog that answers each request after
that latency (posters, synopses: the cards fill in, and the picture to share is drawn with the posters).

Results: Markdown on stdout and benchmarks/out/page.json. Needs Debian's chromium (`make browser`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import OUT, new_page, start_server, stop, wait_interactive, wait_until_answering
from harness.browser import CHROMIUM_ARGS, chromium, settle
from harness.files import REPO
from harness.tmdb_server import IMAGES, V3_KEY, LoopbackTmdb, catalog_rows
from lbrec import paths

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REFILL_S = 6.0  # between two visitors: the pool replaces the kernel the last one took
EXPORT_NAME = "letterboxd-bench-2026-01-01-00-00-utc.zip"


def made_up_export(model: Path, films: int = 300) -> bytes:
    """A Letterboxd export ZIP of `films` of the model's catalog, one logged per day, most rated, some liked."""
    from lbrec.serving.engine import Recommender

    engine = Recommender(model)
    step = max(1, engine.n_items // (films * 2))
    chosen = [engine.film(i) for i in range(1, engine.n_items + 1, step) if engine.film(i).year][:films]
    first = date(2019, 1, 1)
    watched, ratings, liked = [], [], []
    for i, film in enumerate(chosen):
        row = f'{first + timedelta(days=i)},"{film.title}",{film.year},https://boxd.it/b{i}'
        watched.append(row)
        if i % 3:
            ratings.append(f"{row},{0.5 * (1 + (i * 7) % 10):g}")
        if i % 5 == 0:
            liked.append(row)
    header = "Date,Name,Year,Letterboxd URI"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("watched.csv", "\n".join([header, *watched]) + "\n")
        archive.writestr("ratings.csv", "\n".join([header + ",Rating", *ratings]) + "\n")
        archive.writestr("likes/films.csv", "\n".join([header, *liked]) + "\n")
    return buffer.getvalue()


def serve_tmdb(stack: contextlib.ExitStack, model: Path, latency: float) -> None:
    """TMDb over the model's catalog, on loopback until `stack` closes; the servers (and kernels) started after this
    have a key to it."""
    tmdb = stack.enter_context(LoopbackTmdb(catalog_rows(model), latency))
    os.environ |= {"TMDB_API_KEY": V3_KEY, "LBREC_TMDB_URL": tmdb.url, "LBREC_TMDB_IMAGE_URL": tmdb.url + IMAGES}


class Visit:
    """One checkout's server, and a page of it that has had the export's first answer."""

    def __init__(self, browser: Browser, model: Path, checkout: Path, export: bytes):
        from lbrec.letterboxd.export import read_export
        from lbrec.letterboxd.history import CHOICES

        self.browser, self.export = browser, export
        latest = CHOICES["recent"][0].upper() + CHOICES["recent"][1:]  # as the page writes it
        self.refused = {latest} if read_export(export).unordered else set()
        self.server, self.url = start_server(model, None, checkout)
        wait_until_answering(self.server, self.url)
        self.page: Page | None = None

    def usable(self) -> float:
        """Seconds from opening the page to its button enabled."""
        page = new_page(self.browser, self.url)
        started = time.perf_counter()
        page.goto(self.url + "/")
        wait_interactive(page)
        took = time.perf_counter() - started
        page.context.close()
        return took

    def open(self) -> None:
        """A page with the export's first answer on screen, watched for changes."""
        page = self.page = new_page(self.browser, self.url)
        page.goto(self.url + "/")
        wait_interactive(page)
        page.get_by_role("tab", name="Upload your Letterboxd export").click()
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choose the ZIP").click()
        chooser.value.set_files(files=[{"name": EXPORT_NAME, "mimeType": "application/zip", "buffer": self.export}])
        page.locator(".lbrec-ready").wait_for(timeout=60_000)
        settle(page, lambda: page.locator("button.lbrec-go").click())
        if page.locator(".lbrec-error").count():
            raise RuntimeError(page.locator(".lbrec-error").inner_text())

    def option(self, number: int) -> float:
        """Seconds from "Recommend from" set to another of its choices to the page settled (never the latest 50 of
        a bulk import: refused, they would be a page of its own to time)."""
        choice = self.page.get_by_label("Recommend from")
        current = choice.evaluate("e => e.options[e.selectedIndex].text")
        others = [
            text
            for text in choice.locator("option").all_inner_texts()
            if text != current and text.replace("\xa0", " ") not in self.refused
        ]
        return settle(self.page, lambda: choice.select_option(label=others[number % len(others)]))

    def mark(self, number: int) -> float:
        """Seconds from a click on the first card's "Seen it" (or "Not for me") to the page settled."""
        mark = "seen" if number % 2 else "not_for_me"
        return settle(self.page, lambda: self.page.locator(f".lbrec-card button.lbrec-mark-{mark}").first.click())

    def close(self) -> None:
        if self.page is not None:
            self.page.context.close()
        stop(self.server)


def in_kernel(model: Path, export: bytes, runs: int) -> dict[str, dict[str, list[float]]]:
    """The option's change in the kernel of this checkout: the handler (the cards and their posters), and apart its
    answer and its pictures; with a key, TMDb's requests: the first answer's (its posters and its shelf), what the
    page then asks ahead (the other choices of films), and each change's own, made after the look ahead (a visitor
    reading the answer meanwhile)."""
    from lbrec.app.environment import load_engine
    from lbrec.app.page import RecommenderApp
    from lbrec.app.questions import recommend
    from lbrec.app.sources import UPLOAD_TAB
    from lbrec.letterboxd.client import Client
    from lbrec.letterboxd.history import CHOICES
    from lbrec.tmdb.environment import tmdb_from_env

    tmdb = tmdb_from_env()
    app = RecommenderApp(*load_engine(model), client=Client(cache=False), tmdb=tmdb)
    screen = app.screen

    def made() -> int:
        return tmdb.requests_made if tmdb is not None else 0

    def wait(*threads: object) -> None:
        for thread in threads:
            if thread is not None:
                thread.join()

    app.sources.tabs.selected_index = UPLOAD_TAB
    upload = {"name": EXPORT_NAME, "type": "application/zip", "size": len(export), "content": memoryview(export)}
    app.sources.upload.value = ({**upload, "last_modified": datetime.now(UTC)},)
    app.go.click()
    wait(screen.poster_thread, screen.shelf_thread)
    first = made()
    wait(screen.ahead_thread)
    requests = {"the first answer (posters, shelf)": [first], "asked ahead: the other choices": [made() - first]}
    requests["an option changed, after the look ahead"] = []
    choices = list(CHOICES)
    times: dict[str, list[float]] = {"handler": [], "answer": [], "taste chart": [], "picture to share": []}
    for number in range(runs):
        wait(screen.ahead_thread)
        before = made()
        started = time.perf_counter()
        app.settings.choice.value = choices[(number + 1) % len(choices)]
        wait(app.chart_thread, app.poster_thread, screen.shelf_thread)
        if app.message.value or app.session.answer is None:  # a choice refused for this export (the latest 50 of
            continue  # a bulk import): no answer to time
        times["handler"].append(round(time.perf_counter() - started, 4))
        requests["an option changed, after the look ahead"].append(made() - before)
        for step, work in (
            ("answer", app.session.recommend),
            ("taste chart", lambda: recommend.taste_chart(app.session)),
            ("picture to share", app.session.picture),
        ):
            started = time.perf_counter()
            work()
            times[step].append(round(time.perf_counter() - started, 4))
    wait(screen.ahead_thread)
    return {"seconds": times, "requests": requests}


def in_browser(model: Path, checkouts: dict[str, Path], export: bytes, runs: int) -> dict[str, dict[str, list]]:
    """Each checkout's server and page, the measures interleaved so that a slow moment of the machine hits each."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        visits = {name: Visit(browser, model, checkout.resolve(), export) for name, checkout in checkouts.items()}
        measures: dict[str, dict[str, list]] = {name: {"usable": [], "option": [], "mark": []} for name in visits}
        try:
            time.sleep(2 * REFILL_S)  # every pool filled
            for _ in range(runs):
                for name, visit in visits.items():
                    measures[name]["usable"].append(round(visit.usable(), 3))
                time.sleep(REFILL_S)
            for visit in visits.values():
                visit.open()
            for number in range(runs):
                for name, visit in visits.items():
                    measures[name]["option"].append(round(visit.option(number), 3))
                    measures[name]["mark"].append(round(visit.mark(number), 3))
        finally:
            for visit in visits.values():
                visit.close()
            browser.close()
    return measures


def summary(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.2f} (max {max(seconds):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=paths.default_model_dir())
    parser.add_argument("--export", type=Path, help="a Letterboxd export ZIP (default: a made-up one)")
    parser.add_argument("--runs", type=int, default=5, help="of each measure, per checkout (default: %(default)s)")
    parser.add_argument("--tmdb", type=float, metavar="SECONDS", help="a loopback TMDb answering after SECONDS")
    parser.add_argument("--baseline", type=Path, help="another checkout measured in the same run")
    args = parser.parse_args()
    export = args.export.read_bytes() if args.export else made_up_export(args.model)
    checkouts = {"this checkout": REPO} | ({f"baseline {args.baseline.name}": args.baseline} if args.baseline else {})
    report: dict = {"model": str(args.model), "export": str(args.export or "made up"), "tmdb": args.tmdb}
    with contextlib.ExitStack() as stack:
        if args.tmdb is not None:
            serve_tmdb(stack, args.model, args.tmdb)
        report["browser"] = in_browser(args.model, checkouts, export, args.runs)
        report["kernel"] = in_kernel(args.model, export, args.runs)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "page.json").write_text(json.dumps(report, indent=2))
    posters = f"a loopback TMDb answering after {args.tmdb} s" if args.tmdb is not None else "no TMDb key"
    print(f"model {report['model']}; export {report['export']}; {posters}; {args.runs} of each, in s: median (max)\n")
    print("| checkout | page usable | an option changed: settled | a mark: settled |\n|---|---:|---:|---:|")
    for name, m in report["browser"].items():
        print(f"| {name} | {summary(m['usable'])} | {summary(m['option'])} | {summary(m['mark'])} |")
    print("\n| in the kernel of this checkout, an option changed | median (max) |\n|---|---:|")
    for step, seconds in report["kernel"]["seconds"].items():
        print(f"| {step} | {1000 * statistics.median(seconds):.0f} ms (max {1000 * max(seconds):.0f}) |")
    if args.tmdb is not None:
        print("\n| TMDb's requests, in the kernel of this checkout | median (max) |\n|---|---:|")
        for what, counts in report["kernel"]["requests"].items():
            print(f"| {what} | {statistics.median(counts):g} (max {max(counts)}) |")


if __name__ == "__main__":
    sys.exit(main())
