"""The model folder: what training writes and export reads, in one step, every file checked when read back.

    model.safetensors       the best weights (a plain state_dict)
    config.json             model and training settings, data set, best epoch, metrics, the weights' sha256
    movie_ids.npy           movie_ids[i] = MovieLens movieId of item index i ([0] = padding)
    history.json            loss and validation metrics per epoch
    checkpoint.safetensors  the resumable state of the last epoch (`lbrec.model.checkpoint`)
Export adds model.onnx, onnx.json and catalog.parquet (`lbrec.model.export`), which serving reads alone.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from lbrec.artifacts import atomic_update, read_json, save_npy, sha256_file, write_bytes, write_json
from lbrec.data.dataset import Dataset
from lbrec.errors import ArtifactError
from lbrec.model.config import SASRecConfig
from lbrec.model.device import pick_device, to_host
from lbrec.model.sasrec import SASRec


def write_model(out_dir: Path, model: SASRec, movie_ids: np.ndarray, config: dict, history: list[dict]) -> None:
    """All files in one step (`atomic_update`: a process killed meanwhile leaves the previous folder whole);
    config.json holds the weights' checksum, which `load_model` checks."""
    with atomic_update(out_dir) as staged:
        weights = staged / "model.safetensors"
        save_npy(staged / "movie_ids.npy", movie_ids)
        write_json(staged / "history.json", history)
        write_bytes(weights, save(to_host(model.state_dict())))
        write_json(staged / "config.json", {**config, "weights_sha256": sha256_file(weights)})


def read_config(model_dir: str | Path) -> dict:
    """config.json of a trained model folder; `ArtifactError` saying to train when there is none."""
    config_path = Path(model_dir) / "config.json"
    if not config_path.is_file():
        raise ArtifactError(f"no trained model in {model_dir} (no config.json): run `python -m lbrec train`")
    return read_json(config_path)


def trained_dataset(model_dir: str | Path) -> Dataset:
    """The prepared data set the model in `model_dir` was trained on (config.json's `dataset_path`)."""
    config = read_config(model_dir)
    path = Path(config.get("dataset_path", ""))
    if not (path / "meta.json").is_file():
        raise ArtifactError(
            f"{path}, the data set {model_dir} was trained on, is gone: re-run "
            f"`python -m lbrec prepare` for {config.get('dataset')}"
        )
    return Dataset(path)


def load_model(model_dir: str | Path, device: str = "cpu") -> SASRec:
    """The trained SASRec in `model_dir`, in eval mode; `ArtifactError` if it is missing or corrupt."""
    model_dir = Path(model_dir)
    config = read_config(model_dir)
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ArtifactError(f"{weights} is missing: run `python -m lbrec train` again")
    if sha256_file(weights) != config.get("weights_sha256"):
        raise ArtifactError(f"{weights} does not match its config.json (corrupt or half-written): train again")
    try:
        known = {f.name for f in fields(SASRecConfig)}
        model = SASRec(SASRecConfig(**{k: v for k, v in config["model"].items() if k in known}))
        model.load_state_dict(load_file(weights))
    except (KeyError, TypeError, RuntimeError, SafetensorError) as exc:
        raise ArtifactError(f"{model_dir} does not hold a loadable SASRec ({exc}): train again") from None
    return model.to(pick_device(device)).eval()
