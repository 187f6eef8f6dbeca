"""Watch together: films for two to six people, none of which any of them has watched.

Each member's fit for a film is its percentile among the films that member has not seen (`Standing`), so members
whose scores have different scales count alike. The group's score is an aggregation of the members' fits:

- `average`: the mean fit (the most films the group likes on the whole);
- `least misery`: the lowest fit (nobody is left with a film they would not choose);
- `fair`: the mean fit minus its spread (standard deviation) over the members: the average, held back where the
  members disagree.

`AGGREGATION` is the one chosen on validation (`benchmarks/bench_questions.py`, simulated groups of ml-latest-small
users: the share of members whose own held-out film is in the group's top 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.results import FilmRef

AGGREGATIONS = ("average", "least misery", "fair")
AGGREGATION = "average"  # chosen on validation (see the module docstring and BENCHMARKS.md)
MIN_MEMBERS, MAX_MEMBERS = 2, 6


@dataclass
class Member:
    """One person of the group: a label for the answer, their liked films (movieIds, oldest first), the films they
    have watched and their watchlist."""

    label: str
    history: list[int]
    watched: set[int] = field(default_factory=set)
    watchlist: set[int] = field(default_factory=set)


@dataclass
class GroupPick:
    movieId: int  # noqa: N815 (the JSON field names are the API)
    title: str
    year: int | None
    score: float  # the aggregated fit, 0-100
    fit: dict[str, float]  # each member's percentile for the film
    because: dict[str, list[FilmRef]]  # each member's films that lead to it
    links: dict[str, str]

    def to_dict(self) -> dict:
        return asdict(self)


def fits(scores: np.ndarray, unseen: np.ndarray) -> np.ndarray:
    """[members, n_items + 1] scores -> each film's percentile among each member's unseen films (`Standing`)."""
    out = np.zeros(scores.shape)
    for row, (member_scores, member_unseen) in enumerate(zip(scores, unseen, strict=True)):
        ranked = np.sort(member_scores[member_unseen])
        above = len(ranked) - np.searchsorted(ranked, member_scores, side="right")
        out[row] = 100.0 * (1.0 - above / max(len(ranked), 1))
    return out


def aggregate(fit: np.ndarray, method: str = AGGREGATION) -> np.ndarray:
    """The group's score per film from the members' fits [members, films]."""
    if method == "average":
        return fit.mean(0)
    if method == "least misery":
        return fit.min(0)
    if method == "fair":
        return fit.mean(0) - fit.std(0)
    raise ValueError(f"unknown aggregation {method!r}: use one of {', '.join(AGGREGATIONS)}")


def recommend_for_group(engine: Recommender, members: Sequence[Member], k: int = 10, with_watchlists: bool = False,
                        filters: Filters = Filters(), method: str = AGGREGATION) -> list[GroupPick]:
    """The group's top k: films no member has watched (nor, `with_watchlists`, put on a watchlist)."""
    if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
        raise ValueError(f"a group has {MIN_MEMBERS} to {MAX_MEMBERS} members, not {len(members)}")
    excluded = set().union(*(set(m.history) | m.watched | (m.watchlist if with_watchlists else set())
                             for m in members))
    standings = [engine.standing(m.history, exclude=excluded) for m in members]
    fit = fits(np.stack([s.scores for s in standings]), np.stack([s.unseen for s in standings]))
    group = np.where(standings[0].unseen & engine.allowed(filters), aggregate(fit, method), -np.inf)
    n = min(k, int(np.isfinite(group).sum()))
    top = np.argsort(-group, kind="stable")[:n]
    because = [engine.because(s, top) for s in standings]
    picks = []
    for j, item in enumerate(top):
        rec = engine.describe(int(item))
        picks.append(GroupPick(rec.movieId, rec.title, rec.year, round(float(group[item]), 2),
                               {m.label: round(float(fit[i, item]), 2) for i, m in enumerate(members)},
                               {m.label: because[i][j] for i, m in enumerate(members)}, rec.links))
    return picks
