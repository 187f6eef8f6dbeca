"""What a visitor of the app waits for, in a real browser, on the server `python -m lbrec app` starts.

    python -m benchmarks.bench_app [--model models/ml-latest-small] [--runs 3] [--visitors 10] [--pool-size 2 4]
                                   [--clicks 10] [--baseline ../lbrec-main]

- cold start: from launching the server to it answering, and to the page being interactive in chromium (the
  "Recommend films" button enabled: a kernel has imported lbrec.app, loaded the model and built the widgets);
  a fresh server each run, the browser launched before the clock starts. Once with preheated kernels switched off
  (`--pool-size 0`, what every visitor met before) and once per pool size; with `--baseline DIR`, also the
  `python -m lbrec app` of another checkout (e.g. an older main) in the same run.
- visitors on a warm server: one after another (each opens the page, waits for the button, closes the tab; the
  next arrives at once), the seconds to the button for every one of them; then 4 arriving at the same moment.
- click to results for three typed titles: from the click to the tenth card, new titles each time.

Results: Markdown tables on stdout and benchmarks/out/app.json. Needs Debian's chromium (`make browser`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from benchmarks.common import OUT, new_page, start_server, stop, wait_interactive, wait_until_answering
from harness.browser import CHROMIUM_ARGS, TYPED_TITLES  # the browser tests' settings
from harness.files import REPO
from harness.load import TITLES
from lbrec import paths


def cold_start(browser: Browser, model: Path, pool_size: int | None, checkout: Path = REPO) -> dict[str, float]:
    """One fresh server: seconds to the server answering and to the interactive page."""
    start = time.perf_counter()
    server, url = start_server(model, pool_size, checkout)
    try:
        wait_until_answering(server, url)
        answering = time.perf_counter() - start
        page = new_page(browser, url)
        page.goto(url + "/")
        wait_interactive(page)
        interactive = time.perf_counter() - start
        page.context.close()
        return {"server_answers_s": answering, "interactive_s": interactive}
    finally:
        stop(server)


def visitors_in_a_row(browser: Browser, url: str, count: int) -> list[float]:
    """Seconds from opening the page to the button enabled, for `count` visitors arriving one after another."""
    waits = []
    for _ in range(count):
        page = new_page(browser, url)
        started = time.perf_counter()
        page.goto(url + "/")
        wait_interactive(page)
        waits.append(time.perf_counter() - started)
        page.context.close()
    return waits


def visitors_at_once(browser: Browser, url: str, count: int) -> list[float]:
    """Seconds to the button enabled for `count` visitors who open the page at the same moment."""
    pages = [new_page(browser, url) for _ in range(count)]
    started = time.perf_counter()
    for page in pages:
        page.goto(url + "/", wait_until="commit")
    waits = []
    for page in pages:  # each wait ends when that page is ready; the clock started for all at once
        wait_interactive(page)
        waits.append(time.perf_counter() - started)
    for page in pages:
        page.context.close()
    return waits


def click_to_results(page: Page, titles: str) -> float:
    """Seconds from the click to the tenth card on screen (the previous answer is removed first)."""
    page.get_by_role("tab", name="Type titles").click()
    page.get_by_placeholder(TYPED_TITLES).fill(titles)
    page.evaluate("document.querySelectorAll('.lbrec-card, .lbrec-error').forEach(e => e.remove())")
    start = time.perf_counter()
    page.get_by_role("button", name="Recommend films").click()
    page.locator(".lbrec-card").nth(9).or_(page.locator(".lbrec-error")).wait_for(timeout=60_000)
    elapsed = time.perf_counter() - start
    if page.locator(".lbrec-error").count():
        raise RuntimeError(page.locator(".lbrec-error").inner_text())
    return elapsed


def warm_server(
    browser: Browser, model: Path, pool_size: int | None, visitors: int, clicks: int, checkout: Path = REPO
) -> dict:
    """Visitors in a row, then 4 at once, then clicks on one page, all on one server started beforehand."""
    server, url = start_server(model, pool_size, checkout)
    pool_size = pool_size or 0
    try:
        wait_until_answering(server, url)
        time.sleep(max(10.0, 5.0 * pool_size))  # the pool fills before the first visitor
        in_a_row = visitors_in_a_row(browser, url, visitors)
        time.sleep(max(10.0, 5.0 * pool_size))  # refilled
        at_once = visitors_at_once(browser, url, 4)
        time.sleep(max(10.0, 5.0 * pool_size))
        page = new_page(browser, url)
        page.goto(url + "/")
        wait_interactive(page)
        click_to_results(page, TITLES[0])  # warm: matplotlib imported, the first chart drawn
        timed = [click_to_results(page, TITLES[1 + i % (len(TITLES) - 1)]) for i in range(clicks)]
        page.context.close()
    finally:
        stop(server)
    return {"in_a_row_s": in_a_row, "at_once_s": at_once, "clicks_s": timed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=paths.default_model_dir())
    parser.add_argument("--runs", type=int, default=3, help="cold starts per variant (default: %(default)s)")
    parser.add_argument("--visitors", type=int, default=10, help="visitors in a row (default: %(default)s)")
    parser.add_argument("--pool-size", type=int, nargs="+", default=[2, 4], help="pool sizes to measure")
    parser.add_argument("--clicks", type=int, default=10, help="timed clicks after the first (default: %(default)s)")
    parser.add_argument("--baseline", type=Path, help="another checkout whose `lbrec app` is timed in the same run")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or sys.exit("chromium not found: run `make browser`")
    variants: dict[str, tuple[int | None, Path]] = {"no preheated kernel (--pool-size 0)": (0, REPO)}
    variants |= {f"--pool-size {n}": (n, REPO) for n in args.pool_size}
    if args.baseline:
        variants = {f"baseline {args.baseline.name}": (None, args.baseline.resolve()), **variants}
    report: dict = {"model": str(args.model), "cpus": os.cpu_count(), "runs": args.runs, "cold_start": {}, "warm": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for _ in range(args.runs):  # interleaved, so that a slow moment of the machine hits every variant
            for name, (pool_size, checkout) in variants.items():
                run = cold_start(browser, args.model, pool_size, checkout)
                for key, value in run.items():
                    report["cold_start"].setdefault(name, {}).setdefault(key, []).append(round(value, 3))
        for name, (pool_size, checkout) in variants.items():
            warm = warm_server(browser, args.model, pool_size, args.visitors, args.clicks, checkout)
            report["warm"][name] = {key: [round(v, 3) for v in values] for key, values in warm.items()}
        browser.close()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "app.json").write_text(json.dumps(report, indent=2))
    print_report(report, args.visitors)


def print_report(report: dict, visitors: int) -> None:
    print(f"model {report['model']}; {report['cpus']} CPUs; {report['runs']} cold starts per variant\n")
    print("| cold server | server answers (s) | page interactive (s) |")
    print("|---|---:|---:|")
    for name, runs in report["cold_start"].items():
        print(
            f"| {name} | " + " | ".join(f"{statistics.median(v):.2f} (max {max(v):.2f})" for v in runs.values()) + " |"
        )
    print(
        f"\n| warm server | 1st visitor | 2nd | {visitors}th | median of {visitors} | max | "
        f"4 at once: median | 4 at once: max | click to results: median |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, warm in report["warm"].items():
        row, four = warm["in_a_row_s"], warm["at_once_s"]
        cells = [
            row[0],
            row[1],
            row[-1],
            statistics.median(row),
            max(row),
            statistics.median(four),
            max(four),
            statistics.median(warm["clicks_s"]),
        ]
        print(f"| {name} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
