"""Films of every year on the command line: with the person's own TMDb key (a loopback TMDb here), `recommend` reads
the films the model lacks on TMDb and adds films newer than the model beside its own, each saying where it came
from; TMDb's faults leave the model's answer as it is, with one line on what is missing; without a key, one line
says how many films a key would add."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.files import REPO, SHARED
from harness.tmdb_server import DOWN, NETFLIX, REFUSED, V3_KEY, LoopbackTmdb, nonsense, offers
from lbrec.serving.results import MODEL, TMDB
from tests.helpers.files import need
from tests.helpers.tmdb_films import ANORA, FILMS, HAMNET, SECRET_AGENT, SIRAT

TYPED = "Heat (1995); Alien (1979); Anora (2024); Sirāt (2025)"
FEED = SHARED / "fixtures-research" / "rss" / "samueldiamond_letterboxd_2026-08.xml"


def recommend(model: Path, tmdb: LoopbackTmdb | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != "TMDB_API_KEY"}
    if tmdb is not None:
        env |= {"TMDB_API_KEY": V3_KEY, "LBREC_TMDB_URL": tmdb.url}
    command = [sys.executable, "-m", "lbrec", "recommend", "--model", str(model), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


@pytest.fixture
def tmdb() -> LoopbackTmdb:
    with LoopbackTmdb(FILMS) as server:
        yield server


def test_with_a_key_the_films_the_model_lacks_are_read_and_newer_films_offered(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb
) -> None:
    done = recommend(ml_small_model_dir, tmdb, "--titles", TYPED, "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert {m["tmdbId"] for m in answer["tmdb"]["matched"]} == {ANORA, SIRAT}  # read on TMDb, by title and year
    assert len(answer["recommendations"]) == 10 and {f["origin"] for f in answer["recommendations"]} == {MODEL}
    newer = answer["newer"]
    assert newer and {f["origin"] for f in newer} == {TMDB} and all(f["movieId"] is None for f in newer)
    assert {SECRET_AGENT, HAMNET} <= {f["tmdbId"] for f in newer}  # TMDb's recommendations for Anora and Sirāt
    assert not {ANORA, SIRAT} & {f["tmdbId"] for f in newer}  # never a film the person gave
    assert all(f["because"] for f in newer if f["year"] >= 2019)  # the loved films that led there
    assert len(tmdb.hits) <= 2 + 4 + 1  # the two lookups, one list per seed with a TMDb id, one page of releases


def test_the_text_answer_shows_the_newer_films_after_the_model_s(ml_small_model_dir: Path, tmdb: LoopbackTmdb) -> None:
    done = recommend(ml_small_model_dir, tmdb, "--titles", TYPED, "--years", "2020:2026")
    assert done.returncode == 0, done.stderr  # the model has no film of those years: the newer ones answer
    assert "Films the model does not know" in done.stdout and "The Secret Agent (2025)" in done.stdout
    assert "TMDb knows 2 of your 2 films the model lacks" in done.stderr


def test_without_a_key_one_line_says_what_a_key_adds(ml_small_model_dir: Path) -> None:
    done = recommend(ml_small_model_dir, None, "--titles", TYPED, "--json")
    assert done.returncode == 0, done.stderr
    assert "2 of your films are newer than this model's films (up to 2018): with a TMDb key" in done.stderr
    assert "newer" not in json.loads(done.stdout)


@pytest.mark.parametrize(
    "fault, line",
    [
        (DOWN, "TMDb did not answer for some films"),
        (nonsense("wrong types"), "TMDb did not answer for some films"),
        (REFUSED, "TMDb refused the API key"),
    ],
)
def test_tmdb_s_faults_leave_the_model_s_answer_as_it_is(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb, fault: object, line: str
) -> None:
    without = recommend(ml_small_model_dir, None, "--titles", TYPED, "--json")
    tmdb.fail(fault)  # type: ignore[arg-type]
    done = recommend(ml_small_model_dir, tmdb, "--titles", TYPED, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["recommendations"] == json.loads(without.stdout)["recommendations"]
    assert line in done.stderr and "Traceback" not in done.stderr


def test_a_2026_feed_is_read_whole_with_a_key(ml_small_model_dir: Path, tmdb: LoopbackTmdb) -> None:
    need(FEED, "the saved 2026 RSS feed")
    # every film of the feed (the default reads its films rated 4 stars or more: measured best for a feed)
    done = recommend(ml_small_model_dir, tmdb, "--rss", str(FEED), "--from", "all", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    read = len(answer["matched"]) + len(answer["tmdb"]["matched"])
    assert read >= 45, (len(answer["matched"]), answer["tmdb"])  # the feed carries each film's TMDb id


def test_with_a_country_the_newer_films_say_where_to_watch_them(ml_small_model_dir: Path) -> None:
    rows = [{**row, "providers": {"GB": offers(row["id"], flatrate=[NETFLIX])}} if row.get("id") == SECRET_AGENT
            else row for row in FILMS]  # fmt: skip
    with LoopbackTmdb(rows) as tmdb:
        done = recommend(ml_small_model_dir, tmdb, "--titles", TYPED, "--country", "GB", "--json")
    assert done.returncode == 0, done.stderr
    watch = {f["tmdbId"]: f.get("watch") for f in json.loads(done.stdout)["newer"]}
    assert watch[SECRET_AGENT]["country"] == "GB" and watch[SECRET_AGENT]["stream"] == ["Netflix"]


def test_tmdb_s_namesakes_are_named_with_what_to_type_and_the_one_typed_is_read(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb
) -> None:
    asked = recommend(ml_small_model_dir, tmdb, "--titles", "Heat (1995); Alien (1979); Home (2024)", "-k", "3")
    assert asked.returncode == 0, asked.stderr
    line = next(line for line in asked.stderr.splitlines() if "TMDb has several films for Home (2024)" in line)
    assert "Documentary" in line and "(tmdb:500002)" in line and "(tmdb:500001)" in line and "type the one" in line
    assert "TMDb knows 0 of your 1 films" in asked.stderr
    typed = recommend(ml_small_model_dir, tmdb, "--titles", "Heat (1995); Alien (1979); tmdb:500002", "--json")
    assert typed.returncode == 0, typed.stderr
    answer = json.loads(typed.stdout)
    assert [m["tmdbId"] for m in answer["tmdb"]["matched"]] == [500002]  # the documentary, read by its TMDb id
    assert "not used: tmdb:500002" not in typed.stderr


def question(model: Path, tmdb: LoopbackTmdb | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != "TMDB_API_KEY"}
    if tmdb is not None:
        env |= {"TMDB_API_KEY": V3_KEY, "LBREC_TMDB_URL": tmdb.url}
    command = [sys.executable, "-m", "lbrec", *args, "--model", str(model)]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


def test_a_list_of_newer_films_is_ranked_beside_the_model_s_not_dropped(
    ml_small_model_dir: Path, tmdb: LoopbackTmdb
) -> None:
    among = "Fargo (1996); Hamnet (2025); The Secret Agent (2025); Heat (1986)"
    done = question(ml_small_model_dir, tmdb, "rank", "--titles", TYPED, "--among", among, "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    ranked = {(f["title"], f["origin"]) for f in answer["ranking"]}
    assert {("Hamnet", TMDB), ("The Secret Agent", TMDB), ("Heat", TMDB), ("Fargo", MODEL)} == ranked
    percentiles = [f["percentile"] for f in answer["ranking"]]
    assert percentiles == sorted(percentiles, reverse=True) and all(0 < p <= 100 for p in percentiles)
    assert {"Hamnet (2025)", "The Secret Agent (2025)"} <= {m["query"] for m in answer["tmdb"]["matched"]}
    without = question(ml_small_model_dir, None, "rank", "--titles", TYPED, "--among", among, "--json")
    assert [f["title"] for f in json.loads(without.stdout)["ranking"]] == ["Fargo"]  # the others named, not found


def test_would_i_like_a_film_newer_than_the_model(ml_small_model_dir: Path, tmdb: LoopbackTmdb) -> None:
    done = question(ml_small_model_dir, tmdb, "predict", "Anora (2024)", "The Secret Agent (2025)", "--titles",
                    "Heat (1995); Sirāt (2025)")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert re.search(r"Anora \(2024\): (top [0-9.]+%|bottom [0-9]+%) for you: ", done.stdout), done.stdout
    assert "of TMDb's films for you: the model does not know it" in done.stdout
    assert "The Secret Agent (2025)" in done.stdout
    refused = question(ml_small_model_dir, None, "predict", "Anora (2024)", "--titles", "Heat (1995)")
    assert refused.returncode == 1 and "Anora" in refused.stderr  # without a key: one line, no answer


def test_more_like_a_2025_film(ml_small_model_dir: Path, tmdb: LoopbackTmdb) -> None:
    done = question(ml_small_model_dir, tmdb, "similar", "Sirāt (2025)", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["similar"] == [] and answer["newer"]  # the model does not know Sirāt: TMDb's films answer
    assert all(f["origin"] == TMDB and [r["title"] for r in f["because"]] == ["Sirāt"] for f in answer["newer"])
    assert [m["query"] for m in answer["tmdb"]["matched"]] == ["Sirāt (2025)"] and answer["unmatched"] == []
    without = question(ml_small_model_dir, None, "similar", "Sirāt (2025)")
    assert without.returncode == 1 and "Sirāt" in without.stderr


def test_a_group_gets_newer_films_with_every_member_s_fit(ml_small_model_dir: Path, tmdb: LoopbackTmdb) -> None:
    members = ["--member", "titles:Heat (1995); Anora (2024)", "--member", "titles:Alien (1979); Sirāt (2025)"]
    done = question(ml_small_model_dir, tmdb, "group", *members, "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    labels = [m["label"] for m in answer["members"]]
    assert answer["recommendations"] and answer["newer"]
    for film in answer["newer"]:
        assert film["origin"] == TMDB and set(film["fit"]) == set(labels)
        assert all(0 <= fit <= 100 for fit in film["fit"].values())
        assert film["score"] == pytest.approx(sum(film["fit"].values()) / len(labels), abs=0.1)
    assert not {ANORA, SIRAT} & {f["tmdbId"] for f in answer["newer"]}  # nobody is offered what one of them saw
