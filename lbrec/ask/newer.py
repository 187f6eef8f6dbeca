"""Films newer than the model, from TMDb, ranked for one person with what lbrec knows of them.

The model knows MovieLens's films up to its last year; for the rest, TMDb is the second catalog. Candidates are
TMDb's recommendations for the person's loved films (those the model knows, by their TMDb id, and those only TMDb
knows: `lbrec.ask.lookup`) and TMDb's well-voted releases since the model's last year. Each candidate is scored
from three parts, each standardised over the candidates:

- **evidence**: how many of the person's loved films point to it, each by `seed weight / log2(2 + its place in
  that film's list)`; a seed's weight is the person's stars for it (liked counts as 4) times how strongly the model
  ties that film to the rest of their taste (its percentile among every film, given their history; 0.5 for a film
  the model does not know);
- **taste**: the person's taste over TMDb's own fields (genres, original language, decade): how much more often
  each of the candidate's values is among their seeds than among the candidates, as a smoothed log ratio;
- **prior**: TMDb's votes, the count (a film many have seen and rated) and the average shrunk towards a typical 6.5.

score = evidence + `TASTE` x taste + `PRIOR` x prior. The reasons name the loved films that point to it most.

A film the person marked "not for me" on TMDb's side (`not_for_me`, TMDb ids) is never ranked, and when its record
is among the candidates TMDb offered, its genres count against the candidates in the taste: each genre more common
among those refused films than among the candidates takes its smoothed log ratio off (the taste's own measure, with
the refused films in the seeds' place; never a bonus). A choice, not measured: nothing records such marks to
measure it on; it weighs as much as one of the taste's values, and the taste as much as `TASTE` says.
Measured: docs/results.md, "Films newer than the model" (`python -m benchmarks.bench_newer`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lbrec.catalog.normalize import normalize
from lbrec.serving.filters import Filters
from lbrec.serving.results import FilmRef, NewerFilm
from lbrec.tmdb.records import TmdbFilm

TASTE = 0.5  # the taste's weight beside the evidence (standardised parts)
PRIOR = 0.5  # the votes' weight
TYPICAL_AVERAGE, SHRINK_VOTES = 6.5, 200  # a vote average shrunk towards 6.5, as if 200 votes had given it
SMOOTHING = 1.0  # pseudo-count of the taste's log ratios
MAX_REASONS = 3
# TMDb's genre names as the model's catalog (MovieLens) writes them: the one vocabulary of the options and cards.
MOVIELENS_GENRES = {"Science Fiction": "Sci-Fi", "Family": "Children", "Music": "Musical", "TV Movie": ""}


def tmdb_genre(genre: str) -> str:
    """A genre in the catalog's words as TMDb names it."""
    return next((name for name, ours in MOVIELENS_GENRES.items() if ours == genre), genre)


def catalog_genres(genres: Iterable[str]) -> tuple[str, ...]:
    """TMDb's genre names in the catalog's words (a genre the catalog lacks keeps TMDb's name; TV Movie goes)."""
    return tuple(dict.fromkeys(g for g in (MOVIELENS_GENRES.get(name, name) for name in genres) if g))


@dataclass(frozen=True)
class Seed:
    """One of the person's loved films, as the ranking reads it."""

    tmdb_id: int
    ref: FilmRef  # the film named as a reason (movieId None: a film only TMDb knows)
    weight: float
    genres: tuple[str, ...] = ()  # in the catalog's words
    language: str = ""  # original language (ISO 639-1), "" when not known
    year: int | None = None


@dataclass(frozen=True)
class Seen:
    """What the person has seen, as a TMDb film can be recognised: TMDb ids, and titles with their years."""

    tmdb_ids: frozenset[int]
    titles: Mapping[str, frozenset[int | None]]  # normalised title -> its years

    @classmethod
    def of(cls, tmdb_ids: Iterable[int], films: Iterable[tuple[str, int | None]]) -> Seen:
        titles: dict[str, set[int | None]] = defaultdict(set)
        for title, year in films:
            if key := normalize(title or ""):
                titles[key].add(year)
        return cls(frozenset(tmdb_ids), {key: frozenset(years) for key, years in titles.items()})

    def __contains__(self, film: TmdbFilm) -> bool:
        """Seen: the same TMDb id, or a title seen with a year within one (either year unknown counts)."""
        if film.tmdb_id in self.tmdb_ids:
            return True
        years = self.titles.get(normalize(film.title), frozenset()) | self.titles.get(
            normalize(film.original_title), frozenset()
        )
        year = film.year
        return any(y is None or year is None or abs(y - year) <= 1 for y in years)


