"""Rank my watchlist, or any list ("what should I watch tonight?"): the candidates in the served model's order for
one user, each with its percentile among every film the user has not seen and the films that lead to it.

Correct by construction: the order is the full ranking of `Standing.scores` restricted to the candidates (ties
in index order, as the recommendations break them). Films the user has watched stay in the list, marked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from lbrec.serving.engine import Recommender
from lbrec.serving.results import FilmRef


@dataclass
class Ranked:
    movieId: int  # noqa: N815 (the JSON field names are the API)
    title: str
    year: int | None
    percentile: float  # among the films the user has not seen: 100 = the very top
    score: float
    watched: bool
    because: list[FilmRef]
    links: dict[str, str]

    def to_dict(self) -> dict:
        return asdict(self)


def rank_films(engine: Recommender, history: Sequence[int], candidates: Iterable[int],
               watched: Iterable[int] = (), k: int | None = None) -> list[Ranked]:
    """The candidates (movieIds; repeats and films the model does not know are dropped) best first for a user
    whose liked films are `history` and who has also seen `watched`; the first k, or all."""
    seen = set(history) | set(watched)
    standing = engine.standing(history, exclude=seen)
    items = list(dict.fromkeys(i for m in candidates if (i := engine.item_of(m)) is not None))
    order = sorted(items, key=lambda i: (-float(standing.scores[i]), i))[:k]
    because = engine.because(standing, order)
    ranked = []
    for item, films in zip(order, because, strict=True):
        rec = engine.describe(item)
        films = [f for f in films if f.movieId != rec.movieId]  # a watched film is not its own reason
        ranked.append(Ranked(rec.movieId, rec.title, rec.year, round(standing.percentile(item), 2),
                             round(float(standing.scores[item]), 6), rec.movieId in seen, films, rec.links))
    return ranked

