"""Real Letterboxd members as a test set: the data, and each member's films split into hidden ones and an export.

The data (`../shared/data/letterboxd-members`, or `LBREC_MEMBERS_DIR`) is read in place and used for evaluation
only: nothing lbrec serves is fitted on it (its README says why). Its ratings have no dates, so nothing is "the
last film": for each member, `hide` takes 5 films rated 4 stars or more (8 of 10) that the served catalog knows and
a few rated 2 stars or less (4 of 10) (a `Split`), and the rest, in random order, become an export built in memory
(`export_zip`: ratings.csv and watched.csv as Letterboxd writes them), which goes through the product's own path:
`read_export`, `match_history` and the engine (`benchmarks.members.models`).

Every model ranks the same candidates: the films both the model and the members know (MovieLens films matched to
some film of films.csv), less everything the member rated. Per member: NDCG@10, HR@10 and Recall@50 over the hidden
loved films, and the bad-pick rate: the share of the hidden disliked films that reach the top 10.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from harness.files import SHARED
from lbrec.catalog.index import MatchIndex
from lbrec.catalog.matches import Match, match_films
from lbrec.catalog.normalize import FilmQuery
from lbrec.errors import LbrecError
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.history import DEFAULT_CHOICE
from lbrec.letterboxd.sources import match_history

LOVED = 8  # of 10: 4 stars or more, what `--from 4` recommends from
DISLIKED = 4  # of 10: 2 stars or less
N_LOVED = 5
N_DISLIKED = 3
K = 10
RECALL_AT = 50
PER_MEMBER = ("ndcg@10", "hr@10", "recall@50", "bad@10")
EXPORT_DATE = "2026-01-01"  # a bulk import: every film logged the same day, so the export's order is the given one


def members_dir() -> Path:
    """`LBREC_MEMBERS_DIR`, else ../shared/data/letterboxd-members beside the checkout (read in place)."""
    if env := os.environ.get("LBREC_MEMBERS_DIR"):
        return Path(env).expanduser().resolve()
    return SHARED / "data" / "letterboxd-members"


@dataclass
class MemberData:
    """The members' ratings (`member`, `film`: a row of `films`, `rating` 1-10) and the films they rated."""

    ratings: pd.DataFrame
    films: pd.DataFrame  # slug, title, year, ... in the column order of others_likes.npz
    folder: Path

    @cached_property
    def members(self) -> np.ndarray:
        return np.sort(self.ratings["member"].unique())

    def others_likes(self) -> sp.csr_matrix:
        """[other members, films]: 1 where another member (not in `ratings`) rated the film 4 stars or more."""
        return sp.load_npz(self.folder / "others_likes.npz").tocsr()

    def sample(self, n: int | None, seed: int = 0) -> np.ndarray:
        """`n` members drawn with a fixed seed (sorted), or all of them."""
        if n is None or n >= len(self.members):
            return self.members
        return np.sort(np.random.default_rng(seed).choice(self.members, n, replace=False))


def load_members(folder: str | os.PathLike[str] | None = None) -> MemberData:
    """The data set's members.parquet and films.csv; a missing file fails in one line."""
    folder = Path(folder) if folder is not None else members_dir()
    try:
        ratings = pd.read_parquet(folder / "members.parquet")
        films = pd.read_csv(folder / "films.csv", keep_default_na=False, na_values={"year": [""]})
    except (OSError, ValueError) as exc:
        raise LbrecError(f"cannot read the Letterboxd members in {folder} ({exc}); set LBREC_MEMBERS_DIR") from None
    row = pd.Series(np.arange(len(films)), index=films["slug"])
    film = row.reindex(ratings["slug"]).to_numpy()
    if np.isnan(film.astype(float)).any():
        raise LbrecError(f"{folder / 'members.parquet'} rates films that films.csv lacks")
    frame = pd.DataFrame(
        {
            "member": ratings["member"].to_numpy(),
            "film": film.astype(np.int64),
            "rating": ratings["rating"].to_numpy(np.int64),
        }
    )
    films = films.assign(
        title=[t if t else s.replace("-", " ") for t, s in zip(films["title"], films["slug"], strict=True)]
    )
    return MemberData(frame, films, folder)


