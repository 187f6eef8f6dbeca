"""Nothing seen twice: how often a film already watched comes back because the matcher could not place the watched
film ("Life of Brian, 1979" in watched.csv, "Monty Python's Life of Brian (1979)" recommended), before and after
such films' aliases are left out (`lbrec.catalog.aliases`), and what that looser match leaves out.

    python -m benchmarks.bench_seen [--model models/ml-latest-small] [--members N] [--seed 0] [--k 100] [--json PATH]

- **The real export** (../shared/fixtures-research/export_mororke2026, 2,250 films): the top k for each choice of
  films, with only the films the matcher placed left out (before) and with their aliases too (after).
- **The members' exports** (`bench_members`' protocol, the default path): the same, per member.
- A leak is counted two ways: by the rule itself (an alias of a watched film not placed: what the change removes)
  and by a broader judge the rule does not use (the same year within one and titles alike, rapidfuzz's
  token_set_ratio at least `JUDGE`), so that what the rule misses shows.
- **What the rule leaves out**: every alias of the members' films.csv films the matcher does not place, listed
  for a hand check, and how many are MovieLens films that another films.csv film is placed on (likely, though not
  surely, another film: films.csv lists a few films twice).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from harness.files import SHARED
from lbrec.catalog.index import MatchIndex
from lbrec.catalog.normalize import FilmQuery, normalize
from lbrec.serving.engine import Recommender

EXPORT = SHARED / "fixtures-research" / "export_mororke2026"
JUDGE = 85  # rapidfuzz token_set_ratio of the normalised titles: the broader judge of "the same film"


def judged(engine: Recommender, top: Sequence[int], unplaced: Sequence[FilmQuery]) -> list[tuple[str, str]]:
    """(recommended film, watched film) pairs the broader judge calls the same: years within one, titles alike."""
    by_year: dict[int, list[FilmQuery]] = {}
    for film in unplaced:
        if film.year is not None:
            by_year.setdefault(int(film.year), []).append(film)
    pairs = []
    for item in top:
        film = engine.film(int(item))
        if film.year is None:
            continue
        for year in (film.year - 1, film.year, film.year + 1):
            for watched in by_year.get(year, []):
                if fuzz.token_set_ratio(normalize(film.title), normalize(watched.title)) >= JUDGE:
                    pairs.append((f"{film.title} ({film.year})", f"{watched.title} ({watched.year})"))
    return pairs


def leaks(
    engine: Recommender,
    scores: np.ndarray,
    left_out: set[int],
    aliases: set[int],
    unplaced: Sequence[FilmQuery],
    k: int,
) -> dict:
    """Before and after the aliases are left out: the top k's leaks by the rule and by the judge."""
    out = {}
    for when, excluded in (("before", left_out), ("after", left_out | aliases)):
        allowed = np.ones(len(scores), bool)
        allowed[0] = False
        allowed[engine.item_indices(excluded)] = False
        top = np.argsort(-np.where(allowed, scores, -np.inf), kind="stable")[:k]
        by_rule = [engine.film(int(i)).movieId for i in top if engine.film(int(i)).movieId in aliases]
        out[when] = {"rule": len(by_rule), "judge": judged(engine, top, unplaced)}
    return out


def real_export(engine: Recommender, k: int) -> dict:
    """The real export's top k for each choice, before and after."""
    from lbrec.ask.options import Options
    from lbrec.ask.person import Source
    from lbrec.ask.questions import Ask

    ask = Ask(engine, allow_files=True)
    history = ask.history(Source("export", str(EXPORT)))
    matches = ask.index.match_many(history.films)
    placed = {m.movie_id for m in matches if m.movie_id is not None}
    unplaced = [f for f, m in zip(history.films, matches, strict=True) if m.status != "matched"]
    aliases = ask.index.aliases.of_many(history.films, matches)
    out = {"films": len(history.films), "unplaced": len(unplaced), "aliases": len(aliases)}
    for choice in ("auto", "5", "4", "rated"):
        person = ask.person(history, Options(choice=choice))
        scores = engine.standing(person.liked, reading=person.reading(Options().reading)).scores
        out[choice] = leaks(engine, scores, set(person.liked) | placed, aliases, unplaced, k)
    return out


