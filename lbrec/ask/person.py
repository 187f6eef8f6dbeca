"""A person, read: where their films come from (`Source`), the history read from it, and the films matched to the
served model under their choice of films (`Person`). Each refusal is one line, written once for both faces.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from lbrec.catalog.index import MatchIndex
from lbrec.catalog.matches import MatchedHistory
from lbrec.errors import LbrecError, LetterboxdError
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.fields import validate_username
from lbrec.letterboxd.history import CHOICES, DEFAULT_CHOICE, INPUT_KINDS, InputKind, LetterboxdHistory
from lbrec.letterboxd.sources import load_history, match_history, rss_user
from lbrec.serving.engine import Recommender
from lbrec.serving.reading import Reading

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """Progress that goes nowhere."""


@dataclass(frozen=True)
class Source:
    """Where a person's films come from. `kind`: `typed` (titles), `rss` (a username, or on the command line a saved
    feed), `export` (a Letterboxd export: a path on the command line), `imdb` (IMDb's ratings CSV, with `watchlist`
    its watchlist CSV) or `upload` (a file's bytes, recognised by its content: an export ZIP or IMDb's CSVs)."""

    kind: InputKind
    value: str | bytes | os.PathLike[str]
    name: str = ""  # an uploaded file's name
    watchlist: bytes | str | os.PathLike[str] | None = None

    @property
    def key(self) -> tuple:
        """What identifies this source: the same key, the same history (so a history read once can be kept)."""
        if isinstance(self.value, bytes):
            extra = self.watchlist if isinstance(self.watchlist, bytes) else b""
            return self.kind, hashlib.sha256(self.value + b"\0" + extra).hexdigest()
        text = os.fspath(self.value)
        return self.kind, text.strip() if self.kind == "rss" else text, str(self.watchlist or "")


EMPTY = {
    "typed": "type a few films you love first, one per line",
    "rss": "type your Letterboxd username first (or upload your export, or type titles)",
    "export": "choose your Letterboxd export first (Settings > Data > Export your data)",
    "upload": "choose your Letterboxd export ZIP first (Settings > Data > Export your data)",
    "imdb": "choose your IMDb ratings CSV first (Your Ratings > Export on IMDb)",
}


def read_history(
    source: Source, client: Client | None = None, progress: Progress = quiet, allow_files: bool = False
) -> LetterboxdHistory:
    """The history behind `source`, read afresh; `allow_files` (the command line only): paths are files to read."""
    if source.kind not in INPUT_KINDS:
        raise LbrecError(f"unknown source {source.kind!r}: use one of {', '.join(INPUT_KINDS)}")
    value = source.value
    if not (value if isinstance(value, bytes) else os.fspath(value).strip()):
        raise LetterboxdError(EMPTY[source.kind])
    if source.kind == "rss" and not (allow_files and Path(os.fspath(value)).is_file()):
        value = rss_user(str(value))  # a bad username fails here, before any request
        progress(f"Fetching {value}'s RSS feed from Letterboxd…")
    elif source.kind != "typed":
        progress(f"Reading {source.name[:120] or 'your file'}…")
    return load_history(
        source.kind,
        value,
        client=client,
        allow_files=allow_files,
        name=source.name[:120],
        imdb_watchlist=source.watchlist,
    )


@dataclass
class Person:
    """One person's history and the films of it matched to the served model."""

    history: LetterboxdHistory
    matched: MatchedHistory  # the chosen films, with the person's choices among candidates
    liked: list[int]  # the matched films the model knows (movieIds, oldest first): what it reads
    confirmed_on_tmdb: Mapping[str, int] = field(default_factory=dict)  # their picks among TMDb's candidates

    @property
    def unordered(self) -> bool:
        """Whether their films have no real order (an export imported in bulk: `LetterboxdHistory.unordered`)."""
        return self.history.unordered

    def reading(self, reading: Reading) -> Reading:
        """`reading` (the marks of their options) with how their history is read: without order when it has none, and
        the films they disliked."""
        return replace(reading, unordered=self.unordered, disliked=frozenset(self.matched.disliked))

    @property
    def seen(self) -> set[int]:
        """Every film they have watched, for leaving out."""
        return set(self.liked) | self.matched.watched

    def ratings(self, index: MatchIndex) -> dict[int, float]:
        """Their own star ratings, by movieId (a prediction of a film they rated says so)."""
        rated = [f for f in self.history.films if f.rating is not None]
        matches = index.match_many(rated)
        return {m.movie_id: float(f.rating or 0) for f, m in zip(rated, matches, strict=True) if m.movie_id is not None}


