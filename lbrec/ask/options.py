"""How a question is asked: how many films, which genres, years and band of popularity, which of the person's films
to read, whether their watchlist is left out, and the films they marked "not for me" or "seen it". One check turns
them into the engine's `Filters`, with the same one-line refusals on the command line and in the app."""

from __future__ import annotations

from dataclasses import dataclass

from lbrec.errors import LbrecError
from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.reading import Reading


@dataclass(frozen=True)
class Options:
    """What a person chose. A `years` bound leaves out the films of unknown year: None is no bound."""

    choice: str = "recent"  # which films to read: a key of `lbrec.letterboxd.history.CHOICES`
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
            raise LbrecError(f"{', '.join(sorted(both))} cannot be both wanted and excluded: drop it from one of "
                             f"the two")
        try:
            return Filters(include_genres=self.include, exclude_genres=self.exclude, years=self.years,
                           popularity=self.popularity)
        except ValueError as exc:
            raise LbrecError(str(exc)) from None

    def nothing_passes(self, engine: Recommender) -> LbrecError:
        """The refusal when these options leave no film."""
        return LbrecError(f"no film passes these options ({self.filters(engine).describe()}): widen the years, the "
                          f"genres or the popularity band")
