"""Watch together: 2 to 6 people, each with a name and their own films (a username, an export ZIP or typed titles),
answered with films none of them has watched, each with every member's fit and the films it comes from."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from lbrec.app.cards import card, origin_line
from lbrec.app.markup import escape, film_names
from lbrec.app.questions.question import Question, films_box, panel, uploaded
from lbrec.app.session import Progress, Questions, upload_source
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.ask.questions import MAX_MEMBERS, MIN_MEMBERS, Member
from lbrec.errors import LbrecError
from lbrec.serving.results import GroupFilm
from lbrec.serving.standing import standing_words
from lbrec.tmdb import FilmDetails

MEMBER_SOURCES = [("Username (RSS)", "rss"), ("Export ZIP", "upload"), ("Typed titles", "typed")]


# The order of the group's films, in words: the engine's way of making a group's list (lbrec.serving.group's
# AGGREGATION, "turns"; a unit test holds the two together).
ORDER = (
    "In turns: each of you in turn adds your own best film that everyone else also has in their top half. Beside "
    "each film, where it stands for each of you."
)


def group_card(place: int, film: GroupFilm, details: FilmDetails | None = None) -> str:
    """Its place in the group's list, where it stands for each member, and its origin."""
    fits = "".join(
        f'<span class="lbrec-chip lbrec-member-fit">{escape(who)}: {standing_words(fit)}</span>'
        for who, fit in film.fit.items()
    )
    because = "".join(
        f'<div class="lbrec-because">From {escape(who)}\'s {film_names(films)}</div>'
        for who, films in film.because.items()
        if films
    )
    return card(
        film,
        f'<span class="lbrec-rank">#{place}</span>',
        f'<div class="lbrec-chips">{fits}</div>' + because + origin_line(film),
        details,
    )


QUESTION = Question(
    "group",
    "Watch together",
    "Recommend for the group",
    reads_history=False,
    card=group_card,
    heading="For the {what} together",
    order=ORDER,
)


class MemberRow:
    """One person of the group: a name, and their films from a username, an export ZIP or typed titles."""

    def __init__(self, on_remove: Callable[[MemberRow], None]):
        self.name = widgets.Text(placeholder="name (optional)", layout=widgets.Layout(width="160px"))
        self.kind = widgets.ToggleButtons(options=MEMBER_SOURCES, value="rss")
        self.username = widgets.Text(placeholder="Letterboxd username", layout=widgets.Layout(width="240px"))
        self.upload = widgets.FileUpload(
            accept=".zip,.csv", multiple=False, description="Choose the ZIP", layout=widgets.Layout(width="200px")
        )
        self.typed = films_box("Films they love, one per line:\nHeat (1995)\nAlien (1979)")
        self.remove = widgets.Button(description="Remove", icon="times", layout=widgets.Layout(width="110px"))
        self.remove.on_click(lambda _: on_remove(self))
        self.kind.observe(lambda _: self._show_source(), "value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.name, self.kind, self.remove]), self.username, self.upload, self.typed]
        )
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


class GroupPanel:
    """The group's people (`rows`, shown in `members`), one more with `add`. The page handles `add` (`on_add`) and
    each row's remove button (`on_remove`), so that a refusal shows like any other."""

    def __init__(self, on_add: Callable[[widgets.Button], None], on_remove: Callable[[MemberRow], None]) -> None:
        self._on_remove = on_remove
        self.rows: list[MemberRow] = [MemberRow(on_remove) for _ in range(MIN_MEMBERS)]
        self.members = widgets.VBox([row.widget for row in self.rows])
        self.add = widgets.Button(description="Add a person", icon="plus", layout=widgets.Layout(width="160px"))
        self.add.on_click(on_add)
        self.box = panel(
            f"{MIN_MEMBERS} to {MAX_MEMBERS} people, each with their own films: films none of you has watched.",
            self.members,
            self.add,
        )

    def add_member(self) -> None:
        if len(self.rows) >= MAX_MEMBERS:
            raise LbrecError(f"a group has at most {MAX_MEMBERS} members")
        self.rows.append(MemberRow(self._on_remove))
        self.members.children = [row.widget for row in self.rows]

    def remove_member(self, row: MemberRow) -> None:
        self.rows.remove(row)
        self.members.children = [r.widget for r in self.rows]

    def ask(self, questions: Questions, _source: Callable[[], Source], progress: Progress) -> Answer:
        return questions.group([row.member() for row in self.rows], progress)
