"""Do a film's acclaim, or the diary's eras and genres, move the short history's frontier? The short-diary protocol
of `benchmarks.members.short` (read from 4 stars, the 2-or-less films pushed down x 0.25, as served) with three more
parts, each standardised over the films and added with a weight:

- acclaim: the share of a film's MovieLens ratings that were a positive (at or above the rater's own 70th
  percentile), shrunk towards the mean share by `SHRINK` ratings: held back popularity lowers what was seen with the
  hits; acclaim might find the loved films among the less seen;
- era: the log ratio of the film's five years among the diary's films read to the same among every film;
- genre: the mean log ratio of the film's genres among the diary's films read to the same among every film;
- with `--tmdb-popularity`, TMDb's popularity (log, from the members' films.csv: research only, what a build with a
  TMDb key could know of the catalog) subtracted like MovieLens's: is Letterboxd's canon nearer TMDb's?
- with `--seen-model`, what the person has likely seen, personal: EASE (lambda `SEEN_LAMBDA`) fitted on every film
  each MovieLens user rated (not only the positives the blend learns from), its scores for the diary's films
  subtracted: the canon as this person's neighbours watched it, where the blend ranks what they loved.

    python -m benchmarks.experiments.short_quality --model models/ml-latest-small [--seed 1]

Prints each point's NDCG@10 / seen@10 on half A (choose) and half B (report), best on A first, and MovieLens's
test split for the points without era or genre (its short histories read with the point; the acclaim without the
test targets' own positives); the whole grid to benchmarks/out/short_quality.json. Results: docs/history.md, "A
short history".
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from benchmarks.members.data import RememberingIndex, load_members
from benchmarks.members.models import Setting
from benchmarks.members.short import K, diaries, metrics, read
from benchmarks.members.tuning import halves
from lbrec.artifacts import read_json
from lbrec.ask.questions import Ask
from lbrec.data.dataset import Dataset
from lbrec.evaluation.baselines import EASE
from lbrec.evaluation.protocol import rank_targets
from lbrec.evaluation.stats import paired_values
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import standardise
from lbrec.serving.reading import popularity_prior

SHRINK = 20
WEIGHTS = (0.6, 0.7, 0.8, 0.9)
POPULARITY = (0.0, 0.3, 0.6, 0.9)
ACCLAIM = (0.0,)
ERA = (0.0, 0.2, 0.4, 0.8)
GENRE = (0.0, 0.2, 0.4, 0.8)
SEEN = (0.0,)  # TMDb's popularity held back
TMDB_SEEN = (0.0, 0.3, 0.6, 0.9, 1.2)  # the same, --tmdb-popularity
PERSONAL_SEEN = (0.0, 0.2, 0.4, 0.6, 0.9)  # the personal model of the seen, --seen-model
SEEN_LAMBDA = 50.0
AGAINST = 0.25


def acclaim(positives: np.ndarray, ratings: np.ndarray) -> np.ndarray:
    """[n_items + 1] each film's shrunk share of positives, standardised."""
    mean = positives[1:].sum() / max(ratings[1:].sum(), 1)
    share = (positives + SHRINK * mean) / (ratings + SHRINK)
    return standardise(share[None].astype(np.float32))[0]


def affinity(films: list[int], of: np.ndarray, share: np.ndarray) -> np.ndarray:
    """[n_items + 1] each film's log ratio of its bin among the read films to its bin among every film, standardised
    (`of`: each film's bin; -1 none)."""
    counts = np.bincount(of[np.asarray(films)][of[np.asarray(films)] >= 0], minlength=len(share)) / max(len(films), 1)
    ratio = np.log((counts + 0.02) / (share + 0.02))
    out = np.where(of >= 0, ratio[np.maximum(of, 0)], 0.0)
    return standardise(out[None].astype(np.float32))[0]


