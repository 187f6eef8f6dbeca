"""The resumable state of a training run, in one safetensors file: nothing pickled, written atomically.

Tensors: the current and the best weights (`model.*`, `best.*`), AdamW's moments (`optim.*`) and the RNG states
(`rng.*`); the loop's own state (epoch, best epoch, history, the NumPy generator) goes in the file's metadata as
JSON. A run killed at any point resumes from the last complete epoch to the same model.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save

from lbrec.artifacts import write_bytes
from lbrec.errors import ArtifactError
from lbrec.model.device import to_host
from lbrec.model.sasrec import SASRec


def save_checkpoint(
    path: Path, model: SASRec, best: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer, state: dict
) -> None:
    """One file, written atomically: current and best weights, Adam moments, RNG states, and `state` as JSON."""
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors |= {f"best.{k}": v for k, v in best.items()}
    optim = optimizer.state_dict()
    for index, slots in optim["state"].items():
        tensors |= {f"optim.{index}.{k}": torch.as_tensor(v) for k, v in slots.items()}
    tensors["rng.torch"] = torch.get_rng_state()
    if torch.cuda.is_available():
        tensors |= {f"rng.cuda.{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())}
    meta = {**state, "param_groups": optim["param_groups"]}
    write_bytes(path, save(to_host(tensors), metadata={"state": json.dumps(meta)}))


def load_checkpoint(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    try:
        with safe_open(path, "pt") as f:
            meta = json.loads((f.metadata() or {})["state"])
        return load_file(path), meta
    except (SafetensorError, OSError, KeyError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"checkpoint {path} is corrupt ({exc}): delete it to train from scratch") from None


def restore(
    tensors: dict[str, torch.Tensor], meta: dict, model: SASRec, optimizer: torch.optim.Optimizer
) -> dict[str, torch.Tensor]:
    """Put the checkpoint's weights, optimizer and RNG states back; return the best weights so far."""
    device = next(model.parameters()).device
    part = {
        prefix: {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
        for prefix in ("model", "best")
    }
    model.load_state_dict(part["model"])
    slots: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            slots.setdefault(int(index), {})[name] = value if name == "step" else value.to(device)
    optimizer.load_state_dict({"state": slots, "param_groups": meta["param_groups"]})
    torch.set_rng_state(tensors["rng.torch"])
    if torch.cuda.is_available():
        cuda = [tensors[k] for k in sorted(k for k in tensors if k.startswith("rng.cuda."))]
        if cuda:
            torch.cuda.set_rng_state_all(cuda)
    return {k: v.to(device) for k, v in part["best"].items()}