def check_choice(history: LetterboxdHistory, choice: str) -> None:
    """The choice of films (`--from`, "Recommend from") must leave some films of this history."""
    if choice not in CHOICES:
        raise LbrecError(f"unknown choice {choice!r}: use one of {', '.join(CHOICES)}")
    if choice == "recent" and history.unordered:
        raise LetterboxdError(
            f'most of your films were logged in bulk, so their dates give no order and "{CHOICES[choice]}" would be '
            f'any 50 of them: recommend from "{CHOICES[DEFAULT_CHOICE]}" instead'
        )
    if choice not in history.choices():
        what = "ratings" if choice != "liked" else "likes"
        raise LetterboxdError(
            f'this input has no {what}, so "{CHOICES[choice]}" is empty: recommend from "{CHOICES[DEFAULT_CHOICE]}" '
            f"instead"
        )
    if not history.select(choice):
        raise LetterboxdError(
            f"none of your films is among {CHOICES[choice]}: choose another set of films to recommend from"
        )


def chosen_matches(index: MatchIndex, history: LetterboxdHistory, choice: str = DEFAULT_CHOICE) -> MatchedHistory:
    """The films of `history` chosen by `choice` (every watched film and the watchlist too, for leaving out),
    matched to MovieLens as they are: before any choice among candidates."""
    check_choice(history, choice)
    return match_history(history, index, choice)


def person_of(
    engine: Recommender,
    history: LetterboxdHistory,
    matches: MatchedHistory,
    confirmed: Mapping[str, int] | None = None,
    second_catalog: bool = False,
    confirmed_on_tmdb: Mapping[str, int] | None = None,
) -> Person:
    """The person of `history` whose chosen films matched as `matches`, with their `confirmed` choices among
    candidates (film label -> movieId; `confirmed_on_tmdb`: among TMDb's, -> TMDb id); refused when none of them is
    a film the model knows, unless a `second_catalog` (TMDb) may know the others."""
    matched = matches.with_confirmed(confirmed or {})
    liked = [m for m in matched.positives if engine.knows(m)]
    if not liked and not (second_catalog and matched.results):
        raise LetterboxdError(
            "none of your films could be used: they are not in this model's catalog (or newer than its films), "
            'or too rarely rated for it to read; check the titles (add the year, e.g. "Heat (1995)"), pick '
            "among the candidates, or add more films"
        )
    return Person(history, matched, liked, dict(confirmed_on_tmdb or {}))


MEMBER_KINDS = {"export": "export", "rss": "rss", "titles": "typed", "imdb": "imdb"}


def parse_member(spec: str) -> Source:
    """A group member on the command line: `export:PATH`, `rss:NAME`, `imdb:PATH` (IMDb ratings) or
    `titles:Heat (1995); Alien (1979)`. Usernames are checked here, before any request."""
    prefix, sep, value = spec.partition(":")
    kind = MEMBER_KINDS.get(prefix.strip().lower()) if sep else None
    value = value.strip()
    if kind is None or not value:
        raise LetterboxdError(
            f'{spec[:60]!r} is not a member: use export:PATH, rss:NAME, imdb:PATH or "titles:Heat (1995); Alien (1979)"'
        )
    if kind == "rss":
        return Source(kind, validate_username(value))
    return Source(kind, value)
