"""Single-request latency of the recommendation engine, on one CPU thread, beside its two yardsticks.

    python benchmarks/bench_engine.py [--model models/ml-latest-small] [--requests 2000]

For a model with ml-latest-small's vocabulary (the trained model when --model exists, else random weights) and
one with ML-32M's 87k movies (random weights: timing does not depend on them), measured in the same run:
- engine: `Recommender.recommend(history of 50, k=10)` end to end (encode, onnxruntime, exclusion, top-k, titles),
  without and with explanations;
- onnxruntime alone (`session.run`);
- PyTorch eager inference of the same weights (`torch.no_grad`, one thread);
- the bare final product `h @ E.T` in NumPy over the same item matrix: the floor no engine can beat.
Also the ONNX file size. Results: a Markdown table on stdout and benchmarks/out/engine.json.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one thread everywhere, before numpy and torch load their thread pools

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from lbrec import export, train  # noqa: E402
from lbrec.model import SASRec, SASRecConfig  # noqa: E402
from lbrec.recommend import Recommender  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def percentiles(fn: Callable[[], object], n: int) -> dict[str, float]:
    for _ in range(min(50, n)):
        fn()
    times = np.empty(n)
    for i in range(n):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    return {"p50_ms": float(np.percentile(times, 50) * 1e3), "p99_ms": float(np.percentile(times, 99) * 1e3)}


def random_model_dir(n_items: int, root: Path) -> Path:
    """A model folder with random weights and a placeholder catalog of `n_items` films."""
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=n_items))
    dataset = root / f"dataset-{n_items}"
    dataset.mkdir(parents=True)
    rng = np.random.default_rng(0)
    ids = np.arange(1, n_items + 1)
    pd.DataFrame({"movieId": ids, "ml_title": [f"Film {i}" for i in ids], "title": [f"Film {i}" for i in ids],
                  "year": pd.array(rng.integers(1920, 2024, n_items), dtype="Int32"),
                  "alternates": [[] for _ in ids], "genres": [["Drama"] for _ in ids],
                  "imdbId": pd.array(ids + 1_000_000, dtype="Int64"), "tmdbId": pd.array(ids, dtype="Int64"),
                  "n_ratings": rng.zipf(1.5, n_items), "item_index": ids.astype("int32"),
                  "n_positives": np.ones(n_items, dtype=np.int64)}).to_parquet(dataset / "catalog.parquet")
    folder = root / f"model-{n_items}"
    folder.mkdir()
    train.write_model(folder, model, np.concatenate([[0], ids]),
                      {"model": model.config.to_dict(), "dataset": f"random-{n_items}", "dataset_path": str(dataset)},
                      history=[])
    export.export_model_dir(folder)
    return folder


def measure(folder: Path, n: int) -> dict:
    engine = Recommender(folder, threads=1)
    model = train.load_model(folder)
    max_len = engine.max_len
    rng = np.random.default_rng(1)
    movie_ids = engine.catalog.loc[engine.catalog.item_index > 0, "movieId"].to_numpy()
    history = [int(m) for m in rng.choice(movie_ids, max_len, replace=False)]
    batch = engine.encode([engine.known(history)])
    tensor = torch.from_numpy(batch)
    scorer = export.Scorer(model).eval()
    with torch.no_grad():
        h = model.hidden(tensor)[:, -1].numpy()
    items = model.item_emb.weight.detach().numpy().copy()

    def eager() -> None:
        with torch.no_grad():
            scorer(tensor)

    return {
        "n_items": engine.n_items,
        "onnx_mb": (folder / "model.onnx").stat().st_size / 2**20,
        "engine": percentiles(lambda: engine.recommend(history, k=10, explain=False), n),
        "engine_explained": percentiles(lambda: engine.recommend(history, k=10, explain=True), max(n // 10, 50)),
        "onnxruntime": percentiles(lambda: engine.scores(batch), n),
        "pytorch_eager": percentiles(eager, n),
        "numpy_product": percentiles(lambda: h @ items.T, n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/ml-latest-small"))
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        small = args.model if (args.model / "onnx.json").is_file() else random_model_dir(6389, Path(tmp))
        results["ml-latest-small" + ("" if small == args.model else " (random weights)")] = measure(small, args.requests)
        results["87k movies (random weights)"] = measure(random_model_dir(87_000, Path(tmp)), args.requests)
    print("| model | ONNX MB | engine p50 / p99 ms | + explanations p50 | onnxruntime p50 | PyTorch eager p50 "
          "| NumPy h @ E.T p50 | eager / engine | engine / product |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        e, o, t, p = r["engine"], r["onnxruntime"], r["pytorch_eager"], r["numpy_product"]
        print(f"| {name} | {r['onnx_mb']:.1f} | {e['p50_ms']:.2f} / {e['p99_ms']:.2f} | "
              f"{r['engine_explained']['p50_ms']:.1f} | {o['p50_ms']:.2f} | {t['p50_ms']:.2f} | {p['p50_ms']:.2f} | "
              f"{t['p50_ms'] / e['p50_ms']:.1f}x | {e['p50_ms'] / p['p50_ms']:.1f}x |")
    OUT.mkdir(exist_ok=True)
    (OUT / "engine.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
