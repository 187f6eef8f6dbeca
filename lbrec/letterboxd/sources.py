"""One entry point for every source, for the app and the CLI, and a history matched to MovieLens.

    history = load_history("export", "letterboxd-me-2026.zip", allow_files=True)  # or ("rss", "me"), ...
    matched = match_history(history, MatchIndex.load(...), choice="4")
    matched.positives, matched.watched, matched.watchlist, matched.unmatched

Every parser behind it reads outside input, so each either succeeds or raises one of the documented exceptions of
`lbrec.errors` with a one-line message (the fuzz tests hold them to it): `read_export` -> `ExportError`,
`read_imdb` -> `IMDbError`, `parse_rss` -> `MarkupError`, `parse_typed` -> `LetterboxdError`,
`validate_username` -> `InvalidUsernameError`; the fetchers add the network's errors (`lbrec.letterboxd.client`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lbrec.catalog.index import MatchIndex
from lbrec.catalog.matches import MatchedHistory, match_films
from lbrec.errors import EmptyHistoryError, LetterboxdError
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.export import read_export
from lbrec.letterboxd.fields import validate_username
from lbrec.letterboxd.history import DEFAULT_CHOICE, INPUT_KINDS, InputKind, LetterboxdHistory
from lbrec.letterboxd.imdb import read_imdb
from lbrec.letterboxd.rss import fetch_rss, parse_rss
from lbrec.letterboxd.typed import parse_typed
from lbrec.letterboxd.upload import read_upload


def load_history(
    kind: InputKind,
    value: str | bytes | os.PathLike[str],
    *,
    client: Client | None = None,
    allow_files: bool = False,
    name: str = "",
    imdb_watchlist: bytes | str | os.PathLike[str] | None = None,
) -> LetterboxdHistory:
    """One entry point for the app and the CLI.

    - `export`: the ZIP's bytes, or (with `allow_files`, the CLI) a path to the ZIP or the unzipped folder;
    - `rss`: a username or https://letterboxd.com/<username>/rss/, or (with `allow_files`) a saved feed file;
    - `typed`: titles separated by commas, semicolons or new lines;
    - `imdb`: IMDb's Your Ratings CSV (bytes, or with `allow_files` a path), and `imdb_watchlist` its Watchlist CSV;
    - `upload`: an uploaded file's bytes (`name`: its name), recognised by its content (`read_upload`).
    Raises `EmptyHistoryError` when the source holds no films.
    """
    if kind == "upload":
        if not isinstance(value, bytes):
            raise LetterboxdError("an upload is a file's content, not a path")
        history = read_upload(value, name or "the file", imdb_watchlist if isinstance(imdb_watchlist, bytes) else b"")
    elif kind == "export":
        if not (isinstance(value, bytes) or allow_files):
            raise LetterboxdError("the export must be uploaded, not named by path")
        history = read_export(value)
    elif kind == "imdb":
        if not all(isinstance(f, bytes) or allow_files for f in (value, imdb_watchlist) if f is not None):
            raise LetterboxdError("the IMDb files must be uploaded, not named by path")
        history = read_imdb(value, imdb_watchlist)
    elif kind == "rss":
        text = os.fspath(value) if not isinstance(value, bytes) else None
        if allow_files and text is not None and Path(text).is_file():
            history = parse_rss(Path(text).read_bytes())
        elif isinstance(value, bytes):
            history = parse_rss(value)
        else:
            history = fetch_rss(rss_user(str(value)), client)
    elif kind == "typed":
        history = parse_typed(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))
    else:
        raise LetterboxdError(f"unknown input {kind!r}: use {', '.join(INPUT_KINDS)}")
    if not history.films and history.source == "imdb":
        raise EmptyHistoryError(
            "this IMDb file has no films to recommend from"
            + (f" ({history.skipped})" if history.skipped else "")
            + ": rate a few films on IMDb and export again"
        )
    if not history.films:
        who = f"{history.username} has" if history.username else "this input has"
        raise EmptyHistoryError(
            f"{who} no films to recommend from yet ({kind}): log or rate a few films on Letterboxd, or type some titles"
        )
    return history


def rss_user(value: str) -> str:
    """A username from `name` or `https://letterboxd.com/name/rss/`."""
    return validate_username(re.sub(r"/rss/?$", "/", value.strip()))


def match_history(history: LetterboxdHistory, catalog: MatchIndex, choice: str = DEFAULT_CHOICE) -> MatchedHistory:
    """Match the chosen films (and, for exclusion, every watched film and the watchlist; and the disliked ones) to
    MovieLens."""
    return match_films(catalog, history.select(choice), history.films, history.watchlist, history.disliked())
