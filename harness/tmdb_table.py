"""The films a loopback TMDb knows and how it finds them: `TmdbTable`, over a plain list of dicts (hand-made in the
tests; the members' `films.csv` rows for a benchmark), answering in TMDb's JSON shapes.

A row is a dict; only `title` is required (a row without one is left out: nothing could find it):
- `id` (else its position + 1), `title`, `original_title` (else the title), `imdb_id` (an int or `tt...`);
- `year` (the first release of any kind: a premiere) and `release_date` (TMDb's primary release date); either stands
  for the other when missing (a year alone as 1 January: the members' data lacks some dates);
- `genres` (TMDb's names, a list or `|`-separated; names outside TMDb's movie genres dropped) or `genre_ids`;
  `language` or `original_language`, `runtime`, `popularity`, `vote_count`, `vote_average` (absent: 0), `overview`;
- `keywords`, `directors`, `cast` (names, a list or `|`-separated), `providers` (where to watch: TMDb's `results`
  block, country -> offers), `recommendations` and `similar` (TMDb ids; else computed, see below);
- `content_type`: `tv` rows are TV on TMDb, so the movie calls never answer them. Empty values (NaN, "") are absent.

What TMDb does, simplified here:
- search: every word of the query (articles aside) is a word of the title or original title, in any case and
  without accents, a Roman numeral as its number (TMDb finds "Rocky 2" through Rocky II's alternative titles); a word
  of 5 letters or more may be one edit away (a typo); the last word may be the start of one.
  `year` keeps films released that year in any way (the row's `year` or its release date's), `primary_release_year`
  those whose release date is in that year. Exact titles first, then by popularity; 20 a page.
- recommendations and similar, when a row has none: the films sharing most genres with it, the recommendations
  among those released within 10 years of it by popularity, the similar ones by vote count. TMDb's own use what its
  users watch together (recommendations) and keywords (similar): a stand-in, not a model of them.
- discover: `primary_release_date.gte`/`.lte`, `vote_count.gte`, `with_genres` (`,` all of them, `|` any),
  `with_original_language`, `sort_by` (popularity, vote count, vote average or release date, descending).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from lbrec.catalog.normalize import normalize, spelling, without_article
from lbrec.tmdb.records import GENRE_IDS, GENRES

PAGE = 20
_ARTICLES = {"the", "a", "an"}
_SORTS = {
    "popularity.desc": "popularity",
    "vote_count.desc": "vote_count",
    "vote_average.desc": "vote_average",
    "primary_release_date.desc": "release_date",
}


@dataclass(frozen=True)
class Film:
    """One row of the table, read."""

    tmdb_id: int
    title: str
    original_title: str
    year: int | None
    release_date: str
    genre_ids: tuple[int, ...]
    language: str = "en"
    runtime: int | None = None
    popularity: float = 0.0
    vote_count: int = 0
    vote_average: float = 0.0
    overview: str = ""
    imdb_id: int | None = None
    keywords: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    providers: dict = field(default_factory=dict)
    recommendations: tuple[int, ...] | None = None
    similar: tuple[int, ...] | None = None
    movie: bool = True

    @property
    def release_year(self) -> int | None:
        return int(self.release_date[:4]) if self.release_date else None

    def listed(self) -> dict:
        """The film as TMDb lists it (search, find, recommendations, similar, discover)."""
        return {
            "adult": False,
            "backdrop_path": None,
            "genre_ids": list(self.genre_ids),
            "id": self.tmdb_id,
            "original_language": self.language,
            "original_title": self.original_title,
            "overview": self.overview,
            "popularity": self.popularity,
            "poster_path": f"/poster{self.tmdb_id}.png",
            "release_date": self.release_date,
            "title": self.title,
            "video": False,
            "vote_average": self.vote_average,
            "vote_count": self.vote_count,
        }

    def details(self, appended: set[str]) -> dict:
        """The film's own answer, with what `append_to_response` asked for."""
        answer = {key: value for key, value in self.listed().items() if key != "genre_ids"}
        answer.update(
            {
                "genres": [{"id": g, "name": GENRES[g]} for g in self.genre_ids if g in GENRES],
                "imdb_id": f"tt{self.imdb_id:07d}" if self.imdb_id else None,
                "runtime": self.runtime,
                "status": "Released",
                "tagline": "",
            }
        )
        if "keywords" in appended:
            answer["keywords"] = {"keywords": [{"id": 1000 + i, "name": k} for i, k in enumerate(self.keywords)]}
        if "credits" in appended:
            answer["credits"] = {
                "cast": [
                    {"id": 5000 + i, "name": name, "character": "", "order": i, "known_for_department": "Acting"}
                    for i, name in enumerate(self.cast)
                ],
                "crew": [
                    {"id": 9000 + i, "name": name, "job": "Director", "department": "Directing"}
                    for i, name in enumerate(self.directors)
                ],
            }
        if "watch/providers" in appended:
            answer["watch/providers"] = {"results": self.providers}
        return answer


