"""Film titles: MovieLens's own form taken apart, and the one way lbrec writes a title for people.

MovieLens writes `Seven (a.k.a. Se7en) (1995)` and `Matrix, The (1999)`; `split_title` gives the display title, the
year and the alternate titles, which the catalog's matching index is built from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def film_label(title: str | None, year: int | None) -> str:
    """`Heat (1995)`, or the bare title when the year is unknown: how every list, card and message names a film."""
    return f"{title} ({year})" if year else str(title)


_YEAR = re.compile(r"\s*\((\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)\s*$")
_TRAILING_PAREN = re.compile(r"\s+\(([^()]*)\)\s*$")
_ARTICLES = (
    "The",
    "A",
    "An",
    "La",
    "Le",
    "Les",
    "L'",
    "Il",
    "Lo",
    "I",
    "Gli",
    "El",
    "Los",
    "Las",
    "Der",
    "Die",
    "Das",
    "Den",
    "Det",
    "De",
    "Het",
    "Een",
    "Ein",
    "Eine",
    "O",
    "Os",
    "As",
    "Um",
    "Uma",
    "Un",
    "Une",
    "Una",
    "Uno",
    "Ta",
    "To",
    "Ho",
    "Hoi",
    "Ai",
)
_INVERTED = re.compile(r"^(?P<body>.+), (?P<article>" + "|".join(re.escape(a) for a in _ARTICLES) + r")$")


@dataclass(frozen=True)
class TitleParts:
    """A MovieLens title split into its display name, year and alternate titles."""

    title: str  # "The Matrix"
    year: int | None  # 1999
    alternates: tuple[str, ...] = ()  # ("Se7en",) for "Seven (a.k.a. Se7en) (1995)"


def uninvert(title: str) -> str:
    """`Matrix, The` -> `The Matrix`; `Auberge espagnole, L'` -> `L'Auberge espagnole`."""
    match = _INVERTED.match(title.strip())
    if not match:
        return title.strip()
    article = match.group("article")
    return f"{article}{match.group('body')}" if article.endswith("'") else f"{article} {match.group('body')}"


def split_title(raw: str) -> TitleParts:
    """Parse `Seven (a.k.a. Se7en) (1995)` into ("Seven", 1995, ("Se7en",))."""
    text = raw.strip()
    year = None
    if match := _YEAR.search(text):
        year = int(match.group(1))
        text = text[: match.start()]
    alternates: list[str] = []
    while (match := _TRAILING_PAREN.search(text)) and match.start() > 0:
        alt = re.sub(r"^(a\.k\.a\.|aka)\s+", "", match.group(1).strip(), flags=re.IGNORECASE)
        if alt:
            alternates.insert(0, uninvert(alt))
        text = text[: match.start()]
    return TitleParts(title=uninvert(text), year=year, alternates=tuple(alternates))
