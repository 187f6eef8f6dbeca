""" "Not for me" and "seen it" on the command line: `--not-for-me` and `--seen` take typed titles or a
Letterboxd list CSV on recommend, rank, similar and group; marked films never come back, a title not found fails in
one line before any history is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.process import run_lbrec

TITLES = "Heat (1995); Alien (1979); The Matrix (1999)"
LIST_HEADER = (
    "Letterboxd list export v7\r\nDate,Name,Tags,URL,Description\r\n2026-01-01,Not for me,,,\r\n\r\n"
    "Position,Name,Year,URL,Description\r\n"
)


def films(done, key: str) -> list[dict]:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)[key]


def label(film: dict) -> str:
    return f"{film['title']} ({film['year']})"


def test_marked_films_never_come_back_in_any_question(ml_small_model_dir: Path, tmp_path: Path) -> None:
    model = ["--model", str(ml_small_model_dir), "--json"]
    first = films(run_lbrec("recommend", "--titles", TITLES, "-k", "6", *model), "recommendations")
    refused, seen = first[0], first[1]
    csv = tmp_path / "not-for-me.csv"
    csv.write_text(LIST_HEADER + f'1,"{refused["title"]}",{refused["year"]},,\r\n', encoding="utf-8")
    marks = ["--not-for-me", str(csv), "--seen", label(seen)]
    again = films(run_lbrec("recommend", "--titles", TITLES, "-k", "6", *model, *marks), "recommendations")
    assert len(again) == 6 and {refused["movieId"], seen["movieId"]}.isdisjoint(f["movieId"] for f in again)
    among = "; ".join(label(f) for f in first)
    ranked = films(run_lbrec("rank", "--titles", TITLES, "--among", among, *model, *marks), "ranking")
    assert refused["movieId"] not in {f["movieId"] for f in ranked} and len(ranked) == 5
    assert [f["movieId"] for f in ranked if f["watched"]] == [seen["movieId"]]
    like = films(run_lbrec("similar", "Heat (1995)", "-k", "20", *model), "similar")
    marked = films(
        run_lbrec(
            "similar", "Heat (1995)", "-k", "20", *model, "--not-for-me", label(like[0]), "--seen", label(like[1])
        ),
        "similar",
    )
    assert {like[0]["movieId"], like[1]["movieId"]}.isdisjoint(f["movieId"] for f in marked) and len(marked) == 20
    members = ["--member", f"titles:{TITLES}", "--member", "titles:Toy Story (1995); Up (2009)"]
    group = films(run_lbrec("group", *members, "-k", "3", *model), "recommendations")
    apart = films(run_lbrec("group", *members, "-k", "3", *model, "--not-for-me", label(group[0])), "recommendations")
    assert group[0]["movieId"] not in {f["movieId"] for f in apart} and len(apart) == 3


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--not-for-me", "Qwxyzzy (1999)", "a film marked “not for me” was not found: 'Qwxyzzy (1999)'"),
        ("--seen", "missing-list.csv", "cannot read the “seen it” list missing-list.csv"),
    ],
)
def test_a_mark_that_cannot_be_read_fails_in_one_line(
    ml_small_model_dir: Path, option: str, value: str, message: str
) -> None:
    done = run_lbrec("recommend", "--model", str(ml_small_model_dir), "--rss", "nobody-here", option, value)
    assert done.returncode == 1 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1
