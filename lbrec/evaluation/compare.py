"""Models and baselines on the same users of both splits: the table, the JSON of `evaluate --json`, the breakdowns.

EASE's one hyper-parameter is tuned on validation; what is best on validation is what the app should serve.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lbrec.data.dataset import Dataset
from lbrec.evaluation.baselines import EASE, evaluate_baselines, item_knn, tune_ease
from lbrec.evaluation.blend import BlendChoice, blend_scorer, choose_blend, fit_item_item
from lbrec.evaluation.protocol import PROTOCOL, Evaluation, Scorer, evaluate_scorer
from lbrec.evaluation.stats import paired_test


@dataclass
class Comparison:
    """Models and baselines evaluated on the same users of both splits: the table, the JSON and the breakdowns."""

    dataset: Dataset
    ease_lambda: float | None  # None: EASE was skipped (see notes)
    evaluations: dict[str, dict[str, Evaluation]]  # split -> model -> per-user results
    notes: list[str] = field(default_factory=list)  # what was skipped or approximated, and why
    blend: BlendChoice | None = None  # the blend chosen on validation, evaluated as "blend"

    @property
    def best_on_validation(self) -> str:
        val = self.evaluations["val"]
        return max(val, key=lambda name: val[name].per_user("ndcg@10").mean())

    def report(self, reference: str = "sasrec") -> dict:
        """The shape `python -m lbrec evaluate --json` prints: test metrics, a `val` block, paired tests."""
        test = self.evaluations["test"]
        models = {name: {**e.metrics(), "val": self.evaluations["val"][name].metrics()} for name, e in test.items()}
        return {
            "dataset": self.dataset.name,
            "users": len(test[reference].users),
            "protocol": PROTOCOL,
            "split": "test",
            "ease_lambda": self.ease_lambda,
            "best_on_validation": self.best_on_validation,
            "models": models,
            "notes": self.notes,
            **({"blend": self.blend.to_json()} if self.blend is not None else {}),
            "paired_tests": {
                f"{a}_vs_{b}": paired_test(test[a], test[b])
                for a in (reference, "blend")
                if a in test
                for b in test
                if b not in (a, reference)
            },
        }

    def table(self) -> pd.DataFrame:
        """One row per model: validation NDCG@10, then the test metrics with NDCG@10's 95% interval."""
        rows = {}
        for name, e in self.evaluations["test"].items():
            m = e.metrics()
            low, high = m["ci95"]["ndcg@10"]
            val = float(self.evaluations["val"][name].per_user("ndcg@10").mean())
            rows[name] = {
                "val NDCG@10": round(val, 4),
                "test NDCG@10": round(m["ndcg@10"], 4),
                "95% CI": f"{low:.4f}-{high:.4f}",
                "HR@10": round(m["hr@10"], 4),
                "Recall@20": round(m["recall@20"], 4),
                "coverage@10": round(m["coverage@10"], 4),
                "popularity pct@10": round(m["popularity_percentile@10"], 1),
            }
        return pd.DataFrame(rows).T

    def by_history_length(self, edges: Sequence[int] = (5, 10, 20, 50, 100)) -> dict[str, dict[str, float]]:
        """Test NDCG@10 per model for users grouped by how many liked films their input history holds."""
        any_model = next(iter(self.evaluations["test"].values()))
        users, _, _ = self.dataset.eval_cases("test")
        lengths = self.dataset.history_lengths("test")[np.searchsorted(users, any_model.users)]
        bucket = np.searchsorted(np.asarray(edges), lengths, side="right")
        labels = [f"<{edges[0]}"] + [f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)] + [f"{edges[-1]}+"]
        present = sorted(set(bucket.tolist()))
        return {
            name: {
                f"{labels[b]} (n={int((bucket == b).sum())})": float(e.per_user("ndcg@10")[bucket == b].mean())
                for b in present
            }
            for name, e in self.evaluations["test"].items()
        }


def compare(
    dataset: Dataset,
    models: Mapping[str, Scorer],
    ease_lambda: float | None = None,
    log: Callable[[str], None] = lambda _: None,
    users: np.ndarray | None = None,
    blend_with: str | None = None,
) -> Comparison:
    """Evaluate `models` and the baselines on validation and test (EASE's lambda tuned on validation), on every
    evaluated user or on `users` (see `protocol.user_sample`). EASE is skipped, with a note, where it cannot fit.
    `blend_with`: the model of `models` to blend with an item-to-item model (`lbrec.evaluation.blend`), the blend
    chosen on validation and reported as `blend`."""
    notes = []
    if reason := EASE.fits(dataset.n_users, dataset.n_items):
        notes.append(f"EASE skipped: {reason}")
        log(notes[-1])
        ease_lambda = None
    elif ease_lambda is None:
        log("tuning EASE's regularisation on validation ...")
        ease_lambda = tune_ease(dataset, users=users)[0]
    knn = item_knn(dataset)
    if knn.neighbours is not None:
        notes.append(f"item-kNN keeps each item's {knn.neighbours} nearest neighbours ({dataset.n_items:,} items)")
    if users is not None:
        notes.append(f"evaluated on a fixed random sample of {len(users):,} users")
    choice = None
    if blend_with is not None:
        log(f"choosing the blend of {blend_with} with an item-to-item model on validation ...")
        choice = choose_blend(dataset, models[blend_with], ease_lambda, users=users)
        log(f"  {choice.describe()}")
    evaluations = {}
    for split in ("val", "test"):
        log(f"evaluating {', '.join(models)} and the baselines on {split} ...")
        scorers = dict(models)
        if choice is not None:
            item_item = fit_item_item(dataset, split, choice.source, choice.keep, ease_lambda)
            scorers["blend"] = blend_scorer(models[blend_with], item_item, choice.weight)  # type: ignore[index]
        evaluations[split] = {
            **{
                name: evaluate_scorer(score, dataset, split, users=users, progress=True)
                for name, score in scorers.items()
            },
            **evaluate_baselines(dataset, split, ease_lambda, users=users),
        }
    return Comparison(dataset, ease_lambda, evaluations, notes, choice)
