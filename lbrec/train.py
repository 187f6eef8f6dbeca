"""Train SASRec on a prepared data set and write the model folder the exporter and the app read.

What matters most (Klenitskiy & Vasilev, RecSys 2023): the loss. `ce` is a full softmax over every item at every
position of every training sequence; `bce` is the original SASRec loss (one sampled negative per position); `sampled`
is a softmax over `negatives` uniformly sampled items shared by the batch, for catalogs (87k films) where full-softmax
logits for a large batch do not fit in memory. `auto` (the default) picks `ce` when a batch's logits fit in
LOGITS_BUDGET (ml-latest-small: 0.15 GiB) and `sampled` otherwise (ML-32M: 2.1 GiB, before their gradient).

Long histories are cut into windows of `max_len` + 1 items, from the end backwards, so that every training position
is a target exactly once per epoch; a batch is gathered from the memory-mapped item array by index arithmetic, with
no per-user Python objects. Early stopping watches validation NDCG@10 (the evaluation protocol of `lbrec.evaluate`)
and keeps a real copy of the best weights. After each epoch a checkpoint (safetensors, with its state as JSON
metadata: nothing is pickled) lets an interrupted run resume exactly where it stopped.

Devices: `auto` is CUDA when present (bf16 autocast, pinned host memory, asynchronous copies), else the CPU. Under
`torchrun --nproc_per_node=N -m lbrec train ...` the same code trains on N processes with DistributedDataParallel:
every process walks the same shuffled order, takes its share of each global batch of `batch_size` windows, divides
its summed loss by the global number of targets, and draws the negatives from a generator seeded by the step, so the
averaged gradient, and hence the run, is that of one process (tests/test_distributed.py checks it with two CPU
processes). Validation is shared between the processes; process 0 evaluates at the end and writes the folder.

The model folder:
    model.safetensors  best weights (a plain state_dict)
    config.json        model and training settings, data set, best epoch, validation and test metrics
    movie_ids.npy      movie_ids[i] = MovieLens movieId of item index i ([0] = padding)
    history.json       loss and validation metrics per epoch
    checkpoint.safetensors  the resumable state of the last epoch
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm

from lbrec.artifacts import atomic_update, read_json, save_npy, sha256_file, write_bytes, write_json
from lbrec.errors import ArtifactError
from lbrec.evaluate import PROTOCOL, Scorer, evaluate_scorer, user_sample
from lbrec.heap import bound_heap
from lbrec.model import SASRec, SASRecConfig, left_pad
from lbrec.preprocess import Dataset

Loss = Literal["ce", "bce", "sampled"]
LOSSES: tuple[Loss, ...] = ("ce", "bce", "sampled")
LOSS_CHOICES = ("auto", *LOSSES)
LOGITS_BUDGET = 2**30  # bytes of float32 full-softmax logits per batch above which `auto` trains with `sampled`


@dataclass
class TrainConfig:
    loss: str = "auto"  # auto, or one of LOSSES (see the module docstring)
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
        if min(self.epochs, self.batch_size, self.patience, self.negatives, self.val_users,
               self.eval_users or 1, self.epoch_batches or 1) < 1:
            raise ValueError("epochs, batch_size, patience, negatives, val_users, eval_users and epoch_batches "
                             "must be at least 1")


def resolve_loss(config: TrainConfig, model_config: SASRecConfig) -> TrainConfig:
    """`auto` made concrete: full softmax while a batch's float32 logits fit in LOGITS_BUDGET, else sampled."""
    if config.loss != "auto":
        return config
    logits = config.batch_size * model_config.max_len * (model_config.n_items + 1) * 4
    return replace(config, loss="ce" if logits <= LOGITS_BUDGET else "sampled")


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


# ------------------------------------------------------------------------------------------------------ data


