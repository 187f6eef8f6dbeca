"""How far the questions' figures can be trusted (issue 13), on ml-latest-small's test split.

    LBREC_DATA_DIR=../shared/data python -m benchmarks.bench_questions [--model models/ml-latest-small]

- would I like it? (`predict`): the percentile the served model gives each user's held-out test film among the
  films that user has not seen (100 = the very top), as `predict` computes it: its mean, median and the share of
  users whose film is in their top 5% and top 1%, with bootstrap 95% intervals, beside EASE's (lambda tuned on
  validation) and most popular's on the same users.

Results: Markdown on stdout and benchmarks/out/questions.json.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from lbrec import paths
from lbrec.artifacts import read_json
from lbrec.data.dataset import Dataset
from lbrec.evaluation.baselines import EASE, Popular, fit, tune_ease
from lbrec.evaluation.blend import blend_scorer, fit_item_item
from lbrec.evaluation.protocol import Evaluation, evaluate_scorer
from lbrec.evaluation.stats import bootstrap_ci
from lbrec.model.folder import load_model
from lbrec.model.train import scorer
from tests.helpers.files import REPO

OUT = REPO / "benchmarks" / "out"


def percentiles(evaluation: Evaluation, dataset: Dataset) -> np.ndarray:
    """Each user's test film's percentile among the films they have not seen, as `Standing.percentile`."""
    _, ends, _ = dataset.eval_cases("test")
    seen = ends - dataset.offsets[evaluation.users]  # the input history's length (its films are not candidates)
    return 100.0 * (1.0 - evaluation.ranks / (dataset.n_items - seen))


def summary(values: np.ndarray) -> dict:
    top5, top1 = (values >= 95).astype(float), (values >= 99).astype(float)
    return {"mean": float(values.mean()), "mean_ci95": bootstrap_ci(values), "median": float(np.median(values)),
            "top5_share": float(top5.mean()), "top5_ci95": bootstrap_ci(top5), "top1_share": float(top1.mean()),
            "top1_ci95": bootstrap_ci(top1)}


def served_scorer(model_dir: Path, dataset: Dataset):  # noqa: ANN201 (a Scorer)
    """The model the folder serves: SASRec, or its blend as onnx.json describes it (fitted on the test inputs)."""
    sasrec = scorer(load_model(model_dir))
    blend = read_json(model_dir / "onnx.json").get("blend") or {}
    if blend.get("weight", 1.0) == 1.0:
        return "sasrec", sasrec
    item_item = fit_item_item(dataset, "test", blend["source"], blend["keep"], blend.get("ease_lambda"))
    return "blend", blend_scorer(sasrec, item_item, blend["weight"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=paths.default_model_dir())
    args = parser.parse_args()
    dataset = Dataset(read_json(args.model / "config.json")["dataset_path"])
    name, served = served_scorer(args.model, dataset)
    lam = tune_ease(dataset)[0]
    models = {name: served, f"EASE (lambda {lam:g})": fit(EASE(lam), dataset, "test").score,
              "most popular": fit(Popular(), dataset, "test").score}
    report = {"cpus": os.cpu_count(), "model": str(args.model), "users": None, "predict": {}}
    for label, score in models.items():
        evaluation = evaluate_scorer(score, dataset, "test")
        report["users"] = len(evaluation.users)
        report["predict"][label] = summary(percentiles(evaluation, dataset))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "questions.json").write_text(json.dumps(report, indent=2))
    print(f"{report['users']} test users; the held-out film's percentile among the films each has not seen\n")
    print("| model | mean [95% CI] | median | in the top 5% [95% CI] | in the top 1% [95% CI] |")
    print("|---|---:|---:|---:|---:|")
    for label, s in report["predict"].items():
        print(f"| {label} | {s['mean']:.1f} [{s['mean_ci95'][0]:.1f}, {s['mean_ci95'][1]:.1f}] | {s['median']:.1f} | "
              f"{s['top5_share']:.1%} [{s['top5_ci95'][0]:.1%}, {s['top5_ci95'][1]:.1%}] | {s['top1_share']:.1%} "
              f"[{s['top1_ci95'][0]:.1%}, {s['top1_ci95'][1]:.1%}] |")


if __name__ == "__main__":
    main()
