"""The app under load: N visitors at once in a real browser, their memory, and the culling of their kernels.

    python -m benchmarks.bench_load [--model models/ml-latest-small] [--visitors 8] [--rounds 5]

1. A Voilà server with the flags of `python -m lbrec app` (`make app`) and the culling shortened (idle 20 s, checked
   every 5 s, instead of 600 s and 60 s); Debian's chromium with a browser context per visitor (harness/load.py).
   Every visitor opens the app, then all type three titles and click at the same moment, `--rounds` times. Every
   click must bring ten cards: p50 / p95 / max from the click to the tenth card. Then the memory of each kernel
   process (RSS; PSS, which shares the libraries all kernels map between them; USS, what only it holds). Then the
   tabs are closed: seconds until the last kernel is culled.
2. A tab left open and idle: with `cull_connected=True` its kernel is culled too (without it, an open tab keeps its
   kernel for ever): seconds until it is gone, and what the page shows then.

Results: a Markdown table on stdout and benchmarks/out/load.json. Needs Debian's chromium (`make browser`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path

from harness.browser import CHROMIUM_ARGS, chromium
from harness.files import REPO
from harness.load import App, run_load, start_app
from lbrec import paths

OUT = REPO / "benchmarks" / "out"


def idle_open_tab(app: App, wait_s: float) -> dict:
    """One tab opened, used once, then left open: seconds until its kernel is culled, and the page's state then."""
    from playwright.async_api import async_playwright

    async def run() -> dict:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            page = await browser.new_page()
            await page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(app.url) else r.abort())
            await page.goto(app.url + "/")
            await page.locator("button.lbrec-go:enabled").wait_for(timeout=180_000)
            left = time.perf_counter()
            culled = None
            while time.perf_counter() - left < wait_s:
                if len(app.kernels()) <= app.pool_size:  # only the preheated ones are left
                    culled = time.perf_counter() - left
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(2)
            shown = await page.locator("body").inner_text()
            await browser.close()
            return {"culled_after_s": culled, "page_mentions_the_kernel": "kernel" in shown.lower()}

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=paths.default_model_dir())
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="simultaneous clicks per visitor (default: %(default)s)")
    parser.add_argument("--cull-idle", type=int, default=20)
    parser.add_argument("--cull-interval", type=int, default=5)
    args = parser.parse_args()
    logs = OUT / "load-logs"
    report: dict = {
        "model": str(args.model),
        "cpus": os.cpu_count(),
        "cull_idle_s": args.cull_idle,
        "cull_interval_s": args.cull_interval,
    }

    app = start_app(args.model, args.cull_idle, args.cull_interval, logs / "voila-visitors.log")
    try:
        started = time.perf_counter()
        load = run_load(app, args.visitors, args.rounds, cull_wait_s=args.cull_idle + 4 * args.cull_interval + 60)
        report["visitors"] = load.summary() | {
            "wall_s": time.perf_counter() - started,
            "clicks_s": [round(c, 3) for c in load.clicks],
            "ready_each_s": [round(v.ready_s, 2) for v in load.visits],
        }
    finally:
        app.stop()

    app = start_app(args.model, args.cull_idle, args.cull_interval, logs / "voila-open-tab.log", cull_connected=True)
    try:
        report["open_idle_tab"] = idle_open_tab(app, wait_s=args.cull_idle + 4 * args.cull_interval + 60)
    finally:
        app.stop()

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "load.json").write_text(json.dumps(report, indent=2))
    visitors = report["visitors"]
    clicks = visitors["click_to_results_s"]
    print(f"model {args.model}; {os.cpu_count()} CPUs; {args.visitors} visitors x {args.rounds} simultaneous clicks\n")
    print(
        "| visitors | clicks | failed | page ready, median / max (s) | click to results p50 / p95 / max (s) | "
        "kernel RSS (MiB) | kernel PSS (MiB) | culled after tabs closed (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {visitors['visitors']} | {visitors['clicks']} | {visitors['errors']} | "
        f"{visitors['ready_s']['median']:.1f} / {visitors['ready_s']['max']:.1f} | "
        f"{clicks['median']:.2f} / {clicks['p95']:.2f} / {clicks['max']:.2f} | "
        f"{min(visitors['kernel_rss_mib'])}-{max(visitors['kernel_rss_mib'])} | "
        f"{min(visitors['kernel_pss_mib'])}-{max(visitors['kernel_pss_mib'])} | {visitors['culled_after_close_s']} |"
    )
    print(f"\nan idle open tab with cull_connected=True: {report['open_idle_tab']}")


if __name__ == "__main__":
    main()
