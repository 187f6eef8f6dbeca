"""Fuzzing TMDb's answers as the second catalog reads them: a page of films (search, recommendations, similar,
discover) or find's answer, a film's details with keywords, credits and where to watch appended, and the matcher
over the films read. Each case is a realistic answer with 1-5 nodes replaced, dropped, repeated or renamed
(`harness.fuzz_watch.mutated`), now and then no answer's shape at all. TMDb's answers are never refused, only read
down: the check is that reading never raises, that every record is well formed, that a record as the cache keeps it
reads back equal, and that the matcher's answer is well formed."""

from __future__ import annotations

import copy
import json
import re
from functools import cache

from hypothesis import strategies as st

from harness.fuzz import hostile_text
from harness.fuzz_watch import json_value, mutated
from lbrec.catalog.index import MAX_CANDIDATES
from lbrec.catalog.normalize import FilmQuery
from lbrec.tmdb.match import judge
from lbrec.tmdb.records import (
    GENRES,
    MAX_LISTED,
    MAX_TITLE,
    TmdbDetails,
    TmdbFilm,
    film_details,
    listed_film,
    listed_films,
)


def _listed(tmdb_id: int, title: str, released: str, votes: int, **extra: object) -> dict:
    return {
        "adult": False,
        "backdrop_path": "/backdrop.jpg",
        "genre_ids": [28, 80, 18],
        "id": tmdb_id,
        "original_language": "en",
        "original_title": title,
        "overview": f"The story of {title}.",
        "popularity": 41.26,
        "poster_path": f"/poster{tmdb_id}.jpg",
        "release_date": released,
        "title": title,
        "video": False,
        "vote_average": 7.9,
        "vote_count": votes,
        **extra,
    }


@cache
def _pages() -> tuple[dict, ...]:
    """A search's page of namesakes and a find's answer, shaped like TMDb's."""
    films = [
        _listed(949, "Heat", "1995-12-15", 7100),
        _listed(26175, "Heat", "1986-03-14", 60),
        _listed(136795, "The Heat", "2013-06-27", 5200),
        _listed(980026, "Sirāt", "2025-06-06", 320, original_title="Sirāt", original_language="es"),
    ]
    return (
        {"page": 1, "results": films, "total_pages": 1, "total_results": len(films)},
        {
            "movie_results": films[:1],
            "person_results": [],
            "tv_results": [],
            "tv_episode_results": [],
            "tv_season_results": [],
        },
    )


@cache
def _details() -> dict:
    """Heat's own answer with keywords, credits and where to watch appended, as TMDb shapes it."""
    crew = [
        {
            "adult": False,
            "id": 638,
            "name": "Michael Mann",
            "job": job,
            "department": department,
            "credit_id": "52fe4250c3a36847f8014a11",
            "popularity": 3.1,
            "profile_path": "/mann.jpg",
        }
        for job, department in (("Director", "Directing"), ("Screenplay", "Writing"), ("Producer", "Production"))
    ]
    cast = [
        {
            "adult": False,
            "id": 1158 + i,
            "name": name,
            "character": role,
            "order": i,
            "cast_id": i,
            "known_for_department": "Acting",
            "profile_path": f"/cast{i}.jpg",
        }
        for i, (name, role) in enumerate((("Al Pacino", "Hanna"), ("Robert De Niro", "McCauley")))
    ]
    answer = {key: value for key, value in _listed(949, "Heat", "1995-12-15", 7100).items() if key != "genre_ids"}
    return {
        **answer,
        "genres": [{"id": 28, "name": "Action"}, {"id": 80, "name": "Crime"}],
        "imdb_id": "tt0113277",
        "runtime": 170,
        "status": "Released",
        "budget": 60000000,
        "keywords": {"keywords": [{"id": 10051, "name": "heist"}, {"id": 9748, "name": "revenge"}]},
        "credits": {"cast": cast, "crew": crew},
        "watch/providers": {
            "results": {
                "GB": {
                    "link": "https://www.themoviedb.org/movie/949/watch?locale=GB",
                    "flatrate": [
                        {
                            "provider_id": 8,
                            "provider_name": "Netflix",
                            "logo_path": "/netflix.jpg",
                            "display_priority": 0,
                        }
                    ],
                }
            }
        },
    }


