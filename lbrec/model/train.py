"""Train SASRec on a prepared data set and write the model folder that the exporter reads.

The loop, as `train` runs it:
1. set up: the model, AdamW, the training windows and a fixed sample of validation users (`_setup`);
2. resume: from the last epoch's checkpoint when its settings are these (`_resume`);
3. each epoch: one pass over the shuffled windows (`_train_epoch`), then validation NDCG@10 (`_validate`); the best
   weights so far are kept as a real copy and everything is checkpointed before the next epoch starts;
4. stop after `patience` epochs without a better validation NDCG@10, restore the best weights, measure both splits
   with the evaluation protocol and write the model folder (`_finish`).

Long histories are cut into windows of `max_len` + 1 items, from the end backwards, so that every training position
is a target exactly once per epoch; a batch is gathered from the memory-mapped item array by index arithmetic, with
no per-user Python objects. The losses are in `lbrec.model.losses`, the devices in `lbrec.model.device`, the
checkpoint in `lbrec.model.checkpoint` and the folder's files in `lbrec.model.folder`.

Under `torchrun --nproc_per_node=N -m lbrec train ...` the same code trains on N processes with DistributedDataParallel:
every process walks the same shuffled order, takes its share of each global batch of `batch_size` windows, divides
its summed loss by the global number of targets, and draws the negatives from a generator seeded by the step, so the
averaged gradient, and hence the run, is that of one process (tests check it with two CPU processes). Validation is
shared between the processes; process 0 evaluates at the end and writes the folder.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import timedelta
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm

from lbrec.data.dataset import Dataset
from lbrec.data.sequences import left_pad
from lbrec.errors import LbrecError
from lbrec.evaluation.protocol import PROTOCOL, Scorer, evaluate_scorer, user_sample
from lbrec.heap import TRAINING, bound_heap
from lbrec.model.budget import Budget
from lbrec.model.checkpoint import load_checkpoint, restore, save_checkpoint
from lbrec.model.config import SASRecConfig, TrainConfig, resolve_loss
from lbrec.model.device import World, autocast, pick_device, to_device
from lbrec.model.folder import write_model
from lbrec.model.losses import NextItemLoss, draw_negatives
from lbrec.model.sasrec import SASRec


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


def scorer(model: SASRec, batch_size: int = 512) -> Scorer:
    """The model as a scorer (`lbrec.evaluation.protocol.Scorer`): histories -> [batch, n_items + 1] scores, a
    float32 tensor on the model's device (eval mode, no grad). The transformer runs under autocast; the scores
    against every item do not, since bf16 would tie films that float32 tells apart."""
    device = next(model.parameters()).device

    def score(histories: Sequence[np.ndarray]) -> torch.Tensor:
        was_training = model.training
        model.eval()
        out = []
        with torch.inference_mode():
            for i in range(0, len(histories), batch_size):
                seq = to_device(torch.from_numpy(left_pad(histories[i : i + batch_size], model.config.max_len)), device)
                with autocast(device):
                    user = model.hidden(seq)[:, -1]
                out.append(model.score(user.float()))
        model.train(was_training)
        return torch.cat(out)

    return score


# -------------------------------------------------------------------------------------------------- the loop


@dataclass
class LoopState:
    """What the loop carries from epoch to epoch; a checkpoint saves it as JSON and a resumed run starts from it."""

    settings: dict
    epoch: int = 0  # epochs done
    best_epoch: int = 0
    best_ndcg: float = -1.0  # validation NDCG@10 of the best epoch
    bad_epochs: int = 0  # epochs since the best one
    history: list[dict] = field(default_factory=list)  # one record per epoch
    seconds: float = 0.0  # training and validation time so far, over every resumed run
    finished: bool = False
    stopped_by: str | None = None  # "early stopping", "epochs" or "time budget"

    def improved(self, ndcg: float) -> bool:
        """Count the epoch just validated: True when it is the best so far (its weights are then kept)."""
        if ndcg > self.best_ndcg:
            self.best_ndcg, self.best_epoch, self.bad_epochs = ndcg, self.epoch, 0
            return True
        self.bad_epochs += 1
        return False


@dataclass
class Run:
    """What stays fixed for a whole run: the model and its optimizer, the data, and this process's share of it."""

    dataset: Dataset
    model: SASRec
    optimizer: torch.optim.Optimizer
    step_loss: nn.Module  # NextItemLoss, wrapped in DistributedDataParallel under torchrun
    config: TrainConfig  # with the loss resolved
    device: torch.device
    world: World
    starts: np.ndarray  # training windows: items[starts[i]:ends[i]]
    ends: np.ndarray
    val_users: np.ndarray  # the fixed validation sample early stopping watches
    rng: np.random.Generator  # the same on every process: the same order and validation users
    settings: dict  # what a checkpoint must match to be resumed
    negatives_rng: torch.Generator

    @property
    def n_batches(self) -> int:
        n = math.ceil(len(self.starts) / self.config.batch_size)
        return min(n, self.config.epoch_batches) if self.config.epoch_batches else n

    @property
    def mine(self) -> slice:
        """This process's rows of each global batch."""
        return slice(self.world.rank, None, self.world.size)


