"""A person's film found on TMDb, with the care the MovieLens matcher (`lbrec.catalog.index`) takes: a wrong match
is worse than none, so no namesake, the year within one, and what is ambiguous asks.

A film with a TMDb id (the RSS feed's `tmdb:movieId`) needs no request; one with an IMDb id is found by it (TMDb's
find); the others by title and year among TMDb's search results: first the search for that year, then, when it
settles nothing, the search without a year (for a year off by one). Requests: 0 with a TMDb id; 1 with an IMDb id
TMDb knows; 1 by title, 2 when the year's search settles nothing.

The catalog's rules, as they read for TMDb's results (titles compared in the catalog's forms, `normalize` and
`spelling`; `original_title` stands for MovieLens's alternate titles; TMDb's vote count for its number of ratings):

| evidence                                                               | confidence | status    |
|------------------------------------------------------------------------|------------|-----------|
| the TMDb id given by the source                                        | 1.00       | matched   |
| same IMDb id, years within one of each other (or one unknown)          | 1.00       | matched   |
| same IMDb id, years further apart                                      | 0.90       | matched   |
| same title (or original title), same year: one film                    | 0.97       | matched   |
| same title, year off by one: one film                                  | 0.90       | matched   |
| several films of that title that year, one with 10x the votes of the   | 0.87/0.80  | matched   |
|   others and at least `WELL_KNOWN_VOTES`                               |            |           |
| close spelling (rapidfuzz >= 90), same year, same sequel numbers       | 0.80-0.90  | matched   |
| no year given: the one film of that title, well known                  | 0.85       | matched   |
| no year given: a well-known film with 10x the votes of its namesakes   | 0.80       | matched   |
| weaker: several films of that title that year (the catalog takes the   | < 0.80     | uncertain |
|   better known: in MovieLens they are one film listed twice, on TMDb   |            |           |
|   namesakes), same title 2 years apart or TMDb without a date, looser  |            |           |
|   spelling, no year and little known or namesakes                      |            |           |
| nothing within a year                                                  | 0          | unmatched |

`TmdbMatch` says what the catalog's `Match` says, with TMDb's ids: a TMDb id in `Match.movie_id` would be read as
a MovieLens movieId (the JSON's "movieId", the app's choices, a history's positives), and TMDb 949 is Heat while
MovieLens 949 is East of Eden. So `tmdb_id` where `Match` has `movie_id`, and the same statuses and thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from lbrec.catalog.index import FUZZY_CANDIDATE_SCORE, FUZZY_MARGIN, FUZZY_MATCH_SCORE, MATCH_THRESHOLD, MAX_CANDIDATES
from lbrec.catalog.matches import Status
from lbrec.catalog.normalize import FilmQuery, normalize, spelling, title_numbers, without_article
from lbrec.data.titles import film_label
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.films import ask_many, find_imdb, search
from lbrec.tmdb.records import TmdbFilm

WELL_KNOWN_VOTES = 100  # TMDb votes that make a film "well known" for a bare title (a judgment: most films have few)
NO_ANSWER = "TMDb did not answer: asked again next time"


@dataclass(frozen=True)
class TmdbCandidate:
    """A TMDb film that may be the one meant, with how well it fits (0-1)."""

    tmdb_id: int
    title: str
    year: int | None
    score: float
    film: TmdbFilm

    def label(self) -> str:
        return film_label(self.title, self.year)

    def told_apart(self) -> str:
        """In words that tell namesakes apart: "Home (2024) · Documentary · 2024-03-01"."""
        film = self.film
        more = [film.original_title] if film.original_title and film.original_title != self.title else []
        more += [", ".join(film.genres[:3])] if film.genres else []
        more += [film.release_date] if film.release_date else []
        return " · ".join([self.label(), *more])


@dataclass(frozen=True)
class TmdbMatch:
    """The answer for one film; `tmdb_id` is set only when `status == "matched"`, `film` when TMDb's answer gave
    the match (not for a TMDb id the source gave); `answered` is False when TMDb did not answer."""

    query: str
    tmdb_id: int | None
    title: str | None
    year: int | None
    confidence: float
    status: Status
    candidates: tuple[TmdbCandidate, ...] = ()
    reason: str = ""
    film: TmdbFilm | None = None
    answered: bool = True

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "tmdbId": self.tmdb_id,
            "title": self.title,
            "year": self.year,
            "confidence": round(self.confidence, 3),
            "status": self.status,
            "reason": self.reason,
            "candidates": [
                {"tmdbId": c.tmdb_id, "title": c.title, "year": c.year, "score": round(c.score, 3)}
                for c in self.candidates
            ],
        }

    def confirmed(self, tmdb_id: int) -> TmdbMatch:
        """This uncertain match settled by the person's choice among its candidates (unchanged if not one)."""
        candidate = next((c for c in self.candidates if c.tmdb_id == tmdb_id), None)
        if self.status == "matched" or candidate is None:
            return self
        return replace(
            self,
            tmdb_id=candidate.tmdb_id,
            title=candidate.title,
            year=candidate.year,
            confidence=candidate.score,
            status="matched",
            reason="picked by you",
            film=candidate.film,
        )