@st.composite
def _mutated(draw: st.DrawFn, seeds: tuple[dict, ...]) -> object:
    if draw(st.integers(0, 19)) == 0:
        return draw(json_value())
    document = copy.deepcopy(draw(st.sampled_from(seeds)))
    rng = draw(st.randoms(use_true_random=True))
    for _ in range(draw(st.integers(1, 5))):
        document = mutated(document, rng, draw(json_value()))
    return document


def list_answers() -> st.SearchStrategy[object]:
    return _mutated(_pages())


def details_answers() -> st.SearchStrategy[object]:
    return _mutated((_details(),))


def matches() -> st.SearchStrategy[tuple[object, str, int | None]]:
    """A page of TMDb's films, mutated, and a film a person gave: a title of the page, or hostile text."""
    titles = st.one_of(st.sampled_from(["Heat", "heat", "The Heat", "Sirat", "Heat 2", "Hea"]), hostile_text())
    return st.tuples(list_answers(), titles, st.none() | st.integers(1870, 2100) | st.sampled_from([1995, 2025]))


# ---------------------------------------------------------------------------------------------------- checks

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def well_formed(film: TmdbFilm) -> None:
    assert type(film.tmdb_id) is int and 0 < film.tmdb_id < 2**31
    for text in (film.title, film.original_title):
        assert isinstance(text, str) and len(text) <= MAX_TITLE and text == " ".join(text.split())
        assert text.isprintable()
    assert film.title
    assert film.release_date == "" or (_DATE.fullmatch(film.release_date) and film.year == int(film.release_date[:4]))
    assert film.year is None or 1870 <= film.year <= 2100
    assert type(film.popularity) is float and 0 <= film.popularity <= 1e9
    assert type(film.vote_average) is float and 0 <= film.vote_average <= 10
    assert type(film.vote_count) is int and film.vote_count >= 0
    assert all(type(g) is int and g > 0 for g in film.genre_ids) and set(film.genres) <= set(GENRES.values())
    assert re.fullmatch(r"[a-z]{0,3}", film.original_language)
    assert film.poster_path == "" or re.fullmatch(r"/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp)", film.poster_path)


def check_list_answer(answer: object) -> None:
    """Never raises; each film well formed, each once; written as the cache keeps it, read back equal."""
    for key in ("results", "movie_results"):
        films = listed_films(answer, key)
        if films is None:
            continue
        assert 0 < len(films) <= MAX_LISTED or (films == [] and answer[key] == [])
        assert len({film.tmdb_id for film in films}) == len(films)
        for film in films:
            well_formed(film)
            assert listed_film(json.loads(json.dumps(film.to_tmdb(), allow_nan=False))) == film


def check_details_answer(answer: object) -> None:
    film = film_details(answer)
    if film is None:
        return
    assert isinstance(film, TmdbDetails)
    well_formed(film)
    assert film.runtime is None or (type(film.runtime) is int and 0 < film.runtime <= 1000)
    assert film.imdb_id is None or (type(film.imdb_id) is int and 0 < film.imdb_id < 10**9)
    for names in (film.keywords, film.directors):
        assert len(set(names)) == len(names) and all(name and name.isprintable() for name in names)
    assert film_details(json.loads(json.dumps(film.to_tmdb(), allow_nan=False))) == film


def check_match(case: tuple[object, str, int | None]) -> None:
    """The matcher over whatever films were read: a well-formed answer, and only one of those films matched."""
    answer, title, year = case
    films = listed_films(answer) or []
    found = judge(FilmQuery(title[:400], year), films)
    known = {film.tmdb_id for film in films}
    assert found.status in ("matched", "uncertain", "unmatched")
    assert (found.tmdb_id is not None) == (found.status == "matched") == (found.film is not None)
    assert found.tmdb_id is None or found.tmdb_id in known
    assert 0.0 <= found.confidence <= 1.0 and len(found.candidates) <= MAX_CANDIDATES
    assert {c.tmdb_id for c in found.candidates} <= known and found.answered
    assert found.reason and "\n" not in found.reason
    if found.status == "matched" and year is not None:  # never a namesake from further than a year
        assert found.year is not None and abs(found.year - year) <= 1
    json.dumps(found.to_json(), allow_nan=False)
