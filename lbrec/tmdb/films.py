"""TMDb as a second catalog: the calls that find films MovieLens lacks and the films to offer beside the model's.

Each call is one request through `TmdbClient.cached_json` (so: the client's key, its bound on requests in flight, 429
and Retry-After honoured, a 401 raising `TmdbKeyError` once and nothing sent after it), and each answer is kept on
disk for a day (`DAY`): TMDb's lists (recommendations, new releases, vote counts) move daily. What is kept is the
records (`lbrec.tmdb.records`), trimmed to what is read. Every call answers None when TMDb did not answer usably (5xx,
a timeout, a 429 beyond the client's wait, a body that is not JSON, or JSON of the wrong shape), with the client's
`trouble` set; what TMDb lacks (a 404, an empty list) is an answer: [] or None without trouble.

| call                         | request                                                               | requests |
|------------------------------|-----------------------------------------------------------------------|----------|
| `search`                     | /3/search/movie?query=&year=                                          | 1        |
| `find_imdb`                  | /3/find/tt...?external_source=imdb_id                                 | 1        |
| `details`                    | /3/movie/{id}?append_to_response=keywords,credits,watch/providers     | 1        |
| `recommendations`, `similar` | /3/movie/{id}/recommendations, /3/movie/{id}/similar (page 1)         | 1 each   |
| `discover`                   | /3/discover/movie?primary_release_date.gte=&vote_count.gte=&sort_by=  | 1 a page |

`details` is the one request a film needs: its answer also fills the card's entries (`TmdbClient.store_movie`: the
synopsis, runtime and poster path for 30 days, where to watch for a day), so a card shown for it later costs only its
poster. The model's own films keep the card's lighter request: credits are the heavy part of an answer (Fight Club's,
as TMDb sent them in 2022: 60 kB of JSON, 11 kB compressed, against 1.6 kB for the details and 49 kB, 2.5 kB
compressed, for where to watch), and only a film ranked from TMDb's fields needs its director.

`ask_many` asks one call for many films at once, the client's `max_in_flight` at a time; `client.requests_made`
counts the requests sent (a cached answer costs none), so that an answer's budget can be stated.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date
from typing import TypeVar

from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.records import TmdbDetails, TmdbFilm, film_details, listed_films
from lbrec.web import NOT_FOUND, in_parallel

DAY = 86400.0
APPENDED = "keywords,credits,watch/providers"
SORTS = ("vote_count.desc", "popularity.desc", "vote_average.desc", "primary_release_date.desc")
MAX_QUERY = 200  # characters of a title sent to the search
_Key = TypeVar("_Key", bound=Hashable)
_Answer = TypeVar("_Answer")


def search(client: TmdbClient, title: str, year: int | None = None) -> list[TmdbFilm] | None:
    """TMDb's films for `title`, most relevant first (a page: 20 at most). TMDb's search is fuzzy: close titles come
    too. With `year`, only films released that year in any way (TMDb's `year`, premieres included)."""
    query = " ".join(str(title).split())[:MAX_QUERY]
    if not query:
        return []
    params: dict = {"query": query, "include_adult": "false"}
    if year is not None and 1870 <= year <= 2100:
        params["year"] = int(year)
    return _films(client, "/3/search/movie", params)


def find_imdb(client: TmdbClient, imdb_id: int) -> list[TmdbFilm] | None:
    """The film TMDb knows by this IMDb id (`tt0113277` is 113277): one, rarely more, or none."""
    if not 0 < imdb_id < 10**9:
        return []
    return _films(client, f"/3/find/tt{int(imdb_id):07d}", {"external_source": "imdb_id"}, key="movie_results")


def details(client: TmdbClient, tmdb_id: int) -> TmdbDetails | None:
    """The film's details with its keywords and director(s), in one request that also fills the film's card (see the
    module's docstring); None when TMDb lacks the film or did not answer (`trouble` then)."""
    tmdb_id = int(tmdb_id)

    def keep(answer: dict) -> dict | None:
        film = film_details(answer)
        if film is None:
            return None
        client.store_movie(tmdb_id, answer)
        return film.to_tmdb()

    kept = client.cached_json(f"/3/movie/{tmdb_id}", {"append_to_response": APPENDED}, lifetime=DAY, keep=keep)
    return film_details(kept) if kept != NOT_FOUND else None


def recommendations(client: TmdbClient, tmdb_id: int) -> list[TmdbFilm] | None:
    """TMDb's recommendations for the film (its first page: 20 at most), from what its users watch together."""
    return _films(client, f"/3/movie/{int(tmdb_id)}/recommendations")


def similar(client: TmdbClient, tmdb_id: int) -> list[TmdbFilm] | None:
    """TMDb's similar films (its first page: 20 at most), by genres and keywords."""
    return _films(client, f"/3/movie/{int(tmdb_id)}/similar")


def discover(
    client: TmdbClient,
    since: date,
    *,
    until: date | None = None,
    min_votes: int = 100,
    genre_ids: Iterable[int] = (),
    sort_by: str = "vote_count.desc",
    page: int = 1,
) -> list[TmdbFilm] | None:
    """Films first released from `since` (to `until`), with at least `min_votes` votes, in any of `genre_ids` when
    given, sorted by `sort_by` (one of `SORTS`): page `page`, 20 films at most."""
    if sort_by not in SORTS:
        raise ValueError(f"sort_by must be one of {', '.join(SORTS)}, not {sort_by!r}")
    params: dict = {
        "primary_release_date.gte": since.isoformat(),
        "vote_count.gte": int(min_votes),
        "sort_by": sort_by,
        "include_adult": "false",
        "page": max(1, min(int(page), 500)),
    }
    if until is not None:
        params["primary_release_date.lte"] = until.isoformat()
    if genres := sorted({int(g) for g in genre_ids}):
        params["with_genres"] = "|".join(map(str, genres))  # "|": any of them (TMDb reads "," as all of them)
    return _films(client, "/3/discover/movie", params)


def ask_many(
    client: TmdbClient, call: Callable[[TmdbClient, _Key], _Answer], keys: Iterable[_Key]
) -> dict[_Key, _Answer]:
    """`call(client, key)` for each key (each once), the client's `max_in_flight` requests at a time, as
    {key: its answer}; `client.trouble` then says whether TMDb failed to answer for some. A refused key raises
    `TmdbKeyError`. For instance `ask_many(client, recommendations, loved_ids)`, or
    `ask_many(client, lambda c, film: search(c, *film), [("Anora", 2024), ...])`."""
    keys = list(dict.fromkeys(keys))
    client.trouble = False
    answers = in_parallel(lambda key: call(client, key), keys, client.max_in_flight)
    return dict(zip(keys, answers, strict=True))


def _films(client: TmdbClient, path: str, params: dict | None = None, key: str = "results") -> list[TmdbFilm] | None:
    """The films of the list answer at `path`, kept a day as `{"results": [...]}` in TMDb's shape."""

    def keep(answer: dict) -> dict | None:
        films = listed_films(answer, key)
        return {"results": [film.to_tmdb() for film in films]} if films is not None else None

    kept = client.cached_json(path, params, lifetime=DAY, keep=keep)
    if kept is None or kept == NOT_FOUND:
        return None if kept is None else []
    return listed_films(kept) or []
