"""Single-request latency of the recommendation engine, on one CPU thread, beside its two yardsticks.

    python -m benchmarks.bench_engine [--model models/ml-latest-small] [--requests 2000]

For a model with ml-latest-small's vocabulary (the trained model when --model exists, else random weights) and
one with ML-32M's 87k movies (random weights: timing does not depend on them), measured in the same run (see
`lbrec.model.latency` for the contenders), and a 500-film history read with order and without (an export imported
in bulk: every film in windows). Results: a Markdown table on stdout and benchmarks/out/engine.json.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one thread everywhere, before numpy and torch load their thread pools

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.common import random_model_dir  # noqa: E402
from lbrec.model.latency import engine_latency  # noqa: E402
from lbrec.serving.engine import Recommender  # noqa: E402
from lbrec.serving.latency import percentiles, sample_history  # noqa: E402
from lbrec.serving.reading import Reading  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
LONG = 500  # films: a long Letterboxd export, imported in bulk (the unordered reading's goal: under 10 ms without
# explanations, on one thread)


def unordered_timings(engine: Recommender, n: int, length: int = LONG, seed: int = 1) -> dict[str, dict[str, float]]:
    """A long history (`length` films drawn like `sample_history`'s) read with order (SASRec reads the latest
    max_len) and without (`Reading(unordered=True)`: every film in windows), `n` requests each, in the same run;
    explanations of the unordered reading on a fiftieth of them."""
    long, unordered = sample_history(engine, length, seed), Reading(unordered=True)
    return {
        "engine, dated": percentiles(lambda: engine.recommend(long, k=10, explain=False), n),
        "engine, unordered": percentiles(lambda: engine.recommend(long, k=10, explain=False, reading=unordered), n),
        "engine + explanations, unordered": percentiles(
            lambda: engine.recommend(long, k=10, explain=True, reading=unordered), max(n // 50, 10), warmup=3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/ml-latest-small"))
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        trained = (args.model / "onnx.json").is_file()
        small = args.model if trained else random_model_dir(6389, Path(tmp))
        large = random_model_dir(87_000, Path(tmp))
        for name, folder in (
            ("ml-latest-small" + ("" if trained else " (random weights)"), small),
            ("87k movies (random weights)", large),
        ):
            results[name] = engine_latency(folder, args.requests)
            results[name]["timings"] |= {
                f"{key}, {LONG} films": value
                for key, value in unordered_timings(Recommender(folder, threads=1), args.requests).items()
            }
    print(
        "| model | ONNX MB | engine p50 / p99 ms | + explanations p50 | onnxruntime p50 | PyTorch eager p50 "
        "| NumPy h @ E.T p50 | eager / engine | engine / product |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        t = r["timings"]
        e, o, p, b = t["engine"], t["onnxruntime"], t["PyTorch eager"], t["NumPy h @ E.T"]
        print(
            f"| {name} | {r['onnx_mb']:.1f} | {e['p50_ms']:.2f} / {e['p99_ms']:.2f} | "
            f"{t['engine + explanations']['p50_ms']:.1f} | {o['p50_ms']:.2f} | {p['p50_ms']:.2f} | "
            f"{b['p50_ms']:.2f} | {p['p50_ms'] / e['p50_ms']:.1f}x | {e['p50_ms'] / b['p50_ms']:.1f}x |"
        )
    print(
        f"\n| model | {LONG} films dated p50 / p99 ms | unordered (windows) p50 / p99 ms | unordered / dated "
        "| + explanations, unordered p50 ms |"
    )
    print("|---|---|---|---|---|")
    for name, r in results.items():
        t = r["timings"]
        d, u = t[f"engine, dated, {LONG} films"], t[f"engine, unordered, {LONG} films"]
        explained = t[f"engine + explanations, unordered, {LONG} films"]
        print(
            f"| {name} | {d['p50_ms']:.2f} / {d['p99_ms']:.2f} | {u['p50_ms']:.2f} / {u['p99_ms']:.2f} | "
            f"{u['p50_ms'] / d['p50_ms']:.1f}x | {explained['p50_ms']:.0f} |"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "engine.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
