"""Letterboxd -> MovieLens matching on the hand-labelled set, beside two simpler matchers, same catalog, same run.

    python -m benchmarks.bench_letterboxd_matching                       # data/processed/ml-latest-small
    python -m benchmarks.bench_letterboxd_matching --catalog PATH        # any catalog.parquet or data set folder

Scoring (tests/fixtures/matching_labels.csv): a row is right when the expected movieId is matched, or, for a film
absent from the catalog, when nothing is matched; wrong when another movie is matched. "Uncertain" answers are
neither: the app asks the user. Also timed: building the index, and matching a real export (../shared, if present).
Results: Markdown on stdout and benchmarks/out/letterboxd_matching.json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from harness.files import labelled_queries
from lbrec import paths
from lbrec.catalog.index import MatchIndex
from lbrec.catalog.normalize import FilmQuery, normalize
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.sources import match_history

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT.parent / "shared" / "fixtures-research" / "export_mororke2026"
OUT = ROOT / "benchmarks" / "out"
Matcher = Callable[[FilmQuery], int | None]


def exact_baseline(catalog: MatchIndex) -> Matcher:
    """Lower-cased display title and year must be equal: what a first attempt does."""
    index = {
        (t.lower(), int(y)): int(m) for t, y, m in zip(catalog.titles, catalog.years, catalog.movie_ids, strict=True)
    }
    return lambda q: index.get((q.title.lower(), q.year)) if q.year else None


def fuzzy_baseline(catalog: MatchIndex) -> Matcher:
    """rapidfuzz WRatio over "title (year)", best match above 90: fast, and fooled by namesakes."""
    labels = [normalize(f"{t} {y if y >= 0 else ''}") for t, y in zip(catalog.titles, catalog.years, strict=True)]

    def match(q: FilmQuery) -> int | None:
        found = process.extractOne(normalize(f"{q.title} {q.year or ''}"), labels, scorer=fuzz.WRatio, score_cutoff=90)
        return int(catalog.movie_ids[found[2]]) if found else None

    return match


def score(rows: list[tuple[dict[str, str], FilmQuery]], answers: list[tuple[int | None, str]]) -> dict:
    """answers: (movieId or None, status) per row."""
    totals: Counter = Counter()
    by_case: dict[str, Counter] = defaultdict(Counter)
    misses = []
    for (row, _), (movie_id, status) in zip(rows, answers, strict=True):
        absent = row["expected"] == "absent"
        if (absent and movie_id is None) or (not absent and movie_id == int(row["expected"])):
            outcome = "right"
        elif movie_id is not None:
            outcome = "wrong"
        else:
            outcome = "uncertain" if status == "uncertain" else "unmatched"
        totals[outcome] += 1
        by_case[row["case"]][outcome] += 1
        if outcome != "right":
            misses.append({"query": row["query"], "expected": row["expected"], "got": movie_id, "outcome": outcome})
    return {"n": len(rows), **totals, "accuracy": totals["right"] / len(rows), "by_case": by_case, "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=paths.processed_dir("ml-latest-small"))
    args = parser.parse_args()

    started = time.perf_counter()
    catalog = MatchIndex.load(args.catalog)
    build_s = time.perf_counter() - started
    rows = labelled_queries()

    started = time.perf_counter()
    matches = catalog.match_many([q for _, q in rows])
    match_s = time.perf_counter() - started
    results = {"lbrec": score(rows, [(m.movie_id, m.status) for m in matches])}
    for name, make in [("exact title+year", exact_baseline), ("rapidfuzz WRatio >= 90", fuzzy_baseline)]:
        matcher = make(catalog)
        results[name] = score(rows, [(matcher(q), "") for _, q in rows])

    export = {}
    if EXPORT.is_dir():
        started = time.perf_counter()
        history = read_export(EXPORT)
        read_s = time.perf_counter() - started
        fresh = MatchIndex.load(args.catalog)  # no memo from the run above
        started = time.perf_counter()
        matched = match_history(history, fresh, "rated")
        export = {
            "films": len(history.films),
            "watchlist": len(history.watchlist),
            "read_s": read_s,
            "match_s": time.perf_counter() - started,
            "rated": len(matched.results),
            "rated_matched": len(matched.positives),
            "watched_matched": len(matched.watched),
        }

    print(
        f"catalog: {args.catalog} ({len(catalog):,} movies, index built in {build_s:.2f} s); "
        f"{len(rows)} labelled titles matched in {match_s * 1000:.0f} ms\n"
    )
    print("| matcher | right | wrong | uncertain | unmatched | accuracy |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r.get('right', 0)} | {r.get('wrong', 0)} | {r.get('uncertain', 0)} | "
            f"{r.get('unmatched', 0)} | {r['accuracy']:.1%} |"
        )
    print("\nlbrec by case:\n\n| case | n | right | wrong |\n|---|---:|---:|---:|")
    for case, counts in sorted(results["lbrec"]["by_case"].items()):
        print(f"| {case} | {sum(counts.values())} | {counts['right']} | {counts['wrong']} |")
    print("\nlbrec misses:", json.dumps(results["lbrec"]["misses"], ensure_ascii=False))
    if export:
        print(
            f"\nreal export ({export['films']:,} films): read in {export['read_s']:.2f} s; "
            f"{export['rated']} rated films matched in {export['match_s']:.2f} s "
            f"({export['rated_matched']} matched; {export['watched_matched']:,} watched films matched)"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "letterboxd_matching.json").write_text(
        json.dumps(
            {
                "catalog": str(args.catalog),
                "movies": len(catalog),
                "build_s": build_s,
                "match_s": match_s,
                "results": results,
                "export": export,
            },
            indent=1,
            default=dict,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
