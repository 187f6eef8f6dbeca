"""Ranking films newer than the model for real members: each member's hidden newer loved films, and how high each
ranking puts them, offline (the dev set's newer films, their fields only) and live (TMDb's own answers).

`newer_cases` hides `N_HIDDEN` loved films released after the model's last year (films TMDb lists as films, none of
them the model's) from each member who has that many; the rest of their ratings, shuffled, become an export that
goes through the product's path (`Ask.person`, `--from 4`). The seeds are the product's: what `Ask.newer` asks of
TMDb (`lbrec.ask.shelf.offers`: the films the model lacks looked up, the seeds, their lists and the releases).

Offline (`offline_ranks`) every ranking orders the same candidates: the dev set's newer films less what the product
leaves out as seen. lbrec's is `rank_newer` itself with the seeds, but no TMDb lists (the loopback's are a stand-in,
left aside: so no evidence) and no vote counts (so no prior): its taste over genres, language and decade alone.
Beside it: films.csv's TMDb popularity, newest first, and most loved among the other members (`others_likes.npz`:
the in-domain reference, never served).

Live (`live_ranks`): the shelf `Ask.newer` answers with TMDb's own recommendations, against the same candidates
(what TMDb offered, less what the person has seen) by TMDb's popularity, and against TMDb's well-voted releases since
the model's last year by popularity and newest first (TMDb's discover); the hidden films are found on TMDb by title
and year, as an export's rows are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import numpy as np
from tqdm.auto import tqdm

from benchmarks.members.data import LOVED, MemberData, export_zip, member_metrics
from benchmarks.members.newer import READ, TmdbTable
from harness.tmdb_table import film_from
from lbrec.ask.newer import Seed, Seen, gather, rank_newer
from lbrec.ask.options import Options
from lbrec.ask.person import Person
from lbrec.ask.questions import Ask
from lbrec.ask.shelf import MIN_VOTES, Offers, offers
from lbrec.catalog.normalize import FilmQuery
from lbrec.letterboxd.export import read_export
from lbrec.serving.engine import Recommender
from lbrec.tmdb.films import discover
from lbrec.tmdb.match import match_films
from lbrec.tmdb.records import TmdbFilm, listed_film

N_HIDDEN = 5
METRICS = ("ndcg@10", "hr@10", "recall@50")
LBREC = "lbrec (taste: genres, language, decade)"
OFFLINE = (LBREC, "TMDb popularity (films.csv)", "newest first", "most loved by other members (in-domain)")
LIVE_PAGES = 3  # pages of TMDb's discover a baseline reads: 60 films, enough for 10 a member has not rated
LIVE = (
    "lbrec (Ask.newer: TMDb's recommendations, ranked by lbrec)",
    "the same candidates by TMDb popularity",
    "TMDb's releases by popularity",
    "TMDb's releases, newest first",
)


@dataclass
class NewerCase:
    """One member: the films.csv rows their export gives (shuffled) with their ratings, and the hidden ones."""

    member: str
    given: np.ndarray
    given_ratings: np.ndarray
    hidden: np.ndarray


def newer_films(data: MemberData, table: TmdbTable, engine: Recommender) -> np.ndarray:
    """[films] bool: released after the model's last year, a film on TMDb (not TV), and none of the model's."""
    years = data.films["year"].to_numpy(dtype=float)
    ours = np.isin(table.ids, np.fromiter(engine.tmdb_ids, np.int64))
    return (years > engine.year_range[1]) & ~table.tv & ~ours


def newer_cases(data: MemberData, members: Sequence[str], newer: np.ndarray, seed: int = 0) -> list[NewerCase]:
    """The members (of `members`) with at least `N_HIDDEN` loved `newer` films, each with `N_HIDDEN` of them hidden
    by a generator of its own (seed, position), so that a sample hides the same films whatever else runs."""
    by_member = data.ratings.groupby("member", sort=True)
    cases = []
    for position, member in enumerate(members):
        rows = by_member.get_group(member)
        films, ratings = rows["film"].to_numpy(), rows["rating"].to_numpy()
        loved = np.flatnonzero(newer[films] & (ratings >= LOVED))
        if len(loved) < N_HIDDEN:
            continue
        rng = np.random.default_rng([seed, position])
        hidden = rng.permutation(loved)[:N_HIDDEN]
        kept = rng.permutation(np.setdiff1d(np.arange(len(films)), hidden))
        cases.append(NewerCase(member, films[kept], ratings[kept], films[hidden]))
    return cases


def person_of(ask: Ask, data: MemberData, case: NewerCase) -> Person:
    """The member's export of the given films, read as the product reads it (`--from 4`)."""
    zipped = export_zip(data.films, case.given, case.given_ratings)
    return ask.person(read_export(zipped, name=f"member {case.member}"), READ)


