"""The questions beyond "for me", asked of one `Session`: rank my watchlist or a list, more like this film, would
I like it, and watch together. No widgets: each is a plain method that the views call and the tests drive, and
returns plain data (the serving layer's records, with what was not matched and why).

    questions = Questions(session)
    questions.rank(Input("export", data, name), Candidates("watchlist"))
    questions.similar("Heat (1995)\\nhttps://letterboxd.com/film/alien/")
    questions.predict(Input("typed", "Heat (1995)"), "Aliens (1986)")
    questions.group([Member("ana", Input("rss", "ana")), Member("", Input("typed", "Alien (1979)"))])

Every refusal is an `LbrecError` with a one-line message for the person, raised before any answer changes: the
answer of the last question asked stays until another succeeds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from lbrec.app.session import Input, Progress, Session, read_input
from lbrec.catalog.matches import Match, MatchedHistory, match_films
from lbrec.data.titles import film_label
from lbrec.errors import LbrecError
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory
from lbrec.letterboxd.lists import list_csv, read_list_csv
from lbrec.letterboxd.sources import match_history
from lbrec.letterboxd.typed import parse_film_query, parse_typed
from lbrec.serving.group import MAX_MEMBERS, MIN_MEMBERS, recommend_for_group
from lbrec.serving.group import Member as Person
from lbrec.serving.predict import predict_films
from lbrec.serving.rank import rank_films
from lbrec.serving.similar import similar_films
from lbrec.share import share_png, shared_films, without_a_shared_reason

# The answers drawn as a picture to share: its heading, what its subtitle says of `Answer.what`, and the reasons.
SHARED = {"rank": ("Best first for you", "from", "because you liked"), "similar": ("More like this", "like", "like"),
          "group": ("Films to watch together", "for", "because of")}
QUESTIONS = {"next": "For me", "rank": "From my watchlist or a list", "similar": "Like this film",
             "predict": "Would I like…?", "group": "Watch together"}
NO_WATCHLIST = {"export": "This export has no watchlist films (its watchlist.csv is missing or empty): upload a "
                          "list CSV or type the films to rank instead.",
                "rss": "An RSS feed carries no watchlist: upload your export, or upload a list CSV or type the "
                       "films to rank.",
                "typed": "Typed titles carry no watchlist: upload a list CSV or type the films to rank."}


@dataclass(frozen=True)
class Candidates:
    """The films to rank: `watchlist` (from the history's source), `list` (a list CSV's bytes) or `typed`."""

    kind: str
    value: str | bytes = ""
    name: str = ""  # the uploaded list's file name


@dataclass(frozen=True)
class Member:
    """One person of a group: a name to show (may be empty: one is made from the source) and their input."""

    name: str
    given: Input


@dataclass
class Answer:
    """What a question answered: its records (`Ranked`, `Similar`, `Prediction` or `GroupPick`), what they were
    asked among, in words, and each film that was not matched: (what was typed or read, why, the candidates)."""

    question: str
    films: list
    what: str = ""
    unmatched: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    members: tuple[str, ...] = ()  # a group's member labels, in order


def split_queries(text: str) -> list[str]:
    """One film per line or between semicolons (links and titles may hold commas)."""
    return [q.strip() for q in re.split(r"[;\n\r]+", text) if q.strip()]


def not_found(results: list[tuple[FilmEntry, Match]]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple((film.label or f"tmdb:{film.tmdb_id}", match.reason, tuple(c.label() for c in match.candidates[:5]))
                 for film, match in results if match.status != "matched")


def nothing_matched(what: str, results: list[tuple[FilmEntry, Match]]) -> LbrecError:
    """The refusal when no film asked about is usable: the first one's reason and its candidates to type."""
    film, match = next(((f, m) for f, m in results if m.status != "matched"), results[0])
    reason = match.reason or "is too rarely rated to be in the model"
    options = "; ".join(c.label() for c in match.candidates[:5])
    more = f" Did you mean: {options}? Type one of them with its year." if options else ""
    label = film.label or f"tmdb:{film.tmdb_id}"
    return LbrecError(f"None of {what} could be used: {label!r} {reason}.{more}")


