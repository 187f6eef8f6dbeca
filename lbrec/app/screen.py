"""The answer on screen: its cards and download links shown together, then completed in threads without the visitor
waiting: TMDb's posters and synopses (with a TMDb key), the shelf of films newer than the model (TMDb's, ranked for
the visitor), and after a mark's click the taste chart, drawn after the cards. Widget updates from a thread reach the
page in Voilà.

TMDb's details of the films this page has shown are kept (`known`), so that an answer asked again (a mark, an
option) shows the posters it already has at once and asks TMDb only for its new films. Every completion is of one
answer: a newer answer on screen discards an older one's, and only the fill of the answer on screen shows, and
speaks (the posters' note).
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence

import ipywidgets as widgets

from lbrec.app.environment import log
from lbrec.ask.answers import Answer
from lbrec.ask.shelf import Shelf
from lbrec.errors import TmdbKeyError
from lbrec.serving.results import Film
from lbrec.tmdb import FilmDetails, TmdbClient
from lbrec.web import in_background

POSTERS_HINT = (
    "With a key to TMDb, the film database, this page would also show each film's poster and synopsis, and where it "
    "streams in your country; this copy of lbrec runs without one."
)
POSTERS_MISSING = "TMDb did not answer for some films: their cards stay without a poster."
POSTERS_REFUSED = "TMDb refused this copy of lbrec's key: the cards stay without posters."
KEPT = 300  # films whose TMDb details a page keeps (a poster is about 20 kB)
COMING_S = 0.3  # a shelf not there by then says it is coming (one there sooner replaces the last one at once)
AHEAD = 200  # requests the look ahead makes at most (then the choice it is on): as many as an answer's lookups

EXIT_WAIT_S = 5.0  # how long a process that ends waits for the page's threads, at most

_ENDING = threading.Event()  # the process is ending: no thread starts another step
_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def start(target: Callable[[], None], name: str) -> threading.Thread:
    """A thread of the page's, started: a daemon (it never holds a kernel up), yet waited for when the process
    ends (a thread cut off in the model's ONNX session aborts the whole process)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    _THREADS.add(thread)
    thread.start()
    return thread


@atexit.register
def _wait_for_threads() -> None:
    _ENDING.set()
    deadline = time.monotonic() + EXIT_WAIT_S
    for thread in list(_THREADS):
        thread.join(max(0.0, deadline - time.monotonic()))


Redraw = Callable[[dict[int, FilmDetails]], None]  # TMDb's details by TMDb id -> the answer's cards and links again
ShelfView = Callable[[Shelf | None, dict[int, FilmDetails]], str]  # a shelf (None: coming) and its details -> HTML


def posters_note(text: str) -> str:
    """One quiet line about the posters: why they are off, or why some are missing (`text` is lbrec's own)."""
    return f'<p class="lbrec-hint lbrec-posters-note">{text}</p>' if text else ""


class Screen:
    """Writes into the page's `results` (the cards), `downloads` (their links), `posters_note` and `taste` (the
    chart of "for me"); `tmdb` None: no posters, and no request to TMDb."""

    def __init__(
        self,
        results: widgets.HTML,
        downloads: widgets.HTML,
        note: widgets.HTML,
        taste: widgets.Image,
        tmdb: TmdbClient | None,
        shelf: widgets.HTML | None = None,
    ):
        self.results, self.downloads, self.posters_note, self.taste, self.tmdb = results, downloads, note, taste, tmdb
        self.shelf = shelf if shelf is not None else widgets.HTML()
        self.shelf_thread: threading.Thread | None = None  # the latest shelf asked of TMDb
        self.posters_note.value = posters_note(POSTERS_HINT if tmdb is None else "")
        self.poster_thread: threading.Thread | None = None  # the latest fill, if any
        self.chart_thread: threading.Thread | None = None  # the latest taste chart drawn after a mark's cards
        self.ahead_thread: threading.Thread | None = None  # the latest look ahead (`look_ahead`)
        self.shown: object = None  # the answer on screen, whose cards a fill may complete
        self.details: dict[int, FilmDetails] = {}  # TMDb's, of the films this page has shown, by TMDb id
        self._lock = threading.RLock()  # a fill's redraw shows its answer again

    def show(self, html: str, downloads: str, shown: object = None, shelf_follows: bool = False) -> None:
        """Put an answer's cards and download links on screen together; `shown`, the answer they are of, is what a
        poster fill may complete. Another answer takes the shelf of the last one away, unless its own follows
        (`fill_shelf`: it replaces the last one's, so that a shelf asked again in a blink does not flicker)."""
        with self._lock:
            if shown is not self.shown and not shelf_follows:
                self.shelf.value = ""
            self.shown = shown
            self.results.value = html
            self.downloads.value = downloads

    def show_downloads(self, downloads: str, shown: object) -> None:
        """The download links again (with the shelf's films), unless another answer is on screen by now."""
        with self._lock:
            if self.shown is shown:
                self.downloads.value = downloads

    def known(self, answer: Answer | None) -> dict[int, FilmDetails]:
        """TMDb's details of the answer's films (its shelf's too) that this page already has, by TMDb id."""
        films = [*answer.films, *(answer.shelf.films if answer.shelf else [])] if answer is not None else []
        return self.known_of(films)

    def known_of(self, films: Sequence[Film]) -> dict[int, FilmDetails]:
        return {film.tmdbId: self.details[film.tmdbId] for film in films if film.tmdbId in self.details}

    def draw_later(self, shown: Answer, chart: Callable[[], bytes]) -> None:
        """The taste chart (`chart`) of the answer on screen, drawn in a thread after its cards; a newer answer
        discards it."""

        def draw() -> None:
            try:
                png = chart()
                with self._lock:
                    if self.shown is shown:
                        self.taste.value = png
            except Exception:  # a thread's error would be lost: the cards stay, beside the previous chart
                log.exception("drawing the taste chart failed")

        self.chart_thread = start(draw, "lbrec-chart")

    def fill_shelf(
        self,
        shown: Answer,
        ask: Callable[[], Shelf],
        render: ShelfView,
        after: Callable[[Shelf], None] = lambda _: None,
        kept: Shelf | None = None,
    ) -> None:
        """The shelf of films newer than the model for the answer on screen: `kept` (a mark re-ranked it) shown at
        once, else asked of TMDb in a thread (seconds on a cold cache; milliseconds for what the client kept), a line
        saying it is coming once `COMING_S` have passed (the last answer's shelf until then), then
        `after(shelf)` (the downloads again, with its films; the picks among TMDb's candidates); then, in the same
        thread, the posters of its films this page lacks. Without a key, at once (nothing is asked)."""
        if self.tmdb is None:
            self.shelf.value = render(ask(), {})
            return
        filled = threading.Event()
        if kept is not None:
            self.shelf.value = render(kept, self.known_of(kept.films))
        else:  # the last answer's shelf stays a moment: TMDb's answers kept by the client come in milliseconds

            def coming() -> None:
                with self._lock:
                    if self.shown is shown and not filled.is_set():
                        self.shelf.value = render(None, {})

            timer = threading.Timer(COMING_S, coming)
            timer.daemon = True
            timer.start()

        def fill() -> None:
            try:
                shelf = kept if kept is not None else ask()
            except Exception:  # a thread's error would be lost: the model's answer stays, without the shelf
                log.exception("the newer films failed")
                shelf = Shelf(note="Something went wrong asking TMDb for newer films; it has been logged")
            with self._lock:
                filled.set()
                if self.shown is not shown:
                    return
                if kept is None:
                    self.shelf.value = render(shelf, self.known_of(shelf.films))
                    after(shelf)
            missing = [f.tmdbId for f in shelf.films if f.tmdbId is not None and f.tmdbId not in self.details]
            if missing and self._details_came(missing):
                with self._lock:
                    if self.shown is shown:
                        self.shelf.value = render(shelf, self.known_of(shelf.films))

        self.shelf_thread = start(fill, "lbrec-shelf")

    def look_ahead(self, shown: Answer, answers: Callable[[], Iterable[tuple[str, Sequence[Film]]]]) -> None:
        """Once the answer on screen is whole (its posters and its shelf came), what a change of option would show
        next, asked in a thread, its requests giving way to the visitor's: each of `answers()` (choice, films) and their
        posters, kept so that the change shows them at once; it stops once another answer is on screen, or after the
        answer that brings its requests to `AHEAD`."""
        if self.tmdb is None:  # nothing to ask ahead: the model answers a change in milliseconds
            return
        waiting = [thread for thread in (self.poster_thread, self.shelf_thread) if thread is not None]

        def run() -> None:
            for thread in waiting:
                thread.join()
            try:
                with in_background():  # the visitor's next change is never queued behind these requests
                    before = self.tmdb.requests_made
                    for _, films in answers() if self.shown is shown else ():
                        missing = [f.tmdbId for f in films if f.tmdbId is not None and f.tmdbId not in self.details]
                        if self.shown is not shown or self.tmdb.refused or _ENDING.is_set():
                            break
                        if missing:
                            self._details_came(list(dict.fromkeys(missing)))
                        if self.tmdb.requests_made - before >= AHEAD:
                            break
            except Exception:  # a thread's error would be lost: the page only answers the next change later
                log.exception("looking ahead failed")

        self.ahead_thread = start(run, "lbrec-ahead")

    def fill_posters(self, shown: Answer, redraw: Redraw) -> None:
        """Ask TMDb in a thread for the details of the answer's films this page does not have yet: the cards are
        already on screen (with the details it had) and never wait; `redraw` shows them again with every detail
        that came, by TMDb id."""
        films = [*shown.films, *(shown.shelf.films if shown.shelf else [])]
        missing = [film.tmdbId for film in films if film.tmdbId is not None and film.tmdbId not in self.details]
        if self.tmdb is None or self.tmdb.refused or not missing:
            return
        self.poster_thread = start(lambda: self._posters_arrived(shown, missing, redraw), "lbrec-posters")

    def _posters_arrived(self, shown: Answer, tmdb_ids: list[int], redraw: Redraw) -> None:
        """Redraw the cards with TMDb's details, unless a newer answer replaced them meanwhile; one quiet line when
        TMDb did not answer for some films."""
        if not self._details_came(tmdb_ids):
            return
        with self._lock:
            if self.shown is shown:  # only the fill of the answer on screen shows, and speaks
                redraw(self.known(shown))
                self.posters_note.value = posters_note(POSTERS_MISSING if self.tmdb.trouble else "")

    def _details_came(self, tmdb_ids: list[int]) -> bool:
        """Ask TMDb for these films' details and keep them (the latest `KEPT`); False when nothing came: TMDb
        refused the key (one quiet line says so) or failed."""
        try:
            came = self.tmdb.details_many(tmdb_ids)
        except TmdbKeyError as exc:
            log.warning("posters are off for this page: %s", exc)
            self.posters_note.value = posters_note(POSTERS_REFUSED)
            return False
        except Exception:  # a thread's error would be lost: the cards simply stay text
            log.exception("filling in the posters failed")
            return False
        with self._lock:
            self.details.update(came)
            for old in list(self.details)[: max(0, len(self.details) - KEPT)]:
                del self.details[old]
        return True
