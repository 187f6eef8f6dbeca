"""What the visitor's browser remembers across visits, and reads back: their "not for me" and "seen it" marks, their
country and the services they chose there. It lives in the browser's localStorage (`memory.js`, the widget of
`memory_widget`), never on the server; the kernel receives it when the page opens and sends back what to keep after
each change.

What arrives from the browser is outside input (anyone can edit their localStorage): `read_message` keeps what is
well formed and drops the rest, never raising on anything JSON can hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

MARKS = {"not_for_me": "Not for me", "seen": "Seen it"}  # a mark, and its button's words
MAX_MARKS = 2000  # kept in the browser; older marks beyond this are dropped
MAX_SERVICES = 30
KINDS = ("restore", "mark", "undo", "clear", "picture")


@dataclass(frozen=True)
class Message:
    """One message from the page: `restore` (the remembered marks, country and services), `mark` (a card's button),
    `undo` (one mark of the list), `clear` (all of them), or `picture` (the link that asks for the picture to share,
    which the page's script also carries). Marks: movieId -> mark, in the order they were made."""

    kind: str
    marks: dict[int, str] = field(default_factory=dict)
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
        marks = _marks(entries[-MAX_MARKS:] if isinstance(entries, list) else [], known)
        country = country if isinstance(country, str) and country in country_codes else ""
        services = memory.get("services") if country else None
        named = [s.strip() for s in services[:MAX_SERVICES] if isinstance(s, str)] if isinstance(services, list) else []
        return Message(kind, marks, country, tuple(dict.fromkeys(s for s in named if 0 < len(s) <= 100)))
    if kind == "undo":
        movie_id = content.get("movieId")
        return Message(kind, {movie_id: ""}) if _film(movie_id, known) else None
    marks = _marks([content], known)
    return Message(kind, marks) if marks else None


def _film(movie_id: object, known: Callable[[int], bool]) -> bool:
    return type(movie_id) is int and 0 < movie_id < 2**31 and known(movie_id)


def _marks(entries: list, known: Callable[[int], bool]) -> dict[int, str]:
    """{movieId: mark} from entries {"movieId": int, "mark": "not_for_me" | "seen"}; the latest mark of a film wins."""
    marks: dict[int, str] = {}
    for entry in entries:
        mark = entry.get("mark") if isinstance(entry, Mapping) else None
        if isinstance(mark, str) and mark in MARKS and _film(movie_id := entry.get("movieId"), known):
            marks.pop(movie_id, None)
            marks[movie_id] = mark
    return marks


def remembered(marks: Mapping[int, str], country: str, services: Sequence[str] = ()) -> dict:
    """What the browser keeps: the marks (oldest first), the country and its services chosen, nothing else."""
    return {
        "version": 1,
        "marks": [{"movieId": m, "mark": mark} for m, mark in marks.items()][-MAX_MARKS:],
        "country": country,
        "services": list(services)[:MAX_SERVICES],
    }
