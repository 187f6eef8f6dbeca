"""The members' films as a loopback TMDb knows them, and how much of what members love lbrec reads with a key.

`tmdb_table` turns films.csv into the rows of `harness.tmdb_table`: each film gets a TMDb id (the real one of the
MovieLens film it matches, so that the model's films are asked of TMDb by the ids the product sends; else
`UNKNOWN_IDS` + its row), its title, year, TMDb's release date, genres, language, runtime and popularity; the `tv`
rows are TV, which TMDb's movie calls never answer. The data has no vote counts: `votes` may stand in for them.
`background_tmdb` serves such a table from a process of its own (as TMDb would be: its searches do not share the
client's interpreter lock). `read_members` sends each member's whole export through the product's path with a key
and says, film by film, who read each loved film: the model, TMDb (the right film or not), or nobody and why.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from benchmarks.common import served_apart
from benchmarks.members.data import MemberData, RememberingIndex, export_zip, film_queries
from harness.tmdb_server import IMAGES, V3_KEY
from lbrec.ask.lookup import lacking, look_up
from lbrec.ask.options import Options
from lbrec.ask.questions import Ask
from lbrec.catalog.matches import Match
from lbrec.catalog.table import Catalog
from lbrec.letterboxd.export import read_export
from lbrec.tmdb.client import TMDB_API, TMDB_IMAGES, TmdbClient
from lbrec.tmdb.match import TmdbMatch

UNKNOWN_IDS = 10_000_000  # ids of the films no MovieLens film matches: above every TMDb id of today's films
READ = Options(choice="4")  # the members' loved films: `--from 4`
# What became of a loved film, in the order a table shows them
OUTCOMES = (
    "model",  # the model reads it
    "tmdb",  # TMDb found it: the right film
    "tmdb, another film",  # TMDb matched it to another film
    "tmdb, uncertain",  # TMDb's search left candidates to choose from: the person picks
    "tmdb, not found",  # looked up, not found (TV: TMDb's movie search never finds it)
    "over the budget",  # lacking, not looked up: over `lookup.BUDGET` for this person
    "movielens, uncertain",  # candidates in the catalog, no newer than the model: the person picks (not looked up)
)


@dataclass
class TmdbTable:
    """films.csv as the loopback TMDb's rows, and each film's TMDb id there (by films.csv row)."""

    rows: list[dict]
    ids: np.ndarray  # int64 [films]
    tv: np.ndarray  # bool [films]: TMDb files it as TV


def tmdb_table(data: MemberData, catalog: Catalog, votes: np.ndarray | None = None) -> TmdbTable:
    """The rows of a loopback TMDb that knows every film of `data` (see the module's docstring); `votes`: a vote
    count for each film (None: 0, as the data has none)."""
    films = data.films
    matches = RememberingIndex(catalog).match_many(film_queries(films))
    tmdb_of = {int(m): int(t) for m, t in zip(catalog.movie_ids, catalog.tmdb_ids, strict=True) if t > 0}
    ids, taken = np.zeros(len(films), np.int64), set()
    for row, match in enumerate(matches):
        tmdb_id = tmdb_of.get(match.movie_id) if match.movie_id is not None and match.status == "matched" else None
        ids[row] = tmdb_id if tmdb_id is not None and tmdb_id not in taken else UNKNOWN_IDS + row
        taken.add(int(ids[row]))
    tv = (films["content_type"] == "tv").to_numpy()
    rows = [
        {
            "id": int(ids[row]),
            "title": film.title,
            "year": None if pd.isna(film.year) else int(film.year),
            "release_date": film.release_date,
            "genres": film.genres,
            "language": film.language,
            "runtime": film.runtime,
            "popularity": film.popularity,
            "vote_count": 0 if votes is None else int(votes[row]),
            "content_type": film.content_type,
        }
        for row, film in enumerate(films.itertuples(index=False))
    ]
    return TmdbTable(rows, ids, tv)


def others_votes(data: MemberData) -> np.ndarray:
    """A stand-in for TMDb's vote counts: how many of the other members love each film."""
    return np.asarray(data.others_likes().sum(0)).ravel().astype(np.int64)


def tmdb_client(url: str, cache_dir: str | os.PathLike[str], key: str = V3_KEY) -> TmdbClient:
    """A client of the TMDb at `url` (TMDb itself, or a loopback one), its answers cached in `cache_dir`."""
    images = TMDB_IMAGES if url == TMDB_API else url + IMAGES
    return TmdbClient(key, api_url=url, image_url=images, cache_dir=cache_dir)


def _serve(rows: list[dict], latency: float, url: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    from harness.tmdb_server import LoopbackTmdb

    with LoopbackTmdb(rows, latency) as tmdb:
        url.put(tmdb.url)
        stop.wait()
        url.put((len(tmdb.hits), tmdb.server.max_in_flight))


def background_tmdb(rows: list[dict], latency: float = 0.0) -> contextlib.AbstractContextManager[tuple[str, dict]]:
    """A loopback TMDb over `rows` in a process of its own: (its URL, what it saw: filled in on exit with the
    requests it answered and the most it had in flight)."""
    return served_apart(_serve, (rows, latency), "spawn")  # a fresh interpreter: no thread of this one is forked


# ---------------------------------------------------------------------------------------------------- reading


@dataclass
class Read:
    """What became of one member's loved films: through the product's path (`Ask.newer`, its budget), and film by
    film with every film the model lacks looked up, with its place in the order the lookups go (None: not looked
    up), so that any budget can be read off."""

    product: Counter  # outcome -> loved films, with the product's budget
    outcomes: list[str]  # with no budget
    places: list[int | None]
    rows: list[int]  # films.csv rows
    tv: int  # loved films TMDb files as TV


def member_export(data: MemberData, member: str) -> bytes:
    """A member's every rating as a Letterboxd export (in films.csv's order: the data has no dates)."""
    rows = data.ratings[data.ratings["member"] == member]
    return export_zip(data.films, rows["film"].to_numpy(), rows["rating"].to_numpy())


def slug_of(uri: str | None) -> str:
    return (uri or "").rstrip("/").rsplit("/", 1)[-1]


def outcome(
    engine_knows: Callable[[int], bool], match: Match, looked_up: TmdbMatch | None, tmdb_id: int, lacked: bool
) -> str:
    """What became of one loved film (`OUTCOMES`): its catalog match, and what TMDb said when it was looked up
    (`tmdb_id`: the film's own id on the loopback TMDb; `lacked`: a film the product would look up)."""
    if match.status == "matched" and match.movie_id is not None and engine_knows(match.movie_id):
        return "model"
    if match.status == "uncertain" and not lacked:
        return "movielens, uncertain"
    if looked_up is None:
        return "over the budget"
    if looked_up.status == "matched":
        return "tmdb" if looked_up.tmdb_id == tmdb_id else "tmdb, another film"
    return "tmdb, uncertain" if looked_up.status == "uncertain" else "tmdb, not found"


def read_member(ask: Ask, table: TmdbTable, data: MemberData, member: str) -> Read:
    """`member`'s whole export given to `ask` (with a key) as `Ask.newer` reads it (`--from 4`), then every film
    the model lacks looked up (the product's lookups are cached: only the films over its budget cost requests)."""
    person = ask.person(read_export(member_export(data, member), name=f"member {member}"), READ)
    product = ask.newer(person, READ).lookup
    lacked = lacking(person.matched, ask.engine.knows, ask.engine.year_range[1])
    every = look_up(ask.tmdb, lacked, budget=10**9)  # type: ignore[arg-type]
    looked_for = {id(film) for film in lacked}
    row_of = {slug: row for row, slug in enumerate(data.films["slug"])}
    rows = [row_of[slug_of(film.uri)] for film, _ in person.matched.results]  # type: ignore[attr-defined]
    found = {id(film): (place, match) for place, (film, match) in enumerate(every.found)}
    in_budget = {id(film): match for film, match in product.found} if product is not None else {}
    read = Read(Counter(), [], [], rows, int(table.tv[rows].sum()))
    for (film, match), row in zip(person.matched.results, rows, strict=True):
        place, looked_up = found.get(id(film), (None, None))
        lack = id(film) in looked_for
        read.product[outcome(ask.engine.knows, match, in_budget.get(id(film)), table.ids[row], lack)] += 1
        read.outcomes.append(outcome(ask.engine.knows, match, looked_up, table.ids[row], lack))
        read.places.append(place)
    return read


def read_members(ask: Ask, table: TmdbTable, data: MemberData, members: Sequence[str]) -> list[Read]:
    return [read_member(ask, table, data, m) for m in tqdm(members, desc="members read", leave=False)]


def with_budget(read: Read, budget: int | None) -> Counter:
    """The member's outcomes had `budget` films been looked up (None: all of them)."""
    over = [budget is not None and place is not None and place >= budget for place in read.places]
    return Counter("over the budget" if o else name for name, o in zip(read.outcomes, over, strict=True))


def shares(reads: Sequence[Read], budget: int | None) -> dict:
    """The share of loved films read without a key (the model) and with one (the model, or TMDb: the right film)
    with `budget` lookups, over every loved rating and per member on average, and each outcome's count."""
    per_member = [with_budget(read, budget) for read in reads]
    total = sum(per_member, Counter())
    loved = sum(total.values())

    def share(counts: Counter, with_key: bool) -> float:
        return (counts["model"] + (counts["tmdb"] if with_key else 0)) / max(sum(counts.values()), 1)

    return {
        "budget": budget,
        "loved": loved,
        "without_key": share(total, False),
        "with_key": share(total, True),
        "with_key_per_member": float(np.mean([share(c, True) for c in per_member])),
        "outcomes": {name: total[name] for name in OUTCOMES},
        "members_over_the_budget": sum(1 for c in per_member if c["over the budget"]),
    }
