"""A watched film's aliases: the catalog's films that a watched film the matcher could not place most likely is
(another name of it), left out of every answer so that nothing already seen comes back.

Matching a film to recommend from must be strict (a wrong match feeds the model a film the person never saw), but
leaving a film out can be looser: a film wrongly left out costs one film among thousands, a film seen twice costs
the person's trust. Letterboxd and MovieLens often name one film differently: "Life of Brian" and "Monty Python's
Life of Brian", "A Grand Day Out" and "A Grand Day Out with Wallace and Gromit". A watched film the matcher did not
place keeps out the catalog's films of the same year whose title holds its title as whole words, or is held in it
(the shorter of `MIN_WORDS` words or more, its leading article aside), and of the candidates the matcher offered
instead of a match, those of the very same title (two years apart, or without a year) and those of the same year
whose title holds its words in their order ("Star Wars: The Force Awakens" and "Star Wars: Episode VII - The Force
Awakens").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lbrec.catalog.matches import Match
from lbrec.catalog.normalize import FilmQuery, normalize, without_article

if TYPE_CHECKING:
    from lbrec.catalog.index import MatchIndex

MIN_WORDS = 2  # "Heat" inside "Heat and Dust" is no evidence; "Life of Brian" inside "...'s Life of Brian" is


class Aliases:
    """The catalog's titles by year, in their comparison form, built once for a `MatchIndex`."""

    def __init__(self, index: MatchIndex):
        self.index = index
        self._row_of = {int(movie_id): row for row, movie_id in enumerate(index.movie_ids.tolist())}
        self._by_year: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
        for row, year in enumerate(index.years.tolist()):
            if year >= 0:
                self._by_year.setdefault(year, []).append((row, self.keys(row)))

    def keys(self, row: int) -> tuple[str, ...]:
        """The row's titles (its title, alternates and MovieLens's own) without a leading article, space-padded."""
        names = [self.index.titles[row], *self.index.catalog.alternates[row], self.index.catalog.raw_titles[row]]
        keys = {without_article(normalize(_without_year(name))) for name in names}
        return tuple(f" {key} " for key in keys if key)

    def of(self, film: FilmQuery, match: Match) -> list[int]:
        """The movieIds `film` most likely is, when its `match` did not place it (none for a placed film)."""
        if match.status == "matched" or not film.title:
            return []
        key = without_article(normalize(film.title))
        found = [
            c.movie_id
            for c in match.candidates
            if f" {key} " in (keys := self.keys(self._row_of[c.movie_id]))
            or (c.year == film.year and any(_in_order(key, other) for other in keys))
        ]
        if film.year is None or len(key.split()) < MIN_WORDS:
            return found
        padded = f" {key} "
        for row, keys in self._by_year.get(int(film.year), []):
            if any(_holds(padded, other) for other in keys) and not self.index._differs(film, row):
                found.append(int(self.index.movie_ids[row]))
        return list(dict.fromkeys(found))

    def of_many(self, films: Iterable[FilmQuery], matches: Iterable[Match]) -> set[int]:
        """Every movieId that some unplaced film of `films` (matched as `matches`) most likely is: their aliases."""
        return {movie_id for film, match in zip(films, matches, strict=True) for movie_id in self.of(film, match)}


def _holds(a: str, b: str) -> bool:
    """Whether one padded key holds the other as whole words, the shorter of `MIN_WORDS` words or more."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return short in long and len(short.split()) >= MIN_WORDS


def _in_order(a: str, b: str) -> bool:
    """Whether the words of the shorter key appear in the longer in their order, the shorter of `MIN_WORDS` words or
    more."""
    short, long = sorted((a.split(), b.split()), key=len)
    words = iter(long)
    return len(short) >= MIN_WORDS and all(word in words for word in short)


def _without_year(name: str) -> str:
    """MovieLens's own title without its trailing "(1979)"."""
    head, _, tail = name.rstrip().rpartition(" (")
    return head if head and tail[:4].isdigit() else name
