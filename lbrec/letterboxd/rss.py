"""A member's RSS feed (https://letterboxd.com/<username>/rss/): the latest 50 diary entries, with watched dates,
ratings, likes and TMDb ids.

Parsed by defusedxml: a DTD's entities (billion laughs) and external references (XXE) are refused with
`MarkupError`, as is anything that is not a Letterboxd feed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from lbrec.errors import MarkupError, UserNotFoundError
from lbrec.letterboxd.client import Client
from lbrec.letterboxd.fields import (
    USERNAME,
    film_key,
    oneline,
    parse_date,
    parse_rating,
    parse_year,
    slug_from_link,
    validate_username,
)
from lbrec.letterboxd.history import FilmEntry, LetterboxdHistory, time_order


def parse_rss(xml: str | bytes) -> LetterboxdHistory:
    """A member's RSS feed (latest 50 diary entries): films with watched dates, ratings and TMDb ids.

    List items and TV entries (`tmdb:tvId`) are skipped; feeds from before the tmdb namespace parse too. Parsed by
    defusedxml: a DTD's entities (billion laughs) and external references (XXE) are refused with `MarkupError`,
    as is anything that is not a Letterboxd feed.
    """
    try:
        root = SafeElementTree.fromstring(xml.encode("utf-8", "surrogatepass") if isinstance(xml, str) else xml)
    except DefusedXmlException:
        raise MarkupError("the RSS feed declares XML entities or a DTD, which lbrec refuses to expand") from None
    except (ParseError, LookupError, ValueError) as exc:  # LookupError, ValueError: an encoding expat cannot read
        raise MarkupError(f"the RSS feed is not valid XML ({oneline(str(exc))})") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise MarkupError(
            f"this is not an RSS feed (root element <{_local(root.tag)[:40]}>): expected "
            f"https://letterboxd.com/<username>/rss/"
        )
    username = _rss_username(channel)
    by_film: dict[object, FilmEntry] = {}
    for number, item in enumerate(channel.findall("item"), start=1):
        fields = {_local(child.tag): (child.text or "").strip() for child in item}
        guid = fields.get("guid", "")
        if "filmTitle" not in fields:
            if guid.startswith(("letterboxd-watch-", "letterboxd-review-")):
                raise MarkupError(
                    f"RSS item {number} ({oneline(guid, 80)}) is a diary entry without "
                    f"letterboxd:filmTitle: the feed format is not understood"
                )
            continue  # a list, or anything else that is not a film
        if "tvId" in fields:
            continue  # a TV series: MovieLens has films only
        try:
            entry = _rss_entry(fields, f"RSS item {number}")
        except ValueError as exc:
            raise MarkupError(f"{exc}: the feed format is not understood") from None
        key = entry.slug or entry.tmdb_id or film_key(entry.title, entry.year)
        if (previous := by_film.get(key)) is not None:
            newest, oldest = sorted([previous, entry], key=lambda f: f.when or date.min, reverse=True)
            entry = replace(
                newest,
                rating=newest.rating if newest.rating is not None else oldest.rating,
                liked=newest.liked or oldest.liked,
                rewatch=True,
            )
        by_film[key] = entry
    return LetterboxdHistory(time_order(by_film.values()), source="rss", username=username)


def _rss_entry(fields: dict[str, str], where: str) -> FilmEntry:
    title = fields["filmTitle"]
    if not title:
        raise ValueError(f"{where} has an empty film title")
    published = None
    if fields.get("pubDate"):
        try:
            published = parsedate_to_datetime(fields["pubDate"]).date()
        except (TypeError, ValueError, IndexError, OverflowError):  # a day of 10**20 overflows datetime
            raise ValueError(f"{where}: pubDate {fields['pubDate'][:40]!r} is not a date") from None
    tmdb = fields.get("movieId", "")
    if tmdb and not re.fullmatch(r"[0-9]{1,12}", tmdb):
        raise ValueError(f"{where}: tmdb:movieId {tmdb[:20]!r} is not a number")
    return FilmEntry(
        title=title,
        year=parse_year(fields.get("filmYear", ""), where),
        rating=parse_rating(fields.get("memberRating", ""), where),
        liked=fields.get("memberLike", "").lower() == "yes",
        watched_date=parse_date(fields.get("watchedDate", ""), where),
        date=published,
        rewatch=fields.get("rewatch", "").lower() == "yes",
        tmdb_id=int(tmdb) if tmdb else None,
        slug=slug_from_link(fields.get("link", "")),
        source="rss",
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rss_username(channel: Element) -> str | None:
    link = (channel.findtext("link") or "").strip()
    path = urlsplit(link).path.strip("/").split("/")
    return path[0] if path and USERNAME.fullmatch(path[0]) else None


def fetch_rss(username: str, client: Client | None = None) -> LetterboxdHistory:
    """The latest 50 diary entries from https://letterboxd.com/<username>/rss/."""
    user = validate_username(username)
    try:
        page = (client or Client()).get(f"/{user}/rss/")
    except UserNotFoundError:
        raise UserNotFoundError(
            f"Letterboxd has no member called {user!r}: check the spelling "
            f"(https://letterboxd.com/{user}/ should open in a browser)"
        ) from None
    history = parse_rss(page.text)
    history.username = history.username or user
    return history
