"""The app's HTML, made from the session's plain data: boxes, the header and footer, the "What we understood"
lists, the result cards and the download links. The look is in `style.css`.

Every piece of text that came from outside is HTML-escaped here: the HTML widget renders its value unsanitised.
"""

from __future__ import annotations

import base64
import functools
import html
import re
from collections.abc import Mapping, Sequence
from importlib import resources

from lbrec.app.memory import MARKS
from lbrec.app.session import Session, Understood, films_count
from lbrec.ask.answers import Answer
from lbrec.data.titles import film_label
from lbrec.letterboxd.history import LetterboxdHistory
from lbrec.serving.members_figure import THIS_MODEL, members_figure
from lbrec.serving.results import Film, FilmRef, Recommendation
from lbrec.app.render_watch import attribution_html, watch_html
from lbrec.tmdb import ATTRIBUTION, FilmDetails

MAX_LISTED = 300  # rows in the matched / not-found lists
SITES = {"letterboxd": "Letterboxd", "tmdb": "TMDb", "imdb": "IMDb"}
GENRE_COLOURS = {"Action": "#ff8000", "Adventure": "#f5a623", "Animation": "#f5c400", "Children": "#f5c400",
                 "Comedy": "#f5c400", "Crime": "#8e44ad", "Documentary": "#7f8c8d", "Drama": "#40bcf4",
                 "Fantasy": "#9b59b6", "Film-Noir": "#34495e", "Horror": "#c0392b", "Musical": "#ff5c8a",
                 "Mystery": "#5b6abf", "Romance": "#ff5c8a", "Sci-Fi": "#00c030", "Thriller": "#d35400",
                 "War": "#6d7b57", "Western": "#a0522d"}


@functools.cache
def style() -> str:
    """The stylesheet, as a <style> element (read once per process from the package)."""
    return f"<style>\n{resources.files('lbrec.app').joinpath('style.css').read_text(encoding='utf-8')}</style>"


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def box(kind: str, body: str, *, escape_body: bool = True) -> str:
    """A message box: `error` or `info`."""
    return f'<div class="lbrec-box lbrec-{kind}">{escape(body) if escape_body else body}</div>'


def sentence(message: str) -> str:
    """A refusal as the page shows it: the one-line message both faces share, as a sentence."""
    message = message.strip()
    if not message:
        return message
    if re.match(r"[a-z]+(?![\w.:/])", message):  # a word, not a file's name or a link
        message = message[0].upper() + message[1:]
    return message + ("" if message[-1] in ".!?…" else ".")


def spinner(message: str) -> str:
    return f'<div class="lbrec-status"><span class="lbrec-spinner"></span>{escape(message)}</div>'


def link(url: str, text: str, cls: str = "") -> str:
    return f'<a class="{cls}" href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(text)}</a>'


def header() -> str:
    return ('<div class="lbrec-header"><div class="lbrec-dots"><span style="background:#ff8000"></span>'
            '<span style="background:#00e054"></span><span style="background:#40bcf4"></span>'
            '<b class="lbrec-brand">lbrec</b></div>'
            '<h1>Films you\'ll love next</h1><p>Recommendations from your Letterboxd history by a sequential '
            'model (SASRec) trained on MovieLens ratings: it reads the order you watched in, not only what.</p>'
            '</div>')


def footer(session: Session, posters: bool = False) -> str:
    """The served model in words (SASRec, or its blend), its data, its test NDCG@10 and its NDCG@10 on real
    Letterboxd members' exports (`members_figure`: measured on this folder, else on the reference build, and said
    so); with posters on, TMDb's attribution (its terms ask for it wherever its data is shown)."""
    engine = session.engine
    meta = engine.meta
    served = meta.get("blend", {}) if engine.item_item is not None else meta
    ndcg = (served.get("metrics") or {}).get("test", {}).get("ndcg@10")
    quality = f" · test NDCG@10 {ndcg:.3f}" if isinstance(ndcg, (int, float)) else ""
    members = members_figure(engine.model_dir, meta)
    quality += f", {members.ndcg:.3f} on real Letterboxd members' exports" + (
        "" if members.measured_on == THIS_MODEL else f" for {members.measured_on}")
    return (f'<p class="lbrec-footer">{escape(engine.model_name)} trained on MovieLens '
            f'{escape(meta.get("dataset", ""))}: '
            f'{session.engine.n_items:,} films released up to {session.year_range[1]}{quality} · served with '
            f'onnxruntime · links go to Letterboxd, TMDb and IMDb.'
            f'{" Posters and synopses from TMDb. " + ATTRIBUTION if posters else ""}</p>')


