"""The answer on screen: its cards and download links shown together, then completed in threads without the visitor
waiting: TMDb's posters and synopses (with a TMDb key), the picture to share drawn with them, the shelf of films
newer than the model (TMDb's, ranked for the visitor), and after a mark's click the taste chart and the picture,
drawn after the cards. Widget updates from a thread reach the page in Voilà.

Every completion is of one answer: a newer answer on screen discards an older one's, and only the fill of the answer
on screen shows, and speaks (the posters' note).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import ipywidgets as widgets

from lbrec.app.environment import log
from lbrec.ask.answers import Answer
from lbrec.ask.shelf import Shelf
from lbrec.errors import TmdbKeyError
from lbrec.tmdb import TmdbClient

POSTERS_HINT = (
    "Posters, synopses and where to watch each film (a country and your services): start the app with "
    "TMDB_API_KEY set to your own TMDb API key "
    "(themoviedb.org &gt; Settings &gt; API)."
)
POSTERS_MISSING = "TMDb did not answer for some films: their cards stay without a poster."

Redraw = Callable[..., None]  # (TMDb's details by TMDb id, picture=True): the answer's cards and links again


def posters_note(text: str) -> str:
    """One quiet line about the posters: how to turn them on, or why some are missing (`text` is lbrec's own)."""
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
        self.picture_thread: threading.Thread | None = None  # the latest pictures drawn after a mark's cards
        self.shown: object = None  # the answer on screen, whose cards a fill may complete
        self._lock = threading.RLock()  # a fill's redraw shows its answer again

    def show(self, html: str, downloads: str, shown: object = None) -> None:
        """Put an answer's cards and download links on screen together; `shown`, the answer they are of, is what a
        poster fill may complete (another answer takes the shelf of the last one away)."""
        with self._lock:
            if shown is not self.shown:
                self.shelf.value = ""
            self.shown = shown
            self.results.value = html
            self.downloads.value = downloads

    def show_downloads(self, downloads: str, shown: object) -> None:
        """The download links again, with the picture to share, unless another answer is on screen by now."""
        with self._lock:
            if self.shown is shown:
                self.downloads.value = downloads

    def draw_later(self, shown: Answer, redraw: Redraw, chart: Callable[[], bytes] | None = None) -> None:
        """The taste chart (`chart`) and the picture to share of the answer on screen, drawn in a thread after its
        cards, then its posters; a newer answer discards them."""

        def draw() -> None:
            try:
                png = chart() if chart is not None else None
                with self._lock:
                    if self.shown is not shown:
                        return
                    if png is not None:
                        self.taste.value = png
                    redraw({})
                self.fill_posters(shown, redraw)
            except Exception:  # a thread's error would be lost: the cards stay, without the new picture
                log.exception("drawing the pictures failed")

        self.picture_thread = threading.Thread(target=draw, name="lbrec-pictures", daemon=True)
        self.picture_thread.start()

    def fill_shelf(
        self,
        shown: Answer,
        ask: Callable[[], Shelf],
        render: Callable[[Shelf | None], str],
        after: Callable[[], None] = lambda: None,
    ) -> None:
        """The shelf of films newer than the model for the answer on screen: asked of TMDb in a thread (seconds on a
        cold cache), a line saying it is coming meanwhile, then `after` (the downloads again, with its films);
        without a key, at once (nothing is asked)."""
        if self.tmdb is None:
            self.shelf.value = render(ask())
            return
        self.shelf.value = render(None)

        def fill() -> None:
            try:
                shelf = ask()
            except Exception:  # a thread's error would be lost: the model's answer stays, without the shelf
                log.exception("the newer films failed")
                shelf = Shelf(note="Something went wrong asking TMDb for newer films; it has been logged")
            with self._lock:
                if self.shown is shown:
                    self.shelf.value = render(shelf)
                    if shelf.films:
                        after()

        self.shelf_thread = threading.Thread(target=fill, name="lbrec-shelf", daemon=True)
        self.shelf_thread.start()

    def fill_posters(self, shown: Answer, redraw: Redraw) -> None:
        """Ask TMDb for the details of the answer's films in a thread: the cards are already on screen and never
        wait; `redraw` shows them again with the details that came, by TMDb id."""
        tmdb_ids = [film.tmdbId for film in shown.films if film.tmdbId is not None]
        if self.tmdb is None or self.tmdb.refused or not tmdb_ids:
            return
        self.poster_thread = threading.Thread(
            target=self._posters_arrived, args=(shown, tmdb_ids, redraw), name="lbrec-posters", daemon=True
        )
        self.poster_thread.start()

    def _posters_arrived(self, shown: Answer, tmdb_ids: list[int], redraw: Redraw) -> None:
        """Redraw the cards and the picture to share with TMDb's details, unless a newer answer replaced them
        meanwhile; one quiet line when TMDb refused the key or did not answer for some films."""
        try:
            details = self.tmdb.details_many(tmdb_ids)
        except TmdbKeyError as exc:
            log.warning("posters are off for this page: %s", exc)
            self.posters_note.value = posters_note(str(exc))
            return
        except Exception:  # a thread's error would be lost: the cards simply stay text
            log.exception("filling in the posters failed")
            return
        with self._lock:
            if self.shown is shown:  # only the fill of the answer on screen shows, and speaks
                redraw(details)
                self.posters_note.value = posters_note(POSTERS_MISSING if self.tmdb.trouble else "")
