"""How long the test suite takes, tier by tier, beside another checkout's whole suite in the same run.

    LBREC_DATA_DIR=../shared/data python -m benchmarks.bench_suite [--baseline ../lbrec-main] [--tiers unit ...]

Runs `pytest` on each tier of this checkout (tests/unit, tests/integration, tests/browser), then, with
`--baseline DIR`, the whole suite of that checkout (an older main, before the tiers existed) with PYTHONPATH set
to it, one after the other on the same machine. Reports wall seconds and the number of tests passed. Results: a
Markdown table on stdout and benchmarks/out/suite.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
TIERS = ("unit", "integration", "browser")


def run(checkout: Path, paths: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout), "CI": os.environ.get("CI", "true")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|skipped|errors?)", summary)}
    return {"seconds": round(seconds, 1), "exit": done.returncode, "summary": summary, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout whose whole suite to time in the same run")
    parser.add_argument("--tiers", nargs="*", default=list(TIERS), choices=TIERS)
    args = parser.parse_args()
    results = {f"tests/{tier}": run(REPO, [f"tests/{tier}"]) for tier in args.tiers}
    if set(args.tiers) == set(TIERS):
        results["this checkout, all tiers"] = {
            "seconds": round(sum(r["seconds"] for r in results.values()), 1),
            "passed": sum(r.get("passed", 0) for r in results.values()),
            "exit": max(r["exit"] for r in results.values()),
        }
    if args.baseline:
        results[f"{args.baseline.name}, whole suite"] = run(args.baseline.resolve(), [])
    print("| suite | wall s | passed | exit |")
    print("|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['seconds']:.0f} | {r.get('passed', 0)} | {r['exit']} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "suite.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
