"""The settings of a training run, in plain dataclasses that import no torch: the network's (`SASRecConfig`) and
the loop's (`TrainConfig`), with their defaults (the best on ml-latest-small validation). `lbrec train --help` and
notebook 02 read them from here, so that neither copies a default and neither needs torch to show them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Literal

Loss = Literal["ce", "bce", "sampled"]
LOSSES: tuple[Loss, ...] = ("ce", "bce", "sampled")  # see lbrec.model.losses
LOSS_CHOICES = ("auto", *LOSSES)
LOGITS_BUDGET = 2**30  # bytes of float32 full-softmax logits per batch above which `auto` trains with `sampled`


@dataclass
class SASRecConfig:
    """The network: how many films it scores, how many it reads, and its size."""

    n_items: int  # real items; indices 1..n_items, 0 = padding
    max_len: int = 50
    dim: int = 128
    heads: int = 8
    layers: int = 2
    dropout: float = 0.3

    def __post_init__(self) -> None:
        if self.dim % self.heads:
            raise ValueError(f"dim ({self.dim}) must be divisible by heads ({self.heads})")
        if min(self.n_items, self.max_len, self.dim, self.layers) < 1 or not 0 <= self.dropout < 1:
            raise ValueError(f"invalid SASRec settings: {self}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainConfig:
    """The loop: the loss, the optimiser, early stopping and how much of the data each step sees."""

    loss: str = "auto"  # auto, or one of LOSSES (lbrec.model.losses)
    epochs: int = 200
    batch_size: int = 128  # windows of max_len + 1 items, over all processes together
    lr: float = 1e-3
    weight_decay: float = 0.0
    label_smoothing: float = 0.0  # ce and sampled only
    negatives: int = 1024  # sampled only: uniform negatives shared by the batch
    patience: int = 10  # epochs without a better validation NDCG@10 before stopping
    val_users: int = 10_000  # early stopping on at most this many validation users (a fixed random subset)
    eval_users: int | None = None  # final metrics on a fixed random sample of this many users (None: all)
    epoch_batches: int | None = None  # stop each epoch after this many batches (None: all): smoke runs, benchmarks
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in LOSS_CHOICES:
            raise ValueError(f"loss must be one of {', '.join(LOSS_CHOICES)}, not {self.loss!r}")
        if (
            min(
                self.epochs,
                self.batch_size,
                self.patience,
                self.negatives,
                self.val_users,
                self.eval_users or 1,
                self.epoch_batches or 1,
            )
            < 1
        ):
            raise ValueError(
                "epochs, batch_size, patience, negatives, val_users, eval_users and epoch_batches must be at least 1"
            )


def resolve_loss(config: TrainConfig, model_config: SASRecConfig) -> TrainConfig:
    """`auto` made concrete: full softmax while a batch's float32 logits fit in LOGITS_BUDGET, else sampled."""
    if config.loss != "auto":
        return config
    logits = config.batch_size * model_config.max_len * (model_config.n_items + 1) * 4
    return replace(config, loss="ce" if logits <= LOGITS_BUDGET else "sampled")


def configs(n_items: int, **settings: object) -> tuple[SASRecConfig, TrainConfig]:
    """The network's and the loop's settings from one set of named settings, None keeping the default: how the CLI
    and notebook 02 build them, so that neither copies a default. Raises ValueError for a name neither has."""
    given = {name: value for name, value in settings.items() if value is not None}
    network = {f.name for f in fields(SASRecConfig)} - {"n_items"}
    loop = {f.name for f in fields(TrainConfig)}
    if unknown := set(given) - network - loop:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    return (
        SASRecConfig(n_items=n_items, **{k: v for k, v in given.items() if k in network}),
        TrainConfig(**{k: v for k, v in given.items() if k in loop}),
    )