class TmdbTable:
    """TMDb's movie calls over a table of films (see the module's docstring)."""

    def __init__(self, rows: Iterable[Mapping]):
        films = [film_from(row, position) for position, row in enumerate(rows) if _present(row.get("title"))]
        self.films = {film.tmdb_id: film for film in films if film.movie}
        self.by_imdb = {film.imdb_id: film for film in self.films.values() if film.imdb_id}
        self._words: dict[str, set[int]] = {}
        self._exact: dict[int, set[str]] = {}
        for film in self.films.values():
            names = {without_article(normalize(n)) for n in (film.title, film.original_title)}
            self._exact[film.tmdb_id] = names
            for word in {spelling(w) for name in names for w in name.split()}:
                self._words.setdefault(word, set()).add(film.tmdb_id)
        self._vocabulary = list(self._words)
        self._related: dict[tuple[int, str], list[int]] = {}

    def search(self, params: Mapping[str, str]) -> dict:
        key = normalize(params.get("query", ""))
        words = [spelling(w) for w in key.split() if w not in _ARTICLES] or key.split()
        found: set[int] = set()
        for position, word in enumerate(words):
            ids = self._matching(word, last=position == len(words) - 1)
            found = ids if position == 0 else found & ids
        films = [self.films[i] for i in found]
        if (year := _int(params.get("year"))) is not None:
            films = [f for f in films if year in (f.year, f.release_year)]
        if (year := _int(params.get("primary_release_year"))) is not None:
            films = [f for f in films if f.release_year == year]
        bare = without_article(key)
        films.sort(key=lambda f: (bare not in self._exact[f.tmdb_id], -f.popularity, f.tmdb_id))
        return _page(films, params)

    def find(self, imdb_text: str) -> dict:
        imdb_id = int(imdb_text[2:]) if imdb_text[:2] == "tt" and imdb_text[2:].isdigit() else None
        film = self.by_imdb.get(imdb_id) if imdb_id else None
        return {
            "movie_results": [film.listed()] if film else [],
            "person_results": [],
            "tv_results": [],
            "tv_episode_results": [],
            "tv_season_results": [],
        }

    def related(self, tmdb_id: int, kind: str) -> dict | None:
        """A film's `recommendations` or `similar` (page 1), None for a film the table lacks."""
        film = self.films.get(tmdb_id)
        if film is None:
            return None
        given = film.recommendations if kind == "recommendations" else film.similar
        ids = list(given) if given is not None else self._computed(film, kind)
        return _page([self.films[i] for i in ids if i in self.films], {})

    def discover(self, params: Mapping[str, str]) -> dict:
        films = list(self.films.values())
        if since := params.get("primary_release_date.gte"):
            films = [f for f in films if f.release_date and f.release_date >= since]
        if until := params.get("primary_release_date.lte"):
            films = [f for f in films if f.release_date and f.release_date <= until]
        films = [f for f in films if f.vote_count >= (_int(params.get("vote_count.gte")) or 0)]
        if genres := params.get("with_genres"):
            wanted = {_int(g) for g in genres.replace(",", "|").split("|")}
            match_all = "," in genres
            films = [f for f in films if (wanted <= set(f.genre_ids) if match_all else wanted & set(f.genre_ids))]
        if language := params.get("with_original_language"):
            films = [f for f in films if f.language == language]
        order = _SORTS.get(params.get("sort_by", "popularity.desc"), "popularity")
        films.sort(key=lambda f: (getattr(f, order), f.tmdb_id), reverse=True)
        return _page(films, params)

    def _matching(self, word: str, last: bool) -> set[int]:
        """The films with `word` in their titles: the same word, one edit away for a long word, or (the query's last
        word) a word it begins."""
        words = {word}
        if len(word) >= 5:
            words |= {
                found
                for found, _, _ in process.extract(
                    word, self._vocabulary, scorer=Levenshtein.distance, score_cutoff=1, limit=None
                )
            }
        if last:
            words |= {v for v in self._vocabulary if v.startswith(word)}
        return set().union(*(self._words.get(w, set()) for w in words))

    def _computed(self, film: Film, kind: str) -> list[int]:
        if (film.tmdb_id, kind) not in self._related:
            genres = set(film.genre_ids)
            near = [
                (len(genres & set(f.genre_ids)), f)
                for f in self.films.values()
                if f.tmdb_id != film.tmdb_id and genres & set(f.genre_ids)
            ]
            if kind == "recommendations":
                near = [(shared, f) for shared, f in near if _year_gap(film, f) <= 10]
                near.sort(key=lambda s: (-s[0], -s[1].popularity, s[1].tmdb_id))
            else:
                near.sort(key=lambda s: (-s[0], -s[1].vote_count, s[1].tmdb_id))
            self._related[film.tmdb_id, kind] = [f.tmdb_id for _, f in near[:PAGE]]
        return self._related[film.tmdb_id, kind]


