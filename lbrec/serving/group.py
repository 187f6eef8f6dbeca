"""Watch together: films for two to six people, none of which any of them has watched.

Each member's fit for a film is its percentile among the films that member has not seen (`Standing`), so members
whose scores have different scales count alike. How the group's list is made from the members' fits:

- `average`: the films with the best mean fit (what the group likes on the whole);
- `least misery`: the best lowest fit (nobody is left with a film they would not choose);
- `fair`: the mean fit minus its spread over the members (the average, held back where they disagree);
- `turns`: the members take turns, each adding their own best film that every other member has in their upper
  half (a veto on misery; without enough such films, the veto is dropped): every member gets films of their own.

`AGGREGATION` is the one chosen on validation (`benchmarks/bench_questions.py`: simulated groups of ml-latest-small
users, the share of members whose own held-out film is in the group's top 10; docs/results.md "The questions").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.reading import Reading
from lbrec.serving.results import GroupFilm

AGGREGATIONS = ("average", "least misery", "fair", "turns")
AGGREGATION = "turns"  # chosen on validation (see the module docstring and docs/results.md)
VETO = 50.0  # in `turns`, a film every other member must have at least this fit for


@dataclass
class MemberFilms:
    """One person of the group: a label for the answer, their liked films (movieIds, oldest first), the films they
    have watched, their watchlist, and whether their films have no real order (`Reading.unordered`)."""

    label: str
    history: list[int]
    watched: set[int] = field(default_factory=set)
    watchlist: set[int] = field(default_factory=set)
    unordered: bool = False


def aggregate(fit: np.ndarray, method: str) -> np.ndarray:
    """The group's score per film from the members' fits [members, films], for the scoring aggregations."""
    if method == "average":
        return fit.mean(0)
    if method == "least misery":
        return fit.min(0)
    if method == "fair":
        return fit.mean(0) - fit.std(0)
    raise ValueError(f"unknown aggregation {method!r}: use one of {', '.join(AGGREGATIONS)}")


def group_top(fit: np.ndarray, allowed: np.ndarray, k: int, method: str = AGGREGATION) -> np.ndarray:
    """The group's k films, best first, from the members' fits [members, films] over the `allowed` films."""
    if method != "turns":
        score = np.where(allowed, aggregate(fit, method), -np.inf)
        return np.argsort(-score, kind="stable")[: min(k, int(allowed.sum()))]
    orders = [np.argsort(-np.where(allowed, member, -np.inf), kind="stable") for member in fit]
    vetoed = allowed & (fit >= VETO).all(0)
    picked: list[int] = []
    for pool in (vetoed, allowed):  # with the veto first; then without, if the group needs more films
        taken = np.zeros(len(allowed), dtype=bool)
        taken[picked] = True
        cursors = [0] * len(fit)
        while len(picked) < k and (pool & ~taken).any():
            for member, order in enumerate(orders):
                while cursors[member] < len(order) and not (
                    pool[order[cursors[member]]] and not taken[order[cursors[member]]]
                ):
                    cursors[member] += 1
                if cursors[member] < len(order) and len(picked) < k:
                    picked.append(int(order[cursors[member]]))
                    taken[picked[-1]] = True
    return np.array(picked, dtype=np.int64)


def recommend_for_group(
    engine: Recommender,
    members: Sequence[MemberFilms],
    k: int = 10,
    with_watchlists: bool = False,
    filters: Filters = Filters(),
    method: str = AGGREGATION,
    exclude: Iterable[int] = (),
    reading: Reading = Reading(),
) -> list[GroupFilm]:
    """The group's top k: films no member has watched (nor, `with_watchlists`, put on a watchlist), none of
    `exclude`, none refused in `reading` (whoever asks refuses for the group; look-alikes go down for every
    member)."""
    excluded = set(exclude).union(
        *(set(m.history) | m.watched | (m.watchlist if with_watchlists else set()) for m in members)
    )
    standings = [
        engine.standing(m.history, exclude=excluded, reading=replace(reading, unordered=m.unordered)) for m in members
    ]
    fit = np.stack([s.percentiles() for s in standings])  # each member's percentile of every film
    top = group_top(fit, standings[0].unseen & engine.allowed(filters), k, method)
    because = [engine.because(s, top) for s in standings]
    return [
        GroupFilm(
            **engine.film(int(item)).shared(),
            score=round(float(fit[:, item].mean()), 2),
            fit={m.label: round(float(fit[i, item]), 2) for i, m in enumerate(members)},
            because={m.label: because[i][j] for i, m in enumerate(members)},
        )
        for j, item in enumerate(top)
    ]
