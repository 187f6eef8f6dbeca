"""Do a member's star ratings help as weights? The served item-to-item part on the real Letterboxd members ("a 5-star
film is not a 3-star one"), fed every rated film weighted by its stars, against the loved films alone.

    python -m benchmarks.experiments.bench_rating_weights [--model models/ml-latest-small] [--members N] [--seed 0]

The item-to-item model scores a history as the sum of its films' rows (`lbrec.serving.itemitem`); here each film's
row is multiplied by a weight of its stars s (0.5 to 5) first. `loved (served)` is what the product feeds it
(`--from 4`: weight 1 at 4 stars or more, else 0); a negative weight counts a film against its look-alikes. The
hidden films, exports and candidates are `bench_members`' (`benchmarks.members.models`); every row is paired
against `loved (served)`, over all members and on each half of `tuning.halves` (choose on A, report on B).

Found (1,000 members, the served folder's EASE part): no weighting moves NDCG@10 beyond noise, and the best on half A
is below the served input on half B, so the product keeps feeding the films of 4 stars or more. Recorded in
docs/history.md, "SASRec with a set objective, and the order it reads an export in" (commit 6e8e732).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np

from benchmarks.common import member_arguments, served_members

WEIGHTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "loved (served)": lambda stars: (stars >= 4).astype(float),
    "every rated film, 1": np.ones_like,
    "3.5 stars or more, 1": lambda stars: (stars >= 3.5).astype(float),
    "4 stars or more, stars - 3": lambda stars: np.where(stars >= 4, stars - 3, 0.0),
    "(stars - 3) / 2, at least 0": lambda stars: np.clip((stars - 3) / 2, 0, None),
    "(stars - 3) / 2": lambda stars: (stars - 3) / 2,
    "(stars - 2.5) / 2.5": lambda stars: (stars - 2.5) / 2.5,
}


def main(argv: list[str] | None = None) -> int:
    import scipy.sparse as sp

    from benchmarks.members.models import Case, evaluate
    from benchmarks.members.tuning import halves
    from lbrec.evaluation.stats import bootstrap_ci, paired_values

    args = member_arguments("python -m benchmarks.experiments.bench_rating_weights", __doc__.split("\n")[0], argv)
    setting, cases, members = served_members(args)
    engine = setting.engine
    if engine.item_item is None:
        raise SystemExit(f"{engine.model_dir} serves SASRec alone: there is no item-to-item part to weigh")
    size = engine.n_items + 1
    part = engine.item_item
    rows = sp.csr_matrix(
        (np.asarray(part.weights), np.asarray(part.indices), np.asarray(part.indptr)), shape=(size, size)
    )

    def weighted(weight: Callable[[np.ndarray], np.ndarray]) -> Callable[[Sequence[Case]], np.ndarray]:
        def score(batch: Sequence[Case]) -> np.ndarray:
            given = np.zeros((len(batch), size), np.float32)
            for row, case in enumerate(batch):
                items = setting.items[case.split.given]
                known = items > 0
                np.add.at(given[row], items[known], weight(case.split.given_ratings[known] / 2.0))
            return (sp.csr_matrix(given) @ rows).toarray().astype(np.float32)

        return score

    per_member = evaluate(cases, {name: weighted(w) for name, w in WEIGHTS.items()}, setting.candidates)
    half_a, half_b = halves(members, args.seed)
    names = np.array([case.split.member for case in cases])
    on_a, on_b = np.isin(names, half_a), np.isin(names, half_b)
    served = per_member["loved (served)"]["ndcg@10"]
    print(
        f"{len(cases)} members, {int(setting.candidates.sum()):,} candidates; {engine.model_name}'s item-to-item "
        f"part alone; paired against the loved films (served)\n"
    )
    print("| input weights | NDCG@10 [95% CI] | half A | half B | - served (p) | bad@10 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, values in per_member.items():
        ndcg = values["ndcg@10"]
        low, high = bootstrap_ci(ndcg)
        test = paired_values(ndcg, served, "ndcg@10")
        paired = f"{test['mean_diff']:+.4f} ({test['p_bootstrap']:.2f})" if name != "loved (served)" else ""
        print(
            f"| {name} | {ndcg.mean():.4f} [{low:.4f}, {high:.4f}] | {ndcg[on_a].mean():.4f} | "
            f"{ndcg[on_b].mean():.4f} | {paired} | {np.nanmean(values['bad@10']):.4f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
