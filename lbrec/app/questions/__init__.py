"""The five questions as the page asks them, one module each: its `QUESTION` (its words on the page, whether it reads
the visitor's films, its card and heading), its inputs and the HTML of its answer.

- `recommend`: for me (the source tabs, then what was understood with a drop-down per uncertain match, the cards,
  the taste chart);
- `rank`: from my watchlist or a list; `similar`: like this film; `predict`: would I like it; `group`: watch
  together. Their inputs are parts of `QuestionPanels`, one panel shown at a time, and their answers share
  `answer_html`;
- `question`: what each module declares (`Question`) and the widgets inputs are made of.

They ask through the UI-free `lbrec.app.session` and show films on the one card of `lbrec.app.cards`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as widgets

from lbrec.app import downloads
from lbrec.app.cards import grid
from lbrec.app.markup import escape
from lbrec.app.questions import group, predict, rank, recommend, similar
from lbrec.app.questions.group import GroupPanel, MemberRow
from lbrec.app.questions.predict import PredictPanel
from lbrec.app.questions.question import Question
from lbrec.app.questions.rank import RankPanel
from lbrec.app.questions.similar import SimilarPanel
from lbrec.app.session import Progress, Questions
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.tmdb import FilmDetails

# In the picker's order.
QUESTIONS: dict[str, Question] = {module.QUESTION.key: module.QUESTION
                                  for module in (recommend, rank, similar, predict, group)}


class QuestionPanels(RankPanel, PredictPanel, SimilarPanel, GroupPanel):
    """The inputs of every question but "for me", one panel shown at a time (`show`). Each question's module holds
    its part, whose widgets are this object's: `app.panels.seeds` is the seeds' box of "like this film"."""

    def __init__(self, questions: Questions, on_remove: Callable[[MemberRow], None]):
        self.questions = questions
        RankPanel.__init__(self)
        PredictPanel.__init__(self)
        SimilarPanel.__init__(self)
        GroupPanel.__init__(self, on_remove)
        self.boxes = {"rank": self.rank_box, "predict": self.predict_box, "similar": self.similar_box,
                      "group": self.group_box}
        self.widget = widgets.VBox(list(self.boxes.values()))

    def show(self, question: str) -> None:
        for key, box in self.boxes.items():
            box.layout.display = "flex" if key == question else "none"

    def ask(self, question: str, source: Callable[[], Source], progress: Progress) -> Answer:
        """The question asked with the inputs on screen (`source`: the visitor's films, from the source tabs)."""
        asks = {"rank": self.ask_rank, "predict": self.ask_predict, "similar": self.ask_similar,
                "group": self.ask_group}
        return asks[question](self.questions, source, progress)


def answer_html(answer: Answer, details: Mapping[int, FilmDetails] | None = None) -> str:
    """The heading, the films that were not found (with candidates to type instead) and the cards (with TMDb's
    details by TMDb id where they have come); a box when the options leave no film."""
    cards = grid(answer, QUESTIONS[answer.question].card, details)
    if not answer.films:
        return cards
    heading = QUESTIONS[answer.question].heading.format(what=escape(answer.what))
    heading = heading[0].upper() + heading[1:]
    missing = ""
    if answer.unmatched:
        rows = "".join(f"<li>{escape(film.query)}: {escape(film.reason)}"
                       + (f" (did you mean {escape('; '.join(film.candidates))}?)" if film.candidates else "")
                       + "</li>" for film in answer.unmatched)
        missing = (f'<details open class="lbrec-unmatched"><summary>Not found ({len(answer.unmatched)})</summary>'
                   f'<ul class="lbrec-list">{rows}</ul></details>')
    return f'<h3 class="lbrec-h3">{heading}</h3>{missing}{cards}'


def downloads_html(files: dict[str, str | bytes]) -> str:
    """A link per file: the ranked list as a CSV for Letterboxd's list importer, the answer as JSON, the picture."""
    links = downloads.links(files)
    return f'<div class="lbrec-results-head"><span></span><span>{links}</span></div>' if links else ""
