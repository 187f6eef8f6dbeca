"""Where films only TMDb knows stand for one person, for the questions that place films the person names: rank a
list, and would I like it. Each such film is looked up on TMDb (`lbrec.ask.lookup`) and scored among the candidates
TMDb offers the person (`lbrec.ask.shelf.offers`, scored as the shelf scores them: `lbrec.ask.newer`); its
percentile is the share of them it beats, as a model film's is the share of the model's films the person has not
seen. So a watchlist of 2025 films is ranked beside the model's films, and "Anora (2024)" gets a verdict.

Every film placed here says where it came from (`origin`: TMDb, ranked by lbrec) and has no movieId.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lbrec.ask.lookup import Lookup, look_up
from lbrec.ask.newer import Seen, catalog_genres, gather, scores
from lbrec.ask.shelf import Offers
from lbrec.catalog.normalize import FilmQuery
from lbrec.serving.predict import verdict
from lbrec.serving.results import TMDB, FilmRef, Prediction, Ranked
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.films import details
from lbrec.tmdb.records import TmdbFilm

TROUBLE = "TMDb did not answer for some films: they are left out"


@dataclass(frozen=True)
class Placed:
    """A film only TMDb knows, named by the person (`entry`), and where it stands for them among TMDb's offers."""

    entry: FilmQuery
    film: TmdbFilm
    rank: int  # 1: above every film TMDb offers them
    of: int  # how many films it was placed among
    percentile: float  # 100: the very top
    score: float
    because: list[FilmRef]  # the loved films whose recommendations hold it

    def ranked(self, watched: bool) -> Ranked:
        return Ranked(
            **self._film(),
            percentile=self.percentile,
            score=self.score,
            watched=watched,
            because=self.because,
            origin=TMDB,
        )

    def predicted(self, query: str, watched: bool, refused: bool = False) -> Prediction:
        """`refused`: marked "not for me" (the verdict says so, as for the model's films)."""
        words = verdict(self.rank, self.of, watched, refused=refused)
        return Prediction(
            **self._film(),
            query=query,
            rank=self.rank,
            of=self.of,
            percentile=self.percentile,
            verdict=words,
            watched=watched,
            because=self.because,
            origin=TMDB,
        )

    def _film(self) -> dict:
        film = self.film
        return {
            "movieId": None,
            "title": film.title,
            "year": film.year,
            "genres": catalog_genres(film.genres),
            "tmdbId": film.tmdb_id,
            "imdbId": getattr(film, "imdb_id", None),
        }


def records(tmdb: TmdbClient, lookup: Lookup) -> list[tuple[FilmQuery, TmdbFilm]]:
    """Each film TMDb found, with its record: the search's own, else its details (a film known by its id alone);
    one TMDb could not describe is left out (`tmdb.trouble` then)."""
    out = []
    for entry, match in lookup.matched:
        record = match.film if match.film is not None else details(tmdb, match.tmdb_id) if match.tmdb_id else None
        if record is not None:
            out.append((entry, record))
    return out


def place(tmdb: TmdbClient, offered: Offers, films: Sequence[FilmQuery]) -> tuple[list[Placed], Lookup]:
    """`films` (the model lacks them) looked up on TMDb and placed among what TMDb offers the person."""
    lookup = look_up(tmdb, films)
    named = records(tmdb, lookup)
    if not named:
        return [], lookup
    pool, pointers = gather(offered.seeds, offered.lists, offered.discovered)
    ids = {film.tmdb_id for _, film in named} | {seed.tmdb_id for seed in offered.seeds}
    others = [film for film in pool if film.tmdb_id not in ids]
    score = scores(offered.seeds, [*others, *(film for _, film in named)], pointers)
    below = np.sort(score[: len(others)])
    placed = []
    for (entry, film), value in zip(named, score[len(others) :], strict=True):
        above = len(below) - int(np.searchsorted(below, value, side="right"))
        of = len(below) + 1  # placed among TMDb's offers and itself, as a model film among the films not seen
        strongest = sorted(pointers.get(film.tmdb_id, []), key=lambda p: -p[0])[:3]
        placed.append(
            Placed(
                entry,
                film,
                above + 1,
                of,
                round(100.0 * (1.0 - above / of), 2),
                round(float(value), 6),
                [seed.ref for _, seed in strongest],
            )
        )
    return placed, lookup


def seen_of(offered: Offers, history_films: Sequence[FilmQuery]) -> Seen:
    """What the person has seen, as a TMDb film can be recognised (their own films the lookup found, and titles)."""
    return Seen.of(offered.lookup.tmdb_ids, [(f.title, f.year) for f in history_films])