def windows(dataset: Dataset, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) into `dataset.items` of every training window, so each position after a user's first training
    item is a target exactly once: windows of up to max_len + 1 items end at end, end - max_len, end - 2 max_len..."""
    starts, ends = dataset.train_sequences()
    n = ends - starts
    count = np.where(n >= 2, -(-(n - 1) // max_len), 0)
    user = np.repeat(np.arange(len(n)), count)
    step = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    window_ends = ends[user] - step * max_len
    return np.maximum(starts[user], window_ends - max_len - 1), window_ends


def batch_of(items: np.ndarray, starts: np.ndarray, ends: np.ndarray, width: int) -> torch.Tensor:
    """[len(starts), width] left-padded windows items[start:end]."""
    index = ends[:, None] - width + np.arange(width)
    return torch.from_numpy(np.where(index >= starts[:, None], items[np.maximum(index, 0)], 0).astype(np.int64))


def to_device(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Host to device; on CUDA through pinned memory and without waiting, so the next batch is built meanwhile."""
    if device.type != "cuda":
        return batch.to(device)
    return batch.pin_memory().to(device, non_blocking=True)


def draw_negatives(config: TrainConfig, n_items: int, shape: tuple[int, int], generator: torch.Generator,
                   device: torch.device) -> torch.Tensor | None:
    """The negatives of one global batch: `negatives` shared items (sampled), one per position (bce), none (ce)."""
    if config.loss == "ce":
        return None
    size = (config.negatives,) if config.loss == "sampled" else shape
    return torch.randint(1, n_items + 1, size, generator=generator, device=device)


def sequence_loss(model: SASRec, batch: torch.Tensor, config: TrainConfig, negatives: torch.Tensor | None = None,
                  targets_total: int | None = None) -> torch.Tensor:
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
        logits = model.score(user)[:, 1:]  # never predict padding
        loss = F.cross_entropy(logits.float(), target - 1, label_smoothing=config.label_smoothing, reduction="sum")
        return loss / total
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


def scorer(model: SASRec, batch_size: int = 512) -> Scorer:
    """The model as an `evaluate` scorer: histories -> [batch, n_items + 1] scores, a float32 tensor on the model's
    device (eval mode, no grad). The transformer runs under autocast; the scores against every item do not, since
    bf16 would tie films that float32 tells apart."""
    device = next(model.parameters()).device

    def score(histories: Sequence[np.ndarray]) -> torch.Tensor:
        was_training = model.training
        model.eval()
        out = []
        with torch.inference_mode():
            for i in range(0, len(histories), batch_size):
                seq = to_device(left_pad(histories[i:i + batch_size], model.config.max_len), device)
                with autocast(device):
                    user = model.hidden(seq)[:, -1]
                out.append(model.score(user.float()))
        model.train(was_training)
        return torch.cat(out)

    return score


# -------------------------------------------------------------------------------------------- checkpointing


def _save_checkpoint(path: Path, model: SASRec, best: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer,
                     state: dict) -> None:
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
    write_bytes(path, save(_cpu(tensors), metadata={"state": json.dumps(meta)}))


def _cpu(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous() for k, v in tensors.items()}