def train(
    dataset: Dataset,
    out_dir: str | Path,
    model_config: SASRecConfig,
    config: TrainConfig = TrainConfig(),
    device: str = "auto",
    resume: bool = True,
    progress: bool = True,
    on_epoch: Callable[[int, dict], None] | None = None,
    log: Callable[[str], None] = print,
    time_budget: float | None = None,
) -> dict:
    """Train, early-stop on validation NDCG@10, write the model folder; return its config.json content.

    Under torchrun every process calls this and gets the same result; only process 0 logs and writes files.
    `on_epoch(epoch, record)` runs after each epoch's checkpoint is on disk (the tests interrupt training there).
    `time_budget`: minutes for the whole call, final evaluation included (`lbrec.model.budget`).
    """
    budget = Budget.minutes(time_budget) if time_budget is not None else None
    world = World.from_env()
    dev = pick_device(device)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    own_group = world.size > 1 and not dist.is_initialized()
    if own_group:
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo", timeout=timedelta(hours=1))
    try:
        run = _setup(dataset, model_config, config, dev, world)
        result = _loop(
            run, Path(out_dir), resume, progress, on_epoch, log if world.rank == 0 else lambda _: None, budget
        )
        if own_group:
            dist.barrier()  # every process is done with the group before any tears it down
        return result
    finally:
        if own_group:
            dist.destroy_process_group()


def _loop(
    run: Run,
    out_dir: Path,
    resume: bool,
    progress: bool,
    on_epoch: Callable[[int, dict], None] | None,
    log: Callable[[str], None],
    budget: Budget | None = None,
) -> dict:
    checkpoint = out_dir / "checkpoint.safetensors"
    state, best = _resume(run, checkpoint, resume, log)  # where the last checkpoint stopped, or from scratch
    if budget is not None:
        _reserve(run, budget)
    quiet = not progress or run.world.rank > 0
    epochs = tqdm(
        range(state.epoch, run.config.epochs),
        desc="train",
        initial=state.epoch,
        total=run.config.epochs,
        disable=quiet or state.finished,
    )
    for epoch in epochs:
        if state.finished:
            break
        started = time.perf_counter()
        loss, batches, trained, targets = _train_epoch(run, epoch, quiet, budget)  # a pass over the shuffled windows
        train_seconds = time.perf_counter() - started
        if batches == 0:  # the budget left no room for a single batch
            state.finished, state.stopped_by = True, "time budget"
            break
        ndcg, hr, loss = _validate(run, loss)  # validation NDCG@10 and HR@10, the loss summed over processes
        state.seconds += time.perf_counter() - started
        state.epoch = epoch + 1
        record = {
            "epoch": epoch + 1,
            "loss": loss / batches,
            "val_ndcg@10": ndcg,
            "val_hr@10": hr,
            "train_seconds": train_seconds,
            "elapsed_seconds": state.seconds,
            "windows": trained,
            "targets": targets,
            "batches": batches,
        }
        state.history.append(record)
        if state.improved(ndcg):
            best = copy.deepcopy(run.model.state_dict())  # a real copy: state_dict() shares storage with the model
        state.stopped_by = _stop_reason(run, state, epoch, batches)
        state.finished = state.stopped_by is not None
        epochs.set_postfix(
            loss=f"{record['loss']:.3f}",
            val_ndcg=f"{ndcg:.4f}",
            best=state.best_epoch,
            **({"left": f"{budget.left() / 60:.1f} min"} if budget is not None else {}),
        )
        if state.stopped_by == "time budget":
            log(f"the time budget ends training after {batches:,} of {run.n_batches:,} batches of epoch {epoch + 1}")
        if run.world.rank == 0:  # on disk before anything can interrupt the next epoch
            save_checkpoint(
                checkpoint, run.model, best, run.optimizer, {**asdict(state), "numpy_rng": run.rng.bit_generator.state}
            )
        if on_epoch:
            on_epoch(epoch + 1, record)
    if not state.history:
        raise LbrecError(
            f"the time budget leaves no time for a single batch: the final evaluation alone needs about "
            f"{budget.reserve / 60:.1f} min here (give more minutes, or --eval-users for a sample)"
        )
    run.model.load_state_dict(best)
    return _finish(run, state, out_dir, progress, log)  # final metrics on both splits; the model folder


