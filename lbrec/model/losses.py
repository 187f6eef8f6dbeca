"""The next-item losses, and the choice between them (Klenitskiy & Vasilev, RecSys 2023: the loss matters most).

- `ce`: a full softmax over every item at every position of every training window;
- `bce`: the original SASRec loss, one sampled negative per position;
- `sampled`: a softmax over `negatives` uniformly sampled items shared by the batch, for catalogs (87k films) where
  full-softmax logits for a large batch do not fit in memory.

`auto` (`lbrec.model.train.resolve_loss`) picks `ce` while a batch's float32 logits fit in LOGITS_BUDGET
(ml-latest-small: 0.15 GiB) and `sampled` otherwise (ML-32M: 2.1 GiB, before their gradient).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from lbrec.model.sasrec import SASRec

if TYPE_CHECKING:
    from lbrec.model.config import TrainConfig


def draw_negatives(
    config: TrainConfig, n_items: int, shape: tuple[int, int], generator: torch.Generator, device: torch.device
) -> torch.Tensor | None:
    """The negatives of one global batch: `negatives` shared items (sampled), one per position (bce), none (ce)."""
    if config.loss == "ce":
        return None
    size = (config.negatives,) if config.loss == "sampled" else shape
    return torch.randint(1, n_items + 1, size, generator=generator, device=device)


def sequence_loss(
    model: SASRec,
    batch: torch.Tensor,
    config: TrainConfig,
    negatives: torch.Tensor | None = None,
    targets_total: int | None = None,
) -> torch.Tensor:
    """Mean next-item loss over every real position of a [batch, max_len + 1] window batch.

    negatives: [n] shared by the batch (sampled) or [batch, max_len] (bce); drawn from torch's generator when None.
    targets_total: the number of real positions to divide by, when `batch` is one process's share of a larger one.
    """
    inputs, targets = batch[:, :-1], batch[:, 1:]
    real = inputs > 0  # windows are contiguous, so a real input always has a real target
    total = targets_total if targets_total is not None else max(int(real.sum()), 1)
    user = model.hidden(inputs)[real]  # [positions, dim]
    target = targets[real]
    items = model.item_emb.weight
    n_items = model.config.n_items
    if config.loss == "ce":
        logits = (user @ items[1:].T).float()  # never predict padding; contiguous: no copy, no scatter in backward
        return F.cross_entropy(logits, target - 1, label_smoothing=config.label_smoothing, reduction="sum") / total
    positive = (user * items[target]).sum(-1, keepdim=True)
    if config.loss == "bce":
        if negatives is None:
            negatives = torch.randint(1, n_items + 1, inputs.shape, device=inputs.device)
        negative = (user * items[negatives[real]]).sum(-1, keepdim=True)
        labels = torch.tensor([1.0, 0.0], device=user.device).expand(len(target), 2)
        logits = torch.cat([positive, negative], 1).float()
        return F.binary_cross_entropy_with_logits(logits, labels, reduction="sum") / (2 * total)
    if negatives is None:
        negatives = torch.randint(1, n_items + 1, (config.negatives,), device=target.device)
    negative = (user @ items[negatives].T).masked_fill(negatives[None, :] == target[:, None], -1e4)  # no accidental hit
    logits = torch.cat([positive, negative], 1).float()
    loss = F.cross_entropy(logits, torch.zeros_like(target), label_smoothing=config.label_smoothing, reduction="sum")
    return loss / total


class NextItemLoss(nn.Module):
    """SASRec with its training loss as forward(): DistributedDataParallel synchronises gradients only for what
    runs through the forward() of the module it wraps, and the loss reads the item embeddings directly."""

    def __init__(self, model: SASRec, config: TrainConfig):
        super().__init__()
        self.model = model
        self.config = config

    def forward(self, batch: torch.Tensor, negatives: torch.Tensor | None, targets_total: int) -> torch.Tensor:
        return sequence_loss(self.model, batch, self.config, negatives, targets_total)
