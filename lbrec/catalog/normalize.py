"""Titles in their comparison form, and what a person types as a film: the catalog's vocabulary for matching.

`normalize` removes accents, folds case, reads `&` as `and` and drops punctuation, so `WALL·E`, `Wall-E` and
`wall e` agree, as do `8½` and `8 1/2`; `spelling` is the form misspellings are compared in, `title_numbers` what
tells sequels apart (shared by the MovieLens matcher and TMDb's). A typed query is `Heat (1995)`, a bare title or an
IMDb id (`tt0113277`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_FRACTIONS = str.maketrans({"½": " 1/2", "¼": " 1/4", "¾": " 3/4", "⅓": " 1/3", "⅔": " 2/3"})
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "&": " and "})
_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[\W_]+")
_LEADING_ARTICLE = re.compile(r"^(the|a|an) (?=\S)")
_QUERY_YEAR = re.compile(r"^(?P<title>.*\S)\s*\((?P<year>\d{4})\)\s*$")
_ROMAN = re.compile(r"(?=[ivxl])x{0,3}(ix|iv|v?i{0,3})|xl|l")
_NUMBER = re.compile(r"[0-9]{1,9}")  # not str.isdigit(): it takes "፩", which int() refuses


def normalize(title: str) -> str:
    """The comparison form of a title: `Amélie` -> `amelie`, `WALL·E` -> `wall e`, `8½` -> `8 1 2`."""
    text = title.translate(_FRACTIONS)
    if text.isascii():  # most titles: no accents to strip
        text = text.lower()
    else:
        for _ in range(2):  # twice: case folding can expose new accents and decomposition new capitals
            text = unicodedata.normalize("NFKD", text)
            text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _APOSTROPHES.sub("", text.translate(_FOLD))
    return " ".join(_NON_WORD.sub(" ", text).split())


def without_article(key: str) -> str:
    return _LEADING_ARTICLE.sub("", key)


def spelling(key: str) -> str:
    """Spelling form: no article, Roman numerals as digits, no spaces: `Old Boy` = `Oldboy`, `Rocky IV` = `Rocky 4`."""
    return "".join(str(_roman(t)) if _ROMAN.fullmatch(t) else t for t in without_article(key).split())


def title_numbers(key: str) -> frozenset[int]:
    """The numbers in a normalised title, Arabic or Roman (`ii` = 2): what tells sequels apart."""
    return frozenset(
        int(t) if _NUMBER.fullmatch(t) else _roman(t)
        for t in key.split()
        if _NUMBER.fullmatch(t) or _ROMAN.fullmatch(t)
    )


def _roman(numeral: str) -> int:
    values = [{"i": 1, "v": 5, "x": 10, "l": 50}[c] for c in numeral]
    return sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0], strict=True))


@dataclass(frozen=True)
class FilmQuery:
    """What is known of a film outside MovieLens. The matcher reads only these four attributes, so any object that
    has them (a Letterboxd `FilmEntry`, for one) can be matched as it is."""

    title: str
    year: int | None = None
    tmdb_id: int | None = None
    imdb_id: int | None = None


def parse_query(text: str) -> FilmQuery:
    """`Heat (1995)` -> FilmQuery("Heat", 1995); `tt0113277` -> an IMDb id; anything else is a bare title."""
    text = " ".join(text.split())
    if re.fullmatch(r"tt\d{5,9}", text):
        return FilmQuery(title=text, imdb_id=int(text[2:]))
    if match := _QUERY_YEAR.match(text):
        year = int(match.group("year"))
        if 1870 <= year <= 2100:
            return FilmQuery(title=match.group("title"), year=year)
    return FilmQuery(title=text)
