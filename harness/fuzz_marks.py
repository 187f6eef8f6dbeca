"""Fuzzing "not for me" and "seen it": the films given on the command line (`--not-for-me`, `--seen`: typed titles
or a list CSV) and what the page's memory sends the kernel from the visitor's localStorage (anyone can edit it).
Same harness and checks as `harness.fuzz`: the marks are films the catalog knows, or a one-line refusal; the
page's messages are read down to what is well formed, never refused and never raising."""

from __future__ import annotations

from hypothesis import strategies as st

from harness.fuzz import fuzz_catalog, hostile_text, parsed, typed_text
from harness.fuzz_questions import list_csv
from lbrec.app.memory import KINDS, MARKS, MAX_MARKS, MAX_SERVICES, MAX_TITLE, TMDB_ID, read_message
from lbrec.ask.options import marked_films
from lbrec.tmdb.countries import country_choices

KNOWN = frozenset(range(1, 14))  # the fuzz catalog's movieIds
CODES = frozenset(code for _, code in country_choices())


def marked_input() -> st.SearchStrategy[str | bytes]:
    """Typed titles (hostile ones too) or a list CSV's bytes, as `--not-for-me` and `--seen` take them."""
    return st.one_of(typed_text(), list_csv())


def check_marks(value: str | bytes) -> None:
    marks = parsed(lambda: marked_films(fuzz_catalog(), value, "not for me"))
    if marks is not None:
        assert isinstance(marks, frozenset) and marks <= KNOWN


def _json_values() -> st.SearchStrategy[object]:
    """Anything JSON holds, as the page's JSON.parse would give it to the kernel."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63),
        st.floats(allow_nan=False),
        hostile_text(),
        st.sampled_from([*KINDS, *MARKS, "movieId", "tmdbId", "mark", "GB", "it"]),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=6)
            | st.dictionaries(
                st.one_of(
                    st.sampled_from(["type", "movieId", "tmdbId", "title", "mark", "memory", "marks", "country"]),
                    hostile_text(),
                ),
                inner,
                max_size=6,
            )
        ),
        max_leaves=30,
    )


def _movie_id() -> st.SearchStrategy[object]:
    return st.one_of(
        st.sampled_from(sorted(KNOWN)),
        st.integers(-5, 2**40),
        st.booleans(),
        st.floats(),
        st.text(max_size=8),
        st.none(),
    )


def _mark() -> st.SearchStrategy[object]:
    """A mark of the model's film, or of one only TMDb knows (by its TMDb id, with a title)."""
    mark = st.one_of(st.sampled_from(sorted(MARKS)), _json_values())
    return st.fixed_dictionaries({"movieId": _movie_id(), "mark": mark}) | st.fixed_dictionaries(
        {"tmdbId": _movie_id(), "mark": mark}, optional={"title": st.one_of(hostile_text(), _json_values())}
    )


def page_message() -> st.SearchStrategy[object]:
    """Well-formed messages, each part bent, and anything JSON holds."""
    marks = st.lists(st.one_of(_mark(), _json_values()), max_size=40) | st.just(
        [{"movieId": 1, "mark": "seen"}] * (MAX_MARKS + 5)
    )
    services = (
        st.lists(
            st.one_of(st.sampled_from(["Netflix", "MUBI", " Netflix ", ""]), hostile_text(), _json_values()),
            max_size=40,
        )
        | _json_values()
    )
    memory = st.fixed_dictionaries(
        {
            "version": _json_values(),
            "marks": marks | _json_values(),
            "country": st.one_of(st.sampled_from(sorted(CODES)), hostile_text()),
            "services": services,
        }
    )
    kinds = st.one_of(st.sampled_from(KINDS), _json_values())
    return st.one_of(
        st.fixed_dictionaries({"type": st.just("restore"), "memory": memory | _json_values()}),
        st.fixed_dictionaries({"type": kinds, "movieId": _movie_id(), "mark": st.sampled_from(sorted(MARKS))}),
        st.fixed_dictionaries({"type": kinds, "movieId": _movie_id()}),
        st.fixed_dictionaries({"type": kinds, "tmdbId": _movie_id(), "mark": st.sampled_from(sorted(MARKS))}),
        _json_values(),
    )


def check_page_message(content: object) -> None:
    message = read_message(content, KNOWN.__contains__, CODES)
    if message is None:
        return
    assert message.kind in KINDS and len(message.marks) <= MAX_MARKS
    assert all(type(n) is int and 0 < n < 2**31 and (key == TMDB_ID or n in KNOWN) for key, n in message.marks)
    assert set(message.titles) == {n for key, n in message.marks if key == TMDB_ID} or message.kind == "undo"
    assert all(isinstance(t, str) and len(t) <= MAX_TITLE for t in message.titles.values())
    if message.kind == "undo":
        assert list(message.marks.values()) == [""]
    else:
        assert all(mark in MARKS for mark in message.marks.values())
        assert message.kind != "mark" or len(message.marks) == 1
    assert message.country == "" or message.country in CODES
    assert len(message.services) <= MAX_SERVICES and len(set(message.services)) == len(message.services)
    assert all(isinstance(s, str) and s == s.strip() and 0 < len(s) <= 100 for s in message.services)
    assert message.country or not message.services
