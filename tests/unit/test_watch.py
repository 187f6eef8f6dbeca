"""Where to watch without a server: TMDb's providers block read into the cached form (malformed parts left out),
one country's options and their JSON, what counts as streaming, service names and country codes checked."""

from __future__ import annotations

import pytest

from lbrec.errors import WhereToWatchError
from lbrec.tmdb.countries import country_choices, country_name, validate_country
from lbrec.tmdb.watch import Provider, compact_providers, is_compact, offered_providers, resolve_services, watch_in

NETFLIX = {"provider_id": 8, "provider_name": "Netflix", "logo_path": "/n.jpg", "display_priority": 5}
MUBI = {"provider_id": 11, "provider_name": "MUBI", "logo_path": "/m.png", "display_priority": 1}
APPLE = {"provider_id": 2, "provider_name": "Apple TV", "logo_path": None, "display_priority": 3}
BLOCK = {
    "results": {
        "GB": {
            "link": "https://evil.example/",
            "flatrate": [NETFLIX, MUBI, NETFLIX],
            "rent": [APPLE],
            "buy": [APPLE],
            "ads": [],
            "tv": [NETFLIX],
        },
        "US": {"free": [{**NETFLIX, "display_priority": None}]},
    }
}
LOGOS = "https://image.tmdb.org/t/p/w92"


def test_the_block_is_kept_compact_in_display_order_without_duplicates() -> None:
    compact = compact_providers(BLOCK)
    assert compact == "\n11\tMUBI\t/m.png\n8\tNetflix\t/n.jpg\n2\tApple TV\t\nGB\t11,8|||2|2\nUS\t|8|||\n"
    assert is_compact(compact)


def test_one_countrys_options_and_their_json() -> None:
    gb = watch_in(compact_providers(BLOCK), "GB", 949, LOGOS)
    assert gb.stream == (Provider(11, "MUBI", f"{LOGOS}/m.png"), Provider(8, "Netflix", f"{LOGOS}/n.jpg"))
    assert gb.to_json() == {
        "country": "GB",
        "stream": ["MUBI", "Netflix"],
        "free": [],
        "ads": [],
        "rent": ["Apple TV"],
        "buy": ["Apple TV"],
        "link": "https://www.themoviedb.org/movie/949/watch?locale=GB",
    }  # never TMDb's link text
    assert list(gb.to_json()) == ["country", "stream", "free", "ads", "rent", "buy", "link"]
    assert watch_in(compact_providers(BLOCK), "FR", 949, LOGOS).is_empty()


def test_streaming_is_a_subscription_free_or_ads_in_any_case() -> None:
    compact = compact_providers(BLOCK)
    gb, us = watch_in(compact, "GB", 949, LOGOS), watch_in(compact, "US", 949, LOGOS)
    assert gb.streams_on({"netflix"}) and gb.streams_on(["Hulu", "mubi"]) and us.streams_on({"NETFLIX"})
    assert not gb.streams_on({"Apple TV"}) and not gb.streams_on(set())  # rent and buy are not streaming


@pytest.mark.parametrize(
    "block",
    [
        None,
        [],
        "x",
        {"results": []},
        {"results": {"GB": "x"}},
        {"results": {"GB": {"flatrate": {"a": 1}}}},
        {"results": {"gbr": {}}},
        {
            "results": {
                "GB": {
                    "flatrate": [
                        {"provider_id": True, "provider_name": "X"},
                        {"provider_id": 10**12, "provider_name": "X"},
                        {"provider_id": 4, "provider_name": " \x00 "},
                        {"provider_id": 5, "provider_name": 5},
                    ]
                }
            }
        },
    ],
)
def test_a_malformed_block_offers_nothing(block: object) -> None:
    assert compact_providers(block) == "\n"


def test_names_are_one_line_and_logos_only_plain_paths() -> None:
    odd = {"provider_id": 9, "provider_name": "Prime\nVideo\u200b" + "x" * 300, "logo_path": "//evil.example/a.png"}
    (provider,) = watch_in(compact_providers({"results": {"GB": {"flatrate": [odd]}}}), "GB", 1, LOGOS).stream
    assert provider.name.startswith("Prime Video x") and len(provider.name) == 100 and provider.logo == ""