def _reserve(run: Run, budget: Budget) -> None:
    """Keep out of the budget the time the last validation and the final evaluation will need, measured once."""
    started = budget.now()
    _validate(run, 0.0)
    final = user_sample(run.dataset, run.config.eval_users, run.config.seed)
    budget.keep_for_evaluation(
        budget.now() - started,
        len(final) if final is not None else len(run.dataset.eval_cases("test")[0]),
        len(run.val_users),
    )


def _stop_reason(run: Run, state: LoopState, epoch: int, batches: int) -> str | None:
    """Why training stops after this epoch (the budget ended it mid-epoch, validation stopped improving, the last
    epoch), or None to go on."""
    if batches < run.n_batches:
        return "time budget"
    if state.bad_epochs >= run.config.patience:
        return "early stopping"
    if epoch + 1 == run.config.epochs:
        return "epochs"
    return None


def _setup(dataset: Dataset, model_config: SASRecConfig, config: TrainConfig, dev: torch.device, world: World) -> Run:
    """The model (the same initial weights on every process), AdamW, the windows and the validation sample."""
    if model_config.n_items != dataset.n_items:
        raise ValueError(f"model has {model_config.n_items} items, the data set {dataset.n_items}")
    config = resolve_loss(config, model_config)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = SASRec(model_config).to(dev)
    if world.rank:
        torch.manual_seed(config.seed + world.rank)  # its own dropout masks (the weights start from process 0's)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.lr,
        betas=(0.9, 0.98),
        fused=dev.type == "cuda",
    )
    step_loss: nn.Module = NextItemLoss(model, config)
    if world.size > 1:
        step_loss = DistributedDataParallel(step_loss, device_ids=[dev.index] if dev.type == "cuda" else None)
    settings = {
        "model": model_config.to_dict(),
        "train": asdict(config),
        "dataset": dataset.name,
        "dataset_path": str(dataset.path.resolve()),
    }
    val_users, _, _ = dataset.eval_cases("val")
    if len(val_users) > config.val_users:
        val_users = np.sort(rng.choice(val_users, config.val_users, replace=False))
    starts, ends = windows(dataset, model_config.max_len)
    if len(starts) == 0:
        raise ValueError(f"{dataset.path} has no user with two training positives: nothing to train on")
    return Run(
        dataset,
        model,
        optimizer,
        step_loss,
        config,
        dev,
        world,
        starts,
        ends,
        val_users,
        rng,
        settings,
        torch.Generator(device=dev),
    )


def _resume(
    run: Run, checkpoint: Path, resume: bool, log: Callable[[str], None]
) -> tuple[LoopState, dict[str, torch.Tensor]]:
    """The loop's state and the best weights so far: from the checkpoint when it was written with these settings."""
    fresh = LoopState(run.settings), copy.deepcopy(run.model.state_dict())
    if not (resume and checkpoint.is_file()):
        return fresh
    tensors, saved = load_checkpoint(checkpoint)
    if saved["settings"] != run.settings:
        log(f"{checkpoint} was written with other settings: training from scratch")
        return fresh
    best = restore(tensors, saved, run.model, run.optimizer)
    state = LoopState(**{f.name: saved[f.name] for f in fields(LoopState) if f.name in saved})
    if state.stopped_by == "time budget":  # a new run, with a budget of its own, goes on training
        state.finished, state.stopped_by = False, None
    run.rng.bit_generator.state = saved["numpy_rng"]
    if run.world.rank:
        torch.manual_seed(run.config.seed + run.world.rank + 1000 * state.epoch)
    log(f"resuming from {checkpoint} after epoch {state.epoch}")
    return state, best


