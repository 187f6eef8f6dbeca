"""Match Letterboxd films to MovieLens movies: exact ids first, then title and year, and never a namesake.

A wrong match is worse than none (it silently feeds the model a film the user never saw), so the rules are
strict and every answer carries a confidence and a status:

| evidence                                                               | confidence | status    |
|------------------------------------------------------------------------|------------|-----------|
| same TMDb or IMDb id, years within one of each other (or one unknown)  | 1.00       | matched   |
| same TMDb or IMDb id, years further apart (Andrei Rublev: 1966/1969)   | 0.90       | matched   |
| same normalised title or alternate title, same year                    | 0.97       | matched   |
| same title, year off by one (release vs premiere year)                 | 0.90       | matched   |
| same title as a part of a MovieLens title around a colon or dash       | 0.85       | matched   |
|   ("Star Wars" for "Star Wars: Episode IV - A New Hope"), same year    |            |           |
| close spelling (rapidfuzz >= 90), same year, same sequel numbers       | 0.80-0.90  | matched   |
| no year given: the one well-known movie of that title                  | 0.85       | matched   |
| no year given: a well-known movie rated 10x as often as its namesakes  | 0.80       | matched   |
| weaker: same title 2 years apart, a MovieLens movie without a year,    | < 0.80     | uncertain |
|   looser spelling, several namesakes and no year                       |            |           |
| nothing within a year, or only movies whose ids say they differ       | 0          | unmatched |

Titles are compared after `lbrec.catalog.normalize.normalize`: accents removed, case folded, `&` read as `and`,
punctuation dropped. MovieLens's inverted articles (`Matrix, The`) are already undone by
`lbrec.data.titles.split_title`; a leading article is also ignored as a fallback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from lbrec import paths
from lbrec.catalog.aliases import Aliases
from lbrec.catalog.matches import Candidate, Match
from lbrec.catalog.normalize import FilmQuery, normalize, parse_query, spelling, title_numbers, without_article
from lbrec.catalog.table import Catalog
from lbrec.data.titles import film_label
from lbrec.errors import ArtifactError

MATCH_THRESHOLD = 0.8  # a result at or above this confidence is "matched"; below, "uncertain"
FUZZY_MATCH_SCORE = 90.0  # rapidfuzz score (0-100) a misspelt title needs to be matched outright
FUZZY_CANDIDATE_SCORE = 75.0  # weaker spellings are only offered as candidates
FUZZY_MARGIN = 4.0  # the best spelling must beat the next different movie by this much
WELL_KNOWN_QUANTILE = 0.9  # "well known" = rated at least as often as 90% of the catalog
MAX_CANDIDATES = 5

_SEGMENT_SPLIT = re.compile(r"\s*(?::|\s-\s|\s–\s|\s—\s)\s*")
_TRAILING_YEAR = re.compile(r"\s*\(\d{4}[^()]*\)\s*$")


class MatchIndex:
    """The MovieLens catalog, indexed for matching. Build it from a `Catalog` (a `catalog.parquet` read), or from the
    columns of a prepared data set's catalog (`Dataset.catalog`)."""

    def __init__(self, catalog: Catalog | Mapping[str, Iterable[object]]):
        catalog = catalog if isinstance(catalog, Catalog) else Catalog.of(catalog)
        self.catalog = catalog
        self.movie_ids = catalog.movie_ids
        self.titles = catalog.titles
        self.years = catalog.years  # -1: unknown
        self.n_ratings = catalog.n_ratings
        self.well_known = float(np.quantile(self.n_ratings, WELL_KNOWN_QUANTILE)) if len(catalog) else 0.0
        self.tmdb_ids = catalog.tmdb_ids
        self.imdb_ids = catalog.imdb_ids
        self._by_tmdb = _group(self.tmdb_ids)
        self._by_imdb = _group(self.imdb_ids)
        self._exact: dict[str, list[int]] = {}  # normalised title or alternate -> rows
        self._bare: dict[str, list[int]] = {}  # the same without a leading article
        self._segment: dict[str, list[int]] = {}  # parts of a title around a colon or dash
        fuzzy_keys: list[str] = []
        fuzzy_numbers: list[frozenset[int]] = []
        fuzzy_rows: list[int] = []
        for row, (title, alternates, raw) in enumerate(
            zip(self.titles, catalog.alternates, catalog.raw_titles, strict=True)
        ):
            names = [title, *alternates, _TRAILING_YEAR.sub("", raw)]
            for name in names:
                key = normalize(name)
                if not key:
                    continue
                _add(self._exact, key, row)
                _add(self._bare, without_article(key), row)
                fuzzy_keys.append(spelling(key))
                fuzzy_numbers.append(title_numbers(key))
                fuzzy_rows.append(row)
            for part in _parts(title):
                if key := without_article(normalize(part)):
                    _add(self._segment, key, row)
        self._fuzzy_keys = np.array(fuzzy_keys, dtype=object)
        self._fuzzy_rows = np.array(fuzzy_rows, dtype=np.int64)
        self._fuzzy_numbers = np.array(fuzzy_numbers, dtype=object)
        self._fuzzy_years = self.years[self._fuzzy_rows] if fuzzy_rows else np.zeros(0, dtype=np.int64)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MatchIndex:
        """Read `catalog.parquet`, or the one inside a prepared data set folder."""
        path = Path(path)
        if path.is_dir():
            path = path / "catalog.parquet"
        try:
            return cls(Catalog.read(path))
        except ArtifactError as exc:
            raise ArtifactError(f"{exc}: run `python -m lbrec prepare`") from None

    def __len__(self) -> int:
        return len(self.movie_ids)

    @cached_property
    def aliases(self) -> Aliases:
        """What a watched film this index could not place most likely is, for leaving out (built on first use)."""
        return Aliases(self)

    # ------------------------------------------------------------------------------------------------ public

    def match(
        self,
        title: str,
        year: int | None = None,
        *,
        tmdb_id: int | None = None,
        imdb_id: int | None = None,
        query: str | None = None,
    ) -> Match:
        """Match one film; `query` is the text to report back (default: "Title (Year)")."""
        film = FilmQuery(title=title, year=year, tmdb_id=tmdb_id, imdb_id=imdb_id)
        return self._match(film, query if query is not None else film_label(film.title, film.year))

    def match_text(self, text: str) -> Match:
        """Match what a person typed: `Heat (1995)`, `The Matrix`, `tt0113277`."""
        return self._match(parse_query(text), text.strip())

    def match_many(self, films: Iterable[FilmQuery]) -> list[Match]:
        """Match a batch (e.g. a whole Letterboxd history); repeated films are matched once."""
        seen: dict[tuple, Match] = {}
        results = []
        for film in films:
            key = (film.title, film.year, film.tmdb_id, film.imdb_id)
            if key not in seen:
                seen[key] = self._match(film, film_label(film.title, film.year))
            results.append(seen[key])
        return results

    # ------------------------------------------------------------------------------------------------ steps

    def _match(self, film: FilmQuery, query: str) -> Match:
        by_id = self._by_id(film, query)
        if by_id is not None:
            return by_id
        key = normalize(film.title) if film.title else ""
        if not key:
            return _unmatched(query, "empty title")
        bare = without_article(key)
        fallback: Match | None = None  # the best non-match of the title stages, if they found the title at all
        for rows, evidence in (
            (self._exact.get(key, []), "title"),
            (self._bare.get(bare, []), "title without its article"),
        ):
            rows = [r for r in rows if not self._differs(film, r)]
            if rows:
                result = self._by_title(film, query, rows, evidence)
                if result.status == "matched":
                    return result
                if fallback is None or (fallback.status == "unmatched" and result.status == "uncertain"):
                    fallback = result
        if fallback is not None and fallback.status == "uncertain":
            return fallback
        segment_rows = [r for r in self._segment.get(bare, []) if not self._differs(film, r)]
        if film.year is not None:
            same_year = [r for r in segment_rows if self.years[r] == film.year]
            if len(same_year) == 1:
                return self._matched(query, same_year[0], 0.85, "same title as part of the MovieLens title")
        by_spelling = self._by_spelling(film, query, bare, segment_rows)
        if by_spelling.status != "unmatched" or fallback is None:
            return by_spelling
        return fallback

    def _by_id(self, film: FilmQuery, query: str) -> Match | None:
        for value, index, name in ((film.tmdb_id, self._by_tmdb, "TMDb"), (film.imdb_id, self._by_imdb, "IMDb")):
            rows = index.get(int(value), []) if value is not None else []
            if not rows:
                continue
            if len(rows) > 1:  # MovieLens links a few TMDb ids to two movies: let the title decide
                key = normalize(film.title)
                named = [r for r in rows if key in self._keys_of(r)] or rows
                rows = sorted(named, key=lambda r: -self.n_ratings[r])
            row = rows[0]
            gap = _year_gap(film.year, self.years[row])
            if gap is None or gap <= 1:
                return self._matched(query, row, 1.0, f"same {name} id", [self._candidate(r, 1.0) for r in rows])
            return self._matched(
                query, row, 0.9, f"same {name} id, though the years differ ({film.year} vs {self.years[row]})"
            )
        return None

    def _differs(self, film: FilmQuery, row: int) -> bool:
        """True when the row's own TMDb or IMDb id proves it is another film than the query's."""
        return (film.tmdb_id is not None and 0 <= self.tmdb_ids[row] != film.tmdb_id) or (
            film.imdb_id is not None and 0 <= self.imdb_ids[row] != film.imdb_id
        )

    def _by_title(self, film: FilmQuery, query: str, rows: list[int], evidence: str) -> Match:
        if film.year is None:
            return self._without_year(query, rows, evidence)
        gaps = {r: _year_gap(film.year, self.years[r]) for r in rows}
        for gap, confidence, reason in (
            (0, 0.97, f"same {evidence} and year"),
            (1, 0.90, f"same {evidence}, year off by one"),
        ):
            hits = sorted((r for r in rows if gaps[r] == gap), key=lambda r: -self.n_ratings[r])
            if hits:  # MovieLens lists a few films twice: take the better-known entry
                others = [self._candidate(r, confidence - 0.05) for r in hits[1:]]
                return self._matched(query, hits[0], confidence, reason, others)
        near = [r for r in rows if gaps[r] is None or gaps[r] == 2]
        if near:
            cands = [self._candidate(r, 0.6 if gaps[r] == 2 else 0.7) for r in near]
            why = "MovieLens has this title without a year" if gaps[near[0]] is None else "the years are 2 apart"
            return self._uncertain(query, cands, max(c.score for c in cands), f"same {evidence}, but {why}")
        return _unmatched(
            query,
            f"MovieLens has {self.titles[rows[0]]!r} only from other years "
            f"({', '.join(sorted({str(self.years[r]) for r in rows}))})",
        )

    def _without_year(self, query: str, rows: list[int], evidence: str) -> Match:
        rows = sorted(rows, key=lambda r: -self.n_ratings[r])
        top = rows[0]
        known = self.n_ratings[top] >= max(self.well_known, 1)
        if len(rows) == 1 and known:
            return self._matched(query, top, 0.85, f"same {evidence}; no year given, a well-known film")
        if len(rows) > 1 and known and self.n_ratings[top] >= 10 * max(self.n_ratings[rows[1]], 1):
            return self._matched(
                query,
                top,
                0.80,
                f"same {evidence}; no year given, by far the best-known of {len(rows)} films with this title",
                [self._candidate(r, 0.5) for r in rows[1:]],
            )
        cands = [self._candidate(r, 0.6 if len(rows) == 1 else 0.5) for r in rows]
        why = "a little-known film" if len(rows) == 1 else f"{len(rows)} films have this title"
        return self._uncertain(query, cands, cands[0].score, f"same {evidence}, but no year given and {why}")

    def _by_spelling(self, film: FilmQuery, query: str, key: str, segment_rows: list[int]) -> Match:
        """Fuzzy title match among movies within a year of the query (all movies when no year is given)."""
        if film.year is None:
            mask = np.ones(len(self._fuzzy_keys), dtype=bool)
        else:
            mask = (np.abs(self._fuzzy_years - film.year) <= 1) | (self._fuzzy_years < 0)
        keys, rows, numbers = self._fuzzy_keys[mask], self._fuzzy_rows[mask], self._fuzzy_numbers[mask]
        found = process.extract(
            spelling(key), list(keys), scorer=fuzz.ratio, limit=4 * MAX_CANDIDATES, score_cutoff=FUZZY_CANDIDATE_SCORE
        )
        best: dict[int, float] = {}
        same_numbers: set[int] = set()  # "Infernal Affairs 3" is not a misspelt "Infernal Affairs 2"
        for _, score, position in found:
            row = int(rows[position])
            if not self._differs(film, row):
                best[row] = max(best.get(row, 0.0), float(score))
                if numbers[position] == title_numbers(key):
                    same_numbers.add(row)
        for row in segment_rows:  # a subtitle match in another year is a candidate, never a match
            if _year_gap(film.year, self.years[row]) in (None, 1, 2):
                best.setdefault(row, 80.0)
        if not best:
            return _unmatched(query, "no MovieLens title is close" + (" within a year" if film.year else ""))
        ranked = sorted(
            best.items(), key=lambda item: (item[0] not in same_numbers, -item[1], -self.n_ratings[item[0]])
        )
        row, score = ranked[0]
        rivals = [s for r, s in ranked[1:] if r in same_numbers]
        runner_up = rivals[0] if rivals else 0.0
        cands = [self._candidate(r, s / 100 * 0.75) for r, s in ranked[:MAX_CANDIDATES]]
        if (
            film.year is not None
            and self.years[row] == film.year
            and score >= FUZZY_MATCH_SCORE
            and score - runner_up >= FUZZY_MARGIN
            and row in same_numbers
        ):
            confidence = 0.8 + 0.1 * (score - FUZZY_MATCH_SCORE) / (100 - FUZZY_MATCH_SCORE)
            return self._matched(query, row, confidence, f"close spelling ({score:.0f}/100), same year", cands[1:])
        return self._uncertain(query, cands, cands[0].score, f"only loosely similar titles (best {score:.0f}/100)")

    # ------------------------------------------------------------------------------------------------ helpers

    def _keys_of(self, row: int) -> set[str]:
        return {normalize(n) for n in [self.titles[row], *self.catalog.alternates[row]]}

    def _candidate(self, row: int, score: float) -> Candidate:
        year = int(self.years[row])
        return Candidate(int(self.movie_ids[row]), self.titles[row], year if year >= 0 else None, score)

    def _matched(self, query: str, row: int, confidence: float, reason: str, others: Sequence[Candidate] = ()) -> Match:
        best = self._candidate(row, confidence)
        others = tuple(c for c in others if c.movie_id != best.movie_id)[: MAX_CANDIDATES - 1]
        return Match(query, best.movie_id, best.title, best.year, confidence, "matched", (best, *others), reason)

    @staticmethod
    def _uncertain(query: str, candidates: Sequence[Candidate], confidence: float, reason: str) -> Match:
        confidence = min(confidence, MATCH_THRESHOLD - 0.01)
        return Match(query, None, None, None, confidence, "uncertain", tuple(candidates[:MAX_CANDIDATES]), reason)


