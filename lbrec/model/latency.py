"""Latency of the serving path beside PyTorch: `lbrec.serving.latency`'s contenders (the engine, with and without
explanations, and onnxruntime alone) and, in the same process on one thread, PyTorch eager inference of the same
weights and the bare final product `h @ E.T` in NumPy over the same item matrix, the floor that no engine can beat.
Also a model folder with random weights at any catalog size, for timing (`random_model_dir`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from lbrec.model.config import SASRecConfig
from lbrec.model.export import ServingGraph, export_model_dir
from lbrec.model.folder import load_model, write_model
from lbrec.model.sasrec import SASRec
from lbrec.serving.engine import Recommender
from lbrec.serving.latency import engine_timings, percentiles, sample_history


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
    export_model_dir(folder, blend=False)
    return folder


def engine_latency(model_dir: str | os.PathLike[str], n: int = 1000, history_length: int = 50,
                   seed: int = 1) -> dict:
    """Single-request latency of every contender for the model in `model_dir`, one thread each."""
    model_dir = Path(model_dir)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        engine = Recommender(model_dir, threads=1)
        history = sample_history(engine, history_length, seed)
        timings = engine_timings(engine, history, n)
        model = load_model(model_dir)
        tensor = torch.from_numpy(engine.encode([engine.item_indices(history)]))
        graph = ServingGraph(model).eval()
        with torch.no_grad():
            user = model.hidden(tensor)[:, -1].numpy()
        items = model.item_emb.weight.detach().numpy().copy()

        def eager() -> None:
            with torch.no_grad():
                graph(tensor)

        timings |= {"PyTorch eager": percentiles(eager, n), "NumPy h @ E.T": percentiles(lambda: user @ items.T, n)}
    finally:
        torch.set_num_threads(threads)
    return {"n_items": engine.n_items, "onnx_mb": (model_dir / "model.onnx").stat().st_size / 2**20,
            "timings": timings}