def _train_epoch(run: Run, epoch: int, quiet: bool, budget: Budget | None) -> tuple[float, int, int, int]:
    """One pass over the shuffled windows, or as much of it as the budget leaves room for: (this process's summed
    batch losses, batches, windows, targets)."""
    config, dev = run.config, run.device
    width = run.model.config.max_len + 1
    items = np.asarray(run.dataset.items)  # still memory-mapped
    run.model.train()
    bound_heap(TRAINING)  # each step's blocks of one size are reused, not mapped afresh (validation resets it)
    order = run.rng.permutation(len(run.starts))
    running = torch.zeros((), device=dev)  # summed on the device: no synchronisation per batch
    trained = targets = batches = 0
    for b in tqdm(range(run.n_batches), desc=f"epoch {epoch + 1}", leave=False, disable=quiet):
        # room for one more batch? (every process decides alike: they all stop at the same batch)
        if budget is not None and run.world.sum([float(not budget.room_for_a_batch())], dev)[0] > 0:
            break
        step_started = budget.now() if budget is not None else 0.0
        # the global batch, and its number of targets (every process divides by the same total)
        chosen = order[b * config.batch_size : (b + 1) * config.batch_size]
        total = int((run.ends[chosen] - run.starts[chosen] - 1).sum())
        # negatives from a generator seeded by the step: the same draw on every process
        run.negatives_rng.manual_seed(config.seed * 2**32 + epoch * run.n_batches + b)
        negatives = draw_negatives(config, run.model.config.n_items, (len(chosen), width - 1), run.negatives_rng, dev)
        if config.loss == "bce":
            negatives = negatives[run.mine]
        # the global batch's windows, gathered from the memory-mapped items
        batch = batch_of(items, run.starts[chosen], run.ends[chosen], width)
        # this process's rows, copied to the device
        batch = to_device(batch[run.mine], dev)
        with autocast(dev):
            loss = run.step_loss(batch, negatives, total)
        # DDP averages gradients over processes; multiplying by their number makes it their sum
        run.optimizer.zero_grad(set_to_none=True)
        (loss * run.world.size).backward()
        run.optimizer.step()
        running += loss.detach()
        trained, targets, batches = trained + len(chosen), targets + total, batches + 1
        if budget is not None:
            budget.timed(budget.now() - step_started)
    return running.item(), batches, trained, targets


def _validate(run: Run, local_loss: float) -> tuple[float, float, float]:
    """(NDCG@10, HR@10) on the validation sample, shared between the processes, and the loss summed over them."""
    users = run.val_users[run.mine]
    sums = [0.0, 0.0, 0.0]
    if len(users):
        val = evaluate_scorer(scorer(run.model), run.dataset, "val", users=users)
        sums = [float(val.per_user("ndcg@10").sum()), float(val.per_user("hr@10").sum()), float(len(users))]
    ndcg_sum, hr_sum, n_val, loss_sum = run.world.sum([*sums, local_loss], run.device)
    return ndcg_sum / n_val, hr_sum / n_val, loss_sum


def _finish(run: Run, state: LoopState, out_dir: Path, progress: bool, log: Callable[[str], None]) -> dict:
    """Process 0 measures the best weights on both splits and writes the folder; every process returns its config."""
    result: dict | None = None
    if run.world.rank == 0:
        eval_users = user_sample(run.dataset, run.config.eval_users, run.config.seed)
        who = "every user" if eval_users is None else f"a sample of {len(eval_users):,} users"
        log(f"best epoch {state.best_epoch} (validation NDCG@10 {state.best_ndcg:.4f}); evaluating {who} ...")
        started = time.perf_counter()
        score = scorer(run.model)
        metrics = {
            split: evaluate_scorer(score, run.dataset, split, users=eval_users, progress=progress).metrics()
            for split in ("val", "test")
        }
        best_record = state.history[state.best_epoch - 1]
        result = {
            **run.settings,
            "best_epoch": state.best_epoch,
            "device": run.device.type,
            "processes": run.world.size,
            "protocol": PROTOCOL,
            "stopped_by": state.stopped_by,
            "seconds": {
                "total": state.seconds,
                "to_best_epoch": best_record["elapsed_seconds"],
                "per_epoch": float(np.mean([h["train_seconds"] for h in state.history])),
                "final_evaluation": time.perf_counter() - started,
            },
            "metrics": metrics,
        }
        write_model(out_dir, run.model, run.dataset.movie_ids, result, state.history)
    if run.world.size > 1:  # every process returns what process 0 wrote
        shared = [result]
        dist.broadcast_object_list(shared, src=0)
        result = shared[0]
    return result
