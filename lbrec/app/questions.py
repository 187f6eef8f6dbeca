"""The questions beyond "for me", asked for one visitor: rank my watchlist or a list, more like this film, would I
like it, and watch together. No widgets and no logic of their own: each asks `lbrec.ask` (as the command line does)
with the visitor's options and confirmed choices, and keeps the answer for the page and its downloads.

    questions = Questions(session)
    questions.rank(Source("upload", data, name), ToRank("watchlist"))
    questions.similar("Heat (1995)\\nhttps://letterboxd.com/film/alien/")
    questions.predict(Source("typed", "Heat (1995)"), "Aliens (1986)")
    questions.group([Member("ana", Source("rss", "ana")), Member("", Source("typed", "Alien (1979)"))])

Every refusal is an `LbrecError` with a one-line message for the person, raised before any answer changes: the
answer of the last question asked stays until another succeeds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from lbrec.app import downloads
from lbrec.app.session import Progress, Session
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.ask.questions import Member, ToRank
from lbrec.letterboxd.history import LetterboxdHistory

QUESTIONS = {"recommend": "For me", "rank": "From my watchlist or a list", "similar": "Like this film",
             "predict": "Would I like…?", "group": "Watch together"}


def split_queries(text: str) -> list[str]:
    """One film per line or between semicolons (links and titles may hold commas)."""
    return [q.strip() for q in re.split(r"[;\n\r]+", text) if q.strip()]


class Questions:
    """The four questions over one session's model, client and options."""

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
