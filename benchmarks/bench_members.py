"""The served model on real Letterboxd members: what `recommend --export --from 4` does for the people lbrec serves,
beside its parts, MovieLens anchors and references fitted on other Letterboxd members.

    python -m benchmarks.bench_members [--model models/ml-latest-small] [--members N] [--seed 0] [--json PATH]
    python -m benchmarks.bench_members --tune [--write-choice] | --not-for-me | --short [...]

For each member of ../shared/data/letterboxd-members (`LBREC_MEMBERS_DIR`; read in place, evaluation only): 5 films
rated 4 stars or more and up to 3 rated 2 stars or less are hidden, the rest goes through a Letterboxd export built
in memory, the matcher and the engine, in random order (`benchmarks.members`). Everything is ranked over the
films both MovieLens and the members know, less what the member rated. Figures: NDCG@10, HR@10, Recall@50 and the
bad-pick rate (hidden disliked films in the top 10), means with bootstrap 95% intervals, paired tests against the
served model, and the catalog gap. `--no-others-ease` skips EASE on the other members (a 13k x 13k inverse, about
three minutes on two cores). Results: Markdown on stdout, and every figure in `--json PATH`. The members' exports
are bulk imports, so `served` is the engine's unordered reading (`Reading(unordered=True)`); `served, latest 50
(before)` is the dated one it gave them before. The figures of `served` (with their intervals, how many members,
the date, the command and the folder's identity) are also written into the model folder, `members.json`
(atomically): the app's footer shows them for that folder (`lbrec.serving.members_figure`).

`--tune` chooses how to read a history without order on half of the members instead (`benchmarks.members.tuning`),
and with `--write-choice` writes the choice of windows and blend weight into the model folder's onnx.json
("unordered", atomically; the engine serves it from then on, and the folder's `members.json`, measured with the
reading replaced, is removed). Never required: a folder without the entry gets `UNORDERED_READING`. `--not-for-me`
measures how far a "not for me" click pushes its look-alikes down (`benchmarks.members.not_for_me`). `--short`
chooses how to read a short dated history (an RSS feed's latest 50, typed titles) on the members' short diaries
(`benchmarks.members.short`): which films, SASRec's share, how much of the canon to hold back.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from benchmarks.common import cell, paired_cell
from lbrec import paths

METRICS = ("ndcg@10", "hr@10", "recall@50", "bad@10")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_members", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="the served model folder (default: LBREC_MODEL, else models/ml-latest-small)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="the prepared data set the model was trained on (default: the model's config.json dataset_path)",
    )
    parser.add_argument(
        "--members-dir",
        type=Path,
        help="the members' data (default: LBREC_MEMBERS_DIR, else ../shared/data/letterboxd-members)",
    )
    parser.add_argument("--members", type=int, help="a sample of this many members (fixed seed); default: all")
    parser.add_argument("--seed", type=int, default=0, help="draws the sample and the hidden films")
    parser.add_argument("--no-others-ease", action="store_true", help="skip EASE fitted on the other members")
    parser.add_argument(
        "--tune",
        action="store_true",
        help="instead: choose how to serve a history without order "
        "(windows, blend weight, weights per film, dislikes) "
        "on half of the members, report on the other half",
    )
    parser.add_argument(
        "--not-for-me",
        action="store_true",
        help="instead: choose how far a 'not for me' click "
        "pushes its look-alikes down, the films members "
        "rated 2 stars or less standing in for clicks, "
        "on half of the members; report on the other half",
    )
    parser.add_argument(
        "--short",
        action="store_true",
        help="instead: choose how to read a short dated history (a feed's latest 50, typed titles) on the members' "
        "diaries of 50 rated films, on half of them; report on the other half",
    )
    parser.add_argument(
        "--write-choice",
        action="store_true",
        help="with --tune: write the chosen windows and blend weight into the model's onnx.json",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every figure here")
    args = parser.parse_args(argv)
    if args.write_choice and not args.tune:
        parser.error("--write-choice writes what --tune chooses: add --tune")
    return args


def difference(tests: dict, name: str, metric: str) -> str:
    """A paired test against the served model as "+0.012 (p=0.034)" (blank for the served model itself)."""
    test = tests.get(name, {}).get(metric)
    return f"{test['mean_diff']:+.3f} (p={test['p_bootstrap']:.3f})" if test else ""


def table(report: dict) -> str:
    """The models as Markdown, and each one's paired difference from the served model in NDCG@10 and bad@10."""
    lines = [
        "| model | NDCG@10 | HR@10 | Recall@50 | bad@10 | NDCG@10 - served (p) | bad@10 - served (p) |",
        "|---|---|---|---|---|---|---|",
    ]
    paired = report["paired_vs_served"]
    for name, figures in report["models"].items():
        lines.append(
            f"| {name} | " + " | ".join(cell(figures[m]) for m in METRICS) + f" | "
            f"{difference(paired, name, 'ndcg@10')} | {difference(paired, name, 'bad@10')} |"
        )
    return "\n".join(lines)


