"""The shelf of films newer than the model, for one person: their films the model lacks looked up on TMDb
(`lbrec.ask.lookup`), TMDb's recommendations for their loved films and its well-voted releases since the model's
last year, ranked for them (`lbrec.ask.newer`).

Everything goes through the person's own key, and the model's answer never waits for it nor depends on it: when
TMDb is slow, down, refuses the key or answers nonsense, the shelf holds what could be had (maybe nothing) and one
line says what is missing. Requests on a cold cache, kept a day: the lookups (at most `lookup.BUDGET`), one list per
seed (at most `SEEDS`) and `DISCOVER_PAGES` of releases; `Shelf.requests` counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from lbrec.ask.lookup import Lookup, lacking, look_up
from lbrec.ask.newer import Marks, Seed, Seen, catalog_genres, rank_newer, tmdb_genre
from lbrec.ask.person import Person
from lbrec.catalog.index import MatchIndex
from lbrec.errors import TmdbKeyError
from lbrec.letterboxd.history import FilmEntry
from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.reading import Reading
from lbrec.serving.results import FilmRef, NewerFilm
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.films import ask_many, discover, recommendations
from lbrec.tmdb.records import GENRE_IDS, TmdbFilm

SEEDS = 20  # loved films whose TMDb recommendations are asked: a request each on a cold cache
DISCOVER_PAGES = 1  # pages of well-voted releases since the model's last year (20 films a page)
MIN_VOTES = 200  # a release "well voted" on TMDb
UNRATED, LIKED = 3.5, 4.0  # the stars a film counts for without a rating, liked or not


@dataclass
class Shelf:
    """The newer films for one person, what was looked up on TMDb, and one line on what is missing (or "")."""

    films: list[NewerFilm] = field(default_factory=list)
    lookup: Lookup | None = None
    note: str = ""
    requests: int = 0
    last_year: int = 0  # the model's last year: a film after it is newer than its films, one before not in its catalog
    offered: Offers | None = None  # what TMDb offered, to rank again after a mark without asking it (`ranked_again`)
    seen: Seen | None = None  # what the person has seen, as the films offered are recognised

    def to_json(self) -> dict:
        """The shelf as an answer's JSON holds it: "newer" (its films), "tmdb" (the films looked up on TMDb: found,
        uncertain or not found, and how many were not looked up), "tmdb_note"."""
        return {
            "newer": [film.to_dict() for film in self.films],
            "tmdb": (self.lookup or Lookup([])).to_json(),
            "tmdb_note": self.note,
        }


def stars_weight(stars: float | None, liked: bool) -> float:
    """A loved film's weight from the person's stars: 5 stars 1, 4 stars 0.67, unrated 0.5; 2 stars or less 0."""
    value = stars if stars is not None else (LIKED if liked else UNRATED)
    return max(value - 2.0, 0.0) / 3.0


def model_seeds(engine: Recommender, person: Person, index: MatchIndex, reading: Reading) -> list[Seed]:
    """The person's films the model reads, weighted by their stars and by how strongly the model ties each to the
    rest of their taste (its percentile among every film, given their history)."""
    if not person.liked:
        return []
    standing = engine.standing(person.liked, reading=reading)
    percentiles = standing.percentiles()
    stars = person.ratings(index)
    liked = {m for f, m in person.matched.results if getattr(f, "liked", False) and m.movie_id is not None}
    seeds = []
    for movie_id in dict.fromkeys(person.liked):
        item = engine.item_of(movie_id)
        film = engine.film(item) if item is not None else None
        weight = stars_weight(stars.get(movie_id), movie_id in liked)
        if film is None or film.tmdbId is None or weight <= 0:
            continue
        tie = percentiles[item] / 100.0
        ref = FilmRef(film.movieId, film.title, film.year)
        seeds.append(Seed(film.tmdbId, ref, weight * (0.5 + tie), film.genres, "", film.year))
    return seeds


def tmdb_seeds(lookup: Lookup) -> list[Seed]:
    """The person's films only TMDb knows, weighted by their stars (the model cannot tie them to their taste: a
    middling 0.5 for that part)."""
    seeds = []
    for entry, match in lookup.matched:
        weight = stars_weight(getattr(entry, "rating", None), getattr(entry, "liked", False))
        if weight <= 0 or match.tmdb_id is None:
            continue
        film = match.film
        genres = catalog_genres(film.genres) if film is not None else ()
        language = film.original_language if film is not None else ""
        year = match.year if match.year is not None else entry.year
        seeds.append(
            Seed(match.tmdb_id, FilmRef(None, match.title or entry.title, year), weight, genres, language, year)
        )
    return seeds


@dataclass
class Offers:
    """What TMDb offers one person: their seeds (loved films with a TMDb id, weighted), what was looked up of their
    films the model lacks, each seed's recommendations and the releases since the model's last year; what the
    shelf ranks, and what a film a person names is placed among (`lbrec.ask.placing`)."""

    seeds: list[Seed]
    lookup: Lookup
    lists: dict[int, list[TmdbFilm]]
    discovered: list[TmdbFilm]
    troubled: bool  # TMDb did not answer for some of it


def offers(
    engine: Recommender,
    tmdb: TmdbClient,
    person: Person,
    index: MatchIndex,
    reading: Reading = Reading(),
    progress: Callable[[str], None] = lambda _: None,
) -> Offers:
    """Ask TMDb what it offers `person` (the requests of the module's docstring). A refused key raises
    `TmdbKeyError`."""
    progress("Looking up on TMDb the films this model lacks…")
    missing = lacking(person.matched, engine.knows, engine.year_range[1])
    lookup = look_up(tmdb, missing).with_confirmed(person.confirmed_on_tmdb)  # with the person's picks
    seeds = sorted([*model_seeds(engine, person, index, reading), *tmdb_seeds(lookup)], key=lambda s: -s.weight)
    progress("Asking TMDb for newer films…")
    lists = ask_many(tmdb, recommendations, [seed.tmdb_id for seed in seeds[:SEEDS]])
    troubled = tmdb.trouble or not lookup.answered
    since = date(engine.year_range[1] + 1, 1, 1)
    genres = [GENRE_IDS[g] for g in _loved_genres(seeds) if g in GENRE_IDS]
    discovered: list[TmdbFilm] = []
    for page in range(1, DISCOVER_PAGES + 1):
        found = discover(tmdb, since, min_votes=MIN_VOTES, genre_ids=genres, page=page)
        troubled = troubled or found is None
        discovered += found or []
    return Offers(seeds, lookup, {seed: films for seed, films in lists.items() if films}, discovered, troubled)


def newer_shelf(
    engine: Recommender,
    tmdb: TmdbClient,
    person: Person,
    index: MatchIndex,
    filters: Filters = Filters(),
    reading: Reading = Reading(),
    also_seen: Sequence[FilmEntry] = (),
    k: int = 10,
    progress: Callable[[str], None] = lambda _: None,
    marks: Marks = Marks(),
) -> Shelf:
    """The k newer films for `person`; `also_seen`: films to leave out as if seen (their watchlist, when asked);
    `marks`: the films only TMDb knows that they marked."""
    before = tmdb.requests_made
    try:
        offered = offers(engine, tmdb, person, index, reading, progress)
    except TmdbKeyError as exc:
        return Shelf(note=f"{exc}: only the model's own films are shown", requests=tmdb.requests_made - before)
    seen = Seen.of(
        [*offered.lookup.tmdb_ids, *_model_tmdb_ids(engine, person.seen), *(f.tmdb_id for f in also_seen if f.tmdb_id)],
        [(film.title, film.year) for film in (*person.history.films, *also_seen)],
    )
    note = "TMDb did not answer for some films: the newer films may be fewer than they could be"
    troubled = note if offered.troubled else ""
    films = ranked_again(engine, offered, seen, filters, marks, k)
    return Shelf(films, offered.lookup, troubled, tmdb.requests_made - before, engine.year_range[1], offered, seen)


def ranked_again(
    engine: Recommender, offered: Offers, seen: Seen, filters: Filters, marks: Marks, k: int
) -> list[NewerFilm]:
    """The k newer films ranked from what TMDb `offered` (first, and again after a mark, at once: nothing is asked
    of TMDb), less what the person has `seen` and none of the films only TMDb knows that they `marks`ed, the refused
    ones' genres against the others (`lbrec.ask.newer`)."""
    leave_out = engine.tmdb_ids | marks.seen
    return rank_newer(offered.seeds, offered.lists, offered.discovered, seen, leave_out, filters, k, marks.not_for_me)


def _model_tmdb_ids(engine: Recommender, movie_ids: set[int]) -> set[int]:
    """The TMDb ids of these MovieLens films that the model knows."""
    items = [item for movie_id in movie_ids if (item := engine.item_of(movie_id)) is not None]
    return {tmdb_id for item in items if (tmdb_id := engine.film(item).tmdbId) is not None}


def _loved_genres(seeds: list[Seed], top: int = 3) -> list[str]:
    """The TMDb names of the genres that weigh most among the seeds."""
    weights: dict[str, float] = {}
    for seed in seeds:
        for genre in seed.genres:
            weights[genre] = weights.get(genre, 0.0) + seed.weight
    return [tmdb_genre(g) for g in sorted(weights, key=lambda g: -weights[g])[:top]]
