"""One visitor's state, no widgets: what they gave, what it became, what they chose, and the answers. The page's
views (`lbrec.app.page`, `lbrec.app.questions`) only read the visitor's input into it and render it back; the tests
drive it directly.

`Session` holds the visitor's films, options and marks, and answers "for me": read -> understand -> recommend, each
step asking `lbrec.ask` (as the command line does) and keeping what the visitor needs to see and change:

    session = Session(Ask(engine, index, client))
    session.run(Source("typed", "Heat (1995)\nThe Matrix (1999)"))
    session.matched.positives, session.understood(), session.recommendations
    session.confirm("Solaris", 6474)         # a choice among candidates: the results follow
    session.set_options(k=20, include=frozenset({"Horror"}))
    session.recommend()

- read: a Letterboxd username's RSS feed, an uploaded export ZIP or IMDb CSV, or typed titles; read again only
  when the source changed;
- understand: the chosen films matched to MovieLens: what was matched, what needs a choice, what was not found;
- recommend: the served model under the options (how many, genres, years, mainstream to obscure, watchlist).

`Questions` asks the four other questions over a session, with its options and confirmed choices:

    questions = Questions(session)
    questions.rank(Source("upload", data, name), ToRank("watchlist"))
    questions.similar("Heat (1995)\nhttps://letterboxd.com/film/alien/")
    questions.predict(Source("typed", "Heat (1995)"), "Aliens (1986)")
    questions.group([Member("ana", Source("rss", "ana")), Member("", Source("typed", "Alien (1979)"))])

Every refusal is an `LbrecError` whose message is written for the person, raised before any answer changes: the
session keeps nothing half-done, and the answer of the last question asked stays until another succeeds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from lbrec.app import downloads
from lbrec.app.memory import MARKS, MOVIE_ID, TMDB_ID, Marked, Message
from lbrec.ask.answers import Answer
from lbrec.ask.options import Options
from lbrec.ask.person import Person, Source
from lbrec.ask.questions import Ask, Member, ToRank
from lbrec.ask.shelf import Shelf
from lbrec.catalog.matches import Candidate, Match, MatchedHistory
from lbrec.data.titles import film_label
from lbrec.errors import LbrecError
from lbrec.letterboxd.history import CHOICES, DEFAULT_CHOICE, FilmEntry, LetterboxdHistory
from lbrec.letterboxd.upload import pair_upload
from lbrec.serving.results import Film, Recommendation

SKIP = 0  # the pick for "none of these candidates" (movieIds and TMDb ids start at 1)

Progress = Callable[[str], None]


def upload_source(files: Sequence[tuple[str, bytes]]) -> Source:
    """What was uploaded, as a source: one file, or IMDb's ratings and watchlist CSVs together."""
    name, data, watchlist = pair_upload(files)
    return Source("upload", data, name, watchlist or None)


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

    def __init__(self, ask: Ask):
        self.ask = ask
        self.engine = ask.engine
        self.options = Options(exclude_watchlist=True)
        self.source: Source | None = None  # the source the last run read (a choice may have refused its films since)
        self.history: LetterboxdHistory | None = None
        self.raw: MatchedHistory | None = None  # as matched, before the visitor's choices among candidates
        self.person: Person | None = None  # with them
        self.confirmed: dict[str, int] = {}  # film label -> the movieId chosen among the candidates, or SKIP
        self.confirmed_on_tmdb: dict[str, int] = {}  # film label -> the TMDb id chosen among TMDb's, or SKIP
        self.answer: Answer[Recommendation] | None = None  # the last recommend() (empty: the options leave no film)
        self.shelf: Shelf | None = None  # the films newer than the model for that answer, once asked (`newer`)
        self._history_key: tuple | None = None
        self._matching: tuple | None = None  # the source's key and the choice `raw` was matched under
        self._matched: dict[tuple, MatchedHistory] = {}  # (source's key, choice) -> its films as matched
        self.marks: dict[Marked, str] = {}  # film -> "not_for_me" or "seen", oldest first (the browser keeps them)
        self.titles: dict[int, str] = {}  # the marked films only TMDb knows, in words, by TMDb id (for the list)
        self.year_range = self.engine.year_range
        self._genres_of = dict(zip(self.engine.catalog.movie_ids.tolist(), self.engine.catalog.genres, strict=True))

    @property
    def matched(self) -> MatchedHistory | None:
        return self.person.matched if self.person else None

    @property
    def recommendations(self) -> list[Recommendation]:
        return list(self.answer.films) if self.answer else []

    @property
    def answered(self) -> bool:
        return self.answer is not None

    # ------------------------------------------------------------------------------------------------ steps

    def run(self, source: Source, progress: Progress = lambda _: None) -> None:
        """Read the source, match the chosen films and recommend; on any refusal nothing of a result is left. The
        source is read again only when it changed, and its films matched once for each choice (another option only
        asks again)."""
        matching = (source.key, self.choice(source))
        self._matched = {key: raw for key, raw in self._matched.items() if key[0] == source.key}
        raw = self._matched.get(matching)
        self.clear()
        history = self.read(source, progress)
        self.source = source  # read: another option applies to it at once, even after a refused choice
        if raw is None:
            progress(f"Matching {films_count(len(history.select(self.choice(source))))} to MovieLens…")
            raw = self.ask.matches(history, self.choice(source))
        self.raw, self._matching = raw, matching
        self._matched[matching] = raw
        self.recommend(progress)

    def ahead(self) -> Iterator[tuple[str, list[Film]]]:
        """Answer now, while the visitor reads this answer, each other choice of films ("Recommend from") the source
        allows, so that choosing one shows at once: its films matched (kept for `run`) and its shelf's questions to
        TMDb (kept by the TMDb client). Yields each choice with its answer's films (the model's, then the shelf's),
        whose posters the page may ask for meanwhile; the caller stops between two. The fewest films first: the
        quickest to answer (every film of a long export takes the model most of a second)."""
        source, history, matching = self.source, self.history, self._matching
        if source is None or history is None or matching is None or source.kind == "typed":
            return
        options, confirmed, on_tmdb = self.options, dict(self.confirmed), dict(self.confirmed_on_tmdb)
        picks = {choice: tuple(map(id, history.select(choice))) for choice in CHOICES}  # `auto` is one of the others
        answered = {picks[matching[1]]}
        for choice in sorted(picks, key=lambda choice: len(picks[choice])):
            if picks[choice] in answered:
                continue
            answered.add(picks[choice])
            try:
                raw = self._matched.get((source.key, choice)) or self.ask.matches(history, choice)
                self._matched[(source.key, choice)] = raw
                chosen = replace(options, choice=choice)
                person = self.ask.person(history, chosen, confirmed, raw, on_tmdb)
                films = list(self.ask.recommend(person, chosen).films)
                films += self.ask.newer(person, chosen).films
            except LbrecError:  # a choice this source refuses (the latest 50 of a bulk import), or that reads nothing
                continue
            yield choice, films

    def choice(self, source: Source) -> str:
        """Which films to read: typed titles carry no ratings, so always the default (all of them)."""
        return DEFAULT_CHOICE if source.kind == "typed" else self.options.choice

    def read(self, source: Source, progress: Progress = lambda _: None) -> LetterboxdHistory:
        """The history for `source`, read again only when the source changed."""
        if source.key == self._history_key and self.history is not None:
            return self.history
        history = self.ask.history(source, progress)
        self.history, self._history_key = history, source.key
        return history

    def person_for(self, source: Source, progress: Progress = lambda _: None) -> Person:
        """The visitor's films read from `source` and matched under the options, with their choices."""
        history = self.read(source, progress)
        progress("Matching your films to MovieLens…")
        options = replace(self.options, choice=self.choice(source))
        return self.ask.person(history, options, self.confirmed, confirmed_on_tmdb=self.confirmed_on_tmdb)

    def recommend(self, progress: Progress = lambda _: None, keep_shelf: bool = False) -> list[Recommendation]:
        """Recommendations for the matched films (with the choices) under the current options; `keep_shelf`: the
        newer films are ranked again from what TMDb offered them, under the marks as they are now (a mark: TMDb is not
        asked again)."""
        if self.raw is None or self.history is None:
            raise LbrecError("Read some films first.")
        kept = self.ask.newer_again(self.shelf, self.options) if keep_shelf and self.shelf is not None else None
        self.answer = self.person = None
        self.person = self.ask.person(
            self.history, confirmed=self.confirmed, matches=self.raw, confirmed_on_tmdb=self.confirmed_on_tmdb
        )
        progress(f"Scoring {self.engine.n_items:,} films…")
        self.answer = self.ask.recommend(self.person, self.options)
        self.shelf = kept
        if kept is not None and kept.lookup is not None:
            self.answer.shelf = kept
        return self.recommendations

    def newer(self, progress: Progress = lambda _: None) -> Shelf:
        """The films newer than the model for the last answer's person under the options: TMDb's, with the server's
        key (seconds on a cold cache: the page asks in a thread, after the model's cards); without a key, the line
        that says what one would add."""
        person = self.person
        shelf = self.ask.newer(person, self.options, progress) if person is not None else Shelf()
        if person is self.person:  # not replaced meanwhile by another answer
            self.shelf = shelf
            if self.answer is not None and shelf.lookup is not None:  # TMDb was asked: the downloads list them too
                self.answer.shelf = shelf
        return shelf

    def confirm(self, label: str, movie_id: int) -> None:
        """The visitor's choice among the candidates for `label` (SKIP: none of them); the results follow."""
        self.confirmed[label] = movie_id
        if self.raw is not None:
            self.recommend()

    def confirm_on_tmdb(self, label: str, tmdb_id: int) -> None:
        """The visitor's choice among TMDb's candidates for `label` (SKIP: none of them); the model's films stay as
        they are and the newer films are asked again (`newer`: TMDb's answers are kept a day)."""
        self.confirmed_on_tmdb[label] = tmdb_id
        if self.raw is not None:
            self.recommend()

    def set_options(self, **changes: object) -> None:
        """Change the options: the next `run` or `recommend` applies them."""
        self.options = replace(self.options, **changes)

    def remember(self, message: Message) -> None:
        """A change of the visitor's marks (`restore`, `mark`, `undo`, `clear`): the options follow, and so does the
        next answer (`recommend()` or a question asked again)."""
        if message.kind in ("restore", "clear"):
            self.marks, self.titles = {}, {}
        for film, mark in message.marks.items():
            self.marks.pop(film, None)
            if message.kind != "undo":
                self.marks[film] = mark
        self.titles = {
            number: title for number, title in (self.titles | message.titles).items() if (TMDB_ID, number) in self.marks
        }

        def marked(kind: str, key: str) -> frozenset[int]:
            return frozenset(number for (of, number), mark in self.marks.items() if of == key and mark == kind)

        self.options = replace(
            self.options,
            **{kind: marked(kind, MOVIE_ID) for kind in MARKS},
            **{f"{kind}_tmdb": marked(kind, TMDB_ID) for kind in MARKS},
        )

    def listed(self) -> list[dict]:
        """The marks as the visitor's list shows them, the latest first: the film's id (movieId or tmdbId), the film
        in words, the mark."""
        listed = []
        for (key, number), mark in reversed(self.marks.items()):
            if key == TMDB_ID:
                listed.append({key: number, "title": self.titles.get(number) or f"TMDb film {number}", "mark": mark})
            elif (item := self.engine.item_of(number)) is not None and (film := self.engine.film(item)):
                listed.append({key: number, "title": film_label(film.title, film.year), "mark": mark})
        return listed

    def clear(self) -> None:
        self.raw = self.person = None
        self.source = None
        self.answer = None
        self.shelf = None

    def usable(self, movie_ids: Iterable[int]) -> list[int]:
        """The films the model knows (MovieLens films rated too rarely were left out of its vocabulary)."""
        return [m for m in movie_ids if self.engine.knows(m)]

    # ------------------------------------------------------------------------------------------------ what to show

    def understood(self) -> Understood:
        """The films read and what each became (after the visitor's choices)."""
        matched = self.matched or self.raw
        if matched is None:
            return Understood([], [], [])
        rows = [
            (film_label(f.title, f.year), film_label(m.title, m.year), bool(self.usable([m.movie_id])))
            for f, m in matched.results
            if m.status == "matched" and m.movie_id is not None
        ]
        raw = self.raw.unmatched if self.raw is not None else []
        last_year = self.year_range[1]
        newer = {id(f) for f, _ in raw if f.year is not None and f.year > last_year}  # no candidate can be one of them
        missing = [
            (film_label(f.title, f.year), self.reason(f, m))
            for f, m in raw
            if m.status == "unmatched" or not m.candidates or id(f) in newer
        ]
        uncertain = [
            (film_label(f.title, f.year), m.candidates)
            for f, m in raw
            if m.status == "uncertain" and m.candidates and id(f) not in newer
        ]
        counts = Counter(m.status for _, m in matched.results)
        return Understood(rows, missing, uncertain, counts, len(self.usable(matched.positives)))

    def reason(self, film: FilmEntry, match: Match) -> str:
        """Why the model cannot read the film, in a film lover's words (`why_missing`)."""
        return why_missing(match.reason, film.year, self.year_range[1])

    def download_stem(self) -> str:
        return f"lbrec-{self.history.username}" if self.history and self.history.username else "lbrec"

    def downloads(self) -> dict[str, str]:
        """The list CSV and the JSON of the recommendations, by file name."""
        return downloads.files(self.answer, self.download_stem()) if self.answer else {}

    def picture(self, posters: Mapping[int, np.ndarray] | None = None) -> dict[str, bytes]:
        """The picture to share of the recommendations (with the `posters` already fetched, by TMDb id)."""
        if self.answer is None:
            return {}
        username = self.history.username if self.history else None
        subtitle = (
            f"for {username}" if username else f"based on {len(self.person.liked) if self.person else 0} of your films"
        )
        return downloads.picture(self.answer, self.download_stem(), subtitle, posters)

    def taste(self) -> tuple[dict[str, float], dict[str, float]]:
        """Genre shares of the films the model read and of the recommendations."""
        mine = genre_shares(self._genres_of[m] for m in self.usable(self.matched.positives if self.matched else []))
        return mine, genre_shares(rec.genres for rec in self.recommendations)


