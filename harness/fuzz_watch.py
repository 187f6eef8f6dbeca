"""Fuzzing where to watch's outside input: the country given (`--country`, the app's menu), the service names
(`--service`), and TMDb's watch-provider answers (a film's block and a country's list of services), mutated from a
realistic answer. Same harness and checks as `harness.fuzz`: accepted and well formed, or refused with one of
lbrec's exceptions and a one-line message; TMDb's answers are never refused, only read down to what is usable."""

from __future__ import annotations

import copy
import json
from functools import cache
from random import Random

import pycountry
from hypothesis import strategies as st

from harness.fuzz import HOSTILE, hostile_text, parsed
from lbrec.tmdb.countries import country_choices, validate_country
from lbrec.tmdb.watch import (
    KINDS,
    Provider,
    compact_providers,
    is_compact,
    offered_providers,
    resolve_services,
    watch_in,
)

LOOKALIKES = ["ＧＢ", "GΒ", "Gв", "G B", "G\u200bB", "GB\x00", "gb\n", "ǄǄ", "İT", "ß", "ﬀ", "\u0130S", "ɢʙ"]
SERVICES = [
    "Netflix",
    "Amazon Prime Video",
    "Disney Plus",
    "MUBI",
    "BBC iPlayer",
    "Apple TV",
    "Now TV",
    "Netflix basic with Ads",
    "Channel 4",
    "BFI Player",
    "Curzon Home Cinema",
    "Sky Go",
    "ITVX",
    "Tubi TV",
]
OFFERED = [Provider(i + 1, name, "") for i, name in enumerate(SERVICES)]


@cache
def _country_words() -> tuple[str, ...]:
    countries = list(pycountry.countries)
    return tuple(
        sorted(
            {c.alpha_2 for c in countries}
            | {c.alpha_3 for c in countries}
            | {c.name for c in countries}
            | {c.numeric for c in countries}
            | {"UK", "EL", "EU", "XK", "AN", "YU", "SU"}
        )
    )


