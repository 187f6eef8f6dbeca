"""Latency of the serving path beside PyTorch: `lbrec.serving.latency`'s contenders (the engine, with and without
explanations, and onnxruntime alone) and, in the same process on one thread, PyTorch eager inference of the same
weights and the bare final product `h @ E.T` in NumPy over the same item matrix, the floor that no engine can beat.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from lbrec.model.export import ServingGraph
from lbrec.model.folder import load_model
from lbrec.serving.engine import Recommender
from lbrec.serving.latency import engine_timings, percentiles, sample_history


def engine_latency(model_dir: str | os.PathLike[str], n: int = 1000, history_length: int = 50, seed: int = 1) -> dict:
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
    return {"n_items": engine.n_items, "onnx_mb": (model_dir / "model.onnx").stat().st_size / 2**20, "timings": timings}
