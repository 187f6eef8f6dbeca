"""Where training runs: the device, its precision, host-to-device copies, and this process's place under torchrun.

`auto` is CUDA when present (bf16 autocast, pinned host memory, asynchronous copies), then Apple's MPS, else the
CPU. Under `torchrun --nproc_per_node=N` every process trains on its own GPU (`LOCAL_RANK`) and `World` says which
share of each batch is its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


def pick_device(name: str = "auto") -> torch.device:
    """`auto`: CUDA (this process's GPU under torchrun), then Apple's MPS, then the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    device = torch.device(name)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return device


def autocast(device: torch.device) -> torch.autocast:
    """bf16 on CUDA (tensor cores, no loss scaling needed); full precision elsewhere."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


@dataclass(frozen=True)
class World:
    """This process's place among the torchrun processes (rank 0 of 1 without torchrun)."""

    rank: int = 0
    size: int = 1

    @staticmethod
    def from_env() -> World:
        return World(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")))

    def sum(self, values: list[float], device: torch.device) -> list[float]:
        """Element-wise sum over the processes (the values themselves with one process)."""
        if self.size == 1:
            return values
        tensor = torch.tensor(values, dtype=torch.float64, device=device)
        dist.all_reduce(tensor)
        return tensor.tolist()


def to_device(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Host to device; on CUDA through pinned memory and without waiting, so the next batch is built meanwhile."""
    if device.type != "cuda":
        return batch.to(device)
    return batch.pin_memory().to(device, non_blocking=True)


def to_host(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Detached, contiguous CPU copies: what safetensors writes, wherever the training ran."""
    return {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
