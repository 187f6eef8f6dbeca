"""`python -m lbrec ...` in a real process, as a person runs it (training on two threads, the machine's cores)."""

from __future__ import annotations

import os
import subprocess
import sys

from harness.files import REPO


def run_lbrec(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    threads = ["--threads", "2"] if args and args[0] == "train" and "--threads" not in args else []
    return subprocess.run(
        [sys.executable, "-m", "lbrec", *args, *threads],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
