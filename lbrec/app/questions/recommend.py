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
from lbrec.app.cards import card, grid, origin_line
from lbrec.app.markup import escape, film_names, folding_list
from lbrec.app.questions.question import Question
from lbrec.app.session import SKIP, Session, Understood, films_count
from lbrec.ask.answers import Answer
from lbrec.ask.lookup import label
from lbrec.ask.shelf import Shelf
from lbrec.letterboxd.history import LetterboxdHistory
from lbrec.serving.results import TMDB, GroupFilm, NewerFilm, Recommendation
from lbrec.serving.standing import standing_words
from lbrec.tmdb import FilmDetails

MAX_PICKS = 15  # uncertain matches offered as drop-downs; the rest are listed


def newer_card(place: int, film: NewerFilm | GroupFilm, details: FilmDetails | None = None, last_year: int = 0) -> str:
    """A film the model does not know, from TMDb: why it is here (newer than the model's films, or not in its
    catalog), the loved films that point to it (a group's: each member's, with every member's fit), and where it
    came from."""
    why = "newer than this model's films" if film.year is not None and film.year > last_year else "not in its catalog"
    if isinstance(film, GroupFilm):
        fits = "".join(
            f'<span class="lbrec-chip lbrec-member-fit">{escape(who)}: {standing_words(fit)}</span>'
            for who, fit in film.fit.items()
        )
        because = f'<div class="lbrec-chips">{fits}</div>' + "".join(
            f'<div class="lbrec-because">From {escape(who)}\'s {film_names(films)}</div>'
            for who, films in film.because.items()
            if films
        )
    else:
        because = (
            f'<div class="lbrec-because">Because you liked {film_names(film.because)}</div>' if film.because else ""
        )
    top = f'<span class="lbrec-rank">#{place}</span><span class="lbrec-chip lbrec-newer">{escape(why)}</span>'
    return card(film, top, because + origin_line(film), details)


def shelf_html(shelf: Shelf | None, details: Mapping[int, FilmDetails] | None = None) -> str:
    """The shelf of films the model does not know, in a row above its own: a line while TMDb is asked (None), the
    cards when they came (with TMDb's details by TMDb id where they have come), and TMDb's line on what is missing
    (or, without a key, what one would add)."""
    heading = '<h3 class="lbrec-h3">Films this model does not know</h3>'
    if shelf is None:
        return f'<div class="lbrec-shelf">{heading}<p class="lbrec-hint">Asking TMDb for newer films…</p></div>'
    note = f'<p class="lbrec-hint lbrec-shelf-note">{escape(shelf.note)}</p>' if shelf.note else ""
    note += read_on_tmdb(shelf)
    if not shelf.films:
        return f'<div class="lbrec-shelf">{note}</div>' if note else ""
    details = details or {}
    cards = "".join(
        newer_card(place, film, details.get(film.tmdbId) if film.tmdbId is not None else None, shelf.last_year)
        for place, film in enumerate(shelf.films, 1)
    )
    hint = f'<p class="lbrec-hint">{escape(TMDB[0].upper() + TMDB[1:])} for your films.</p>'
    return f'<div class="lbrec-shelf">{heading}{hint}{note}<div class="lbrec-grid lbrec-row">{cards}</div></div>'


def read_on_tmdb(shelf: Shelf) -> str:
    """What TMDb read of the films the model lacks: how many it knows (named), which it could not tell apart (with
    their candidates: type one with its year), and how many were not looked up."""
    lookup = shelf.lookup
    if lookup is None or not lookup.lacking:
        return ""
    found = [f"{m.title} ({m.year})" if m.year else m.title or "" for _, m in lookup.matched]
    parts = [f"TMDb read {len(found):,} of your {len(lookup.lacking):,} films this model lacks"]
    if found:
        parts[0] += ": " + ", ".join(found[:12]) + ("…" if len(found) > 12 else "")
    if lookup.not_looked_up:
        parts.append(f"{lookup.not_looked_up:,} more were not looked up (one answer asks for {len(lookup.found):,})")
    return f'<p class="lbrec-hint lbrec-read-on-tmdb">{escape(". ".join(parts))}.</p>'


def recommendation_card(place: int, film: Recommendation, details: FilmDetails | None = None) -> str:
    """Its place, the films of yours it comes from (the model's score means nothing to a reader) and its origin."""
    because = f'<div class="lbrec-because">Because you liked {film_names(film.because)}</div>' if film.because else ""
    return card(film, f'<span class="lbrec-rank">#{place}</span>', because + origin_line(film), details)


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


def model_reads(max_len: int, used: int, unordered: bool = False) -> str:
    """How many of the person's films the model reads, and in what order."""
    if unordered and used:
        return f"The model reads all {films_count(used)} together: your films were logged in bulk, so in no order."
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
        f"{model_reads(session.engine.max_len, understood.used, bool(session.history and session.history.unordered))}"
        "</p>"
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
        intro = "Which film did you mean? Pick one and the results update."
        choices = [(label, [(c.label(), c.movie_id) for c in candidates]) for label, candidates in understood.uncertain]
        parts += picks(intro, choices, confirmed, on_pick)
    return parts


def tmdb_picks(
    shelf: Shelf, confirmed: Mapping[str, int], on_pick: Callable[[str, dict], None]
) -> list[widgets.Widget]:
    """A drop-down for each of the person's films TMDb has several candidates for (picked or not yet), each calling
    `on_pick(label, change)` with the TMDb id chosen: the films newer than the model follow."""
    ambiguous = shelf.lookup.ambiguous(confirmed) if shelf.lookup is not None else []
    if not ambiguous:
        return []
    intro = "TMDb has several films for these: which did you mean? Pick one and the newer films update."
    choices = [(label(film), [(c.told_apart(), c.tmdb_id) for c in match.candidates]) for film, match in ambiguous]
    return picks(intro, choices, confirmed, on_pick)


def picks(
    intro: str,
    choices: list[tuple[str, list[tuple[str, int]]]],
    confirmed: Mapping[str, int],
    on_pick: Callable[[str, dict], None],
) -> list[widgets.Widget]:
    """A line, then a drop-down per film (its label, its candidates as (words, id)) for the first `MAX_PICKS`, the
    rest named; the person's `confirmed` choice shown, else "skip it"."""
    parts: list[widgets.Widget] = [widgets.HTML(f'<p class="lbrec-label">{escape(intro)}</p>')]
    for name, candidates in choices[:MAX_PICKS]:
        options = [("Not this one: skip it", SKIP), *candidates]
        value = confirmed.get(name, SKIP)
        pick = widgets.Dropdown(
            options=options,
            layout=widgets.Layout(width="380px"),
            value=value if value in [v for _, v in options] else SKIP,
        )
        pick.observe(functools.partial(on_pick, name), "value")
        parts.append(widgets.HBox([widgets.Label(name, layout=widgets.Layout(width="260px")), pick]))
    if len(choices) > MAX_PICKS:
        rest = ", ".join(name for name, _ in choices[MAX_PICKS:])
        parts.append(widgets.HTML(f'<p class="lbrec-hint">Also uncertain (skipped): {escape(rest)}</p>'))
    return parts
