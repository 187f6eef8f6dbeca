"""What the visitor's browser remembers across visits, and reads back: their "not for me" and "seen it" marks, their
country and the services they chose there. It lives in the browser's localStorage (`memory.js`, the widget of
`memory_widget`), never on the server; the kernel receives it when the page opens and sends back what to keep after
each change.

A mark's film is the model's, by its movieId (`{"movieId": N, "mark": ...}`), or one only TMDb knows (newer than the
model, or not in its catalog), by its TMDb id with its title for the list (`{"tmdbId": N, "title": ..., "mark": ...}`).

What arrives from the browser is outside input (anyone can edit their localStorage): `read_message` keeps what is
well formed and drops the rest, never raising on anything JSON can hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

MARKS = {"not_for_me": "Not for me", "seen": "Seen it"}  # a mark, and its button's words
MAX_MARKS = 2000  # kept in the browser; older marks beyond this are dropped
MAX_SERVICES = 30
MAX_TITLE = 200  # characters of a TMDb film's title kept for the list
KINDS = ("restore", "mark", "undo", "clear", "picture")
MOVIE_ID, TMDB_ID = "movieId", "tmdbId"  # the catalog a marked film is in: the model's, or TMDb's alone
Marked = tuple[str, int]  # a marked film: (MOVIE_ID, its movieId) or (TMDB_ID, its TMDb id)


@dataclass(frozen=True)
class Message:
    """One message from the page: `restore` (the remembered marks, country and services), `mark` (a card's button),
    `undo` (one mark of the list), `clear` (all of them), or `picture` (the link that asks for the picture to share,
    which the page's script also carries). Marks: film -> mark, in the order they were made; titles: of the TMDb
    films among them, by TMDb id."""

    kind: str
    marks: dict[Marked, str] = field(default_factory=dict)
    titles: dict[int, str] = field(default_factory=dict)
    country: str = ""
    services: tuple[str, ...] = ()  # the streaming services chosen in that country, as TMDb names them


def read_message(content: object, known: Callable[[int], bool], country_codes: frozenset[str]) -> Message | None:
    """The message the page sent, or None when it is not one; marks of films the model does not `known` and a
    country not among `country_codes` are dropped."""
    if not isinstance(content, Mapping) or content.get("type") not in KINDS:
        return None
    kind = content["type"]
    if kind in ("clear", "picture"):
        return Message(kind)
    if kind == "restore":
        memory = content.get("memory")
        if not isinstance(memory, Mapping):
            return Message(kind)
        country = memory.get("country")
        entries = memory.get("marks")
        marks, titles = _marks(entries[-MAX_MARKS:] if isinstance(entries, list) else [], known)
        country = country if isinstance(country, str) and country in country_codes else ""
        services = memory.get("services") if country else None
        named = [s.strip() for s in services[:MAX_SERVICES] if isinstance(s, str)] if isinstance(services, list) else []
        return Message(kind, marks, titles, country, tuple(dict.fromkeys(s for s in named if 0 < len(s) <= 100)))
    if kind == "undo":
        film = _film(content, known)
        return Message(kind, {film: ""}) if film is not None else None
    marks, titles = _marks([content], known)
    return Message(kind, marks, titles) if marks else None


def _film(entry: Mapping, known: Callable[[int], bool]) -> Marked | None:
    """The film an entry names: a movieId the model `known`s, or a TMDb id (any id TMDb could have)."""
    for key in (MOVIE_ID, TMDB_ID):
        number = entry.get(key)
        if type(number) is int and 0 < number < 2**31 and (key == TMDB_ID or known(number)):
            return key, number
    return None


def _marks(entries: list, known: Callable[[int], bool]) -> tuple[dict[Marked, str], dict[int, str]]:
    """{film: mark} from entries {"movieId": int, "mark": "not_for_me" | "seen"} or {"tmdbId": int, "title": str,
    "mark": ...}; the latest mark of a film wins. And the TMDb films' titles, by TMDb id ("" when none was given)."""
    marks: dict[Marked, str] = {}
    titles: dict[int, str] = {}
    for entry in entries:
        mark = entry.get("mark") if isinstance(entry, Mapping) else None
        if isinstance(mark, str) and mark in MARKS and (film := _film(entry, known)) is not None:
            marks.pop(film, None)
            marks[film] = mark
            if film[0] == TMDB_ID:
                title = entry.get("title")
                titles[film[1]] = title.strip()[:MAX_TITLE] if isinstance(title, str) else ""
    return marks, titles


def remembered(
    marks: Mapping[Marked, str], country: str, services: Sequence[str] = (), titles: Mapping[int, str] | None = None
) -> dict:
    """What the browser keeps: the marks (oldest first, a TMDb film's with its title), the country and its services
    chosen, nothing else."""
    entries = [
        {key: number, "mark": mark} | ({"title": (titles or {}).get(number, "")} if key == TMDB_ID else {})
        for (key, number), mark in marks.items()
    ]
    return {
        "version": 1,
        "marks": entries[-MAX_MARKS:],
        "country": country,
        "services": list(services)[:MAX_SERVICES],
    }
