"""Does the order SASRec reads an unordered export in matter? SASRec alone on the real Letterboxd members, reading each
member's loved films in five orders, in the engine's 50-film windows and as the latest 50 films.

    python -m benchmarks.experiments.bench_reading_order [--model models/ml-latest-small] [--members N] [--seed 0]

An unordered export (a bulk import) has no real order; the engine reads it in the export's order. This ranks the same
hidden films (`bench_members`' protocol, `benchmarks.members.models`) with the films sorted first: by MovieLens
popularity (most rated first, or last) and by release year (oldest first, or newest). In MovieLens, where SASRec
learns, people tend to rate the popular films they know first. Dense EASE on the same MovieLens data is the anchor.

Found (1,000 members, the served folder of 2026-12-03): no order moves SASRec in windows beyond noise (the best, the
50 least-rated loved films, 0.50x EASE, p = 0.12), so the engine keeps the export's order. Recorded in docs/history.md,
"SASRec with a set objective, and the order it reads an export in" (commit 75f7723).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.common import member_arguments, served_members

if TYPE_CHECKING:
    from benchmarks.members.models import Case


def main(argv: list[str] | None = None) -> int:
    from benchmarks.members.models import evaluate, movielens_scorers
    from lbrec.evaluation.stats import bootstrap_ci, paired_values

    args = member_arguments("python -m benchmarks.experiments.bench_reading_order", __doc__.split("\n")[0], argv)
    setting, cases, _ = served_members(args)
    engine, dataset = setting.engine, setting.dataset
    popularity = dataset.popularity()
    year = np.zeros(dataset.n_items + 1)
    catalog = engine.catalog[engine.catalog["item_index"] > 0]
    year[catalog["item_index"].to_numpy()] = catalog["year"].fillna(catalog["year"].median()).to_numpy()
    orders: dict[str, Callable[[list[int]], list[int]]] = {
        "the export's": lambda films: films,
        "most rated first": lambda films: sorted(films, key=lambda f: -popularity[f]),
        "most rated last": lambda films: sorted(films, key=lambda f: popularity[f]),
        "oldest first": lambda films: sorted(films, key=lambda f: year[f]),
        "newest first": lambda films: sorted(films, key=lambda f: -year[f]),
    }

    def sasrec(order: Callable[[list[int]], list[int]], windows: bool) -> Callable[[Sequence[Case]], np.ndarray]:
        return lambda batch: engine.sasrec(
            [order(engine.item_indices(case.given.loved)) for case in batch], [windows] * len(batch)
        )[1]

    scorers = {"ease (MovieLens)": movielens_scorers(setting)["ease (MovieLens)"]}
    for name, order in orders.items():
        scorers[f"{name}, windows"] = sasrec(order, True)
        scorers[f"{name}, latest 50"] = sasrec(order, False)
    ndcg = {name: values["ndcg@10"] for name, values in evaluate(cases, scorers, setting.candidates).items()}
    reference = ndcg["the export's, windows"]
    print(
        f"{len(cases)} members, {int(setting.candidates.sum()):,} candidates; {engine.model_name}; SASRec alone, "
        f"paired against the export's order in windows\n"
    )
    print("| reading | NDCG@10 [95% CI] | x EASE | - export's order, windows (p) |\n|---|---:|---:|---:|")
    for name, values in ndcg.items():
        low, high = bootstrap_ci(values)
        test = paired_values(values, reference, "ndcg@10") if name.startswith(tuple(orders)) else None
        paired = f"{test['mean_diff']:+.4f} ({test['p_bootstrap']:.3f})" if test and values is not reference else ""
        print(
            f"| {name} | {values.mean():.4f} [{low:.4f}, {high:.4f}] | "
            f"{values.mean() / ndcg['ease (MovieLens)'].mean():.2f} | {paired} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
