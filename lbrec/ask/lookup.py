"""A person's films the model lacks, looked up on TMDb (the second catalog), so that every film they give is read.

The model knows the films of its MovieLens catalog up to its last year; a person's other films (newer ones, and
older ones MovieLens never had) are looked up on TMDb with the person's own key: a film of the RSS feed by the TMDb
id the feed carries (no request), an IMDb film by its IMDb id (TMDb's find), the others by title and year (TMDb's
search, with the catalog's care against namesakes: `lbrec.tmdb.match`). At most `BUDGET` films are looked up for
one person, their best rated and latest first (each lookup is a request on a cold cache, kept a day); the rest are
counted, not dropped. Without a key nothing is asked: `beyond_the_model` counts the films the model cannot know
(released after its last year), for the line that says what a key would add.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lbrec.catalog.matches import MatchedHistory
from lbrec.letterboxd.history import FilmEntry
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.match import TmdbMatch, match_films

BUDGET = 120  # films looked up for one person: 3 s of requests at 100 ms each, four at a time, on a cold cache


@dataclass(frozen=True)
class Lookup:
    """The films the model lacks among those a person gave (`lacking`), and what TMDb said of each looked up."""

    lacking: list[FilmEntry]
    found: list[tuple[FilmEntry, TmdbMatch]] = field(default_factory=list)  # in the order looked up
    answered: bool = True  # False: TMDb could not answer for some (5xx, a timeout): asked again next time

    @property
    def matched(self) -> list[tuple[FilmEntry, TmdbMatch]]:
        return [(film, match) for film, match in self.found if match.status == "matched"]

    @property
    def unresolved(self) -> list[tuple[FilmEntry, TmdbMatch]]:
        """Looked up, but uncertain (candidates to choose from) or not found on TMDb either."""
        return [(film, match) for film, match in self.found if match.status != "matched"]

    @property
    def not_looked_up(self) -> int:
        """The films over the budget: counted, for the line that says so."""
        return len(self.lacking) - len(self.found)

    @property
    def tmdb_ids(self) -> set[int]:
        return {match.tmdb_id for _, match in self.matched if match.tmdb_id is not None}


def lacking(matched: MatchedHistory, knows: Callable[[int], bool]) -> list[FilmEntry]:
    """The films of `matched` the model does not read: not found in its catalog (but never one waiting for the
    person's pick among candidates), or found there but too rarely rated to be in the model."""
    return [
        film  # type: ignore[misc]  # a history's films are FilmEntry
        for film, match in matched.results
        if (match.status == "unmatched") or (match.movie_id is not None and not knows(match.movie_id))
    ]


def priority(films: Sequence[FilmEntry]) -> list[FilmEntry]:
    """The order films are looked up in: the best rated (liked counting as 4 stars) first, then the latest."""
    order = sorted(
        range(len(films)),
        key=lambda i: (-(films[i].rating or (4.0 if films[i].liked else 0.0)), -i),
    )
    return [films[i] for i in order]


def look_up(client: TmdbClient, films: Sequence[FilmEntry], budget: int = BUDGET) -> Lookup:
    """`films` looked up on TMDb, at most `budget` of them in `priority` order. A refused key raises
    `TmdbKeyError` (its one line: the caller keeps the model's answer and says so)."""
    chosen = priority(films)[: max(budget, 0)]
    matches = match_films(client, chosen) if chosen else []
    answered = all(m.answered for m in matches)
    return Lookup(list(films), list(zip(chosen, matches, strict=True)), answered)


def beyond_the_model(films: Sequence[FilmEntry], last_year: int) -> int:
    """How many of `films` were released after the model's last year: films only a second catalog can know."""
    return sum(1 for film in films if film.year is not None and film.year > last_year)
