"""The shelf of films newer than the model for the questions beyond "for me": films like the seeds a person names
(`similar_shelf`: a 2025 film works as well as a 1995 one), and films for a group (`group_shelf`: every member's
fit for each). Both rank TMDb's recommendations as the person's shelf does (`lbrec.ask.newer`), and leave the
model's own films to the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lbrec.ask.lookup import lacking, look_up
from lbrec.ask.newer import Marks, Seed, Seen, catalog_genres, gather, rank_newer, scores
from lbrec.ask.person import Person
from lbrec.ask.shelf import SEEDS, Offers, Shelf, offers
from lbrec.catalog.index import MatchIndex
from lbrec.catalog.matches import MatchedHistory
from lbrec.errors import TmdbKeyError
from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.results import TMDB, FilmRef, GroupFilm
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.films import ask_many, recommendations
from lbrec.tmdb.records import TmdbFilm

TROUBLE = "TMDb did not answer for some films: the newer films may be fewer than they could be"


def similar_shelf(
    engine: Recommender,
    tmdb: TmdbClient,
    asked: MatchedHistory,
    filters: Filters = Filters(),
    k: int = 10,
    marks: Marks = Marks(),
) -> Shelf:
    """Films the model does not know that are like the seeds `asked`: TMDb's recommendations for each (the seeds the
    model knows by their TMDb id, the others looked up on TMDb), ranked with every seed weighing the same; none of
    the films only TMDb knows that the person `marks`."""
    before = tmdb.requests_made
    seeds = []
    for _, match in asked.results:
        item = engine.item_of(match.movie_id) if match.movie_id is not None else None
        if match.status == "matched" and item is not None and (film := engine.film(item)).tmdbId is not None:
            ref = FilmRef(film.movieId, film.title, film.year)
            seeds.append(Seed(film.tmdbId, ref, 1.0, film.genres, "", film.year))
    try:
        lookup = look_up(tmdb, lacking(asked, engine.knows, engine.year_range[1]))
        for _, match in lookup.matched:
            film = match.film
            genres = catalog_genres(film.genres) if film is not None else ()
            ref = FilmRef(None, match.title or "", match.year)
            seeds.append(Seed(match.tmdb_id, ref, 1.0, genres, film.original_language if film else "", match.year))
        lists = ask_many(tmdb, recommendations, [seed.tmdb_id for seed in seeds[:SEEDS]])
    except TmdbKeyError as exc:
        return Shelf(note=f"{exc}: only the model's own films are shown", requests=tmdb.requests_made - before)
    seen = Seen.of([seed.tmdb_id for seed in seeds], [])
    found = {seed: films for seed, films in lists.items() if films}
    films = rank_newer(seeds, found, (), seen, engine.tmdb_ids | marks.seen, filters, k, marks.not_for_me)
    note = TROUBLE if tmdb.trouble or not lookup.answered else ""
    return Shelf(films, lookup, note, tmdb.requests_made - before, engine.year_range[1])


def group_shelf(
    engine: Recommender,
    tmdb: TmdbClient,
    people: Sequence[Person],
    labels: Sequence[str],
    index: MatchIndex,
    filters: Filters = Filters(),
    k: int = 10,
    marks: Marks = Marks(),
) -> tuple[list[GroupFilm], str]:
    """Films the model does not know for a group: the members' seeds pooled (each member's weights summing to the
    same, so that no one counts more for having loved more films), none any of them has seen; each film with every
    member's fit, its percentile among the pool scored with that member's seeds alone. And one line on what is
    missing."""
    try:
        offered = [offers(engine, tmdb, person, index) for person in people]
    except TmdbKeyError as exc:
        return [], f"{exc}: only the model's own films are shown"
    pooled: list[Seed] = []
    for offer in offered:
        total = sum(seed.weight for seed in offer.seeds) or 1.0
        pooled += [Seed(s.tmdb_id, s.ref, s.weight / total, s.genres, s.language, s.year) for s in offer.seeds]
    lists = {seed: films for offer in offered for seed, films in offer.lists.items()}
    discovered = [film for offer in offered for film in offer.discovered]
    seen = Seen.of(
        [i for offer in offered for i in offer.lookup.tmdb_ids],
        [(f.title, f.year) for person in people for f in person.history.films],
    )
    chosen = rank_newer(pooled, lists, discovered, seen, engine.tmdb_ids | marks.seen, filters, k, marks.not_for_me)
    pool, _ = gather(pooled, lists, discovered)
    fits = {label: _percentiles(offer, pool) for label, offer in zip(labels, offered, strict=True)}
    films = []
    for film in chosen:
        fit = {label: round(fits[label].get(film.tmdbId, 0.0), 1) for label in labels}
        because = {
            label: [ref for ref in film.because if any(ref == seed.ref for seed in offer.seeds)]
            for label, offer in zip(labels, offered, strict=True)
        }
        films.append(
            GroupFilm(
                **film.shared(),
                score=round(float(np.mean(list(fit.values()))), 1),
                fit=fit,
                because=because,
                origin=TMDB,
            )
        )
    troubled = any(offer.troubled for offer in offered)
    return sorted(films, key=lambda f: -f.score), TROUBLE if troubled else ""


def _percentiles(offer: Offers, pool: list[TmdbFilm]) -> dict[int, float]:
    """Each pool film's percentile (0-100) among the pool, scored with one member's seeds alone."""
    _, pointers = gather(offer.seeds, offer.lists, offer.discovered)
    values = scores(offer.seeds, pool, pointers)
    ranks = values.argsort(kind="stable").argsort(kind="stable")
    return {film.tmdb_id: 100.0 * rank / max(len(pool) - 1, 1) for film, rank in zip(pool, ranks, strict=True)}
