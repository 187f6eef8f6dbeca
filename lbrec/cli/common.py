"""What every command shares: progress on stderr, the data set options, and ranges like 1990:1999."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_data_args(parser: argparse.ArgumentParser) -> None:
    from lbrec.data.movielens import DATASETS

    parser.add_argument(
        "--dataset",
        default="ml-latest-small",
        choices=sorted(DATASETS),
        help="GroupLens data set by name (default: %(default)s)",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="folder holding <dataset>/ratings.csv etc. (default: $LBREC_DATA_DIR, else data/)"
    )
    parser.add_argument(
        "--ratings",
        type=Path,
        help="any ratings CSV in MovieLens format instead of --dataset (userId,movieId,rating,timestamp)",
    )
    parser.add_argument("--movies", type=Path, help="movies CSV (movieId,title,genres) to go with --ratings")
    parser.add_argument("--links", type=Path, help="links CSV (movieId,imdbId,tmdbId) to go with --ratings")
    parser.add_argument("--no-download", action="store_true", help="fail instead of downloading missing data")


def parse_range(text: str, kind: type) -> tuple:
    """`1990:1999`, `1990:` or `:1999` -> (low, high) with None for an open end."""
    low, sep, high = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range like 1990:1999 (either end may be left open)")
    try:
        return (kind(low) if low else None, kind(high) if high else None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range of numbers like 1990:1999") from None