@pytest.mark.parametrize("compact", [None, {}, "", "GB\t8||||\n", "\nGB\t8||||"])
def test_a_damaged_cached_form_is_recognised(compact: object) -> None:
    assert not is_compact(compact)


@pytest.mark.parametrize("line", ["8|||", "8||||||", "9||||", "7||||", "8,,8||||", "x||||", "8|||| ", "8,||||"])
def test_a_damaged_country_fails_when_read(line: str) -> None:
    compact = f"\n8\tNetflix\t\n9\tBroken\n7\t\t/x.png\nGB\t{line}\n"
    with pytest.raises(ValueError):
        watch_in(compact, "GB", 1, LOGOS)
    assert watch_in(compact, "FR", 1, LOGOS).is_empty()  # the other countries still read


def test_a_country_is_asked_for_by_its_code() -> None:
    with pytest.raises(WhereToWatchError):
        watch_in(compact_providers(BLOCK), "gb", 1, LOGOS)


def test_the_services_of_a_country_come_in_its_own_display_order() -> None:
    answer = {
        "results": [
            {**NETFLIX, "display_priorities": {"GB": 7, "US": 0}},
            {**MUBI, "display_priorities": {}},
            {**APPLE, "display_priorities": {"GB": 2}},
            "junk",
            {**APPLE},
        ]
    }
    assert offered_providers(answer, "GB") == [[11, "MUBI", "/m.png"], [2, "Apple TV", ""], [8, "Netflix", "/n.jpg"]]
    assert offered_providers({"results": "x"}, "GB") == [] and offered_providers(None, "GB") == []


OFFERED = [
    Provider(8, "Netflix", ""),
    Provider(337, "Disney Plus", ""),
    Provider(11, "MUBI", ""),
    Provider(1796, "Netflix basic with Ads", ""),
]


def test_service_names_are_matched_in_any_case_as_tmdb_spells_them() -> None:
    assert resolve_services(["netflix", " disney   PLUS "], OFFERED, "GB") == {"Netflix", "Disney Plus"}
    assert resolve_services([], OFFERED, "GB") == frozenset()


@pytest.mark.parametrize(
    "name, message",
    [
        ("Disney+", "no service called 'Disney+' in GB (close names: Disney Plus"),
        ("Hulu", "no service called 'Hulu' in GB (4 services are listed there)"),
        ("   ", "a service name is empty"),
    ],
)
def test_an_unknown_service_is_one_line_with_the_closest_names(name: str, message: str) -> None:
    with pytest.raises(WhereToWatchError) as refused:
        resolve_services(["Netflix", name], OFFERED, "GB")
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)
    with pytest.raises(WhereToWatchError, match="TMDb lists no service there"):
        resolve_services(["Hulu"], [], "XK")


@pytest.mark.parametrize("text, code", [("GB", "GB"), ("gb", "GB"), (" us ", "US"), ("Fr", "FR"), ("AQ", "AQ")])
def test_a_country_code_in_any_case(text: str, code: str) -> None:
    assert validate_country(text) == code


@pytest.mark.parametrize(
    "text, hint",
    [
        ("UK", "did you mean GB (United Kingdom)?"),
        ("United Kingdom", "did you mean GB (United Kingdom)?"),
        ("deu", "did you mean DE (Germany)?"),
        ("Germny", "did you mean DE (Germany)?"),
        ("ZZ", "e.g. GB, US, FR or DE"),
        ("", "e.g. GB, US, FR or DE"),
        ("G\nB", "e.g. GB, US, FR or DE"),
    ],
)
def test_anything_else_is_refused_with_the_code_meant(text: str, hint: str) -> None:
    with pytest.raises(WhereToWatchError) as refused:
        validate_country(text)
    message = str(refused.value)
    assert message.endswith(hint) and "is not a country code (ISO 3166-1, two letters)" in message
    assert "\n" not in message


def test_the_country_menu_lists_every_code_by_name() -> None:
    choices = country_choices()
    assert len(choices) == 249 and ("United Kingdom", "GB") in choices and ("Bolivia", "BO") in choices
    assert [name.casefold() for name, _ in choices] == sorted(name.casefold() for name, _ in choices)
    assert country_name("GB") == "United Kingdom" and country_name("XK") == "XK"
