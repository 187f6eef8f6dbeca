"""The data commands: download a MovieLens data set, prepare it into sequences."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from lbrec.cli.common import add_data_args, log
from lbrec.errors import LbrecError


def cmd_download(args: argparse.Namespace) -> int:
    from lbrec.data import movielens

    folder = movielens.download(args.dataset, dest=args.dest)
    print(folder)
    return 0


def download_args(parser: argparse.ArgumentParser) -> None:
    from lbrec.data.movielens import DATASETS

    parser.add_argument("--dataset", default="ml-latest-small", choices=sorted(DATASETS))
    parser.add_argument("--dest", type=Path, help="download folder (default: data/)")


def cmd_prepare(args: argparse.Namespace) -> int:
    from lbrec import paths
    from lbrec.data import movielens, prepare

    name = args.name or (args.ratings.parent.name if args.ratings else args.dataset)
    out = args.out or paths.processed_dir(name)
    started = time.perf_counter()
    log(f"loading {args.ratings or name} ...")
    ratings = movielens.load(
        args.dataset,
        data_dir=args.data_dir,
        ratings=args.ratings,
        movies=args.movies,
        links=args.links,
        allow_download=not args.no_download,
    )
    ratings.name = name
    log(
        f"  {len(ratings):,} ratings read in {time.perf_counter() - started:.1f} s; filtering, thresholding, "
        f"sequencing ..."
    )
    config = prepare.PrepareConfig(
        min_user_ratings=args.min_user_ratings, min_item_ratings=args.min_item_ratings, percentile=args.percentile
    )
    dataset = prepare.prepare_to_folder(ratings, out, config, name=name)
    stats = dataset.meta["stats"]
    log(
        f"  done in {time.perf_counter() - started:.1f} s: {stats['users']:,} users, {stats['items']:,} movies, "
        f"{stats['positives']:,} positives -> {out}"
    )
    print(json.dumps({"dataset": name, "path": str(out), **stats}) if args.json else out)
    return 0


def prepare_args(parser: argparse.ArgumentParser) -> None:
    add_data_args(parser)
    parser.add_argument("--name", help="name of the prepared data set (default: the data set's name)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/processed/<name>)")
    parser.add_argument(
        "--min-user-ratings",
        type=int,
        default=10,
        help="keep users with at least this many ratings (default: %(default)s)",
    )
    parser.add_argument(
        "--min-item-ratings",
        type=int,
        default=1,
        help="keep movies with at least this many ratings (default: %(default)s)",
    )
    parser.add_argument(
        "--percentile",
        type=float,
        default=70.0,
        help="a rating at or above this percentile of the user's ratings is a positive (default: %(default)s)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of the folder")


def prepared_dataset(args: argparse.Namespace):  # -> lbrec.data.dataset.Dataset
    """`--data PATH`, else data/processed/<name>, prepared first (as `prepare` does) when it is not there yet."""
    from lbrec import paths
    from lbrec.data import movielens, prepare
    from lbrec.data.dataset import Dataset

    if args.data:
        return Dataset(args.data)
    name = args.ratings.parent.name if args.ratings else args.dataset
    folder = paths.processed_dir(name)
    if (folder / "meta.json").is_file():
        return Dataset(folder)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # torchrun: every process would prepare the same folder at once
        raise LbrecError(f"{folder} is not prepared: run `python -m lbrec prepare` before torchrun")
    log(f"{folder} is not prepared yet: preparing {args.ratings or name} ...")
    ratings = movielens.load(
        args.dataset,
        data_dir=args.data_dir,
        ratings=args.ratings,
        movies=args.movies,
        links=args.links,
        allow_download=not args.no_download,
    )
    ratings.name = name
    return prepare.prepare_to_folder(ratings, folder, name=name)
