"""The inputs each question adds to the app's page (`views.RecommenderApp`): the films to rank, the films asked
about, the seeds of "like this film", and a group's members, each with its own source. Thin widgets: `ask` reads
them into the plain inputs of `Questions` and returns its answer; the app renders it and shows any refusal.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from lbrec.app.questions import Questions
from lbrec.app.session import Progress, upload_source
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.ask.questions import MAX_MEMBERS, MIN_MEMBERS, Member, ToRank
from lbrec.errors import LbrecError

CANDIDATE_KINDS = [("My watchlist", "watchlist"), ("A Letterboxd list CSV", "list"), ("Titles I type", "typed")]
MEMBER_SOURCES = [("Username (RSS)", "rss"), ("Export ZIP", "upload"), ("Typed titles", "typed")]
HISTORY_QUESTIONS = ("recommend", "rank", "predict")  # the questions that read the person's history (the input tabs)


def uploaded(upload: widgets.FileUpload) -> list[tuple[str, bytes]]:
    """The chosen files' names and bytes."""
    return [(str(f["name"]), bytes(f["content"])) for f in upload.value]


def films_box(placeholder: str) -> widgets.Textarea:
    return widgets.Textarea(placeholder=placeholder, layout=widgets.Layout(width="100%", height="90px"))


class MemberRow:
    """One person of the group: a name, and their films from a username, an export ZIP or typed titles."""

    def __init__(self, on_remove: Callable[[MemberRow], None]):
        self.name = widgets.Text(placeholder="name (optional)", layout=widgets.Layout(width="160px"))
        self.kind = widgets.ToggleButtons(options=MEMBER_SOURCES, value="rss")
        self.username = widgets.Text(placeholder="Letterboxd username", layout=widgets.Layout(width="240px"))
        self.upload = widgets.FileUpload(accept=".zip,.csv", multiple=False, description="Choose the ZIP",
                                         layout=widgets.Layout(width="200px"))
        self.typed = films_box("Films they love, one per line:\nHeat (1995)\nAlien (1979)")
        self.remove = widgets.Button(description="Remove", icon="times", layout=widgets.Layout(width="110px"))
        self.remove.on_click(lambda _: on_remove(self))
        self.kind.observe(lambda _: self._show_source(), "value")
        self.widget = widgets.VBox([widgets.HBox([self.name, self.kind, self.remove]), self.username, self.upload,
                                    self.typed])
        self.widget.add_class("lbrec-member")
        self._show_source()

    def _show_source(self) -> None:
        for kind, source in (("rss", self.username), ("upload", self.upload), ("typed", self.typed)):
            source.layout.display = "flex" if self.kind.value == kind else "none"

    def member(self) -> Member:
        if self.kind.value == "rss":
            return Member(self.name.value, Source("rss", self.username.value))
        if self.kind.value == "upload":
            return Member(self.name.value, upload_source(uploaded(self.upload)))
        return Member(self.name.value, Source("typed", self.typed.value))


class QuestionPanels:
    """The extra inputs of every question but "for me", shown one question at a time."""

    def __init__(self, questions: Questions, on_remove: Callable[[MemberRow], None]):
        self.questions = questions
        self._on_remove = on_remove
        self.candidate_kind = widgets.ToggleButtons(options=CANDIDATE_KINDS, value="watchlist")
        self.list_upload = widgets.FileUpload(accept=".csv", multiple=False, description="Choose the list CSV",
                                              layout=widgets.Layout(width="220px"))
        self.candidate_titles = films_box("The films to rank, one per line (a festival line-up, tonight's "
                                          "options):\nFargo (1996)\nToy Story (1995)")
        self.candidate_kind.observe(lambda _: self._show_candidates(), "value")
        self.rank_box = self._panel("The films to rank: your watchlist (from your export), a list CSV (on the "
                                    "list's page: … > Export list), or titles.", self.candidate_kind,
                                    self.list_upload, self.candidate_titles)
        self.asked = films_box("The films you wonder about, one per line: Heat (1995), "
                               "https://letterboxd.com/film/alien/, tmdb:949, tt0113277")
        self.predict_box = self._panel("Your films come from the tabs above; which films should we place among "
                                       "everything you have not seen?", self.asked)
        self.seeds = films_box("One or more films, one per line: Heat (1995) or https://letterboxd.com/film/heat/")
        self.similar_box = self._panel("No history needed: films like these.", self.seeds)
        self.rows: list[MemberRow] = [MemberRow(on_remove) for _ in range(MIN_MEMBERS)]
        self.members = widgets.VBox([row.widget for row in self.rows])
        self.add = widgets.Button(description="Add a person", icon="plus", layout=widgets.Layout(width="160px"))
        self.group_box = self._panel(f"{MIN_MEMBERS} to {MAX_MEMBERS} people, each with their own films: films "
                                     f"none of you has watched.", self.members, self.add)
        self.boxes = {"rank": self.rank_box, "predict": self.predict_box, "similar": self.similar_box,
                      "group": self.group_box}
        self.widget = widgets.VBox(list(self.boxes.values()))
        self._show_candidates()

    @staticmethod
    def _panel(hint: str, *children: widgets.Widget) -> widgets.VBox:
        box = widgets.VBox([widgets.HTML(f'<p class="lbrec-hint">{hint}</p>'), *children])
        box.add_class("lbrec-options")
        return box

    def _show_candidates(self) -> None:
        self.list_upload.layout.display = "flex" if self.candidate_kind.value == "list" else "none"
        self.candidate_titles.layout.display = "flex" if self.candidate_kind.value == "typed" else "none"

    def show(self, question: str) -> None:
        for key, box in self.boxes.items():
            box.layout.display = "flex" if key == question else "none"

    def add_member(self) -> None:
        if len(self.rows) >= MAX_MEMBERS:
            raise LbrecError(f"a group has at most {MAX_MEMBERS} members")
        self.rows.append(MemberRow(self._on_remove))
        self.members.children = [row.widget for row in self.rows]

    def remove_member(self, row: MemberRow) -> None:
        self.rows.remove(row)
        self.members.children = [r.widget for r in self.rows]

    def to_rank(self) -> ToRank:
        if self.candidate_kind.value == "list":
            name, data = (uploaded(self.list_upload) or [("", b"")])[0]
            return ToRank("list", data, name)
        if self.candidate_kind.value == "typed":
            return ToRank("typed", self.candidate_titles.value)
        return ToRank("watchlist")

    def ask(self, question: str, given: Callable[[], Source], progress: Progress) -> Answer:
        """The question asked with the inputs on screen (`given`: the person's history, from the input tabs)."""
        if question == "rank":
            return self.questions.rank(given(), self.to_rank(), progress)
        if question == "predict":
            return self.questions.predict(given(), self.asked.value, progress)
        if question == "similar":
            return self.questions.similar(self.seeds.value, progress)
        return self.questions.group([row.member() for row in self.rows], progress)
