"""The models measured on real Letterboxd members (`benchmarks.members.data`), and their figures.

Each model scores every film of the served model for a batch of members ([batch, n_items + 1]); the ranking keeps the
candidates (films both MovieLens and the members know) the member has not rated. The models:

- `served`: the engine as `recommend --export` runs it by default (`--from auto`, here the films rated 4 stars or
  more; `Recommender.standing`, reading the export as the product does: the members' exports are bulk imports,
  `LetterboxdHistory.unordered`, so every film in windows with the folder's unordered blend weight), `served, rated`:
  the same from every rated film (`--from rated`), `served, latest 50 (before)`: the dated reading the engine gave
  every export before (the latest 50 films, the folder's blend weight), and `served, default before`: what the
  default (`--from recent`) read of these exports before (their latest 50 films, any 50 of a bulk import);
- its parts alone: `sasrec` (the ONNX model as the served reading runs it) and `item-item` (`engine.item_item`);
- anchors on the served model's MovieLens training data (the test split's inputs, as the served item-to-item part
  is fitted): `popular (MovieLens)` and `ease (MovieLens)`, dense EASE with the served blend's lambda;
- in-domain references, fitted on the 48k other Letterboxd members of `others_likes.npz` (never served):
  `popular (Letterboxd)` and `ease (Letterboxd)`, fed the member's given loved films in films.csv's own terms, their
  films mapped to the same candidates (a MovieLens film scored as the best of the films matched to it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

from benchmarks.members.data import (
    LOVED,
    N_DISLIKED,
    PER_MEMBER,
    MemberData,
    ProductInput,
    RememberingIndex,
    Split,
    catalog_gap,
    film_items,
    hidden_ranks,
    member_metrics,
    product_input,
    splits,
)
from lbrec.artifacts import load_npy, write_json
from lbrec.catalog.index import MatchIndex
from lbrec.data.dataset import Dataset
from lbrec.errors import LbrecError
from lbrec.evaluation.baselines import EASE, Popular, tune_ease
from lbrec.evaluation.protocol import input_histories
from lbrec.evaluation.stats import bootstrap_ci, paired_values
from lbrec.serving.engine import Recommender
from lbrec.serving.members_figure import RECORD
from lbrec.serving.reading import Reading

OTHERS_LAMBDA = 500.0  # EASE's lambda on the other members (48k x 13k): fixed, as choosing it costs an inverse each


@dataclass
class Case:
    """One member as a test case: their films split (given, hidden), what the product made of the export of the given
    ones, and every film they rated as item indices."""

    split: Split
    given: ProductInput
    seen: np.ndarray

    @property
    def loved_films(self) -> np.ndarray:
        """The given films rated 4 stars or more, as rows of films.csv (the in-domain models' input)."""
        return self.split.given[self.split.given_ratings >= LOVED]


Scorer = Callable[[Sequence[Case]], np.ndarray]


@dataclass
class Setting:
    """Everything the models share: the engine, its training data, the members' films as item indices."""

    engine: Recommender
    dataset: Dataset
    data: MemberData
    items: np.ndarray  # [films] item index of each films.csv film (0: unknown)

    @property
    def candidates(self) -> np.ndarray:
        """[n_items + 1] bool: the films that both the model and the members know."""
        known = np.zeros(self.engine.n_items + 1, bool)
        known[self.items[self.items > 0]] = True
        return known

    @classmethod
    def of(cls, engine: Recommender, dataset: Dataset, data: MemberData) -> Setting:
        """The engine, its training data and the members' films in the engine's terms; a model trained on other data
        than `dataset` fails in one line."""
        movie_ids = load_npy(engine.model_dir / "movie_ids.npy")
        if not np.array_equal(movie_ids, dataset.movie_ids):
            raise LbrecError(
                f"{engine.model_dir} was trained on another vocabulary than {dataset.path}: pass its data set"
            )
        item_of = {int(movie_id): item for item, movie_id in enumerate(movie_ids) if item}
        return cls(engine, dataset, data, film_items(data.films, MatchIndex(engine.catalog), item_of))


def prepare(setting: Setting, members: Sequence[str], seed: int = 0, n_disliked: int = N_DISLIKED) -> list[Case]:
    """Each member's films hidden (up to `n_disliked` disliked ones), the rest sent through the export, the matcher
    and the engine's vocabulary."""
    catalog = RememberingIndex(setting.engine.catalog)
    out = []
    for split in tqdm(
        splits(setting.data, members, setting.items, seed, n_disliked), desc="members' exports", leave=False
    ):
        given = product_input(split, setting.data.films, catalog)
        rated = setting.items[split.given]
        seen = np.union1d(setting.engine.item_indices(given.watched), rated[rated > 0]).astype(np.int64)
        out.append(Case(split, given, seen))
    return out


def engine_scorers(engine: Recommender) -> dict[str, Scorer]:
    """The served model as the default path reads an export (`--from auto`: the films rated 4 stars or more) and from
    `--from rated`, the dated reading it gave before, the default it had before (the export's latest 50, any 50 of a
    bulk import), and each of its parts alone."""

    def served(choice: str, dated: bool = False) -> Scorer:
        return lambda batch: np.stack(
            [
                engine.standing(
                    getattr(case.given, choice), reading=Reading(unordered=case.given.unordered and not dated)
                ).scores
                for case in batch
            ]
        )

    def sasrec(batch: Sequence[Case]) -> np.ndarray:
        return engine.sasrec(
            [engine.item_indices(case.given.loved) for case in batch],
            [case.given.unordered and engine.unordered_reading.windows for case in batch],
        )[1]

    scorers = {
        "served": served("default"),
        "served, rated": served("rated"),
        "served, latest 50 (before)": served("loved", dated=True),
        "served, default before (the export's latest 50)": served("recent"),
        "sasrec": sasrec,
    }
    if (item_item := engine.item_item) is not None:
        scorers["item-item"] = lambda batch: item_item.score([engine.item_indices(case.given.loved) for case in batch])
    return scorers


def movielens_scorers(setting: Setting) -> dict[str, Scorer]:
    """Most popular and dense EASE on the served model's training data (the test split's inputs)."""
    histories = input_histories(setting.dataset, "test")
    counts = Popular().fit(histories, setting.dataset.n_items).counts.astype(np.float32)
    blend = setting.engine.meta.get("blend") or {}
    lam = blend.get("ease_lambda") or tune_ease(setting.dataset)[0]
    ease = EASE(float(lam)).fit(histories, setting.dataset.n_items)
    engine = setting.engine
    return {
        "popular (MovieLens)": lambda batch: np.broadcast_to(counts, (len(batch), len(counts))),
        "ease (MovieLens)": lambda batch: ease.score(
            [np.asarray(engine.item_indices(case.given.loved), np.int64) for case in batch]
        ),
    }


def fit_others_ease(likes: sp.csr_matrix, lam: float = OTHERS_LAMBDA) -> np.ndarray:
    """EASE's B [films, films] (float32) fitted on the other members' likes."""
    gram = (likes.T @ likes).toarray().astype(np.float32)
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    del gram
    b = p / -np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


def in_item_space(film_scores: np.ndarray, items: np.ndarray, n_items: int) -> np.ndarray:
    """[batch, films] scores -> [batch, n_items + 1]: each MovieLens film gets the best score of the films matched
    to it (-inf for films no member film matches; they are never candidates)."""
    out = np.full((len(film_scores), n_items + 1), -np.inf, np.float32)
    known = np.flatnonzero(items > 0)
    np.maximum.at(out.T, items[known], film_scores[:, known].T)
    return out


def others_scorers(setting: Setting, ease: bool = True, log: Callable[[str], None] = print) -> dict[str, Scorer]:
    """Popularity and EASE fitted on the other Letterboxd members (references, never served)."""
    likes = setting.data.others_likes()
    n_items, items = setting.engine.n_items, setting.items
    counts = np.asarray(likes.sum(0), np.float32)
    scorers: dict[str, Scorer] = {
        "popular (Letterboxd)": lambda batch: in_item_space(
            np.broadcast_to(counts, (len(batch), counts.shape[1])), items, n_items
        )
    }
    if ease:
        log(f"fitting EASE on {likes.shape[0]:,} other members x {likes.shape[1]:,} films (a few minutes) ...")
        b = fit_others_ease(likes)

        def score(batch: Sequence[Case]) -> np.ndarray:
            given = np.zeros((len(batch), b.shape[0]), np.float32)
            for row, case in enumerate(batch):
                given[row, case.loved_films] = 1.0
            return in_item_space(given @ b, items, n_items)

        scorers["ease (Letterboxd)"] = score
    return scorers


def evaluate(
    cases: Sequence[Case], scorers: dict[str, Scorer], candidates: np.ndarray, batch_size: int = 100
) -> dict[str, dict[str, np.ndarray]]:
    """{model: {metric: [members]}}: each model's ranks of every member's hidden films, as per-member metrics."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, scorer in tqdm(scorers.items(), desc="models", leave=False):
        rows = []
        for start in range(0, len(cases), batch_size):
            batch = cases[start : start + batch_size]
            scores = scorer(batch)
            for case, row in zip(batch, scores, strict=True):
                allowed = candidates.copy()
                allowed[case.seen] = False
                ranks = hidden_ranks(row, allowed, np.concatenate([case.split.loved, case.split.disliked]))
                n = len(case.split.loved)
                rows.append(member_metrics(ranks[:n], ranks[n:]))
        out[name] = {metric: np.array([r[metric] for r in rows]) for metric in PER_MEMBER}
    return out


def summarise(per_member: dict[str, dict[str, np.ndarray]], reference: str = "served") -> dict:
    """Means with bootstrap 95% intervals, and paired tests of every model against `reference` (bad@10 over the
    members who have hidden disliked films)."""
    models, paired = {}, {}
    for name, metrics in per_member.items():
        models[name] = {}
        for metric, values in metrics.items():
            defined = values[~np.isnan(values)]
            models[name][metric] = {
                "mean": float(defined.mean()) if len(defined) else None,
                "ci95": bootstrap_ci(defined) if len(defined) else None,
                "members": len(defined),
            }
        if name != reference and reference in per_member:
            paired[name] = {}
            for metric, values in metrics.items():
                base = per_member[reference][metric]
                both = ~(np.isnan(values) | np.isnan(base))
                paired[name][metric] = paired_values(values[both], base[both], metric)
    return {"models": models, f"paired_vs_{reference.replace(' ', '_')}": paired}


def measure(
    engine: Recommender,
    dataset: Dataset,
    data: MemberData,
    members: Sequence[str],
    seed: int = 0,
    others_ease: bool = True,
    log: Callable[[str], None] = print,
) -> dict:
    """Every model on `members`: the summary (`summarise`), the catalog gap and what was measured on."""
    setting = Setting.of(engine, dataset, data)
    cases = prepare(setting, members, seed)
    scorers = {**engine_scorers(engine), **movielens_scorers(setting), **others_scorers(setting, others_ease, log)}
    per_member = evaluate(cases, scorers, setting.candidates)
    last_year = int(engine.catalog.years.max())
    return {
        "members": len(cases),
        "seed": seed,
        "candidates": int(setting.candidates.sum()),
        "films_known": int((setting.items > 0).sum()),
        "films": len(setting.items),
        "input_films": {
            "loved_matched_mean": float(np.mean([len(case.given.loved) for case in cases])),
            "rated_matched_mean": float(np.mean([len(case.given.rated) for case in cases])),
            "hidden_loved_mean": float(np.mean([len(case.split.loved) for case in cases])),
            "hidden_disliked_mean": float(np.mean([len(case.split.disliked) for case in cases])),
        },
        "catalog_gap": catalog_gap(data, setting.items, last_year),
        "model": engine.model_name,
        "blend": engine.meta.get("blend"),
        "unordered": engine.unordered_reading.to_json(),
        "unordered_exports": int(sum(case.given.unordered for case in cases)),
        **summarise(per_member),
    }


SHOWN = {
    "served": "served",
    "served, latest 50 (before)": "latest-50",
    "sasrec": "SASRec",
    "item-item": "item-item",
    "ease (MovieLens)": "EASE",
    "popular (MovieLens)": "popular",
}


def headline(report: dict) -> dict:
    """The figures a reader wants from `measure`: NDCG@10 of each model `SHOWN` (mean, 95% interval), by its short
    name, and the served model's ratio to dense EASE on the same MovieLens data."""
    models = report["models"]
    ndcg = {
        short: {"mean": models[name]["ndcg@10"]["mean"], "ci95": models[name]["ndcg@10"]["ci95"]}
        for name, short in SHOWN.items()
        if name in models
    }
    return {
        "ndcg": ndcg,
        "members": report["members"],
        "unordered_exports": report["unordered_exports"],
        "served_vs_ease": ndcg["served"]["mean"] / ndcg["EASE"]["mean"],
        "sasrec_vs_ease": ndcg["SASRec"]["mean"] / ndcg["EASE"]["mean"],
    }


def comparable(report: dict) -> dict:
    """`headline`'s NDCG@10 in the shape `lbrec.plots.model_comparison` draws."""
    return {
        name: {"ndcg@10": row["mean"], "ci95": {"ndcg@10": row["ci95"]}}
        for name, row in headline(report)["ndcg"].items()
    }


def write_record(engine: Recommender, report: dict) -> Path:
    """`measure`'s figures for what is served written into the folder it measured (`members.json`, atomically), with
    the folder's identity from its onnx.json: what the app's footer shows for this folder
    (`lbrec.serving.members_figure`, which ignores a record of another export)."""
    path = engine.model_dir / RECORD
    write_json(
        path,
        {
            "served": {
                metric: {"mean": figures["mean"], "ci95": figures["ci95"]}
                for metric, figures in report["models"]["served"].items()
            },
            "members": report["members"],
            "seed": report["seed"],
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "command": report["command"],
            "model": {"created": engine.meta.get("created"), "sha256": engine.meta.get("sha256")},
        },
    )
    return path
