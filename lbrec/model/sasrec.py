"""SASRec (Kang & McAuley, 2018): a causal transformer over a user's liked films, in one readable file.

Input: item indices, left-padded with 0 to `max_len` (the most recent film last). Output: scores for every item
(index 0 = padding) from the representation at the last position, dotted with the shared item embeddings.

Padding is masked so that it can never change the output for real items, and every query may attend to itself,
so a row never has all keys masked and no NaN can arise, even for an empty history. The causal mask is a
precomputed float buffer (not `torch.tril` at run time): onnxruntime has no CPU kernel for `Trilu` on bool.

Dropout draws its masks by comparing uniform draws (`Dropout`): torch's own CPU dropout draws them with
`bernoulli_`, which took a fifth of a training step here, twice the time of the comparison, for the same
distribution. The attention weights get the same dropout, so training computes attention itself; evaluation and
the exported graph use `scaled_dot_product_attention`, which is the same computation without the dropout.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lbrec.model.config import SASRecConfig


def dropout(x: torch.Tensor, p: float) -> torch.Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p), as `F.dropout` in training."""
    keep = torch.rand(x.shape, device=x.device) >= p
    return x * keep.to(x.dtype) * (1.0 / (1.0 - p))


class Dropout(nn.Module):
    """`nn.Dropout` with the faster mask of `dropout`."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p) if self.training and self.p > 0 else x


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor, p: float) -> torch.Tensor:
    """Scaled dot-product attention with additive `bias` and dropout p on the attention weights."""
    if p == 0:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
    weights = torch.softmax(q @ k.transpose(-1, -2) * q.shape[-1] ** -0.5 + bias, dim=-1)
    return dropout(weights, p) @ v


class Block(nn.Module):
    """Pre-norm transformer block: causal multi-head self-attention, then a position-wise feed-forward layer."""

    def __init__(self, config: SASRecConfig):
        super().__init__()
        self.heads = config.heads
        self.dropout = config.dropout
        self.norm1 = nn.LayerNorm(config.dim)
        self.qkv = nn.Linear(config.dim, 3 * config.dim)
        self.proj = nn.Linear(config.dim, config.dim)
        self.norm2 = nn.LayerNorm(config.dim)
        self.ffn = nn.Sequential(
            nn.Linear(config.dim, config.dim), nn.GELU(), Dropout(config.dropout), nn.Linear(config.dim, config.dim)
        )
        self.drop = Dropout(config.dropout)

    def forward(self, x: torch.Tensor, attn_bias: torch.Tensor) -> torch.Tensor:
        batch, length, dim = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(dim, dim=2)
        q, k, v = (t.view(batch, length, self.heads, dim // self.heads).transpose(1, 2) for t in (q, k, v))
        attended = attention(q, k, v, attn_bias, self.dropout if self.training else 0.0)
        x = x + self.drop(self.proj(attended.transpose(1, 2).reshape(batch, length, dim)))
        return x + self.drop(self.ffn(self.norm2(x)))


class SASRec(nn.Module):
    def __init__(self, config: SASRecConfig):
        super().__init__()
        self.config = config
        self.item_emb = nn.Embedding(config.n_items + 1, config.dim, padding_idx=0)
        self.pos_emb = nn.Embedding(config.max_len, config.dim)
        self.drop = Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.dim)
        # Float 1/0 masks, see the module docstring; the diagonal lets every query attend to itself.
        self.register_buffer("causal", torch.tril(torch.ones(config.max_len, config.max_len)), persistent=False)
        self.register_buffer("eye", torch.eye(config.max_len), persistent=False)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()

    def hidden(self, item_seq: torch.Tensor) -> torch.Tensor:
        """[batch, max_len] item indices -> [batch, max_len, dim] representations (zero at padding)."""
        length = item_seq.shape[1]
        real = (item_seq > 0).unsqueeze(-1).to(self.item_emb.weight.dtype)  # [B, L, 1]
        x = self.item_emb(item_seq) * math.sqrt(self.config.dim) + self.pos_emb.weight[:length]
        x = self.drop(x) * real
        # Query i may attend to key j when j <= i and j is a real item, and always to itself.
        allowed = self.causal[:length, :length] * real.transpose(1, 2) + self.eye[:length, :length]  # [B, L, L]
        bias = (allowed.clamp(max=1.0) - 1.0) * 1e9  # 0 where allowed, -1e9 elsewhere (no -inf, no NaN)
        bias = bias.unsqueeze(1)  # broadcast over heads
        for block in self.blocks:
            x = block(x, bias) * real
        return self.norm(x)

    def score(self, user: torch.Tensor) -> torch.Tensor:
        """[..., dim] user representations -> [..., n_items + 1] scores against every item."""
        return user @ self.item_emb.weight.T

    def forward(self, item_seq: torch.Tensor) -> torch.Tensor:
        """[batch, max_len] left-padded histories -> [batch, n_items + 1] scores for the next film."""
        return self.score(self.hidden(item_seq)[:, -1])
