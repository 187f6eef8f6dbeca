"""SASRec trained with a training option against the same training without (issue 22: shuffled windows, the set
objective): two or more model folders on the same real Letterboxd members and on MovieLens's time-ordered validation
and test splits, paired against the first.

    python -m benchmarks.bench_shuffled --models /tmp/aug-base /tmp/aug-p05 [--members N] [--json PATH]

Each folder is trained (`lbrec train`, with `--shuffle-windows P`, `--future-weight F` or neither) and exported
(`lbrec export`). On the members (`bench_members`' protocol, `lbrec.evaluation.member_models`: the same hidden films,
exports and 4,453 candidates for every folder), two rows per folder: `sasrec`, SASRec alone over every loved film in the engine's undated windows,
and `served`, the engine's undated reading (SASRec windows blended with the folder's item-to-item part); dense EASE
on MovieLens is the anchor (the issue's goal: SASRec alone at least 0.8x it). On MovieLens: NDCG@10 over every
user of each split, full ranking (`lbrec.evaluation.protocol`), SASRec alone as the folder's config.json records it.
Every row is paired against the first folder's same row (bootstrap over members or users, and Wilcoxon).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, nargs="+", required=True, help="exported model folders; the first is "
                                                                              "the reference")
    parser.add_argument("--members", type=int, help="a sample of this many members (fixed seed); default: all")
    parser.add_argument("--seed", type=int, default=0, help="draws the sample and the hidden films")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every figure here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from lbrec.artifacts import read_json, write_json
    from lbrec.data.dataset import Dataset
    from lbrec.evaluation.member_models import engine_scorers, evaluate, movielens_scorers, prepare, setting
    from lbrec.evaluation.members import load_members
    from lbrec.evaluation.protocol import evaluate_scorer
    from lbrec.evaluation.stats import bootstrap_ci, paired_values
    from lbrec.model.folder import load_model
    from lbrec.model.train import scorer
    from lbrec.serving.engine import Recommender

    args = arguments(argv)
    started = time.perf_counter()
    engines = [Recommender(folder) for folder in args.models]
    dataset = Dataset(read_json(args.models[0] / "config.json")["dataset_path"])
    data = load_members()
    # the members' hidden films and exports, once: every folder has the same catalog and vocabulary
    found = setting(engines[0], dataset, data)
    prepared = prepare(found, data.sample(args.members, args.seed), args.seed)
    per_member = {"ease (MovieLens)": evaluate(prepared, {"ease": movielens_scorers(found)["ease (MovieLens)"]},
                                               found.candidates)["ease"]}
    for folder, engine in zip(args.models, engines, strict=True):
        wanted = {name: s for name, s in engine_scorers(engine).items() if name in ("sasrec", "served")}
        for name, values in evaluate(prepared, wanted, found.candidates).items():
            per_member[f"{folder.name} {name}"] = values
    # MovieLens's time-ordered splits, every user, SASRec alone
    per_user = {}
    for folder in args.models:
        score = scorer(load_model(folder))
        for split in ("val", "test"):
            per_user[f"{folder.name} {split}"] = evaluate_scorer(score, dataset, split).per_user("ndcg@10")
    reference = args.models[0].name
    rows = []
    for name, values in per_member.items():
        ndcg = values["ndcg@10"]
        row = {"name": f"members: {name}", "ndcg@10": float(ndcg.mean()), "ci95": bootstrap_ci(ndcg)}
        folder, _, part = name.partition(" ")
        if folder != reference and part in ("sasrec", "served"):
            row["vs_reference"] = paired_values(ndcg, per_member[f"{reference} {part}"]["ndcg@10"], "ndcg@10")
        bad = values["bad@10"][~np.isnan(values["bad@10"])]
        row["bad@10"] = float(bad.mean())
        rows.append(row)
    for name, ndcg in per_user.items():
        row = {"name": f"MovieLens: {name}", "ndcg@10": float(ndcg.mean()), "ci95": bootstrap_ci(ndcg)}
        folder, _, split = name.partition(" ")
        if folder != reference:
            row["vs_reference"] = paired_values(ndcg, per_user[f"{reference} {split}"], "ndcg@10")
        rows.append(row)
    print(f"{len(prepared)} members, {int(found.candidates.sum()):,} candidates; paired against {reference}\n")
    print("| row | NDCG@10 [95% CI] | - reference [95% CI] | p (bootstrap) | p (Wilcoxon) |\n|---|---:|---:|---:|---:|")
    for row in rows:
        test = row.get("vs_reference")
        paired = (f"{test['mean_diff']:+.4f} [{test['ci95'][0]:+.4f}, {test['ci95'][1]:+.4f}] | "
                  f"{test['p_bootstrap']:.3f} | {test['p_wilcoxon']:.3f}") if test else " | |"
        print(f"| {row['name']} | {row['ndcg@10']:.4f} [{row['ci95'][0]:.4f}, {row['ci95'][1]:.4f}] | {paired} |")
    report = {"command": "python -m benchmarks.bench_shuffled " + shlex.join(sys.argv[1:] if argv is None else argv),
              "members": len(prepared), "rows": rows, "seconds": round(time.perf_counter() - started, 1),
              "train": {folder.name: {k: read_json(folder / "config.json")[k] for k in ("train", "best_epoch",
                                                                                        "seconds", "stopped_by")}
                        for folder in args.models}}
    if args.json:
        write_json(args.json, report)
        print(f"\nwrote {args.json} ({report['seconds']:.0f} s)")
    else:
        print(json.dumps(report["train"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
