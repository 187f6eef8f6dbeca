"""What every question's module declares (`Question`: its words on the page, whether it reads the visitor's films,
the heading and card of its answer) and the widgets its inputs are made of: a panel, a box of typed films, the files
of an upload."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets

from lbrec.app.cards import Card


@dataclass(frozen=True)
class Question:
    """One of the five questions as the page shows it; `key` is `lbrec.ask.answers.Answer.question`."""

    key: str
    label: str  # on the question picker
    button: str  # the words of the button that asks it
    reads_history: bool  # whether it reads the visitor's own films: the source tabs are shown
    card: Card  # a film of its answer
    heading: str = ""  # over the cards ("{what}": the answer's `what`); "for me" has its own panels instead
    order: str = ""  # under the heading, when the films' order needs saying


def panel(hint: str, *children: widgets.Widget) -> widgets.VBox:
    """A question's inputs under a line that says what to give."""
    box = widgets.VBox([widgets.HTML(f'<p class="lbrec-hint">{hint}</p>'), *children])
    box.add_class("lbrec-options")
    return box


def films_box(placeholder: str) -> widgets.Textarea:
    """A box to type films into, one per line."""
    return widgets.Textarea(placeholder=placeholder, layout=widgets.Layout(width="100%", height="90px"))


def uploaded(upload: widgets.FileUpload) -> list[tuple[str, bytes]]:
    """The chosen files' names and bytes."""
    return [(str(f["name"]), bytes(f["content"])) for f in upload.value]
