"""The app's questions beyond "for me" driven on the session (`lbrec.app.session.Questions`), with the hand-made export
and list: what each answers, and a one-line refusal, changing no answer, for each input that leaves nothing to answer.

The model has random weights over the real ml-latest-small catalog (`ml_small_model_dir`): the tests check the
flow, the records and the messages, not the quality of the answers.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from matplotlib.image import imread

from harness.fault_server import FaultServer, Reply
from harness.files import FIXTURES
from lbrec.app.environment import load_engine
from lbrec.app.session import Questions, Session
from lbrec.ask.person import Source
from lbrec.ask.questions import Ask, Member, ToRank
from lbrec.errors import LbrecError
from lbrec.letterboxd.client import Client
from tests.helpers.files import export_zip

TYPED = Source("typed", "Heat (1995)\nAlien (1979)\nThe Matrix (1999)")
EXPORT = Source("upload", export_zip(), "letterboxd-lbrectest-2026-11-25-08-00-utc.zip")
LIST = (FIXTURES / "list_friday.csv").read_bytes()


@pytest.fixture
def questions(ml_small_model_dir: Path) -> Questions:
    return Questions(Session(Ask(*load_engine(ml_small_model_dir), client=Client(cache=False))))


def refused(questions: Questions, ask: object, message: str) -> None:
    """The question is refused with `message`, and the last answer is still the one before."""
    before = questions.answer
    with pytest.raises(LbrecError, match=message):
        ask()  # type: ignore[operator]
    assert questions.answer is before


# ---------------------------------------------------------------------------------------------------- rank


def serve_rss(server: FaultServer) -> None:
    server.route(
        "/lbrectest/rss/",
        Reply(200, (FIXTURES / "rss_2026.xml").read_bytes(), {"Content-Type": "application/rss+xml; charset=utf-8"}),
    )


def test_an_exports_watchlist_is_ranked_with_downloads(questions: Questions) -> None:
    answer = questions.rank(EXPORT, ToRank("watchlist"))
    assert answer.what == "your watchlist" and not answer.unmatched
    assert {r.title for r in answer.films} == {"October Sky", "Paris, Texas"}  # the export's watchlist.csv
    assert [r.score for r in answer.films] == sorted((r.score for r in answer.films), reverse=True)
    assert all(0 < r.percentile <= 100 and not r.watched for r in answer.films)
    files = questions.downloads()
    rows = list(csv.reader(io.StringIO(files["lbrec-rank-list.csv"])))
    assert rows[0] == ["Title", "Year", "tmdbID"] and [r[0] for r in rows[1:]] == [r.title for r in answer.films]
    saved = json.loads(files["lbrec-rank.json"])  # what `rank --json` prints
    assert [f["movieId"] for f in saved["ranking"]] == [r.movieId for r in answer.films]
    assert set(saved) == {"matched", "unmatched", "candidates", "not_ranked", "ranking"}
    assert imread(io.BytesIO(questions.picture()["lbrec-rank.png"])).shape[:2] == (1500, 1200)  # to share


def test_a_list_csv_is_ranked_with_what_was_not_found(questions: Questions) -> None:
    answer = questions.rank(TYPED, ToRank("list", LIST, "list_friday.csv"))
    assert answer.what == "the list “Friday night”"
    assert {r.title for r in answer.films} == {"Fargo", "Toy Story", "Crouching Tiger, Hidden Dragon", "Aliens"}
    assert [missing.query for missing in answer.unmatched] == ["Oppenheimer (2023)"]
    questions.session.set_options(k=2)
    best = questions.rank(TYPED, ToRank("list", LIST, "list_friday.csv"))
    assert [r.movieId for r in best.films] == [r.movieId for r in answer.films[:2]]


def test_every_film_of_a_list_is_ranked_or_named_with_why(questions: Questions) -> None:
    typed = "Unstoppable (2010)\nTicket to Paradise (2022)\nDogs in Space (1986)\nToy Story (1995)\nFargo (1996)"
    toy_story = questions.session.ask.index.match("Toy Story", 1995).movie_id
    questions.session.set_options(not_for_me=frozenset({toy_story}))
    answer = questions.rank(TYPED, ToRank("typed", typed))
    assert [r.title for r in answer.films] == ["Fargo"]
    reasons = {missing.query: missing.reason for missing in answer.unmatched}
    assert reasons == {
        "Unstoppable (2010)": "not in this model's films: MovieLens rates it too rarely for the model to know it",
        "Ticket to Paradise (2022)": "newer than this model's films (they end in 2018)",
        "Dogs in Space (1986)": "not in this model's films: no MovieLens title is close within a year",
        "Toy Story (1995)": "you marked it “not for me”",
    }
    assert len(answer.films) + len(reasons) == len(typed.split("\n"))  # none dropped without a word
    saved = json.loads(questions.downloads()["lbrec-rank.json"])
    assert {f["query"]: f["reason"] for f in saved["not_ranked"]} == reasons


def test_typed_candidates_keep_watched_films_marked(questions: Questions) -> None:
    answer = questions.rank(TYPED, ToRank("typed", "Fargo (1996)\nHeat (1995)\nToy Story (1995)"))
    assert {r.title: r.watched for r in answer.films} == {"Fargo": False, "Heat": True, "Toy Story": False}
    assert all("Heat" not in [f.title for f in r.because] for r in answer.films if r.title == "Heat")


@pytest.mark.parametrize(
    "given, candidates, message",
    [
        (TYPED, ToRank("watchlist"), "typed titles carry no watchlist"),
        (
            Source("upload", export_zip(skip=("watchlist.csv",)), "x.zip"),
            ToRank("watchlist"),
            "this export has no watchlist films",
        ),
        (TYPED, ToRank("list", export_zip(), "export.zip"), "not UTF-8"),
        (
            TYPED,
            ToRank("list", b"Film,Rating\nHeat,5\n", "ratings.csv"),
            ("is not a Letterboxd list: its columns are Film, Rating"),
        ),
        (TYPED, ToRank("list", b"", ""), "choose a Letterboxd list CSV first"),
        (
            TYPED,
            ToRank("typed", "Qwzx Unknown (2031)\nZzyzx Nothing"),
            ("none of the 2 films of the titles you typed could be used"),
        ),
        (TYPED, ToRank("typed", "Heat (1995)\nAlien (1979)"), "you have watched every film of the titles you typed"),
    ],
)
def test_rank_refusals(questions: Questions, given: Source, candidates: ToRank, message: str) -> None:
    questions.rank(EXPORT, ToRank("watchlist"))
    refused(questions, lambda: questions.rank(given, candidates), message)


def test_an_rss_feed_has_no_watchlist_and_a_bad_list_is_refused_first(
    ml_small_model_dir: Path, fault_server: FaultServer
) -> None:
    serve_rss(fault_server)
    client = Client(base_url=fault_server.url, cache=False, timeout=2.0, retries=1, backoff=0.01)
    questions = Questions(Session(Ask(*load_engine(ml_small_model_dir), client=client)))
    refused(
        questions,
        lambda: questions.rank(Source("rss", "lbrectest"), ToRank("list", b"Film\nHeat\n")),
        "is not a Letterboxd list",
    )
    assert fault_server.hits == []  # a bad list is refused before the feed is fetched
    refused(
        questions,
        lambda: questions.rank(Source("rss", "lbrectest"), ToRank("watchlist")),
        "an RSS feed carries no watchlist",
    )
    assert len(questions.rank(Source("rss", "lbrectest"), ToRank("list", LIST)).films) == 4
    assert len(fault_server.hits) == 1  # the feed is read once for both


# ---------------------------------------------------------------------------------------------------- predict


def test_would_i_like_it_from_titles_links_and_ids(questions: Questions) -> None:
    answer = questions.predict(TYPED, "Aliens (1986)\nhttps://letterboxd.com/film/fargo/\ntmdb:862\ntt0113277\nSolaris")
    assert [p.title for p in answer.films] == ["Aliens", "Fargo", "Toy Story", "Heat"]
    (missing,) = answer.unmatched
    assert missing.query == "Solaris" and "2 films have this title" in missing.reason
    assert set(missing.candidates) == {"Solaris (1972)", "Solaris (2002)"}
    assert list(questions.downloads()) == ["lbrec-predict.json"] and not questions.picture()  # verdicts: no list
    aliens, *_, heat = answer.films
    assert 1 <= aliens.rank <= aliens.of == questions.session.engine.n_items - 3
    assert aliens.percentile == pytest.approx(100 * (1 - (aliens.rank - 1) / aliens.of), abs=0.01)
    assert aliens.verdict.startswith(("top", "bottom")) and aliens.because
    assert heat.watched and heat.verdict == "already watched"


@pytest.mark.parametrize(
    "asked, message",
    [
        ("Solaris", "'Solaris' same title.*did you mean: Solaris \\(2002\\); Solaris \\(1972\\)"),
        ("Qwzx Unknown (2031)", "'Qwzx Unknown \\(2031\\)' no MovieLens title is close"),
        ("https://example.com/film/x", "is not a film's link"),
        ("  \n ", "type a film first"),
    ],
)
def test_predict_refusals(questions: Questions, asked: str, message: str) -> None:
    questions.predict(TYPED, "Aliens (1986)")
    refused(questions, lambda: questions.predict(TYPED, asked), message)


# ---------------------------------------------------------------------------------------------------- similar


def test_like_this_film_with_one_seed_and_with_two(questions: Questions) -> None:
    one = questions.similar("Toy Story (1995)")
    assert one.what == "Toy Story (1995)" and len(one.films) == 10
    assert all([f.title for f in s.because] == ["Toy Story"] for s in one.films)
    assert "Toy Story" not in [s.title for s in one.films]
    questions.session.set_options(k=5, include=frozenset({"Horror"}))
    two = questions.similar("Toy Story (1995); https://letterboxd.com/film/the-matrix/")
    assert two.what == "Toy Story (1995) and The Matrix (1999)" and len(two.films) == 5
    assert all(s.because and {f.title for f in s.because} <= {"Toy Story", "The Matrix"} for s in two.films)
    catalog = questions.session.engine.catalog
    genres = dict(zip(catalog.movie_ids.tolist(), catalog.genres, strict=True))
    assert all("Horror" in genres[s.movieId] for s in two.films)
    assert list(questions.downloads()) == ["lbrec-similar.json"] and list(questions.picture()) == ["lbrec-similar.png"]


@pytest.mark.parametrize(
    "seeds, message",
    [
        ("Solaris", "did you mean: Solaris \\(2002\\); Solaris \\(1972\\)"),
        ("Qwzx (2031)", "no MovieLens title is close"),
        ("", "type a film first"),
    ],
)
def test_similar_refusals(questions: Questions, seeds: str, message: str) -> None:
    questions.similar("Heat (1995)")
    refused(questions, lambda: questions.similar(seeds), message)


# ---------------------------------------------------------------------------------------------------- group


def test_a_group_of_an_export_and_typed_titles(questions: Questions) -> None:
    members = [Member("", EXPORT), Member("Bo", Source("typed", "Alien (1979); Aliens (1986)"))]
    answer = questions.group(members)
    assert answer.labels == ["lbrectest", "Bo"] and len(answer.films) == 10  # the export's username
    people = [questions.session.ask.member(member, "", number) for number, member in enumerate(members, 1)]
    excluded = set().union(*(set(p.liked) | p.matched.watched | p.matched.watchlist for p in people))
    assert people[0].matched.watchlist and not {p.movieId for p in answer.films} & excluded  # seen or on a watchlist
    for pick in answer.films:
        assert set(pick.fit) == set(pick.because) == {"lbrectest", "Bo"}
        assert pick.score == pytest.approx(sum(pick.fit.values()) / 2, abs=0.01)
        assert all(0 < fit <= 100 for fit in pick.fit.values())
        assert {f.title for f in pick.because["Bo"]} <= {"Alien", "Aliens"}
    # members take turns (lbrec.serving.group): the films no member has in their lower half come first
    vetoed = [all(fit >= 50 for fit in p.fit.values()) for p in answer.films]
    assert vetoed == sorted(vetoed, reverse=True)
    assert list(questions.downloads()) == ["lbrec-group.json"] and list(questions.picture()) == ["lbrec-group.png"]


def test_group_refusals_name_the_member_and_change_nothing(questions: Questions) -> None:
    alien, heat = Member("", Source("typed", "Alien (1979)")), Member("", Source("typed", "Heat (1995)"))
    questions.group([alien, heat])
    refused(questions, lambda: questions.group([alien]), "a group has 2 to 6 members, not 1: add someone")
    refused(questions, lambda: questions.group([alien] * 7), "a group has 2 to 6 members, not 7: remove someone")
    refused(
        questions,
        lambda: questions.group([alien, Member("Cy", Source("typed", ""))]),
        "member 2 \\(Cy\\): type a few films you love first, one per line$",
    )
    refused(
        questions,
        lambda: questions.group([alien, Member("", Source("upload", b"GIF89a", "holiday.gif"))]),
        "member 2 \\(holiday.gif\\): holiday.gif is neither a Letterboxd export ZIP nor an IMDb ratings CSV",
    )
    refused(
        questions,
        lambda: questions.group([alien, Member("", Source("typed", "Qwzx Unknown (2031)"))]),
        "member 2: none of your films could be used",
    )
    questions.session.set_options(include=frozenset({"Film-Noir"}), years=(1902, 1920))  # noir came later
    refused(questions, lambda: questions.group([alien, heat]), "no film is left")
