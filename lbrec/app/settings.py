"""The options panel every question shares: how many films, genres, years, mainstream to obscure, the watchlist, and
where to watch (a country and its services, shown only with a TMDb key). Widgets only: `values()` gives the session
its options (`lbrec.ask.options.Options`), `show(question)` keeps the controls that question uses (`OPTIONS_OF`).

A new option is a field of `Options`, a control here (in `cells` and `values()`), and its name in `OPTIONS_OF` for
the questions that use it."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from lbrec.app.where_to_watch import countries
from lbrec.letterboxd.history import CHOICES, DEFAULT_CHOICE
from lbrec.tmdb import TmdbClient

# Popularity bands over the model's films, as quantiles of the number of ratings (0 = least rated).
POPULARITY = {
    "Mainstream": (0.8, 1.0),
    "Popular": (0.5, 1.0),
    "Anything": (0.0, 1.0),
    "Lesser-known": (0.0, 0.5),
    "Obscure": (0.0, 0.2),
}
# The options each question uses: the others are hidden while it is chosen.
OPTIONS_OF = {
    "recommend": ("choice", "k", "genres", "years", "popularity", "watchlist", "country", "services"),
    "rank": ("choice", "k", "country", "services"),
    "predict": ("choice", "country"),
    "similar": ("k", "genres", "years", "popularity", "country", "services"),
    "group": ("k", "genres", "years", "popularity", "watchlist", "country", "services"),
}
WHERE_TO_WATCH = ("country", "services")  # shown only with a TMDb key
COLUMN = {"description_width": "140px"}
WATCHLIST = "Leave out films on my watchlist (from an export)"


def half() -> widgets.Layout:
    """One control's width (one each: a question hides some of them)."""
    return widgets.Layout(width="430px")


def column() -> dict:
    """What a labelled control takes: its label in the panel's column, and a cell of its own (hidden one by one)."""
    return {"style": COLUMN, "layout": half()}


def slider(kind: type[widgets.Widget], description: str, **options: object) -> widgets.Widget:
    """A slider of the panel: it gives its value when released, not while it moves."""
    return kind(description=description, continuous_update=False, **column(), **options)


def labelled(text: str, tags: widgets.TagsInput) -> widgets.HBox:
    return widgets.HBox(
        [widgets.HTML(f'<span class="lbrec-label">{text}</span>', layout=widgets.Layout(width="144px")), tags],
        layout=half(),
    )


class Settings:
    """The panel (`widget`); `on_change` is called when any option changes (the page applies them at once)."""

    def __init__(
        self, genres: list[str], year_range: tuple[int, int], tmdb: TmdbClient | None, on_change: Callable[[dict], None]
    ):
        self.tmdb, self.year_range = tmdb, year_range
        choices = [(text[0].upper() + text[1:], key) for key, text in CHOICES.items()]
        self.choice = widgets.Dropdown(options=choices, value=DEFAULT_CHOICE, description="Recommend from", **column())
        self.k = slider(widgets.IntSlider, "How many films", value=10, min=5, max=50, step=5)
        self.include = widgets.TagsInput(allowed_tags=genres, placeholder="any genre")
        self.exclude = widgets.TagsInput(allowed_tags=genres, placeholder="none")
        low, high = year_range
        self.years = slider(widgets.IntRangeSlider, "Released", value=(low, high), min=low, max=high)
        self.popularity = slider(
            widgets.SelectionSlider, "Mainstream ↔ obscure", options=list(POPULARITY), value="Anything"
        )
        self.exclude_watchlist = widgets.Checkbox(
            value=True, description=WATCHLIST, indent=False, layout=widgets.Layout(width="auto")
        )
        countries_offered = countries() if tmdb is not None else [("", "")]  # without a key it is hidden
        self.country = widgets.Dropdown(options=countries_offered, value="", description="Where to watch", **column())
        self.services = widgets.TagsInput(allowed_tags=[], placeholder="choose a country first")
        self.cells = {  # in the panel's order
            "choice": [self.choice],
            "k": [self.k],
            "genres": [labelled("Only these genres", self.include), labelled("Never these genres", self.exclude)],
            "years": [self.years],
            "popularity": [self.popularity],
            "country": [self.country],
            "services": [labelled("Only on my services", self.services)],
            "watchlist": [self.exclude_watchlist],
        }
        controls = [self.choice, self.k, self.include, self.exclude, self.years, self.popularity]
        for control in [*controls, self.exclude_watchlist, self.country, self.services]:
            control.observe(on_change, "value")
        cells = [cell for row in self.cells.values() for cell in row]
        self.widget = widgets.Box(cells, layout=widgets.Layout(flex_flow="row wrap"))
        self.widget.add_class("lbrec-options")
        self.widget.add_class("lbrec-settings")  # style.css stacks them on a phone

    def values(self) -> dict:
        """The options on screen, as `Session.set_options` takes them."""
        low, high = self.years.value
        first, last = self.year_range  # a slider at its ends is no bound: films of unknown year stay
        return {
            "choice": self.choice.value,
            "k": self.k.value,
            "include": frozenset(self.include.value),
            "exclude": frozenset(self.exclude.value),
            "years": (None if low <= first else low, None if high >= last else high),
            "popularity": POPULARITY[self.popularity.value],
            "exclude_watchlist": self.exclude_watchlist.value,
            "country": self.country.value or None,
            "services": frozenset(self.services.value),
        }

    def show(self, question: str) -> None:
        """Only the options the question uses (a group's watchlists are its members' own)."""
        for name, cells in self.cells.items():
            shown = name in OPTIONS_OF[question] and (self.tmdb is not None or name not in WHERE_TO_WATCH)
            for cell in cells:
                cell.layout.display = "" if shown else "none"
        self.exclude_watchlist.description = "Leave out films on our watchlists" if question == "group" else WATCHLIST

    def offer_services(self, country: str) -> None:
        """The services of the chosen country, as TMDb lists them, to choose from."""
        self.services.value = []
        offered = self.tmdb.providers_offered(country) if self.tmdb is not None and country else []
        self.services.allowed_tags = [provider.name for provider in offered or []]
        self.services.placeholder = "any service" if offered else "choose a country first"