@dataclass(frozen=True)
class Marks:
    """The films only TMDb knows that a person marked, by TMDb id: "not for me" and "seen it"."""

    not_for_me: frozenset[int] = frozenset()
    seen: frozenset[int] = frozenset()

    @property
    def leave_out(self) -> frozenset[int]:
        return self.not_for_me | self.seen


def rank_newer(
    seeds: Sequence[Seed],
    lists: Mapping[int, Sequence[TmdbFilm]],
    discovered: Sequence[TmdbFilm] = (),
    seen: Seen = Seen(frozenset(), {}),
    leave_out: Iterable[int] = (),
    filters: Filters = Filters(),
    k: int = 10,
    not_for_me: Iterable[int] = (),
) -> list[NewerFilm]:
    """The k best candidates for the person: TMDb's `lists` (a loved film's TMDb id -> its recommendations) and the
    `discovered` releases, less what they have `seen`, the TMDb ids to `leave_out` (the model's own films, films
    marked "seen it") and what the filters refuse; the TMDb ids marked `not_for_me` are left out and their genres
    count against the others (the module's docstring)."""
    pool, pointers = gather(seeds, lists, discovered)
    not_for_me = set(not_for_me)
    refused = set(leave_out) | not_for_me | {seed.tmdb_id for seed in seeds}
    candidates = [f for f in pool if f.tmdb_id not in refused and f not in seen and passes(f, filters)]
    candidates = within_band(candidates, filters.popularity)
    if not candidates:
        return []
    score = scores(seeds, candidates, pointers, [f for f in pool if f.tmdb_id in not_for_me])
    order = np.argsort(-score, kind="stable")[:k]
    return [newer_film(candidates[i], float(score[i]), pointers[candidates[i].tmdb_id]) for i in order]


Pointers = Mapping[int, list[tuple[float, Seed]]]  # a candidate's TMDb id -> (contribution, the seed pointing to it)


def gather(
    seeds: Sequence[Seed], lists: Mapping[int, Sequence[TmdbFilm]], discovered: Sequence[TmdbFilm] = ()
) -> tuple[list[TmdbFilm], Pointers]:
    """Every candidate once (the lists', then the releases'), and the seeds that point to each: a seed's weight
    over log2(2 + the candidate's place in its list)."""
    weight_of = {seed.tmdb_id: seed for seed in seeds}
    pool: dict[int, TmdbFilm] = {}
    pointers: dict[int, list[tuple[float, Seed]]] = defaultdict(list)
    for seed_id, films in lists.items():
        seed = weight_of.get(seed_id)
        for place, film in enumerate(films):
            pool.setdefault(film.tmdb_id, film)
            if seed is not None:
                pointers[film.tmdb_id].append((seed.weight / math.log2(2 + place), seed))
    for film in discovered:
        pool.setdefault(film.tmdb_id, film)
    return list(pool.values()), pointers


def scores(
    seeds: Sequence[Seed], candidates: Sequence[TmdbFilm], pointers: Pointers, refused: Sequence[TmdbFilm] = ()
) -> np.ndarray:
    """Each candidate's score: evidence + `TASTE` x taste + `PRIOR` x prior, each standardised over them; the
    `refused` films' genres count against them in the taste."""
    evidence = np.array([sum(c for c, _ in pointers.get(f.tmdb_id, ())) for f in candidates])
    taste = taste_scores(seeds, candidates, refused)
    prior = np.array([vote_prior(f) for f in candidates])
    return standardise(evidence) + TASTE * standardise(taste) + PRIOR * standardise(prior)


def newer_film(film: TmdbFilm, score: float, pointers: Sequence[tuple[float, Seed]]) -> NewerFilm:
    """The candidate as an answer shows it, with the loved films that point to it most as its reasons."""
    strongest = sorted(pointers, key=lambda pointer: -pointer[0])[:MAX_REASONS]
    return NewerFilm(
        movieId=None,
        title=film.title,
        year=film.year,
        genres=catalog_genres(film.genres),
        tmdbId=film.tmdb_id,
        imdbId=None,
        score=round(score, 6),
        because=[seed.ref for _, seed in strongest],
    )


