"""More like this film: films like one or more seed films, with no history needed.

The seeds are read as a short history by the served model (SASRec, or its blend), and each film found comes with
the seeds whose removal lowers its score (for one seed, that seed). Why this method and not the item embeddings'
cosine or item-kNN: the labelled look-alike pairs in `benchmarks/bench_questions.py` (BENCHMARKS.md, "Questions").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.results import FilmRef


@dataclass
class Similar:
    movieId: int  # noqa: N815 (the JSON field names are the API)
    title: str
    year: int | None
    score: float
    because: list[FilmRef]  # the seeds it comes from
    links: dict[str, str]

    def to_dict(self) -> dict:
        return asdict(self)


def similar_films(engine: Recommender, seeds: Sequence[int], k: int = 10,
                  filters: Filters = Filters()) -> list[Similar]:
    """The k films most like the seeds (movieIds the model knows; at least one), the seeds left out."""
    standing = engine.standing(seeds)
    if not standing.items:
        raise ValueError("similar_films needs at least one seed film the model knows")
    allowed = np.where(standing.unseen & engine.allowed(filters), standing.scores, -np.inf)
    n = min(k, int(np.isfinite(allowed).sum()))
    top = np.argsort(-allowed, kind="stable")[:n]
    out = []
    for item, because in zip(top, engine.because(standing, top), strict=True):
        rec = engine.describe(int(item))
        out.append(Similar(rec.movieId, rec.title, rec.year, round(float(standing.scores[item]), 6), because,
                           rec.links))
    return out