def match_film(client: TmdbClient, film: FilmQuery) -> TmdbMatch:
    """Find `film` (anything with a title, a year, a TMDb id and an IMDb id, as the catalog reads them) on TMDb."""
    query = film_label(film.title, film.year)
    if film.tmdb_id is not None and 0 < film.tmdb_id < 2**31:
        return TmdbMatch(query, int(film.tmdb_id), film.title, film.year, 1.0, "matched", reason="the source's TMDb id")
    if film.imdb_id is not None:
        found = find_imdb(client, film.imdb_id)
        if found is None:
            return _unanswered(query)
        if found:
            gap = _year_gap(film.year, found[0].year)
            if gap is None or gap <= 1:
                return _matched(query, found[0], 1.0, "same IMDb id")
            return _matched(
                query, found[0], 0.9, f"same IMDb id, though the years differ ({film.year} vs {found[0].year})"
            )
    if not normalize(film.title or ""):
        return _unmatched(query, "empty title")
    results = search(client, film.title, film.year)
    if results is None:
        return _unanswered(query)
    match = judge(film, results, query)
    if match.status == "matched" or film.year is None:
        return match
    wider = search(client, film.title)
    if wider is None:
        return match if match.status == "uncertain" else _unanswered(query)
    return judge(film, [*results, *(r for r in wider if r not in results)], query)


def match_films(client: TmdbClient, films: Iterable[FilmQuery]) -> list[TmdbMatch]:
    """`match_film` for each film, the client's `max_in_flight` requests at a time; repeated films are matched once.
    A refused key raises `TmdbKeyError`."""
    films = list(films)
    keys = [(f.title, f.year, f.tmdb_id, f.imdb_id) for f in films]
    found = ask_many(client, lambda c, key: match_film(c, FilmQuery(*key)), keys)
    return [found[key] for key in keys]


def judge(film: FilmQuery, results: Sequence[TmdbFilm], query: str | None = None) -> TmdbMatch:
    """The match for `film` among TMDb's search results, by the rules of the module's docstring."""
    query = query if query is not None else film_label(film.title, film.year)
    key = normalize(film.title or "")
    if not key:
        return _unmatched(query, "empty title")
    bare = without_article(key)
    by_title = [r for r in results if key in _names(r)] or [r for r in results if bare in _bare_names(r)]
    titled = _by_title(film, query, by_title) if by_title else None
    if titled is not None and titled.status != "unmatched":
        return titled
    spelt = _by_spelling(film, query, key, results)
    return spelt if spelt.status != "unmatched" or titled is None else titled


# ---------------------------------------------------------------------------------------------------- rules


def _by_title(film: FilmQuery, query: str, films: list[TmdbFilm]) -> TmdbMatch:
    if film.year is None:
        return _without_year(query, films)
    gaps = {f.tmdb_id: _year_gap(film.year, f.year) for f in films}
    for gap, confidence, reason in ((0, 0.97, "same title and year"), (1, 0.90, "same title, year off by one")):
        hits = [f for f in films if gaps[f.tmdb_id] == gap]
        if len(hits) == 1:
            return _matched(query, hits[0], confidence, reason)
        if hits:
            return _among_namesakes(query, hits, confidence, reason)
    near = [f for f in films if gaps[f.tmdb_id] is None or gaps[f.tmdb_id] == 2]
    if near:
        candidates = [_candidate(f, 0.6 if gaps[f.tmdb_id] == 2 else 0.7) for f in near]
        why = "TMDb has it without a date" if gaps[near[0].tmdb_id] is None else "the years are 2 apart"
        return _uncertain(query, candidates, f"same title, but {why}")
    years = ", ".join(sorted({str(f.year) for f in films}))
    return _unmatched(query, f"TMDb has {films[0].title!r} only from other years ({years})")


def _among_namesakes(query: str, films: list[TmdbFilm], confidence: float, reason: str) -> TmdbMatch:
    """Several films of the title in the year: the far best-known one, else the person chooses."""
    films = sorted(films, key=lambda f: -f.vote_count)
    top, runner_up = films[0], films[1]
    if top.vote_count >= max(WELL_KNOWN_VOTES, 10 * runner_up.vote_count):
        return _matched(
            query,
            top,
            confidence - 0.1,
            f"{reason}; by far the best-known of {len(films)} films",
            [_candidate(f, 0.5) for f in films[1:]],
        )
    return _uncertain(query, [_candidate(f, 0.7) for f in films], f"{reason}, but {len(films)} films have it")


