"""Latency of the serving path, one request on one CPU thread (the app serves one visitor per kernel), torch-free:
the engine end to end (`Recommender.recommend`: encode, onnxruntime, exclusion, top-k, titles), with and without
explanations, and onnxruntime alone (`engine_timings`). `lbrec.model.latency` adds PyTorch eager and the bare
product `h @ E.T` when torch is installed; `python -m lbrec bench`, notebook 04 and `benchmarks/bench_engine.py`
report them."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

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


def sample_history(engine: Recommender, length: int = 50, seed: int = 1) -> list[int]:
    """`length` distinct films the model knows, drawn at random: a full window of history to time."""
    movie_ids = engine.catalog.loc[engine.catalog.item_index > 0, "movieId"].to_numpy()
    rng = np.random.default_rng(seed)
    return [int(m) for m in rng.choice(movie_ids, min(length, len(movie_ids)), replace=False)]


def engine_timings(engine: Recommender, history: list[int], n: int) -> dict[str, dict[str, float]]:
    """The serving contenders for one history (movieIds), `n` requests each (a tenth with explanations)."""
    batch = engine.encode([engine.item_indices(history)])
    return {
        "engine": percentiles(lambda: engine.recommend(history, k=10, explain=False), n),
        "engine + explanations": percentiles(lambda: engine.recommend(history, k=10, explain=True), max(n // 10, 20)),
        "onnxruntime": percentiles(lambda: engine.scores(batch), n),
    }


def serving_latency(model_dir: str | os.PathLike[str], n: int = 1000, history_length: int = 50, seed: int = 1) -> dict:
    """The serving contenders' p50 and p99 for the model folder `model_dir`."""
    model_dir = Path(model_dir)
    engine = Recommender(model_dir, threads=1)
    timings = engine_timings(engine, sample_history(engine, history_length, seed), n)
    return {"n_items": engine.n_items, "onnx_mb": (model_dir / "model.onnx").stat().st_size / 2**20, "timings": timings}
