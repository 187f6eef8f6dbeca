"""The model commands: train SASRec, evaluate it beside the baselines, export it to ONNX (these need torch, the
`train` extra), and time the engine (beside PyTorch when torch is installed)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from lbrec.cli.common import add_data_args, log
from lbrec.cli.data import prepared_dataset
from lbrec.errors import LbrecError


def require_torch(command: str) -> None:
    """Training, evaluating and exporting need PyTorch, which a serving install leaves out: say so in one line."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise LbrecError(f"`lbrec {command}` needs the train extra: pip install 'lbrec[train]'") from None


def cmd_train(args: argparse.Namespace) -> int:
    require_torch("train")
    import torch

    from lbrec import paths
    from lbrec.model.config import configs, resolve_loss
    from lbrec.model.train import train

    if args.threads:
        torch.set_num_threads(args.threads)
    dataset = prepared_dataset(args)
    out = args.out or paths.models_dir() / (args.name or dataset.name)
    try:
        model_config, config = configs(dataset.n_items, **{name: getattr(args, name) for name in HYPER_PARAMETERS})
    except ValueError as exc:
        raise LbrecError(str(exc)) from None
    first = int(os.environ.get("RANK", "0")) == 0  # under torchrun, process 0 alone reports
    if first:
        log(
            f"training SASRec ({resolve_loss(config, model_config).loss} loss) on {dataset.name}: "
            f"{dataset.n_users:,} users, {dataset.n_items:,} movies -> {out}"
        )
    result = train(
        dataset,
        out,
        model_config,
        config,
        device=args.device,
        resume=not args.restart,
        progress=not args.quiet,
        log=log,
        time_budget=args.time_budget,
    )
    if not first:
        return 0
    val, test = result["metrics"]["val"], result["metrics"]["test"]
    log(
        f"  best epoch {result['best_epoch']}: NDCG@10 validation {val['ndcg@10']:.4f}, test {test['ndcg@10']:.4f} "
        f"(95% CI {test['ci95']['ndcg@10'][0]:.4f}-{test['ci95']['ndcg@10'][1]:.4f}); "
        f"{result['seconds']['per_epoch']:.1f} s per epoch"
    )
    print(json.dumps({"model_dir": str(out), **result}) if args.json else out)
    return 0


HYPER_PARAMETERS = (
    "loss",
    "epochs",
    "batch_size",
    "lr",
    "weight_decay",
    "label_smoothing",
    "negatives",
    "patience",
    "val_users",
    "eval_users",
    "epoch_batches",
    "seed",
    "max_len",
    "dim",
    "heads",
    "layers",
    "dropout",
)


def minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of minutes")
    return value


def train_args(parser: argparse.ArgumentParser) -> None:
    from lbrec.model.config import LOSS_CHOICES, SASRecConfig, TrainConfig

    add_data_args(parser)
    parser.add_argument(
        "--data",
        type=Path,
        help="a prepared data set folder (default: data/processed/<dataset>, prepared first if missing)",
    )
    parser.add_argument("--name", help="model name: the folder is models/<name> (default: the data set's name)")
    parser.add_argument("--out", type=Path, help="model folder (default: models/<name>)")
    model, train = SASRecConfig(n_items=1), TrainConfig()
    hyper = parser.add_argument_group("hyper-parameters (defaults: the best on ml-latest-small validation)")
    hyper.add_argument(
        "--loss",
        choices=LOSS_CHOICES,
        help=f"ce: full softmax; bce: one sampled negative (the original SASRec); sampled: softmax over "
        f"--negatives sampled items; auto: ce unless a batch's logits need over 1 GiB (87k films), "
        f"then sampled (default: {train.loss})",
    )
    for name, kind, help_text in [
        ("epochs", int, "most epochs"),
        ("batch-size", int, "windows per batch"),
        ("lr", float, "AdamW learning rate"),
        ("weight-decay", float, "AdamW weight decay"),
        ("label-smoothing", float, "label smoothing (ce, sampled)"),
        ("negatives", int, "negatives per batch (sampled)"),
        ("patience", int, "epochs without a better validation NDCG@10 before stopping"),
        ("val-users", int, "validation users for early stopping (a fixed sample)"),
        (
            "eval-users",
            int,
            (
                "final metrics on a fixed sample of this many users, for "
                "CPU-only machines on large data sets; None: every user"
            ),
        ),
        ("epoch-batches", int, "stop each epoch after this many batches; None: all"),
        ("seed", int, "random seed"),
        ("max-len", int, "history length the model reads"),
        ("dim", int, "embedding size"),
        ("heads", int, "attention heads"),
        ("layers", int, "transformer blocks"),
        ("dropout", float, "dropout"),
    ]:
        field = name.replace("-", "_")
        default = getattr(train, field) if hasattr(train, field) else getattr(model, field)
        hyper.add_argument(f"--{name}", type=kind, help=f"{help_text} (default: {default})")
    parser.add_argument(
        "--device",
        default="auto",
        help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:1, mps; "
        "several GPUs: torchrun --standalone --nproc_per_node=N "
        "-m lbrec train ...",
    )
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument(
        "--time-budget",
        type=minutes,
        metavar="MINUTES",
        help="stop training where the rest (the final evaluation included) would not fit in this many "
        "minutes, keeping the best validated weights; config.json says the budget ended it",
    )
    parser.add_argument("--restart", action="store_true", help="ignore the checkpoint and train from scratch")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--json", action="store_true", help="print config.json's content instead of the folder")


