"""Rank my watchlist, or any list ("what should I watch tonight?"): the candidates in the served model's order for
one user, each with its percentile among every film the user has not seen and the films that lead to it.

Correct by construction: the order is the full ranking of `Standing.scores` restricted to the candidates (ties
in index order, as the recommendations break them). Films the user has watched stay in the list, marked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lbrec.serving.engine import Recommender
from lbrec.serving.reading import Reading
from lbrec.serving.results import Ranked


def rank_films(
    engine: Recommender,
    history: Sequence[int],
    candidates: Iterable[int],
    watched: Iterable[int] = (),
    k: int | None = None,
    reading: Reading = Reading(),
) -> list[Ranked]:
    """The candidates (movieIds; repeats, films the model does not know and films refused in `reading` are
    dropped) best first for a user whose liked films are `history` and who has also seen `watched`; the first k,
    or all."""
    seen = set(history) | set(watched)
    standing = engine.standing(history, exclude=seen, reading=reading)
    items = list(
        dict.fromkeys(i for m in candidates if m not in reading.not_for_me and (i := engine.item_of(m)) is not None)
    )
    order = sorted(items, key=lambda i: (-float(standing.scores[i]), i))[:k]
    because = engine.because(standing, order)
    ranked = []
    for item, films in zip(order, because, strict=True):
        film = engine.film(item)
        films = [f for f in films if f.movieId != film.movieId]  # a watched film is not its own reason
        ranked.append(
            Ranked(
                **film.shared(),
                percentile=round(standing.percentile(item), 2),
                score=round(float(standing.scores[item]), 6),
                watched=film.movieId in seen,
                because=films,
            )
        )
    return ranked
