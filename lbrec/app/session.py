"""One visitor's session: what they gave, what it became, what they chose, and what was recommended. No widgets.

The flow is read -> understand -> recommend, each step a plain method that the views call and the tests drive:

    session = Session(engine, catalog, client)
    session.run(Input("typed", "Heat (1995)\nThe Matrix (1999)"))
    session.matched.positives, session.understood(), session.recommendations
    session.pick("Solaris", 6474)            # a choice among candidates: the results follow
    session.set_options(k=20, include=frozenset({"Horror"}))
    session.recommend()

- read: a Letterboxd username (its RSS feed), an uploaded export ZIP or IMDb CSV, or typed titles; fetched or
  parsed again only when the input changed;
- understand: match the chosen films to MovieLens: what was matched, what needs a pick, what was not found and why;
- recommend: the onnxruntime engine with the options (how many, genres, years, mainstream to obscure, watchlist).
Every refusal is an `LbrecError` whose message is written for the person; the session keeps nothing half-done.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from lbrec.catalog.index import Catalog
from lbrec.catalog.matches import Candidate, Match, MatchedHistory
from lbrec.data.titles import film_label
from lbrec.errors import EmptyHistoryError, LbrecError, LetterboxdError
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.imdb import read_imdb
from lbrec.letterboxd.fields import validate_username
from lbrec.letterboxd.history import CHOICES, FilmEntry, LetterboxdHistory
from lbrec.letterboxd.lists import list_csv
from lbrec.letterboxd.sources import load_history, match_history
from lbrec.serving.engine import Recommender
from lbrec.serving.filters import Filters
from lbrec.serving.results import Recommendation, report
from lbrec.share import share_png, shared_films

# Popularity bands over the model's films, as quantiles of the number of ratings (0 = least rated).
POPULARITY = {"Mainstream": (0.8, 1.0), "Popular": (0.5, 1.0), "Anything": (0.0, 1.0),
              "Lesser-known": (0.0, 0.5), "Obscure": (0.0, 0.2)}
SKIP = 0  # the pick for "none of these candidates" (movieIds start at 1)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Input:
    """What the visitor gave: `kind` is rss (a username), export (a ZIP's or IMDb CSV's bytes) or typed (titles)."""

    kind: str
    value: str | bytes
    name: str = ""  # the uploaded file's name
    watchlist: bytes = b""  # with IMDb's ratings CSV, its watchlist CSV (uploaded together)

    @property
    def key(self) -> tuple:
        """What identifies this input: options apply at once only while it stays the same."""
        if isinstance(self.value, bytes):
            return (self.kind, hashlib.sha256(self.value + b"\0" + self.watchlist).hexdigest())
        return (self.kind, self.value.strip() if self.kind == "rss" else self.value)


def upload_input(files: Sequence[tuple[str, bytes]]) -> Input:
    """The upload as an input: one Letterboxd export ZIP or IMDb ratings CSV, or IMDb's ratings and watchlist CSVs
    together (in either order: the ratings are the one with a rating column)."""
    if len(files) <= 1:
        name, data = files[0] if files else ("", b"")
        return Input("export", data, name)
    rated = [f for f in files if re.search(rb"your rating|you rated", f[1][:2000].split(b"\n", 1)[0].lower())]
    if len(files) > 2 or len(rated) != 1:
        raise LetterboxdError("Upload one Letterboxd export ZIP, or IMDb's ratings CSV and, if you like, its watchlist "
                              "CSV (two files).")
    watchlist = next(f for f in files if f is not rated[0])
    return Input("export", rated[0][1], rated[0][0], watchlist=watchlist[1])


@dataclass(frozen=True)
class Options:
    """How to recommend; `years` None means every year the catalog has."""

    choice: str = "recent"  # which films to recommend from: a key of CHOICES
    k: int = 10
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    years: tuple[int, int] | None = None
    popularity: str = "Anything"
    exclude_watchlist: bool = True


@dataclass(frozen=True)
class Understood:
    """What the chosen films became, for the "What we understood" panel."""

    matched: list[tuple[str, str, bool]]  # (what was read, the MovieLens film, whether the model knows it)
    missing: list[tuple[str, str]]  # (what was read, why it was not found)
    uncertain: list[tuple[str, tuple[Candidate, ...]]]  # (what was read, the candidates to pick from)
    counts: Counter = field(default_factory=Counter)  # matched / uncertain / unmatched
    used: int = 0  # films the model reads


class Session:
    """The state of one visitor and the plain methods that change it (see the module docstring)."""

    def __init__(self, engine: Recommender, catalog: Catalog, client: Client | None = None):
        self.engine = engine
        self.catalog = catalog
        self.client = client or Client()
        self.options = Options()
        self.input: Input | None = None  # the input of the last successful run
        self.history: LetterboxdHistory | None = None
        self.raw: MatchedHistory | None = None  # as matched, before the picks
        self.matched: MatchedHistory | None = None  # after the picks
        self.picks: dict[str, int] = {}  # film label -> the movieId picked among the candidates, or SKIP
        self.recommendations: list[Recommendation] = []
        self.answered = False  # the last recommend() succeeded (its list may be empty: the options leave no film)
        self._history_key: tuple | None = None
        years = engine.catalog["year"].dropna()
        self.year_range = (int(years.min()), int(years.max())) if len(years) else (1900, 2030)
        self._genres_of = dict(zip(engine.catalog["movieId"].tolist(), engine.catalog["genres"], strict=True))

    # ------------------------------------------------------------------------------------------------ steps

    def run(self, given: Input, progress: Progress = lambda _: None) -> None:
        """Read the input, match the chosen films and recommend; on any refusal nothing of a result is left."""
        self.clear()
        history = self.read(given, progress)
        choice = "recent" if given.kind == "typed" else self.options.choice  # typed titles carry no ratings
        self.check_choice(history, choice)
        progress(f"Matching {films_count(len(history.select(choice)))} to MovieLens…")
        self.raw = match_history(history, self.catalog, choice)
        self.input = given
        self.recommend(progress)

    def read(self, given: Input, progress: Progress = lambda _: None) -> LetterboxdHistory:
        """The history for `given`; fetched or parsed only when the input changed."""
        if given.key == self._history_key and self.history is not None:
            return self.history
        history = read_input(given, self.client, progress)
        self.history, self._history_key = history, given.key
        return history

    def recommend(self, progress: Progress = lambda _: None) -> list[Recommendation]:
        """Recommendations for the matched films (with the picks) under the current options."""
        if self.raw is None:
            raise LbrecError("Read some films first.")
        self.recommendations, self.answered = [], False
        self.matched = self.raw.with_picks(self.picks)
        if not self.usable(self.matched.positives):
            raise LetterboxdError("None of your films could be used: they were not found in MovieLens, or are too "
                                  "rarely rated to be in the model. Check the titles (add the year, e.g. \"Heat "
                                  "(1995)\"), pick among the candidates above, or add more films.")
        filters = self.filters()
        exclude = self.matched.watched | (self.matched.watchlist if self.options.exclude_watchlist else set())
        progress(f"Scoring {self.engine.n_items:,} films…")
        self.recommendations = self.engine.recommend(self.matched.positives, k=self.options.k, exclude=exclude,
                                                     filters=filters, explain=True)
        self.answered = True
        return self.recommendations

    def pick(self, label: str, movie_id: int) -> None:
        """The visitor's choice among the candidates for `label` (SKIP: none of them); the results follow."""
        self.picks[label] = movie_id
        if self.raw is not None:
            self.recommend()

    def set_options(self, **changes: object) -> None:
        """Change the options: the next `run` or `recommend` applies them."""
        self.options = replace(self.options, **changes)

    def clear(self) -> None:
        self.raw = self.matched = None
        self.input = None
        self.recommendations, self.answered = [], False

    # ------------------------------------------------------------------------------------------------ checks

    def usable(self, movie_ids: Iterable[int]) -> list[int]:
        """The films the model knows (MovieLens films rated too rarely were left out of its vocabulary)."""
        return [m for m in movie_ids if self.engine.known([m])]

    def filters(self) -> Filters:
        known = set(self.engine.genres)
        include, exclude = set(self.options.include), set(self.options.exclude)
        if unknown := (include | exclude) - known:
            raise LbrecError(f"Unknown genres: {', '.join(sorted(unknown))}.")
        if both := include & exclude:
            raise LbrecError(f"{', '.join(sorted(both))} cannot be both wanted and excluded: remove it from one "
                             f"of the genre boxes.")
        low, high = self.options.years or self.year_range
        years = (None if low <= self.year_range[0] else low, None if high >= self.year_range[1] else high)
        return Filters(include_genres=frozenset(include), exclude_genres=frozenset(exclude), years=years,
                       popularity=POPULARITY[self.options.popularity])

    @staticmethod
    def check_choice(history: LetterboxdHistory, choice: str) -> None:
        if choice not in history.choices():
            what = "ratings" if choice != "liked" else "likes"
            raise LetterboxdError(f"This input has no {what}, so \"{CHOICES[choice]}\" is empty: choose \"Your latest "
                                  f"50 films\" under Recommend from.")
        if not history.select(choice):
            raise LetterboxdError(f"None of your films is among {CHOICES[choice]}: choose another set under "
                                  f"Recommend from.")

    # ------------------------------------------------------------------------------------------------ what to show

    def understood(self) -> Understood:
        """The films read and what each became (after the picks)."""
        matched = self.matched or self.raw
        if matched is None:
            return Understood([], [], [])
        rows = [(film_label(f.title, f.year), film_label(m.title, m.year), bool(self.usable([m.movie_id])))
                for f, m in matched.results if m.status == "matched" and m.movie_id is not None]
        raw = self.raw.unmatched if self.raw is not None else []
        missing = [(film_label(f.title, f.year), self.reason(f, m)) for f, m in raw
                   if m.status == "unmatched" or not m.candidates]
        uncertain = [(film_label(f.title, f.year), m.candidates) for f, m in raw
                     if m.status == "uncertain" and m.candidates]
        counts = Counter(m.status for _, m in matched.results)
        return Understood(rows, missing, uncertain, counts, len(self.usable(matched.positives)))

    def reason(self, film: FilmEntry, match: Match) -> str:
        """The matcher's reason, and the likely cause when the film is newer than the catalog."""
        if film.year is not None and film.year > self.year_range[1]:
            return f"{match.reason}; this MovieLens catalog ends in {self.year_range[1]}"
        return match.reason

    def source_name(self) -> str:
        """Where the films came from, in words."""
        history = self.history
        if history is None or history.source == "typed":
            return "the titles you typed"
        if history.source == "export":
            return "your export"
        if history.source == "imdb":
            return "your IMDb ratings"
        return f"{history.username}'s RSS feed" if history.username else "the RSS feed"

    def model_reads(self, used: int) -> str:
        if used > self.engine.max_len:
            return f"The model reads the latest {self.engine.max_len} of the {used:,} films it knows."
        return f"The model reads {films_count(used)}." if used else ""

    def download_stem(self) -> str:
        return f"lbrec-{self.history.username}" if self.history and self.history.username else "lbrec"

    def downloads(self, posters: Mapping[int, np.ndarray] | None = None) -> dict[str, str | bytes]:
        """The files to download, by name: the Letterboxd list CSV, the JSON report and, for a list that is not
        empty, the picture to share (with the `posters` already fetched, by movieId)."""
        stem = self.download_stem()
        files: dict[str, str | bytes] = {
            f"{stem}-list.csv": list_csv((r.title, r.year, r.tmdbId) for r in self.recommendations),
            f"{stem}.json": json.dumps(report(self.matched, self.recommendations), ensure_ascii=False, indent=2)}
        if self.recommendations:
            username = self.history.username if self.history else None
            used = len(self.usable(self.matched.positives if self.matched else []))
            subtitle = f"for {username}" if username else f"based on {used} of your films"
            files[f"{stem}.png"] = share_png(shared_films(self.recommendations, posters), "Films for you", subtitle)
        return files

    def taste(self) -> tuple[dict[str, float], dict[str, float]]:
        """Genre shares of the films the model read and of the recommendations."""
        mine = genre_shares(self._genres_of[m] for m in self.usable(self.matched.positives if self.matched else []))
        return mine, genre_shares(rec.genres for rec in self.recommendations)


