"""The recommendation app: ipywidgets in a class, shown by `notebooks/05_recommend.ipynb` under Voilà.

One `RecommenderApp` per browser session (Voilà starts a kernel per page); the model and the matching index are
loaded once per process and shared. The flow is read -> understand -> recommend -> render:

- read: a Letterboxd username (RSS feed or every page of the profile), an uploaded export ZIP, or typed titles;
- understand: match the chosen films to MovieLens and show what was matched, what needs the user's pick among
  candidates, and what was not found and why;
- recommend: the onnxruntime engine with the options (how many, genres, years, mainstream to obscure, watchlist);
- render: cards with the "because you liked" films and links, a genre picture of the user's taste, and downloads
  (a CSV that Letterboxd's list importer reads, and the JSON of `python -m lbrec recommend --json`).

Voilà drops exceptions raised in widget callbacks, so every callback goes through `_guarded`: lbrec's own errors
are shown as they are (their messages are written for people), anything else as a short apology, and both are
logged to the server's stderr. Every piece of text that came from outside is HTML-escaped before display: the
HTML widget renders its value unsanitised.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import functools
import hashlib
import html
import io
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as widgets
import numpy as np

from lbrec import paths
from lbrec.catalog import Catalog, Match
from lbrec.errors import EmptyHistoryError, LbrecError, LetterboxdError
from lbrec.letterboxd import (CHOICES, FilmEntry, LetterboxdHistory, MatchedHistory, load_history, match_history,
                              read_export, validate_username)
from lbrec.recommend import Filters, Recommendation, Recommender
from lbrec.web import LETTERBOXD, Client

log = logging.getLogger("lbrec.app")

LETTERBOXD_URL_ENV = "LBREC_LETTERBOXD_URL"  # tests only: a loopback server standing in for letterboxd.com
SOURCES = [("Your latest 50 films", "recent"), ("Films you rated 5★", "5"), ("Films you rated 4★ or more", "4"),
           ("Films you rated 3★ or more", "3"), ("Films you liked ♥", "liked")]
USERNAME_MODES = [("Recent diary (RSS, fast)", "rss"), ("Every rated film (profile pages, slower)", "profile")]
# Popularity bands over the model's films, as quantiles of the number of ratings (0 = least rated).
POPULARITY = {"Mainstream": (0.8, 1.0), "Popular": (0.5, 1.0), "Anything": (0.0, 1.0),
              "Lesser-known": (0.0, 0.5), "Obscure": (0.0, 0.2)}
TABS = ("Letterboxd username", "Upload your Letterboxd export", "Type titles")
USERNAME_TAB, UPLOAD_TAB, TYPED_TAB = range(3)
SKIP = 0  # the drop-down value for "none of these candidates" (movieIds start at 1)
MAX_PICKS = 15  # uncertain matches offered as drop-downs; the rest are listed
MAX_LISTED = 300  # rows in the matched / not-found lists
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula
SITES = {"letterboxd": "Letterboxd", "tmdb": "TMDb", "imdb": "IMDb"}
GENRE_COLOURS = {"Action": "#ff8000", "Adventure": "#f5a623", "Animation": "#f5c400", "Children": "#f5c400",
                 "Comedy": "#f5c400", "Crime": "#8e44ad", "Documentary": "#7f8c8d", "Drama": "#40bcf4",
                 "Fantasy": "#9b59b6", "Film-Noir": "#34495e", "Horror": "#c0392b", "Musical": "#ff5c8a",
                 "Mystery": "#5b6abf", "Romance": "#ff5c8a", "Sci-Fi": "#00c030", "Thriller": "#d35400",
                 "War": "#6d7b57", "Western": "#a0522d"}

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------------- loading


@functools.cache
def _load(model_dir: Path) -> tuple[Recommender, Catalog]:
    engine = Recommender(model_dir)
    return engine, Catalog(engine.catalog)


def load_engine(model_dir: str | os.PathLike[str] | None = None) -> tuple[Recommender, Catalog]:
    """The engine and matching index for a model folder, built once per process (every session shares them)."""
    return _load(Path(model_dir or paths.default_model_dir()).expanduser().resolve())


def client_from_env() -> Client:
    """letterboxd.com, or the loopback test server named by `LBREC_LETTERBOXD_URL` (never from a UI field).

    The on-disk page cache is for being polite to Letterboxd; a local test server gets none.
    """
    url = os.environ.get(LETTERBOXD_URL_ENV, "").strip() or LETTERBOXD
    return Client(base_url=url, cache=url.rstrip("/") == LETTERBOXD)


def _log_to_server() -> None:
    """Send the app's log to the server's terminal: in a kernel, sys.stderr is the notebook's output stream."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("%(asctime)s lbrec.app %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def main() -> widgets.Widget:
    """What the notebook shows: the app, or a clear page when the model is not ready."""
    _log_to_server()
    try:
        return RecommenderApp(*load_engine(), client=client_from_env()).widget
    except (LbrecError, ValueError) as exc:
        log.error("the app cannot start: %s", exc)
        return widgets.HTML(STYLE + _box("error", f"The app cannot start: {_e(exc)}. Run <code>make app</code> (it "
                                                  f"builds the model when missing), or set LBREC_MODEL to a model "
                                                  f"folder.", escape_body=False))


