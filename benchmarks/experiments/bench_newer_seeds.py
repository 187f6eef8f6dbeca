"""Which of a person's seeds make lbrec's taste for newer films? `bench_newer offline`'s ranking, its seeds changed.

    python -m benchmarks.experiments.bench_newer_seeds [--model models/ml-latest-small] [--members N] [--seed 0]

The product's taste (`lbrec.ask.newer.taste_scores`) reads each seed's genres, original language and decade. A
seed the model reads comes from MovieLens, which has no language, so only the films only TMDb knows say which
languages a person loves. Live, the language of the model's films is TMDb's to give (one details request a seed, or
read off the lists that name them). Offline, films.csv has TMDb's original language of every film: this fills it in
for the model's seeds, and also ranks with each kind of seed alone. Same members, hidden films and candidates as
`python -m benchmarks.bench_newer offline`, paired against the product's ranking.

Found (2026-12-07, 952 members, commit 20662f6): the product's seeds 0.0076; the model's seeds given their language
0.0099 (+0.0024, p 0.007); the model's seeds alone 0.0008; TMDb's seeds alone 0.0123 (+0.0047, p < 0.001). A seed
without a language counts against every language. Recorded in docs/history.md, "Films newer than the model".
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from benchmarks.common import cell, paired_cell
from lbrec import paths


def main(argv: list[str] | None = None) -> int:
    from benchmarks.members.data import RememberingIndex, load_members
    from benchmarks.members.models import summarise
    from benchmarks.members.newer import background_tmdb, tmdb_client, tmdb_table
    from benchmarks.members.newer_ranks import LBREC, OFFLINE, newer_cases, newer_films, offline_ranks
    from lbrec.ask.newer import Seed
    from lbrec.ask.questions import Ask
    from lbrec.serving.engine import Recommender

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="the served model folder (default: LBREC_MODEL, else models/...)")
    parser.add_argument("--members", type=int, help="a sample of this many members (fixed seed); default: all")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    engine = Recommender(args.model or paths.default_model_dir())
    data = load_members()
    table = tmdb_table(data, engine.catalog)
    language_of = {int(row["id"]): str(row["language"]) for row in table.rows}

    def with_language(seeds: list[Seed]) -> list[Seed]:
        return [dataclasses.replace(s, language=s.language or language_of.get(s.tmdb_id, "")) for s in seeds]

    variants = {
        "the model's seeds with their TMDb language": with_language,
        "the model's seeds alone": lambda seeds: [s for s in seeds if s.ref.movieId is not None],
        "TMDb's seeds alone": lambda seeds: [s for s in seeds if s.ref.movieId is None],
    }
    newer = newer_films(data, table, engine)
    cases = newer_cases(data, data.sample(args.members, args.seed), newer, args.seed)
    with background_tmdb(table.rows) as (url, _), tempfile.TemporaryDirectory() as cache:
        ask = Ask(engine, RememberingIndex(engine.catalog), tmdb=tmdb_client(url, cache))
        per_member, about = offline_ranks(ask, data, table, cases, newer, variants)
    summary = summarise({name: per_member[name] for name in (LBREC, *variants)}, LBREC)
    paired = summary[f"paired_vs_{LBREC.replace(' ', '_')}"]
    print(f"{about['members']} members, {about['newer_films']:,} newer films; rankings beside it: {OFFLINE[1:]}\n")
    print("| seeds | NDCG@10 | HR@10 | NDCG@10 - the product's [95% CI], p |\n|---|---|---|---|")
    for name in (LBREC, *variants):
        figures, test = summary["models"][name], paired.get(name, {}).get("ndcg@10")
        shown = " | ".join(cell(figures[metric], 4) for metric in ("ndcg@10", "hr@10"))
        print(f"| {name} | {shown} | {paired_cell(test) if test else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
