"""Like this film: one or more films (no history needed), answered with the films most like them, each with the
seeds it comes from."""

from __future__ import annotations

from collections.abc import Callable

from lbrec.app.cards import card, origin_line
from lbrec.app.markup import film_names
from lbrec.app.questions.question import Question, films_box, panel
from lbrec.app.session import Progress, Questions
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.serving.results import Similar
from lbrec.tmdb import FilmDetails


def similar_card(place: int, film: Similar, details: FilmDetails | None = None) -> str:
    because = f'<div class="lbrec-because">Like {film_names(film.because)}</div>' if film.because else ""
    return card(film, f'<span class="lbrec-rank">#{place}</span>', because + origin_line(film), details)


QUESTION = Question(
    "similar",
    "Like this film",
    "Find similar films",
    reads_history=False,
    card=similar_card,
    heading="Films like {what}",
)


class SimilarPanel:
    """The seed films (`seeds`)."""

    def __init__(self) -> None:
        self.seeds = films_box("One or more films, one per line: Heat (1995) or https://letterboxd.com/film/heat/")
        self.box = panel("No history needed: films like these.", self.seeds)

    def ask(self, questions: Questions, _source: Callable[[], Source], progress: Progress) -> Answer:
        return questions.similar(self.seeds.value, progress)