def why_missing(reason: str, year: int | None, last_year: int) -> str:
    """Why the model cannot read a film, as a film lover is told it: newer than its films, not in its catalog, or
    the reason the matcher or the question gave (which film was meant, too rarely rated)."""
    if year is not None and year > last_year:
        return f"newer than this model's films (they end in {last_year})"
    if "no MovieLens title is close" in reason:
        return "not in its catalog"
    return reason.replace("MovieLens has", "its catalog has")


def films_count(n: int) -> str:
    return f"{n:,} film" + ("" if n == 1 else "s")


def genre_shares(genre_lists: Iterable[Sequence[str]]) -> dict[str, float]:
    """Share of films carrying each genre (a film may carry several)."""
    lists = list(genre_lists)
    counts = Counter(g for genres in lists for g in set(genres))
    return {g: n / len(lists) for g, n in counts.items()} if lists else {}


def split_queries(text: str) -> list[str]:
    """One film per line or between semicolons (links and titles may hold commas)."""
    return [q.strip() for q in re.split(r"[;\n\r]+", text) if q.strip()]


class Questions:
    """The four questions beyond "for me" over one session's model, client and options (see the module docstring)."""

    def __init__(self, session: Session):
        self.session = session
        self.answer: Answer | None = None
        self._members: dict[tuple, LetterboxdHistory] = {}  # the last group's histories, by source

    def rank(self, source: Source, to_rank: ToRank, progress: Progress = lambda _: None) -> Answer:
        """The films to rank best first for the visitor, at most k of them, watched films kept and marked."""
        ask = self.session.ask
        listed = None if to_rank.kind == "watchlist" else ask.to_rank(to_rank)
        person = self.session.person_for(source, progress)
        films = listed or ask.to_rank(to_rank, person)
        progress("Ranking the films for you…")
        self.answer = ask.rank(person, films, self.session.options)
        return self.answer

    def predict(self, source: Source, queries: str, progress: Progress = lambda _: None) -> Answer:
        """Each film asked about placed among every film the visitor has not seen, with a verdict."""
        asked = self.session.ask.asked(split_queries(queries))  # an unknown film: no download
        person = self.session.person_for(source, progress)
        self.answer = self.session.ask.predict(person, asked, self.session.options)
        return self.answer

    def similar(self, queries: str, progress: Progress = lambda _: None) -> Answer:
        """The k films most like the seeds, each with the seeds it comes from, under the options' filters."""
        progress("Finding similar films…")
        self.answer = self.session.ask.similar(split_queries(queries), self.session.options)
        return self.answer

    def group(self, members: list[Member], progress: Progress = lambda _: None) -> Answer:
        """The group's top k: films none of them has watched, each with every member's fit and reasons."""
        kept, self._members = self._members, {}

        def read(source: Source, progress: Progress) -> LetterboxdHistory:  # a mark's answer reads nothing again
            history = kept.get(source.key) or self.session.ask.history(source, progress)
            self._members[source.key] = history
            return history

        self.answer = self.session.ask.group(members, self.session.options, progress, read)
        return self.answer

    def downloads(self) -> dict[str, str]:
        """The answer's list CSV (a ranked list) and JSON, by file name."""
        return downloads.files(self.answer, f"lbrec-{self.answer.question}") if self.answer else {}

    def picture(self, posters: Mapping[int, np.ndarray] | None = None) -> dict[str, bytes]:
        """The picture to share of the answer (with the `posters` already fetched, by TMDb id)."""
        return downloads.picture(self.answer, f"lbrec-{self.answer.question}", posters=posters) if self.answer else {}
