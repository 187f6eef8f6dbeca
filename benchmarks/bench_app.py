"""The app's start-up and response time, in a real browser: what a visitor waits for.

    python -m benchmarks.bench_app [--model models/ml-latest-small] [--runs 3] [--clicks 10]

- cold start: from launching `voila notebooks/05_recommend.ipynb` (the Makefile's `app` command) to the server
  answering, and to the page being interactive in chromium (the "Recommend films" button rendered and enabled: the
  kernel has started, imported lbrec.app, loaded the model and the catalog, and built the widgets). The browser is
  launched before the clock starts. Each run is a fresh server.
- the same with the `rfc3987-syntax` package hidden from jsonschema (a stub that raises ImportError on
  PYTHONPATH): the price of the grammar that package builds at import in the server process.
- click to results for three typed titles: from the click to the tenth card on screen, new titles each time; the
  first click (which also imports matplotlib for the taste chart) is reported apart.

Results: a Markdown table on stdout and benchmarks/out/app.json. Needs Debian's chromium (`make browser`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from lbrec import paths
from tests.helpers.browser import CHROMIUM_ARGS, free_port  # the browser tests' settings
from tests.helpers.files import REPO
from tests.helpers.load import TITLES

OUT = REPO / "benchmarks" / "out"
NOTEBOOK = REPO / "notebooks" / "05_recommend.ipynb"


def start_server(model: Path, env_extra: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "LBREC_MODEL": str(model), **env_extra}
    server = subprocess.Popen([sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
                               "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server, f"http://127.0.0.1:{port}"


def wait_until_answering(server: subprocess.Popen, url: str) -> None:
    """Voilà's readiness probe: its static files (a GET of / would start a kernel)."""
    while True:
        try:
            with urllib.request.urlopen(url + "/voila/static/voila.js", timeout=2):
                return
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"voila exited with {server.returncode}") from None
            time.sleep(0.05)


def open_app(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    page.goto(url + "/")
    page.locator("button.lbrec-go:enabled").wait_for(timeout=120_000)
    return page


def cold_start(browser: Browser, model: Path, env_extra: dict[str, str]) -> dict[str, float]:
    """One fresh server: seconds to the server answering and to the interactive page; then the first click."""
    start = time.perf_counter()
    server, url = start_server(model, env_extra)
    try:
        wait_until_answering(server, url)
        answering = time.perf_counter() - start
        page = open_app(browser, url)
        interactive = time.perf_counter() - start
        first_click = click_to_results(page, TITLES[0])
        page.close()
        return {"server_answers_s": answering, "interactive_s": interactive, "first_click_s": first_click}
    finally:
        server.terminate()
        server.wait(20)


def click_to_results(page: Page, titles: str) -> float:
    """Seconds from the click to the tenth card on screen (the previous answer is removed first)."""
    page.get_by_role("tab", name="Type titles").click()
    page.locator(".widget-textarea textarea").fill(titles)
    page.evaluate("document.querySelectorAll('.lbrec-card, .lbrec-error').forEach(e => e.remove())")
    start = time.perf_counter()
    page.get_by_role("button", name="Recommend films").click()
    page.locator(".lbrec-card").nth(9).or_(page.locator(".lbrec-error")).wait_for(timeout=60_000)
    elapsed = time.perf_counter() - start
    if page.locator(".lbrec-error").count():
        raise RuntimeError(page.locator(".lbrec-error").inner_text())
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=paths.default_model_dir())
    parser.add_argument("--runs", type=int, default=3, help="cold starts per variant (default: %(default)s)")
    parser.add_argument("--clicks", type=int, default=10, help="timed clicks after the first (default: %(default)s)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or sys.exit("chromium not found: run `make browser`")
    stub = Path(tempfile.mkdtemp(prefix="lbrec-bench-"))
    (stub / "rfc3987_syntax.py").write_text('raise ImportError("hidden by bench_app.py to time its import")\n')
    variants = {"as installed": {}, "rfc3987-syntax hidden": {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(stub), os.environ.get("PYTHONPATH")]))}}
    report: dict = {"model": str(args.model), "cpus": os.cpu_count(), "runs": args.runs, "cold_start": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, env in variants.items():
            runs = [cold_start(browser, args.model, env) for _ in range(args.runs)]
            report["cold_start"][name] = {key: [round(r[key], 3) for r in runs] for key in runs[0]}
        server, url = start_server(args.model, {})
        try:
            wait_until_answering(server, url)
            page = open_app(browser, url)
            click_to_results(page, TITLES[0])  # warm: matplotlib imported, the first chart drawn
            clicks = [click_to_results(page, TITLES[1 + i % (len(TITLES) - 1)]) for i in range(args.clicks)]
        finally:
            server.terminate()
            server.wait(20)
        browser.close()
    report["click_to_results_s"] = [round(c, 3) for c in clicks]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "app.json").write_text(json.dumps(report, indent=2))
    print(f"model {args.model}; {os.cpu_count()} CPUs; {args.runs} cold starts per variant\n")
    print("| variant | server answers (s) | page interactive (s) | first click to results (s) |")
    print("|---|---:|---:|---:|")
    for name, runs in report["cold_start"].items():
        cells = [f"{statistics.median(v):.2f} (max {max(v):.2f})" for v in runs.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nclick to ten results, typed titles ({len(clicks)} clicks after the first): median "
          f"{statistics.median(clicks):.2f} s, max {max(clicks):.2f} s")


if __name__ == "__main__":
    main()
