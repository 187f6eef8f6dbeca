"""The app under concurrent visitors: a real Voilà server, one Debian chromium, a browser context per visitor.

Every visitor opens the app (Voilà starts a kernel for each page), types three titles and asks for recommendations,
all at the same moment, for a few rounds. Every click must bring ten cards; the time from click to the tenth card is
recorded, and the memory of each kernel process is read (RSS, and PSS, which shares the libraries every kernel maps
between them). Then the visitors close their tabs and their kernels must be culled (the preheated kernels waiting for
the next visitors stay): the server is `python -m lbrec app` (`make app`) with the culling shortened from 600 s to a few
seconds.

The suite runs 2 visitors (tests/browser/test_load.py); `benchmarks/bench_load.py` runs 8 on the trained model.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.browser import CHROMIUM_ARGS, TYPED_TITLES, chromium, free_port
from harness.files import REPO
from lbrec.cli.serve import POOL_SIZE

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOTEBOOK = REPO / "notebooks" / "05_recommend.ipynb"
TITLES = [  # three films a click, a new set each time
    "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)",
    "Alien (1979)\nFargo (1996)\nSpirited Away (2001)",
    "Casablanca (1942)\nSe7en (1995)\nUp (2009)",
    "Jaws (1975)\nMemento (2000)\nWALL·E (2008)",
    "Vertigo (1958)\nClueless (1995)\nOldboy (2003)",
    "Psycho (1960)\nToy Story (1995)\nInception (2010)",
    "Rocky (1976)\nTitanic (1997)\nZodiac (2007)",
    "Brazil (1985)\nScream (1996)\nAmores perros (2000)",
    "Annie Hall (1977)\nBabe (1995)\nGladiator (2000)",
    "Ran (1985)\nHeat (1995)\nShrek (2001)",
    "Tootsie (1982)\nCasino (1995)\nBig Fish (2003)",
]


# ---------------------------------------------------------------------------------------------------- the server


@dataclass
class App:
    process: subprocess.Popen
    url: str
    pool_size: int  # preheated kernels the server keeps waiting for visitors, besides one per open page

    def kernels(self) -> list:
        """The kernel processes Voilà started (one per open page)."""
        import psutil

        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        return [p for p in children if _is_kernel(p)]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _is_kernel(process: object) -> bool:
    import psutil

    try:
        return "ipykernel_launcher" in " ".join(process.cmdline())  # type: ignore[attr-defined]
    except psutil.Error:
        return False


def start_app(
    model_dir: Path,
    cull_idle: int,
    cull_interval: int,
    log_path: Path,
    *,
    cull_connected: bool = False,
    pool_size: int | None = None,
    startup_s: float = 90,
) -> App:
    """`python -m lbrec app` (what `make app` runs) with the culling shortened; ready when its static files are
    served (a GET of / would start a kernel). pool_size None: the command's default."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "lbrec",
        "app",
        "--model",
        str(model_dir.resolve()),
        f"--port={port}",
        f"--cull-idle={cull_idle}",
        f"--cull-interval={cull_interval}",
    ]
    if cull_connected:
        command.append("--cull-connected")
    if pool_size is not None:
        command.append(f"--pool-size={pool_size}")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    app = App(process, f"http://127.0.0.1:{port}", pool_size if pool_size is not None else POOL_SIZE)
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Voilà exited with {process.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(app.url + "/voila/static/voila.js", timeout=2):
                return app
        except OSError:
            time.sleep(0.2)
    app.stop()
    raise RuntimeError(f"Voilà did not answer within {startup_s} s: {log_path.read_text()[-2000:]}")


# ---------------------------------------------------------------------------------------------------- visitors


@dataclass
class Visit:
    """What one visitor saw."""

    ready_s: float = 0.0  # from opening the page to the button enabled (the kernel started, the model loaded)
    clicks_s: list[float] = field(default_factory=list)  # click to the tenth card, each round
    errors: list[str] = field(default_factory=list)


async def _visit(browser: Browser, url: str, number: int, rounds: int, together: asyncio.Barrier) -> tuple:
    visit = Visit()
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    await page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    page.on("pageerror", lambda error: visit.errors.append(f"JavaScript: {error}"))
    started = time.perf_counter()
    await page.goto(url + "/")
    await page.locator("button.lbrec-go:enabled").wait_for(timeout=180_000)
    visit.ready_s = time.perf_counter() - started
    await page.get_by_role("tab", name="Type titles").click()
    for round_ in range(rounds):
        await page.get_by_placeholder(TYPED_TITLES).fill(TITLES[(number * rounds + round_) % len(TITLES)])
        await page.evaluate("document.querySelectorAll('.lbrec-card, .lbrec-error').forEach(e => e.remove())")
        await together.wait()  # every visitor clicks at the same moment
        started = time.perf_counter()
        await page.get_by_role("button", name="Recommend films").click()
        answer = page.locator(".lbrec-card").nth(9).or_(page.locator(".lbrec-error"))
        await answer.wait_for(timeout=120_000)
        visit.clicks_s.append(time.perf_counter() - started)
        if await page.locator(".lbrec-error").count():
            visit.errors.append(await page.locator(".lbrec-error").inner_text())
    return visit, context


@dataclass
class Load:
    """What a run of concurrent visitors measured."""

    visits: list[Visit]
    kernel_memory: list[dict[str, int]]  # per kernel: rss, pss, uss in bytes, read after the last round
    culled_s: float | None  # from closing the tabs to the last of their kernels gone (None: one outlived the wait)

    @property
    def clicks(self) -> list[float]:
        return sorted(c for v in self.visits for c in v.clicks_s)

    def p95(self) -> float:
        clicks = self.clicks
        return clicks[min(len(clicks) - 1, round(0.95 * (len(clicks) - 1)))]

    def summary(self) -> dict:
        mib = 2**20
        return {
            "visitors": len(self.visits),
            "clicks": len(self.clicks),
            "errors": sum(len(v.errors) for v in self.visits),
            "ready_s": {
                "median": statistics.median(v.ready_s for v in self.visits),
                "max": max(v.ready_s for v in self.visits),
            },
            "click_to_results_s": {
                "median": statistics.median(self.clicks),
                "p95": self.p95(),
                "max": max(self.clicks),
            },
            "kernels": len(self.kernel_memory),
            "kernel_rss_mib": [round(m["rss"] / mib) for m in self.kernel_memory],
            "kernel_pss_mib": [round(m["pss"] / mib) for m in self.kernel_memory],
            "kernel_uss_mib": [round(m["uss"] / mib) for m in self.kernel_memory],
            "culled_after_close_s": self.culled_s,
        }


def run_load(app: App, visitors: int, rounds: int, cull_wait_s: float) -> Load:
    """`visitors` tabs at once, `rounds` simultaneous clicks each; then memory; then the tabs closed and culled."""
    from playwright.async_api import async_playwright

    async def run() -> Load:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            together = asyncio.Barrier(visitors)
            done = await asyncio.gather(*(_visit(browser, app.url, n, rounds, together) for n in range(visitors)))
            memory = []
            for kernel in app.kernels():
                info = kernel.memory_full_info()
                memory.append({"rss": info.rss, "pss": info.pss, "uss": info.uss})
            closed = time.perf_counter()
            for _, context in done:
                await context.close()
            culled = None
            while time.perf_counter() - closed < cull_wait_s:
                if len(app.kernels()) <= app.pool_size:  # only the preheated ones are left
                    culled = time.perf_counter() - closed
                    break
                await asyncio.sleep(0.25)
            await browser.close()
            return Load([visit for visit, _ in done], memory, culled)

    return asyncio.run(run())