class Questions:
    """The four questions over one session's engine, catalog, client and options."""

    def __init__(self, session: Session):
        self.session = session
        self.answer: Answer | None = None

    # ------------------------------------------------------------------------------------------------ one person

    def person(self, given: Input, progress: Progress) -> tuple[LetterboxdHistory, MatchedHistory]:
        """The person's history matched under the options' choice of films, with their picks."""
        session = self.session
        history = session.read(given, progress)
        choice = "recent" if given.kind == "typed" else session.options.choice
        session.check_choice(history, choice)
        progress("Matching your films to MovieLens…")
        matched = match_history(history, session.catalog, choice).with_picks(session.picks)
        if not session.usable(matched.positives):
            raise LbrecError("None of your films could be used: they were not found in MovieLens, or are too rarely "
                             "rated to be in the model. Check the titles, or add more films.")
        return history, matched

    @staticmethod
    def watchlist(history: LetterboxdHistory) -> tuple[list[FilmEntry], str]:
        if not history.watchlist:
            raise LbrecError(NO_WATCHLIST.get(history.source, "This source has no watchlist."))
        return history.watchlist, "your watchlist"

    @staticmethod
    def listed(candidates: Candidates) -> tuple[list[FilmEntry], str]:
        """The films of a list CSV or typed, and what they are, in words."""
        if candidates.kind == "list":
            if not candidates.value:
                raise LbrecError("Choose a Letterboxd list CSV first (on the list's page: … > Export list).")
            name, films = read_list_csv(candidates.value)
            return films, f"the list “{name}”" if name else f"the list in {candidates.name[:120] or 'the CSV'}"
        if not str(candidates.value).strip():
            raise LbrecError("Type the films to rank first, one per line.")
        return parse_typed(str(candidates.value)).films, "the titles you typed"

    def rank(self, given: Input, candidates: Candidates, progress: Progress = lambda _: None) -> Answer:
        """The candidates best first for the person, at most k of them, watched films kept and marked."""
        listed = None if candidates.kind == "watchlist" else self.listed(candidates)  # a bad list: no download
        history, matched = self.person(given, progress)
        films, what = listed or self.watchlist(history)
        found = match_films(self.session.catalog, films)
        usable = self.session.usable(found.positives)
        if not usable:
            raise nothing_matched(f"the {len(films)} films of {what}", found.results)
        if not set(usable) - (set(matched.positives) | matched.watched):
            raise LbrecError(f"You have watched every film of {what} that we found: nothing is left to rank.")
        progress(f"Ranking {len(usable):,} films for you…")
        ranking = rank_films(self.session.engine, matched.positives, usable, matched.watched,
                             k=self.session.options.k)
        self.answer = Answer("rank", ranking, what, not_found(found.results))
        return self.answer

    def predict(self, given: Input, queries: str, progress: Progress = lambda _: None) -> Answer:
        """Each film asked about placed among every film the person has not seen, with a verdict."""
        texts = split_queries(queries)
        if not texts:
            raise LbrecError("Type the films you wonder about first: a title such as “Heat (1995)” or a link.")
        asked = match_films(self.session.catalog, [parse_film_query(text) for text in texts])
        found = [(text, m.movie_id) for text, (_, m) in zip(texts, asked.results, strict=True)
                 if m.status == "matched" and self.session.usable([m.movie_id])]  # type: ignore[list-item]
        if not found:
            raise nothing_matched("the films you asked about", asked.results)
        history, matched = self.person(given, progress)
        rated = [f for f in history.films if f.rating is not None]
        ratings = {m.movie_id: f.rating for f, m in zip(rated, self.session.catalog.match_many(rated), strict=True)
                   if m.movie_id}
        predictions = predict_films(self.session.engine, matched.positives, found,  # type: ignore[arg-type]
                                    matched.watched, ratings)  # type: ignore[arg-type]
        self.answer = Answer("predict", predictions, "the films you asked about", not_found(asked.results))
        return self.answer

    # ------------------------------------------------------------------------------------------------ no history

    def similar(self, queries: str, progress: Progress = lambda _: None) -> Answer:
        """The k films most like the seeds, each with the seeds it comes from, under the options' filters."""
        texts = split_queries(queries)
        if not texts:
            raise LbrecError("Type a film first: a title such as “Heat (1995)” or a Letterboxd link.")
        asked = match_films(self.session.catalog, [parse_film_query(text) for text in texts])
        seeds = self.session.usable(asked.positives)
        if not seeds:
            raise nothing_matched("the films you typed", asked.results)
        filters = self.session.filters()
        progress(f"Finding films like {films_label(asked)}…")
        similar = similar_films(self.session.engine, seeds, k=self.session.options.k, filters=filters)
        self.answer = Answer("similar", similar, films_label(asked), not_found(asked.results))
        return self.answer

    # ------------------------------------------------------------------------------------------------ a group

    def group(self, members: list[Member], progress: Progress = lambda _: None) -> Answer:
        """The group's top k: films none of them has watched, each with every member's fit and reasons."""
        if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
            raise LbrecError(f"A group has {MIN_MEMBERS} to {MAX_MEMBERS} people, not {len(members)}: "
                             + ("add someone." if len(members) < MIN_MEMBERS else "remove someone."))
        people, labels = [], []
        for number, member in enumerate(members, 1):
            label = member_label(member, number, labels)
            labels.append(label)
            people.append(self.member(member, label, number, progress))
        filters = self.session.filters()
        progress(f"Scoring films for {len(people)} people…")
        picks = recommend_for_group(self.session.engine, people, k=self.session.options.k,
                                    with_watchlists=self.session.options.exclude_watchlist, filters=filters)
        if not picks:
            raise LbrecError("No film is left: every film that passes these options has been watched by someone in "
                             "this group.")
        self.answer = Answer("group", picks, f"{len(people)} people", members=tuple(labels))
        return self.answer

    def member(self, member: Member, label: str, number: int, progress: Progress) -> Person:
        """One member read and matched on their own; a failure names the member and says why."""
        session = self.session
        try:
            history = read_input(member.given, session.client, progress)
            matched = match_history(history, session.catalog)
            if not session.usable(matched.positives):
                raise LbrecError("none of their films could be matched to MovieLens")
        except LbrecError as exc:
            who = label if label == f"Person {number}" else f"Person {number} ({label})"
            raise LbrecError(f"{who}: {str(exc).rstrip('.')}. The others are kept.") from None
        return Person(label, matched.positives, matched.watched, matched.watchlist)

    # ------------------------------------------------------------------------------------------------ downloads

    def tmdb_ids(self) -> dict[int, int]:
        """The answer's films' TMDb ids by movieId: what their posters are asked by."""
        engine = self.session.engine
        films = self.answer.films if self.answer else []
        ids = {film.movieId: engine.describe(engine.item_of(film.movieId)).tmdbId  # type: ignore[arg-type]
               for film in films}
        return {movie_id: tmdb_id for movie_id, tmdb_id in ids.items() if tmdb_id is not None}

    def downloads(self, posters: Mapping[int, np.ndarray] | None = None) -> dict[str, str | bytes]:
        """A ranked list as a Letterboxd list CSV, JSON and a picture to share (with the `posters` already fetched,
        by movieId); similar films and a group's as JSON and a picture; predictions (not a list) as JSON."""
        answer = self.answer
        if answer is None:
            return {}
        stem = f"lbrec-{answer.question}"
        data = json.dumps({"question": answer.question, "among": answer.what, "members": list(answer.members),
                           "unmatched": [{"query": q, "reason": r, "candidates": list(c)} for q, r, c in
                                         answer.unmatched],
                           "films": [film.to_dict() for film in answer.films]}, ensure_ascii=False, indent=2)
        files: dict[str, str | bytes] = {f"{stem}.json": data}
        if answer.question == "rank":
            engine = self.session.engine
            rows = ((r.title, r.year, engine.describe(engine.item_of(r.movieId)).tmdbId)  # type: ignore[arg-type]
                    for r in answer.films)
            files = {f"{stem}-list.csv": list_csv(rows), **files}
        if answer.question in SHARED:
            heading, of, because = SHARED[answer.question]
            subtitle = f"{of} {' + '.join(answer.members) if answer.members else answer.what}"
            films = shared_films(answer.films, posters)
            films = without_a_shared_reason(films) if answer.question == "similar" else films
            files[f"{stem}.png"] = share_png(films, heading, subtitle, because)
        return files


def films_label(asked: MatchedHistory) -> str:
    """The seeds in words: "Heat (1995)", "Heat (1995) and Alien (1979)"."""
    names = [film_label(m.title, m.year) for _, m in asked.results if m.status == "matched"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def member_label(member: Member, number: int, taken: list[str]) -> str:
    """The member's name, else their username, else "Person N"; never one already taken."""
    given = member.given
    label = member.name.strip()[:40] or (str(given.value).strip() if given.kind == "rss" else "")
    label = label or f"Person {number}"
    return label if label not in taken else f"{label} ({number})"

