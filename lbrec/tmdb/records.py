"""What TMDb answers about a film, read into records: `TmdbFilm`, a film as TMDb lists it (search, find,
recommendations, similar, discover), and `TmdbDetails`, a film's own answer with its keywords and credits appended.

TMDb's answers are outside input, read defensively: a field of the wrong type or out of range is left out (the
record keeps its default: "", None, 0 or nothing), a film without a usable id or title is left out of its list, and
nothing here raises on any answer. What the cache keeps is each record written back in TMDb's own shape, trimmed to
what is read (`to_tmdb`), so that one reader reads both TMDb's answer and the cache, and a damaged entry is only read
down like a damaged answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import islice

# TMDb's movie genres, as /3/genre/movie/list answers them in English: a fixed list of 19 that TMDb has not changed
# in years, so a constant rather than a call (a genre id outside it keeps its id in `genre_ids`, without a name).
GENRES: dict[int, str] = {
    28: "Action",
    12: "Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    14: "Fantasy",
    36: "History",
    27: "Horror",
    10402: "Music",
    9648: "Mystery",
    10749: "Romance",
    878: "Science Fiction",
    10770: "TV Movie",
    53: "Thriller",
    10752: "War",
    37: "Western",
}
GENRE_IDS = {name: genre_id for genre_id, name in GENRES.items()}
MAX_TITLE = 300  # characters: a longer "title" is not one
MAX_LISTED = 100  # films read from one list (TMDb's pages hold 20)
MAX_GENRES, MAX_KEYWORDS, MAX_DIRECTORS = 20, 100, 10
MAX_ID = 2**31 - 1
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")  # ISO 639-1, as TMDb writes it ("xx": no language)
_POSTER_PATH = re.compile(r"/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp)")
_IMDB_ID = re.compile(r"tt([0-9]{5,9})")


@dataclass(frozen=True)
class TmdbFilm:
    """A film as TMDb lists it. `release_date` is ISO ("" when unknown); `year` is its year (given apart only for a
    film known by its id alone); `genre_ids` are TMDb's (`genres` names them)."""

    tmdb_id: int
    title: str
    original_title: str = ""
    release_date: str = ""
    year: int | None = None
    genre_ids: tuple[int, ...] = ()
    original_language: str = ""
    popularity: float = 0.0
    vote_count: int = 0
    vote_average: float = 0.0
    poster_path: str = ""

    @property
    def genres(self) -> tuple[str, ...]:
        return tuple(GENRES[g] for g in self.genre_ids if g in GENRES)

    def to_tmdb(self) -> dict:
        """The record in TMDb's own shape (a list entry), as the cache keeps it: `listed_film` reads it back equal."""
        return {
            "id": self.tmdb_id,
            "title": self.title,
            "original_title": self.original_title,
            "release_date": self.release_date,
            "genre_ids": list(self.genre_ids),
            "original_language": self.original_language,
            "popularity": self.popularity,
            "vote_count": self.vote_count,
            "vote_average": self.vote_average,
            "poster_path": self.poster_path,
        }


@dataclass(frozen=True)
class TmdbDetails(TmdbFilm):
    """A film's own answer: what a list says of it, and its runtime (minutes), keywords, director(s) and IMDb id."""

    runtime: int | None = None
    keywords: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    imdb_id: int | None = None

    def to_tmdb(self) -> dict:
        """The record in TMDb's shape for /3/movie/{id}?append_to_response=keywords,credits, trimmed to what is read
        (the credits' crew to its directors): `film_details` reads it back equal."""
        listed = super().to_tmdb()
        del listed["genre_ids"]  # a film's own answer names its genres instead
        return {
            **listed,
            "genres": [{"id": g, "name": GENRES.get(g, "")} for g in self.genre_ids],
            "runtime": self.runtime,
            "imdb_id": f"tt{self.imdb_id:07d}" if self.imdb_id is not None else None,
            "keywords": {"keywords": [{"name": k} for k in self.keywords]},
            "credits": {"crew": [{"job": "Director", "name": d} for d in self.directors]},
        }


def listed_films(answer: object, key: str = "results") -> list[TmdbFilm] | None:
    """The films of a list answer (`results`; find's `movie_results`), each once, in TMDb's order; those without a
    usable id or title are left out. None when the answer is nonsense: no such list, or not one film in it."""
    entries = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(entries, list):
        return None
    films: dict[int, TmdbFilm] = {}
    for entry in islice(entries, MAX_LISTED):
        film = listed_film(entry)
        if film is not None and film.tmdb_id not in films:
            films[film.tmdb_id] = film
    return list(films.values()) if films or not entries else None


