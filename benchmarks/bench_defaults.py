"""What a person gets without touching an option, for each input (an export logged in bulk, a dated export, an RSS
feed, typed titles): the default reading now (`--from auto` and the engine's readings) beside the default before
(`--from recent`), through the product's own path, paired (`benchmarks.members.defaults`).

    python -m benchmarks.bench_defaults [--model models/ml-latest-small] [--members N] [--seed 0] [--json PATH]

The members' data (../shared/data/letterboxd-members, `LBREC_MEMBERS_DIR`) is read in place, for evaluation only;
MovieLens's ratings.csv is read from `LBREC_DATA_DIR`. Results: Markdown on stdout, every figure in `--json PATH`.
"""

from __future__ import annotations

import sys
import time

from benchmarks.common import cell, member_arguments, paired_cell, served_members


def table(title: str, report: dict, metrics: tuple[str, ...] = ("ndcg@10",)) -> str:
    """One input's readings: each metric with its interval, and paired against the default before."""
    paired = next(value for key, value in report.items() if key.startswith("paired_vs_"))
    head = " | ".join(f"{m} | {m} - before (paired)" for m in metrics)
    lines = [f"\n{title}\n", f"| reading | {head} |", "|---|" + "---|---|" * len(metrics)]
    for name, figures in report["models"].items():
        tests = paired.get(name, {})
        cells = " | ".join(f"{cell(figures[m], 4)} | {paired_cell(tests[m]) if m in tests else ''}" for m in metrics)
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.members.data import RememberingIndex
    from benchmarks.members.defaults import diary_defaults, export_defaults, movielens_exports
    from benchmarks.members.short import diaries
    from lbrec import paths
    from lbrec.artifacts import write_json
    from lbrec.ask.questions import Ask

    args = member_arguments("python -m benchmarks.bench_defaults", __doc__.split("\n")[0], argv, json=True)
    started = time.perf_counter()
    setting, cases, members = served_members(args)
    engine = setting.engine
    ask = Ask(engine, RememberingIndex(engine.catalog))
    report = {"export": export_defaults(setting, cases)}
    print(table(f"An export logged in bulk ({len(cases)} members)", report["export"]))
    ratings = paths.raw_data_dir() / setting.dataset.name / "ratings.csv"
    report["dated export"] = movielens_exports(ask, setting.dataset, str(ratings))
    dated = report["dated export"]
    print(
        table(
            f"A dated export: MovieLens's {dated['users']} test users as exports ({dated['look_logged_in_bulk']} look "
            f"logged in bulk); as a diary: now - before {paired_cell(dated['paired_as_a_diary'])}",
            dated,
        )
    )
    report["short"] = diary_defaults(ask, diaries(setting, members, args.seed), setting.candidates)
    for source, figures in report["short"].items():
        print(table(f"{source} (the members' short diaries)", figures, ("ndcg@10", "seen@10")))
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["command"] = "python -m benchmarks.bench_defaults " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.json:
        write_json(args.json, report)
        print(f"\nwrote {args.json} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
