"""From my watchlist or a list: the visitor's films (the source tabs) and the films to rank (their watchlist, a
Letterboxd list CSV or typed titles), answered best first, each with how high it stands for them and whether they
watched it."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from lbrec.app.cards import card
from lbrec.app.markup import film_names
from lbrec.app.questions.question import Question, films_box, panel, uploaded
from lbrec.app.session import Progress, Questions
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.ask.questions import ToRank
from lbrec.serving.results import Ranked
from lbrec.serving.standing import standing_words
from lbrec.tmdb import FilmDetails

TO_RANK = [("My watchlist", "watchlist"), ("A Letterboxd list CSV", "list"), ("Titles I type", "typed")]


def ranked_card(place: int, film: Ranked, details: FilmDetails | None = None) -> str:
    """Its place in the list, and where it stands among every film the visitor has not seen."""
    watched = '<span class="lbrec-chip lbrec-seen">✓ watched</span>' if film.watched else ""
    because = f'<div class="lbrec-because">Because you liked {film_names(film.because)}</div>' if film.because else ""
    fit = f'<span class="lbrec-fit">{standing_words(film.percentile)} for you</span>'
    return card(
        film,
        f'<span class="lbrec-rank">#{place}</span>{fit}',
        watched + because,
        details,
        film.watched,
    )


QUESTION = Question(
    "rank",
    "From my watchlist or a list",
    "Rank them for me",
    reads_history=True,
    card=ranked_card,
    heading="{what}, best first for you",
)


class RankPanel:
    """The films to rank (`candidate_kind`: which of them; a list CSV or typed titles)."""

    def __init__(self) -> None:
        self.candidate_kind = widgets.ToggleButtons(options=TO_RANK, value="watchlist")
        self.list_upload = widgets.FileUpload(
            accept=".csv", multiple=False, description="Choose the list CSV", layout=widgets.Layout(width="220px")
        )
        self.candidate_titles = films_box(
            "The films to rank, one per line (a festival line-up, tonight's options):\nFargo (1996)\nToy Story (1995)"
        )
        self.candidate_kind.observe(lambda _: self._show_candidates(), "value")
        self.box = panel(
            "The films to rank: your watchlist (from your export), a list CSV (on the list's page: … > "
            "Export list), or titles.",
            self.candidate_kind,
            self.list_upload,
            self.candidate_titles,
        )
        self._show_candidates()

    def _show_candidates(self) -> None:
        self.list_upload.layout.display = "flex" if self.candidate_kind.value == "list" else "none"
        self.candidate_titles.layout.display = "flex" if self.candidate_kind.value == "typed" else "none"

    def to_rank(self) -> ToRank:
        if self.candidate_kind.value == "list":
            name, data = (uploaded(self.list_upload) or [("", b"")])[0]
            return ToRank("list", data, name)
        if self.candidate_kind.value == "typed":
            return ToRank("typed", self.candidate_titles.value)
        return ToRank("watchlist")

    def ask(self, questions: Questions, source: Callable[[], Source], progress: Progress) -> Answer:
        return questions.rank(source(), self.to_rank(), progress)
