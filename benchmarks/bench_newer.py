"""Films newer than the model, through TMDb as a second catalog: how fast, how much is read, how well they are ranked.

    python -m benchmarks.bench_newer speed [--films 500] [--lacking 150] [--latency 0.1] [--runs 3] [--cli]
    python -m benchmarks.bench_newer reading [--members N] [--votes]
    python -m benchmarks.bench_newer offline [--members N]
    python -m benchmarks.bench_newer live [--members N] [--cache DIR]      # TMDB_API_KEY and a network

Every part reads the members' data in place (`LBREC_MEMBERS_DIR`, else ../shared/data/letterboxd-members; evaluation
only) and the served model folder (`--model`). `speed`, `reading` and `offline` ask a loopback TMDb that knows every
film of films.csv (`benchmarks.members.newer`), served from a process of its own:

- `speed`: an export of `--films` films, `--lacking` of them newer films the model lacks, given to the product as
  the app gives it, TMDb answering after `--latency` seconds: the model's films (beside the same export without a
  key), the newer films on a cold cache and each part of them, the whole answer again on the warm cache (a new
  client and engine, as a new process would be, then asked again of the same ones, as the app's kernel is), the
  requests; `--cli` also times `python -m lbrec recommend` with a key and
  without (the loopback's answers are never cached there). Medians of `--runs`. The loopback's films have the
  stand-in vote counts of `--votes`, so that TMDb's well-voted releases fill their page as TMDb's would.
- `reading`: each member's whole export with a key (`--from 4`): the share of their loved films read by the model
  or by TMDb (the right film), against the model alone, with the product's lookup budget (through `Ask.newer`)
  and with larger ones up to every film, and what became of the films left unread;
  `--votes`: the loopback's films get a stand-in for TMDb's vote counts (how many other members love each film),
  which the matcher reads to settle namesakes.
- `offline`: 5 newer loved films hidden from each member who has them, ranked among the dev set's newer films by
  lbrec's ranking (no TMDb recommendations nor vote counts offline: its taste alone), TMDb's popularity,
  newest first, and most loved by other members (the in-domain reference). NDCG@10, bootstrap 95% intervals,
  paired tests against lbrec's.
- `live`: the same hidden films, with TMDb's own answers: the shelf `Ask.newer` answers against the same candidates
  by TMDb's popularity and TMDb's well-voted releases by popularity and newest first. Needs `TMDB_API_KEY` (and,
  for a test, `LBREC_TMDB_URL`: a loopback TMDb); TMDb's answers are cached a day in `--cache`.
Results: Markdown on stdout and every figure in `--json` (default benchmarks/out/newer-PART.json).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import OUT, cell, paired_cell
from lbrec import paths

if TYPE_CHECKING:
    from benchmarks.members.data import MemberData
    from benchmarks.members.newer import TmdbTable
    from lbrec.serving.engine import Recommender

PARTS = ("speed", "reading", "offline", "live")
# The answers `speed` times: a new engine for the first three (a new process, a new kernel of the app), then the
# warm one's engine and client asked again (the app's kernel, when the person asks again)
ANSWERS = ("without a key", "cold cache", "warm cache", "warm cache, asked again")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_newer", description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=PARTS)
    parser.add_argument("--model", type=Path, help="the served model folder (default: LBREC_MODEL, else models/...)")
    parser.add_argument("--members", type=int, help="a sample of this many members (fixed seed); default: all")
    parser.add_argument("--seed", type=int, default=0, help="draws the sample, the hidden films and the export")
    parser.add_argument("--json", type=Path, metavar="PATH", help="every figure (default: benchmarks/out/newer-PART)")
    speed = parser.add_argument_group("speed")
    speed.add_argument("--films", type=int, default=500, help="films in the export (default: %(default)s)")
    speed.add_argument("--lacking", type=int, default=150, help="of them, newer films the model lacks")
    speed.add_argument("--latency", type=float, default=0.1, help="seconds before each TMDb answer")
    speed.add_argument("--runs", type=int, default=3, help="cold and warm answers, each from a new cache")
    speed.add_argument("--cli", action="store_true", help="also time `python -m lbrec recommend`")
    parser.add_argument("--votes", action="store_true", help="reading: stand-in vote counts (others' loves)")
    parser.add_argument("--cache", type=Path, help="live: TMDb's answers (default: benchmarks/out/tmdb-live)")
    return parser.parse_args(argv)


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def speed(args: argparse.Namespace, engine: Recommender, data: MemberData, table: TmdbTable) -> dict:
    from benchmarks.members.newer import background_tmdb, tmdb_client
    from benchmarks.members.newer_speed import cli, speed_export, timed
    from lbrec.ask.lookup import BUDGET
    from lbrec.ask.questions import Ask
    from lbrec.ask.shelf import DISCOVER_PAGES, SEEDS
    from lbrec.catalog.index import MatchIndex
    from lbrec.serving.engine import Recommender
    from lbrec.tmdb.client import MAX_IN_FLIGHT

    load = os.getloadavg()[0]  # the machine is shared: how busy it was says how far the seconds can be trusted
    zipped = speed_export(data, table, engine, args.films, args.lacking, args.seed)
    index = MatchIndex(engine.catalog)
    runs: dict[str, list[dict]] = {name: [] for name in ANSWERS}
    command_line: dict[str, list[float]] = {"without a key": [], "with a key (cold)": []}
    model = engine.model_dir
    with background_tmdb(table.rows, args.latency) as (url, seen):
        for _ in range(args.runs):  # a new engine each time (but the last): none has kept this history's work
            runs["without a key"].append(timed(Ask(Recommender(model), index), zipped))
            with tempfile.TemporaryDirectory() as cache:
                for name in ("cold cache", "warm cache"):
                    client = tmdb_client(url, cache)
                    ask = Ask(Recommender(model), index, tmdb=client)
                    runs[name].append(timed(ask, zipped))
                runs["warm cache, asked again"].append(timed(ask, zipped))  # the same kernel, asked again
            if args.cli:
                command_line["without a key"].append(cli(model, zipped))
                command_line["with a key (cold)"].append(cli(model, zipped, url))
    cold = runs["cold cache"]
    report = {
        "films": args.films,
        "lacking": args.lacking,
        "latency_s": args.latency,
        "runs": runs,
        "median": {
            name: {key: median_of(rows, key) for key in ("read_s", "model_s", "newer_s", "whole_s", "requests")}
            for name, rows in runs.items()
        },
        "parts_median": {
            part: {key: statistics.median(r["parts"][part][key] for r in cold) for key in ("seconds", "requests")}
            for part in cold[0]["parts"]
        },
        "lookup": cold[0]["lookup"],
        "budget": {"lookups": BUDGET, "seeds": SEEDS, "discover_pages": DISCOVER_PAGES},
        "budget_requests": 2 * BUDGET + SEEDS + DISCOVER_PAGES,
        "max_in_flight": MAX_IN_FLIGHT,
        "server": seen,
        "cli_s": {name: statistics.median(times) for name, times in command_line.items() if times},
        "load_average": [round(load, 2), round(os.getloadavg()[0], 2)],  # before, after
    }
    print_speed(report)
    return report


def print_speed(report: dict) -> None:
    median, latency = report["median"], report["latency_s"]
    lookup = report["lookup"]
    print(
        f"an export of {report['films']} films ({lookup['lacking']} the model lacks: {lookup['looked_up']} looked "
        f"up, {lookup['matched']} found, {lookup['not_looked_up']} over the budget), TMDb answering after "
        f"{1000 * latency:.0f} ms, at most {report['max_in_flight']} in flight; medians of "
        f"{len(report['runs']['cold cache'])}; load average {report['load_average'][0]:.1f} before, "
        f"{report['load_average'][1]:.1f} after\n"
    )
    print(
        "| answer | export read and matched, s | model's films, s | newer films after them, s | whole answer, s "
        "| requests |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in median.items():
        seconds = " | ".join(f"{row[key]:.2f}" for key in ("read_s", "model_s", "newer_s", "whole_s"))
        print(f"| {name} | {seconds} | {row['requests']:.0f} |")
    print("\n| part of the newer films (cold) | seconds | requests | floor: requests / 4 x latency |")
    print("|---|---:|---:|---:|")
    for part, row in report["parts_median"].items():
        floor = -(-row["requests"] // report["max_in_flight"]) * latency
        print(f"| {part} | {row['seconds']:.2f} | {row['requests']:.0f} | {floor:.2f} |")
    budget = report["budget"]
    print(
        f"\nbudget of one answer: {budget['lookups']} lookups (1 request each, 2 when the year's search settles "
        f"nothing), {budget['seeds']} lists, {budget['discover_pages']} page of releases: at most "
        f"{report['budget_requests']} requests"
    )
    for name, seconds in report["cli_s"].items():
        print(f"python -m lbrec recommend --export --from rated, {name}: {seconds:.2f} s")


def reading(args: argparse.Namespace, engine: Recommender, data: MemberData, table: TmdbTable) -> dict:
    from collections import Counter

    import numpy as np
    import pandas as pd

    from benchmarks.members.data import RememberingIndex
    from benchmarks.members.newer import OUTCOMES, background_tmdb, read_members, shares, tmdb_client, with_budget
    from lbrec.ask.lookup import BUDGET
    from lbrec.ask.questions import Ask
    from lbrec.data.titles import film_label

    members = data.sample(args.members, args.seed)
    with background_tmdb(table.rows) as (url, seen), tempfile.TemporaryDirectory() as cache:
        client = tmdb_client(url, cache)
        reads = read_members(Ask(engine, RememberingIndex(engine.catalog), tmdb=client), table, data, members)
    product = sum((read.product for read in reads), Counter())
    budgets = [*sorted({BUDGET, *(b for b in (160, 200, 250, 300) if b > BUDGET)}), None]
    films = data.films
    years = films["year"].to_numpy(dtype=float)
    released = pd.to_numeric(films["release_date"].str[:4], errors="coerce").to_numpy(dtype=float)
    misdated = np.abs(years - released) >= 2  # films.csv's TMDb date is another release's (or another film's)
    examples: dict[str, list[str]] = {name: [] for name in OUTCOMES[2:] if name != "over the budget"}
    not_found: Counter = Counter()
    for read in reads:
        for name, row in zip(read.outcomes, read.rows, strict=True):
            label = film_label(films["title"].iat[row], None if np.isnan(years[row]) else int(years[row]))
            if name in examples and len(examples[name]) < 8 and not table.tv[row] and label not in examples[name]:
                examples[name].append(label)
            if name == "tmdb, not found":
                not_found["TV" if table.tv[row] else "misdated" if misdated[row] else "other"] += 1
    report = {
        "members": len(members),
        "votes": "others' loves" if args.votes else "none",
        "budgets": [shares(reads, budget) for budget in budgets],
        "product_path": {name: product[name] for name in OUTCOMES},
        "product_path_agrees": all(read.product == with_budget(read, BUDGET) for read in reads),
        "tv": sum(read.tv for read in reads),
        "examples_not_tv": examples,
        "not_found": dict(not_found),
        "server": seen,
    }
    print_reading(report)
    return report


def print_reading(report: dict) -> None:
    print(
        f"{report['members']} members, their whole exports (--from 4); vote counts on the loopback: {report['votes']}"
    )
    names = list(report["budgets"][0]["outcomes"])
    print("\n| lookups a person | read without a key | read with a key | per member | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * (4 + len(names)))
    for row in report["budgets"]:
        budget = "every film" if row["budget"] is None else f"{row['budget']}"
        print(
            f"| {budget} | {row['without_key']:.1%} | {row['with_key']:.1%} | {row['with_key_per_member']:.1%} | "
            + " | ".join(f"{n:,}" for n in row["outcomes"].values())
            + " |"
        )
    print(
        f"\n{report['budgets'][0]['loved']:,} loved films, {report['tv']:,} of them TV on TMDb; the product's path "
        f"(Ask.newer) gives the first row exactly: {report['product_path_agrees']}"
    )
    found = report["not_found"]
    print(
        f"not found on TMDb: {found.get('TV', 0):,} TV, {found.get('misdated', 0):,} whose TMDb date in films.csv is 2 "
        f"years or more from their year, {found.get('other', 0):,} others"
    )
    for name, films in report["examples_not_tv"].items():
        print(f"{name} (not TV): {'; '.join(films)}")


def ranking_table(per_member: dict, names: tuple[str, ...], reference: str, metrics: tuple[str, ...]) -> dict:
    """The rankings' means with intervals and paired tests against `reference`, printed as Markdown."""
    from benchmarks.members.models import summarise

    summary = summarise(per_member, reference)
    paired = summary[f"paired_vs_{reference.replace(' ', '_')}"]
    print("| ranking | " + " | ".join(metrics) + f" | NDCG@10 - {reference.split(' (')[0]} [95% CI], p |")
    print("|---|" + "---|" * (len(metrics) + 1))
    for name in names:
        test = paired.get(name, {}).get("ndcg@10")
        figures = " | ".join(cell(summary["models"][name][m], 4) for m in metrics)
        print(f"| {name} | {figures} | {paired_cell(test) if test else ''} |")
    return summary


