"""`python -m lbrec <command>`: one entry point for every step, from download to the app.

Progress goes to stderr, results to stdout. Bad input ends with a one-line reason and a non-zero exit status.
Each command imports what it needs when it runs, so `--help` is instant and serving never imports torch. The
commands live by layer: `data` (download, prepare), `model` (train, evaluate, export, bench), `serve` (match,
recommend, app) and `questions` (rank, predict, similar, group); `common` holds what they share.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import lbrec
from lbrec.cli import data, model, questions, serve
from lbrec.errors import LbrecError

Command = tuple[str, str, Callable[[argparse.Namespace], int], Callable[[argparse.ArgumentParser], None]]


COMMANDS: list[Command] = [
    ("download", "download and verify a MovieLens data set from GroupLens", data.cmd_download, data.download_args),
    (
        "prepare",
        "filter, threshold, sequence and split ratings into a data set folder",
        data.cmd_prepare,
        data.prepare_args,
    ),
    ("export", "export a trained model to ONNX for serving with onnxruntime", model.cmd_export, model.export_args),
    ("match", "match Letterboxd-style titles to MovieLens movies", serve.cmd_match, serve.match_args),
    (
        "recommend",
        "recommend films from typed titles, a Letterboxd export or RSS feed",
        serve.cmd_recommend,
        serve.recommend_args,
    ),
    ("rank", "rank your watchlist, a Letterboxd list or typed titles for you", questions.cmd_rank, questions.rank_args),
    (
        "predict",
        "would I like it? a film's rank and percentile among the films you have not seen",
        questions.cmd_predict,
        questions.predict_args,
    ),
    (
        "similar",
        "films like one or more films you love (no history needed)",
        questions.cmd_similar,
        questions.similar_args,
    ),
    (
        "group",
        "watch together: films for 2 to 6 people, none of which any of them has watched",
        questions.cmd_group,
        questions.group_args,
    ),
    ("app", "serve the recommendation app with Voilà", serve.cmd_app, serve.app_args),
    (
        "bench",
        "time single recommendations: the engine, onnxruntime, PyTorch and the bare product",
        model.cmd_bench,
        model.bench_args,
    ),
    (
        "train",
        "train SASRec on a prepared data set (prepared first if missing) into models/<name>",
        model.cmd_train,
        model.train_args,
    ),
    (
        "evaluate",
        "SASRec beside most popular, item-kNN and EASE on the model's own split (full ranking)",
        model.cmd_evaluate,
        model.evaluate_args,
    ),
]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command in `argv` (all of them when None) gets its options, since options import what
    they describe (the data sets, the training settings) and a recommendation should import neither."""
    chosen = next((a for a in argv if not a.startswith("-")), "") if argv is not None else None
    parser = argparse.ArgumentParser(
        prog="python -m lbrec", description="Letterboxd movie recommendations from a SASRec model trained on MovieLens."
    )
    parser.add_argument("--version", action="version", version=f"lbrec {lbrec.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary, handler, add_args in COMMANDS:
        command = sub.add_parser(name, help=summary, description=summary)
        if chosen is None or chosen == name:
            add_args(command)
        command.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    try:
        return args.handler(args)
    except LbrecError as exc:
        print(f"lbrec {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"lbrec {args.command}: interrupted", file=sys.stderr)
        return 130
