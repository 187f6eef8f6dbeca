"""Does the order SASRec reads an undated export in matter? SASRec alone on the real Letterboxd members (issue 22),
reading each member's loved films in five orders, in the engine's 50-film windows and as the latest 50 films.

    python -m benchmarks.bench_reading_order [--model models/ml-latest-small] [--members N] [--seed 0]

An undated export (a bulk import) has no real order; the engine reads it in the export's order. This ranks the same
hidden films (`bench_members`' protocol, `lbrec.evaluation.member_models`) with the films sorted first: by MovieLens
popularity (most rated first, or last) and by release year (oldest first, or newest). In MovieLens, where SASRec
learns, people tend to rate the popular films they know first. Dense EASE on the same MovieLens data is the anchor.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lbrec import paths

if TYPE_CHECKING:
    from lbrec.evaluation.member_models import Member, Setting


def arguments(prog: str, description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """The options of a benchmark on the members with the served folder: --model, --members, --seed."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--model", type=Path, default=None, help="the served model folder (default: LBREC_MODEL, "
                                                                  "else models/ml-latest-small)")
    parser.add_argument("--members", type=int, help="a sample of this many members (fixed seed); default: all")
    parser.add_argument("--seed", type=int, default=0, help="draws the sample and the hidden films")
    return parser.parse_args(argv)


def served_members(args: argparse.Namespace) -> tuple[Setting, list[Member], np.ndarray]:
    """The served engine's setting, the members' prepared cases (`bench_members`' protocol) and the members drawn."""
    from lbrec.artifacts import read_json
    from lbrec.data.dataset import Dataset
    from lbrec.evaluation.member_models import prepare, setting
    from lbrec.evaluation.members import load_members
    from lbrec.serving.engine import Recommender

    model_dir = args.model or paths.default_model_dir()
    engine = Recommender(model_dir)
    dataset = Dataset(read_json(model_dir / "config.json")["dataset_path"])
    data = load_members()
    found = setting(engine, dataset, data)
    members = data.sample(args.members, args.seed)
    return found, prepare(found, members, args.seed), members


def main(argv: list[str] | None = None) -> int:
    from lbrec.evaluation.member_models import evaluate, movielens_scorers
    from lbrec.evaluation.stats import bootstrap_ci, paired_values

    args = arguments("python -m benchmarks.bench_reading_order", __doc__.split("\n")[0], argv)
    found, prepared, _ = served_members(args)
    engine, dataset = found.engine, found.dataset
    popularity = dataset.popularity()
    year = np.zeros(dataset.n_items + 1)
    catalog = engine.catalog[engine.catalog["item_index"] > 0]
    year[catalog["item_index"].to_numpy()] = catalog["year"].fillna(catalog["year"].median()).to_numpy()
    orders: dict[str, Callable[[list[int]], list[int]]] = {
        "the export's": lambda films: films,
        "most rated first": lambda films: sorted(films, key=lambda f: -popularity[f]),
        "most rated last": lambda films: sorted(films, key=lambda f: popularity[f]),
        "oldest first": lambda films: sorted(films, key=lambda f: year[f]),
        "newest first": lambda films: sorted(films, key=lambda f: -year[f])}

    def sasrec(order: Callable[[list[int]], list[int]], windows: bool) -> Callable[[Sequence[Member]], np.ndarray]:
        return lambda batch: engine.sasrec([order(engine.item_indices(m.given.loved)) for m in batch],
                                           [windows] * len(batch))[1]

    scorers = {"ease (MovieLens)": movielens_scorers(found)["ease (MovieLens)"]}
    for name, order in orders.items():
        scorers[f"{name}, windows"] = sasrec(order, True)
        scorers[f"{name}, latest 50"] = sasrec(order, False)
    ndcg = {name: values["ndcg@10"] for name, values in evaluate(prepared, scorers, found.candidates).items()}
    reference = ndcg["the export's, windows"]
    print(f"{len(prepared)} members, {int(found.candidates.sum()):,} candidates; {engine.model_name}; SASRec alone, "
          f"paired against the export's order in windows\n")
    print("| reading | NDCG@10 [95% CI] | x EASE | - export's order, windows (p) |\n|---|---:|---:|---:|")
    for name, values in ndcg.items():
        low, high = bootstrap_ci(values)
        test = paired_values(values, reference, "ndcg@10") if name.startswith(tuple(orders)) else None
        paired = f"{test['mean_diff']:+.4f} ({test['p_bootstrap']:.3f})" if test and values is not reference else ""
        print(f"| {name} | {values.mean():.4f} [{low:.4f}, {high:.4f}] | "
              f"{values.mean() / ndcg['ease (MovieLens)'].mean():.2f} | {paired} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
