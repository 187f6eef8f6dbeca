"""The HTML of the questions' answers (`lbrec.ask.answers.Answer`): one card per film, the one card of every answer
(`render.card`), with what each question adds: a ranked film's percentile and whether it was watched, a
prediction's rank and verdict, the seeds a similar film comes from, each member's fit in a group.

Every piece of text that came from outside is HTML-escaped here, as in `render`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from lbrec.app.render import (NOTHING_PASSES, box, card, details_of, download_links, escape, film_names, note,
                              watch_credit)
from lbrec.ask.answers import Answer
from lbrec.serving.results import GroupFilm, Prediction, Ranked, Similar
from lbrec.tmdb import FilmDetails

HEADINGS = {"rank": "{what}, best first for you", "similar": "Films like {what}",
            "predict": "Would you like them?", "group": "For the {what} together"}


def top_share(percentile: float) -> str:
    """97.2 -> "top 3% for you": the share of the films you have not seen that rank at least as high."""
    return f"top {max(1, math.ceil(100.0 - percentile - 1e-9))}%"


def ranked_card(place: int, film: Ranked, details: FilmDetails | None = None) -> str:
    watched = '<span class="lbrec-chip lbrec-seen">✓ watched</span>' if film.watched else ""
    because = (f'<div class="lbrec-because">Because you liked {film_names(film.because)}</div>'
               if film.because else "")
    return card(film, f'<span class="lbrec-rank">#{place}</span><span class="lbrec-fit">{top_share(film.percentile)} '
                      f'for you</span>', watched + because, details, film.watched)


def similar_card(place: int, film: Similar, details: FilmDetails | None = None) -> str:
    because = f'<div class="lbrec-because">Like {film_names(film.because)}</div>' if film.because else ""
    return card(film, f'<span class="lbrec-rank">#{place}</span>', because, details)


def prediction_card(_place: int, film: Prediction, details: FilmDetails | None = None) -> str:
    """Where the film stands: its rank among the films you have not seen (a watched film says so instead)."""
    reasons = (f'<div class="lbrec-because">Most raised by {film_names(film.because)}</div>'
               if film.because and not film.watched else "")
    top = (f'<span class="lbrec-rank">#{film.rank:,} of {film.of:,}</span>'
           f'<span class="lbrec-fit">{top_share(film.percentile)} for you</span>')
    body = (f'<div class="lbrec-verdict">{escape(film.verdict)}</div>'
            f'<div class="lbrec-hint">You asked: {escape(film.query)}</div>' + reasons)
    return card(film, top, body, details, film.watched)


def group_card(place: int, film: GroupFilm, details: FilmDetails | None = None) -> str:
    fits = "".join(f'<span class="lbrec-chip lbrec-member-fit">{escape(who)}: {top_share(fit)}</span>'
                   for who, fit in film.fit.items())
    because = "".join(f'<div class="lbrec-because">From {escape(who)}\'s {film_names(films)}</div>'
                      for who, films in film.because.items() if films)
    return card(film, f'<span class="lbrec-rank">#{place}</span><span class="lbrec-fit">group fit {film.score:.0f}'
                      f'</span>', f'<div class="lbrec-chips">{fits}</div>' + because, details)


CARDS = {"rank": ranked_card, "similar": similar_card, "predict": prediction_card, "group": group_card}


def answer(result: Answer, details: Mapping[int, FilmDetails] | None = None) -> str:
    """The heading, the films that were not found (with candidates to type instead) and the cards (with TMDb's
    details by TMDb id where they have come)."""
    if not result.films:
        return box("info", NOTHING_PASSES)
    heading = HEADINGS[result.question].format(what=escape(result.what))
    heading = heading[0].upper() + heading[1:]
    missing = ""
    if result.unmatched:
        rows = "".join(f"<li>{escape(missing.query)}: {escape(missing.reason)}"
                       + (f" (did you mean {escape('; '.join(missing.candidates))}?)" if missing.candidates else "")
                       + "</li>" for missing in result.unmatched)
        missing = (f'<details open class="lbrec-unmatched"><summary>Not found ({len(result.unmatched)})</summary>'
                   f'<ul class="lbrec-list">{rows}</ul></details>')
    details = details or {}
    cards = "".join(CARDS[result.question](place, film, details_of(details, film))  # type: ignore[operator]
                    for place, film in enumerate(result.films, 1))
    return (f'<h3 class="lbrec-h3">{heading}</h3>{missing}{note(result)}<div class="lbrec-grid">{cards}</div>'
            f'{watch_credit(result)}')


def downloads(files: dict[str, str | bytes]) -> str:
    """A link per file: the ranked list as a CSV for Letterboxd's list importer, the answer as JSON, the picture."""
    links = download_links(files)
    return f'<div class="lbrec-results-head"><span></span><span>{links}</span></div>' if links else ""
