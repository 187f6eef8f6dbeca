"""The five questions as the page asks them, one module each: its `QUESTION` (its words on the page, whether it reads
the visitor's films, its card and heading), its inputs and the HTML of its answer.

- `recommend`: for me (the source tabs, then what was understood with a drop-down per uncertain match, the cards,
  the taste chart);
- `rank`: from my watchlist or a list; `similar`: like this film; `predict`: would I like it; `group`: watch
  together. Their inputs are `QuestionPanels`, one panel each, built the first time its question is chosen, and
  their answers share `answer_html`;
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
from lbrec.app.session import Progress, Questions, why_missing
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.catalog.normalize import parse_query
from lbrec.tmdb import FilmDetails

# In the picker's order.
QUESTIONS: dict[str, Question] = {
    module.QUESTION.key: module.QUESTION for module in (recommend, rank, similar, predict, group)
}


Panel = RankPanel | PredictPanel | SimilarPanel | GroupPanel


class QuestionPanels:
    """The inputs of every question but "for me" (`panels["similar"].seeds` is the seeds' box of "like this film"),
    one shown at a time. Each is built the first time its question is chosen: a page opens with the widgets "for me"
    shows and no more, so that it has fewer to send and is ready sooner."""

    def __init__(
        self,
        questions: Questions,
        on_add_member: Callable[[widgets.Button], None],
        on_remove_member: Callable[[MemberRow], None],
    ):
        self.questions = questions
        self._makers: dict[str, Callable[[], Panel]] = {
            "rank": RankPanel,
            "predict": PredictPanel,
            "similar": SimilarPanel,
            "group": lambda: GroupPanel(on_add_member, on_remove_member),
        }
        self.built: dict[str, Panel] = {}
        self.widget = widgets.VBox()

    def __getitem__(self, question: str) -> Panel:
        """The question's panel, built (and put on the page, hidden) the first time it is asked for."""
        if question not in self.built:
            panel = self.built[question] = self._makers[question]()
            panel.box.layout.display = "none"
            self.widget.children = [*self.widget.children, panel.box]
        return self.built[question]

    def show(self, question: str) -> None:
        shown = self[question] if question in self._makers else None
        for panel in self.built.values():
            panel.box.layout.display = "flex" if panel is shown else "none"

    def ask(self, question: str, source: Callable[[], Source], progress: Progress) -> Answer:
        """The question asked with the inputs on screen (`source`: the visitor's films, from the source tabs)."""
        return self[question].ask(self.questions, source, progress)


def answer_html(answer: Answer, last_year: int, details: Mapping[int, FilmDetails] | None = None) -> str:
    """The heading, the films the model could not use and why (`last_year`: of its films; with candidates to type
    instead), the shelf of TMDb's films it does not know, and the cards (with TMDb's details by TMDb id where they
    have come); a box when the options leave no film."""
    newer = answer.shelf is not None and bool(answer.shelf.films)  # films the model does not know, from TMDb
    cards = grid(answer, QUESTIONS[answer.question].card, details) if answer.films or not newer else ""
    if not answer.films and not newer:
        return cards
    question = QUESTIONS[answer.question]
    heading = question.heading.format(what=escape(answer.what))
    heading = heading[0].upper() + heading[1:]
    order = f'<p class="lbrec-hint lbrec-order">{escape(question.order)}</p>' if question.order else ""
    missing = ""
    if answer.unmatched:
        rows = "".join(
            f"<li>{escape(film.query)}: {escape(why_missing(film.reason, parse_query(film.query).year, last_year))}"
            + (f" (did you mean {escape('; '.join(film.candidates))}?)" if film.candidates else "")
            + "</li>"
            for film in answer.unmatched
        )
        missing = (
            f'<details open class="lbrec-unmatched"><summary>Films it could not use ({len(answer.unmatched)})'
            "</summary>"
            f'<ul class="lbrec-list">{rows}</ul></details>'
        )
    return f'<h3 class="lbrec-h3">{heading}</h3>{order}{missing}{recommend.shelf_html(answer.shelf, details)}{cards}'


def downloads_html(files: dict[str, str], answer: Answer) -> str:
    """A link per file: the ranked list as a CSV for Letterboxd's list importer, the answer as JSON; and the link
    that draws the picture to share, when the answer has one."""
    links = downloads.links(files, picture=downloads.has_picture(answer))
    return f'<div class="lbrec-results-head"><span></span><span>{links}</span></div>' if links else ""