POSTERS_HINT = ("Posters, synopses and where to watch each film (a country and your services): start the app with "
                "TMDB_API_KEY set to your own TMDb API key "
                "(themoviedb.org &gt; Settings &gt; API).")
POSTERS_MISSING = "TMDb did not answer for some films: their cards stay without a poster."


def posters_note(text: str) -> str:
    """One quiet line about the posters: how to turn them on, or why some are missing (`text` is lbrec's own)."""
    return f'<p class="lbrec-hint lbrec-posters-note">{text}</p>' if text else ""


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
    return (f'<h3 class="lbrec-h3">What we understood</h3><p>{films_count(total)} from '
            f'{escape(source_name(session.history))}: <span class="lbrec-ok">✓ {counts["matched"]:,} matched</span> · '
            f'<span class="lbrec-warn">? {counts["uncertain"]:,} to confirm</span> · '
            f'<span class="lbrec-bad">✗ {counts["unmatched"]:,} not found</span>. '
            f'{model_reads(session.engine.max_len, understood.used)}</p>')


def understood_lists(understood: Understood) -> str:
    """The matched films and the films not found, each as a folding list."""
    rare = ' <span class="lbrec-warn">(too rarely rated to be in the model: not used)</span>'
    matched = [f"<li>{escape(read)} → <b>{escape(film)}</b>{'' if known else rare}</li>"
               for read, film, known in understood.matched]
    missing = [f"<li>{escape(read)}: {escape(reason)}</li>" for read, reason in understood.missing]
    parts = []
    if matched:
        parts.append(details(f"Matched films ({len(matched)})", matched))
    if missing:
        parts.append(details(f"Not found in MovieLens ({len(missing)})", missing, open_=len(missing) <= 5))
    return "".join(parts)


def details(summary_text: str, rows: list[str], open_: bool = False) -> str:
    more = f"<li>… and {len(rows) - MAX_LISTED:,} more</li>" if len(rows) > MAX_LISTED else ""
    return (f'<details{" open" if open_ else ""}><summary>{escape(summary_text)}</summary>'
            f'<ul class="lbrec-list">{"".join(rows[:MAX_LISTED])}{more}</ul></details>')


def card(film: Film, top: str, body: str, details: FilmDetails | None = None, watched: bool = False) -> str:
    """The one card every answer shows a film on: its top line (`top`: rank and measure, already made), the title
    with its year and link, TMDb's runtime and synopsis once they have come, the genres, what the answer adds
    (`body`, already made) and the links; the poster beside them once it has come; the genre's colour on the edge."""
    colour = next((GENRE_COLOURS[g] for g in film.genres if g in GENRE_COLOURS), "#40bcf4")
    links = film.links
    name = link(links["letterboxd"], film.title, "lbrec-title-link") if "letterboxd" in links else escape(film.title)
    year = f' <span class="lbrec-year">{film.year}</span>' if film.year else ""
    chips = "".join(f'<span class="lbrec-chip">{escape(g)}</span>' for g in film.genres)
    buttons = " ".join(link(url, SITES[site], f"lbrec-link lbrec-{site}") for site, url in links.items())
    inner = (f'<div class="lbrec-card-top">{top}</div><div class="lbrec-title">{name}{year}</div>{about(details)}'
             f'<div class="lbrec-chips">{chips}</div>{body}{watch_html(film.watch)}'  # type: ignore[arg-type]
             f'<div class="lbrec-links">{buttons}</div>{mark_buttons(film)}')
    classes = "lbrec-card" + (" lbrec-watched" if watched else "")
    style = f' style="border-left-color:{colour}"'
    if details is None or not details.poster:
        return f'<div class="{classes}"{style}>{inner}</div>'
    return (f'<div class="{classes} lbrec-with-poster"{style}>{poster(details, film.title)}'
            f'<div class="lbrec-card-body">{inner}</div></div>')


def mark_buttons(film: Film) -> str:
    """"Not for me" and "Seen it": the page's memory (`memory.js`) sends a click to the kernel, which answers again
    without the film."""
    return '<div class="lbrec-marks">' + "".join(
        f'<button type="button" class="lbrec-mark lbrec-mark-{mark}" data-movie-id="{film.movieId}" '
        f'data-mark="{mark}" title="{escape(words)}: never show {escape(film.title)} again">{escape(words)}</button>'
        for mark, words in MARKS.items()) + "</div>"


