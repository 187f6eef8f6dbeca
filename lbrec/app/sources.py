"""Where the visitor's own films come from: the page's three tabs, a Letterboxd username (its RSS feed), an upload
(the export ZIP, or IMDb's CSVs) and typed titles. `source()` is the one on screen, as the session takes it; the
page handles the upload and the change of tab (`on_upload`, `on_tab`), so that a refusal shows like any other."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from lbrec.app.markup import escape
from lbrec.app.questions.question import uploaded
from lbrec.app.session import upload_source
from lbrec.ask.person import Source

TABS = ("Letterboxd username", "Upload your Letterboxd export", "Type titles")
USERNAME_TAB, UPLOAD_TAB, TYPED_TAB = range(3)


def upload_ready(name: str, size: int) -> str:
    """What to do once a file is chosen, whichever question asks (each has its own button)."""
    return (
        f'<span class="lbrec-ready">✓ {escape(name[:120])} ({size / 1024:,.0f} KB) is ready: '
        "click the button below</span>"
    )


class SourceTabs:
    """The tabs (`tabs`, also `widget`) and their inputs: `username`, `upload` (with `upload_info`), `typed`."""

    def __init__(self, on_upload: Callable[[dict], None], on_tab: Callable[[dict], None]):
        self.username = widgets.Text(
            placeholder="your Letterboxd username, e.g. davidehrlich", layout=widgets.Layout(width="340px")
        )
        username_tab = widgets.VBox(
            [
                widgets.HTML(
                    '<p class="lbrec-hint">Your latest 50 diary entries, from the RSS feed Letterboxd publishes '
                    "for feed readers. Letterboxd's terms forbid reading its pages by program, so for your "
                    "whole history, with ratings, likes and watchlist, upload your export instead.</p>"
                ),
                self.username,
            ]
        )
        self.upload = widgets.FileUpload(
            accept=".zip,.csv",
            multiple=True,
            description="Choose the ZIP",
            button_style="info",
            layout=widgets.Layout(width="220px"),
        )
        self.upload.observe(on_upload, "value")
        self.upload_info = widgets.HTML('<span class="lbrec-hint">No file chosen yet.</span>')
        upload_tab = widgets.VBox(
            [
                widgets.HTML(
                    '<p class="lbrec-hint"><b>The most complete and reliable way.</b> On Letterboxd, open '
                    "<i>Settings &gt; Data &gt; Export your data</i> and upload the ZIP it gives you, as it is. "
                    "It is read in memory here and never stored. From IMDb, upload the CSV of <i>Your Ratings "
                    "&gt; Export</i> instead, with your Watchlist's CSV beside it if you like.</p>"
                ),
                widgets.HBox([self.upload, self.upload_info], layout=widgets.Layout(align_items="center")),
            ]
        )
        self.typed = widgets.Textarea(
            placeholder="Films you love, one per line or separated by semicolons, the most "
            "recent last:\nHeat (1995)\nThe Matrix (1999)\nAmélie",
            layout=widgets.Layout(width="100%", height="130px"),
        )
        typed_tab = widgets.VBox(
            [
                widgets.HTML(
                    '<p class="lbrec-hint">Add the year when a title is ambiguous: <i>Solaris (1972)</i>. An '
                    "IMDb id such as <i>tt0113277</i> works too.</p>"
                ),
                self.typed,
            ]
        )
        self.tabs = self.widget = widgets.Tab(children=[username_tab, upload_tab, typed_tab], titles=TABS)
        self.tabs.observe(on_tab, "selected_index")

    def source(self) -> Source:
        """The source on screen, as the session takes it."""
        tab = self.tabs.selected_index
        if tab == USERNAME_TAB:
            return Source("rss", self.username.value)
        if tab == UPLOAD_TAB:
            return upload_source(uploaded(self.upload))
        return Source("typed", self.typed.value)

    def typed_chosen(self) -> bool:
        """Typed titles carry no ratings or likes: the page disables the choice of films while they are chosen."""
        return self.tabs.selected_index == TYPED_TAB

    def show_upload(self, files: tuple[dict, ...]) -> None:
        """The chosen files' names and size, and what to do next."""
        self.upload_info.value = upload_ready(
            " + ".join(str(f["name"]) for f in files), sum(int(f["size"]) for f in files)
        )
