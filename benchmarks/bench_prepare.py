"""Preprocessing at ML-32M scale: lbrec's `prepare` beside a straightforward pandas implementation, same run.

    python -m benchmarks.bench_prepare                # 32M ratings, 200k users, 87k movies (generated once)
    python -m benchmarks.bench_prepare --ratings 1e6  # a quicker look

Each contender runs in its own subprocess so that its peak memory (max RSS) is its own, alternating, `--repeat`
times each; the table gives medians (this machine is shared and noisy). The synthetic data set is written once
to benchmarks/out/synthetic-<N>/ and reused. Results: a Markdown table on stdout and
benchmarks/out/prepare.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out"

# The process's own peak (VmHWM): ru_maxrss would also count the peak of the process that started it, which Linux
# carries into a child across fork and exec.
PEAK = """
def peak_gib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 2**20
"""

LBREC = """
import json, sys, time
{PEAK}
from lbrec.data.movielens import load
from lbrec.data.prepare import prepare_to_folder
start = time.perf_counter()
ratings = load(ratings=sys.argv[1] + "/ratings.csv", movies=sys.argv[1] + "/movies.csv",
                    links=sys.argv[1] + "/links.csv")
loaded = time.perf_counter()
dataset = prepare_to_folder(ratings, sys.argv[2], name="synthetic")
done = time.perf_counter()
print(json.dumps({"load_s": loaded - start, "total_s": done - start,
      "positives": dataset.meta["stats"]["positives"], "users": dataset.n_users, "items": dataset.n_items,
      "peak_gib": peak_gib()}))
""".replace("{PEAK}", PEAK)

PANDAS = """
import json, sys, time
{PEAK}
import pandas as pd
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1] + "/ratings.csv")
loaded = time.perf_counter()
frame = frame[frame.groupby("userId").userId.transform("size") >= 10]
threshold = frame.groupby("userId").rating.quantile(0.7)
liked = frame[frame.rating >= frame.userId.map(threshold)].sort_values(["userId", "timestamp"], kind="stable")
sequences = liked.groupby("userId").movieId.apply(list)
done = time.perf_counter()
print(json.dumps({"load_s": loaded - start, "total_s": done - start, "positives": len(liked),
      "users": len(sequences), "items": int(liked.movieId.nunique()),
      "peak_gib": peak_gib()}))
""".replace("{PEAK}", PEAK)


def run(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"contender failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=float, default=32e6)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--movies", type=int, default=87_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = int(args.ratings)
    folder = OUT / f"synthetic-{n}"
    if not (folder / "links.csv").is_file():
        from lbrec.data import synthetic

        started = time.perf_counter()
        print(f"generating {n:,} ratings into {folder} ...", file=sys.stderr)
        synthetic.write(folder, n, args.users, args.movies)
        print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    contenders = [("lbrec prepare", LBREC), ("pandas groupby().quantile()", PANDAS)]
    runs: dict[str, list[dict]] = {name: [] for name, _ in contenders}
    for attempt in range(args.repeat):
        for name, code in contenders:
            print(f"run {attempt + 1}/{args.repeat}: {name} ...", file=sys.stderr)
            runs[name].append(run(code, str(folder), str(OUT / "prepared-synthetic")))
    results = {
        name: {
            key: (float(np.median([r[key] for r in rs])) if isinstance(rs[0][key], float) else rs[0][key])
            for key in rs[0]
        }
        for name, rs in runs.items()
    }
    ours, base = results["lbrec prepare"], results["pandas groupby().quantile()"]
    if ours["positives"] != base["positives"] or ours["users"] != base["users"]:
        raise SystemExit(f"the two implementations disagree: {ours} vs {base}")
    print(
        f"\n{n:,} ratings, {args.users:,} users, {args.movies:,} movies; "
        f"{ours['positives']:,} positives over {ours['items']:,} movies\n"
    )
    print(f"medians of {args.repeat} alternating runs\n")
    print("| contender | read CSV (s) | total (s) | peak memory (GiB) |")
    print("|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['load_s']:.1f} | {r['total_s']:.1f} | {r['peak_gib']:.2f} |")
    print(
        f"\nlbrec is {base['total_s'] / ours['total_s']:.1f}x faster and uses "
        f"{base['peak_gib'] / ours['peak_gib']:.1f}x less memory (ratios from this run)."
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "prepare.json").write_text(json.dumps({"ratings": n, "results": results, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
