"""Where to watch a film in one country, from TMDb's watch providers (whose data comes from JustWatch).

TMDb's answer is outside input: it is read into a compact form that keeps only what a card and the filter need
(per country, the providers offered to stream, free, with ads, to rent and to buy, each an id, a name and a logo
path, in TMDb's display_priority order), and anything malformed in it is left out, never raised. The compact form
is what the client caches: a line per provider and a line of ids per country, so that reading 100 films' providers
back and finding one country in each costs milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from lbrec.errors import WhereToWatchError

# TMDb's names for the kinds of offer, and ours (the JSON's keys): "flatrate" is a subscription.
KINDS = {"flatrate": "stream", "free": "free", "ads": "ads", "rent": "rent", "buy": "buy"}
STREAMING_KINDS = ("stream", "free", "ads")  # what `--service` asks for: no extra payment per film
JUSTWATCH_ATTRIBUTION = "Where to watch: data from JustWatch, through TMDb."
JUSTWATCH_URL = "https://www.justwatch.com/"
TMDB_WATCH_PAGE = "https://www.themoviedb.org/movie/{tmdb_id}/watch?locale={country}"
LOGO_PATH = re.compile(r"/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp|svg)")
COUNTRY_KEY = re.compile(r"[A-Z]{2}")
_REGION_LINE = re.compile(r"[0-9,]{0,4000}(\|[0-9,]{0,4000}){4}")
MAX_NAME = 100  # characters of a provider's name kept
MAX_PROVIDERS = 400  # per answer: TMDb lists about 50 in a big country


@dataclass(frozen=True)
class Provider:
    """A streaming service or shop; `logo` is the URL of its logo on TMDb's image CDN ("" when it has none)."""

    id: int
    name: str
    logo: str


@dataclass(frozen=True)
class Watch:
    """A film's options in one country, each kind in TMDb's display order; `link` is the film's watch page."""

    country: str
    stream: tuple[Provider, ...]
    free: tuple[Provider, ...]
    ads: tuple[Provider, ...]
    rent: tuple[Provider, ...]
    buy: tuple[Provider, ...]
    link: str

    def to_json(self) -> dict:
        """The film's `"watch"` entry in the JSON answers: provider names, kind by kind, and the link."""
        return {
            "country": self.country,
            **{kind: [p.name for p in getattr(self, kind)] for kind in KINDS.values()},
            "link": self.link,
        }

    def streams_on(self, services: Iterable[str]) -> bool:
        """Whether one of `services` (names, any case) streams the film here: by subscription, free or with ads."""
        wanted = {name.casefold() for name in services}
        return any(p.name.casefold() in wanted for kind in STREAMING_KINDS for p in getattr(self, kind))

    def is_empty(self) -> bool:
        return not any(getattr(self, kind) for kind in KINDS.values())


def _provider_entry(
    raw: object, names: dict[tuple[str, object], tuple[str, str]] | None = None
) -> tuple[int, str, str, int] | None:
    """(id, name, logo path, display priority) from one of TMDb's provider objects, None when it is unusable;
    `names` remembers the cleaned name and logo of each (name, logo) seen: a film's block repeats them by country."""
    if not isinstance(raw, Mapping):
        return None
    provider_id, name, logo = raw.get("provider_id"), raw.get("provider_name"), raw.get("logo_path")
    if type(provider_id) is not int or not isinstance(name, str) or not 0 < provider_id < 10**9:
        return None
    key = (name, logo)
    cleaned = names.get(key) if names is not None and isinstance(logo, (str, type(None))) else None
    if cleaned is None:
        if not name.isprintable():
            name = "".join(c if c.isprintable() else " " for c in name)
        cleaned = (
            " ".join(name.split())[:MAX_NAME],
            logo if isinstance(logo, str) and LOGO_PATH.fullmatch(logo) else "",
        )
        if names is not None and isinstance(logo, (str, type(None))):
            names[key] = cleaned
    if not cleaned[0]:
        return None
    priority = raw.get("display_priority")
    return provider_id, cleaned[0], cleaned[1], priority if type(priority) is int else 10**6