def film_names(films: Sequence[FilmRef]) -> str:
    return ", ".join(f"<b>{escape(film_label(f.title, f.year))}</b>" for f in films)


def recommendation_card(place: int, film: Recommendation, details: FilmDetails | None = None) -> str:
    because = (f'<div class="lbrec-because">Because you liked {film_names(film.because)}</div>' if film.because
               else "")
    return card(film, f'<span class="lbrec-rank">#{place}</span>'
                      f'<span class="lbrec-score" title="model score">score {film.score:.2f}</span>', because, details)


def poster(film: FilmDetails | None, title: str) -> str:
    """A card's poster, or "" while it has none."""
    if film is None or not film.poster:
        return ""
    return f'<img class="lbrec-poster" src="{escape(film.poster)}" alt="Poster of {escape(title)}">'


def about(film: FilmDetails | None) -> str:
    """The runtime and the synopsis (cut to two lines by the stylesheet; in full on hover)."""
    if film is None or not (film.overview or film.runtime):
        return ""
    hours, minutes = divmod(film.runtime or 0, 60)
    length = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    runtime = f'<span class="lbrec-runtime">{length}</span> ' if film.runtime else ""
    return f'<div class="lbrec-about" title="{escape(film.overview)}">{runtime}{escape(film.overview)}</div>'


NOTHING_PASSES = "No film passes these options: widen the years, the genres or the mainstream ↔ obscure setting."


def note(answer: Answer) -> str:
    """The answer's line beside its films: fewer than asked stream on the services chosen."""
    return box("info", answer.note) if answer.note else ""


def watch_credit(answer: Answer) -> str:
    """JustWatch's credit under cards that say where to watch (TMDb's terms ask for it)."""
    return attribution_html() if any(film.watch is not None for film in answer.films) else ""


def details_of(details: Mapping[int, FilmDetails], film: Film) -> FilmDetails | None:
    """TMDb's details of a film, once they have come (posters are keyed by TMDb id everywhere)."""
    return details.get(film.tmdbId) if film.tmdbId is not None else None


def cards(answer: Answer[Recommendation], details: Mapping[int, FilmDetails] | None = None) -> str:
    """The "for me" grid (with TMDb's details by TMDb id where they have come), or a box saying that the options
    leave no film."""
    if not answer.films:
        return box("info", NOTHING_PASSES)
    details = details or {}
    films = "".join(recommendation_card(place, film, details_of(details, film))
                    for place, film in enumerate(answer.films, 1))
    return f'{note(answer)}<div class="lbrec-grid">{films}</div>{watch_credit(answer)}'


def data_uri(content: str | bytes, mime: str) -> str:
    """A file in a link: text as UTF-8, bytes (a picture) as they are."""
    if isinstance(content, bytes):
        return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"
    return f"data:{mime};charset=utf-8;base64,{base64.b64encode(content.encode('utf-8')).decode('ascii')}"


DOWNLOADS = {"csv": ("text/csv", "⬇ CSV for a Letterboxd list"), "json": ("application/json", "⬇ JSON"),
             "png": ("image/png", "⬇ PNG to share")}  # by file extension: the type and the link's text


def download_links(files: dict[str, str | bytes]) -> str:
    """A link per file, its content in the link itself (the kernel serves no files)."""
    return "".join(f'<a class="lbrec-download" download="{escape(name)}" href="{data_uri(content, mime)}">{label}</a>'
                   for name, content in files.items() for mime, label in [DOWNLOADS[name.rsplit(".", 1)[-1]]])


def downloads(files: dict[str, str | bytes], count: int) -> str:
    """The heading over the results with a link per file (the CSV for a Letterboxd list, the JSON, the picture)."""
    links = download_links(files)
    return (f'<div class="lbrec-results-head"><h3 class="lbrec-h3">Your {count} films</h3><span>{links}</span></div>'
            f'<p class="lbrec-hint">To make a list: Letterboxd &gt; Lists &gt; Start a new list &gt; Import, and '
            f'choose the CSV.</p>')


def upload_ready(name: str, size: int) -> str:
    return (f'<span class="lbrec-ready">✓ {escape(name[:120])} ({size / 1024:,.0f} KB): click <b>Recommend '
            f'films</b></span>')