def _unmatched(query: str, reason: str) -> Match:
    return Match(query, None, None, None, 0.0, "unmatched", (), reason)


def _parts(title: str) -> list[str]:
    """The pieces of `Star Wars: Episode IV - A New Hope` a Letterboxd title may be: each piece and each prefix."""
    pieces = _SEGMENT_SPLIT.split(title)
    if len(pieces) < 2:
        return []
    prefixes = [" ".join(pieces[:i]) for i in range(2, len(pieces))]
    return [*pieces, *prefixes]


def _year_gap(query_year: int | None, catalog_year: int) -> int | None:
    """|difference| of the years, None when either is unknown."""
    if query_year is None or catalog_year < 0:
        return None
    return abs(int(query_year) - int(catalog_year))


def _group(ids: np.ndarray) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for row, value in enumerate(ids.tolist()):
        if value >= 0:
            groups.setdefault(value, []).append(row)
    return groups


def _add(index: dict[str, list[int]], key: str, row: int) -> None:
    rows = index.setdefault(key, [])
    if row not in rows:
        rows.append(row)


def load_catalog(catalog: str | os.PathLike[str] | None = None, dataset: str = "ml-latest-small") -> MatchIndex:
    """The catalog at `catalog` (file or data set folder), else the prepared data set `dataset`'s."""
    return MatchIndex.load(Path(catalog) if catalog else paths.processed_dir(dataset))
