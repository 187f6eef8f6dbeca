"""Titles a person types, as a history: `Heat (1995); The Matrix; Amélie`, the last taken as the most recent."""

from __future__ import annotations

import re

from lbrec.catalog.normalize import parse_query
from lbrec.errors import LetterboxdError
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory

MAX_TYPED = 500  # titles in one typed list
MAX_TYPED_CHARS = 50_000


def parse_typed(text: str) -> LetterboxdHistory:
    """`Heat (1995); The Matrix; Amélie`: titles separated by commas, semicolons or new lines.

    A title may contain commas when it ends with its year: `Crouching Tiger, Hidden Dragon (2000), Heat`.
    Films keep the order typed (the last is taken as the most recent). Raises `LetterboxdError` for a list too long
    to be a history (more than 500 titles or 50,000 characters, a title over 300).
    """
    if len(text) > MAX_TYPED_CHARS:
        raise LetterboxdError(f"the list of titles is too long ({len(text):,} characters; at most "
                              f"{MAX_TYPED_CHARS:,})")
    titles = []
    for line in re.split(r"[;\n\r]+", text):
        pieces = re.split(r"(?<=\(\d{4}\))\s*,", line)  # split after "(1995)," first: those titles are whole
        for piece in pieces:
            titles += [piece] if re.search(r"\(\d{4}\)\s*$", piece) else piece.split(",")
    titles = [" ".join(t.split()) for t in titles if t.strip()]
    if len(titles) > MAX_TYPED:
        raise LetterboxdError(f"too many titles ({len(titles)}; at most {MAX_TYPED})")
    films = []
    for title in titles:
        if len(title) > 300:
            raise LetterboxdError(f"{title[:40]!r}... is too long to be a film title")
        query = parse_query(title)
        films.append(FilmEntry(query.title, query.year, imdb_id=query.imdb_id, source="typed"))
    return LetterboxdHistory(films, source="typed")
