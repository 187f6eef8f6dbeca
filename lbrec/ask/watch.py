"""Where to watch, for every question alike: with a country, each film of the answer says where it streams, is free
or with ads, and can be rented or bought there (TMDb's watch providers, from JustWatch); with services, only the
films one of them streams are kept, the best first, filled to k from the best `LOOK_AT` candidates.

Both need the person's own TMDb key (`TMDB_API_KEY`); without one, asking for either is refused in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from lbrec.ask.options import Options
from lbrec.errors import WhereToWatchError
from lbrec.serving.results import Film

if TYPE_CHECKING:  # TMDb's modules are imported when a country is asked for: a plain answer starts without them
    from lbrec.tmdb.client import TmdbClient

F = TypeVar("F", bound=Film)


@dataclass(frozen=True)
class Where:
    """A checked where-to-watch request: the country, the services as TMDb spells them (none: no filter)."""

    tmdb: TmdbClient
    country: str
    services: frozenset[str]


def where(tmdb: TmdbClient | None, options: Options) -> Where | None:
    """The options' country and services checked (before any film is scored); None when neither was asked for."""
    if options.country is None and not options.services:
        return None
    from lbrec.tmdb.countries import validate_country
    from lbrec.tmdb.environment import GET_A_KEY
    from lbrec.tmdb.streaming import services_in

    if tmdb is None:
        raise WhereToWatchError(f"where to watch needs TMDb: {GET_A_KEY}")
    if options.country is None:
        raise WhereToWatchError("streaming services are per country: choose a country too (e.g. --country GB)")
    country = validate_country(options.country)
    services = services_in(tmdb, options.services, country) if options.services else frozenset()
    return Where(tmdb, country, services)


def candidates(options: Options, asked: Where | None) -> int:
    """How many films to score before the services filter keeps k of them."""
    if asked is None or not asked.services:
        return options.k or 10
    from lbrec.tmdb.streaming import LOOK_AT

    return LOOK_AT


def with_watch(
    films: Sequence[F], asked: Where | None, k: int, explain: Callable[[list[F]], list[F]] = list
) -> tuple[list[F], str]:
    """The films with where to watch them (and, with services, only the first k that one of them streams), and a
    line when fewer than k passed ("" when the list is full). `explain` completes the films kept (their reasons),
    for a question that scored more candidates than it shows."""
    if asked is None:
        return list(films), ""
    if asked.services:
        from lbrec.tmdb.streaming import keep_streaming

        found = keep_streaming(asked.tmdb, [film.tmdbId for film in films], asked.services, asked.country, k)
        kept = explain([films[position] for position, _ in found.kept])
        note = found.note(k, asked.services, asked.country)
        if not kept:
            raise WhereToWatchError(note.rstrip("."))
        return [replace(film, watch=watch) for film, (_, watch) in zip(kept, found.kept, strict=True)], note
    watches = asked.tmdb.watch_many([film.tmdbId for film in films if film.tmdbId is not None], asked.country)
    return [replace(film, watch=watches.get(film.tmdbId)) if film.tmdbId in watches else film for film in films], ""
