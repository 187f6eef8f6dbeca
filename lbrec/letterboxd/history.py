"""A member's films as one history, whatever the source: one `FilmEntry` per film, oldest first, and the watchlist.

`history.select(choice)` picks what to recommend from; `CHOICES` is the one list of those choices (the CLI's
`--from` and the app's "Recommend from" read it). Order: by the date the film was watched where the source says
(diary, RSS), else the date it was logged or rated (IMDb's Date Rated); films without a date first, in the order given.

`history.unordered` says when that order is not real (`BULK_DAY`): the engine then reads every film without order,
and "your latest 50" is not offered (they would be any 50). The default, `auto`, reads what was measured best for
every input (`default_choice`): the films rated 4 stars or more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from lbrec.data.titles import film_label
from lbrec.errors import LetterboxdError

CHOICES: dict[str, str] = {
    "auto": "the films that show your taste best",
    "recent": "your latest 50 films, by date",
    "all": "every film you logged",
    "5": "films you rated 5 stars",
    "4": "films you rated 4 stars or more",
    "3": "films you rated 3 stars or more",
    "rated": "every film you rated",
    "liked": "films you liked",
}
RECENT = 50
DEFAULT_CHOICE = "auto"
# The films `auto` reads, and how many of them it needs (else the liked films, else every film). Chosen on real
# members: docs/results.md, python -m benchmarks.bench_defaults (and --short and the unordered reading of bench_members)
LOVED_STARS = 4.0
MIN_LOVED = 5
DISLIKED = 2.0  # stars or less: a film the person disliked (a short history pushes its look-alikes down)
# A day on which this many films or more were logged is a bulk import (or a day of catching up), not a day of
# watching: the films of such a day have no order among them. A real export (../shared/fixtures-research's) logged
# 91% of its 2,250 films on such days (636 on one day), 135 films in its diary.
BULK_DAY = 10
InputKind = Literal["export", "rss", "typed", "imdb", "upload"]
INPUT_KINDS: tuple[InputKind, ...] = ("export", "rss", "typed", "imdb", "upload")


@dataclass(frozen=True)
class FilmEntry:
    """One film as Letterboxd knows it for this member; any field a source lacks stays None/False."""

    title: str
    year: int | None = None
    rating: float | None = None  # stars, 0.5-5 in halves
    liked: bool = False
    watched_date: date | None = None  # the (latest) diary date
    date: date | None = None  # when it was logged, rated or added
    rewatch: bool = False
    tmdb_id: int | None = None
    imdb_id: int | None = None  # typed `tt0113277`
    slug: str | None = None  # Letterboxd film slug, e.g. "heat-1995" (RSS)
    uri: str | None = None  # the export's boxd.it link
    source: str = ""  # "export", "rss", "typed" or "imdb"

    @property
    def label(self) -> str:
        return film_label(self.title, self.year)

    @property
    def when(self) -> date | None:
        return self.watched_date or self.date


@dataclass
class LetterboxdHistory:
    """A member's films, oldest first (one entry per film), and their watchlist."""

    films: list[FilmEntry]
    watchlist: list[FilmEntry] = field(default_factory=list)
    source: str = ""
    username: str | None = None
    skipped: str | None = None  # what the source held that is not a film, in words ("12 TV titles skipped")

    @property
    def unordered(self) -> bool:
        """Whether the order of the films is not real: at least half of them carry no date or were logged on a day
        of `BULK_DAY` films or more (a bulk import). Only files have such dates: a Letterboxd export (the diary's
        watched dates, else when a film was logged or rated) and IMDb's ratings (Date Rated: a person who rated
        their films in one sitting has no order either, one who rated as they watched has one). An RSS feed is a
        diary with real dates, and typed titles are typed oldest first: both dated."""
        if self.source not in ("export", "imdb") or not self.films:
            return False
        per_day = Counter(f.when for f in self.films if f.when is not None)
        loose = sum(1 for f in self.films if f.when is None or per_day[f.when] >= BULK_DAY)
        return 2 * loose >= len(self.films)

    def choices(self) -> list[str]:
        """The choices this source can honour: no ratings (typed titles), no rating-based choices; no order (an export
        logged in bulk), no latest 50."""
        available = {"auto", "all"} | (set() if self.unordered else {"recent"})
        if any(f.rating is not None for f in self.films):
            available |= {"5", "4", "3", "rated"}
        if any(f.liked for f in self.films):
            available.add("liked")
        return [choice for choice in CHOICES if choice in available]

    def default_choice(self) -> str:
        """What `auto` reads: the films rated `LOVED_STARS` or more when there are `MIN_LOVED` of them, else the liked
        films when there are as many, else every film."""
        if sum(f.rating is not None and f.rating >= LOVED_STARS for f in self.films) >= MIN_LOVED:
            return "4"
        if sum(f.liked for f in self.films) >= MIN_LOVED:
            return "liked"
        return "all"

    def resolve(self, choice: str) -> str:
        """The choice itself, `auto` made concrete for this history."""
        return self.default_choice() if choice == DEFAULT_CHOICE else choice

    def disliked(self) -> list[FilmEntry]:
        """The films rated `DISLIKED` stars or less."""
        return [f for f in self.films if f.rating is not None and f.rating <= DISLIKED]

    def describe(self, choice: str) -> str:
        """What `choice` reads of this history, in words: "films you rated 4 stars or more, all together (logged in
        bulk: no order)"."""
        if self.source == "typed":
            return "the films you typed, in their order"
        words = CHOICES[self.resolve(choice)]
        return words + (", all together (logged in bulk: no order)" if self.unordered else "")

    def select(self, choice: str) -> list[FilmEntry]:
        """The films to recommend from, oldest first."""
        choice = self.resolve(choice)
        picks = {
            "recent": lambda f: True,
            "all": lambda f: True,
            "5": lambda f: f.rating is not None and f.rating >= 5,
            "4": lambda f: f.rating is not None and f.rating >= LOVED_STARS,
            "3": lambda f: f.rating is not None and f.rating >= 3,
            "rated": lambda f: f.rating is not None,
            "liked": lambda f: f.liked,
        }
        if choice not in picks:
            raise LetterboxdError(f"unknown choice {choice!r}: use one of {', '.join(CHOICES)}")
        films = [f for f in self.films if picks[choice](f)]
        return films[-RECENT:] if choice == "recent" else films


def time_order(films: Iterable[FilmEntry]) -> list[FilmEntry]:
    """Films without a date first, in the order given; then dated ones by date (stable)."""
    films = list(films)
    return sorted(films, key=lambda f: (f.when is not None, f.when or date.min))