def offers_of(ask: Ask, person: Person) -> Offers:
    """What TMDb offers the person, as `Ask.newer` asks it (`lbrec.ask.shelf.offers`): their seeds, the lookups of
    their films the model lacks, their seeds' lists and the releases."""
    return offers(ask.engine, ask.tmdb, person, ask.index, person.reading(READ.reading))  # type: ignore[arg-type]


def ranks_in(order: Sequence[int], hidden: Sequence[int]) -> np.ndarray:
    """0-based places of `hidden` TMDb ids in `order` (len(order) + a large number for one absent)."""
    place = {tmdb_id: i for i, tmdb_id in enumerate(order)}
    return np.array([place.get(int(h), 10**9) for h in hidden], dtype=np.int64)


def by_score(ids: np.ndarray, scores: np.ndarray) -> list[int]:
    """`ids` best score first (ties in the given order)."""
    return [int(ids[i]) for i in np.argsort(-scores, kind="stable")]


def metrics_of(ranks: dict[str, list[np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    """{ranking: {metric: [members]}} from each ranking's ranks of every member's hidden films."""
    out = {}
    for name, rows in ranks.items():
        per_member = [member_metrics(r, np.array([], np.int64)) for r in rows]
        out[name] = {metric: np.array([m[metric] for m in per_member]) for metric in METRICS}
    return out


# ---------------------------------------------------------------------------------------------------- offline


def candidate_films(table: TmdbTable, rows: np.ndarray) -> list[TmdbFilm]:
    """The films of `rows` as TMDb would list them (the loopback table's answer, read by the product's reader)."""
    films = [listed_film(film_from(table.rows[row], row).listed()) for row in rows]
    return [film for film in films if film is not None]


Variant = Callable[[list[Seed]], list[Seed]]  # the seeds as an experiment changes them


def offline_ranks(
    ask: Ask,
    data: MemberData,
    table: TmdbTable,
    cases: Sequence[NewerCase],
    newer: np.ndarray,
    variants: Mapping[str, Variant] = MappingProxyType({}),
) -> tuple[dict[str, dict[str, np.ndarray]], dict]:
    """Every offline ranking's per-member metrics (`OFFLINE`, then lbrec's ranking with the seeds of each of
    `variants`), and what they ranked."""
    rows = np.flatnonzero(newer)
    films = candidate_films(table, rows)
    row_of = {film.tmdb_id: row for film, row in zip(films, rows, strict=True)}
    ids = np.array([film.tmdb_id for film in films], np.int64)
    candidate_rows = np.array([row_of[i] for i in ids])
    popularity = np.array([film.popularity for film in films])
    released = np.array([film.release_date for film in films])
    newest = np.argsort(np.argsort(released, kind="stable"), kind="stable").astype(float)
    loved_by_others = np.asarray(data.others_likes()[:, candidate_rows].sum(0)).ravel().astype(float)
    ranks: dict[str, list[np.ndarray]] = {name: [] for name in [*OFFLINE, *variants]}
    ranked, left_out, seeds_per_member = [], 0, []
    for case in tqdm(cases, desc="members ranked", leave=False):
        person = person_of(ask, data, case)
        offered = offers_of(ask, person)  # its lists and releases left aside: no TMDb answer is known offline
        seeds = offered.seeds
        seen = Seen.of(offered.lookup.tmdb_ids, [(film.title, film.year) for film in person.history.films])
        order = [f.tmdbId for f in rank_newer(seeds, {}, films, seen, ask.engine.tmdb_ids, k=len(films))]
        hidden = table.ids[case.hidden]
        allowed = np.isin(ids, order)
        left_out += int((~np.isin(hidden, order)).sum())
        ranks[LBREC].append(ranks_in(order, hidden))
        for name, scores in zip(OFFLINE[1:], (popularity, newest, loved_by_others), strict=True):
            ranks[name].append(ranks_in(by_score(ids[allowed], scores[allowed]), hidden))
        for name, variant in variants.items():
            changed = rank_newer(variant(seeds), {}, films, seen, ask.engine.tmdb_ids, k=len(films))
            ranks[name].append(ranks_in([f.tmdbId for f in changed], hidden))
        ranked.append(len(order))
        seeds_per_member.append(len(seeds))
    return metrics_of(ranks), {
        "members": len(cases),
        "newer_films": len(films),
        "ranked_per_member": float(np.mean(ranked)),
        "seeds_per_member": float(np.mean(seeds_per_member)),
        "hidden_left_out_as_seen": left_out,
    }


# ---------------------------------------------------------------------------------------------------- live


def tmdb_releases(ask: Ask, sort_by: str) -> list[TmdbFilm]:
    """TMDb's well-voted releases since the model's last year (`LIVE_PAGES` pages), sorted by `sort_by`."""
    since = date(ask.engine.year_range[1] + 1, 1, 1)
    pages = [discover(ask.tmdb, since, min_votes=MIN_VOTES, sort_by=sort_by, page=p) for p in range(1, LIVE_PAGES + 1)]  # type: ignore[arg-type]
    return [film for page in pages for film in page or []]


def live_ranks(ask: Ask, data: MemberData, cases: Sequence[NewerCase]) -> tuple[dict[str, dict[str, np.ndarray]], dict]:
    """Every live ranking's per-member metrics (`LIVE`) over the members whose hidden films TMDb finds, and what
    it took (requests, hidden films found)."""
    tmdb = ask.tmdb
    assert tmdb is not None
    before = tmdb.requests_made
    popular, newest = tmdb_releases(ask, "popularity.desc"), tmdb_releases(ask, "primary_release_date.desc")
    ranks: dict[str, list[np.ndarray]] = {name: [] for name in LIVE}
    found_hidden, shelf_requests, in_pool, tmdb_ids = [], [], 0, ask.engine.tmdb_ids
    for case in tqdm(cases, desc="members asked of TMDb", leave=False):
        queries = [FilmQuery(str(data.films["title"].iat[r]), _year(data.films["year"].iat[r])) for r in case.hidden]
        hidden = [m.tmdb_id for m in match_films(tmdb, queries) if m.status == "matched" and m.tmdb_id]
        found_hidden.append(len(hidden))
        if not hidden:
            continue
        person = person_of(ask, data, case)
        shelf = ask.newer(person, Options(choice=READ.choice, k=10))
        shelf_requests.append(shelf.requests)
        order = [f.tmdbId for f in shelf.films]
        ranks[LIVE[0]].append(ranks_in(order, hidden))
        offered = offers_of(ask, person)  # what the shelf ranked, from the cache
        seen = Seen.of(offered.lookup.tmdb_ids, [(f.title, f.year) for f in person.history.films])
        pool, _ = gather(offered.seeds, offered.lists, offered.discovered)
        popularity = {film.tmdb_id: film.popularity for film in pool}
        ranked = rank_newer(offered.seeds, offered.lists, offered.discovered, seen, tmdb_ids, k=len(pool))
        candidates = [film.tmdbId for film in ranked]
        in_pool += len(set(candidates) & set(hidden))
        ranks[LIVE[1]].append(ranks_in(sorted(candidates, key=lambda i: -popularity[i]), hidden))
        for name, films in zip(LIVE[2:], (popular, newest), strict=True):
            unseen = [film.tmdb_id for film in films if film not in seen and film.tmdb_id not in tmdb_ids]
            ranks[name].append(ranks_in(unseen, hidden))
    return metrics_of(ranks), {
        "members": len(ranks[LIVE[0]]),
        "members_asked": len(cases),
        "hidden_found_on_tmdb": int(sum(found_hidden)),
        "hidden": N_HIDDEN * len(cases),
        "hidden_among_tmdbs_candidates": in_pool,
        "requests": tmdb.requests_made - before,
        "shelf_requests_median": float(np.median(shelf_requests)) if shelf_requests else None,
    }


def _year(value: object) -> int | None:
    return None if value != value else int(value)  # NaN: no year
