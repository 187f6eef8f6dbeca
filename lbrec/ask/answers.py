"""What a question answers: its films (the serving layer's records, all sharing `Film`), what they were chosen among,
what was not matched and why, and the JSON that `--json` prints and the app offers as a download."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from lbrec.catalog.matches import Match, MatchedHistory
from lbrec.data.titles import film_label
from lbrec.errors import LbrecError
from lbrec.letterboxd.history import FilmEntry
from lbrec.serving.results import Film

if TYPE_CHECKING:
    from lbrec.ask.lookup import Lookup
    from lbrec.ask.shelf import Shelf

# What the JSON calls each question's films.
FILMS_KEY = {
    "recommend": "recommendations",
    "rank": "ranking",
    "predict": "predictions",
    "similar": "similar",
    "group": "recommendations",
}
NOBODY = MatchedHistory([], set(), set(), [])
F = TypeVar("F", bound=Film)
NOT_IN_MODEL = "not in this model's films"
REFUSED = "you marked it “not for me”"


@dataclass(frozen=True)
class NotFound:
    """A film asked about that was not used: what was typed or read, why, and the candidates to type instead."""

    query: str
    reason: str
    candidates: tuple[str, ...] = ()


@dataclass
class Answer(Generic[F]):
    """One question's answer. `person`: the asker's films matched (none for "like this film" and a group);
    `asked`: the films asked about or among, matched; `members`: a group's labels and their films matched."""

    question: str  # recommend, rank, predict, similar or group
    films: list[F]
    what: str = ""  # what the films were chosen among, in words ("your watchlist", "Heat (1995)", "3 people")
    person: MatchedHistory | None = None
    asked: MatchedHistory | None = None
    members: list[tuple[str, MatchedHistory]] = field(default_factory=list)
    note: str = ""  # a line to show beside the films: fewer than k stream on the services asked for
    shelf: Shelf | None = None  # films newer than the model, from TMDb (for me), when asked
    lookup: Lookup | None = None  # the films asked about or among that the model lacks, looked up on TMDb
    not_used: list[NotFound] | None = None  # `Ask` names every film asked about that no answer holds, and why

    @property
    def unmatched(self) -> list[NotFound]:
        """The films asked about that were not used (for a recommendation: the person's own), each with why; a film
        TMDb found (`lookup`) is answered there, unless it was marked "not for me"."""
        found = self.lookup.labels if self.lookup is not None else set()
        if self.not_used is not None:
            return [film for film in self.not_used if film.query not in found or film.reason == REFUSED]
        source = self.asked if self.asked is not None else self.person
        return [film for film in not_found(source.results) if film.query not in found] if source is not None else []

    @property
    def found(self) -> int:
        """How many of the films asked about or among were matched."""
        return len(self.asked.positives) if self.asked is not None else 0

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.members]

    def to_json(self) -> dict[str, Any]:
        """The answer as `python -m lbrec <question> --json` prints it and the app's JSON download holds it."""
        films = [film.to_dict() for film in self.films]
        shelf = self.shelf.to_json() if self.shelf else {}
        if self.question == "group":
            return {
                "members": [{"label": label, **matched.to_json()} for label, matched in self.members],
                "recommendations": films,
                **shelf,
            }
        if self.question == "similar":
            asked = (self.asked or NOBODY).to_json()
            found = self.lookup.labels if self.lookup is not None else set()
            unmatched = [entry for entry in asked["unmatched"] if entry["query"] not in found]
            return {"seeds": asked["matched"], "unmatched": unmatched, "similar": films, **shelf}
        person = (self.person or NOBODY).to_json()
        tmdb = {"tmdb": self.lookup.to_json()} if self.lookup is not None else {}
        not_used = [{"query": f.query, "reason": f.reason, "candidates": list(f.candidates)} for f in self.unmatched]
        if self.question == "rank":
            candidates = (self.asked or NOBODY).to_json()
            return {**person, "candidates": candidates, **tmdb, "not_ranked": not_used, "ranking": films}
        if self.question == "predict":
            unmatched = [
                entry
                for entry in (self.asked or NOBODY).to_json()["unmatched"]
                if entry["query"] not in (self.lookup.labels if self.lookup is not None else set())
            ]
            return {**person, "unmatched": unmatched, **tmdb, "not_predicted": not_used, "predictions": films}
        return {**person, FILMS_KEY[self.question]: films, **(self.shelf.to_json() if self.shelf else {})}


def not_found(results: list[tuple[FilmEntry, Match]]) -> list[NotFound]:
    return [
        NotFound(
            film.label or f"tmdb:{film.tmdb_id}",
            match.reason or "is too rarely rated to be in the model",
            tuple(c.label() for c in match.candidates[:5]),
        )
        for film, match in results
        if match.status != "matched"
    ]


def not_used(results: list[tuple[FilmEntry, Match]], knows: Callable[[int], bool], last_year: int) -> list[NotFound]:
    """Every film of `results` that the model cannot answer for, each once, with why: matched to a MovieLens film
    the model does not know (too rarely rated), newer than the model's films, or not found (the matcher's reason and
    the candidates to pick among)."""
    out: dict[str, NotFound] = {}
    for film, match in results:
        label = film.label or f"tmdb:{film.tmdb_id}"
        if match.status == "matched" and match.movie_id is not None and not knows(match.movie_id):
            reason = f"{NOT_IN_MODEL}: MovieLens rates it too rarely for the model to know it"
        elif match.status != "matched" and film.year is not None and film.year > last_year:  # no candidate can be it
            reason, match = f"newer than this model's films (they end in {last_year})", replace(match, candidates=())
        elif match.status == "unmatched":
            reason = f"{NOT_IN_MODEL}: {match.reason}" if match.reason else NOT_IN_MODEL
        elif match.status == "uncertain":
            reason = match.reason
        else:
            continue
        out.setdefault(label, NotFound(label, reason, tuple(c.label() for c in match.candidates[:5])))
    return list(out.values())


def nothing_usable(what: str, results: list[tuple[FilmEntry, Match]]) -> LbrecError:
    """The refusal when no film asked about is one the model knows: the first one's reason and what to type."""
    film, match = next(((f, m) for f, m in results if m.status != "matched"), results[0])
    return LbrecError(f"none of {what} could be used: {why_not(film, match)}")


def why_not(film: FilmEntry, match: Match) -> str:
    """Why a film was not used, and the candidates to type instead: "'Heat' has 3 candidates; did you mean: …"."""
    reason = match.reason or "is too rarely rated to be in the model"
    options = "; ".join(c.label() for c in match.candidates[:5])
    more = f"; did you mean: {options}? Type one of them with its year" if options else ""
    return f"{film.label or f'tmdb:{film.tmdb_id}'!r} {reason}{more}"


def films_label(asked: MatchedHistory, lookup: Lookup | None = None) -> str:
    """The films asked about, in words: "Heat (1995)", "Heat (1995) and Anora (2024)" (the model's, and those
    only TMDb knows)."""
    names = [film_label(m.title, m.year) for _, m in asked.results if m.status == "matched"]
    names += [film_label(m.title or "", m.year) for _, m in (lookup.matched if lookup is not None else [])]
    if not names:
        return "the films you asked about"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
