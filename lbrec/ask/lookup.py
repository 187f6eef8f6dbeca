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

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from lbrec.catalog.matches import MatchedHistory
from lbrec.catalog.normalize import FilmQuery
from lbrec.data.titles import film_label
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.match import TmdbMatch, match_films

BUDGET = 200  # films looked up for one person: 97% of members' loved films read; 5 s at 100 ms a request, 4 at a time


@dataclass(frozen=True)
class Lookup:
    """The films the model lacks among those a person gave (`lacking`), and what TMDb said of each looked up."""

    lacking: list[FilmQuery]  # a person's films (`FilmEntry`) or films they name
    found: list[tuple[FilmQuery, TmdbMatch]] = field(default_factory=list)  # in the order looked up
    answered: bool = True  # False: TMDb could not answer for some (5xx, a timeout): asked again next time

    @property
    def matched(self) -> list[tuple[FilmQuery, TmdbMatch]]:
        return [(film, match) for film, match in self.found if match.status == "matched"]

    def ambiguous(self, picked: Collection[str] = ()) -> list[tuple[FilmQuery, TmdbMatch]]:
        """The films TMDb offered candidates for: still waiting for the person's pick, or `picked` (their labels)."""
        return [
            (film, match)
            for film, match in self.found
            if match.candidates and (match.status == "uncertain" or label(film) in picked)
        ]

    def with_confirmed(self, confirmed: Mapping[str, int]) -> Lookup:
        """The person's picks among TMDb's candidates (film label -> TMDb id) counted as matches."""
        if not confirmed:
            return self
        found = [
            (film, match.confirmed(confirmed[label(film)]) if label(film) in confirmed else match)
            for film, match in self.found
        ]
        return replace(self, found=found)

    @property
    def unresolved(self) -> list[tuple[FilmQuery, TmdbMatch]]:
        """Looked up, but uncertain (candidates to choose from) or not found on TMDb either."""
        return [(film, match) for film, match in self.found if match.status != "matched"]

    @property
    def not_looked_up(self) -> int:
        """The films over the budget: counted, for the line that says so."""
        return len(self.lacking) - len(self.found)

    @property
    def tmdb_ids(self) -> set[int]:
        return {match.tmdb_id for _, match in self.matched if match.tmdb_id is not None}

    @property
    def labels(self) -> set[str]:
        """The films TMDb found, as they were given ("Anora (2024)"): no longer "not found"."""
        return {label(film) for film, _ in self.matched}

    def to_json(self) -> dict:
        """The films looked up on TMDb: found, uncertain or not found, and how many were not looked up."""
        return {
            "matched": [{**m.to_json(), "query": label(f)} for f, m in self.matched],
            "unmatched": [{**m.to_json(), "query": label(f)} for f, m in self.unresolved],
            "not_looked_up": self.not_looked_up,
        }


def lacking(matched: MatchedHistory, knows: Callable[[int], bool], last_year: int) -> list[FilmQuery]:
    """The films of `matched` the model does not read: not found in its catalog, or found there but too rarely rated
    to be in the model. A film waiting for the person's pick among the catalog's candidates is left to them, unless
    it was released after the model's last year: then no candidate can be it (Aftersun (2022) offered a yearless
    Paterson), and TMDb is asked."""
    return [
        film
        for film, match in matched.results
        if match.status == "unmatched"
        or (match.status == "uncertain" and film.year is not None and film.year > last_year)
        or (match.movie_id is not None and not knows(match.movie_id))
    ]


def priority(films: Sequence[FilmQuery]) -> list[FilmQuery]:
    """The order films are looked up in: the best rated (liked counting as 4 stars) first, then the latest."""

    def stars(film: FilmQuery) -> float:
        return getattr(film, "rating", None) or (4.0 if getattr(film, "liked", False) else 0.0)

    order = sorted(range(len(films)), key=lambda i: (-stars(films[i]), -i))
    return [films[i] for i in order]


def look_up(client: TmdbClient, films: Sequence[FilmQuery], budget: int = BUDGET) -> Lookup:
    """`films` looked up on TMDb, at most `budget` of them in `priority` order. A refused key raises
    `TmdbKeyError` (its one line: the caller keeps the model's answer and says so)."""
    chosen = priority(films)[: max(budget, 0)]
    matches = match_films(client, chosen) if chosen else []
    answered = all(m.answered for m in matches)
    return Lookup(list(films), list(zip(chosen, matches, strict=True)), answered)


def label(film: FilmQuery) -> str:
    """A film as the person gave it: "Anora (2024)", or "tmdb:500002" by its TMDb id alone."""
    return film_label(film.title, film.year) if film.title else f"tmdb:{film.tmdb_id}"


def beyond_the_model(films: Sequence[FilmQuery], last_year: int) -> int:
    """How many of `films` were released after the model's last year: films only a second catalog can know."""
    return sum(1 for film in films if film.year is not None and film.year > last_year)
