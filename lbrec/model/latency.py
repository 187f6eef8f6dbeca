"""Latency measurement of the serving path, shared by `benchmarks/bench_engine.py`, notebook 04 and
`python -m lbrec bench`.

One CPU thread everywhere (the app serves one request per kernel). Contenders, measured in the same process:
the engine end to end (`Recommender.recommend`: encode, onnxruntime, exclusion, top-k, titles), with and without
explanations; onnxruntime alone; PyTorch eager inference of the same weights; and the bare final product
`h @ E.T` in NumPy over the same item matrix, the floor that no engine can beat.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from lbrec.model.export import ServingGraph, export_model_dir
from lbrec.model.folder import load_model, write_model
from lbrec.model.sasrec import SASRec, SASRecConfig
from lbrec.serving.engine import Recommender


def percentiles(fn: Callable[[], object], n: int, warmup: int = 50) -> dict[str, float]:
    """p50 and p99 wall time of `fn` over `n` calls, in milliseconds."""
    for _ in range(min(warmup, n)):
        fn()
    times = np.empty(n)
    for i in range(n):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    return {"p50_ms": float(np.percentile(times, 50) * 1e3), "p99_ms": float(np.percentile(times, 99) * 1e3)}


def random_model_dir(n_items: int, root: Path, config: SASRecConfig | None = None) -> Path:
    """An exported model folder with random weights and a placeholder catalog of `n_items` films (for timing)."""
    torch.manual_seed(0)
    model = SASRec(config or SASRecConfig(n_items=n_items))
    dataset = root / f"dataset-{n_items}"
    dataset.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    ids = np.arange(1, n_items + 1)
    pd.DataFrame({"movieId": ids, "ml_title": [f"Film {i}" for i in ids], "title": [f"Film {i}" for i in ids],
                  "year": pd.array(rng.integers(1920, 2024, n_items), dtype="Int32"),
                  "alternates": [[] for _ in ids], "genres": [["Drama"] for _ in ids],
                  "imdbId": pd.array(ids + 1_000_000, dtype="Int64"), "tmdbId": pd.array(ids, dtype="Int64"),
                  "n_ratings": rng.zipf(1.5, n_items), "item_index": ids.astype("int32"),
                  "n_positives": np.ones(n_items, dtype=np.int64)}).to_parquet(dataset / "catalog.parquet")
    folder = root / f"model-{n_items}"
    folder.mkdir(exist_ok=True)
    write_model(folder, model, np.concatenate([[0], ids]),
                {"model": model.config.to_dict(), "dataset": f"random-{n_items}", "dataset_path": str(dataset)},
                history=[])
    export_model_dir(folder)
    return folder


def engine_latency(model_dir: str | os.PathLike[str], n: int = 1000, history_length: int = 50,
                   seed: int = 1) -> dict:
    """Single-request latency of every contender for the model in `model_dir`, one thread each."""
    model_dir = Path(model_dir)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        engine = Recommender(model_dir, threads=1)
        model = load_model(model_dir)
        rng = np.random.default_rng(seed)
        movie_ids = engine.catalog.loc[engine.catalog.item_index > 0, "movieId"].to_numpy()
        history = [int(m) for m in rng.choice(movie_ids, min(history_length, len(movie_ids)), replace=False)]
        batch = engine.encode([engine.known(history)])
        tensor = torch.from_numpy(batch)
        graph = ServingGraph(model).eval()
        with torch.no_grad():
            user = model.hidden(tensor)[:, -1].numpy()
        items = model.item_emb.weight.detach().numpy().copy()

        def eager() -> None:
            with torch.no_grad():
                graph(tensor)

        timings = {
            "engine": percentiles(lambda: engine.recommend(history, k=10, explain=False), n),
            "engine + explanations": percentiles(lambda: engine.recommend(history, k=10, explain=True),
                                                 max(n // 10, 20)),
            "onnxruntime": percentiles(lambda: engine.scores(batch), n),
            "PyTorch eager": percentiles(eager, n),
            "NumPy h @ E.T": percentiles(lambda: user @ items.T, n),
        }
    finally:
        torch.set_num_threads(threads)
    return {"n_items": engine.n_items, "onnx_mb": (model_dir / "model.onnx").stat().st_size / 2**20,
            "timings": timings}