def read_input(given: Input, client: Client, progress: Progress = lambda _: None) -> LetterboxdHistory:
    """The history behind one input, read afresh (a session caches its own; a group's members are read here)."""
    if given.kind == "rss":
        if not str(given.value).strip():
            raise LetterboxdError("Type your Letterboxd username first (or upload your export, or type titles).")
        user = validate_username(str(given.value))
        progress(f"Fetching {user}'s RSS feed from Letterboxd…")
        return load_history("rss", user, client=client)
    if given.kind == "export":
        if not given.value:
            raise LetterboxdError("Choose your Letterboxd export ZIP first (Settings > Data > Export your data).")
        name = given.name[:120] or "the export"
        progress(f"Reading {name}…")
        history = read_upload(bytes(given.value), name, given.watchlist)  # type: ignore[arg-type]
        if not history.films:
            raise EmptyHistoryError(f"{name} holds no films to recommend from yet: log or rate a few films on "
                                    f"Letterboxd first, or type some titles")
        return history
    if not str(given.value).strip():
        raise LetterboxdError("Type a few films you love first, one per line.")
    return load_history("typed", str(given.value))


def read_upload(data: bytes, name: str, watchlist: bytes = b"") -> LetterboxdHistory:
    """An uploaded file, recognised by its content: a Letterboxd export ZIP, or IMDb's Your Ratings CSV (with, if
    given, its Watchlist CSV)."""
    if data[:2] == b"PK":
        if watchlist:
            raise LetterboxdError("A Letterboxd export holds its own watchlist: upload the ZIP alone.")
        return read_export(data, name)
    first = data[:2000].lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].lower()
    if b"letterboxd uri" in first or first.startswith(b"letterboxd list export"):
        raise LetterboxdError(f"{name} is one file of a Letterboxd export (or a list): upload the whole export ZIP, "
                              f"as Letterboxd gives it")
    if b"," not in first or b"\x00" in data[:2000]:
        raise LetterboxdError(f"{name} is neither a Letterboxd export ZIP nor an IMDb ratings CSV")
    return read_imdb(data, watchlist or None)


def films_count(n: int) -> str:
    return f"{n:,} film" + ("" if n == 1 else "s")


def genre_shares(genre_lists: Iterable[Sequence[str]]) -> dict[str, float]:
    """Share of films carrying each genre (a film may carry several)."""
    lists = list(genre_lists)
    counts = Counter(g for genres in lists for g in set(genres))
    return {g: n / len(lists) for g, n in counts.items()} if lists else {}
