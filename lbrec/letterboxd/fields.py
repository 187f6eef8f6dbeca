"""The field parsers every Letterboxd source shares: usernames, years, ratings, dates, film slugs, safe quoting.

Each raises `ValueError` (or `InvalidUsernameError`) with a message that names where the bad value was; the
source's parser turns it into its own documented error.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from lbrec.catalog.normalize import normalize
from lbrec.errors import InvalidUsernameError

USERNAME = re.compile(r"[A-Za-z0-9_]{2,15}")  # Letterboxd: 2-15 letters, digits or underscores


def validate_username(text: str) -> str:
    """A Letterboxd username from `name`, `@name` or a letterboxd.com profile link; refuse anything else with
    `InvalidUsernameError`, before any request: only the name goes into the paths requested from letterboxd.com."""
    value = text.strip()
    if "/" in value:
        try:
            parts = urlsplit(value if "://" in value else "https://" + value)
        except ValueError:  # e.g. an unclosed "[" reads as a broken IPv6 address
            raise InvalidUsernameError(
                f"{text[:80]!r} is not a Letterboxd profile link (https://letterboxd.com/NAME/)"
            ) from None
        if parts.netloc.lower() not in ("letterboxd.com", "www.letterboxd.com") or parts.scheme.lower() not in (
            "http",
            "https",
        ):  # no port, no user@, no backslash, no ftp://
            raise InvalidUsernameError(f"{text[:80]!r} is not a Letterboxd profile link (https://letterboxd.com/NAME/)")
        value = parts.path.strip("/").split("/")[0] if parts.path.strip("/") else ""
    value = value.removeprefix("@")
    if not USERNAME.fullmatch(value):
        raise InvalidUsernameError(
            f"{text[:80]!r} is not a Letterboxd username (2 to 15 letters, digits or underscores)"
        )
    return value


def film_key(title: str, year: int | None) -> tuple[str, int | None]:
    return normalize(title), year


def parse_year(text: str, where: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]{4}", text) and 1870 <= int(text) <= 2100:  # str.isdigit() also takes "²"
        return int(text)
    raise ValueError(f"{where}: year {text[:20]!r} is not a year")


def parse_rating(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: rating {text[:20]!r} is not a number") from None
    if not (0.5 <= value <= 5 and value * 2 == int(value * 2)):
        raise ValueError(f"{where}: rating {text[:20]!r} is not between 0.5 and 5 stars in halves")
    return value


def parse_date(text: str, where: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: date {text[:30]!r} is not YYYY-MM-DD") from None


def oneline(text: str, limit: int = 200) -> str:
    """Outside text fit for a one-line message: control characters (new lines included) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text[:limit])


def slug_from_link(link: str) -> str | None:
    """`https://letterboxd.com/user/film/heat-1995/1/` or `/film/heat-1995/` -> `heat-1995`."""
    match = re.search(r"/film/([a-z0-9][a-z0-9-]*)/", link)
    return match.group(1) if match else None
