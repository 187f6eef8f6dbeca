"""The files an answer can be downloaded as: a CSV for Letterboxd's list importer (the lists: for me, and a ranked
list), the answer's JSON (what `--json` prints on the command line) and the picture to share; and their links, the
content in the link itself (the kernel serves no files). The picture takes a third of a second to draw and a hundred
kilobytes to carry, so it is drawn only when the visitor asks for it: its link asks the kernel (`memory.js`), which
sends it to the browser to download."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping

import numpy as np

from lbrec.app.markup import escape
from lbrec.ask.answers import Answer
from lbrec.letterboxd.lists import list_csv
from lbrec.share import poster_pixels, share_png, shared_films, without_a_shared_reason
from lbrec.tmdb import FilmDetails

# The answers drawn as a picture to share: its heading, what its subtitle says of `Answer.what`, and the reasons.
PICTURES = {
    "recommend": ("Films for you", "", "because you liked"),
    "rank": ("Best first for you", "from", "because you liked"),
    "similar": ("More like this", "like", "like"),
    "group": ("Films to watch together", "for", "because of"),
}
LISTS = ("recommend", "rank")  # the answers that are lists to import into Letterboxd
LINKS = {
    "csv": ("text/csv", "⬇ CSV for a Letterboxd list"),
    "json": ("application/json", "⬇ JSON"),
}  # by file extension: the type and the link's text
PICTURE_LINK = (
    '<a class="lbrec-download lbrec-picture" href="#" role="button" title="Draw the picture and download it">'
    "⬇ PNG to share</a>"
)  # memory.js sends its click to the kernel, which draws the picture and sends it back


def files(answer: Answer, stem: str) -> dict[str, str]:
    """The answer's list CSV (for the lists) and its JSON, by file name."""
    out = {}
    if answer.question in LISTS:
        films = [*answer.films, *(answer.shelf.films if answer.shelf else [])]  # TMDb's too: the importer reads ids
        out[f"{stem}-list.csv"] = list_csv((film.title, film.year, film.tmdbId) for film in films)
    out[f"{stem}.json"] = json.dumps(answer.to_json(), ensure_ascii=False, indent=2)
    return out


def has_picture(answer: Answer) -> bool:
    """Whether the answer is a list of films (the model's, or its shelf's) that can be drawn as a picture to share."""
    return answer.question in PICTURES and bool(answer.films or (answer.shelf and answer.shelf.films))


def picture(
    answer: Answer, stem: str, subtitle: str = "", posters: Mapping[int, np.ndarray] | None = None
) -> dict[str, bytes]:
    """The picture to share of an answer that is a list of films (with the `posters` already fetched, by TMDb id);
    nothing for predictions or an empty list. `subtitle` replaces the one made from `answer.what`."""
    if not has_picture(answer):
        return {}
    listed = [*answer.films, *(answer.shelf.films if answer.shelf else [])]  # the model's, then TMDb's
    heading, of, because = PICTURES[answer.question]
    subtitle = subtitle or f"{of} {' + '.join(answer.labels) if answer.members else answer.what}"
    films = shared_films(listed, posters)
    films = without_a_shared_reason(films) if answer.question == "similar" else films
    return {f"{stem}.png": share_png(films, heading, subtitle, because)}


def pixels(details: Mapping[int, FilmDetails]) -> dict[int, np.ndarray]:
    """The posters that came, as pixels for the picture to share, by TMDb id."""
    posters = {tmdb_id: poster_pixels(film.poster) for tmdb_id, film in details.items() if film.poster}
    return {tmdb_id: image for tmdb_id, image in posters.items() if image is not None}


def data_uri(content: str, mime: str) -> str:
    """A file in a link, as UTF-8."""
    return f"data:{mime};charset=utf-8;base64,{base64.b64encode(content.encode('utf-8')).decode('ascii')}"


def links(files: Mapping[str, str], picture: bool = False) -> str:
    """A link per file, its content in the link itself; with `picture`, the link that asks for the picture."""
    return "".join(
        f'<a class="lbrec-download" download="{escape(name)}" href="{data_uri(content, mime)}">{label}</a>'
        for name, content in files.items()
        for mime, label in [LINKS[name.rsplit(".", 1)[-1]]]
    ) + (PICTURE_LINK if picture else "")