def offline(args: argparse.Namespace, engine: Recommender, data: MemberData, table: TmdbTable) -> dict:
    from benchmarks.members.data import RememberingIndex
    from benchmarks.members.newer import background_tmdb, tmdb_client
    from benchmarks.members.newer_ranks import LBREC, OFFLINE, newer_cases, newer_films, offline_ranks
    from lbrec.ask.questions import Ask

    newer = newer_films(data, table, engine)
    cases = newer_cases(data, data.sample(args.members, args.seed), newer, args.seed)
    with background_tmdb(table.rows) as (url, _), tempfile.TemporaryDirectory() as cache:
        client = tmdb_client(url, cache)
        ask = Ask(engine, RememberingIndex(engine.catalog), tmdb=client)
        per_member, about = offline_ranks(ask, data, table, cases, newer)
    print(
        f"{about['members']} members with 5 hidden newer loved films, ranked among {about['newer_films']:,} newer "
        f"films ({about['ranked_per_member']:,.0f} a member once their own are left out; "
        f"{about['seeds_per_member']:.0f} seeds a member). Offline there are no TMDb vote counts, keywords or "
        "recommendations: lbrec's ranking is its taste alone\n"
    )
    return {**about, **ranking_table(per_member, OFFLINE, LBREC, ("ndcg@10", "hr@10", "recall@50"))}