def compact_providers(block: object) -> str:
    """TMDb's `watch/providers` block (`{"results": {"GB": {"flatrate": [...], ...}}}`) in the cached form: text of
    one line per provider (`8<tab>Netflix<tab>/n.jpg`) and one per country, its offers as ids kind by kind in `KINDS`
    order (`GB<tab>8,11|38||2,10|2`), every line between newlines. Reading a film back finds its country's line and
    the lines of the services in it with `str.find`, decoding nothing else (TMDb lists about 140 countries); names
    hold no tab or newline (`_provider_entry` turns what is not printable into spaces)."""
    results = block.get("results") if isinstance(block, Mapping) else None
    providers: dict[int, str] = {}
    regions: list[str] = []
    names: dict[tuple[str, object], tuple[str, str]] = {}
    for country, offers in results.items() if isinstance(results, Mapping) else ():
        if not isinstance(country, str) or not COUNTRY_KEY.fullmatch(country) or not isinstance(offers, Mapping):
            continue
        lines = []
        for tmdb_kind in KINDS:
            listed = offers.get(tmdb_kind)
            entries = [
                e
                for raw in (listed if isinstance(listed, list) else ())[:MAX_PROVIDERS]
                if (e := _provider_entry(raw, names)) is not None
            ]
            ids: dict[int, None] = {}
            for provider_id, name, logo, _ in sorted(entries, key=lambda e: e[3]):
                ids[provider_id] = None
                providers.setdefault(provider_id, f"{provider_id}\t{name}\t{logo}")
            lines.append(",".join(map(str, ids)))
        if any(lines):
            regions.append(f"{country}\t{'|'.join(lines)}")
    return "\n" + "".join(f"{line}\n" for line in [*providers.values(), *regions])


def is_compact(compact: object) -> bool:
    """Whether `compact` has the cached form's outer shape (what a country holds is checked when it is read)."""
    return isinstance(compact, str) and compact.startswith("\n") and compact.endswith("\n")


def _line(compact: str, key: str) -> str | None:
    """The rest of the line that starts with `key` and a tab, None when there is none."""
    at = compact.find(f"\n{key}\t")
    return None if at < 0 else compact[at + len(key) + 2 : compact.index("\n", at + 1)]


def watch_in(compact: str, country: str, tmdb_id: int, logo_url: str) -> Watch:
    """One country's options from the cached form (an empty `Watch` when the film is offered nowhere there);
    `ValueError` when what the cache holds for that country is damaged."""
    if not COUNTRY_KEY.fullmatch(country):
        raise WhereToWatchError(f"{country[:40]!r} is not a country code (ISO 3166-1, two letters, upper case)")
    line = _line(compact, country) or "||||"
    if not _REGION_LINE.fullmatch(line):
        raise ValueError(f"a damaged entry for {country}")
    kinds = []
    for ids in line.split("|"):
        found = []
        for provider_id in ids.split(",") if ids else ():
            name, logo = (_line(compact, provider_id) or "").split("\t")  # a ValueError when damaged
            if not name:
                raise ValueError(f"a damaged entry for {country}")
            found.append(Provider(int(provider_id), name, logo_url + logo if logo else ""))
        kinds.append(tuple(found))
    return Watch(country, *kinds, link=TMDB_WATCH_PAGE.format(tmdb_id=int(tmdb_id), country=country))


def offered_providers(answer: object, country: str) -> list[list]:
    """The services TMDb lists for a country (`/3/watch/providers/movie`), as `[id, name, logo path]` rows in the
    country's display order: what the app's multi-select offers and what `--service` names are checked against."""
    results = answer.get("results") if isinstance(answer, Mapping) else None
    rows: list[tuple[int, list]] = []
    seen: set[int] = set()
    for raw in (results if isinstance(results, list) else ())[: MAX_PROVIDERS * 5]:
        entry = _provider_entry(raw)
        if entry is None or entry[0] in seen:
            continue
        seen.add(entry[0])
        by_country = raw.get("display_priorities")
        priority = by_country.get(country) if isinstance(by_country, Mapping) else None
        rows.append((priority if type(priority) is int else entry[3], [entry[0], entry[1], entry[2]]))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]


def resolve_services(names: Iterable[str], offered: Iterable[Provider], country: str) -> frozenset[str]:
    """The services named (any case, spaces squeezed) as TMDb spells them in `country`; a name TMDb does not list
    there is refused in one line that offers the closest names."""
    by_folded = {p.name.casefold(): p.name for p in offered}
    found = set()
    for given in names:
        name = " ".join(str(given).split())
        if not name:
            raise WhereToWatchError("a service name is empty: give one as TMDb lists it, e.g. --service Netflix")
        if name.casefold() in by_folded:
            found.add(by_folded[name.casefold()])
            continue
        close = process.extract(
            name.casefold()[:MAX_NAME], list(by_folded), scorer=fuzz.WRatio, limit=3, score_cutoff=60
        )
        hint = (
            f"close names: {', '.join(by_folded[c] for c, _, _ in close)}"
            if close
            else f"{len(by_folded)} services are listed there"
            if by_folded
            else "TMDb lists no service there"
        )
        raise WhereToWatchError(f"no service called {name[:40]!r} in {country} ({hint})")
    return frozenset(found)
