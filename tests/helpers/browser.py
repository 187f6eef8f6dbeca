"""Headless chromium (Debian's) for the browser tests and the benchmarks, and a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from tests.helpers.files import IN_CI, REPO

ARTIFACTS = REPO / "test-artifacts"  # the browser tests' screenshots and servers' logs
STARTUP_S = 90  # generous for a Voilà server on two shared cores; the benchmark measures the real figure

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


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