# ---------------------------------------------------------------------------------------------------- downloads


def _safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def letterboxd_csv(recommendations: Sequence[Recommendation]) -> str:
    """The list in the columns Letterboxd's list importer reads (Title, Year, tmdbID)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Title", "Year", "tmdbID"])
    for rec in recommendations:
        writer.writerow([_safe_cell(rec.title), _safe_cell(rec.year), _safe_cell(rec.tmdbId)])
    return buffer.getvalue()


def _data_uri(text: str, mime: str) -> str:
    return f"data:{mime};charset=utf-8;base64,{base64.b64encode(text.encode('utf-8')).decode('ascii')}"


# ---------------------------------------------------------------------------------------------------- matching


def with_picks(matched: MatchedHistory, picks: dict[str, int]) -> MatchedHistory:
    """`matched` with the user's choices among the candidates of uncertain matches counted as matches."""
    results: list[tuple[FilmEntry, Match]] = []
    for film, match in matched.results:
        chosen = picks.get(film.label)
        candidate = next((c for c in match.candidates if c.movie_id == chosen), None)
        if match.status != "matched" and candidate is not None:
            match = replace(match, movie_id=candidate.movie_id, title=candidate.title, year=candidate.year,
                            confidence=candidate.score, status="matched", reason="picked by you")
        results.append((film, match))
    positives: list[int] = []
    for _, match in results:
        if match.movie_id is not None:
            if match.movie_id in positives:
                positives.remove(match.movie_id)  # keep the latest occurrence, as match_history does
            positives.append(match.movie_id)
    return MatchedHistory(positives, matched.watched | set(positives), matched.watchlist, results)


def genre_shares(genre_lists: Iterable[Sequence[str]]) -> dict[str, float]:
    """Share of films carrying each genre (a film may carry several)."""
    lists = list(genre_lists)
    counts = Counter(g for genres in lists for g in set(genres))
    return {g: n / len(lists) for g, n in counts.items()} if lists else {}


