"""How a question is asked: how many films, which genres, years and band of popularity, which of the person's films
to read, whether their watchlist is left out, and the films they marked "not for me" or "seen it". One check turns
them into the engine's `Filters`, with the same one-line refusals on the command line and in the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lbrec.ask.answers import why_not
from lbrec.ask.lookup import lacking, look_up
from lbrec.ask.newer import Marks
from lbrec.catalog.index import MatchIndex
from lbrec.catalog.matches import Match, MatchedHistory, match_films
from lbrec.errors import LbrecError, TmdbKeyError
from lbrec.letterboxd.history import DEFAULT_CHOICE, FilmEntry
from lbrec.letterboxd.lists import read_list_csv
from lbrec.letterboxd.typed import parse_typed
from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.reading import Reading
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.match import TmdbMatch

NOT_ON_TMDB = "it does not know it either"  # a marked film neither catalog finds


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
    # Films only TMDb knows (newer than the model, or not in its catalog), by TMDb id, marked the same two ways: never
    # on a shelf of newer films (the refused ones' genres count against it: `lbrec.ask.newer`), marked in a ranking
    not_for_me_tmdb: frozenset[int] = frozenset()
    seen_tmdb: frozenset[int] = frozenset()

    @property
    def tmdb_marks(self) -> Marks:
        """The marks of films only TMDb knows, as the shelves of newer films read them."""
        return Marks(self.not_for_me_tmdb, self.seen_tmdb)

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


@dataclass(frozen=True)
class Marked:
    """The films a person marks one way: the model's catalog's, by movieId, and those only TMDb knows, by TMDb id."""

    movie_ids: frozenset[int]
    tmdb_ids: frozenset[int] = frozenset()


def marked_films(index: MatchIndex, films: str | bytes, mark: str, allow_files: bool = False) -> frozenset[int]:
    """The movieIds of the films a person marks (`mark`: "not for me" or "seen it"): typed titles, or a Letterboxd
    list CSV (its bytes, or with `allow_files`, the command line, a path). A typed title not found is refused with
    what to type instead; a list's films MovieLens lacks are passed over (they are never answered anyway). With a
    TMDb key, `lbrec.ask.questions.Ask.marked` looks those up on TMDb before refusing."""
    matched, typed = marked_matches(index, films, mark, allow_files)
    if typed and (missing := [(film, match) for film, match in matched.results if match.status != "matched"]):
        raise refusal(*missing[0], mark)
    return frozenset(matched.positives)


def marked_matches(
    index: MatchIndex, films: str | bytes, mark: str, allow_files: bool = False
) -> tuple[MatchedHistory, bool]:
    """The films a person marks, matched to the catalog, and whether they were typed (not a list CSV)."""
    path = Path(films) if isinstance(films, str) and allow_files else None
    if isinstance(films, bytes) or (path is not None and (path.suffix.lower() == ".csv" or path.is_file())):
        try:
            data = films if isinstance(films, bytes) else path.read_bytes()  # type: ignore[union-attr]
        except OSError as exc:
            raise LbrecError(f"cannot read the “{mark}” list {films}: {exc.strerror or exc}") from None
        return match_films(index, read_list_csv(data)[1]), False
    return match_films(index, parse_typed(films).films), True


def marked_on_tmdb(
    tmdb: TmdbClient, knows: Callable[[int], bool], last_year: int, matched: MatchedHistory, typed: bool, mark: str
) -> frozenset[int]:
    """The TMDb ids of the marked films the model lacks, looked up on TMDb as a person's own films are
    (`lbrec.ask.lookup`); a typed title neither catalog finds is refused with what to type instead (TMDb's
    candidates when it has some). A refused key leaves the typed titles to the catalog's refusal, saying why."""
    try:
        lookup = look_up(tmdb, lacking(matched, knows, last_year))
    except TmdbKeyError as exc:
        if typed and (missing := [(f, m) for f, m in matched.results if m.status != "matched"]):
            raise refusal(*missing[0], mark, f" ({exc})") from None
        return frozenset()
    on_tmdb = {id(film): match for film, match in lookup.found}
    for film, match in matched.results if typed else ():
        found = on_tmdb.get(id(film))
        if match.status == "matched" or (found is not None and found.status == "matched"):
            continue
        if found is None:  # uncertain in the catalog: its candidates to type instead
            raise refusal(film, match, mark)
        if found.candidates:
            raise refusal(film, found, mark, " on TMDb")
        raise refusal(film, match, mark, f"; TMDb: {found.reason if not found.answered else NOT_ON_TMDB}")
    return frozenset(lookup.tmdb_ids)


def refusal(film: FilmEntry, match: Match | TmdbMatch, mark: str, elsewhere: str = "") -> LbrecError:
    """The one line refusing a typed film marked `mark` that was not found, with what to type instead (`elsewhere`:
    what the second catalog said)."""
    return LbrecError(f"a film marked “{mark}” was not found: {why_not(film, match)}{elsewhere}")  # type: ignore[arg-type]