def film_queries(films: pd.DataFrame) -> list[FilmQuery]:
    """Each film as an export row names it: title and year (the data has no TMDb or IMDb ids)."""
    return [
        FilmQuery(str(title), None if pd.isna(year) else int(year))
        for title, year in zip(films["title"], films["year"], strict=True)
    ]


def film_items(films: pd.DataFrame, catalog: MatchIndex, item_of: dict[int, int]) -> np.ndarray:
    """[films] the model's item index of each film (0: the catalog does not know it), matched as exports are."""
    matches = catalog.match_many(film_queries(films))
    return np.array([item_of.get(m.movie_id, 0) if m.movie_id is not None else 0 for m in matches], np.int64)


class RememberingIndex(MatchIndex):
    """The served catalog, remembering each film's answer across members: the same matches, each found once."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__(frame)
        self._answers: dict[tuple, Match] = {}

    def match_many(self, films: Iterable[FilmQuery]) -> list[Match]:
        films = list(films)
        asked = [f for f in films if _key(f) not in self._answers]
        for film, match in zip(asked, super().match_many(asked), strict=True):
            self._answers[_key(film)] = match
        return [self._answers[_key(f)] for f in films]


def _key(film: FilmQuery) -> tuple:
    return film.title, film.year, film.tmdb_id, film.imdb_id


@dataclass
class Split:
    """One member's films split: what the export gives, in its order, and the hidden films that must be found."""

    member: str
    given: np.ndarray  # rows of films, in the export's (random) order
    given_ratings: np.ndarray  # 1-10
    loved: np.ndarray  # item indices of the hidden films rated 4 stars or more
    disliked: np.ndarray  # item indices of the hidden films rated 2 stars or less


def hide(
    member: str,
    films: np.ndarray,
    ratings: np.ndarray,
    items: np.ndarray,
    rng: np.random.Generator,
    n_loved: int = N_LOVED,
    n_disliked: int = N_DISLIKED,
) -> Split:
    """Hide up to `n_loved` loved and `n_disliked` disliked films that the catalog knows (`items[film] > 0`); every
    film that matches a hidden film's item leaves the export too, and the rest is shuffled."""
    known = items[films] > 0
    loved = rng.permutation(np.flatnonzero(known & (ratings >= LOVED)))[:n_loved]
    disliked = rng.permutation(np.flatnonzero(known & (ratings <= DISLIKED)))[:n_disliked]
    hidden = np.union1d(items[films[loved]], items[films[disliked]])
    kept = rng.permutation(np.flatnonzero(~(known & np.isin(items[films], hidden))))
    return Split(member, films[kept], ratings[kept], np.unique(items[films[loved]]), np.unique(items[films[disliked]]))


def splits(
    data: MemberData, members: Sequence[str], items: np.ndarray, seed: int = 0, n_disliked: int = N_DISLIKED
) -> list[Split]:
    """`hide` for each member, each with its own generator from (seed, position), so a sample hides the same films
    whatever else runs (`n_disliked`: how many disliked films to hide at most)."""
    by_member = data.ratings.groupby("member", sort=True)
    out = []
    for position, member in enumerate(members):
        rows = by_member.get_group(member)
        rng = np.random.default_rng([seed, position])
        out.append(hide(member, rows["film"].to_numpy(), rows["rating"].to_numpy(), items, rng, n_disliked=n_disliked))
    return out