def taste_png(history: dict[str, float], recommended: dict[str, float], top: int = 8) -> bytes:
    """Grouped bars: the genre mix of the user's films beside that of their recommendations."""
    from matplotlib.figure import Figure  # no pyplot: no global state shared between sessions

    genres = sorted(set(history) | set(recommended), key=lambda g: -(history.get(g, 0) + recommended.get(g, 0)))
    genres = genres[:top][::-1]
    figure = Figure(figsize=(5.4, 0.3 * len(genres) + 0.8), dpi=110)
    axes = figure.add_subplot()
    y = np.arange(len(genres))
    axes.barh(y + 0.2, [history.get(g, 0) * 100 for g in genres], 0.38, color="#40bcf4", label="your films")
    axes.barh(y - 0.2, [recommended.get(g, 0) * 100 for g in genres], 0.38, color="#ff8000", label="recommended")
    axes.set_yticks(y, genres)
    axes.set_xlabel("% of films with this genre")
    axes.legend(loc="lower right", frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(length=0)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------- HTML


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _box(kind: str, body: str, *, escape_body: bool = True) -> str:
    return f'<div class="lbrec-box lbrec-{kind}">{_e(body) if escape_body else body}</div>'


def _film_label(title: str | None, year: int | None) -> str:
    return f"{title} ({year})" if year else str(title)


def _films(n: int, before: str = "") -> str:
    return f"{before}{n:,} film" + ("" if n == 1 else "s")


def _link(url: str, text: str, cls: str = "") -> str:
    return f'<a class="{cls}" href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(text)}</a>'


def _card(rank: int, rec: Recommendation) -> str:
    colour = next((GENRE_COLOURS[g] for g in rec.genres if g in GENRE_COLOURS), "#40bcf4")
    title = _e(rec.title)
    if "letterboxd" in rec.links:
        title = _link(rec.links["letterboxd"], rec.title, "lbrec-title-link")
    year = f' <span class="lbrec-year">{rec.year}</span>' if rec.year else ""
    chips = "".join(f'<span class="lbrec-chip">{_e(g)}</span>' for g in rec.genres)
    because = ""
    if rec.because:
        names = ", ".join(f"<b>{_e(_film_label(f.title, f.year))}</b>" for f in rec.because)
        because = f'<div class="lbrec-because">Because you liked {names}</div>'
    links = " ".join(_link(url, SITES[site], f"lbrec-link lbrec-{site}") for site, url in rec.links.items())
    return (f'<div class="lbrec-card" style="border-left-color:{colour}">'
            f'<div class="lbrec-card-top"><span class="lbrec-rank">#{rank}</span>'
            f'<span class="lbrec-score" title="model score">score {rec.score:.2f}</span></div>'
            f'<div class="lbrec-title">{title}{year}</div><div class="lbrec-chips">{chips}</div>{because}'
            f'<div class="lbrec-links">{links}</div></div>')


def _spinner(message: str) -> str:
    return f'<div class="lbrec-status"><span class="lbrec-spinner"></span>{_e(message)}</div>'


# ---------------------------------------------------------------------------------------------------- the app


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
    """The whole UI; `widget` is what the notebook displays. Tests drive it by setting values and clicking."""

    def __init__(self, engine: Recommender, catalog: Catalog, client: Client | None = None):
        self.engine = engine
        self.catalog = catalog
        self.client = client or Client()
        self.picks: dict[str, int] = {}  # film label -> the movieId the user picked among the candidates, or SKIP
        self.history: LetterboxdHistory | None = None
        self.matched: MatchedHistory | None = None  # after the picks
        self.recommendations: list[Recommendation] = []
        self._raw: MatchedHistory | None = None  # as matched, before the picks
        self._history_key: tuple | None = None
        self._last_run_key: tuple | None = None
        years = engine.catalog["year"].dropna()
        self._years = (int(years.min()), int(years.max())) if len(years) else (1900, 2030)
        self._genres_of = dict(zip(engine.catalog["movieId"].tolist(), engine.catalog["genres"], strict=True))
        self._build()

    # ------------------------------------------------------------------------------------------------ build

    def _build(self) -> None:
        inputs = self._build_inputs()
        options = self._build_options()
        self.go = widgets.Button(description="Recommend films", icon="film", tooltip="Read your films and "
                                 "recommend new ones", layout=widgets.Layout(width="220px", height="42px"))
        self.go.add_class("lbrec-go")
        self.go.on_click(self._on_go)
        self.status = widgets.HTML()
        self.message = widgets.HTML()
        self.understood = widgets.VBox(layout=widgets.Layout(display="none"))
        self.understood.add_class("lbrec-panel")
        self.understood_summary = widgets.HTML()
        self.results = widgets.HTML()
        self.downloads = widgets.HTML()
        self.taste = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.taste_box = widgets.VBox([widgets.HTML('<h3 class="lbrec-h3">Your taste at a glance</h3>'),
                                       self.taste], layout=widgets.Layout(display="none"))
        self.taste_box.add_class("lbrec-panel")
        self.understood.layout.flex = "1 1 420px"
        self.taste_box.layout.flex = "0 1 520px"
        self.widget = widgets.VBox([
            widgets.HTML(STYLE + self._header()), inputs, options,
            widgets.HBox([self.go, self.status], layout=widgets.Layout(align_items="center")),
            self.message,
            widgets.HBox([self.understood, self.taste_box], layout=widgets.Layout(flex_flow="row wrap",
                                                                                 align_items="flex-start")),
            self.downloads, self.results, widgets.HTML(self._footer()),
        ])
        self.widget.add_class("lbrec")

    def _build_inputs(self) -> widgets.Widget:
        self.username = widgets.Text(placeholder="your Letterboxd username, e.g. davidehrlich",
                                     layout=widgets.Layout(width="340px"))
        self.username_mode = widgets.RadioButtons(options=USERNAME_MODES, value="rss")
        username_tab = widgets.VBox([
            widgets.HTML('<p class="lbrec-hint">Your public profile is read from letterboxd.com. The RSS feed holds '
                         'your 50 latest diary entries; the profile pages hold every film you logged, 72 to a '
                         'page. If Letterboxd blocks the request, upload your export instead.</p>'),
            self.username, self.username_mode])
        self.upload = widgets.FileUpload(accept=".zip", multiple=False, description="Choose the ZIP",
                                         button_style="info", layout=widgets.Layout(width="220px"))
        self.upload.observe(self._on_upload, "value")
        self.upload_info = widgets.HTML('<span class="lbrec-hint">No file chosen yet.</span>')
        upload_tab = widgets.VBox([
            widgets.HTML('<p class="lbrec-hint"><b>The most complete and reliable way.</b> On Letterboxd, open '
                         '<i>Settings &gt; Data &gt; Export your data</i> and upload the ZIP it gives you, as it is. '
                         'It is read in memory here and never stored.</p>'),
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

    def _build_options(self) -> widgets.Widget:
        column = {"description_width": "140px"}
        half = widgets.Layout(width="430px")
        self.source = widgets.Dropdown(options=SOURCES, value="recent", description="Recommend from", style=column,
                                       layout=half)
        self.k = widgets.IntSlider(value=10, min=5, max=50, step=5, description="How many films", style=column,
                                   continuous_update=False, layout=half)
        self.include = widgets.TagsInput(allowed_tags=self.engine.genres, placeholder="any genre")
        self.exclude = widgets.TagsInput(allowed_tags=self.engine.genres, placeholder="none")
        low, high = self._years
        self.years = widgets.IntRangeSlider(value=(low, high), min=low, max=high, description="Released",
                                            style=column, continuous_update=False, layout=half)
        self.popularity = widgets.SelectionSlider(options=list(POPULARITY), value="Anything",
                                                  description="Mainstream ↔ obscure", style=column,
                                                  continuous_update=False, layout=half)
        self.exclude_watchlist = widgets.Checkbox(value=True, description="Leave out films on my watchlist "
                                                  "(from an export or a profile)", indent=False,
                                                  layout=widgets.Layout(width="auto"))
        for option in (self.source, self.k, self.include, self.exclude, self.years, self.popularity,
                       self.exclude_watchlist):
            option.observe(self._on_option, "value")

        def labelled(text: str, tags: widgets.TagsInput) -> widgets.HBox:
            return widgets.HBox([widgets.HTML(f'<span class="lbrec-label">{text}</span>',
                                              layout=widgets.Layout(width="144px")), tags], layout=half)

        box = widgets.VBox([
            widgets.HBox([self.source, self.k]),
            widgets.HBox([labelled("Only these genres", self.include), labelled("Never these genres", self.exclude)]),
            widgets.HBox([self.years, self.popularity]),
            self.exclude_watchlist])
        box.add_class("lbrec-options")
        return box

    def _header(self) -> str:
        return ('<div class="lbrec-header"><div class="lbrec-dots"><span style="background:#ff8000"></span>'
                '<span style="background:#00e054"></span><span style="background:#40bcf4"></span>'
                '<b class="lbrec-brand">lbrec</b></div>'
                '<h1>Films you\'ll love next</h1><p>Recommendations from your Letterboxd history by a sequential '
                'model (SASRec) trained on MovieLens ratings: it reads the order you watched in, not only what.</p>'
                '</div>')

    def _footer(self) -> str:
        meta = self.engine.meta
        ndcg = (meta.get("metrics") or {}).get("test", {}).get("ndcg@10")
        quality = f" · test NDCG@10 {ndcg:.3f}" if isinstance(ndcg, (int, float)) else ""
        return (f'<p class="lbrec-footer">SASRec trained on MovieLens {_e(meta.get("dataset", ""))}: '
                f'{self.engine.n_items:,} films released up to {self._years[1]}{quality} · served with onnxruntime · '
                f'links go to Letterboxd, TMDb and IMDb.</p>')

    # ------------------------------------------------------------------------------------------------ callbacks

    @_guarded
    def _on_go(self, _button: widgets.Button) -> None:
        self.run()

    @_guarded
    def _on_upload(self, change: dict) -> None:
        files = change["new"]
        if files:
            upload = files[0]
            self.upload_info.value = (f'<span class="lbrec-ready">✓ {_e(upload["name"][:120])} '
                                      f'({upload["size"] / 1024:,.0f} KB): click <b>Recommend films</b></span>')

    @_guarded
    def _on_tab(self, _change: dict) -> None:
        self.source.disabled = self.tabs.selected_index == TYPED_TAB  # typed titles carry no ratings or likes

    @_guarded
    def _on_option(self, _change: dict) -> None:
        """Options apply at once to the last results, as long as the input is still the one that gave them."""
        if self._last_run_key is not None and self._input_key() == self._last_run_key:
            self.run()

    @_guarded
    def _on_pick(self, label: str, change: dict) -> None:
        self.picks[label] = change["new"]
        if self._raw is not None:
            with self._busy("Updating your recommendations…"):
                self._recommend_and_render()

    # ------------------------------------------------------------------------------------------------ flow

    def run(self) -> None:
        """Read the input, show what was understood, recommend and show the results."""
        self._clear()
        key = self._input_key()
        with self._busy("Reading your films…"):
            history = self._read(key)
            choice = "recent" if self.tabs.selected_index == TYPED_TAB else self.source.value
            self._check_choice(history, choice)
            self._progress(f"Matching {_films(len(history.select(choice)))} to MovieLens…")
            self._raw = match_history(history, self.catalog, choice)
            self._render_understood(self._raw)
            self._last_run_key = key
            self._recommend_and_render()

    def _input_key(self) -> tuple:
        """What identifies the input on screen: options apply at once only while it stays the same."""
        tab = self.tabs.selected_index
        if tab == USERNAME_TAB:
            return (tab, self.username_mode.value, self.username.value.strip())
        if tab == UPLOAD_TAB:
            files = self.upload.value
            return (tab, hashlib.sha256(bytes(files[0]["content"])).hexdigest() if files else None)
        return (tab, self.typed.value)

    def _read(self, key: tuple) -> LetterboxdHistory:
        """The history for the input on screen; fetched or parsed only when the input changed, or when the
        watchlist is wanted from a profile read without it (the profile's watchlist costs extra pages)."""
        tab = self.tabs.selected_index
        key = (*key, tab == USERNAME_TAB and self.username_mode.value == "profile" and self.exclude_watchlist.value)
        if key == self._history_key and self.history is not None:
            return self.history
        if tab == USERNAME_TAB:
            if not self.username.value.strip():
                raise LetterboxdError("Type your Letterboxd username first (or upload your export, or type titles).")
            user = validate_username(self.username.value)
            if self.username_mode.value == "rss":
                self._progress(f"Fetching {user}'s RSS feed from Letterboxd…")
            else:
                self._progress(f"Fetching every page of {user}'s films from Letterboxd (a few seconds per 72 "
                               f"films)…")
            history = load_history(self.username_mode.value, user, client=self.client,
                                   watchlist=self.exclude_watchlist.value)
        elif tab == UPLOAD_TAB:
            if not self.upload.value:
                raise LetterboxdError("Choose your Letterboxd export ZIP first (Settings > Data > Export your data).")
            upload = self.upload.value[0]
            name = str(upload["name"])[:120]
            self._progress(f"Reading {name}…")
            history = read_export(bytes(upload["content"]), name)
            if not history.films:
                raise EmptyHistoryError(f"{name} holds no films to recommend from yet: log or rate a few films on "
                                        f"Letterboxd first, or type some titles")
        else:
            if not self.typed.value.strip():
                raise LetterboxdError("Type a few films you love first, one per line.")
            history = load_history("typed", self.typed.value)
        self.history, self._history_key = history, key
        return history

    def _check_choice(self, history: LetterboxdHistory, choice: str) -> None:
        if choice not in history.choices():
            what = "ratings" if choice != "liked" else "likes"
            raise LetterboxdError(f"This input has no {what}, so \"{CHOICES[choice]}\" is empty: choose \"Your latest "
                                  f"50 films\" under Recommend from.")
        if not history.select(choice):
            raise LetterboxdError(f"None of your films is among {CHOICES[choice]}: choose another set under "
                                  f"Recommend from.")

    def _recommend_and_render(self) -> None:
        assert self._raw is not None
        self.message.value = ""
        self.matched = with_picks(self._raw, self.picks)
        self._render_summary(self.matched)
        if not self._usable(self.matched.positives):
            self._clear_results()
            raise LetterboxdError("None of your films could be used: they were not found in MovieLens, or are too "
                                  "rarely rated to be in the model. Check the titles (add the year, e.g. \"Heat "
                                  "(1995)\"), pick among the candidates above, or add more films.")
        filters = self._filters()
        exclude = self.matched.watched | (self.matched.watchlist if self.exclude_watchlist.value else set())
        self._progress(f"Scoring {self.engine.n_items:,} films…")
        self.recommendations = self.engine.recommend(self.matched.positives, k=self.k.value, exclude=exclude,
                                                     filters=filters, explain=True)
        self._render_results()

    def _usable(self, movie_ids: Iterable[int]) -> list[int]:
        """The films the model knows (MovieLens films rated too rarely were left out of its vocabulary)."""
        return [m for m in movie_ids if self.engine.known([m])]

    def _filters(self) -> Filters:
        known = set(self.engine.genres)
        include, exclude = set(self.include.value), set(self.exclude.value)
        if unknown := (include | exclude) - known:
            raise LbrecError(f"Unknown genres: {', '.join(sorted(unknown))}.")
        if both := include & exclude:
            raise LbrecError(f"{', '.join(sorted(both))} cannot be both wanted and excluded: remove it from one "
                             f"of the genre boxes.")
        low, high = self.years.value
        years = (None if low <= self._years[0] else low, None if high >= self._years[1] else high)
        return Filters(include_genres=frozenset(include), exclude_genres=frozenset(exclude), years=years,
                       popularity=POPULARITY[self.popularity.value])

    # ------------------------------------------------------------------------------------------------ feedback

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
        self.status.value = _spinner(message)

    def show_error(self, message: str) -> None:
        self.message.value = _box("error", message)

    def _clear(self) -> None:
        self.message.value = ""
        self.understood.layout.display = "none"
        self._clear_results()

    def _clear_results(self) -> None:
        self.recommendations = []
        self.results.value = ""
        self.downloads.value = ""
        self.taste_box.layout.display = "none"

    # ------------------------------------------------------------------------------------------------ render

    def _render_understood(self, matched: MatchedHistory) -> None:
        """The films read and what each became: matched, to pick among candidates, or not found and why."""
        self.understood_summary.value = ""
        rows = []
        for film, match in matched.results:
            if match.status == "matched" and match.movie_id is not None:
                note = "" if self._usable([match.movie_id]) else \
                    ' <span class="lbrec-warn">(too rarely rated to be in the model: not used)</span>'
                rows.append(f"<li>{_e(film.label)} → <b>{_e(_film_label(match.title, match.year))}</b>{note}</li>")
        misses = [(f, m) for f, m in matched.unmatched if m.status == "unmatched" or not m.candidates]
        uncertain = [(f, m) for f, m in matched.unmatched if m.status == "uncertain" and m.candidates]
        parts = [self.understood_summary]
        details = []
        if rows:
            details.append(self._details(f"Matched films ({len(rows)})", rows))
        if misses:
            details.append(self._details(f"Not found in MovieLens ({len(misses)})",
                                         [f"<li>{_e(f.label)}: {_e(self._reason(f, m))}</li>" for f, m in misses],
                                         open_=len(misses) <= 5))
        parts.append(widgets.HTML("".join(details)))
        if uncertain:
            parts.append(widgets.HTML('<p class="lbrec-label">Which film did you mean? Pick one and the results '
                                      'update.</p>'))
            for film, match in uncertain[:MAX_PICKS]:
                options = [("Not this one: skip it", SKIP)] + [(c.label(), c.movie_id) for c in match.candidates]
                value = self.picks.get(film.label, SKIP)
                pick = widgets.Dropdown(options=options, layout=widgets.Layout(width="380px"),
                                        value=value if value in [v for _, v in options] else SKIP)
                pick.observe(functools.partial(self._on_pick, film.label), "value")
                parts.append(widgets.HBox([widgets.Label(film.label, layout=widgets.Layout(width="260px")), pick]))
            if len(uncertain) > MAX_PICKS:
                rest = ", ".join(f.label for f, _ in uncertain[MAX_PICKS:])
                parts.append(widgets.HTML(f'<p class="lbrec-hint">Also uncertain (skipped): {_e(rest)}</p>'))
        self.understood.children = parts
        self.understood.layout.display = "flex"

    def _render_summary(self, matched: MatchedHistory) -> None:
        used = len(self._usable(matched.positives))
        counts = Counter(m.status for _, m in matched.results)
        self.understood_summary.value = (
            f'<h3 class="lbrec-h3">What we understood</h3><p>{_films(len(matched.results))} from '
            f'{_e(self._source_name())}: <span class="lbrec-ok">✓ {counts["matched"]:,} matched</span> · '
            f'<span class="lbrec-warn">? {counts["uncertain"]:,} to confirm</span> · '
            f'<span class="lbrec-bad">✗ {counts["unmatched"]:,} not found</span>. '
            f'{self._model_reads(used)}</p>')

    def _model_reads(self, used: int) -> str:
        if used > self.engine.max_len:
            return f"The model reads the latest {self.engine.max_len} of the {used:,} films it knows."
        return f"The model reads {_films(used)}." if used else ""

    def _source_name(self) -> str:
        history = self.history
        if history is None or history.source == "typed":
            return "the titles you typed"
        if history.source == "export":
            return "your export"
        feed = "RSS feed" if history.source == "rss" else "profile"
        return f"{history.username}'s {feed}" if history.username else f"the {feed}"

    def _reason(self, film: FilmEntry, match: Match) -> str:
        """The matcher's reason, and the likely cause when the film is newer than the catalog."""
        if film.year is not None and film.year > self._years[1]:
            return f"{match.reason}; this MovieLens catalog ends in {self._years[1]}"
        return match.reason

    @staticmethod
    def _details(summary: str, rows: list[str], open_: bool = False) -> str:
        more = f"<li>… and {len(rows) - MAX_LISTED:,} more</li>" if len(rows) > MAX_LISTED else ""
        return (f'<details{" open" if open_ else ""}><summary>{_e(summary)}</summary>'
                f'<ul class="lbrec-list">{"".join(rows[:MAX_LISTED])}{more}</ul></details>')

    def _render_results(self) -> None:
        recs = self.recommendations
        if not recs:
            self._clear_results()
            self.results.value = _box("info", "No film passes these options: widen the years, the genres or the "
                                              "mainstream ↔ obscure setting.")
            return
        cards = "".join(_card(rank, rec) for rank, rec in enumerate(recs, 1))
        self.results.value = f'<div class="lbrec-grid">{cards}</div>'
        self._render_downloads()
        self._render_taste()

    def _render_downloads(self) -> None:
        assert self.matched is not None
        stem = f"lbrec-{self.history.username}" if self.history and self.history.username else "lbrec"
        csv_uri = _data_uri(letterboxd_csv(self.recommendations), "text/csv")
        report = json.dumps(self.matched.to_json(self.recommendations), ensure_ascii=False, indent=2)
        json_uri = _data_uri(report, "application/json")
        self.downloads.value = (
            f'<div class="lbrec-results-head"><h3 class="lbrec-h3">Your {len(self.recommendations)} films</h3>'
            f'<span><a class="lbrec-download" download="{_e(stem)}-list.csv" href="{csv_uri}">⬇ CSV for a Letterboxd '
            f'list</a><a class="lbrec-download" download="{_e(stem)}.json" href="{json_uri}">⬇ JSON</a></span></div>'
            f'<p class="lbrec-hint">To make a list: Letterboxd &gt; Lists &gt; Start a new list &gt; Import, and '
            f'choose the CSV.</p>')

    def _render_taste(self) -> None:
        assert self.matched is not None
        mine = genre_shares(self._genres_of[m] for m in self._usable(self.matched.positives))
        recommended = genre_shares(rec.genres for rec in self.recommendations)
        self.taste.value = taste_png(mine, recommended)
        self.taste_box.layout.display = "flex"


STYLE = """<style>
.lbrec { max-width: 1100px; margin: 0 auto; padding: 8px 12px 40px; color: #1f2328;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
.lbrec > .widget-html, .lbrec > .widget-vbox, .lbrec > .widget-tab, .lbrec > .widget-hbox { margin-bottom: 14px; }
.lbrec-header { background: #14181c; color: #fff; border-radius: 14px; padding: 22px 28px; }
.lbrec-header h1 { margin: 10px 0 6px; font-size: 30px; letter-spacing: -0.5px; color: #fff; }
.lbrec-header p { margin: 0; color: #9ab; font-size: 15px; max-width: 720px; }
.lbrec-brand { font-size: 15px; color: #fff; margin-left: 6px; vertical-align: top; letter-spacing: .5px; }
.lbrec-dots span { display: inline-block; width: 16px; height: 16px; border-radius: 50%; margin-right: 4px; }
.lbrec-hint { color: #57606a; font-size: 13px; margin: 4px 0 10px; }
.lbrec-label { color: #1f2328; font-size: 13px; font-weight: 600; }
.lbrec-options .lbrec-label { display: block; text-align: right; padding-right: 4px; font-weight: 400; }
.lbrec-options { border: 1px solid #e3e6ea; border-radius: 12px; padding: 12px 14px; background: #fafbfc;
  gap: 6px; }
.lbrec-panel { border: 1px solid #e3e6ea; border-radius: 12px; padding: 4px 16px 12px; margin: 0 14px 14px 0; }
.lbrec .widget-html-content { line-height: 1.5; }
.lbrec .lm-TabBar-tab { flex: 0 0 auto !important; max-width: none !important; padding: 0 16px;
  font-size: 14px; }
.lbrec .lm-TabBar-tab.lm-mod-current { border-top: 2px solid #00e054 !important; font-weight: 600; }
.lbrec .jupyter-widget-taginput { min-width: 200px; }
.lbrec .widget-hbox { gap: 12px; }
.lbrec-go button, button.lbrec-go { background: #00e054 !important; color: #14181c !important; font-weight: 700;
  font-size: 15px; border-radius: 8px; }
.lbrec-go:disabled { opacity: .6; }
.lbrec-status { display: flex; align-items: center; gap: 10px; color: #57606a; font-size: 14px; margin-left: 14px; }
.lbrec-spinner { width: 16px; height: 16px; border: 3px solid #d0d7de; border-top-color: #00e054;
  border-radius: 50%; display: inline-block; animation: lbrec-spin .8s linear infinite; }
@keyframes lbrec-spin { to { transform: rotate(360deg); } }
.lbrec-box { border-radius: 10px; padding: 10px 14px; font-size: 14px; }
.lbrec-error { background: #fff1f0; border: 1px solid #ffccc7; color: #a8071a; }
.lbrec-info { background: #f0f7ff; border: 1px solid #b6d7ff; color: #0b4f8a; }
.lbrec-h3 { margin: 12px 0 6px; font-size: 18px; }
.lbrec-ok { color: #1a7f37; font-weight: 600; } .lbrec-warn { color: #9a6700; font-weight: 600; }
.lbrec-bad { color: #cf222e; font-weight: 600; }
.lbrec details { margin: 4px 0; font-size: 14px; } .lbrec summary { cursor: pointer; font-weight: 600; }
.lbrec-list { margin: 6px 0; font-size: 13px; }
.lbrec-results-head { display: flex; justify-content: space-between; align-items: center; flex-wrap: wrap; }
.lbrec-download { display: inline-block; margin-left: 8px; padding: 6px 12px; border-radius: 8px;
  background: #14181c; color: #fff !important; text-decoration: none; font-size: 13px; font-weight: 600; }
.lbrec-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 14px; }
.lbrec-card { background: #fff; border: 1px solid #e3e6ea; border-left: 6px solid #40bcf4; border-radius: 12px;
  padding: 12px 16px; box-shadow: 0 1px 3px rgba(20, 24, 28, .08); }
.lbrec-card-top { display: flex; justify-content: space-between; font-size: 12px; color: #8a949e; }
.lbrec-rank { font-weight: 700; }
.lbrec-title { font-size: 18px; font-weight: 700; margin: 2px 0 6px; line-height: 1.25; }
.lbrec-title a { color: #14181c; text-decoration: none; } .lbrec-title a:hover { text-decoration: underline; }
.lbrec-year { color: #8a949e; font-weight: 400; }
.lbrec-chip { display: inline-block; padding: 1px 9px; margin: 0 4px 4px 0; border-radius: 999px;
  background: #eef1f4; font-size: 12px; color: #445; }
.lbrec-because { font-size: 13px; color: #57606a; margin: 4px 0 8px; }
.lbrec-link { display: inline-block; margin-right: 6px; padding: 2px 9px; border-radius: 6px; font-size: 12px;
  font-weight: 600; text-decoration: none; color: #fff !important; }
.lbrec-letterboxd { background: #14181c; } .lbrec-tmdb { background: #01b4e4; } .lbrec-imdb { background: #e2b616;
  color: #14181c !important; }
.lbrec-ready { color: #1a7f37; font-size: 13px; margin-left: 10px; }
.lbrec-footer { color: #8a949e; font-size: 12px; margin-top: 24px; }
</style>"""
