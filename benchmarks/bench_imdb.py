"""IMDb ratings exports matched to MovieLens: how many films match by IMDb id, and how long a big export takes.

    python -m benchmarks.bench_imdb [--films 1000] [--tv 50] [--absent 20] [--rows 10000] [--catalog PATH]

The exports are built at run time, in memory, from ml-latest-small's links.csv and movies.csv
($LBREC_DATA_DIR/ml-latest-small): film rows (`tt` + the movie's imdbId, its title and year, a random rating and
date), TV rows (series, episodes, mini-series, games, podcasts) with ids MovieLens lacks, and films absent from
MovieLens (ids it lacks; half under the title and year of a MovieLens film, the namesake case). Every film row is
scored against the movieId it came from: right (that movie, by its IMDb id, confidence 1.0), wrong (another movie)
or missed. Timed: reading a `--rows` export (best of 5) and matching it to the catalog.
Results: Markdown on stdout and benchmarks/out/imdb.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from datetime import date, timedelta
from pathlib import Path
from random import Random

import pandas as pd

from lbrec import paths
from lbrec.catalog.index import MatchIndex
from lbrec.data.titles import split_title
from lbrec.letterboxd.imdb import read_imdb
from lbrec.letterboxd.sources import match_history

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
HEADER = [
    "Const",
    "Your Rating",
    "Date Rated",
    "Title",
    "Original Title",
    "URL",
    "Title Type",
    "IMDb Rating",
    "Runtime (mins)",
    "Year",
    "Genres",
    "Num Votes",
    "Release Date",
    "Directors",
]
NOT_FILMS = ["TV Series", "TV Episode", "TV Mini Series", "Video Game", "Podcast Series"]


def movielens_films() -> pd.DataFrame:
    """movieId, imdbId, title, year of every ml-latest-small movie."""
    folder = paths.raw_data_dir() / "ml-latest-small"
    films = pd.read_csv(folder / "links.csv", dtype={"imdbId": "Int64"}).merge(
        pd.read_csv(folder / "movies.csv"), on="movieId"
    )
    parts = [split_title(t) for t in films["title"]]
    return films.assign(name=[p.title for p in parts], year=pd.Series([p.year for p in parts], dtype=object))[
        ["movieId", "imdbId", "name", "year"]
    ]


def build_export(
    films: pd.DataFrame, n_films: int, n_tv: int, n_absent: int, rng: Random
) -> tuple[bytes, dict[int, int | None]]:
    """An IMDb ratings CSV in the current layout, shuffled, and the movieId each film row's IMDb id came from
    (None: a film MovieLens lacks)."""
    known = set(films["imdbId"].dropna())
    fresh = (i for i in iter(lambda: rng.randrange(10**6, 3 * 10**7), None) if i not in known)
    picked = films.sample(n=n_films, random_state=rng.randrange(2**31), replace=n_films > len(films))
    rows: list[tuple[int, str, int | None, str, int | None]] = [  # (IMDb id, title, year, type, source movieId)
        (int(f.imdbId), f.name, f.year, "Movie", int(f.movieId)) for f in picked.itertuples()
    ]
    rows += [(next(fresh), f"Series {n}", 2015, rng.choice(NOT_FILMS), None) for n in range(n_tv)]
    namesakes = films.sample(n=n_absent, random_state=rng.randrange(2**31))
    rows += [
        (next(fresh), f.name if n % 2 else f"Absent Film {n}", f.year, "Movie", None)
        for n, f in enumerate(namesakes.itertuples())
    ]
    rng.shuffle(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    start = date(2010, 1, 1)
    for imdb_id, title, year, kind, _ in rows:
        rated = start + timedelta(days=rng.randrange(5000))
        writer.writerow(
            [
                f"tt{imdb_id:07d}",
                rng.randint(1, 10),
                rated.isoformat(),
                title,
                title,
                f"https://www.imdb.com/title/tt{imdb_id:07d}/",
                kind,
                "7.1",
                "100",
                year or "",
                "Drama",
                "1000",
                "",
                "",
            ]
        )
    return buffer.getvalue().encode("utf-8"), {i: source for i, *_, kind, source in rows if kind == "Movie"}


def score(data: bytes, sources: dict[int, int | None], catalog: MatchIndex) -> dict:
    """Each film's match against the movieId its row came from."""
    history = read_imdb(data)
    counts = {"films": 0, "by_id": 0, "wrong": 0, "missed": 0, "absent": 0, "absent_wrong": 0}
    for film, match in match_history(history, catalog, "rated").results:
        source = sources[film.imdb_id]  # type: ignore[index]
        if source is None:
            counts["absent"] += 1
            counts["absent_wrong"] += match.status == "matched"
            continue
        counts["films"] += 1
        if match.status != "matched":
            counts["missed"] += 1
        elif match.movie_id != source:
            counts["wrong"] += 1
        else:
            counts["by_id"] += match.confidence == 1.0 and "IMDb id" in match.reason
    return {**counts, "skipped": history.skipped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--films", type=int, default=1000, help="film rows in the scored export (at least 200)")
    parser.add_argument("--tv", type=int, default=50, help="TV rows (series, episodes, games, podcasts)")
    parser.add_argument("--absent", type=int, default=20, help="films MovieLens lacks")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the timed export")
    parser.add_argument("--catalog", type=Path, default=paths.default_model_dir() / "catalog.parquet")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = Random(args.seed)
    films = movielens_films()
    catalog = MatchIndex.load(args.catalog)
    if args.films < 200:
        parser.error("--films must be at least 200")
    data, sources = build_export(films, args.films, args.tv, args.absent, rng)
    counts = score(data, sources, catalog)
    big, _ = build_export(films, args.rows * 9 // 10, args.rows * 7 // 100, args.rows - args.rows * 97 // 100, rng)
    read_s = []
    for _ in range(5):
        started = time.perf_counter()
        history = read_imdb(big)
        read_s.append(time.perf_counter() - started)
    started = time.perf_counter()
    match_history(history, MatchIndex.load(args.catalog), "rated")  # a fresh catalog: no memo from the run above
    match_s = time.perf_counter() - started
    report = {
        **counts,
        "rows_timed": args.rows,
        "bytes_timed": len(big),
        "read_s": min(read_s),
        "match_s": match_s,
        "catalog": str(args.catalog),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "imdb.json").write_text(json.dumps(report, indent=2))
    films_n = counts["films"]
    print(
        f"catalog: {args.catalog} ({len(catalog):,} movies); export built from ml-latest-small links.csv, seed "
        f"{args.seed}\n"
    )
    print("| measure | value |")
    print("|---|---:|")
    print(
        f"| film rows matched to their own movieId by IMDb id (confidence 1.0) | {counts['by_id']:,} / {films_n:,} "
        f"({100 * counts['by_id'] / films_n:.1f}%) |"
    )
    print(f"| film rows matched to another movie (wrong) | {counts['wrong']} |")
    print(f"| film rows not matched | {counts['missed']} |")
    print(f"| films absent from MovieLens matched anyway (wrong) | {counts['absent_wrong']} / {counts['absent']} |")
    print(f"| TV rows ({args.tv} in the export) | {counts['skipped']} |")
    print(f"| read a {args.rows:,}-row export ({len(big) / 2**20:.1f} MB), best of 5 | {1000 * min(read_s):.0f} ms |")
    print(f"| match its {len(history.films):,} films to MovieLens | {1000 * match_s:.0f} ms |")


if __name__ == "__main__":
    main()
