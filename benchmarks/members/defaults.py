"""What a person gets without touching an option, input by input: the default reading now (`--from auto`, the
engine's readings) beside the default before (`--from recent`: the latest 50 films, a dated history read as the
folder's blend), each through the product's own path.

- **An export logged in bulk** (the members' exports of `benchmarks.members.data`, every film logged one day): now
  the films rated 4 stars or more, all of them in windows; before, the export's latest 50 (any 50 of a bulk import).
- **A dated export**: no real one is at hand (the members' data has no dates), so MovieLens's test users stand in,
  each as an export of every film they rated before their test film, with MovieLens's stars and dates (and TMDb ids,
  so every film is placed): `as read`, as the product reads them (MovieLens members rate in sessions: most of these
  exports look logged in bulk), and `as a diary`, their order taken as real (what a diary logged as watched gets).
- **An RSS feed**: the members' short diaries of `benchmarks.members.short` (50 rated films, dated).
- **Typed titles**: the same diaries' films rated 4 stars or more, typed (titles and years, no stars).

IMDb's ratings go through the export's reading (Date Rated: logged in bulk or dated), so they are not measured apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from benchmarks.members.data import LOVED
from benchmarks.members.models import Case, Setting, engine_scorers, evaluate, summarise
from benchmarks.members.short import Diary, metrics
from lbrec.ask.options import Options
from lbrec.ask.person import Person
from lbrec.ask.questions import Ask
from lbrec.data.dataset import Dataset
from lbrec.errors import LetterboxdError
from lbrec.evaluation.stats import paired_values
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory
from lbrec.letterboxd.sources import match_history
from lbrec.serving.engine import Recommender
from lbrec.serving.itemitem import blend
from lbrec.serving.reading import Reading

NOW, BEFORE = "default now", "default before"
K = 10


def before_scores(engine: Recommender, person: Person, unordered: bool) -> np.ndarray:
    """The served scores the engine gave `person` before short dated histories had a reading of their own: the
    folder's blend for a dated history, the unordered reading (unchanged) otherwise."""
    if unordered or not engine.item_indices(person.liked) or engine.item_item is None:
        return engine.standing(person.liked, exclude=person.seen, reading=Reading(unordered=unordered)).scores
    items = engine.item_indices(person.liked)
    return blend(engine.sasrec([items])[1], engine.item_item.score([items]), engine.weight)[0]


def served(
    ask: Ask, history: LetterboxdHistory, choice: str, diary: bool = False, before: bool = False
) -> tuple[np.ndarray, np.ndarray] | None:
    """(served scores, the films left out as item indices) of `history` read under `choice` (`diary`: its order taken
    as real; `before`: as the engine read it before), or None when no film of it is one the model knows."""
    engine = ask.engine
    try:  # matched without the check of the choice: the latest 50 of a bulk import are refused now
        person = ask.person(history, Options(choice=choice), matches=match_history(history, ask.index, choice))
    except LetterboxdError:
        return None
    unordered = person.unordered and not diary
    if before:
        scores = before_scores(engine, person, unordered)
    else:
        reading = replace(person.reading(Reading()), unordered=unordered)
        scores = engine.standing(person.liked, exclude=person.seen, reading=reading).scores
    return scores, np.asarray(engine.item_indices(person.seen), np.int64)


def export_defaults(setting: Setting, cases: Sequence[Case]) -> dict:
    """The members' exports (logged in bulk): the default now and before, and `--from rated`."""
    scorers = engine_scorers(setting.engine)
    chosen = {NOW: scorers["served"], BEFORE: scorers["served, default before (the export's latest 50)"]}
    chosen["--from rated"] = scorers["served, rated"]
    return summarise(evaluate(cases, chosen, setting.candidates), reference=BEFORE)


