"""Fuzz every parser of outside input for 10,000 generated cases each: the suite's targets (harness/fuzz_targets.py).

    python -m benchmarks.bench_fuzz [--cases 10000] [--targets rss imdb ...]

Each case is generated anew (Hypothesis, not derandomized) from mutations of the real samples: the project's fixtures
and, when present, ../shared/fixtures-research (real RSS feeds, an export). A case
passes when the parser succeeds with a well-formed result or refuses with one of lbrec's documented exceptions and a
one-line message; the first case that does anything else stops the run with that case. Results: a Markdown table
(cases, seconds, how many were accepted and how many refused, by exception) and benchmarks/out/fuzz.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections import Counter

from harness import fuzz, fuzz_targets
from harness.files import REPO
from lbrec.errors import LbrecError

OUT = REPO / "benchmarks" / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--targets", nargs="*", default=sorted(fuzz_targets.TARGETS))
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # zipfile's "Duplicate name" while building hostile archives
    outcomes: Counter[str] = Counter()
    check = fuzz.refused_clearly

    def counted(exc: LbrecError) -> None:  # every refusal passes through here (fuzz.parsed)
        outcomes[type(exc).__name__] += 1
        check(exc)

    fuzz.refused_clearly = counted
    seeds = {"rss": len(fuzz.rss_seeds()), "csv": sum(len(v) for v in fuzz.csv_seeds().values())}
    report: dict = {"cases_per_target": args.cases, "seed_documents": seeds, "cpus": os.cpu_count(), "targets": {}}
    for name in args.targets:
        outcomes.clear()
        cases = 0

        def count() -> None:
            nonlocal cases
            cases += 1

        started = time.perf_counter()
        fuzz_targets.run_target(name, args.cases, on_case=count, derandomize=False)
        seconds = time.perf_counter() - started
        refused = sum(outcomes.values())
        report["targets"][name] = {
            "cases": cases,
            "seconds": round(seconds, 1),
            "refused": dict(outcomes),
            "accepted_or_checked": cases - refused,
            "failures": 0,
        }
        print(f"{name}: {cases} cases in {seconds:.0f} s", file=sys.stderr, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "fuzz.json").write_text(json.dumps(report, indent=2))
    print(f"seed documents: {seeds}; {os.cpu_count()} CPUs\n")
    print("| parser | cases | seconds | accepted | refused (documented exceptions) | other outcomes |")
    print("|---|---:|---:|---:|---|---:|")
    for name, row in report["targets"].items():
        refused = ", ".join(f"{k} {v:,}" for k, v in sorted(row["refused"].items())) or "none"
        print(f"| {name} | {row['cases']:,} | {row['seconds']:.0f} | {row['accepted_or_checked']:,} | {refused} | 0 |")


if __name__ == "__main__":
    main()