def cmd_evaluate(args: argparse.Namespace) -> int:
    require_torch("evaluate")
    import numpy as np

    from lbrec import paths
    from lbrec.artifacts import load_npy, read_json
    from lbrec.data.dataset import Dataset
    from lbrec.errors import ArtifactError
    from lbrec.evaluation.compare import compare
    from lbrec.evaluation.protocol import PROTOCOL, user_sample
    from lbrec.model.folder import load_model
    from lbrec.model.train import scorer

    model_dir = args.model or paths.default_model_dir()
    model = load_model(model_dir, device=args.device)
    config = read_json(model_dir / "config.json")
    dataset = Dataset(args.data or config["dataset_path"])
    if not np.array_equal(load_npy(model_dir / "movie_ids.npy"), dataset.movie_ids):
        raise ArtifactError(
            f"{model_dir} was trained on another vocabulary than {dataset.path}: pass the data set it "
            f"was trained on with --data, or train again"
        )
    comparison = compare(
        dataset,
        {"sasrec": scorer(model)},
        args.ease_lambda,
        log=log,
        users=user_sample(dataset, args.users),
        blend_with="sasrec",
    )
    report = {**comparison.report(), "model": str(model_dir)}
    models, best = report["models"], report["best_on_validation"]
    log("  on real Letterboxd members' exports: python -m benchmarks.bench_members (from a checkout, with their data)")
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{dataset.name}: {report['users']} users; {PROTOCOL}")
    print(
        f"{'model':<9} {'val NDCG@10':>12} {'test NDCG@10 [95% CI]':>26} {'HR@10':>7} {'Recall@20':>10} "
        f"{'cov@10':>7} {'pop pct':>8}"
    )
    for name, m in models.items():
        lo, hi = m["ci95"]["ndcg@10"]
        print(
            f"{name:<9} {m['val']['ndcg@10']:>12.4f} {m['ndcg@10']:>10.4f} [{lo:.4f}, {hi:.4f}] {m['hr@10']:>7.4f} "
            f"{m['recall@20']:>10.4f} {m['coverage@10']:>7.3f} {m['popularity_percentile@10']:>8.1f}"
        )
    print(
        f"best on validation: {best}"
        + ("" if best in ("sasrec", "blend") else " (neither SASRec nor its blend beats it on this data)")
    )
    print(f"blend: {comparison.blend.describe()}, chosen on validation")  # type: ignore[union-attr]
    for note in report["notes"]:
        print(f"note: {note}")
    return 0


def evaluate_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else models/ml-latest-small)")
    parser.add_argument("--data", type=Path, help="prepared data set (default: the one the model was trained on)")
    parser.add_argument("--ease-lambda", type=float, help="EASE regularisation (default: tuned on validation)")
    parser.add_argument(
        "--users",
        type=int,
        help="evaluate a fixed random sample of this many users (the same for "
        "every model and both splits): minutes instead of an hour for "
        "ML-32M on a CPU (default: every user)",
    )
    parser.add_argument(
        "--device", default="auto", help="where SASRec scores and ranks: auto (cuda, then mps, then cpu), cpu, cuda"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print {"dataset", "users", "protocol", "models": {"sasrec", "popular", "itemknn", "ease"}, ...}',
    )


def cmd_export(args: argparse.Namespace) -> int:
    require_torch("export")
    from lbrec import paths
    from lbrec.artifacts import read_json
    from lbrec.model import export

    model_dir = args.model or paths.default_model_dir()
    log(f"exporting {model_dir} to ONNX ...")
    onnx_path = export.export_model_dir(model_dir, fp16=args.fp16, blend=not args.no_blend, log=log)
    meta = read_json(model_dir / "onnx.json")
    log(f"  {onnx_path} ({meta['bytes'] / 2**20:.1f} MB, {meta['n_items']:,} movies, sha256 {meta['sha256'][:12]})")
    print(json.dumps(meta) if args.json else onnx_path)
    return 0


def export_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", type=Path, help="trained model folder (default: $LBREC_MODEL, else models/ml-latest-small)"
    )
    parser.add_argument(
        "--fp16",
        action="store_true",
        help="store the weights in float16: half the file, the same top-10 films for over 99%% of "
        "test users, no faster on CPU",
    )
    parser.add_argument(
        "--no-blend",
        action="store_true",
        help="serve SASRec alone, without choosing a blend with an item-to-item model on validation",
    )
    parser.add_argument("--json", action="store_true", help="print the ONNX metadata as JSON")


def cmd_bench(args: argparse.Namespace) -> int:
    from lbrec import paths

    model_dir = args.model or paths.default_model_dir()
    log(f"timing {args.requests} single requests per contender on one thread ({model_dir}) ...")
    try:
        from lbrec.model.latency import engine_latency
    except ImportError:  # a serving install: the onnxruntime contenders only
        from lbrec.serving.latency import serving_latency as engine_latency

        log("  torch is not installed: PyTorch eager and the bare product are not timed")
    result = engine_latency(model_dir, n=args.requests)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['n_items']:,} movies, model.onnx {result['onnx_mb']:.1f} MB")
    for name, timing in result["timings"].items():
        print(f"  {name:<24} p50 {timing['p50_ms']:8.2f} ms   p99 {timing['p99_ms']:8.2f} ms")
    return 0


def bench_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="model folder (default: $LBREC_MODEL, else models/ml-latest-small)")
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per contender")
    parser.add_argument("--json", action="store_true", help="print the timings as JSON")
