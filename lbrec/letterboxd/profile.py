"""A member's profile pages: every film they logged (72 to a page, with ratings and likes) and their watchlist.

Two markups are understood, the 2025-26 one and the legacy one; a page that is neither a grid of films nor a member
page that says it has none raises `MarkupError`, never an empty history. The pages carry no dates: the RSS feed's
dated entries are merged in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bs4 import BeautifulSoup, Tag

from lbrec.catalog.normalize import parse_query
from lbrec.errors import LetterboxdError, MarkupError
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.fields import oneline, parse_year, validate_username
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory, time_order
from lbrec.letterboxd.rss import fetch_rss, get_user_page

MAX_PAGES = 300  # 72 films a page: 21,600 films; beyond that the export is the sensible route


@dataclass(frozen=True)
class GridPage:
    """One page of a member's films or watchlist grid."""

    films: list[FilmEntry]
    last_page: int


_EMPTY_TEXT = re.compile(r"\b(no films|hasn.t (watched|added|rated|logged)|has not (watched|added)|"
                         r"nothing (here|yet)|is empty|no entries)\b", re.IGNORECASE)


def parse_grid_page(html: str, what: str = "films page") -> GridPage:
    """A `/<user>/films/` or `/<user>/watchlist/` page, in the 2025-26 markup (`li.griditem` with a LazyPoster
    react-component, the film id only in `data-postered-identifier` since April 2026) or the legacy one
    (`li.poster-container > div.film-poster[data-film-slug]`). Raises `MarkupError` unless the page is
    either a grid of films or a member page that says it has none.
    """
    if not re.search(r"</html\s*>\s*$", html[-4000:], re.IGNORECASE):
        raise MarkupError(f"the {what} ends before </html>: it arrived truncated; try again")
    soup = BeautifulSoup(html, "lxml")
    films = [f for f in (_grid_item(li) for li in soup.select("li.griditem, li.poster-container")) if f]
    if not films:
        body = soup.body
        member_page = body is not None and (body.has_attr("data-owner") or "screen-member" in " ".join(
            body.get("class", [])))
        main = soup.select_one("section.col-main, #content") or body
        grids = main.select("ul.poster-list, ul.grid, div.poster-grid") if main is not None else []
        items = [li for grid in grids for li in grid.select("li")]
        says_empty = main is not None and not items and (
            bool(grids) or _EMPTY_TEXT.search(main.get_text(" ")) is not None)
        if not (member_page and says_empty):
            raise MarkupError(f"the {what} was not understood: no film posters in either known markup "
                              f"(Letterboxd may have changed its pages). Use your RSS feed or data export instead.")
    return GridPage(films, _last_page(soup))


def _grid_item(li: Tag) -> FilmEntry | None:
    poster = li.select_one("[data-item-slug], [data-film-slug], [data-item-name]")
    if poster is None:
        return None
    name = str(poster.get("data-item-name") or poster.get("data-film-name") or "")
    slug = str(poster.get("data-item-slug") or poster.get("data-film-slug") or "").strip("/")
    slug = slug.removeprefix("film/") or None
    if not name:  # legacy markup: the title is the poster's alt text, without the year
        image = li.select_one("img[alt]")
        name = str(image["alt"]).removeprefix("Poster for ") if image else ""
    query = parse_query(name)
    if not query.title:
        raise MarkupError(f"a poster for {oneline(slug or 'a film', 80)} has no title in the page")
    year = query.year
    if year is None and poster.get("data-film-release-year"):
        try:
            year = parse_year(str(poster["data-film-release-year"]), f"the poster for {name[:80]!r}")
        except ValueError as exc:
            raise MarkupError(str(exc)) from None
    viewing = li.select_one("p.poster-viewingdata")
    rating = None
    liked = False
    if viewing is not None:
        stars = viewing.select_one("span.rating")
        for cls in stars.get("class", []) if stars else []:
            if match := re.fullmatch(r"rated-(\d+)", cls):
                half_stars = int(match.group(1)) if re.fullmatch(r"[0-9]{1,2}", match.group(1)) else 0
                if not 1 <= half_stars <= 10:
                    raise MarkupError(f"rating class {cls[:40]!r} for {name[:80]!r} is not 1-10 half-stars")
                rating = half_stars / 2
        liked = viewing.select_one(".icon-liked, .liked-micro") is not None
    return FilmEntry(title=query.title, year=year, rating=rating, liked=liked, slug=slug, source="profile")


def _last_page(soup: BeautifulSoup) -> int:
    texts = (e.get_text(strip=True) for e in soup.select(".paginate-pages li"))
    numbers = [int(t) for t in texts if re.fullmatch(r"[0-9]{1,7}", t)]
    return max(numbers, default=1)


def fetch_profile(username: str, client: Client | None = None, *, watchlist: bool = True) -> LetterboxdHistory:
    """Every film on a public profile (all pages) with ratings and likes, the RSS feed's dates and TMDb ids, and
    the watchlist. Stops with a clear error when Letterboxd blocks the requests (use RSS or the export then)."""
    user = validate_username(username)
    client = client or Client()
    rss = fetch_rss(user, client)
    films = _fetch_grid(user, "films", client)
    saved = _fetch_grid(user, "watchlist", client) if watchlist else []
    by_slug = {f.slug: f for f in rss.films if f.slug}
    merged = []
    for entry in reversed(films):  # Letterboxd lists the newest first
        dated = by_slug.pop(entry.slug, None) if entry.slug else None
        if dated is not None:
            entry = replace(dated, rating=entry.rating if entry.rating is not None else dated.rating,
                            liked=entry.liked or dated.liked, source="profile")
        merged.append(entry)
    merged += by_slug.values()
    rest = [f for f in rss.films if not f.slug]
    return LetterboxdHistory(time_order(merged + rest), list(reversed(saved)), source="profile", username=user)


def _fetch_grid(user: str, section: str, client: Client) -> list[FilmEntry]:
    what = f"{section} page of {user}"
    first = get_user_page(client, f"/{user}/{section}/", user)
    page = parse_grid_page(first.text, f"{what} ({first.url})")
    if page.last_page > MAX_PAGES:
        raise LetterboxdError(f"{user}'s {section} run to {page.last_page} pages; lbrec reads at most {MAX_PAGES}. "
                              f"Use your data export instead (Settings > Data > Export your data).")
    films = list(page.films)
    rest = client.get_many([f"/{user}/{section}/page/{n}/" for n in range(2, page.last_page + 1)])
    for other in rest:
        films += parse_grid_page(other.text, f"{what} ({other.url})").films
    return films
