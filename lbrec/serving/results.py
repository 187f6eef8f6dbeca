"""What the engine answers with: plain records whose field names are the JSON API (`recommend --json`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lbrec.catalog.matches import MatchedHistory


@dataclass(frozen=True)
class FilmRef:
    movieId: int  # noqa: N815 (the JSON field names are the API)
    title: str
    year: int | None


@dataclass
class Recommendation:
    movieId: int  # noqa: N815
    title: str
    year: int | None
    genres: list[str]
    score: float
    because: list[FilmRef]
    tmdbId: int | None  # noqa: N815
    imdbId: int | None  # noqa: N815
    links: dict[str, str]

    def to_dict(self) -> dict:
        return asdict(self)


def links_for(tmdb_id: int | None, imdb_id: int | None) -> dict[str, str]:
    links = {}
    if tmdb_id is not None:
        links["letterboxd"] = f"https://letterboxd.com/tmdb/{tmdb_id}/"
        links["tmdb"] = f"https://www.themoviedb.org/movie/{tmdb_id}"
    if imdb_id is not None:
        links["imdb"] = f"https://www.imdb.com/title/tt{imdb_id:07d}/"
    return links


def report(matched: MatchedHistory | None, recommendations: Sequence[Recommendation]) -> dict:
    """The answer as `python -m lbrec recommend --json` prints it and the app saves it: matched, unmatched,
    recommendations."""
    films = matched.to_json() if matched is not None else {"matched": [], "unmatched": []}
    return {**films, "recommendations": [r.to_dict() for r in recommendations]}
