"""The page (`RecommenderApp`): its shell (the header, the question picker, the source tabs, the options panel, the
button that asks, the status and error lines, the footer) and the flow that asks the chosen question with the
inputs on screen and shows its answer. `main` is what `notebooks/05_recommend.ipynb` shows.

One `RecommenderApp` per browser page (Voilà starts a kernel per page); the engine and the matching index are
loaded once per process and shared (`lbrec.app.environment`). Voilà drops exceptions raised in widget callbacks,
so every callback goes through `_guarded`: lbrec's own errors are shown as they are (their messages are written
for people), anything else as a short apology, and both are logged to the server's stderr.

The source tabs are `lbrec.app.sources`; each question's inputs and the HTML of its answer are in its module
(`lbrec.app.questions`); the answer on screen is completed in threads by `lbrec.app.screen`; the marks come and go
through `lbrec.app.memory`.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import ipywidgets as widgets

from lbrec.app.downloads import pixels
from lbrec.app.environment import client_from_env, load_engine, log, log_to_server
from lbrec.app.markup import box, escape, sentence, spinner, style
from lbrec.app.memory import read_message, remembered
from lbrec.app.memory_widget import MemoryWidget
from lbrec.app.questions import QUESTIONS, QuestionPanels, answer_html, downloads_html, recommend
from lbrec.app.questions.group import MemberRow
from lbrec.app.screen import Screen
from lbrec.app.session import Questions, Session, Understood
from lbrec.app.settings import Settings
from lbrec.app.sources import SourceTabs
from lbrec.app.where_to_watch import COUNTRY_CODES
from lbrec.ask.answers import Answer
from lbrec.ask.questions import Ask
from lbrec.ask.shelf import Shelf
from lbrec.catalog.index import MatchIndex
from lbrec.errors import LbrecError
from lbrec.letterboxd.client import Client
from lbrec.serving.engine import Recommender
from lbrec.serving.members_figure import THIS_MODEL, members_figure
from lbrec.tmdb import ATTRIBUTION, FilmDetails, TmdbClient
from lbrec.tmdb.environment import tmdb_from_env

T = TypeVar("T")


def main() -> widgets.Widget:
    """What the notebook shows: the app, or a clear page when the model is not ready."""
    log_to_server()
    try:
        return RecommenderApp(*load_engine(), client=client_from_env(), tmdb=tmdb_from_env()).widget
    except (LbrecError, ValueError) as exc:
        log.error("the app cannot start: %s", exc)
        return widgets.HTML(
            style()
            + box(
                "error",
                f"The app cannot start: {escape(exc)}. Run <code>make app</code> (it builds the model "
                f"when missing), or set LBREC_MODEL to a model folder.",
                escape_body=False,
            )
        )


def header() -> str:
    return (
        '<div class="lbrec-header"><div class="lbrec-dots"><span style="background:#ff8000"></span>'
        '<span style="background:#00e054"></span><span style="background:#40bcf4"></span>'
        '<b class="lbrec-brand">lbrec</b></div>'
        "<h1>Films you'll love next</h1><p>Recommendations from your Letterboxd history by a sequential "
        "model (SASRec) trained on MovieLens ratings: it reads the order you watched in, not only what.</p>"
        "</div>"
    )


def footer(session: Session, posters: bool = False) -> str:
    """What the model is, in words: SASRec alone or blended with its item-to-item part, the MovieLens ratings it
    learned from, its films, and what it was tested on (`members_figure`: the real Letterboxd members' exports this
    very folder was measured on, else the reference build's), the figures left to the README; with posters on,
    TMDb's attribution (its terms ask for it wherever its data is shown)."""
    engine = session.engine
    model = "SASRec, a model that reads the order you watched your films in"
    if engine.item_item is not None:
        model += f", blended with {engine.model_name.split(' + ')[-1]}, which adds films liked by the same people"
    members = members_figure(engine.model_dir, engine.meta)
    tested = "this model" if members.measured_on == THIS_MODEL else members.measured_on
    return (
        f'<p class="lbrec-footer">Recommended by {escape(model)}. It learned from MovieLens\'s ratings '
        f"({escape(engine.meta.get('dataset', ''))}): {engine.n_items:,} films released up to "
        f"{session.year_range[1]}. Tested on ratings it never saw and on {members.members:,} real Letterboxd "
        f"members' exports ({escape(tested)}); the figures are in lbrec's README. Links go to Letterboxd, TMDb and "
        f"IMDb.{' Posters and synopses from TMDb. ' + ATTRIBUTION if posters else ''}</p>"
    )


def _guarded(method: Callable[..., T]) -> Callable[..., T | None]:
    """Run a widget callback so that no error is lost: show lbrec's message (or an apology) and log it."""

    @functools.wraps(method)
    def wrapper(self: RecommenderApp, *args: Any) -> T | None:
        try:
            return method(self, *args)
        except LbrecError as exc:
            log.info("%s: %s: %s", method.__name__, type(exc).__name__, exc)
            self.show_error(str(exc))
        except Exception as exc:  # Voilà would drop it silently
            log.exception("%s failed", method.__name__)
            self.show_error(
                f"Something went wrong on our side ({type(exc).__name__}); it has been logged. Please "
                f"try again, or try another input."
            )
        return None

    return wrapper


class RecommenderApp:
    """The whole UI; `widget` is what the notebook displays and `session` what it shows."""

    def __init__(
        self, engine: Recommender, catalog: MatchIndex, client: Client | None = None, tmdb: TmdbClient | None = None
    ):
        self.session = Session(Ask(engine, catalog, client or Client(), tmdb=tmdb))
        self.tmdb = tmdb  # None: no posters, and no request to TMDb
        self.questions = Questions(self.session)
        self.question = widgets.ToggleButtons(
            options=[(q.label, key) for key, q in QUESTIONS.items()], value="recommend"
        )
        self.question.add_class("lbrec-questions")
        self.question.observe(self._on_question, "value")
        self.panels = QuestionPanels(self.questions, self._on_add_member, self._on_remove_member)
        self.sources = SourceTabs(on_upload=self._on_upload, on_tab=self._on_tab)
        self.settings = Settings(engine.genres, self.session.year_range, tmdb, on_change=self._on_option)
        self.settings.country.observe(self._on_country, "value")
        self.go = widgets.Button(
            description=QUESTIONS["recommend"].button,
            icon="film",
            tooltip="Read your films and recommend new ones",
            layout=widgets.Layout(min_width="220px", width="auto", height="42px"),
        )
        self.go.add_class("lbrec-go")
        self.go.on_click(self._on_go)
        self.status = widgets.HTML()
        self.message = widgets.HTML()
        self.message.add_class("lbrec-answer-top")  # just above every answer: where the page scrolls to show it
        self.understood_summary = widgets.HTML()
        self.understood = widgets.VBox(layout=widgets.Layout(display="none", flex="1 1 420px"))
        self.understood.add_class("lbrec-panel")
        self._understood: Understood | None = None  # what the panel shows
        self.results, self.posters_note, self.downloads = widgets.HTML(), widgets.HTML(), widgets.HTML()
        self.memory = MemoryWidget(on_message=self._on_memory)
        self._kept_where: tuple[str, tuple[str, ...]] = ("", ())  # country and services, as the browser keeps them
        self.taste = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.taste_box = widgets.VBox(
            [widgets.HTML('<h3 class="lbrec-h3">Your taste at a glance</h3>'), self.taste],
            layout=widgets.Layout(display="none", flex="0 1 520px"),
        )
        self.taste_box.add_class("lbrec-panel")
        self.shelf = widgets.HTML()  # films the model does not know, from TMDb: above its own
        self.shelf.add_class("lbrec-shelf-box")  # as wide as the page: its row scrolls sideways, not the page
        self.tmdb_picks = widgets.VBox()  # a drop-down per film TMDb has several candidates for
        self.tmdb_picks.add_class("lbrec-tmdb-picks")
        self.screen = Screen(self.results, self.downloads, self.posters_note, self.taste, tmdb, self.shelf)
        self.widget = widgets.VBox(
            [
                widgets.HTML(style() + header()),
                self.question,
                self.sources.widget,
                self.panels.widget,
                self.settings.widget,
                widgets.HBox([self.go, self.status], layout=widgets.Layout(align_items="center")),
                self.message,
                widgets.HBox(
                    [self.understood, self.taste_box],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
                ),
                self.shelf,
                self.tmdb_picks,
                self.downloads,
                self.memory,
                self.results,
                self.posters_note,
                widgets.HTML(footer(self.session, posters=tmdb is not None)),
            ]
        )
        self.widget.add_class("lbrec")
        self.panels.show("recommend")
        self.settings.show("recommend")

    @property
    def poster_thread(self) -> threading.Thread | None:
        """The latest fill of posters, if any (to wait for it)."""
        return self.screen.poster_thread

    @property
    def chart_thread(self) -> threading.Thread | None:
        """The latest taste chart drawn after a mark's cards, if any (to wait for it)."""
        return self.screen.chart_thread

    # ------------------------------------------------------------------------------------------------ source

    def _read_options(self) -> None:
        self.session.set_options(**self.settings.values())

    # ------------------------------------------------------------------------------------------------ callbacks

    @_guarded
    def _on_go(self, _button: widgets.Button) -> None:
        if self.question.value == "recommend":
            self.run()
        else:
            self.ask()
        self.memory.send({"type": "answer"})  # the page brings the answer's top into view, if it is below

    @_guarded
    def _on_question(self, change: dict) -> None:
        """Show the inputs the chosen question needs; the last answer goes, the inputs stay."""
        question = QUESTIONS[change["new"]]
        self.sources.tabs.layout.display = "flex" if question.reads_history else "none"
        self.panels.show(question.key)
        self.settings.show(question.key)
        self.go.description = question.button
        self.message.value = ""
        self.screen.show("", "")
        self.understood.layout.display = self.taste_box.layout.display = "none"
        self.session.clear()

    @_guarded
    def _on_country(self, change: dict) -> None:
        """The services of the chosen country, to choose from; the browser remembers the country."""
        self.settings.offer_services(change["new"])
        self._keep()

    @_guarded
    def _on_memory(self, content: object) -> None:
        """The page's memory spoke: what it remembers (on opening), or a mark made or undone (the answer on screen
        is asked again at once, without reading the input again), or the picture to share was asked for (it is
        drawn now and sent to the browser, which downloads it)."""
        message = read_message(content, self.session.engine.knows, COUNTRY_CODES)
        if message is None:
            return
        if message.kind == "picture":
            for name, png in self.picture().items():
                self.memory.send({"type": "picture", "name": name}, [png])
            return
        self.session.remember(message)
        if message.kind == "restore" and message.country:
            self._kept_where = message.country, message.services  # kept, even where this page has no TMDb key
            if self.tmdb is not None:
                self.settings.country.value = message.country
                self.settings.services.value = [s for s in message.services if s in self.settings.services.allowed_tags]
        self._keep()
        if message.kind != "restore" or message.marks:
            self._answer_again()

    def _keep(self) -> None:
        """Tell the page what to remember and what to list."""
        if self.tmdb is not None:
            self._kept_where = self.settings.country.value, tuple(self.settings.services.value)
        self.memory.memory = remembered(self.session.marks, *self._kept_where, self.session.titles)
        self.memory.listed = self.session.listed()

    def _answer_again(self) -> None:
        """The answer on screen again, under the marks as they are now."""
        if self.question.value == "recommend":
            if self.session.answer is not None:
                with self._busy("Updating your recommendations…"):
                    self.session.recommend(keep_shelf=True)
                    self._render_results(later=True)
        elif self.screen.shown is not None:
            self.ask()

    @_guarded
    def _on_add_member(self, _button: widgets.Button) -> None:
        self.panels["group"].add_member()

    @_guarded
    def _on_remove_member(self, row: MemberRow) -> None:
        self.panels["group"].remove_member(row)

    @_guarded
    def _on_upload(self, change: dict) -> None:
        if files := change["new"]:
            self.sources.show_upload(files)

    @_guarded
    def _on_tab(self, _change: dict) -> None:
        self.settings.choice.disabled = self.sources.typed_chosen()

    @_guarded
    def _on_option(self, _change: dict) -> None:
        """Options apply at once to the last results, as long as the input is still the one that gave them; the
        browser remembers the country and services chosen."""
        self._keep()
        last = self.session.source
        if self.question.value == "recommend" and last is not None and self.sources.source().key == last.key:
            self.run()

    @_guarded
    def _on_pick(self, label: str, change: dict) -> None:
        self._picked("Updating your recommendations…", self.session.confirm, label, change["new"])

    @_guarded
    def _on_tmdb_pick(self, label: str, change: dict) -> None:
        self._picked("Asking TMDb again…", self.session.confirm_on_tmdb, label, change["new"])

    def _picked(self, message: str, confirm: Callable[[str, int], None], label: str, pick: int) -> None:
        """A pick among a film's candidates (the catalog's or TMDb's): confirmed, then the answer again."""
        with self._busy(message):
            try:
                confirm(label, pick)
            finally:
                self._render_results()

    # ------------------------------------------------------------------------------------------------ flow

    def run(self) -> None:
        """For me: read the input on screen, then show what was understood and the results."""
        self.message.value = ""
        self._read_options()
        with self._busy("Reading your films…"):
            try:
                self.session.run(self.sources.source(), progress=self._progress)
            finally:
                understood = self.session.understood()
                self._render_understood(understood)
                self._render_results(understood)

    def ask(self) -> None:
        """Ask the chosen question with the inputs on screen and show its answer; a refusal leaves no answer."""
        self.message.value = ""
        self.screen.show("", "")
        self.tmdb_picks.children = []  # the picks of "for me"'s shelf
        self._read_options()
        with self._busy("Reading the films…"):
            answer = self.panels.ask(self.question.value, self.sources.source, self._progress)
        questions = self.questions

        def redraw(details: dict[int, FilmDetails]) -> None:
            html = answer_html(answer, self.session.year_range[1], details)
            self.screen.show(html, downloads_html(questions.downloads(), answer), answer)

        redraw(self.screen.known(answer))
        self.screen.fill_posters(answer, redraw)

    def picture(self) -> dict[str, bytes]:
        """The picture to share of the answer on screen, with the posters that have come, by file name (none for
        verdicts or an empty list)."""
        shown = self.screen.shown
        if not isinstance(shown, Answer):
            return {}
        posters = pixels(self.screen.known(shown))
        return self.session.picture(posters) if shown.question == "recommend" else self.questions.picture(posters)

    @contextlib.contextmanager
    def _busy(self, message: str) -> Iterator[None]:
        """A spinner with the current step, and a button that cannot be clicked twice."""
        self.go.disabled = True
        self._progress(message)
        try:
            yield
        finally:
            self.status.value = ""
            self.go.disabled = False

    def _progress(self, message: str) -> None:
        self.status.value = spinner(message)

    def show_error(self, message: str) -> None:
        self.message.value = box("error", sentence(message))

    # ------------------------------------------------------------------------------------------------ for me

    def _render_understood(self, understood: Understood) -> None:
        """The films read and what each became, with a drop-down for each uncertain match; built again only when
        they changed (an option other than the choice of films leaves them as they are)."""
        if self.session.raw is None:
            self.understood.layout.display = "none"
            self._understood = None
            return
        if understood != self._understood:
            self.understood.children = [
                self.understood_summary,
                *recommend.understood_parts(understood, self.session.confirmed, self._on_pick),
            ]
            self._understood = understood
        self.understood.layout.display = "flex"

    def _render_results(self, understood: Understood | None = None, later: bool = False) -> None:
        """The summary line, the cards, the downloads and the taste chart, from the session as it is now, with the
        posters this page has; TMDb is asked for the others meanwhile. `later`: the chart follows the cards in a
        thread (a mark's click must not wait for it)."""
        session = self.session
        if session.raw is not None:
            self.understood_summary.value = recommend.summary(session, understood or session.understood())
        answer = session.answer

        def redraw(details: dict[int, FilmDetails]) -> None:
            if answer is None:
                self.screen.show("", "")
                return
            files = recommend.downloads_html(session.downloads(), answer) if answer.films else ""
            self.screen.show(recommend.answer_html(answer, details), files, answer, shelf_follows=True)

        redraw(self.screen.known(answer))
        films = answer is not None and bool(answer.films)
        self.taste_box.layout.display = "flex" if films else "none"
        if answer is None:
            return
        self.screen.fill_posters(answer, redraw)  # first: TMDb answers while the chart is drawn

        def shelf_came(shelf: Shelf) -> None:  # its films are in the list CSV and the JSON too
            if shelf.films:
                self.screen.show_downloads(recommend.downloads_html(session.downloads(), answer), answer)
            self.tmdb_picks.children = recommend.tmdb_picks(shelf, session.confirmed_on_tmdb, self._on_tmdb_pick)

        if session.shelf is None:  # a new shelf is coming: its picks with it
            self.tmdb_picks.children = []
        # a shelf kept across a mark is shown again as it was: nothing asked of TMDb but new films' posters
        self.screen.fill_shelf(answer, session.newer, recommend.shelf_html, shelf_came, kept=session.shelf)
        if not later:  # a new reading or options: the other choices of films answered meanwhile, for the next one
            self.screen.look_ahead(answer, session.ahead)
        if films and later:
            self.screen.draw_later(answer, functools.partial(recommend.taste_chart, session))
        elif films:
            self.taste.value = recommend.taste_chart(session)
