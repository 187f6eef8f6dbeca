"""How long a person waits for `python -m lbrec recommend` with one typed title, beside the floor of its imports.

    python -m benchmarks.bench_startup [--model models/ml-latest-small] [--runs 7] [--baseline ../lbrec-main]

Each command runs `--runs` times in a fresh process (the median is reported): the floor `python -c "import numpy,
pandas, onnxruntime"`, `recommend --titles "Heat (1995)" -k 5` of this checkout, and, with `--baseline DIR`, the
same command of another checkout (e.g. an older main) in the same run, for a ratio. `-X importtime` says whether
torch was imported. Results: a Markdown table on stdout and benchmarks/out/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
FLOOR = [sys.executable, "-c", "import numpy, pandas, onnxruntime"]


def recommend(model: Path) -> list[str]:
    return [sys.executable, "-m", "lbrec", "recommend", "--model", str(model), "--titles", "Heat (1995)", "-k", "5"]


def timed(command: list[str], checkout: Path, runs: int) -> dict:
    """Median and spread of the wall time of `command` run from `checkout`, and whether it imported torch."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=checkout, env=env, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    trace = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    modules = {line.rsplit("|", 1)[-1].strip() for line in trace.splitlines() if line.startswith("import time:")}
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "imports_torch": "torch" in modules,
        "modules": len(modules),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "ml-latest-small")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="another checkout of lbrec to time in the same run")
    args = parser.parse_args()
    model = args.model.resolve()
    results = {
        "floor: import numpy, pandas, onnxruntime": timed(FLOOR, REPO, args.runs),
        "recommend (this checkout)": timed(recommend(model), REPO, args.runs),
    }
    if args.baseline:
        results[f"recommend ({args.baseline.name})"] = timed(recommend(model), args.baseline.resolve(), args.runs)
    floor = results["floor: import numpy, pandas, onnxruntime"]["median_s"]
    print(f"| command ({args.runs} runs) | median s | min-max s | / floor | imports torch |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['median_s']:.2f} | {r['min_s']:.2f}-{r['max_s']:.2f} | {r['median_s'] / floor:.1f}x "
            f"| {'yes' if r['imports_torch'] else 'no'} |"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "startup.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
