"""Where to watch, on a card and in the options: the film's services in one country, grouped "Stream", "Free", "Ads",
"Rent" and "Buy", each a logo with its name as alt and title text (the name alone when TMDb has no logo), a link to
the film's watch page on TMDb, the JustWatch attribution TMDb's terms ask for, once per page, and the country menu.

Every piece of TMDb's text is escaped (`markup.escape`). Logos are sized in the markup so that the snippet reads right
before any stylesheet does.
"""

from __future__ import annotations

from lbrec.app.markup import escape
from lbrec.ask.answers import Answer
from lbrec.tmdb.countries import country_choices, country_name
from lbrec.tmdb.watch import JUSTWATCH_ATTRIBUTION, JUSTWATCH_URL, KINDS, Provider, Watch

HEADINGS = {"stream": "Stream", "free": "Free", "ads": "Ads", "rent": "Rent", "buy": "Buy"}
LOGO_PX = 28


def _provider(provider: Provider) -> str:
    name = escape(provider.name)
    if not provider.logo:
        return f'<span class="lbrec-provider lbrec-provider-name" title="{name}">{name}</span>'
    return (
        f'<img class="lbrec-provider" src="{escape(provider.logo)}" alt="{name}" title="{name}" '
        f'width="{LOGO_PX}" height="{LOGO_PX}" loading="lazy">'
    )


def watch_html(watch: Watch | None) -> str:
    """One film's options in the chosen country; "" without an answer from TMDb (the card says nothing)."""
    if watch is None:
        return ""
    where = escape(country_name(watch.country))
    link = (
        f'<a class="lbrec-watch-link" href="{escape(watch.link)}" target="_blank" rel="noopener noreferrer">'
        f"Where to watch on TMDb</a>"
    )
    if watch.is_empty():
        return f'<div class="lbrec-watch"><span class="lbrec-watch-none">Not offered in {where}.</span> {link}</div>'
    groups = "".join(
        f'<span class="lbrec-watch-group"><span class="lbrec-watch-kind">{HEADINGS[kind]}</span> '
        f"{''.join(_provider(p) for p in getattr(watch, kind))}</span> "
        for kind in KINDS.values()
        if getattr(watch, kind)
    )
    return f'<div class="lbrec-watch" title="In {where}">{groups}{link}</div>'


def attribution_html() -> str:
    """JustWatch's credit, once under the cards (TMDb's terms for its watch providers ask for it)."""
    text = escape(JUSTWATCH_ATTRIBUTION).replace(
        "JustWatch", f'<a href="{escape(JUSTWATCH_URL)}" target="_blank" rel="noopener noreferrer">JustWatch</a>'
    )
    return f'<p class="lbrec-hint lbrec-watch-attribution">{text}</p>'


def watch_credit(answer: Answer) -> str:
    """JustWatch's credit under cards that say where to watch (TMDb's terms ask for it)."""
    return attribution_html() if any(film.watch is not None for film in answer.films) else ""


def countries() -> list[tuple[str, str]]:
    """The country menu: none (no where to watch), then every ISO 3166-1 country by name."""
    return [("Nowhere in particular", "")] + [(f"{name} ({code})", code) for name, code in country_choices()]


COUNTRY_CODES = frozenset(code for _, code in countries() if code)  # a country the browser remembers must be one