def film_from(row: Mapping, position: int) -> Film:
    """A table row read (see the module's docstring)."""
    given = {key: value for key, value in row.items() if _present(value)}
    title = str(given["title"])
    release_date = str(given.get("release_date", ""))
    year = _int(given.get("year")) or (int(release_date[:4]) if release_date else None)
    if not release_date and year:
        release_date = f"{year:04d}-01-01"
    genres = given.get("genres", ())
    genre_ids = given.get("genre_ids") or [GENRE_IDS[g] for g in _names(genres) if g in GENRE_IDS]
    imdb = given.get("imdb_id")
    return Film(
        int(given.get("id", position + 1)),
        title,
        str(given.get("original_title", title)),
        year,
        release_date,
        tuple(int(g) for g in genre_ids),
        str(given.get("language", given.get("original_language", "en"))),
        _int(given.get("runtime")),
        float(given.get("popularity", 0.0)),
        int(given.get("vote_count", 0)),
        float(given.get("vote_average", 0.0)),
        str(given.get("overview", f"The story of {title}.")),
        int(imdb[2:]) if isinstance(imdb, str) else _int(imdb),
        _names(given.get("keywords", ())),
        _names(given.get("directors", ())),
        _names(given.get("cast", ())),
        dict(given.get("providers", {})),
        _ids(given.get("recommendations")),
        _ids(given.get("similar")),
        given.get("content_type", "movie") != "tv",
    )


def _page(films: list[Film], params: Mapping[str, str]) -> dict:
    page = max(1, min(_int(params.get("page")) or 1, 500))
    shown = films[(page - 1) * PAGE : page * PAGE]
    return {
        "page": page,
        "results": [f.listed() for f in shown],
        "total_pages": -(-len(films) // PAGE),
        "total_results": len(films),
    }


def _present(value: object) -> bool:
    return value is not None and value != "" and not (isinstance(value, float) and math.isnan(value))


def _int(value: object) -> int | None:
    try:
        return int(float(value)) if _present(value) else None
    except (TypeError, ValueError):
        return None


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(name for name in value.split("|") if name)
    return tuple(str(name) for name in value) if value else ()


def _ids(value: object) -> tuple[int, ...] | None:
    return tuple(int(i) for i in value) if value is not None else None


def _year_gap(film: Film, other: Film) -> int:
    return abs((film.year or 0) - (other.year or 0)) if film.year and other.year else 99
