"""What the engine answers with: one film record that every answer shares, and each answer's own fields. The field
names are the JSON API (`recommend --json`, the app's JSON download).

    FilmRef          movieId, title, year: a film named as a reason ("because you liked ...")
    Film             + genres, tmdbId, imdbId, and its links: any film an answer shows
    Recommendation   + score, because               (for me)
    Ranked           + percentile, score, watched, because   (my watchlist or a list, ranked)
    Prediction       + query, rank, of, percentile, verdict, watched, because   (would I like it?)
    Similar          + score, because (the seeds)   (more like this film)
    GroupFilm        + score, fit, because (per member)   (watch together)
    NewerFilm        + score, because, origin           (a film newer than the model, from TMDb, ranked by lbrec)

Every film says where it came from (`origin`): the model, or TMDb's recommendations ranked by lbrec; a film only TMDb
knows has no movieId (None).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol


class WatchOptions(Protocol):
    """Where a film can be watched in one country (`lbrec.tmdb.watch.Watch`), as its JSON says."""

    def to_json(self) -> dict[str, Any]: ...


MODEL = "the model"  # a film's origin: scored by the served model
TMDB = "TMDb's recommendations, ranked by lbrec"  # a film the model lacks


@dataclass(frozen=True)
class FilmRef:
    movieId: int | None  # None: a film only TMDb knows
    title: str
    year: int | None


@dataclass(frozen=True)
class Film(FilmRef):
    """A film as every answer shows it: what a card, a list CSV, a poster and the links need."""

    genres: tuple[str, ...]
    tmdbId: int | None
    imdbId: int | None
    watch: WatchOptions | None = field(default=None, kw_only=True)  # with a country: where to watch it there
    origin: str = field(default=MODEL, kw_only=True)  # where it came from: the model, or TMDb (`TMDB`)

    @property
    def links(self) -> dict[str, str]:
        return links_for(self.tmdbId, self.imdbId)

    def shared(self) -> dict[str, Any]:
        """The film's own fields, to build an answer from (`Ranked(**film.shared(), percentile=...)`)."""
        return {f.name: getattr(self, f.name) for f in fields(Film) if f.name not in ("watch", "origin")}

    def to_dict(self) -> dict[str, Any]:
        out = {**asdict(self), "genres": list(self.genres), "links": self.links}
        if self.watch is None:
            del out["watch"]
        else:
            out["watch"] = self.watch.to_json()
        return out


@dataclass(frozen=True)
class Recommendation(Film):
    score: float  # the served model's raw score: comparable within one list only
    because: list[FilmRef]


@dataclass(frozen=True)
class Ranked(Film):
    percentile: float  # among the films the user has not seen: 100 = the very top
    score: float
    watched: bool
    because: list[FilmRef]


@dataclass(frozen=True)
class Prediction(Film):
    query: str
    rank: int  # among the films the user has not seen (a watched film: where its score would put it)
    of: int
    percentile: float
    verdict: str
    watched: bool
    because: list[FilmRef]


@dataclass(frozen=True)
class Similar(Film):
    score: float
    because: list[FilmRef]  # the seeds it comes from


@dataclass(frozen=True)
class GroupFilm(Film):
    score: float  # the members' mean fit, 0-100
    fit: dict[str, float]  # each member's percentile for the film
    because: dict[str, list[FilmRef]]  # each member's films that lead to it


@dataclass(frozen=True)
class NewerFilm(Film):
    """A film the model lacks (newer than its films, or not in its catalog), from TMDb's lists, ranked by lbrec."""

    score: float  # lbrec's score over the candidates: comparable within one list only
    because: list[FilmRef]  # the person's loved films that point to it
    origin: str = field(default=TMDB, kw_only=True)


def links_for(tmdb_id: int | None, imdb_id: int | None) -> dict[str, str]:
    links = {}
    if tmdb_id is not None:
        links["letterboxd"] = f"https://letterboxd.com/tmdb/{tmdb_id}/"
        links["tmdb"] = f"https://www.themoviedb.org/movie/{tmdb_id}"
    if imdb_id is not None:
        links["imdb"] = f"https://www.imdb.com/title/tt{imdb_id:07d}/"
    return links
