"""lbrec.model.export: the ONNX file, its metadata, and parity with PyTorch on every kind of history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from lbrec.artifacts import read_json, sha256_file
from lbrec.data.dataset import Dataset
from lbrec.data.sequences import left_pad
from lbrec.model import export
from lbrec.model.folder import load_model


def histories(dataset: Dataset, max_len: int, rng: np.random.Generator) -> np.ndarray:
    """Empty, length 1, exactly max_len, longer than max_len (truncated as the engine does), random and real."""
    rows = [
        [],
        [5],
        list(rng.integers(1, dataset.n_items + 1, max_len)),
        list(rng.integers(1, dataset.n_items + 1, 3 * max_len))[-max_len:],
    ]
    rows += [list(rng.integers(1, dataset.n_items + 1, rng.integers(1, max_len))) for _ in range(20)]
    rows += [list(dataset.sequence(u)[-max_len:]) for u in range(0, dataset.n_users, 7)]
    batch = np.zeros((len(rows), max_len), dtype=np.int64)
    for i, row in enumerate(rows):
        if row:
            batch[i, -len(row) :] = row
    return batch


def test_onnx_interface_and_metadata(tiny_model_dir: Path, tiny_dataset: Dataset) -> None:
    graph = onnx.load(str(tiny_model_dir / "model.onnx")).graph
    assert [i.name for i in graph.input] == ["item_seq"] and [o.name for o in graph.output] == ["scores"]
    seq_shape = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    score_shape = [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim]
    assert seq_shape == ["batch", 20] and score_shape == ["batch", tiny_dataset.n_items + 1]
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert not any(node.op_type == "Trilu" for node in graph.node)
    meta = read_json(tiny_model_dir / "onnx.json")
    assert meta["sha256"] == sha256_file(tiny_model_dir / "model.onnx")
    assert (meta["input"], meta["output"], meta["max_len"], meta["n_items"], meta["dataset"]) == (
        "item_seq",
        "scores",
        20,
        tiny_dataset.n_items,
        "tiny",
    )
    assert "dynamo=True" in meta["exporter"]
    assert (tiny_model_dir / "catalog.parquet").is_file()


def test_onnxruntime_matches_pytorch(tiny_model_dir: Path, tiny_dataset: Dataset) -> None:
    model = load_model(tiny_model_dir)
    batch = histories(tiny_dataset, 20, np.random.default_rng(1))
    result = export.parity(model, tiny_model_dir / "model.onnx", batch)
    assert result["max_abs_diff"] < 1e-4
    assert result["topk_identical"] == 1.0
    single = export.parity(model, tiny_model_dir / "model.onnx", batch[2:3])  # the batch axis is dynamic
    assert single["max_abs_diff"] < 1e-4


def test_export_needs_the_training_data_catalog(tiny_model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    copy.mkdir()
    for name in ("model.safetensors", "movie_ids.npy", "history.json"):
        (copy / name).write_bytes((tiny_model_dir / name).read_bytes())
    config = read_json(tiny_model_dir / "config.json")
    config["dataset_path"] = str(tmp_path / "gone")
    from lbrec.artifacts import write_json
    from lbrec.errors import ArtifactError

    write_json(copy / "config.json", config)
    with pytest.raises(ArtifactError, match="catalog.parquet not found"):
        export.export_model_dir(copy)


def test_fp16_keeps_top10_for_99_percent_of_test_users(
    trained_small_model_dir: Path, ml_small: Dataset, tmp_path: Path
) -> None:
    import shutil

    half = tmp_path / "fp16"
    shutil.copytree(trained_small_model_dir, half)
    export.export_model_dir(half, fp16=True, blend=False)
    assert read_json(half / "onnx.json")["weights"] == "float16"
    full_bytes, half_bytes = ((d / "model.onnx").stat().st_size for d in (trained_small_model_dir, half))
    assert half_bytes < 0.6 * full_bytes
    batch = left_pad(ml_small.histories("test"), 50)
    agreement = export.topk_agreement(trained_small_model_dir / "model.onnx", half / "model.onnx", batch)
    assert agreement["same_set"] >= 0.99
    from lbrec.serving.engine import Recommender

    assert Recommender(half).recommend([1, 2, 3], k=5)  # the engine serves it as it is


def test_export_serves_the_blend_chosen_on_validation(
    trained_small_model_dir: Path, ml_small: Dataset, tmp_path: Path
) -> None:
    import shutil

    from lbrec.serving.engine import Recommender
    from lbrec.serving.itemitem import FILES

    folder = tmp_path / "blended"
    shutil.copytree(trained_small_model_dir, folder)
    export.export_model_dir(folder)
    blend = read_json(folder / "onnx.json")["blend"]
    assert blend["served"] == ("sasrec" if blend["weight"] == 1.0 else "blend")
    assert blend["source"] in ("ease", "itemknn") and blend["keep"] in (50, 200, 1000)
    engine = Recommender(folder)
    if blend["weight"] == 1.0:  # SASRec alone won on validation: nothing blended, nothing extra in the folder
        assert engine.item_item is None and not (folder / FILES["weights"]).exists()
        return
    assert set(FILES.values()) <= set(read_json(folder / "onnx.json")["files"])  # checksummed like the rest
    assert engine.model_name.startswith("SASRec + ") and 0 < blend["metrics"]["test"]["ndcg@10"] < 1
    history = [int(m) for m in ml_small.movie_ids[ml_small.sequence(0)][-20:]]
    assert len(engine.recommend(history, k=10)) == 10
