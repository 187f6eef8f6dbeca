"""Export a trained model folder to ONNX so that the app can serve it with onnxruntime alone (no torch).

The exporter is pinned deliberately: `torch.onnx.export(..., dynamo=True)`, the torch.export-based exporter that
torch has defaulted to since 2.9 (the TorchScript one is deprecated), at opset 18, with a dynamic batch axis.
The graph scores with `F.linear` (a Gemm with transB), so the item matrix is stored once and never transposed
at run time. Beside `model.onnx` go `onnx.json` (names, shapes, data set, metrics, sha256) and a copy of the
movie catalog, so that `models/<name>/` is all that serving needs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import lbrec
from lbrec.artifacts import atomic_path, atomic_update, read_json, sha256_file, write_json
from lbrec.errors import ArtifactError
from lbrec.model.folder import load_model
from lbrec.model.sasrec import SASRec
from lbrec.serving.reading import SHORT_READING, UNORDERED_READING

INPUT, OUTPUT = "item_seq", "scores"
OPSET = 18
FORMAT_VERSION = 1
SERVED_FILES = ("movie_ids.npy", "catalog.parquet")  # read by the app beside model.onnx, checked by sha256 too


class ServingGraph(nn.Module):
    """The serving graph: left-padded histories [batch, max_len] -> scores [batch, n_items + 1]."""

    def __init__(self, model: SASRec):
        super().__init__()
        self.model = model

    def forward(self, item_seq: torch.Tensor) -> torch.Tensor:
        return F.linear(self.model.hidden(item_seq)[:, -1], self.model.item_emb.weight)


def export_onnx(model: SASRec, path: str | os.PathLike[str]) -> None:
    """Write `model` as ONNX to `path` atomically."""
    model = model.eval()
    example = torch.zeros(2, model.config.max_len, dtype=torch.long)
    example[:, -3:] = torch.tensor([1, 2, 3])
    batch = torch.export.Dim("batch", min=1)
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)  # its notes on torchvision being absent are noise here
    try:
        with atomic_path(path) as tmp, warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")  # pytree deprecation notices from inside torch.export
            torch.onnx.export(
                ServingGraph(model),
                (example,),
                str(tmp),
                input_names=[INPUT],
                output_names=[OUTPUT],
                dynamic_shapes={"item_seq": {0: batch}},
                opset_version=OPSET,
                dynamo=True,
                external_data=False,
                optimize=True,
                verbose=False,
            )
    finally:
        exporter_log.setLevel(level)


def to_fp16(path: str | os.PathLike[str]) -> None:
    """Store the weights of the ONNX model at `path` in float16 (half the file; inputs and scores stay as they are).

    onnxruntime's CPU kernels compute about as fast either way; the check that top-10 lists survive is
    `topk_agreement` (tests hold it to 99% of test users on a trained model).
    """
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    half = convert_float_to_float16(onnx.load(str(path)), keep_io_types=True)
    with atomic_path(path) as tmp:
        onnx.save(half, str(tmp))


def export_model_dir(
    model_dir: str | os.PathLike[str],
    fp16: bool = False,
    blend: bool = True,
    log: Callable[[str], None] = lambda _: None,
) -> Path:
    """Export `models/<name>/` in place: model.onnx, onnx.json, catalog.parquet and, when a blend with an
    item-to-item model beats SASRec alone on validation (`blend`), that model's arrays. Returns the ONNX path.

    The files change together (`atomic_update`): a process killed during the export leaves the previous export
    whole. onnx.json holds the sha256 of every file serving reads, which `Recommender` checks.
    """
    model_dir = Path(model_dir)
    model = load_model(model_dir)
    config = read_json(model_dir / "config.json")
    with atomic_update(model_dir) as staged:
        _export_into(staged, model, config, fp16, blend, log)
    return model_dir / "model.onnx"


def _export_into(
    model_dir: Path, model: SASRec, config: dict, fp16: bool, blend: bool, log: Callable[[str], None]
) -> None:
    onnx_path = model_dir / "model.onnx"
    export_onnx(model, onnx_path)
    if fp16:
        to_fp16(onnx_path)
    copy_catalog(config, model_dir)
    blended = _blend_into(model_dir, model, config, log) if blend else {}
    write_json(
        model_dir / "onnx.json",
        {
            "format": FORMAT_VERSION,
            "kind": "sasrec",
            "input": INPUT,
            "output": OUTPUT,
            "max_len": model.config.max_len,
            "n_items": model.config.n_items,
            "dataset": config.get("dataset"),
            "metrics": config.get("metrics", {}),
            "sha256": sha256_file(onnx_path),
            "bytes": onnx_path.stat().st_size,
            "files": {name: sha256_file(model_dir / name) for name in (*SERVED_FILES, *blended.get("files", ()))},
            **({"blend": blended["blend"]} if blended else {}),
            # how a history without order is read: measured on real members, not chosen by this export (a folder
            # without the entry gets the same defaults); `bench_members --tune --write-choice` re-chooses it
            "unordered": UNORDERED_READING.to_json(),
            "short": SHORT_READING.to_json(),
            "exporter": f"torch.onnx.export(dynamo=True), opset {OPSET}, torch {torch.__version__}",
            "weights": "float16" if fp16 else "float32",
            "lbrec_version": lbrec.__version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )


def _blend_into(model_dir: Path, model: SASRec, config: dict, log: Callable[[str], None]) -> dict:
    """Choose the blend on validation (`lbrec.evaluation.blend`); when it beats SASRec alone, fit its item-to-item
    model on the test split's inputs (everything but the test films), write it, and measure it on test (reported
    only). Returns {"blend": what onnx.json says of it, "files": what it wrote}."""
    from lbrec.data.dataset import Dataset
    from lbrec.evaluation.baselines import EASE, tune_ease
    from lbrec.evaluation.blend import blend_scorer, choose_blend, fit_item_item
    from lbrec.evaluation.protocol import evaluate
    from lbrec.model.train import scorer

    dataset = Dataset(config["dataset_path"])
    ease_lambda = None if EASE.fits(dataset.n_users, dataset.n_items) else tune_ease(dataset)[0]
    log("choosing the blend with an item-to-item model on validation ...")
    choice = choose_blend(dataset, scorer(model), ease_lambda)
    log(f"  served: {choice.describe()}")
    if choice.weight == 1.0:
        return {"blend": choice.to_json()}
    item_item = fit_item_item(dataset, "test", choice.source, choice.keep, ease_lambda)
    files = item_item.save(model_dir)
    test = evaluate(blend_scorer(scorer(model), item_item, choice.weight), dataset, "test")
    best = max(choice.validation.values())
    return {"blend": {**choice.to_json(), "metrics": {"val": {"ndcg@10": best}, "test": test}}, "files": files}


def copy_catalog(config: dict, model_dir: Path) -> None:
    """Serving reads titles, genres, links and popularity from the model folder, never from data/."""
    source = Path(config.get("dataset_path", "")) / "catalog.parquet"
    if not source.is_file():
        raise ArtifactError(
            f"{source} not found: the data set this model was trained on is gone; "
            f"re-run `python -m lbrec prepare` for {config.get('dataset')}"
        )
    with atomic_path(model_dir / "catalog.parquet") as tmp:
        shutil.copyfile(source, tmp)


def parity(model: SASRec, onnx_path: str | os.PathLike[str], batch: np.ndarray, k: int = 10) -> dict[str, float]:
    """Compare onnxruntime with PyTorch on `batch`: max absolute score difference and top-k agreement."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    ours = session.run([OUTPUT], {INPUT: batch.astype(np.int64)})[0]
    with torch.no_grad():
        reference = ServingGraph(model.eval())(torch.from_numpy(batch.astype(np.int64))).numpy()
    top = lambda s: np.argsort(-s[:, 1:], axis=1, kind="stable")[:, :k]  # noqa: E731 (a one-line helper)
    return {
        "max_abs_diff": float(np.abs(ours - reference).max()),
        "topk_identical": float((top(ours) == top(reference)).all(axis=1).mean()),
    }


def topk_agreement(
    onnx_a: str | os.PathLike[str], onnx_b: str | os.PathLike[str], batch: np.ndarray, k: int = 10
) -> dict[str, float]:
    """Share of histories whose top-k films (history excluded, as the engine does) are the same under two models:
    as a set, and in the same order."""
    import onnxruntime as ort

    tops = []
    for path in (onnx_a, onnx_b):
        scores = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
            [OUTPUT], {INPUT: batch.astype(np.int64)}
        )[0]
        np.put_along_axis(scores, batch, -np.inf, axis=1)  # the history and padding (index 0) are never recommended
        tops.append(np.argsort(-scores, axis=1, kind="stable")[:, :k])
    a, b = tops
    return {
        "same_set": float((np.sort(a, 1) == np.sort(b, 1)).all(1).mean()),
        "same_order": float((a == b).all(1).mean()),
    }
