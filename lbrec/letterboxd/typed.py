"""Titles a person types, as a history: `Heat (1995); The Matrix; Amélie`, the last taken as the most recent."""

from __future__ import annotations

import re

from lbrec.catalog.normalize import parse_query
from lbrec.errors import FilmQueryError, LetterboxdError
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory

MAX_TYPED = 500  # titles in one typed list
MAX_TYPED_CHARS = 50_000


def parse_typed(text: str) -> LetterboxdHistory:
    """`Heat (1995); The Matrix; Amélie`: titles separated by commas, semicolons or new lines (or a TMDb id,
    `tmdb:949`, as the command line offers among TMDb's namesakes).

    A title may contain commas when it ends with its year: `Crouching Tiger, Hidden Dragon (2000), Heat`.
    Films keep the order typed (the last is taken as the most recent). Raises `LetterboxdError` for a list too long
    to be a history (more than 500 titles or 50,000 characters, a title over 300).
    """
    if len(text) > MAX_TYPED_CHARS:
        raise LetterboxdError(f"the list of titles is too long ({len(text):,} characters; at most {MAX_TYPED_CHARS:,})")
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
        if tmdb := TMDB_FILM.match(title):  # "tmdb:500002": the one of TMDb's namesakes a person means
            films.append(FilmEntry("", tmdb_id=int(tmdb.group(1) or tmdb.group(2)), source="typed"))
            continue
        query = parse_query(title)
        films.append(FilmEntry(query.title, query.year, imdb_id=query.imdb_id, source="typed"))
    return LetterboxdHistory(films, source="typed")


LETTERBOXD_FILM = re.compile(
    r"^(?:https?://)?(?:www\.)?letterboxd\.com/(?:[A-Za-z0-9_]+/)?film/([a-z0-9][a-z0-9-]*)/?"
    r"(?:[?#].*)?$"
)
TMDB_FILM = re.compile(
    r"^(?:tmdb:\s*(\d{1,9})|(?:https?://)?(?:www\.)?themoviedb\.org/movie/(\d{1,9})[-\w]*/?)$", re.IGNORECASE
)
IMDB_FILM = re.compile(r"^(?:https?://)?(?:www\.|m\.)?imdb\.com/title/(tt\d{7,9})/?(?:[?#].*)?$", re.IGNORECASE)


def parse_film_query(text: str) -> FilmEntry:
    """One film asked about: `Heat (1995)`, `https://letterboxd.com/film/heat-1995/`, `tmdb:949` or a TMDb link,
    `tt0113277` or an IMDb link. A Letterboxd slug gives the title (and the year when the slug ends with one).
    Raises `FilmQueryError` for an empty or overlong query."""
    query = " ".join(text.split())
    if not query:
        raise FilmQueryError('an empty film query: type a title such as "Heat (1995)" or paste a film\'s link')
    if len(query) > 300:
        raise FilmQueryError(f"{query[:40]!r}... is too long to be a film title or link")
    if match := LETTERBOXD_FILM.match(query):
        slug = match.group(1)
        year = re.search(r"-((?:18|19|20)\d\d)$", slug)
        title = " ".join((slug[: year.start()] if year else slug).split("-")) or slug
        return FilmEntry(title, int(year.group(1)) if year else None, slug=slug, source="typed")
    if match := TMDB_FILM.match(query):
        return FilmEntry("", tmdb_id=int(match.group(1) or match.group(2)), source="typed")
    if match := IMDB_FILM.match(query):
        query = match.group(1)
    if "letterboxd.com" in query.lower() or query.lower().startswith(("http://", "https://")):
        raise FilmQueryError(
            f"{query[:80]} is not a film's link: use https://letterboxd.com/film/<name>/, a TMDb or an IMDb film link"
        )
    parsed = parse_query(query)
    return FilmEntry(parsed.title, parsed.year, imdb_id=parsed.imdb_id, source="typed")