def live(args: argparse.Namespace, engine: Recommender, data: MemberData, table: TmdbTable) -> dict:
    from benchmarks.members.data import RememberingIndex
    from benchmarks.members.newer import tmdb_client
    from benchmarks.members.newer_ranks import LIVE, live_ranks, newer_cases, newer_films
    from lbrec.ask.questions import Ask
    from lbrec.tmdb.client import TMDB_API
    from lbrec.tmdb.environment import GET_A_KEY, TMDB_KEY_ENV, TMDB_URL_ENV

    key = os.environ.get(TMDB_KEY_ENV, "").strip()
    if not key:
        raise SystemExit(f"the live benchmark asks TMDb itself: {GET_A_KEY}")
    url = os.environ.get(TMDB_URL_ENV, "").strip() or TMDB_API
    client = tmdb_client(url, args.cache or OUT / "tmdb-live", key)
    newer = newer_films(data, table, engine)
    cases = newer_cases(data, data.sample(args.members, args.seed), newer, args.seed)
    ask = Ask(engine, RememberingIndex(engine.catalog), tmdb=client)
    per_member, about = live_ranks(ask, data, cases)
    print(
        f"{about['members']} of {about['members_asked']} members ({about['hidden_found_on_tmdb']} of "
        f"{about['hidden']} hidden films found on TMDb by title and year, {about['hidden_among_tmdbs_candidates']} "
        f"of them among TMDb's candidates), TMDb at {url}: {about['requests']:,} requests\n"
    )
    return {**about, "tmdb": url, **ranking_table(per_member, LIVE, LIVE[0], ("ndcg@10", "hr@10"))}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.members.data import load_members
    from benchmarks.members.newer import others_votes, tmdb_table
    from lbrec.artifacts import write_json
    from lbrec.serving.engine import Recommender

    args = arguments(argv)
    started = time.perf_counter()
    engine = Recommender(args.model or paths.default_model_dir())
    data = load_members()
    votes = others_votes(data) if args.votes or args.part == "speed" else None
    table = tmdb_table(data, engine.catalog, votes)
    part = {"speed": speed, "reading": reading, "offline": offline, "live": live}[args.part]
    report = part(args, engine, data, table)
    report["command"] = "python -m benchmarks.bench_newer " + shlex.join(sys.argv[1:] if argv is None else argv)
    report["model"] = str(engine.model_dir)
    report["seconds"] = round(time.perf_counter() - started, 1)
    out = args.json or OUT / f"newer-{args.part}.json"
    write_json(out, report)
    print(f"\nwrote {out} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