def movielens_exports(ask: Ask, dataset: Dataset, ratings_csv: str) -> dict:
    """MovieLens's test users as exports (every rated film before the test film, with stars and dates): NDCG@10 of
    the test film, now and before, as read and as a diary."""
    catalog = ask.engine.catalog
    ratings = pd.read_csv(ratings_csv).sort_values(["userId", "timestamp"], kind="stable")
    by_user = dict(iter(ratings.groupby("userId")))
    row_of = {int(m): i for i, m in enumerate(catalog.movie_ids.tolist())}
    users, ends, targets = dataset.eval_cases("test")
    out: dict[str, list[float]] = {}
    looks_bulk = 0
    for user, end, target in tqdm(list(zip(users, ends, targets, strict=True)), desc="MovieLens exports", leave=False):
        rows = by_user[int(dataset.user_ids[user])]
        movie = int(dataset.movie_ids[target])
        rows = rows[(rows["timestamp"] <= int(dataset.timestamps[end])) & (rows["movieId"] != movie)]
        films = [
            movielens_entry(catalog, row_of[int(m)], float(r), int(t))
            for m, r, t in zip(rows["movieId"], rows["rating"], rows["timestamp"], strict=True)
            if int(m) in row_of
        ]
        history = LetterboxdHistory(films, source="export")
        looks_bulk += history.unordered
        for diary in (False, True):
            for label, choice, before in ((NOW, "auto", False), (BEFORE, "recent", True)):
                read = served(ask, history, choice, diary, before)
                value = 0.0 if read is None else target_ndcg(*read, int(target))
                out.setdefault(f"{label}, {'as a diary' if diary else 'as read'}", []).append(value)
    figures = {name: {"ndcg@10": np.array(values)} for name, values in out.items()}
    report = summarise(figures, reference=f"{BEFORE}, as read")
    report["paired_as_a_diary"] = paired_values(
        figures[f"{NOW}, as a diary"]["ndcg@10"], figures[f"{BEFORE}, as a diary"]["ndcg@10"], "ndcg@10"
    )
    return {**report, "users": len(users), "look_logged_in_bulk": int(looks_bulk)}


def movielens_entry(catalog: object, row: int, rating: float, timestamp: int) -> FilmEntry:
    """A MovieLens film as an export's row: its title, year and ids, the stars and the date it was rated."""
    year, tmdb, imdb = catalog.years[row], catalog.tmdb_ids[row], catalog.imdb_ids[row]  # type: ignore[attr-defined]
    return FilmEntry(
        catalog.titles[row],  # type: ignore[attr-defined]
        int(year) if year >= 0 else None,
        rating=rating,
        date=dt.datetime.fromtimestamp(timestamp, dt.UTC).date(),
        tmdb_id=int(tmdb) if tmdb >= 0 else None,
        imdb_id=int(imdb) if imdb >= 0 else None,
        source="export",
    )


def target_ndcg(scores: np.ndarray, left_out: np.ndarray, target: int) -> float:
    """NDCG@10 of one target among every film but padding and `left_out` (ties to the lower index)."""
    masked = scores.astype(np.float64).copy()
    masked[left_out] = -np.inf
    masked[0] = -np.inf
    value = scores[target]
    rank = int((masked > value).sum() + ((masked == value) & (np.arange(len(masked)) < target)).sum())
    return 1.0 / np.log2(rank + 2.0) if rank < K else 0.0


def typed(diary: Diary) -> LetterboxdHistory:
    """The diary's films rated 4 stars or more, typed: titles and years only, in the diary's order."""
    films = [
        FilmEntry(f.title, f.year, source="typed")
        for f in diary.history.films
        if f.rating is not None and f.rating * 2 >= LOVED
    ]
    return LetterboxdHistory(films, source="typed")


def diary_defaults(ask: Ask, diaries: Sequence[Diary], candidates: np.ndarray) -> dict:
    """The short diaries as an RSS feed and as typed titles: NDCG@10 and seen@10, now and before."""
    figures: dict[str, dict[str, list[float]]] = {}
    for diary in tqdm(diaries, desc="feeds and typed titles", leave=False):
        for source, history in (("RSS feed", diary.history), ("typed titles", typed(diary))):
            for label, choice, before in ((NOW, "auto", False), (BEFORE, "recent", True)):
                read = served(ask, history, choice, before=before) if history.films else None
                if read is None:
                    scores, left_out = np.log1p(ask.engine.popularity).astype(np.float32), np.zeros(0, np.int64)
                else:
                    scores, left_out = read
                allowed = candidates.copy()
                allowed[left_out] = False
                for metric, value in metrics(scores, allowed, diary).items():
                    figures.setdefault(f"{source}: {label}", {}).setdefault(metric, []).append(value)
    arrays = {name: {m: np.array(v) for m, v in values.items()} for name, values in figures.items()}
    return {
        source: summarise(
            {name: values for name, values in arrays.items() if name.startswith(source)},
            reference=f"{source}: {BEFORE}",
        )
        for source in ("RSS feed", "typed titles")
    }
