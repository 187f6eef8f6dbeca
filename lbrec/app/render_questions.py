"""The HTML of the questions' answers (`lbrec.app.questions.Answer`): one card per film, in the look of the "for
me" cards (`render.card`), with what each question adds: a ranked film's percentile and whether it was watched, a
prediction's rank and verdict, the seeds a similar film comes from, each member's fit in a group.

Every piece of text that came from outside is HTML-escaped here, as in `render`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from lbrec.app.questions import Answer
from lbrec.app.render import SITES, about, box, download_links, escape, link, poster
from lbrec.data.titles import film_label
from lbrec.serving.group import GroupPick
from lbrec.serving.predict import Prediction
from lbrec.serving.rank import Ranked
from lbrec.serving.results import FilmRef
from lbrec.serving.similar import Similar
from lbrec.tmdb import FilmDetails

HEADINGS = {"rank": "{what}, best first for you", "similar": "Films like {what}",
            "predict": "Would you like them?", "group": "For the {what} together"}


def top_share(percentile: float) -> str:
    """97.2 -> "top 3% for you": the share of the films you have not seen that rank at least as high."""
    return f"top {max(1, math.ceil(100.0 - percentile - 1e-9))}%"


def film_names(films: Sequence[FilmRef]) -> str:
    return ", ".join(f"<b>{escape(film_label(f.title, f.year))}</b>" for f in films)


def title(name: str, year: int | None, links: dict[str, str]) -> str:
    shown = link(links["letterboxd"], name, "lbrec-title-link") if "letterboxd" in links else escape(name)
    shown_year = f' <span class="lbrec-year">{year}</span>' if year else ""
    return f'<div class="lbrec-title">{shown}{shown_year}</div>'


def card(top: str, body: str, links: dict[str, str], watched: bool = False, picture: str = "") -> str:
    """A card: its top line (rank and measure), then the title, reasons and links already made; the poster
    (`picture`, once TMDb's has come) beside them, as on the "for me" cards."""
    buttons = " ".join(link(url, SITES[site], f"lbrec-link lbrec-{site}") for site, url in links.items())
    classes = f'lbrec-card lbrec-answer{" lbrec-watched" if watched else ""}'
    inner = f'<div class="lbrec-card-top">{top}</div>{body}<div class="lbrec-links">{buttons}</div>'
    if not picture:
        return f'<div class="{classes}">{inner}</div>'
    return f'<div class="{classes} lbrec-with-poster">{picture}<div class="lbrec-card-body">{inner}</div></div>'


def ranked_card(place: int, film: Ranked, tmdb: FilmDetails | None = None) -> str:
    watched = '<span class="lbrec-chip lbrec-seen">✓ watched</span>' if film.watched else ""
    because = (f'<div class="lbrec-because">Because you liked {film_names(film.because)}</div>'
               if film.because else "")
    return card(f'<span class="lbrec-rank">#{place}</span><span class="lbrec-fit">{top_share(film.percentile)} '
                f'for you</span>', title(film.title, film.year, film.links) + about(tmdb) + watched + because,
                film.links, film.watched, poster(tmdb, film.title))


def similar_card(place: int, film: Similar, tmdb: FilmDetails | None = None) -> str:
    because = f'<div class="lbrec-because">Like {film_names(film.because)}</div>' if film.because else ""
    return card(f'<span class="lbrec-rank">#{place}</span>',
                title(film.title, film.year, film.links) + about(tmdb) + because, film.links,
                picture=poster(tmdb, film.title))


def prediction_card(_place: int, film: Prediction, tmdb: FilmDetails | None = None) -> str:
    """Where the film stands: its rank among the films you have not seen (a watched film says so instead)."""
    reasons = (f'<div class="lbrec-because">Most raised by {film_names(film.because)}</div>'
               if film.because and not film.watched else "")
    top = (f'<span class="lbrec-rank">#{film.rank:,} of {film.of:,}</span>'
           f'<span class="lbrec-fit">{top_share(film.percentile)} for you</span>')
    body = (title(film.title, film.year, {}) + about(tmdb) + f'<div class="lbrec-verdict">{escape(film.verdict)}</div>'
            f'<div class="lbrec-hint">You asked: {escape(film.query)}</div>' + reasons)
    return card(top, body, {}, film.watched, poster(tmdb, film.title))


def group_card(place: int, pick: GroupPick, tmdb: FilmDetails | None = None) -> str:
    fits = "".join(f'<span class="lbrec-chip lbrec-member-fit">{escape(who)}: {top_share(fit)}</span>'
                   for who, fit in pick.fit.items())
    because = "".join(f'<div class="lbrec-because">From {escape(who)}\'s {film_names(films)}</div>'
                      for who, films in pick.because.items() if films)
    return card(f'<span class="lbrec-rank">#{place}</span><span class="lbrec-fit">group fit {pick.score:.0f}'
                f'</span>', title(pick.title, pick.year, pick.links) + about(tmdb)
                + f'<div class="lbrec-chips">{fits}</div>' + because, pick.links, picture=poster(tmdb, pick.title))


CARDS = {"rank": ranked_card, "similar": similar_card, "predict": prediction_card, "group": group_card}


def answer(result: Answer, films: Mapping[int, FilmDetails] | None = None) -> str:
    """The heading, the films that were not found (with candidates to type instead) and the cards (with TMDb's
    details by movieId where they have come)."""
    if not result.films:
        return box("info", "No film passes these options: widen the years, the genres or the mainstream ↔ obscure "
                           "setting.")
    heading = HEADINGS[result.question].format(what=escape(result.what))
    heading = heading[0].upper() + heading[1:]
    missing = ""
    if result.unmatched:
        rows = "".join(f"<li>{escape(query)}: {escape(reason)}"
                       + (f" (did you mean {escape('; '.join(options))}?)" if options else "") + "</li>"
                       for query, reason, options in result.unmatched)
        missing = (f'<details open class="lbrec-unmatched"><summary>Not found ({len(result.unmatched)})</summary>'
                   f'<ul class="lbrec-list">{rows}</ul></details>')
    films = films or {}
    cards = "".join(CARDS[result.question](place, film, films.get(film.movieId))
                    for place, film in enumerate(result.films, 1))
    return f'<h3 class="lbrec-h3">{heading}</h3>{missing}<div class="lbrec-grid">{cards}</div>'


def downloads(files: dict[str, str | bytes]) -> str:
    """A link per file: the ranked list as a CSV for Letterboxd's list importer, the answer as JSON, the picture."""
    links = download_links(files)
    return f'<div class="lbrec-results-head"><span></span><span>{links}</span></div>' if links else ""