def _without_year(query: str, films: list[TmdbFilm]) -> TmdbMatch:
    films = sorted(films, key=lambda f: -f.vote_count)
    top = films[0]
    known = top.vote_count >= WELL_KNOWN_VOTES
    if len(films) == 1 and known:
        return _matched(query, top, 0.85, "same title; no year given, a well-known film")
    if len(films) > 1 and known and top.vote_count >= 10 * max(films[1].vote_count, 1):
        return _matched(
            query,
            top,
            0.80,
            f"same title; no year given, by far the best-known of {len(films)} films with this title",
            [_candidate(f, 0.5) for f in films[1:]],
        )
    candidates = [_candidate(f, 0.6 if len(films) == 1 else 0.5) for f in films]
    why = "a little-known film" if len(films) == 1 else f"{len(films)} films have this title"
    return _uncertain(query, candidates, f"same title, but no year given and {why}")


def _by_spelling(film: FilmQuery, query: str, key: str, results: Sequence[TmdbFilm]) -> TmdbMatch:
    """Close spellings among the results within a year of the film (all of them when no year is given)."""
    wanted, numbers = spelling(key), title_numbers(key)
    scored: list[tuple[bool, float, TmdbFilm]] = []
    for result in results:
        gap = _year_gap(film.year, result.year)
        if film.year is not None and gap is not None and gap > 1:
            continue
        names = _names(result)
        score = max((fuzz.ratio(wanted, spelling(name)) for name in names), default=0.0)
        if score >= FUZZY_CANDIDATE_SCORE:
            scored.append((any(title_numbers(name) == numbers for name in names), score, result))
    if not scored:
        return _unmatched(query, "no TMDb title is close" + (" within a year" if film.year is not None else ""))
    scored.sort(key=lambda s: (not s[0], -s[1], -s[2].vote_count))
    same_numbers, score, best = scored[0]
    runner_up = max((s for same, s, _ in scored[1:] if same), default=0.0)
    candidates = [_candidate(f, s / 100 * 0.75) for _, s, f in scored[:MAX_CANDIDATES]]
    if (
        film.year is not None
        and best.year == film.year
        and score >= FUZZY_MATCH_SCORE
        and score - runner_up >= FUZZY_MARGIN
        and same_numbers
    ):
        confidence = 0.8 + 0.1 * (score - FUZZY_MATCH_SCORE) / (100 - FUZZY_MATCH_SCORE)
        return _matched(query, best, confidence, f"close spelling ({score:.0f}/100), same year", candidates[1:])
    return _uncertain(query, candidates, f"only loosely similar titles (best {score:.0f}/100)")


# ---------------------------------------------------------------------------------------------------- helpers


def _names(film: TmdbFilm) -> set[str]:
    return {name for name in (normalize(film.title), normalize(film.original_title)) if name}


def _bare_names(film: TmdbFilm) -> set[str]:
    return {without_article(name) for name in _names(film)}


def _candidate(film: TmdbFilm, score: float) -> TmdbCandidate:
    return TmdbCandidate(film.tmdb_id, film.title, film.year, score, film)


def _matched(
    query: str, film: TmdbFilm, confidence: float, reason: str, others: Sequence[TmdbCandidate] = ()
) -> TmdbMatch:
    best = _candidate(film, confidence)
    others = tuple(c for c in others if c.tmdb_id != film.tmdb_id)[: MAX_CANDIDATES - 1]
    return TmdbMatch(query, film.tmdb_id, film.title, film.year, confidence, "matched", (best, *others), reason, film)


def _uncertain(query: str, candidates: Sequence[TmdbCandidate], reason: str) -> TmdbMatch:
    candidates = tuple(candidates[:MAX_CANDIDATES])
    confidence = min(max(c.score for c in candidates), MATCH_THRESHOLD - 0.01)
    return TmdbMatch(query, None, None, None, confidence, "uncertain", candidates, reason)


def _unmatched(query: str, reason: str) -> TmdbMatch:
    return TmdbMatch(query, None, None, None, 0.0, "unmatched", (), reason)


def _unanswered(query: str) -> TmdbMatch:
    return TmdbMatch(query, None, None, None, 0.0, "unmatched", (), NO_ANSWER, answered=False)


def _year_gap(wanted: int | None, found: int | None) -> int | None:
    """|difference| of the years, None when either is unknown."""
    return abs(int(wanted) - int(found)) if wanted is not None and found is not None else None
