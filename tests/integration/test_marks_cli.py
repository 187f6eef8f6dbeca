""" "Not for me" and "seen it" on the command line: `--not-for-me` and `--seen` take typed titles or a
Letterboxd list CSV on recommend, rank, similar and group; marked films never come back, a title not found fails in
one line before any history is read. With a TMDb key (a loopback TMDb), the films the model lacks are looked up on
TMDb and marked by their TMDb id: never among the newer films, listed as marked in a ranking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.tmdb_server import V3_KEY, LoopbackTmdb
from lbrec.ask.answers import REFUSED
from lbrec.ask.options import NOT_ON_TMDB
from tests.helpers.process import run_lbrec
from tests.helpers.tmdb_films import FILMS, HAMNET, SECRET_AGENT

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


def with_key(tmdb: LoopbackTmdb) -> dict[str, str]:
    return {"TMDB_API_KEY": V3_KEY, "LBREC_TMDB_URL": tmdb.url}


def test_with_a_key_films_only_tmdb_knows_are_marked_too(ml_small_model_dir: Path, tmp_path: Path) -> None:
    model = ["--model", str(ml_small_model_dir), "--json"]
    typed = ["--titles", "Heat (1995); Alien (1979); Anora (2024); Sirāt (2025)"]
    csv = tmp_path / "seen.csv"
    csv.write_text(LIST_HEADER + "1,Hamnet,2025,,\r\n2,Qwxyzzy,1999,,\r\n", encoding="utf-8")  # one neither knows
    with LoopbackTmdb(FILMS) as tmdb:
        first = run_lbrec("recommend", *typed, *model, env=with_key(tmdb))
        marks = ["--not-for-me", "The Secret Agent (2025); Heat (1986)", "--seen", str(csv)]
        again = run_lbrec("recommend", *typed, *model, *marks, env=with_key(tmdb))
        among = ["--among", "Fargo (1996); The Secret Agent (2025); Hamnet (2025)"]
        ranked = run_lbrec("rank", *typed, *among, *model, *marks, env=with_key(tmdb))
        refused = run_lbrec("recommend", *typed, *model, "--seen", "Qwxyzzy (2024)", env=with_key(tmdb))
    newer = {f["tmdbId"] for f in films(first, "newer")}
    assert {SECRET_AGENT, HAMNET, 26175} <= newer  # Heat (1986): a namesake MovieLens lacks
    left = {f["tmdbId"] for f in films(again, "newer")}
    assert left and not {SECRET_AGENT, HAMNET, 26175} & left
    assert films(again, "recommendations") == films(first, "recommendations")  # the model's films are not these
    ranking = {f["title"]: f["watched"] for f in films(ranked, "ranking")}
    assert ranking == {"Fargo": False, "Hamnet": True}  # seen: kept and marked; "not for me": not ranked
    assert {"query": "The Secret Agent (2025)", "reason": REFUSED, "candidates": []} in json.loads(ranked.stdout)[
        "not_ranked"
    ]
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "a film marked “seen it” was not found: 'Qwxyzzy (2024)'" in refused.stderr
    assert f"TMDb: {NOT_ON_TMDB}" in refused.stderr
