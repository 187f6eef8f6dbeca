"""Does `lbrec train --time-budget MINUTES` end when it says, at the ML-32M shape on a CPU?

    python -m benchmarks.bench_budget [--minutes 30] [--ratings 32e6] [--threads 2] [--eval-users 20000]

On the ML-32M-shaped synthetic data bench_scale.py trains on (`benchmarks.common.prepare_synthetic`: generated and
prepared once into benchmarks/out/), one `python -m lbrec train --time-budget MINUTES` process from a fresh start
(`--restart`), timed from outside: its wall time against the budget, what ended it, how much of an epoch it trained,
and its peak memory. Results: a Markdown table on stdout and benchmarks/out/budget.json.
"""

from __future__ import annotations

import argparse
import json

from benchmarks.common import OUT, SCALE, prepare_synthetic, run_lbrec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--ratings", type=float, default=32e6)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-users", type=int, default=20_000)
    args = parser.parse_args()
    data, prepared = prepare_synthetic(int(args.ratings))
    step = run_lbrec(
        "train",
        "--data",
        str(data),
        "--out",
        str(SCALE / "budget-model"),
        "--time-budget",
        str(args.minutes),
        "--threads",
        str(args.threads),
        "--eval-users",
        str(args.eval_users),
        "--restart",
        "--quiet",
        "--json",
    )
    config = json.loads(step.pop("stdout"))
    history = json.loads((SCALE / "budget-model" / "history.json").read_text())
    budget = args.minutes * 60
    result = {
        "budget_s": budget,
        "wall_s": step["seconds"],
        "wall_over_budget": step["seconds"] / budget,
        "peak_gib": step["peak_gib"],
        "stopped_by": config["stopped_by"],
        "epochs": len(history),
        "batches": [h["batches"] for h in history],
        "best_epoch": config["best_epoch"],
        "seconds": config["seconds"],
        "val_ndcg@10": config["metrics"]["val"]["ndcg@10"],
        "items": prepared["stats"]["items"],
        "users": prepared["stats"]["users"],
    }
    print("| budget | wall (process) | wall / budget | ended by | batches per epoch | final evaluation | peak |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.minutes:g} min | {step['seconds'] / 60:.1f} min | {result['wall_over_budget']:.3f} | "
        f"{config['stopped_by']} | {', '.join(str(b) for b in result['batches'])} | "
        f"{config['seconds']['final_evaluation']:.0f} s | {step['peak_gib']:.2f} GiB |"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "budget.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
