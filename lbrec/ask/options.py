"""How a question is asked: how many films, which genres, years and band of popularity, which of the person's films
to read, whether their watchlist is left out, and the films they marked "not for me" or "seen it". One check turns
them into the engine's `Filters`, with the same one-line refusals on the command line and in the app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lbrec.ask.answers import why_not
from lbrec.catalog.index import MatchIndex
from lbrec.catalog.matches import match_films
from lbrec.errors import LbrecError
from lbrec.letterboxd.history import DEFAULT_CHOICE
from lbrec.letterboxd.lists import read_list_csv
from lbrec.letterboxd.typed import parse_typed
from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.reading import Reading


@dataclass(frozen=True)
class Options:
    """What a person chose. A `years` bound leaves out the films of unknown year: None is no bound."""

    choice: str = DEFAULT_CHOICE  # which films to read: a key of `lbrec.letterboxd.history.CHOICES`
    k: int | None = 10  # None: all (a ranked list)
    include: frozenset[str] = frozenset()  # genres: any of these
    exclude: frozenset[str] = frozenset()  # genres: none of these
    years: tuple[int | None, int | None] = (None, None)
    popularity: tuple[float, float] = (0.0, 1.0)  # a band of quantiles: 0 = the most obscure, 1 = the most rated
    exclude_watchlist: bool = False
    country: str | None = None  # ISO 3166-1 code: where to watch each film there (`lbrec.ask.watch`)
    services: frozenset[str] = frozenset()  # streaming services: only the films one of them streams there
    not_for_me: frozenset[int] = frozenset()  # movieIds never to answer; their look-alikes go down
    seen: frozenset[int] = frozenset()  # movieIds watched besides the person's own films: never answered

    @property
    def reading(self) -> Reading:
        """What the engine reads of these marks beyond leaving the films out."""
        return Reading(not_for_me=self.not_for_me)

    def filters(self, engine: Recommender) -> Filters:
        """The engine's filters for these options, or one line saying which option is wrong."""
        if self.k is not None and self.k < 1:
            raise LbrecError(f"the number of films must be at least 1, not {self.k}")
        known = set(engine.genres)
        if unknown := (self.include | self.exclude) - known:
            raise LbrecError(f"unknown genres: {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
        if both := self.include & self.exclude:
            raise LbrecError(
                f"{', '.join(sorted(both))} cannot be both wanted and excluded: drop it from one of the two"
            )
        try:
            return Filters(
                include_genres=self.include, exclude_genres=self.exclude, years=self.years, popularity=self.popularity
            )
        except ValueError as exc:
            raise LbrecError(str(exc)) from None

    def nothing_passes(self, engine: Recommender) -> LbrecError:
        """The refusal when these options leave no film."""
        return LbrecError(
            f"no film passes these options ({self.filters(engine).describe()}): widen the years, the "
            f"genres or the popularity band"
        )


def marked_films(index: MatchIndex, films: str | bytes, mark: str, allow_files: bool = False) -> frozenset[int]:
    """The movieIds of the films a person marks (`mark`: "not for me" or "seen it"): typed titles, or a Letterboxd
    list CSV (its bytes, or with `allow_files`, the command line, a path). A typed title not found is refused with
    what to type instead; a list's films MovieLens lacks are passed over (they are never answered anyway)."""
    path = Path(films) if isinstance(films, str) and allow_files else None
    if isinstance(films, bytes) or (path is not None and (path.suffix.lower() == ".csv" or path.is_file())):
        try:
            data = films if isinstance(films, bytes) else path.read_bytes()  # type: ignore[union-attr]
        except OSError as exc:
            raise LbrecError(f"cannot read the “{mark}” list {films}: {exc.strerror or exc}") from None
        return frozenset(match_films(index, read_list_csv(data)[1]).positives)
    matched = match_films(index, parse_typed(films).films)
    if missing := [(film, match) for film, match in matched.results if match.status != "matched"]:
        raise LbrecError(f"a film marked “{mark}” was not found: {why_not(*missing[0])}")
    return frozenset(matched.positives)
