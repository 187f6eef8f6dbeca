"""How far the questions' figures can be trusted, on ml-latest-small's test split.

    LBREC_DATA_DIR=../shared/data python -m benchmarks.bench_questions [--model models/ml-latest-small]

- would I like it? (`predict`): the percentile the served model gives each user's held-out test film among the
  films that user has not seen (100 = the very top), as `predict` computes it: its mean, median and the share of
  users whose film is in their top 5% and top 1%, with bootstrap 95% intervals, beside EASE's (lambda tuned on
  validation) and most popular's on the same users.
- more like this (`similar`): on the 68 labelled look-alike pairs of benchmarks/data/similar_pairs.csv (sequels,
  same director and era, remakes), the share whose partner is in the seed's top 20 (recall@20), for the served
  model read with the seed as its history, SASRec alone, SASRec's item embeddings (cosine), item-kNN (cosine) and
  most popular; and how much the top-20 lists of unrelated seeds overlap (mean Jaccard over pairs of seeds from
  different rows): a method that answers every seed with the same popular films scores high there.
- watch together (`group`): simulated groups of 2, 3 and 4 users (500 each, a fixed seed): for each member, whether
  their own held-out film is in the group's top 10; the mean over members and the worst member's, for each
  aggregation of `lbrec.serving.group`, merging the members' own top lists round-robin, and most popular. The
  aggregation is chosen on the validation split, then reported on test.

Results: Markdown on stdout and benchmarks/out/questions.json.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from harness.files import REPO
from lbrec import paths
from lbrec.artifacts import read_json
from lbrec.data.dataset import Dataset
from lbrec.evaluation.baselines import EASE, Popular, fit, tune_ease
from lbrec.evaluation.blend import as_numpy, blend_scorer, fit_item_item
from lbrec.evaluation.protocol import Evaluation, evaluate_scorer
from lbrec.evaluation.stats import bootstrap_ci
from lbrec.model.folder import load_model, trained_dataset
from lbrec.model.train import scorer

OUT = REPO / "benchmarks" / "out"


def percentiles(evaluation: Evaluation, dataset: Dataset) -> np.ndarray:
    """Each user's test film's percentile among the films they have not seen, as `Standing.percentile`."""
    seen = dataset.history_lengths("test")  # the input history's films are not candidates
    return 100.0 * (1.0 - evaluation.ranks / (dataset.n_items - seen))


def summary(values: np.ndarray) -> dict:
    top5, top1 = (values >= 95).astype(float), (values >= 99).astype(float)
    return {
        "mean": float(values.mean()),
        "mean_ci95": bootstrap_ci(values),
        "median": float(np.median(values)),
        "top5_share": float(top5.mean()),
        "top5_ci95": bootstrap_ci(top5),
        "top1_share": float(top1.mean()),
        "top1_ci95": bootstrap_ci(top1),
    }


def served_scorer(model_dir: Path, dataset: Dataset, split: str = "test"):
    """The model the folder serves: SASRec, or its blend as onnx.json describes it (fitted on `split`'s inputs)."""
    sasrec = scorer(load_model(model_dir))
    blend = read_json(model_dir / "onnx.json").get("blend") or {}
    if blend.get("weight", 1.0) == 1.0:
        return "sasrec", sasrec
    item_item = fit_item_item(dataset, split, blend["source"], blend["keep"], blend.get("ease_lambda"))
    return "blend", blend_scorer(sasrec, item_item, blend["weight"])


def top_lists(scores: np.ndarray, exclude: list[np.ndarray], k: int) -> list[np.ndarray]:
    out = []
    for row, films in zip(np.asarray(scores, dtype=np.float64), exclude, strict=True):
        row = row.copy()
        row[0] = -np.inf
        row[films] = -np.inf
        out.append(np.argsort(-row, kind="stable")[:k])
    return out


def similar(dataset: Dataset, model_dir: Path, served) -> dict:
    """Recall@20 of the labelled partner and the overlap of unrelated seeds' lists, per method."""
    import csv

    from lbrec.evaluation.baselines import ItemKNN

    index = {int(m): i for i, m in enumerate(dataset.movie_ids) if i}
    rows = list(csv.DictReader((REPO / "benchmarks" / "data" / "similar_pairs.csv").open(encoding="utf-8")))
    pairs = [
        (index[int(r["seed_movieId"])], index[int(r["partner_movieId"])])
        for r in rows
        if int(r["seed_movieId"]) in index and int(r["partner_movieId"]) in index
    ]
    seeds = [np.array([a]) for a, _ in pairs]
    model = load_model(model_dir)
    embeddings = model.item_emb.weight.detach().numpy().astype(np.float64)
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    knn = fit(ItemKNN(), dataset, "test")
    blend = read_json(model_dir / "onnx.json").get("blend") or {}
    part = (
        {
            f"the served blend's item-to-item part ({blend['source']}, {blend['keep']} per film)": fit_item_item(
                dataset, "test", blend["source"], blend["keep"], blend.get("ease_lambda")
            ).score
        }
        if blend.get("weight", 1.0) < 1.0
        else {}
    )
    methods = {
        "served model (the seed as a history)": served,
        **part,
        "SASRec alone": scorer(model),
        "SASRec item embeddings, cosine": lambda h: np.stack([unit @ unit[x[0]] for x in h]),
        "item-kNN, cosine": knn.score,
        "most popular": fit(Popular(), dataset, "test").score,
    }
    out = {"pairs": len(pairs)}
    for name, score in methods.items():
        scores = as_numpy(score(seeds))
        tops = top_lists(scores, seeds, 20)
        hits = np.array([partner in top for (_, partner), top in zip(pairs, tops, strict=True)], dtype=float)
        sets = [set(t.tolist()) for t in tops]
        overlap = [
            len(sets[i] & sets[j]) / len(sets[i] | sets[j])
            for i in range(len(sets))
            for j in range(i + 1, len(sets))
            if not {pairs[i][0], pairs[i][1]} & {pairs[j][0], pairs[j][1]}
        ]
        out[name] = {
            "recall@20": float(hits.mean()),
            "recall_ci95": bootstrap_ci(hits),
            "unrelated_overlap": float(np.mean(overlap)),
        }
    return out


def group(dataset: Dataset, served_for, split: str, sizes=(2, 3, 4), groups: int = 500) -> dict:
    """Simulated groups on `split`: per aggregation, the mean share of members whose own target is in the group's
    top 10, and the mean over groups of the worst member's (0 or 1)."""
    from lbrec.serving.group import AGGREGATIONS, group_top
    from lbrec.serving.standing import Standing

    users, _, targets = dataset.eval_cases(split)
    histories = dataset.histories(split)
    scores = np.concatenate([as_numpy(served_for(histories[i : i + 256])) for i in range(0, len(histories), 256)])
    popular = np.bincount(np.concatenate(histories), minlength=dataset.n_items + 1).astype(float)
    rng = np.random.default_rng(0)
    out: dict = {}
    for size in sizes:
        hits: dict[str, list[list[bool]]] = {}
        for _ in range(groups):
            members = rng.choice(len(users), size, replace=False)
            unseen = np.ones(dataset.n_items + 1, dtype=bool)
            unseen[0] = False
            for m in members:
                unseen[histories[m]] = False
            fit_ = np.stack(
                [Standing(scores[m], unseen, [], np.zeros(1), scores[m], scores[m]).percentiles() for m in members]
            )
            lists = {f"aggregation: {a}": group_top(fit_, unseen, 10, a) for a in AGGREGATIONS}
            lists["round-robin of own top lists"] = _round_robin([_ranked(scores[m], unseen) for m in members])
            lists["most popular"] = _ranked(popular, unseen)
            for name, top in lists.items():
                hits.setdefault(name, []).append([targets[m] in set(top.tolist()) for m in members])
        out[str(size)] = {
            name: {"mean_member": float(np.mean(h)), "worst_member": float(np.mean(np.min(h, 1)))}
            for name, h in ((n, np.array(v, dtype=float)) for n, v in hits.items())
        }
    return out


def _ranked(score: np.ndarray, unseen: np.ndarray, k: int = 10) -> np.ndarray:
    """The k best unseen films, best first."""
    return np.argsort(-np.where(unseen, score, -np.inf), kind="stable")[:k]


def _round_robin(lists: list[np.ndarray], k: int = 10) -> np.ndarray:
    """Each member's next best film in turn, until k distinct films."""
    merged: list[int] = []
    for place in range(k):
        for films in lists:
            if place < len(films) and int(films[place]) not in merged and len(merged) < k:
                merged.append(int(films[place]))
    return np.array(merged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=paths.default_model_dir())
    parser.add_argument("--groups", type=int, default=500, help="simulated groups per size (default: %(default)s)")
    parser.add_argument(
        "--part", nargs="+", default=["predict", "similar", "group"], choices=["predict", "similar", "group"]
    )
    args = parser.parse_args()
    dataset = trained_dataset(args.model)
    name, served = served_scorer(args.model, dataset)
    lam = tune_ease(dataset)[0]
    models = {
        name: served,
        f"EASE (lambda {lam:g})": fit(EASE(lam), dataset, "test").score,
        "most popular": fit(Popular(), dataset, "test").score,
    }
    report: dict = {"cpus": os.cpu_count(), "model": str(args.model)}
    if "predict" in args.part:
        report["predict"] = {}
        for label, score in models.items():
            evaluation = evaluate_scorer(score, dataset, "test")
            report["users"] = len(evaluation.users)
            report["predict"][label] = summary(percentiles(evaluation, dataset))
    if "similar" in args.part:
        report["similar"] = similar(dataset, args.model, served)
    if "group" in args.part:
        report["group"] = {
            split: group(dataset, served_scorer(args.model, dataset, split)[1], split, groups=args.groups)
            for split in ("val", "test")
        }
    OUT.mkdir(parents=True, exist_ok=True)
    previous = json.loads((OUT / "questions.json").read_text()) if (OUT / "questions.json").is_file() else {}
    report = previous | report
    (OUT / "questions.json").write_text(json.dumps(report, indent=2))
    print_report(report)


def print_report(report: dict) -> None:
    print(f"{report['users']} test users; the held-out film's percentile among the films each has not seen\n")
    print("| model | mean [95% CI] | median | in the top 5% [95% CI] | in the top 1% [95% CI] |")
    print("|---|---:|---:|---:|---:|")
    for label, s in report["predict"].items():
        print(
            f"| {label} | {s['mean']:.1f} [{s['mean_ci95'][0]:.1f}, {s['mean_ci95'][1]:.1f}] | {s['median']:.1f} | "
            f"{s['top5_share']:.1%} [{s['top5_ci95'][0]:.1%}, {s['top5_ci95'][1]:.1%}] | {s['top1_share']:.1%} "
            f"[{s['top1_ci95'][0]:.1%}, {s['top1_ci95'][1]:.1%}] |"
        )
    similar_ = report["similar"]
    print(f"\n{similar_['pairs']} labelled look-alike pairs\n")
    print("| method | partner in the top 20 [95% CI] | overlap of unrelated seeds' lists (Jaccard) |")
    print("|---|---:|---:|")
    for name, m in similar_.items():
        if name != "pairs":
            print(
                f"| {name} | {m['recall@20']:.1%} [{m['recall_ci95'][0]:.1%}, {m['recall_ci95'][1]:.1%}] | "
                f"{m['unrelated_overlap']:.3f} |"
            )
    for split, sizes in report["group"].items():
        print(
            f"\ngroups on {split}: share of members whose own held-out film is in the group's top 10 "
            f"(mean member / worst member)\n"
        )
        names = list(next(iter(sizes.values())))
        print("| method | " + " | ".join(f"{size} people" for size in sizes) + " |")
        print("|---|" + "---:|" * len(sizes))
        for name in names:
            print(
                f"| {name} | "
                + " | ".join(
                    f"{sizes[size][name]['mean_member']:.1%} / {sizes[size][name]['worst_member']:.1%}"
                    for size in sizes
                )
                + " |"
            )


if __name__ == "__main__":
    main()
