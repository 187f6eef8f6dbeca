"""The app's widgets: bound to one `Session`, they only read the visitor's input into it and render it back.

One `RecommenderApp` per browser page (Voilà starts a kernel per page); the engine and the matching index are
loaded once per process and shared (`lbrec.app.environment`). Voilà drops exceptions raised in widget callbacks,
so every callback goes through `_guarded`: lbrec's own errors are shown as they are (their messages are written
for people), anything else as a short apology, and both are logged to the server's stderr.

With a TMDb key the cards never wait for posters: they are shown at once, and a thread fills them in when TMDb's
details arrive (widget updates from a thread reach the page in Voilà), then redraws the picture to share with them;
a newer answer discards an older fill.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import ipywidgets as widgets

from lbrec import plots
from lbrec.app import render, render_questions
from lbrec.app.downloads import pixels
from lbrec.app.memory import read_message, remembered
from lbrec.app.memory_widget import MemoryWidget
from lbrec.app.render_watch import countries
from lbrec.app.settings import Settings
from lbrec.app.environment import client_from_env, load_engine, log, log_to_server
from lbrec.app.question_views import HISTORY_QUESTIONS, MemberRow, QuestionPanels
from lbrec.app.questions import QUESTIONS, Questions
from lbrec.app.session import SKIP, Session, Understood, upload_source
from lbrec.ask.answers import Answer
from lbrec.ask.person import Source
from lbrec.ask.questions import Ask
from lbrec.catalog.index import MatchIndex
from lbrec.errors import LbrecError, TmdbKeyError
from lbrec.letterboxd.client import Client
from lbrec.serving.engine import Recommender
from lbrec.tmdb import FilmDetails, TmdbClient
from lbrec.tmdb.environment import tmdb_from_env

TABS = ("Letterboxd username", "Upload your Letterboxd export", "Type titles")
USERNAME_TAB, UPLOAD_TAB, TYPED_TAB = range(3)
MAX_PICKS = 15  # uncertain matches offered as drop-downs; the rest are listed
COUNTRY_CODES = frozenset(code for _, code in countries() if code)
BUTTONS = {"recommend": "Recommend films", "rank": "Rank them for me", "similar": "Find similar films",
           "predict": "Would I like them?", "group": "Recommend for the group"}

T = TypeVar("T")


def main() -> widgets.Widget:
    """What the notebook shows: the app, or a clear page when the model is not ready."""
    log_to_server()
    try:
        return RecommenderApp(*load_engine(), client=client_from_env(), tmdb=tmdb_from_env()).widget
    except (LbrecError, ValueError) as exc:
        log.error("the app cannot start: %s", exc)
        return widgets.HTML(render.style() + render.box(
            "error", f"The app cannot start: {render.escape(exc)}. Run <code>make app</code> (it builds the model "
                     f"when missing), or set LBREC_MODEL to a model folder.", escape_body=False))


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
            self.show_error(f"Something went wrong on our side ({type(exc).__name__}); it has been logged. Please "
                            f"try again, or try another input.")
        return None

    return wrapper


class RecommenderApp:
    """The whole UI; `widget` is what the notebook displays and `session` what it shows."""

    def __init__(self, engine: Recommender, catalog: MatchIndex, client: Client | None = None,
                 tmdb: TmdbClient | None = None):
        self.session = Session(Ask(engine, catalog, client or Client(), tmdb=tmdb))
        self.tmdb = tmdb  # None: no posters, and no request to TMDb
        self.poster_thread: threading.Thread | None = None  # the latest fill, if any
        self.picture_thread: threading.Thread | None = None  # the latest pictures drawn after a mark's cards
        self._shown: object = None  # the answer on screen, whose cards a fill may complete
        self._shown_lock = threading.RLock()  # a fill's redraw shows its answer again
        self.questions = Questions(self.session)
        self.question = widgets.ToggleButtons(options=[(label, key) for key, label in QUESTIONS.items()],
                                              value="recommend")
        self.question.add_class("lbrec-questions")
        self.question.observe(self._on_question, "value")
        self.panels = QuestionPanels(self.questions, on_remove=self._on_remove_member)
        self.panels.add.on_click(self._on_add_member)
        inputs = self._build_inputs()
        self.settings = Settings(engine.genres, self.session.year_range, tmdb, on_change=self._on_option)
        self.settings.country.observe(self._on_country, "value")
        self.go = widgets.Button(description="Recommend films", icon="film", tooltip="Read your films and "
                                 "recommend new ones", layout=widgets.Layout(min_width="220px", width="auto", height="42px"))
        self.go.add_class("lbrec-go")
        self.go.on_click(self._on_go)
        self.status = widgets.HTML()
        self.message = widgets.HTML()
        self.understood_summary = widgets.HTML()
        self.understood = widgets.VBox(layout=widgets.Layout(display="none", flex="1 1 420px"))
        self.understood.add_class("lbrec-panel")
        self.results = widgets.HTML()
        self.posters_note = widgets.HTML(render.posters_note(render.POSTERS_HINT if tmdb is None else ""))
        self.downloads = widgets.HTML()
        self.memory = MemoryWidget(on_message=self._on_memory)
        self._kept_where: tuple[str, tuple[str, ...]] = ("", ())  # country and services, as the browser keeps them
        self.taste = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.taste_box = widgets.VBox([widgets.HTML('<h3 class="lbrec-h3">Your taste at a glance</h3>'), self.taste],
                                      layout=widgets.Layout(display="none", flex="0 1 520px"))
        self.taste_box.add_class("lbrec-panel")
        self.widget = widgets.VBox([
            widgets.HTML(render.style() + render.header()), self.question, inputs, self.panels.widget,
            self.settings.widget,
            widgets.HBox([self.go, self.status], layout=widgets.Layout(align_items="center")),
            self.message,
            widgets.HBox([self.understood, self.taste_box], layout=widgets.Layout(flex_flow="row wrap",
                                                                                  align_items="flex-start")),
            self.downloads, self.memory, self.results, self.posters_note,
            widgets.HTML(render.footer(self.session, posters=tmdb is not None)),
        ])
        self.widget.add_class("lbrec")
        self.panels.show("recommend")
        self.settings.show("recommend")

    # ------------------------------------------------------------------------------------------------ build

    def _build_inputs(self) -> widgets.Widget:
        self.username = widgets.Text(placeholder="your Letterboxd username, e.g. davidehrlich",
                                     layout=widgets.Layout(width="340px"))
        username_tab = widgets.VBox([
            widgets.HTML('<p class="lbrec-hint">Your latest 50 diary entries, from the RSS feed Letterboxd publishes '
                         'for feed readers. Letterboxd\'s terms forbid reading its pages by program, so for your '
                         'whole history, with ratings, likes and watchlist, upload your export instead.</p>'),
            self.username])
        self.upload = widgets.FileUpload(accept=".zip,.csv", multiple=True, description="Choose the ZIP",
                                         button_style="info", layout=widgets.Layout(width="220px"))
        self.upload.observe(self._on_upload, "value")
        self.upload_info = widgets.HTML('<span class="lbrec-hint">No file chosen yet.</span>')
        upload_tab = widgets.VBox([
            widgets.HTML('<p class="lbrec-hint"><b>The most complete and reliable way.</b> On Letterboxd, open '
                         '<i>Settings &gt; Data &gt; Export your data</i> and upload the ZIP it gives you, as it is. '
                         'It is read in memory here and never stored. From IMDb, upload the CSV of <i>Your Ratings '
                         '&gt; Export</i> instead, with your Watchlist\'s CSV beside it if you like.</p>'),
            widgets.HBox([self.upload, self.upload_info], layout=widgets.Layout(align_items="center"))])
        self.typed = widgets.Textarea(placeholder="Films you love, one per line or separated by semicolons, the most "
                                                  "recent last:\nHeat (1995)\nThe Matrix (1999)\nAmélie",
                                      layout=widgets.Layout(width="100%", height="130px"))
        typed_tab = widgets.VBox([
            widgets.HTML('<p class="lbrec-hint">Add the year when a title is ambiguous: <i>Solaris (1972)</i>. An '
                         'IMDb id such as <i>tt0113277</i> works too.</p>'), self.typed])
        self.tabs = widgets.Tab(children=[username_tab, upload_tab, typed_tab], titles=TABS)
        self.tabs.observe(self._on_tab, "selected_index")
        return self.tabs

    # ------------------------------------------------------------------------------------------------ input

    def given(self) -> Source:
        """The source on screen, as the session takes it."""
        tab = self.tabs.selected_index
        if tab == USERNAME_TAB:
            return Source("rss", self.username.value)
        if tab == UPLOAD_TAB:
            return upload_source([(str(f["name"]), bytes(f["content"])) for f in self.upload.value])
        return Source("typed", self.typed.value)

    def _read_options(self) -> None:
        self.session.set_options(**self.settings.values())

    # ------------------------------------------------------------------------------------------------ callbacks

    @_guarded
    def _on_go(self, _button: widgets.Button) -> None:
        if self.question.value == "recommend":
            self.run()
        else:
            self.ask()

    @_guarded
    def _on_question(self, change: dict) -> None:
        """Show the inputs the chosen question needs; the last answer goes, the inputs stay."""
        question = change["new"]
        self.tabs.layout.display = "flex" if question in HISTORY_QUESTIONS else "none"
        self.panels.show(question)
        self.settings.show(question)
        self.go.description = BUTTONS[question]
        self.message.value = ""
        self._show_results("", "")
        self.understood.layout.display = self.taste_box.layout.display = "none"
        self.session.clear()

    @_guarded
    def _on_country(self, change: dict) -> None:
        """The services of the chosen country, to choose from; the browser remembers the country."""
        self.settings.offer_services(change["new"])
        self._keep()

    @_guarded
    def _on_memory(self, content: object) -> None:
        """The page's memory spoke: what it remembers (on opening), or a mark made or undone. The answer on screen
        is asked again at once, without reading the input again."""
        message = read_message(content, self.session.engine.knows, COUNTRY_CODES)
        if message is None:
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
        self.memory.memory = remembered(self.session.marks, *self._kept_where)
        self.memory.listed = self.session.listed()

    def _answer_again(self) -> None:
        """The answer on screen again, under the marks as they are now."""
        if self.question.value == "recommend":
            if self.session.answer is not None:
                with self._busy("Updating your recommendations…"):
                    self.session.recommend()
                    self._render_results(later=True)
        elif self._shown is not None:
            self.ask(later=True)

    @_guarded
    def _on_add_member(self, _button: widgets.Button) -> None:
        self.panels.add_member()

    @_guarded
    def _on_remove_member(self, row: MemberRow) -> None:
        self.panels.remove_member(row)

    @_guarded
    def _on_upload(self, change: dict) -> None:
        if files := change["new"]:
            self.upload_info.value = render.upload_ready(" + ".join(str(f["name"]) for f in files),
                                                         sum(int(f["size"]) for f in files))

    @_guarded
    def _on_tab(self, _change: dict) -> None:
        self.settings.choice.disabled = self.tabs.selected_index == TYPED_TAB  # typed titles carry no ratings or likes

    @_guarded
    def _on_option(self, _change: dict) -> None:
        """Options apply at once to the last results, as long as the input is still the one that gave them; the
        browser remembers the country and services chosen."""
        self._keep()
        last = self.session.source
        if self.question.value == "recommend" and last is not None and self.given().key == last.key:
            self.run()

    @_guarded
    def _on_pick(self, label: str, change: dict) -> None:
        with self._busy("Updating your recommendations…"):
            try:
                self.session.confirm(label, change["new"])
            finally:
                self._render_results()

    # ------------------------------------------------------------------------------------------------ flow

    def run(self) -> None:
        """Read the input on screen, then show what was understood and the results."""
        self.message.value = ""
        self._read_options()
        with self._busy("Reading your films…"):
            try:
                self.session.run(self.given(), progress=self._progress)
            finally:
                understood = self.session.understood()
                self._render_understood(understood)
                self._render_results(understood)

    def ask(self, later: bool = False) -> None:
        """Ask the chosen question with the inputs on screen and show its answer; a refusal leaves no answer.
        `later`: the picture to share follows the cards in a thread (a mark's click must not wait for it)."""
        self.message.value = ""
        self._show_results("", "")
        self._read_options()
        with self._busy("Reading the films…"):
            answer = self.panels.ask(self.question.value, self.given, self._progress)
        questions = self.questions

        def redraw(details: dict[int, FilmDetails], picture: bool = True) -> None:
            files = questions.downloads()
            self._show_results(render_questions.answer(answer, details),
                               render_questions.downloads(files), answer)
            if picture:  # after the cards: drawing it takes a third of a second
                self._show_downloads(render_questions.downloads({**files, **questions.picture(pixels(details))}),
                                     answer)

        redraw({}, picture=not later)
        if later:
            self._draw_later(answer, redraw)
        else:
            self._fill_posters(answer, redraw)

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
        self.status.value = render.spinner(message)

    def show_error(self, message: str) -> None:
        self.message.value = render.box("error", render.sentence(message))

    # ------------------------------------------------------------------------------------------------ render

    def _render_understood(self, understood: Understood) -> None:
        """The films read and what each became, with a drop-down for each uncertain match."""
        if self.session.raw is None:
            self.understood.layout.display = "none"
            return
        parts: list[widgets.Widget] = [self.understood_summary, widgets.HTML(render.understood_lists(understood))]
        if understood.uncertain:
            parts.append(widgets.HTML('<p class="lbrec-label">Which film did you mean? Pick one and the results '
                                      'update.</p>'))
            for label, candidates in understood.uncertain[:MAX_PICKS]:
                options = [("Not this one: skip it", SKIP)] + [(c.label(), c.movie_id) for c in candidates]
                value = self.session.confirmed.get(label, SKIP)
                pick = widgets.Dropdown(options=options, layout=widgets.Layout(width="380px"),
                                        value=value if value in [v for _, v in options] else SKIP)
                pick.observe(functools.partial(self._on_pick, label), "value")
                parts.append(widgets.HBox([widgets.Label(label, layout=widgets.Layout(width="260px")), pick]))
            if len(understood.uncertain) > MAX_PICKS:
                rest = ", ".join(label for label, _ in understood.uncertain[MAX_PICKS:])
                parts.append(widgets.HTML(f'<p class="lbrec-hint">Also uncertain (skipped): {render.escape(rest)}</p>'))
        self.understood.children = parts
        self.understood.layout.display = "flex"

    def _render_results(self, understood: Understood | None = None, later: bool = False) -> None:
        """The summary line, the cards, the downloads and the taste picture, from the session as it is now;
        `later`: the pictures follow the cards in a thread (a mark's click must not wait for them)."""
        session = self.session
        if session.raw is not None:
            self.understood_summary.value = render.summary(session, understood or session.understood())
        answer = session.answer

        def redraw(details: dict[int, FilmDetails], picture: bool = True) -> None:
            if answer is None:
                self._show_results("", "")
                return
            files = session.downloads()
            self._show_results(render.cards(answer, details),
                               render.downloads(files, len(answer.films)) if answer.films else "", answer)
            if picture and answer.films:  # after the cards: drawing it takes a third of a second
                self._show_downloads(render.downloads({**files, **session.picture(pixels(details))},
                                                      len(answer.films)), answer)

        redraw({}, picture=False)
        self.taste_box.layout.display = "flex" if answer is not None and answer.films else "none"
        if answer is not None and answer.films and later:
            self._draw_later(answer, redraw, taste=True)
            return
        if answer is not None and answer.films:
            self.taste.value = plots.png(plots.taste(*session.taste()))
        redraw({})
        if answer is not None:
            self._fill_posters(answer, redraw)

    def _draw_later(self, shown: Answer, redraw: Callable[..., None], taste: bool = False) -> None:
        """The taste chart (`taste`) and the picture to share of the answer on screen, drawn in a thread after its
        cards, then its posters; a newer answer discards them."""

        def draw() -> None:
            try:
                chart = plots.png(plots.taste(*self.session.taste())) if taste else None
                with self._shown_lock:
                    if self._shown is not shown:
                        return
                    if chart is not None:
                        self.taste.value = chart
                    redraw({})
                self._fill_posters(shown, redraw)
            except Exception:  # a thread's error would be lost: the cards stay, without the new picture
                log.exception("drawing the pictures failed")

        self.picture_thread = threading.Thread(target=draw, name="lbrec-pictures", daemon=True)
        self.picture_thread.start()

    # ------------------------------------------------------------------------------------------------ posters

    def _show_results(self, html: str, downloads: str, shown: object = None) -> None:
        """Put an answer's cards and download links on screen together; `shown`, the answer they are of, is what a
        poster fill may complete."""
        with self._shown_lock:
            self._shown = shown
            self.results.value = html
            self.downloads.value = downloads

    def _show_downloads(self, downloads: str, shown: object) -> None:
        """The download links again, with the picture to share, unless another answer is on screen by now."""
        with self._shown_lock:
            if self._shown is shown:
                self.downloads.value = downloads

    def _fill_posters(self, shown: Answer, redraw: Callable[[dict[int, FilmDetails]], None]) -> None:
        """Ask TMDb for the details of the answer's films in a thread: the cards are already on screen and never
        wait; `redraw` shows them again with the details that came, by TMDb id."""
        tmdb_ids = [film.tmdbId for film in shown.films if film.tmdbId is not None]
        if self.tmdb is None or self.tmdb.refused or not tmdb_ids:
            return
        self.poster_thread = threading.Thread(target=self._posters_arrived, args=(shown, tmdb_ids, redraw),
                                              name="lbrec-posters", daemon=True)
        self.poster_thread.start()

    def _posters_arrived(self, shown: Answer, tmdb_ids: list[int],
                         redraw: Callable[[dict[int, FilmDetails]], None]) -> None:
        """Redraw the cards and the picture to share with TMDb's details, unless a newer answer replaced them
        meanwhile; one quiet line when TMDb refused the key or did not answer for some films."""
        try:
            details = self.tmdb.details_many(tmdb_ids)
        except TmdbKeyError as exc:
            log.warning("posters are off for this page: %s", exc)
            self.posters_note.value = render.posters_note(str(exc))
            return
        except Exception:  # a thread's error would be lost: the cards simply stay text
            log.exception("filling in the posters failed")
            return
        with self._shown_lock:
            if self._shown is shown:  # only the fill of the answer on screen shows, and speaks
                redraw(details)
                self.posters_note.value = render.posters_note(render.POSTERS_MISSING if self.tmdb.trouble else "")
