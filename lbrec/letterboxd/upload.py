"""What a person uploads, recognised by its content rather than its name: a Letterboxd export ZIP, or IMDb's Your
Ratings CSV with, if given, its Watchlist CSV beside it. A single CSV of a Letterboxd export (or a list) and any other
file are refused in one line that says what to upload instead."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lbrec.errors import LetterboxdError
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.history import LetterboxdHistory
from lbrec.letterboxd.imdb import read_imdb


def read_upload(data: bytes, name: str, watchlist: bytes = b"") -> LetterboxdHistory:
    """An uploaded file, recognised by its content: a Letterboxd export ZIP, or IMDb's Your Ratings CSV (with, if
    given, its Watchlist CSV)."""
    if data[:2] == b"PK":
        if watchlist:
            raise LetterboxdError("a Letterboxd export holds its own watchlist: upload the ZIP alone")
        return read_export(data, name)
    first = data[:2000].lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].lower()
    if b"letterboxd uri" in first or first.startswith(b"letterboxd list export"):
        raise LetterboxdError(
            f"{name} is one file of a Letterboxd export (or a list): upload the whole export ZIP, "
            f"as Letterboxd gives it"
        )
    if b"," not in first or b"\x00" in data[:2000]:
        raise LetterboxdError(f"{name} is neither a Letterboxd export ZIP nor an IMDb ratings CSV")
    return read_imdb(data, watchlist or None)


def pair_upload(files: Sequence[tuple[str, bytes]]) -> tuple[str, bytes, bytes]:
    """The files uploaded together as (name, content, IMDb watchlist): one Letterboxd export ZIP or IMDb ratings
    CSV, or IMDb's ratings and watchlist CSVs (in either order: the ratings are the one with a rating column)."""
    if len(files) <= 1:
        name, data = files[0] if files else ("", b"")
        return name, data, b""
    rated = [f for f in files if re.search(rb"your rating|you rated", f[1][:2000].split(b"\n", 1)[0].lower())]
    if len(files) > 2 or len(rated) != 1:
        raise LetterboxdError(
            "upload one Letterboxd export ZIP, or IMDb's ratings CSV and, if you like, its watchlist CSV (two files)"
        )
    watchlist = next(f for f in files if f is not rated[0])
    return rated[0][0], rated[0][1], watchlist[1]