def _load_checkpoint(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    try:
        with safe_open(path, "pt") as f:
            meta = json.loads((f.metadata() or {})["state"])
        return load_file(path), meta
    except (SafetensorError, OSError, KeyError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"checkpoint {path} is corrupt ({exc}): delete it to train from scratch") from None


def _restore(tensors: dict[str, torch.Tensor], meta: dict, model: SASRec,
             optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """Put the checkpoint's weights, optimizer and RNG states back; return the best weights so far."""
    device = next(model.parameters()).device
    part = {prefix: {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
            for prefix in ("model", "best")}
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


# -------------------------------------------------------------------------------------------------- training


def train(dataset: Dataset, out_dir: str | Path, model_config: SASRecConfig, config: TrainConfig = TrainConfig(),
          device: str = "auto", resume: bool = True, progress: bool = True,
          on_epoch: Callable[[int, dict], None] | None = None, log: Callable[[str], None] = print) -> dict:
    """Train, early-stop on validation NDCG@10, write the model folder; return its config.json content.

    Under torchrun every process calls this and gets the same result; only process 0 logs and writes files.
    `on_epoch(epoch, record)` runs after each epoch's checkpoint is on disk (the tests interrupt training there).
    """
    bound_heap()  # batches' large temporaries go back to the system instead of piling up in glibc's heap
    world = World.from_env()
    dev = pick_device(device)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    own_group = world.size > 1 and not dist.is_initialized()
    if own_group:
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo", timeout=timedelta(hours=1))
    try:
        return _train(dataset, Path(out_dir), model_config, config, dev, world, resume, progress, on_epoch,
                      log if world.rank == 0 else lambda _: None)
    finally:
        if own_group:
            dist.destroy_process_group()


def _train(dataset: Dataset, out_dir: Path, model_config: SASRecConfig, config: TrainConfig, dev: torch.device,
           world: World, resume: bool, progress: bool, on_epoch: Callable[[int, dict], None] | None,
           log: Callable[[str], None]) -> dict:
    if model_config.n_items != dataset.n_items:
        raise ValueError(f"model has {model_config.n_items} items, the data set {dataset.n_items}")
    config = resolve_loss(config, model_config)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)  # the same on every process: the same order and validation users
    model = SASRec(model_config).to(dev)
    if world.rank:
        torch.manual_seed(config.seed + world.rank)  # its own dropout masks (the weights start from process 0's)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=config.lr, betas=(0.9, 0.98),
                                  fused=dev.type == "cuda")
    step_loss: nn.Module = NextItemLoss(model, config)
    if world.size > 1:
        step_loss = DistributedDataParallel(step_loss, device_ids=[dev.index] if dev.type == "cuda" else None)
    settings = {"model": model_config.to_dict(), "train": asdict(config), "dataset": dataset.name,
                "dataset_path": str(dataset.path.resolve())}

    val_users, _, _ = dataset.eval_cases("val")
    if len(val_users) > config.val_users:
        val_users = np.sort(rng.choice(val_users, config.val_users, replace=False))
    starts, ends = windows(dataset, model_config.max_len)
    if len(starts) == 0:
        raise ValueError(f"{dataset.path} has no user with two training positives: nothing to train on")
    items = np.asarray(dataset.items)  # still memory-mapped
    score = scorer(model)
    negatives_rng = torch.Generator(device=dev)

    state = {"settings": settings, "epoch": 0, "best_epoch": 0, "best_ndcg": -1.0, "bad_epochs": 0,
             "history": [], "seconds": 0.0, "finished": False}
    best = copy.deepcopy(model.state_dict())
    checkpoint = out_dir / "checkpoint.safetensors"
    if resume and checkpoint.is_file():
        tensors, saved = _load_checkpoint(checkpoint)
        if saved["settings"] == settings:
            best = _restore(tensors, saved, model, optimizer)
            state = {k: v for k, v in saved.items() if k not in ("param_groups", "numpy_rng")}
            rng.bit_generator.state = saved["numpy_rng"]
            if world.rank:
                torch.manual_seed(config.seed + world.rank + 1000 * state["epoch"])
            log(f"resuming from {checkpoint} after epoch {state['epoch']}")
        else:
            log(f"{checkpoint} was written with other settings: training from scratch")

    width = model_config.max_len + 1
    n_batches = math.ceil(len(starts) / config.batch_size)
    if config.epoch_batches:
        n_batches = min(n_batches, config.epoch_batches)
    mine = slice(world.rank, None, world.size)  # this process's rows of each global batch
    quiet = not progress or world.rank > 0
    epochs = tqdm(range(state["epoch"], config.epochs), desc="train", initial=state["epoch"], total=config.epochs,
                  disable=quiet or state["finished"])
    for epoch in epochs:
        if state["finished"]:
            break
        started = time.perf_counter()
        model.train()
        order = rng.permutation(len(starts))
        running = torch.zeros((), device=dev)  # summed on the device: no synchronisation per batch
        trained = targets = 0
        for b in tqdm(range(n_batches), desc=f"epoch {epoch + 1}", leave=False, disable=quiet):
            chosen = order[b * config.batch_size:(b + 1) * config.batch_size]
            total = int((ends[chosen] - starts[chosen] - 1).sum())  # targets in the global batch
            negatives_rng.manual_seed(config.seed * 2**32 + epoch * n_batches + b)
            negatives = draw_negatives(config, model_config.n_items, (len(chosen), width - 1), negatives_rng, dev)
            if config.loss == "bce":
                negatives = negatives[mine]
            batch = to_device(batch_of(items, starts[chosen[mine]], ends[chosen[mine]], width), dev)
            with autocast(dev):
                loss = step_loss(batch, negatives, total)
            optimizer.zero_grad(set_to_none=True)
            (loss * world.size).backward()  # DDP averages gradients over processes; this makes it their sum
            optimizer.step()
            running += loss.detach()
            trained, targets = trained + len(chosen), targets + total
        local_loss = running.item()
        train_seconds = time.perf_counter() - started
        ndcg_sum, hr_sum, n_val, loss_sum = world.sum([*_validation_sums(score, dataset, val_users[mine]),
                                                       local_loss], dev)
        ndcg, hr = ndcg_sum / n_val, hr_sum / n_val
        state["seconds"] += time.perf_counter() - started
        state["epoch"] = epoch + 1
        record = {"epoch": epoch + 1, "loss": loss_sum / n_batches, "val_ndcg@10": ndcg, "val_hr@10": hr,
                  "train_seconds": train_seconds, "elapsed_seconds": state["seconds"], "windows": trained,
                  "targets": targets}
        state["history"].append(record)
        if ndcg > state["best_ndcg"]:
            state.update(best_ndcg=ndcg, best_epoch=epoch + 1, bad_epochs=0)
            best = copy.deepcopy(model.state_dict())  # a real copy: state_dict() shares storage with the model
        else:
            state["bad_epochs"] += 1
        state["finished"] = state["bad_epochs"] >= config.patience or epoch + 1 == config.epochs
        epochs.set_postfix(loss=f"{record['loss']:.3f}", val_ndcg=f"{ndcg:.4f}", best=state["best_epoch"])
        if world.rank == 0:
            _save_checkpoint(checkpoint, model, best, optimizer, {**state, "numpy_rng": rng.bit_generator.state})
        if on_epoch:
            on_epoch(epoch + 1, record)

    model.load_state_dict(best)
    result: dict | None = None
    if world.rank == 0:
        eval_users = user_sample(dataset, config.eval_users, config.seed)
        who = "every user" if eval_users is None else f"a sample of {len(eval_users):,} users"
        log(f"best epoch {state['best_epoch']} (validation NDCG@10 {state['best_ndcg']:.4f}); evaluating {who} ...")
        started = time.perf_counter()
        metrics = {split: evaluate_scorer(score, dataset, split, users=eval_users, progress=progress).metrics()
                   for split in ("val", "test")}
        best_record = state["history"][state["best_epoch"] - 1]
        result = {**settings, "best_epoch": state["best_epoch"], "device": dev.type, "processes": world.size,
                  "protocol": PROTOCOL,
                  "seconds": {"total": state["seconds"], "to_best_epoch": best_record["elapsed_seconds"],
                              "per_epoch": float(np.mean([h["train_seconds"] for h in state["history"]])),
                              "final_evaluation": time.perf_counter() - started},
                  "metrics": metrics}
        write_model(out_dir, model, dataset.movie_ids, result, state["history"])
    if world.size > 1:  # every process returns what process 0 wrote
        shared = [result]
        dist.broadcast_object_list(shared, src=0)
        result = shared[0]
    return result


def _validation_sums(score: Scorer, dataset: Dataset, users: np.ndarray) -> list[float]:
    """[sum of NDCG@10, sum of HR@10, users] over `users`, this process's share of the validation users."""
    if len(users) == 0:
        return [0.0, 0.0, 0.0]
    val = evaluate_scorer(score, dataset, "val", users=users)
    return [float(val.per_user("ndcg@10").sum()), float(val.per_user("hr@10").sum()), float(len(users))]


def write_model(out_dir: Path, model: SASRec, movie_ids: np.ndarray, config: dict, history: list[dict]) -> None:
    """All files in one step (`atomic_update`: a process killed meanwhile leaves the previous folder whole);
    config.json holds the weights' checksum, which `load_model` checks."""
    with atomic_update(out_dir) as staged:
        weights = staged / "model.safetensors"
        save_npy(staged / "movie_ids.npy", movie_ids)
        write_json(staged / "history.json", history)
        write_bytes(weights, save(_cpu(model.state_dict())))
        write_json(staged / "config.json", {**config, "weights_sha256": sha256_file(weights)})


def load_model(model_dir: str | Path, device: str = "cpu") -> SASRec:
    """The trained SASRec in `model_dir`, in eval mode; `ArtifactError` if it is missing or corrupt."""
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise ArtifactError(f"no trained model in {model_dir} (no config.json): run `python -m lbrec train`")
    config = read_json(model_dir / "config.json")
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