def listed_film(entry: object) -> TmdbFilm | None:
    """One film of a list, or None when it has no usable id or title."""
    if not isinstance(entry, dict):
        return None
    tmdb_id, title = _id(entry.get("id")), _text(entry.get("title"))
    if tmdb_id is None or not title:
        return None
    released = _release_date(entry.get("release_date"))
    genre_ids = entry.get("genre_ids")
    return TmdbFilm(
        tmdb_id,
        title,
        _text(entry.get("original_title")) or "",
        released,
        int(released[:4]) if released else None,
        _ids(genre_ids if isinstance(genre_ids, list) else ()),
        _language(entry.get("original_language")),
        _measure(entry.get("popularity"), 1e9),
        _count(entry.get("vote_count")),
        _measure(entry.get("vote_average"), 10),
        _poster(entry.get("poster_path")),
    )


def film_details(answer: object) -> TmdbDetails | None:
    """A film's own answer as a record, or None when it has no usable id or title."""
    if not isinstance(answer, dict):
        return None
    genres = answer.get("genres")
    listed = listed_film(
        {
            **answer,
            "genre_ids": [g.get("id") for g in genres if isinstance(g, dict)] if isinstance(genres, list) else None,
        }
    )
    if listed is None:
        return None
    runtime = answer.get("runtime")
    imdb = _IMDB_ID.fullmatch(answer["imdb_id"]) if isinstance(answer.get("imdb_id"), str) else None
    return TmdbDetails(
        **vars(listed),
        runtime=runtime if type(runtime) is int and 0 < runtime <= 1000 else None,
        keywords=_keywords(answer.get("keywords")),
        directors=_directors(answer.get("credits")),
        imdb_id=_id(int(imdb.group(1))) if imdb else None,
    )


# ---------------------------------------------------------------------------------------------------- fields


def _id(value: object) -> int | None:
    return value if type(value) is int and 0 < value <= MAX_ID else None


def _text(value: object, limit: int = MAX_TITLE) -> str | None:
    """A name on one line, printable characters only, or None when there is none or it is over `limit`."""
    if not isinstance(value, str):
        return None
    text = " ".join("".join(c for c in value if c.isprintable() or c.isspace()).split())
    return text if text and len(text) <= limit else None


def _release_date(value: object) -> str:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return ""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return ""
    return value if 1870 <= day.year <= 2100 else ""


def _ids(values: Iterable[object]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(v for v in islice(values, MAX_GENRES) if _id(v) is not None))


def _language(value: object) -> str:
    return value if isinstance(value, str) and _LANGUAGE.fullmatch(value) else ""


def _measure(value: object, high: float) -> float:
    """`value` when it is a number from 0 to `high`, else 0 (NaN and infinities too)."""
    usable = type(value) in (int, float) and 0 <= value <= high  # compared first: float() of a huge int overflows
    return float(value) if usable else 0.0


def _count(value: object) -> int:
    return value if type(value) is int and 0 <= value <= 10**9 else 0


def _poster(value: object) -> str:
    return value if isinstance(value, str) and _POSTER_PATH.fullmatch(value) else ""


def _keywords(block: object) -> tuple[str, ...]:
    entries = block.get("keywords") if isinstance(block, dict) else None
    return (
        _names((entry.get("name") for entry in entries if isinstance(entry, dict)), MAX_KEYWORDS)
        if isinstance(entries, list)
        else ()
    )


def _directors(block: object) -> tuple[str, ...]:
    crew = block.get("crew") if isinstance(block, dict) else None
    return (
        _names(
            (entry.get("name") for entry in crew if isinstance(entry, dict) and entry.get("job") == "Director"),
            MAX_DIRECTORS,
        )
        if isinstance(crew, list)
        else ()
    )


def _names(values: Iterable[object], limit: int) -> tuple[str, ...]:
    """The first `limit` distinct names (of 100 characters at most) of `values`."""
    names = (_text(value, 100) for value in values)
    unique: dict[str, None] = {}
    for name in names:
        if name and len(unique) < limit:
            unique[name] = None
    return tuple(unique)
