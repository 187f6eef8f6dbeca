"""What a match says, and a whole history matched at once: the films to recommend from, and what to tell the user.

Every answer carries a status: `matched` (the film is known, with a confidence), `uncertain` (candidates for the
person to choose from) or `unmatched` (with the reason). A history is matched from any films that have a title, a
year and ids (`FilmQuery`'s four attributes): the catalog does not know where they came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from lbrec.catalog.normalize import FilmQuery
from lbrec.data.titles import film_label

if TYPE_CHECKING:
    from lbrec.catalog.index import MatchIndex

Status = Literal["matched", "uncertain", "unmatched"]


@dataclass(frozen=True)
class Candidate:
    """A MovieLens film that may be the one meant, with how well it fits (0-1)."""

    movie_id: int
    title: str
    year: int | None
    score: float

    def label(self) -> str:
        return film_label(self.title, self.year)


@dataclass(frozen=True)
class Match:
    """The answer for one query; `movie_id` is set only when `status == "matched"`."""

    query: str
    movie_id: int | None
    title: str | None
    year: int | None
    confidence: float
    status: Status
    candidates: tuple[Candidate, ...] = ()
    reason: str = ""

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "movieId": self.movie_id,
            "title": self.title,
            "year": self.year,
            "confidence": round(self.confidence, 3),
            "status": self.status,
            "reason": self.reason,
            "candidates": [
                {"movieId": c.movie_id, "title": c.title, "year": c.year, "score": round(c.score, 3)}
                for c in self.candidates
            ],
        }

    def confirmed(self, movie_id: int) -> Match:
        """This uncertain match settled by the person's choice among its candidates (unchanged if not one)."""
        candidate = next((c for c in self.candidates if c.movie_id == movie_id), None)
        if self.status == "matched" or candidate is None:
            return self
        return replace(
            self,
            movie_id=candidate.movie_id,
            title=candidate.title,
            year=candidate.year,
            confidence=candidate.score,
            status="matched",
            reason="picked by you",
        )


@dataclass
class MatchedHistory:
    """Chosen films matched to MovieLens: what a recommender needs, and what to tell the person."""

    positives: list[int]  # movieIds of the chosen films that matched, oldest first, each once (the latest kept)
    watched: set[int]  # every film the person has seen, matched or an alias of one not placed (to exclude)
    watchlist: set[int]  # matched watchlist films (to exclude on request)
    results: list[tuple[FilmQuery, Match]]  # each chosen film and its match
    disliked: set[int] = field(default_factory=set)  # matched films the person rated low (a short history reads them)

    @property
    def unmatched(self) -> list[tuple[FilmQuery, Match]]:
        return [(f, m) for f, m in self.results if m.status != "matched"]

    def with_confirmed(self, confirmed: Mapping[str, int]) -> MatchedHistory:
        """The person's choices among candidates (film label -> movieId) counted as matches."""
        results = [
            (
                film,
                match.confirmed(confirmed[label])
                if (label := film_label(film.title, film.year)) in confirmed
                else match,
            )
            for film, match in self.results
        ]
        positives = _latest_once(m.movie_id for _, m in results)
        return MatchedHistory(positives, self.watched | set(positives), self.watchlist, results, self.disliked)

    def to_json(self) -> dict:
        """`matched` and `unmatched`, as `recommend --json` prints them and the app saves them."""
        return {
            "matched": [
                {
                    "query": film_label(f.title, f.year),
                    "movieId": m.movie_id,
                    "title": m.title,
                    "year": m.year,
                    "confidence": round(m.confidence, 3),
                }
                for f, m in self.results
                if m.status == "matched"
            ],
            "unmatched": [
                {
                    "query": film_label(f.title, f.year),
                    "status": m.status,
                    "reason": m.reason,
                    "candidates": m.to_json()["candidates"],
                }
                for f, m in self.unmatched
            ],
        }


def match_films(
    catalog: MatchIndex,
    chosen: Sequence[FilmQuery],
    watched: Sequence[FilmQuery] = (),
    watchlist: Sequence[FilmQuery] = (),
    disliked: Sequence[FilmQuery] = (),
) -> MatchedHistory:
    """Match the chosen films (oldest first) and, for exclusion, every watched film and the watchlist: a watched film
    the matcher cannot place keeps its aliases out too (`lbrec.catalog.aliases`); and the `disliked` films."""
    matches = catalog.match_many(chosen)
    watched_matches = catalog.match_many(watched)
    seen = {m.movie_id for m in watched_matches if m.movie_id is not None}
    seen |= catalog.aliases.of_many(watched, watched_matches)
    saved = {m.movie_id for m in catalog.match_many(watchlist) if m.movie_id is not None}
    low = {m.movie_id for m in catalog.match_many(disliked) if m.movie_id is not None}
    return MatchedHistory(
        _latest_once(m.movie_id for m in matches), seen, saved, list(zip(chosen, matches, strict=True)), low
    )


def _latest_once(movie_ids: Iterable[int | None]) -> list[int]:
    """The matched ids in order, each once at its latest occurrence."""
    positives: list[int] = []
    for movie_id in movie_ids:
        if movie_id is not None:
            if movie_id in positives:
                positives.remove(movie_id)
            positives.append(movie_id)
    return positives
