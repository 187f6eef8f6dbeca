"""Countries for where to watch: ISO 3166-1 alpha-2 codes (what TMDb's `watch_region` takes) and their names.

The codes and names come from `pycountry`, which follows the ISO 3166 Maintenance Agency's changes release by
release: a hand-kept table of 249 codes would drift (codes are added and withdrawn) and its names would be ours.
A code is accepted in any case; anything else is refused in one line that suggests the code meant, if any
("UK" and "United Kingdom" both suggest GB).
"""

from __future__ import annotations

import functools
import re

import pycountry
from rapidfuzz import fuzz, process

from lbrec.errors import WhereToWatchError

ALPHA_2 = re.compile(r"[A-Za-z]{2}")
_NOT_ISO = {"UK": "GB", "EL": "GR"}  # codes people use that ISO 3166-1 gives to no country (or another)


@functools.cache
def _names() -> dict[str, str]:
    """Code -> name, the common name where ISO's is formal ("Bolivia", not "Bolivia, Plurinational State of")."""
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


def country_name(code: str) -> str:
    """The name of a code (`validate_country`'s answer); the code itself for one ISO does not list."""
    return _names().get(code, code)


def country_choices() -> list[tuple[str, str]]:
    """(name, code) for every country, by name: the app's country menu."""
    return sorted(((name, code) for code, name in _names().items()), key=lambda pair: pair[0].casefold())


def validate_country(text: str) -> str:
    """The ISO 3166-1 alpha-2 code in `text` (any case, spaces around ignored), upper case."""
    given = str(text).strip()
    if ALPHA_2.fullmatch(given) and given.upper() in _names():
        return given.upper()
    guess = _guess(given)
    hint = f": did you mean {guess} ({country_name(guess)})?" if guess else ", e.g. GB, US, FR or DE"
    raise WhereToWatchError(f"{given[:40]!r} is not a country code (ISO 3166-1, two letters){hint}")


def _guess(given: str) -> str | None:
    """The code someone typing `given` most likely meant, or None."""
    given = given[:100]
    if given.upper() in _NOT_ISO:
        return _NOT_ISO[given.upper()]
    try:
        return pycountry.countries.lookup(given).alpha_2  # an alpha-3 code, a numeric code or a name
    except LookupError:
        pass
    if len(given) < 4:
        return None
    by_name = {name.casefold(): code for code, name in _names().items()}
    best = process.extractOne(given.casefold(), list(by_name), scorer=fuzz.WRatio, score_cutoff=85)
    return by_name[best[0]] if best else None