def export_zip(films: pd.DataFrame, rows: np.ndarray, ratings: np.ndarray) -> bytes:
    """A Letterboxd export (ratings.csv and watched.csv, one date for all) of films' `rows` rated `ratings` (1-10)."""
    watched, rated = io.StringIO(), io.StringIO()
    watched_csv, rated_csv = csv.writer(watched, lineterminator="\n"), csv.writer(rated, lineterminator="\n")
    watched_csv.writerow(["Date", "Name", "Year", "Letterboxd URI"])
    rated_csv.writerow(["Date", "Name", "Year", "Letterboxd URI", "Rating"])
    for row, rating in zip(rows, ratings, strict=True):
        title, year, slug = films["title"].iat[row], films["year"].iat[row], films["slug"].iat[row]
        fields = [EXPORT_DATE, title, "" if pd.isna(year) else str(int(year)), f"https://letterboxd.com/film/{slug}/"]
        watched_csv.writerow(fields)
        rated_csv.writerow([*fields, f"{rating / 2:g}"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("watched.csv", watched.getvalue())
        archive.writestr("ratings.csv", rated.getvalue())
    return buffer.getvalue()


@dataclass
class ProductInput:
    """What lbrec makes of a member's export: movieIds to recommend from, in the export's order, and all they rated."""

    loved: list[int]  # `--from 4`
    rated: list[int]  # `--from rated`
    default: list[int]  # what the default reads (`--from auto`: here the films rated 4 stars or more)
    recent: list[int]  # `--from recent`: the export's latest 50, the default before (any 50 of a bulk import)
    watched: set[int]  # every matched film: excluded from the ranking
    disliked: list[int]  # rated 2 stars or less
    unordered: bool = False  # the export's order is not real (`LetterboxdHistory.unordered`): a bulk import


def product_input(split: Split, films: pd.DataFrame, catalog: MatchIndex) -> ProductInput:
    """The export of `split` read and matched as `recommend --export` does."""
    history = read_export(export_zip(films, split.given, split.given_ratings), name=f"member {split.member}")
    loved, rated = match_history(history, catalog, "4"), match_history(history, catalog, "rated")
    default, recent = match_history(history, catalog, DEFAULT_CHOICE), match_history(history, catalog, "recent")
    disliked = [f for f in history.films if f.rating is not None and f.rating <= DISLIKED / 2]
    return ProductInput(
        loved.positives,
        rated.positives,
        default.positives,
        recent.positives,
        loved.watched,
        match_films(catalog, disliked).positives,
        history.unordered,
    )


def hidden_ranks(scores: np.ndarray, allowed: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """0-based ranks of `targets` among the `allowed` films of one row (ties to the lower index, as the protocol)."""
    masked = np.where(allowed, scores, -np.inf)
    values = masked[targets]
    above = (masked[None, :] > values[:, None]).sum(1)
    tied = ((masked[None, :] == values[:, None]) & (np.arange(len(masked))[None, :] < targets[:, None])).sum(1)
    return above + tied


def member_metrics(loved_ranks: np.ndarray, disliked_ranks: np.ndarray) -> dict[str, float]:
    """NDCG@10, HR@10 and Recall@50 over the hidden loved films; bad@10, the share of hidden disliked films in the top
    10 (NaN without any)."""
    ideal = (1.0 / np.log2(np.arange(min(len(loved_ranks), K)) + 2.0)).sum()
    gains = np.where(loved_ranks < K, 1.0 / np.log2(loved_ranks + 2.0), 0.0).sum()
    return {
        "ndcg@10": float(gains / ideal) if ideal else 0.0,
        "hr@10": float((loved_ranks < K).any()),
        "recall@50": float((loved_ranks < RECALL_AT).mean()) if len(loved_ranks) else 0.0,
        "bad@10": float((disliked_ranks < K).mean()) if len(disliked_ranks) else float("nan"),
    }


def catalog_gap(data: MemberData, items: np.ndarray, last_year: int) -> dict:
    """How much of what members love the catalog knows: the share of their loved films (rating >= 8) it knows,
    over all loved ratings and per member on average, and how many of the rest came out after `last_year`."""
    loved = data.ratings[data.ratings["rating"] >= LOVED]
    known = items[loved["film"].to_numpy()] > 0
    years = data.films["year"].to_numpy(dtype=float)[loved["film"].to_numpy()]
    newer = years[~known] > last_year
    per_member = pd.Series(known, index=loved["member"].to_numpy()).groupby(level=0).mean()
    return {
        "loved_ratings": len(loved),
        "known_share": float(known.mean()),
        "known_share_per_member": float(per_member.mean()),
        "unknown": int((~known).sum()),
        "unknown_newer_than_catalog": int(newer.sum()),
        "unknown_newer_share": float(newer.mean()),
        "catalog_last_year": int(last_year),
    }
