"""The five questions, asked of the served model the same way from the command line and the app:

    ask = Ask(engine)
    person = ask.person(read_history(Source("typed", "Heat (1995); Alien (1979)")), options)
    ask.recommend(person, options)                       # for me
    ask.rank(person, ask.to_rank(ToRank("watchlist"), person), options)   # my watchlist or a list, ranked
    ask.predict(person, ["Aliens (1986)"])               # would I like it?
    ask.similar(["Toy Story (1995)"], options)            # more like this film, no history needed
    ask.group([Member("ana", Source("rss", "ana")), Member("", Source("typed", "Alien"))], options)

Each returns an `Answer`, or raises an `LbrecError` whose one-line message both faces show as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from lbrec.ask.answers import REFUSED, Answer, NotFound, films_label, not_used, nothing_usable
from lbrec.ask.lookup import Lookup, beyond_the_model, label, lacking
from lbrec.ask.options import Marked, Options, marked_films, marked_matches, marked_on_tmdb
from lbrec.ask.person import Person, Progress, Source, chosen_matches, person_of, quiet, read_history
from lbrec.ask.placing import TROUBLE, place, seen_of
from lbrec.ask.shelf import Shelf, newer_shelf, offers, ranked_again
from lbrec.ask.shelves import group_shelf, similar_shelf
from lbrec.ask.watch import candidates, where, with_watch
from lbrec.catalog.index import MatchIndex
from lbrec.catalog.matches import Match, MatchedHistory, match_films
from lbrec.data.titles import film_label
from lbrec.errors import LbrecError, TmdbKeyError, WhereToWatchError
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.export import username_in_name
from lbrec.letterboxd.history import DEFAULT_CHOICE, FilmEntry, LetterboxdHistory
from lbrec.letterboxd.lists import read_list_csv
from lbrec.letterboxd.typed import parse_film_query, parse_typed
from lbrec.serving.engine import Recommender
from lbrec.serving.group import MemberFilms, recommend_for_group
from lbrec.serving.predict import predict_films
from lbrec.serving.rank import rank_films
from lbrec.serving.results import GroupFilm, NewerFilm, Prediction, Ranked, Recommendation, Similar
from lbrec.serving.similar import similar_films

if TYPE_CHECKING:
    from lbrec.tmdb.client import TmdbClient

MIN_MEMBERS, MAX_MEMBERS = 2, 6  # a group
MODEL_KNOWS_NONE = "the model knows none of your films: the films below come from TMDb alone"
NO_WATCHLIST = {
    "export": "this export has no watchlist films (its watchlist.csv is missing or empty): rank a list "
    "CSV or typed titles instead",
    "rss": "an RSS feed carries no watchlist: upload your export, or rank a list CSV or typed titles",
    "typed": "typed titles carry no watchlist: rank a list CSV or typed titles instead",
    "imdb": "no IMDb watchlist was given: add IMDb's watchlist export (Watchlist > Export on IMDb) with "
    "--imdb-watchlist FILE on the command line, or upload it beside your ratings",
}


@dataclass(frozen=True)
class ToRank:
    """The films to rank: `watchlist` (the person's own), `list` (a Letterboxd list CSV: its bytes, or on the
    command line a path) or `typed` (titles)."""

    kind: str
    value: str | bytes = ""
    name: str = ""  # the list file's name


@dataclass(frozen=True)
class Member:
    """One person of a group: a name to show (empty: one is made from the source) and where their films are."""

    name: str
    source: Source


class Ask:
    """The questions over one served model (shared by every visitor of a kernel); `allow_files`: the command line's
    sources may be paths."""

    def __init__(
        self,
        engine: Recommender,
        index: MatchIndex | None = None,
        client: Client | None = None,
        allow_files: bool = False,
        tmdb: TmdbClient | None = None,
    ):
        self.engine = engine
        self.index = index or MatchIndex(engine.catalog)
        self.client = client
        self.allow_files = allow_files
        self.tmdb = tmdb  # the person's own TMDb key: where to watch (None: not asked of TMDb)

    # ------------------------------------------------------------------------------------------------ one person

    def history(self, source: Source, progress: Progress = quiet) -> LetterboxdHistory:
        return read_history(source, self.client, progress, self.allow_files)

    def matches(self, history: LetterboxdHistory, choice: str = DEFAULT_CHOICE) -> MatchedHistory:
        """The chosen films matched, before any choice among candidates (what "What we understood" shows)."""
        return chosen_matches(self.index, history, choice)

    def person(
        self,
        history: LetterboxdHistory,
        options: Options = Options(),
        confirmed: Mapping[str, int] | None = None,
        matches: MatchedHistory | None = None,
        confirmed_on_tmdb: Mapping[str, int] | None = None,
    ) -> Person:
        """The person behind `history`: their chosen films matched (or `matches`, already matched), with their
        `confirmed` choices among candidates (`confirmed_on_tmdb`: among TMDb's, read by `Ask.newer`)."""
        matches = matches or self.matches(history, options.choice)
        second = self.tmdb is not None
        return person_of(self.engine, history, matches, confirmed, second, confirmed_on_tmdb)

    def recommend(self, person: Person, options: Options = Options()) -> Answer[Recommendation]:
        """Films for one person: nothing they have watched (nor, when asked, their watchlist). Like "similar", its
        answer may hold no film when the options leave none (`options.nothing_passes` says so in words)."""
        filters, asked = options.filters(self.engine), where(self.tmdb, options)
        exclude = person.seen | options.seen | (person.matched.watchlist if options.exclude_watchlist else set())
        k = options.k or 10
        scored = candidates(options, asked)
        reading = person.reading(options.reading)
        if not person.liked:  # only TMDb knows their films: the model's popular films would be no answer to them
            return Answer("recommend", [], "your films", person=person.matched, note=MODEL_KNOWS_NONE)
        films = self.engine.recommend(
            person.liked, k=scored, exclude=exclude, filters=filters, explain=scored == k, reading=reading
        )

        def explain(kept: list[Recommendation]) -> list[Recommendation]:
            standing = self.engine.standing(person.liked, exclude=exclude, reading=reading)
            items = [self.engine.item_of(film.movieId) or 0 for film in kept]
            return [
                replace(film, because=because)
                for film, because in zip(kept, self.engine.because(standing, items), strict=True)
            ]

        films, note = with_watch(films, asked, k, explain if scored != k else list)
        missing = self.not_used(person.matched.results)
        return Answer("recommend", films, "your films", person=person.matched, note=note, not_used=missing)

    def newer(self, person: Person, options: Options = Options(), progress: Progress = quiet) -> Shelf:
        """Films newer than the model for one person, from TMDb (`lbrec.ask.shelf`): nothing they have seen,
        marked or (when asked) put on their watchlist. Without a key, an empty shelf that says what one adds."""
        if self.tmdb is None:
            return Shelf(note=without_a_key(person, self.engine.year_range[1]))
        shelf = newer_shelf(
            self.engine,
            self.tmdb,
            person,
            self.index,
            options.filters(self.engine),
            person.reading(options.reading),
            person.history.watchlist if options.exclude_watchlist else (),
            candidates(options, where(self.tmdb, options)),
            progress,
            options.tmdb_marks,
        )
        shelf.films, note = self.watched_shelf(shelf.films, options)
        shelf.note = "; ".join(line for line in (shelf.note, note) if line)
        return shelf

    def newer_again(self, shelf: Shelf, options: Options) -> Shelf:
        """The shelf ranked again under the marks as they are now, from what TMDb offered it (`ranked_again`: a
        mark's click, at once; nothing is asked of TMDb but where to watch a film new to it), its lines as they were."""
        if shelf.offered is None or shelf.seen is None:  # TMDb offered nothing (no key, or it refused the key)
            return shelf
        k = candidates(options, where(self.tmdb, options))
        filters = options.filters(self.engine)
        films = ranked_again(self.engine, shelf.offered, shelf.seen, filters, options.tmdb_marks, k)
        return replace(shelf, films=self.watched_shelf(films, options)[0])

    def watched_shelf(self, films: list[NewerFilm], options: Options) -> tuple[list[NewerFilm], str]:
        """The shelf's films with where to watch them (with services, only those that stream there), and a line."""
        try:
            return with_watch(films, where(self.tmdb, options), options.k or 10)
        except WhereToWatchError as exc:  # none of them streams there: the shelf says so, the model's films stand
            return [], str(exc)

    def to_rank(self, to_rank: ToRank, person: Person | None = None) -> tuple[list[FilmEntry], str]:
        """The films to rank and what they are, in words (a watchlist is the `person`'s)."""
        if to_rank.kind == "watchlist":
            if person is None:
                raise LbrecError("a watchlist is a person's: read their films first")
            history = person.history
            if not history.watchlist:
                raise LbrecError(NO_WATCHLIST.get(history.source, "this source has no watchlist"))
            return history.watchlist, "your watchlist"
        if to_rank.kind == "list":
            if not to_rank.value:
                raise LbrecError("choose a Letterboxd list CSV first (on the list's page: … > Export list)")
            name, films = read_list_csv(to_rank.value)
            return films, f"the list “{name}”" if name else f"the list in {to_rank.name[:120] or 'the CSV'}"
        if not str(to_rank.value).strip():
            raise LbrecError("type the films to rank first, one per line")
        return parse_typed(str(to_rank.value)).films, "the titles you typed"

    def rank(self, person: Person, films: tuple[list[FilmEntry], str], options: Options = Options()) -> Answer[Ranked]:
        """The films best first for the person (the first k), watched films kept and marked."""
        entries, what = films
        asked = match_films(self.index, entries)
        usable = [m for m in asked.positives if self.engine.knows(m)]
        placed, lookup, trouble = self.on_tmdb(person, asked, options)
        refused = [
            NotFound(film_label(f.title, f.year), REFUSED) for f in placed if f.tmdbId in options.not_for_me_tmdb
        ]
        placed = [film for film in placed if film.tmdbId not in options.not_for_me_tmdb]
        if not usable and not placed and not refused:
            raise nothing_usable(f"the {len(entries)} films of {what}", asked.results)
        if usable and not placed and not set(usable) - person.seen - options.seen:
            raise LbrecError(f"you have watched every film of {what} that was found: nothing is left to rank")
        if not placed and not set(usable) - options.not_for_me:
            raise LbrecError(f"you marked every film of {what} that was found “not for me”: nothing is left to rank")
        options.filters(self.engine)
        wanted = where(self.tmdb, options)
        whole = (wanted is not None and bool(wanted.services)) or bool(placed)  # cut to k after filtering, merging
        ranking = rank_films(
            self.engine,
            person.liked,
            usable,
            person.matched.watched | options.seen,
            k=None if whole else options.k,
            reading=person.reading(options.reading),
        )
        ranking = sorted([*ranking, *placed], key=lambda film: -film.percentile)  # each placed in its catalog
        ranking, note = with_watch(ranking[: None if wanted else options.k], wanted, options.k or len(ranking))
        note = "; ".join(line for line in (trouble, note) if line)
        refused += [
            NotFound(film.label, REFUSED)
            for film, match in asked.results
            if match.status == "matched" and match.movie_id in options.not_for_me
        ]
        missing = self.not_used(asked.results) + refused
        return Answer(
            "rank", ranking, what, person=person.matched, asked=asked, note=note, lookup=lookup, not_used=missing
        )

    def not_used(self, results: list[tuple[FilmEntry, Match]]) -> list[NotFound]:
        """Every film of `results` that no answer holds, with why (`lbrec.ask.answers.not_used`)."""
        return not_used(results, self.engine.knows, self.engine.year_range[1])

    def on_tmdb(
        self, person: Person, asked: MatchedHistory, options: Options, predicting: bool = False
    ) -> tuple[list, Lookup | None, str]:
        """The films asked about or among that the model lacks, placed on TMDb for the person (`lbrec.ask.placing`),
        as `Ranked` films (`predicting`: `Prediction`s), those marked "seen it" watched; the lookup; and one line
        when TMDb refused the key or did not answer for some. Nothing without a key."""
        missing = lacking(asked, self.engine.knows, self.engine.year_range[1])
        if self.tmdb is None or not missing:
            return [], None, ""
        try:
            offered = offers(self.engine, self.tmdb, person, self.index, person.reading(options.reading))
            placed, lookup = place(self.tmdb, offered, missing)
        except TmdbKeyError as exc:
            return [], None, f"{exc}: the films only TMDb knows are left out"
        seen = seen_of(offered, person.history.films)
        watched = [p.film in seen or p.film.tmdb_id in options.seen_tmdb for p in placed]
        films = [
            p.predicted(label(p.entry), was, p.film.tmdb_id in options.not_for_me_tmdb) if predicting else p.ranked(was)
            for p, was in zip(placed, watched, strict=True)
        ]
        return films, lookup, TROUBLE if self.tmdb.trouble or offered.troubled else ""

    def marked(self, films: str | bytes, mark: str) -> Marked:
        """The films a person marks (`mark`: "not for me" or "seen it"): see `marked_films`; with a key, those the
        model lacks are looked up on TMDb before a typed one is refused (`marked_on_tmdb`)."""
        if self.tmdb is None:
            return Marked(marked_films(self.index, films, mark, self.allow_files))
        matched, typed = marked_matches(self.index, films, mark, self.allow_files)
        tmdb_ids = marked_on_tmdb(self.tmdb, self.engine.knows, self.engine.year_range[1], matched, typed, mark)
        return Marked(frozenset(matched.positives), tmdb_ids)

    def asked(self, queries: Sequence[str]) -> tuple[MatchedHistory, list[tuple[str, int]]]:
        """Films asked about (titles or links), matched: all of them, and (query, movieId) of those the model knows.
        A malformed query fails here, before any history is read."""
        if not queries:
            raise LbrecError("type a film first: a title such as “Heat (1995)” or a film's link")
        asked = match_films(self.index, [parse_film_query(text) for text in queries])
        known = [
            (text, m.movie_id)
            for text, (_, m) in zip(queries, asked.results, strict=True)
            if m.movie_id is not None and m.status == "matched" and self.engine.knows(m.movie_id)
        ]
        if not known and self.tmdb is None:  # with a key, TMDb may know them: the question says after asking it
            raise nothing_usable("the films you asked about", asked.results)
        return asked, known

    def predict(
        self,
        person: Person,
        queries: Sequence[str] | tuple[MatchedHistory, list[tuple[str, int]]],
        options: Options = Options(),
    ) -> Answer[Prediction]:
        """Each film asked about placed among every film the person has not seen, with a verdict (and, with a
        country, where to watch it: services filter nothing here, the films were asked about)."""
        wanted = where(self.tmdb, replace(options, services=frozenset()))
        asked, known = self.asked(queries) if not isinstance(queries, tuple) else queries
        predictions = predict_films(
            self.engine,
            person.liked,
            known,
            person.matched.watched | options.seen,
            person.ratings(self.index),
            person.reading(options.reading),
        )
        placed, lookup, trouble = self.on_tmdb(person, asked, options, predicting=True)
        if not predictions and not placed:
            raise nothing_usable("the films you asked about", asked.results)
        predictions, _ = with_watch([*predictions, *placed], wanted, len(predictions) + len(placed))
        return Answer(
            "predict",
            predictions,
            "the films you asked about",
            person=person.matched,
            asked=asked,
            note=trouble,
            lookup=lookup,
            not_used=self.not_used(asked.results),
        )

    # ------------------------------------------------------------------------------------------------ no history

    def similar(self, queries: Sequence[str], options: Options = Options()) -> Answer[Similar]:
        """The k films most like the seeds, each with the seeds it comes from."""
        filters, wanted = options.filters(self.engine), where(self.tmdb, options)
        asked, known = self.asked(queries)
        films = (
            similar_films(
                self.engine,
                [movie_id for _, movie_id in known],
                k=candidates(options, wanted),
                filters=filters,
                exclude=options.seen,
                reading=options.reading,
            )
            if known
            else []
        )
        films, note = with_watch(films, wanted, options.k or 10) if films else ([], "")
        k, marks = options.k or 10, options.tmdb_marks
        shelf = similar_shelf(self.engine, self.tmdb, asked, filters, k, marks) if self.tmdb else None
        if not films and not (shelf and shelf.films):
            raise nothing_usable("the films you asked about", asked.results)
        what = films_label(asked, shelf.lookup if shelf else None)
        lookup, missing = shelf and shelf.lookup, self.not_used(asked.results)
        return Answer("similar", films, what, asked=asked, note=note, shelf=shelf, lookup=lookup, not_used=missing)

    # ------------------------------------------------------------------------------------------------ a group

    def group(
        self,
        members: Sequence[Member],
        options: Options = Options(),
        progress: Progress = quiet,
        read: Callable[[Source, Progress], LetterboxdHistory] | None = None,
    ) -> Answer[GroupFilm]:
        """The group's top k: films none of them has watched (nor, when asked, put on a watchlist). `read`: how a
        member's history is read (default: afresh; the app keeps the last group's, to answer again at once)."""
        if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
            raise LbrecError(
                f"a group has {MIN_MEMBERS} to {MAX_MEMBERS} members, not {len(members)}: "
                + ("add someone" if len(members) < MIN_MEMBERS else "remove someone")
            )
        filters, wanted = options.filters(self.engine), where(self.tmdb, options)
        labels: list[str] = []
        people = []
        for number, member in enumerate(members, 1):
            person = self.member(member, member_label(member, number), number, progress, read)
            label = member_label(member, number, person.history.username)
            labels.append(label if label not in labels else f"{label} ({number})")
            people.append(person)
        progress(f"Scoring films for {len(people)} people…")
        films = recommend_for_group(
            self.engine,
            [
                MemberFilms(label, p.liked, p.matched.watched, p.matched.watchlist, p.unordered)
                for label, p in zip(labels, people, strict=True)
            ],
            k=candidates(options, wanted),
            with_watchlists=options.exclude_watchlist,
            filters=filters,
            exclude=options.seen,
            reading=options.reading,
        )
        shelf = None
        if self.tmdb is not None:
            k, marks = options.k or 10, options.tmdb_marks
            newer, trouble = group_shelf(self.engine, self.tmdb, people, labels, self.index, filters, k, marks)
            shelf = Shelf(newer, note=trouble, last_year=self.engine.year_range[1])
        if not films and not (shelf and shelf.films):
            raise LbrecError(
                "no film is left: every film that passes these options has been watched by someone in this group"
            )
        films, note = with_watch(films, wanted, options.k or 10) if films else ([], "")
        return Answer(
            "group",
            films,
            f"{len(people)} people",
            members=[(label, p.matched) for label, p in zip(labels, people, strict=True)],
            note=note,
            shelf=shelf,
        )

    def member(
        self,
        member: Member,
        label: str,
        number: int,
        progress: Progress = quiet,
        read: Callable[[Source, Progress], LetterboxdHistory] | None = None,
    ) -> Person:
        """One member read and matched on their own; a failure names the member and says why."""
        try:
            return self.person((read or self.history)(member.source, progress))
        except LbrecError as exc:
            who = f"member {number}" + ("" if label == f"member {number}" else f" ({label})")
            raise LbrecError(f"{who}: {str(exc).rstrip('.')}") from None


def member_label(member: Member, number: int, username: str | None = None) -> str:
    """The member's name, else their Letterboxd username, else their file's name, else "member N"."""
    source = member.source
    label = member.name.strip() or username or (str(source.value).strip() if source.kind == "rss" else "")
    if not label and source.kind in ("export", "imdb", "upload"):
        name = Path(source.name or ("" if isinstance(source.value, bytes) else os.fspath(source.value))).name
        label = username_in_name(name) or name
    return label[:40] or f"member {number}"


def without_a_key(person: Person, last_year: int) -> str:
    """The line for a person without a TMDb key: how many of their films the model cannot know, and what a key adds."""
    newer = beyond_the_model([film for film, _ in person.matched.results], last_year)  # type: ignore[misc]
    if not newer:
        return ""
    films = "1 of your films is" if newer == 1 else f"{newer:,} of your films are"
    return (
        f"{films} newer than this model's films (up to {last_year}): "
        f"with a TMDb key, lbrec reads {'it' if newer == 1 else 'them'} too and adds films of every year"
    )
