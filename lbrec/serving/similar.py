"""More like this film: films like one or more seed films, with no history needed.

Chosen on the 68 labelled look-alike pairs of `benchmarks/bench_questions.py` (docs/results.md, "The questions"): when
the model folder serves a blend, its item-to-item part (EASE's weights) finds the partner of 63% of the seeds in
their top 20, against 57% for the served model reading the seeds as a history and 36% for SASRec alone (which
predicts what comes *next*, rarely the same kind of film); without a blend, the served model is used that way.
Each film comes with the seeds it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.itemitem import standardise
from lbrec.serving.reading import Reading, push_down
from lbrec.serving.results import FilmRef, Similar


def similar_films(
    engine: Recommender,
    seeds: Sequence[int],
    k: int = 10,
    filters: Filters = Filters(),
    exclude: Iterable[int] = (),
    reading: Reading = Reading(),
) -> list[Similar]:
    """The k films most like the seeds (movieIds the model knows; at least one), the seeds, `exclude` and the
    films refused in `reading` left out, the refused films' look-alikes pushed down."""
    standing = engine.standing(seeds, exclude=exclude, reading=reading)
    if not standing.items:
        raise ValueError("similar_films needs at least one seed film the model knows")
    item_item = engine.item_item
    scores = standing.scores
    if item_item is not None:
        scores = item_item.score([standing.items])[0]
        if reading.not_for_me:  # on the standardised scale the push is measured on
            scores = push_down(standardise(scores[None])[0], item_item, engine.item_indices(reading.not_for_me))
    allowed = np.where(standing.unseen & engine.allowed(filters), scores, -np.inf)
    n = min(k, int(np.isfinite(allowed).sum()))
    top = np.argsort(-allowed, kind="stable")[:n]
    because = engine.because(standing, top) if item_item is None else _seeds_behind(engine, standing.items, top)
    out = []
    for item, films in zip(top, because, strict=True):
        out.append(Similar(**engine.film(int(item)).shared(), score=round(float(scores[item]), 6), because=films))
    return out


def _seeds_behind(engine: Recommender, seeds: list[int], top: np.ndarray) -> list[list[FilmRef]]:
    """For each film, the seeds whose item-to-item weights point to it, the strongest first."""
    weights = np.zeros((len(seeds), engine.n_items + 1), np.float32)
    for row, seed in enumerate(seeds):
        targets, values = engine.item_item.row(seed)  # type: ignore[union-attr]
        weights[row, targets] = values
    out = []
    for item in top:
        order = np.argsort(-weights[:, item], kind="stable")
        out.append([engine.ref(seeds[i]) for i in order if weights[i, item] > 0])
    return out