def _recased(text: str, rng: Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def country_text() -> st.SearchStrategy[str]:
    """Codes and names in any case and spacing, two-letter pairs of anything, look-alike letters, hostile text."""
    word = st.tuples(st.sampled_from(_country_words()), st.randoms(use_true_random=True)).map(
        lambda pair: _recased(pair[0], pair[1])
    )
    padded = st.tuples(st.sampled_from(["", " ", "\t", "  ", "\u00a0", "\n"]), word, st.sampled_from(["", " ", "\r\n"]))
    codes = st.tuples(
        st.sampled_from(sorted(code for _, code in country_choices())), st.randoms(use_true_random=True)
    ).map(lambda pair: _recased(pair[0], pair[1]))
    return st.one_of(
        codes,
        word,
        padded.map("".join),
        st.text(min_size=2, max_size=2),
        st.sampled_from(LOOKALIKES),
        hostile_text(),
        st.text(max_size=200),
    )


def check_country(text: str) -> None:
    code = parsed(lambda: validate_country(text))
    if code is not None:
        assert code in {c for _, c in country_choices()} and code == text.strip().upper() and code.isascii()


def _service_name() -> st.SearchStrategy[str]:
    real = st.tuples(st.sampled_from(SERVICES), st.randoms(use_true_random=True)).map(
        lambda pair: _recased(pair[0], pair[1])
    )
    typo = st.tuples(st.sampled_from(SERVICES), st.integers(0, 40), st.sampled_from(["", "+", "x", " ", "\x00"])).map(
        lambda t: t[0][: t[1] % (len(t[0]) + 1)] + t[2] + t[0][t[1] % (len(t[0]) + 1) + 1 :]
    )
    return st.one_of(real, typo, hostile_text(), st.text(max_size=300))


def service_names() -> st.SearchStrategy[list[str]]:
    """Half the cases name real services only (in any case), so that acceptance is tested as much as refusal."""
    real = st.tuples(st.sampled_from(SERVICES), st.randoms(use_true_random=True)).map(
        lambda pair: _recased(pair[0], pair[1])
    )
    return st.one_of(st.lists(real, max_size=6), st.lists(_service_name(), max_size=6))


def check_services(names: list[str]) -> None:
    found = parsed(lambda: resolve_services(names, OFFERED, "GB"))
    if found is not None:
        assert found <= set(SERVICES)
        assert {n.casefold() for n in found} == {" ".join(n.split()).casefold() for n in names}


# ---------------------------------------------------------------------------------------------------- TMDb's answers


def _provider(provider_id: int, name: str, priority: int) -> dict:
    return {
        "logo_path": f"/logo{provider_id}.jpg",
        "provider_id": provider_id,
        "provider_name": name,
        "display_priority": priority,
    }


@cache
def _realistic_block() -> dict:
    """A film's watch/providers block shaped like TMDb's: three countries, every kind of offer."""
    gb = {
        "link": "https://www.themoviedb.org/movie/949-heat/watch?locale=GB",
        "flatrate": [_provider(8, "Netflix", 0), _provider(11, "MUBI", 4)],
        "ads": [_provider(1796, "Netflix basic with Ads", 90)],
        "free": [_provider(38, "BBC iPlayer", 7)],
        "rent": [_provider(2, "Apple TV", 6), _provider(10, "Amazon Video", 9)],
        "buy": [_provider(2, "Apple TV", 6)],
    }
    return {
        "id": 949,
        "results": {
            "GB": gb,
            "US": {**gb, "flatrate": [_provider(15, "Hulu", 2)]},
            "DE": {"buy": [_provider(3, "Google Play Movies", 13)]},
        },
    }


def json_value() -> st.SearchStrategy[object]:
    """Any JSON value, hostile scalars among them (huge integers, NaN, markup, control characters): what a
    mutation puts into an answer."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True),
        st.sampled_from(HOSTILE),
        st.text(max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
        max_leaves=8,
    )


def mutated(document: object, rng: Random, value: object) -> object:
    """Replace, drop or repeat one node of `document` (in place where it can), returning the document."""
    parents = [document]
    while rng.random() < 0.8:
        node = parents[-1]
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        child = node[rng.choice(keys)] if keys else None
        if not isinstance(child, (dict, list)) or not keys:
            break
        parents.append(child)
    node = parents[-1]
    keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
    if not keys:
        return value if len(parents) == 1 else document
    key, action = rng.choice(keys), rng.choice(["replace", "replace", "drop", "repeat", "rename"])
    if action == "replace":
        node[key] = value
    elif action == "drop":
        del node[key]
    elif action == "repeat" and isinstance(node, list):
        node.extend([node[key]] * rng.choice([1, 50, 3000]))
    elif isinstance(node, dict):
        renamed = rng.choice(["gb", "G", "GBR", "flatrate ", "provider_id", "results", "12", str(value)[:8]])
        node[renamed] = node.pop(key)
    return document


@st.composite
def provider_answers(draw: st.DrawFn) -> object:
    """TMDb's block for a film or its list of a country's services, with 1-5 nodes replaced, dropped, repeated or
    renamed; now and then not JSON-shaped at all."""
    offered = {
        "results": [
            {**_provider(8, "Netflix", 1), "display_priorities": {"GB": 0, "US": 3}},
            {**_provider(11, "MUBI", 2), "display_priorities": {"GB": 4}},
        ]
    }
    document = copy.deepcopy(draw(st.sampled_from([_realistic_block(), offered])))
    rng = draw(st.randoms(use_true_random=True))
    for _ in range(draw(st.integers(1, 5))):
        document = mutated(document, rng, draw(json_value()))
    return document


def check_provider_answer(answer: object) -> None:
    """Never raises: what is usable is kept, in the cached form, and reads back as JSON-ready options."""
    compact = compact_providers(answer)
    assert is_compact(compact) and "\r" not in compact
    countries = [line.split("\t")[0] for line in compact.split("\n") if line[:1].isalpha()]
    assert all(len(line.split("\t")) == (2 if line[:1].isalpha() else 3) for line in compact.split("\n") if line)
    for country in [*countries, "FR"]:
        watch = watch_in(compact, country, 949, "https://image.tmdb.org/t/p/w92")
        json.dumps(watch.to_json(), allow_nan=False)
        assert all("\n" not in p.name and p.name.strip() for kind in KINDS.values() for p in getattr(watch, kind))
    for country in ("GB", "US", "ZZ"):
        rows = offered_providers(answer, country)
        assert all(type(i) is int and isinstance(n, str) and n for i, n, _ in rows)
        assert len({i for i, _, _ in rows}) == len(rows)
