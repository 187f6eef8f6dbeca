"""For me: the visitor's films (the source tabs) answered with films for them. Beyond the cards it shows what was
understood of the films read (a summary line, the matched films and those not found, a drop-down per uncertain
match: the visitor's choice updates the results) and the taste chart.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import ipywidgets as widgets

from lbrec import plots
from lbrec.app import downloads
from lbrec.app.cards import card, grid
from lbrec.app.markup import escape, film_names, folding_list
from lbrec.app.questions.question import Question
from lbrec.app.session import SKIP, Session, Understood, films_count
from lbrec.ask.answers import Answer
from lbrec.letterboxd.history import LetterboxdHistory
from lbrec.serving.results import Recommendation
from lbrec.tmdb import FilmDetails

MAX_PICKS = 15  # uncertain matches offered as drop-downs; the rest are listed


def recommendation_card(place: int, film: Recommendation, details: FilmDetails | None = None) -> str:
    """Its place, and the films of yours it comes from (the model's score means nothing to a reader)."""
    because = f'<div class="lbrec-because">Because you liked {film_names(film.because)}</div>' if film.because else ""
    return card(film, f'<span class="lbrec-rank">#{place}</span>', because, details)


QUESTION = Question("recommend", "For me", "Recommend films", reads_history=True, card=recommendation_card)


def answer_html(answer: Answer[Recommendation], details: Mapping[int, FilmDetails] | None = None) -> str:
    """The cards (with TMDb's details by TMDb id where they have come), or a box saying that the options leave no
    film."""
    return grid(answer, recommendation_card, details)


def downloads_html(files: dict[str, str], answer: Answer) -> str:
    """The heading over the results with a link per file (the CSV for a Letterboxd list, the JSON) and the one that
    draws the picture to share."""
    return (
        f'<div class="lbrec-results-head"><h3 class="lbrec-h3">Your {len(answer.films)} films</h3>'
        f"<span>{downloads.links(files, picture=downloads.has_picture(answer))}</span></div>"
        f'<p class="lbrec-hint">To make a list: Letterboxd &gt; Lists &gt; Start a new list &gt; Import, and '
        f"choose the CSV.</p>"
    )


def taste_chart(session: Session) -> bytes:
    """Genre shares of the films the model read and of the recommendations, as a PNG."""
    return plots.png(plots.taste(*session.taste()))


# ---------------------------------------------------------------------------------------------------- understood


def source_name(history: LetterboxdHistory | None) -> str:
    """Where the films came from, in words."""
    if history is None or history.source == "typed":
        return "the titles you typed"
    if history.source == "export":
        return "your export"
    if history.source == "imdb":
        return "your IMDb ratings"
    return f"{history.username}'s RSS feed" if history.username else "the RSS feed"


def model_reads(max_len: int, used: int) -> str:
    """How many of the person's films the model reads."""
    if used > max_len:
        return f"The model reads the latest {max_len} of the {used:,} films it knows."
    return f"The model reads {films_count(used)}." if used else ""


def summary(session: Session, understood: Understood) -> str:
    """One line: how many films were read, matched, to confirm and not found, and how many the model reads."""
    counts = understood.counts
    total = sum(counts.values())
    return (
        f'<h3 class="lbrec-h3">What we understood</h3><p>{films_count(total)} from '
        f'{escape(source_name(session.history))}: <span class="lbrec-ok">✓ {counts["matched"]:,} matched</span> · '
        f'<span class="lbrec-warn">? {counts["uncertain"]:,} to confirm</span> · '
        f'<span class="lbrec-bad">✗ {counts["unmatched"]:,} it does not know</span>. '
        f"{model_reads(session.engine.max_len, understood.used)}</p>"
    )


def understood_lists(understood: Understood) -> str:
    """The matched films and the films not found, each as a folding list."""
    rare = ' <span class="lbrec-warn">(in its catalog, but too rarely rated for the model to read)</span>'
    matched = [
        f"<li>{escape(read)} → <b>{escape(film)}</b>{'' if known else rare}</li>"
        for read, film, known in understood.matched
    ]
    missing = [f"<li>{escape(read)}: {escape(reason)}</li>" for read, reason in understood.missing]
    parts = []
    if matched:
        parts.append(folding_list(f"Matched films ({len(matched)})", matched))
    if missing:
        parts.append(folding_list(f"Films the model does not know ({len(missing)})", missing, open_=len(missing) <= 5))
    return "".join(parts)


def understood_parts(
    understood: Understood, confirmed: Mapping[str, int], on_pick: Callable[[str, dict], None]
) -> list[widgets.Widget]:
    """What goes under the summary: the lists, and a drop-down for each uncertain match (the first `MAX_PICKS`; the
    rest are named), each calling `on_pick(label, change)`."""
    parts: list[widgets.Widget] = [widgets.HTML(understood_lists(understood))]
    if understood.uncertain:
        parts.append(
            widgets.HTML('<p class="lbrec-label">Which film did you mean? Pick one and the results update.</p>')
        )
        for label, candidates in understood.uncertain[:MAX_PICKS]:
            options = [("Not this one: skip it", SKIP)] + [(c.label(), c.movie_id) for c in candidates]
            value = confirmed.get(label, SKIP)
            pick = widgets.Dropdown(
                options=options,
                layout=widgets.Layout(width="380px"),
                value=value if value in [v for _, v in options] else SKIP,
            )
            pick.observe(functools.partial(on_pick, label), "value")
            parts.append(widgets.HBox([widgets.Label(label, layout=widgets.Layout(width="260px")), pick]))
        if len(understood.uncertain) > MAX_PICKS:
            rest = ", ".join(label for label, _ in understood.uncertain[MAX_PICKS:])
            parts.append(widgets.HTML(f'<p class="lbrec-hint">Also uncertain (skipped): {escape(rest)}</p>'))
    return parts