def tuning_table(report: dict) -> str:
    """Each choice on the reporting half and on MovieLens's test split, paired against the served point."""
    header = (
        "| choice | point | NDCG@10 | bad@10 | NDCG@10 - served (p) | bad@10 - served (p) | MovieLens test NDCG@10 "
        "| - served (p) |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    paired, guard = report["paired_vs_served"], report["movielens_test"]
    for label, point in report["chosen"].items():
        figures = report["models"][label]
        lines.append(
            f"| {label} | {point} | {cell(figures['ndcg@10'])} | {cell(figures['bad@10'])} | "
            f"{difference(paired, label, 'ndcg@10')} | {difference(paired, label, 'bad@10')} | "
            f"{cell(guard['models'][label]['ndcg@10'])} | "
            f"{difference(guard['paired_vs_served'], label, 'ndcg@10')} |"
        )
    return "\n".join(lines)


def tuned(args: argparse.Namespace, engine: object, dataset: object, data: object) -> dict:
    from benchmarks.members.tuning import measure_tuning

    report = measure_tuning(engine, dataset, data, data.sample(args.members, args.seed), args.seed)  # type: ignore
    print(
        f"chosen on {report['tuned_on']} members, reported on the other {report['reported_on']} "
        f"(seed {report['seed']}):\n"
    )
    print(tuning_table(report))
    for label, curve in report["dislikes_against"].items():
        print(f"\ndislikes against their look-alikes, from the {label} point (reporting half; paired against none):")
        print("| weight | NDCG@10 | - none (p) | bad@10 | - none (p) |\n|---|---|---|---|---|")
        for weight, figures in curve.items():
            print(
                f"| {weight} | "
                + " | ".join(
                    f"{figures[m]['mean']:.4f} | {figures[m]['vs_none']['mean_diff']:+.4f} "
                    f"(p={figures[m]['vs_none']['p_bootstrap']:.3f})"
                    for m in ("ndcg@10", "bad@10")
                )
                + " |"
            )
    if args.write_choice:
        from benchmarks.members.tuning import unordered_choice, write_choice

        choice = unordered_choice(report)
        write_choice(engine, choice)  # type: ignore[arg-type]
        report["written"] = choice.to_json()
        print(f"\nwrote the unordered reading ({choice.describe()}) into {engine.model_dir / 'onnx.json'}")  # type: ignore
    return report


def not_for_me_tables(report: dict) -> str:
    """Every variant on the reporting half (paired against today and against exclusion alone), the goal, the click
    simulation and the export's own low ratings."""
    models, today, excluded = report["models"], report["paired_vs_today"], report["paired_vs_excluded"]
    lines = [
        (
            "| variant | NDCG@10 | bad@10 (held-out low films) | bad@50 | bad@10, every low film | NDCG@10 - today | "
            "bad@10 - today | NDCG@10 - excluded | bad@10 - excluded |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, figures in models.items():
        label = f"**{name}** (chosen)" if name == report["chosen"] else name
        pairs = [paired_cell(p[name][m]) if name in p else "" for p in (today, excluded) for m in ("ndcg@10", "bad@10")]
        lines.append(
            f"| {label} | "
            + " | ".join(cell(figures[m], 4) for m in ("ndcg@10", "bad@10", "bad@50"))
            + f" | {figures['bad_all@10']['mean']:.4f} | "
            + " | ".join(pairs)
            + " |"
        )
    goal = report["goal"]
    ratio = "-" if goal["bad_ratio"] is None else f"{goal['bad_ratio']:.2f}x"
    halved, kept = ("yes" if goal[k] else "no" for k in ("bad_halved", "ndcg_not_lower"))
    every = "-" if goal["all_low_ratio"] is None else f"{goal['all_low_ratio']:.2f}x"
    lines += [
        "",
        (
            f"goal on the reporting half: bad@10 {ratio} today's (at most 0.5x: {halved}), NDCG@10 not lower: "
            f"{kept} -> {'met' if goal['met'] else 'not met'}; over every low film, the clicked ones "
            f"included: {every} today's"
        ),
        "",
        "clicks played out (the top 10 shown, 'not for me' on each held-out low film in it, refilled, repeated):",
        (
            "| variant | held-out low films on the first screen | more after the clicks | members with more | "
            "NDCG@10 after | NDCG@10 - excluded |"
        ),
        "|---|---|---|---|---|---|",
    ]
    played = report["simulation"]
    for name, figures in played["models"].items():
        test = played["paired_vs_excluded"].get(name, {}).get("ndcg@10")
        lines.append(
            f"| {name} | "
            + " | ".join(cell(figures[m], 4) for m in ("first screen", "later", "any later", "ndcg@10"))
            + f" | {paired_cell(test) if test else ''} |"
        )
    found = report["reach"]
    near = ", ".join(f"{n}: {count}" for n, count in found["look_alikes"].items())
    lines += [
        "",
        (
            f"reach: of the {found['bad_picks']} held-out low films in the top 10 once the clicks are excluded, "
            f"look-alikes of a clicked film (its N largest weights, or anywhere in its row): {near}"
        ),
    ]
    lows = report["export_lows"]
    lines += [
        "",
        (
            f"the export's own low ratings as 'not for me' ({report['chosen']}; today's protocol, "
            f"{lows['members']} members, {lows['given_low_mean']:.1f} low ratings given on average, "
            f"bad@10 over the hidden disliked films):"
        ),
        "| export's low ratings | NDCG@10 | bad@10 | NDCG@10 - ignored | bad@10 - ignored |",
        "|---|---|---|---|---|",
    ]
    for name, figures in lows["models"].items():
        test = lows["paired_vs_ignored"].get(name)
        lines.append(
            f"| {name} | {cell(figures['ndcg@10'], 4)} | {cell(figures['bad@10'], 4)} | "
            + (f"{paired_cell(test['ndcg@10'])} | {paired_cell(test['bad@10'])} |" if test else " | |")
        )
    return "\n".join(lines)


def not_for_me(args: argparse.Namespace, engine: object, dataset: object, data: object) -> dict:
    from benchmarks.members.not_for_me import measure_not_for_me

    report = measure_not_for_me(engine, dataset, data, data.sample(args.members, args.seed), args.seed)  # type: ignore
    print(
        f"{report['measured']} of {report['members']} members have at least 2 low films the model knows; "
        f"chosen on {report['chosen_on']}, reported on the other {report['reported_on']} (seed {report['seed']}); "
        f"{report['clicks_mean']:.1f} clicks and {report['held_out_mean']:.1f} held-out low films per member; "
        f"chosen: {report['chosen']}\n"
    )
    print(not_for_me_tables(report))
    return report


def short_tables(report: dict) -> str:
    """The rule's choices and today's readings on the reporting half (paired against today's default), the most
    rated films, and each point's cost on MovieLens's test split."""
    paired = report["paired_vs_today's_default_(latest_50)"]
    lines = [
        "| reading | point | NDCG@10 | seen@10 | NDCG@10 - today (paired) | seen@10 - today (paired) "
        "| MovieLens test |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figures in report["models"].items():
        tests = paired.get(name, {})
        guard = report["movielens_test"].get(name)
        lines.append(
            f"| {name} | {report['points'].get(name, '')} | {cell(figures['ndcg@10'], 4)} | "
            f"{cell(figures['seen@10'], 3)} | "
            + " | ".join(paired_cell(tests[m]) if m in tests else "" for m in ("ndcg@10", "seen@10"))
            + (f" | {guard['ndcg@10']:.4f} ({guard['vs_blend']['mean_diff']:+.4f}) |" if guard else " | |")
        )
    return "\n".join(lines)


def short(args: argparse.Namespace, engine: object, dataset: object, data: object) -> dict:
    from benchmarks.members.short import measure_short

    report = measure_short(engine, dataset, data, data.sample(args.members, args.seed), args.seed)  # type: ignore
    print(
        f"chosen on {report['tuned_on']} diaries, reported on the other {report['reported_on']} "
        f"(seed {report['seed']}):\n"
    )
    print(short_tables(report))
    return report


def main(argv: list[str] | None = None) -> int:
    from benchmarks.members.data import load_members
    from benchmarks.members.models import measure, write_record
    from lbrec.artifacts import read_json
    from lbrec.data.dataset import Dataset
    from lbrec.serving.engine import Recommender

    args = arguments(argv)
    model_dir = args.model or paths.default_model_dir()
    engine = Recommender(model_dir)
    dataset = Dataset(args.data or read_json(model_dir / "config.json")["dataset_path"])
    data = load_members(args.members_dir)
    started = time.perf_counter()
    if args.tune or args.not_for_me or args.short:
        report = (tuned if args.tune else not_for_me if args.not_for_me else short)(args, engine, dataset, data)
        return finish(args, report, started, argv)
    report = measure(
        engine, dataset, data, data.sample(args.members, args.seed), args.seed, others_ease=not args.no_others_ease
    )
    gap = report["catalog_gap"]
    print(
        f"{report['members']} members, {report['candidates']:,} candidate films ({report['films_known']:,} of "
        f"{report['films']:,} films.csv films known to {model_dir.name}); served: {report['model']}; "
        f"{report['unordered_exports']} of the exports unordered, read {engine.unordered_reading.describe()}\n"
    )
    print(table(report))
    print(
        f"\ncatalog gap: the catalog knows {gap['known_share']:.1%} of the members' loved films "
        f"({gap['known_share_per_member']:.1%} per member); of the {gap['unknown']:,} it does not, "
        f"{gap['unknown_newer_share']:.1%} came out after {gap['catalog_last_year']}"
    )
    report["command"] = command(argv)
    print(f"\nwrote the served figures for the app's footer into {write_record(engine, report)}")
    return finish(args, report, started, argv)


def command(argv: list[str] | None) -> str:
    return "python -m benchmarks.bench_members " + shlex.join(sys.argv[1:] if argv is None else argv)


def finish(args: argparse.Namespace, report: dict, started: float, argv: list[str] | None) -> int:
    """The command and the time it took into the report, and the report into `--json`."""
    report["command"] = command(argv)
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        from lbrec.artifacts import write_json

        write_json(args.json, report)
        print(f"\nwrote {args.json} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