def genre_affinity(films: list[int], genres: np.ndarray, share: np.ndarray) -> np.ndarray:
    """[n_items + 1] the mean log ratio over each film's genres (`genres`: [n_items + 1, G] 0/1)."""
    read = genres[np.asarray(films)].sum(0) / max(len(films), 1)
    ratio = np.log((read + 0.05) / (share + 0.05))
    n = genres.sum(1)
    out = np.where(n > 0, genres @ ratio / np.maximum(n, 1), 0.0)
    return standardise(out[None].astype(np.float32))[0]


def watched_model(data: object, n_items: int) -> EASE:
    """EASE over every film each MovieLens user of the model's data set rated (whatever the stars), as item indices."""
    folder = Path(str(data))
    movie_ids = np.load(folder / "movie_ids.npy") if (folder / "movie_ids.npy").exists() else None
    ratings = pd.read_csv(Path(os.environ.get("LBREC_DATA_DIR", "data")) / "ml-latest-small" / "ratings.csv")
    if movie_ids is None:
        raise SystemExit(f"no movie_ids.npy in {folder}")
    item_of = pd.Series(np.arange(len(movie_ids)), index=movie_ids)
    ratings["item"] = ratings["movieId"].map(item_of).fillna(0).astype(int)
    rated = ratings[ratings["item"] > 0].groupby("userId")["item"].apply(lambda items: np.unique(items.to_numpy()))
    return EASE(SEEN_LAMBDA).fit(list(rated), n_items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--json", default="benchmarks/out/short_quality.json")
    parser.add_argument("--tmdb-popularity", action="store_true", help="the grid over TMDb's popularity instead")
    parser.add_argument("--seen-model", action="store_true", help="the grid over a personal model of the seen")
    args = parser.parse_args()
    popularity, era_weights, genre_weights, seen_weights = POPULARITY, ERA, GENRE, SEEN
    if args.tmdb_popularity:
        popularity, era_weights, genre_weights, seen_weights = (0.0, 0.3, 0.6), (0.0,), (0.0, 0.4), TMDB_SEEN
    if args.seen_model:
        popularity, era_weights, genre_weights, seen_weights = (0.0, 0.3, 0.6), (0.0,), (0.0, 0.4), PERSONAL_SEEN
    engine = Recommender(args.model)
    dataset = Dataset(read_json(f"{args.model}/config.json")["dataset_path"])
    data = load_members(None)
    members = data.sample(args.members, args.seed)
    setting = Setting.of(engine, dataset, data)
    ask = Ask(engine, RememberingIndex(engine.catalog))

    table = pd.read_parquet(f"{args.model}/catalog.parquet", columns=["item_index", "n_ratings", "n_positives"])
    table = table[table.item_index > 0]
    ratings = np.zeros(engine.n_items + 1)
    positives = np.zeros(engine.n_items + 1)
    ratings[table.item_index.to_numpy()] = table.n_ratings.to_numpy()
    positives[table.item_index.to_numpy()] = table.n_positives.to_numpy()
    prior = popularity_prior(engine.popularity)
    films = [engine.film(i) for i in range(1, engine.n_items + 1)]
    era_of = np.array([-1] + [(f.year - 1900) // 5 if f.year and f.year >= 1900 else -1 for f in films])
    era_share = np.bincount(era_of[era_of >= 0], minlength=era_of.max() + 1) / (era_of >= 0).sum()
    names = sorted({g for f in films for g in f.genres})
    genres = np.zeros((engine.n_items + 1, len(names)))
    for i, f in enumerate(films, 1):
        for g in f.genres:
            genres[i, names.index(g)] = 1
    genre_share = genres[1:].mean(0)
    known = setting.items > 0
    canon = np.zeros(engine.n_items + 1, np.float32)
    canon[setting.items[known]] = np.log1p(
        pd.to_numeric(data.films["popularity"], errors="coerce").fillna(0.0).to_numpy()[known]
    )
    seen_model = watched_model(dataset.path, engine.n_items) if args.seen_model else None
    among = setting.candidates
    canon = np.where(among, (canon - canon[among].mean()) / canon[among].std(), 0.0)
    served_acclaim = acclaim(positives, ratings)

    # MovieLens guard: the acclaim without the test targets' own positives (one rating and one positive each).
    asked = dataset.histories("test")
    _, _, targets = dataset.eval_cases("test")
    held = np.bincount(np.asarray(targets), minlength=engine.n_items + 1)
    guard_acclaim = acclaim(positives - held, ratings - held)
    short = np.array([len(h) <= engine.max_len for h in asked])[:, None]
    sasrec_ml = standardise(
        np.concatenate([engine.sasrec([list(h) for h in asked[i : i + 100]])[1] for i in range(0, len(asked), 100)])
    )
    item_ml = standardise(engine.item_item.score(asked))
    base = engine.weight * sasrec_ml + (1 - engine.weight) * item_ml

    def ml_ndcg(w: float, p: float, q: float) -> np.ndarray:
        scores = np.where(short, w * sasrec_ml + (1 - w) * item_ml - p * prior + q * guard_acclaim, base)
        ranks, _ = rank_targets(scores, asked, targets)
        return np.where(ranks < K, 1.0 / np.log2(ranks + 2.0), 0.0)

    ml_base = ml_ndcg(engine.weight, 0.0, 0.0)

    tune_on, report_on = halves(members, args.seed)
    every = {d.member: d for d in diaries(setting, members, args.seed)}
    half = {"A": [every[m] for m in tune_on if m in every], "B": [every[m] for m in report_on if m in every]}
    points = list(itertools.product(WEIGHTS, popularity, ACCLAIM, era_weights, genre_weights, seen_weights))
    out: dict = {}
    for name, diaries_ in half.items():
        per = {p: {"ndcg@10": [], "seen@10": []} for p in points}
        for diary in tqdm(diaries_, desc=f"half {name}"):
            found = read(ask, diary, "4")
            if found is None or not found.items:
                for p in points:
                    for m, v in metrics(prior, setting.candidates, diary).items():
                        per[p][m].append(v)
                continue
            sasrec = standardise(engine.sasrec([found.items])[1])[0]
            item_item = standardise(engine.item_item.score([found.items]))[0]
            against = standardise(engine.item_item.score([found.below["2 or less"]]))[0]
            allowed = setting.candidates.copy()
            allowed[found.left_out] = False
            era = affinity(found.items, era_of, era_share)
            if seen_model is not None:
                canon = standardise(seen_model.score([found.items]).astype(np.float32))[0]
            genre = genre_affinity(found.items, genres, genre_share)
            for w, p, q, y, g, t in points:
                scores = w * sasrec + (1 - w) * item_item - p * prior + q * served_acclaim - AGAINST * against
                scores = scores + y * era + g * genre - t * canon
                for m, v in metrics(scores, allowed, diary).items():
                    per[(w, p, q, y, g, t)][m].append(v)
        out[name] = {p: {m: np.array(v) for m, v in f.items()} for p, f in per.items()}

    today = (0.9, 0.3, 0.0, 0.0, 0.0, 0.0)
    rows = []
    for point in points:
        ml = ml_ndcg(*point[:3]) if not any(point[3:]) else None  # era, genre, TMDb: not read on MovieLens
        row = {
            "point": point,
            **{f"{h} {m}": float(out[h][point][m].mean()) for h in "AB" for m in ("ndcg@10", "seen@10")},
            "movielens": float(ml.mean()) if ml is not None else None,
            "movielens_diff": paired_values(ml, ml_base, "ndcg@10")["mean_diff"] if ml is not None else None,
        }
        rows.append(row)
    for row in sorted(rows, key=lambda r: -r["A ndcg@10"]):
        print(
            f"{row['point']}: A {row['A ndcg@10']:.4f}/{row['A seen@10']:.3f}  B {row['B ndcg@10']:.4f}/"
            f"{row['B seen@10']:.3f}"
            + (f"  ML {row['movielens']:.4f} ({row['movielens_diff']:+.4f})" if row["movielens"] is not None else "")
        )
    print("served now:", today)
    with open(args.json, "w") as f:
        json.dump([{**r, "point": list(r["point"])} for r in rows], f, indent=1)


if __name__ == "__main__":
    main()