def passes(film: TmdbFilm, filters: Filters) -> bool:
    """The filters' genres (in the catalog's words) and years, as the engine reads them for its own films."""
    genres = set(catalog_genres(film.genres))
    if filters.include_genres and not genres & filters.include_genres:
        return False
    if genres & filters.exclude_genres:
        return False
    first, last = filters.years
    if (first is not None or last is not None) and film.year is None:
        return False
    return not ((first is not None and film.year < first) or (last is not None and film.year > last))


def within_band(films: list[TmdbFilm], band: tuple[float, float]) -> list[TmdbFilm]:
    """The films within a band of popularity, as quantiles of their TMDb vote counts among them (0 = the fewest)."""
    if band == (0.0, 1.0) or len(films) < 2:
        return films
    counts = np.array([f.vote_count for f in films])
    quantile = counts.argsort(kind="stable").argsort(kind="stable") / (len(films) - 1)
    low, high = band
    return [f for f, q in zip(films, quantile, strict=True) if low <= q <= high]


def taste_scores(seeds: Sequence[Seed], candidates: Sequence[TmdbFilm], refused: Sequence[TmdbFilm] = ()) -> np.ndarray:
    """Each candidate's taste: the mean over its genres, language and decade of log((seeds' weighted share +
    smoothing) / (candidates' share + smoothing)), shares counted per hundred. A field's shares are over the films
    that have it: a seed whose language is not known (the model's own films) does not count against every language.
    A genre of the `refused` films (marked "not for me") takes off log((their share + smoothing) / (candidates'
    share + smoothing)) where that is above zero."""
    liked: dict[str, float] = defaultdict(float)
    weight_of = {
        field: sum(s.weight for s in seeds if features(s.genres, s.language, s.year, field)) for field in FIELDS
    }
    for seed in seeds:
        for field in FIELDS:
            for value in features(seed.genres, seed.language, seed.year, field):
                liked[value] += 100.0 * seed.weight / (weight_of[field] or 1.0)
    pool: dict[str, float] = defaultdict(float)
    candidate_features = [features(catalog_genres(f.genres), f.original_language, f.year) for f in candidates]
    having = {
        field: sum(1 for f in candidates if features(catalog_genres(f.genres), f.original_language, f.year, field))
        for field in FIELDS
    }
    for values in candidate_features:
        for value in values:
            pool[value] += 100.0 / (having[value.split(":", 1)[0]] or 1)
    against: dict[str, float] = defaultdict(float)
    for film in refused:
        for value in features(catalog_genres(film.genres), "", None):
            against[value] += 100.0 / len(refused)

    def value_taste(value: str) -> float:
        penalty = math.log((against[value] + SMOOTHING) / (pool[value] + SMOOTHING)) if value in against else 0.0
        return math.log((liked[value] + SMOOTHING) / (pool[value] + SMOOTHING)) - max(penalty, 0.0)

    return np.array([np.mean([value_taste(v) for v in values]) if values else 0.0 for values in candidate_features])


FIELDS = ("genre", "language", "decade")


def features(genres: Iterable[str], language: str, year: int | None, field: str | None = None) -> list[str]:
    """A film's values for the taste (`field`: one of `FIELDS` only): its genres, its original language, its decade."""
    values = [f"genre:{g}" for g in genres]
    if language:
        values.append(f"language:{language}")
    if year is not None:
        values.append(f"decade:{year // 10 * 10}")
    return [v for v in values if field is None or v.startswith(field + ":")]


def vote_prior(film: TmdbFilm) -> float:
    """How much TMDb's voters vouch for the film: the log of its vote count plus its average shrunk towards
    `TYPICAL_AVERAGE` (a film few have rated is taken as typical)."""
    shrunk = (film.vote_count * film.vote_average + SHRINK_VOTES * TYPICAL_AVERAGE) / (film.vote_count + SHRINK_VOTES)
    return math.log1p(film.vote_count) + shrunk


def standardise(values: np.ndarray) -> np.ndarray:
    """Zero mean, unit spread (all zeros when the values do not vary)."""
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values, dtype=float)