def members_exports(engine: Recommender, cases: Sequence, data: object, k: int) -> dict:
    """The members' exports on the default path: leaks per member, before and after."""
    from benchmarks.members.data import RememberingIndex, film_queries
    from lbrec.serving.reading import Reading

    index = RememberingIndex(engine.catalog)
    queries = film_queries(data.films)  # type: ignore[attr-defined]
    counts: dict[str, dict[str, list[int]]] = {"before": {"rule": [], "judge": []}, "after": {"rule": [], "judge": []}}
    examples: dict[str, list] = {"before": [], "after": []}
    for case in cases:
        given = [queries[row] for row in case.split.given]
        matches = index.match_many(given)
        placed = {m.movie_id for m in matches if m.movie_id is not None}
        unplaced = [f for f, m in zip(given, matches, strict=True) if m.status != "matched"]
        aliases = index.aliases.of_many(given, matches)
        scores = engine.standing(case.given.default, reading=Reading(unordered=case.given.unordered)).scores
        found = leaks(engine, scores, set(case.given.default) | placed, aliases, unplaced, k)
        for when, figures in found.items():
            counts[when]["rule"].append(figures["rule"])
            counts[when]["judge"].append(len(figures["judge"]))
        for when in examples:
            examples[when] += [pair for pair in found[when]["judge"] if pair not in examples[when]]
    summary = {
        when: {
            by: {"per_member": float(np.mean(values)), "members_with_one": int(np.sum(np.array(values) > 0))}
            for by, values in figures.items()
        }
        for when, figures in counts.items()
    }
    return {"members": len(cases), **summary, "judged": examples}


def rule_pairs(engine: Recommender, data: object) -> dict:
    """Every alias of films.csv's unplaced films, and those that another films.csv film is placed on."""
    from benchmarks.members.data import film_queries

    index = MatchIndex(engine.catalog)
    queries = film_queries(data.films)  # type: ignore[attr-defined]
    matches = index.match_many(queries)
    placed: dict[int, str] = {}
    for film, match in zip(queries, matches, strict=True):
        if match.movie_id is not None:
            placed.setdefault(match.movie_id, f"{film.title} ({film.year})")
    row_of = {int(m): i for i, m in enumerate(engine.catalog.movie_ids.tolist())}
    pairs = []
    for film, match in zip(queries, matches, strict=True):
        for movie_id in index.aliases.of(film, match):
            row = row_of[movie_id]
            pairs.append(
                {
                    "watched": f"{film.title} ({film.year})",
                    "left out": f"{engine.catalog.titles[row]} ({engine.catalog.years[row]})",
                    "also placed from": placed.get(movie_id),
                }
            )
    unplaced = sum(m.status != "matched" for m in matches)
    also = sum(p["also placed from"] is not None for p in pairs)
    return {"films": len(queries), "unplaced": unplaced, "pairs": pairs, "also_placed": also}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import served_members
    from lbrec.artifacts import write_json

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_seen", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="the served model folder")
    parser.add_argument("--members", type=int, help="a sample of this many members (fixed seed); default: all")
    parser.add_argument("--seed", type=int, default=0, help="draws the sample and the hidden films")
    parser.add_argument("--k", type=int, default=100, help="how long a list is looked at (default: %(default)s)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every figure here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    setting, cases, _ = served_members(args)
    engine = setting.engine
    report = {"real export": real_export(engine, args.k)}
    real = report["real export"]
    print(
        f"The real export: {real['films']:,} films, {real['unplaced']} not placed, {real['aliases']} aliases "
        f"left out; films already watched in the top {args.k}:\n"
    )
    print("| choice | by the rule, before | after | by the judge, before | after | what the judge finds before |")
    print("|---|---|---|---|---|---|")
    for choice in ("auto", "5", "4", "rated"):
        found = real[choice]
        pairs = "; ".join(f"{a} for {b}" for a, b in found["before"]["judge"])
        print(
            f"| {choice} | {found['before']['rule']} | {found['after']['rule']} | {len(found['before']['judge'])} | "
            f"{len(found['after']['judge'])} | {pairs} |"
        )
    report["members"] = members_exports(engine, cases, setting.data, args.k)
    members = report["members"]
    print(f"\nThe members' exports ({members['members']} members, the default path), leaks in the top {args.k}:\n")
    print("| counted | before: per member | members with one | after: per member | members with one |")
    print("|---|---|---|---|---|")
    for by in ("rule", "judge"):
        before, after = members["before"][by], members["after"][by]
        print(
            f"| by the {by} | {before['per_member']:.3f} | {before['members_with_one']} | {after['per_member']:.3f} | "
            f"{after['members_with_one']} |"
        )
    print("\nWhat the judge still finds after (for a hand check):")
    for recommended, watched in members["judged"]["after"]:
        print(f"- {recommended} for {watched}")
    report["rule"] = rule_pairs(engine, setting.data)
    rule = report["rule"]
    print(
        f"\nWhat the rule leaves out for films.csv's {rule['unplaced']:,} unplaced films (of {rule['films']:,}): "
        f"{len(rule['pairs'])} aliases, {rule['also_placed']} of them films another films.csv film is placed on:"
    )
    for pair in rule["pairs"]:
        also = f"  [also placed from {pair['also placed from']}]" if pair["also placed from"] else ""
        print(f"- {pair['watched']} -> {pair['left out']}{also}")
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        write_json(args.json, report)
        print(f"\nwrote {args.json} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
