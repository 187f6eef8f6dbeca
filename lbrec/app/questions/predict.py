"""Would I like…?: the visitor's films (the source tabs) and the films they wonder about, each answered with its
place among every film they have not seen, a verdict, and the films of theirs that raise it most."""

from __future__ import annotations

from collections.abc import Callable

from lbrec.app.cards import card
from lbrec.app.markup import escape, film_names
from lbrec.app.questions.question import Question, films_box, panel
from lbrec.app.session import Progress, Questions
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.serving.results import Prediction
from lbrec.tmdb import FilmDetails


def prediction_card(_place: int, film: Prediction, details: FilmDetails | None = None) -> str:
    """Where the film stands: its rank among the films you have not seen, and the verdict, which says its share in
    the words every card uses (a watched film says so instead)."""
    reasons = (
        f'<div class="lbrec-because">Most raised by {film_names(film.because)}</div>'
        if film.because and not film.watched
        else ""
    )
    top = f'<span class="lbrec-rank">#{film.rank:,} of the {film.of:,} films you have not seen</span>'
    if film.watched:
        top = '<span class="lbrec-rank">Seen</span>'

    body = (
        f'<div class="lbrec-verdict">{escape(film.verdict)}</div>'
        f'<div class="lbrec-hint">You asked: {escape(film.query)}</div>' + reasons
    )
    return card(film, top, body, details, film.watched)


QUESTION = Question(
    "predict",
    "Would I like…?",
    "Would I like them?",
    reads_history=True,
    card=prediction_card,
    heading="Would you like them?",
)


class PredictPanel:
    """The films asked about (`asked`)."""

    def __init__(self) -> None:
        self.asked = films_box(
            "The films you wonder about, one per line: Heat (1995), "
            "https://letterboxd.com/film/alien/, tmdb:949, tt0113277"
        )
        self.box = panel(
            "Your films come from the tabs above; which films should we place among everything you have not seen?",
            self.asked,
        )

    def ask(self, questions: Questions, source: Callable[[], Source], progress: Progress) -> Answer:
        return questions.predict(source(), self.asked.value, progress)
