"""The app's session driven directly: every step and every refusal asserted on the session's own data.

The model has random weights over the real ml-latest-small catalog (`ml_small_model_dir`): the tests check the
flow, the messages and the downloads, not the quality of the recommendations.
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
from lbrec.app.questions.recommend import source_name
from lbrec.app.session import SKIP, Session, upload_source
from lbrec.app.settings import POPULARITY
from lbrec.ask.person import Source
from lbrec.ask.questions import Ask
from lbrec.cli import main as cli_main
from lbrec.errors import LbrecError, LetterboxdError
from lbrec.letterboxd.client import Client
from tests.helpers.files import export_zip

TYPED = "Heat (1995)\nThe Matrix (1999)\nAmélie (2001)"
CLOUDFLARE = {"Server": "cloudflare", "cf-ray": "8f0a1b2c3d4e5f60-AMS", "cf-mitigated": "challenge"}
EXPORT_NAME = "letterboxd-lbrectest-2026-11-25-08-00-utc.zip"


@pytest.fixture
def session(ml_small_model_dir: Path) -> Session:
    return Session(Ask(*load_engine(ml_small_model_dir), client=Client(cache=False)))


def typed(text: str = TYPED) -> Source:
    return Source("typed", text)


# ---------------------------------------------------------------------------------------------------- typed titles


def test_typed_titles_are_matched_and_recommended(session: Session) -> None:
    steps: list[str] = []
    session.run(typed(), progress=steps.append)
    assert steps == ["Matching 3 films to MovieLens…", f"Scoring {session.engine.n_items:,} films…"]
    assert source_name(session.history) == "the titles you typed"
    understood = session.understood()
    assert [read for read, _, _ in understood.matched] == ["Heat (1995)", "The Matrix (1999)", "Amélie (2001)"]
    assert understood.counts["matched"] == 3 and understood.used == 3 and not understood.missing
    assert len(session.matched.positives) == 3 and session.answered
    recommendations = session.recommendations
    assert len(recommendations) == 10 and not {r.movieId for r in recommendations} & set(session.matched.positives)
    assert all(r.links["letterboxd"] == f"https://letterboxd.com/tmdb/{r.tmdbId}/" for r in recommendations)
    files = session.downloads()
    rows = list(csv.reader(io.StringIO(files["lbrec-list.csv"])))
    assert rows[0] == ["Title", "Year", "tmdbID"] and [int(r[2]) for r in rows[1:]] == [
        r.tmdbId for r in recommendations
    ]
    assert json.loads(files["lbrec.json"])["recommendations"][0]["movieId"] == recommendations[0].movieId
    assert imread(io.BytesIO(session.picture()["lbrec.png"])).shape[:2] == (1500, 1200)  # the picture to share
    mine, recommended = session.taste()
    assert set(mine) >= {"Crime", "Sci-Fi", "Romance"} and all(0 < share <= 1 for share in mine.values())
    assert recommended and all(0 < share <= 1 for share in recommended.values())


def test_the_json_download_is_what_the_cli_prints(
    session: Session, ml_small_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    titles = "Heat (1995); Solaris; Parasite (2019); The Matrix (1999)"
    session.run(typed(titles))
    capsys.readouterr()
    assert cli_main(["recommend", "--model", str(ml_small_model_dir), "--json", "--titles", titles]) == 0
    assert json.loads(session.downloads()["lbrec.json"]) == json.loads(capsys.readouterr().out)


def test_uncertain_matches_offer_candidates_and_a_pick_updates_the_results(session: Session) -> None:
    session.run(typed("Heat (1995)\nSolaris"))
    understood = session.understood()
    assert understood.counts["uncertain"] == 1 and [label for label, _ in understood.uncertain] == ["Solaris"]
    candidates = [c.movie_id for c in understood.uncertain[0][1]]
    assert len(candidates) >= 2  # Solaris (1972) and Solaris (2002)
    before = list(session.matched.positives)
    session.confirm("Solaris", candidates[0])
    assert session.matched.positives == [*before, candidates[0]] and session.understood().counts["matched"] == 2
    assert candidates[0] not in [r.movieId for r in session.recommendations]  # a film you saw is never recommended
    session.run(typed("Heat (1995)\nSolaris"))  # the pick is kept for the same film
    assert session.matched.positives == [*before, candidates[0]]
    session.confirm("Solaris", SKIP)
    assert session.matched.positives == before


def test_not_found_films_say_why(session: Session) -> None:
    session.run(typed("Heat (1995)\nPast Lives (2023)"))
    ((read, reason),) = session.understood().missing
    assert read == "Past Lives (2023)" and reason == "newer than this model's films (they end in 2018)"


def test_options_apply_to_the_same_films(session: Session) -> None:
    session.run(typed())
    session.set_options(k=20)
    assert len(session.recommend()) == 20
    session.set_options(include=frozenset({"Horror"}))
    assert session.recommend() and all("Horror" in r.genres for r in session.recommendations)
    session.set_options(exclude=frozenset({"Comedy"}))
    assert all("Comedy" not in r.genres for r in session.recommend())
    session.set_options(years=(1980, 1989))
    assert all(1980 <= r.year <= 1989 for r in session.recommend())
    session.set_options(popularity=POPULARITY["Mainstream"])
    assert session.recommend()
    session.set_options(exclude=frozenset({"Horror"}))
    with pytest.raises(LbrecError, match="cannot be both wanted and excluded"):
        session.recommend()
    assert session.recommendations == [] and not session.answered
    session.set_options(exclude=frozenset(), include=frozenset({"Documentary", "Western"}), years=(1902, 1905))
    assert session.recommend() == [] and session.answered  # an answer: the options leave no film
    session.set_options(include=frozenset(), years=(None, None))
    assert len(session.recommend()) == 20


def test_nothing_usable_and_empty_inputs_are_refused(session: Session) -> None:
    for given, message in [
        (typed(""), "type a few films you love first"),
        (Source("upload", b""), "choose your Letterboxd export ZIP first"),
        (Source("rss", "  "), "type your Letterboxd username first"),
    ]:
        with pytest.raises(LetterboxdError, match=message):
            session.run(given)
        assert session.raw is None and session.recommendations == [] and not session.answered
    with pytest.raises(LetterboxdError, match="none of your films could be used"):
        session.run(typed("Zzzqqx Vvbnm (1990)"))
    assert session.understood().missing and session.recommendations == [] and not session.answered


def test_a_refused_run_leaves_nothing_of_the_last_one(session: Session) -> None:
    session.run(typed())
    with pytest.raises(LetterboxdError):
        session.run(typed(""))
    assert session.source is None and session.matched is None and session.recommendations == []


# ---------------------------------------------------------------------------------------------------- export


def test_an_export_is_read_in_memory_with_its_watchlist_left_out(session: Session) -> None:
    data = export_zip()
    session.set_options(choice="4")
    session.run(Source("upload", data, EXPORT_NAME))
    assert source_name(session.history) == "your export" and len(session.recommendations) == 10
    watchlist = session.matched.watchlist
    assert watchlist and not watchlist & {r.movieId for r in session.recommendations}
    history = session.history
    session.set_options(exclude_watchlist=False, k=50)
    session.run(Source("upload", data, EXPORT_NAME))
    assert session.history is history  # the same upload is not read again
    session.set_options(choice="liked")
    session.run(Source("upload", data, EXPORT_NAME))
    assert sum(session.understood().counts.values()) == 2


def test_an_imdb_ratings_csv_is_an_upload_too(session: Session) -> None:
    """The upload is recognised by its content: IMDb's Your Ratings CSV, matched by IMDb id, its TV rows skipped."""
    data = (FIXTURES.parent / "imdb" / "your_ratings_2026.csv").read_bytes()
    session.run(Source("upload", data, "ratings.csv"))
    assert source_name(session.history) == "your IMDb ratings" and len(session.recommendations) == 10
    assert session.history.skipped and "skipped" in session.history.skipped
    assert all(match.confidence == 1.0 for _, match in session.matched.results if match.status == "matched")


def test_imdb_ratings_and_watchlist_are_uploaded_together(session: Session) -> None:
    folder = FIXTURES.parent / "imdb"
    ratings, watchlist = (folder / "your_ratings_2026.csv").read_bytes(), (folder / "watchlist_2026.csv").read_bytes()
    for files in (
        [("ratings.csv", ratings), ("watchlist.csv", watchlist)],
        [("watchlist.csv", watchlist), ("ratings.csv", ratings)],
    ):  # in either order
        given = upload_source(files)
        assert (given.name, given.value, given.watchlist) == ("ratings.csv", ratings, watchlist)
    session.set_options(k=50)
    session.run(upload_source([("watchlist.csv", watchlist), ("ratings.csv", ratings)]))
    assert session.matched.watchlist and not session.matched.watchlist & {r.movieId for r in session.recommendations}
    with pytest.raises(LetterboxdError, match="two files"):
        upload_source([("a.csv", watchlist), ("b.csv", watchlist)])
    with pytest.raises(LetterboxdError, match="holds its own watchlist"):
        session.run(Source("upload", export_zip(), EXPORT_NAME, watchlist=watchlist))


@pytest.mark.parametrize(
    "data, message",
    [
        (b"GIF89a not a zip", "holiday.gif is neither a Letterboxd export ZIP nor an IMDb ratings CSV"),
        (
            b"Date,Name,Year,Letterboxd URI\r\n2024-01-01,Heat,1995,https://boxd.it/x\r\n",
            "holiday.gif is one file of a Letterboxd export",
        ),
        (b"Const,Your Rating\r\nnot-an-id,9\r\n", "holiday.gif|IMDb|Title"),
        (export_zip(skip=("watched.csv", "ratings.csv", "diary.csv")), "holiday.gif is not a Letterboxd export"),
    ],
)
def test_a_bad_upload_is_refused_naming_the_file(session: Session, data: bytes, message: str) -> None:
    with pytest.raises(LetterboxdError, match=message):
        session.run(Source("upload", data, "holiday.gif"))
    assert session.raw is None


def test_typed_titles_have_no_ratings_to_choose_from(session: Session) -> None:
    session.set_options(choice="5")
    session.run(typed())  # typed titles always recommend from what was typed
    assert len(session.matched.positives) == 3
    with pytest.raises(LetterboxdError, match='this input has no ratings, so "films you rated 5 stars" is empty'):
        session.run(Source("upload", export_zip(skip=("ratings.csv", "diary.csv", "reviews.csv")), EXPORT_NAME))
    assert session.raw is None


# ---------------------------------------------------------------------------------------------------- username


def serve_rss(server: FaultServer, user: str = "lbrectest") -> None:
    server.route(
        f"/{user}/rss/",
        Reply(200, (FIXTURES / "rss_2026.xml").read_bytes(), {"Content-Type": "application/rss+xml; charset=utf-8"}),
    )


@pytest.fixture
def online(ml_small_model_dir: Path, fault_server: FaultServer) -> Session:
    client = Client(base_url=fault_server.url, cache=False, timeout=2.0, retries=1, backoff=0.01)
    return Session(Ask(*load_engine(ml_small_model_dir), client=client))


def test_a_username_reads_the_rss_feed_once(online: Session, fault_server: FaultServer) -> None:
    serve_rss(fault_server)
    steps: list[str] = []
    online.run(Source("rss", "https://letterboxd.com/lbrectest/"), progress=steps.append)
    assert steps[0] == "Fetching lbrectest's RSS feed from Letterboxd…" and len(online.recommendations) == 10
    assert source_name(online.history) == "lbrectest's RSS feed" and "lbrec-lbrectest-list.csv" in online.downloads()
    online.set_options(k=15)
    online.run(Source("rss", "https://letterboxd.com/lbrectest/"))  # the same input: no second request
    assert len(online.recommendations) == 15 and len(fault_server.hits) == 1
    online.set_options(choice="5")
    online.run(Source("rss", "https://letterboxd.com/lbrectest/"))
    assert sum(online.understood().counts.values()) == 1  # Heat
    online.set_options(choice="liked")
    online.run(Source("rss", "https://letterboxd.com/lbrectest/"))
    assert online.understood().counts == {"matched": 2} and len(fault_server.hits) == 1  # Heat, Amélie


@pytest.mark.parametrize(
    "route, message",
    [
        (None, "Letterboxd has no member called 'nobody_here'"),
        (Reply(403, (FIXTURES / "cloudflare_challenge.html").read_bytes(), CLOUDFLARE), "bot protection.*data export"),
        (Reply(503, b"down"), r"Letterboxd kept failing \(HTTP 503"),
    ],
)
def test_letterboxd_errors_are_explained(
    online: Session, fault_server: FaultServer, route: Reply | None, message: str
) -> None:
    if route is not None:
        fault_server.route("/nobody_here/rss/", route)
    with pytest.raises(LetterboxdError, match=message):
        online.run(Source("rss", "nobody_here"))
    assert online.raw is None and online.recommendations == []


def test_bad_usernames_are_refused_before_any_request(online: Session, fault_server: FaultServer) -> None:
    with pytest.raises(LetterboxdError, match="is not a Letterboxd"):
        online.run(Source("rss", "../../admin"))
    assert fault_server.hits == []


def test_the_other_choices_are_answered_ahead_and_each_is_matched_once(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = upload_source([("letterboxd-lbrectest.zip", export_zip())])
    session.run(source)
    first = [r.movieId for r in session.recommendations]
    ahead = dict(session.ahead())  # every other choice this export allows, one answer per distinct set of films
    assert len(ahead) >= 3 and "auto" not in ahead and all(len(films) == 10 for films in ahead.values())
    matched: list[tuple] = []
    matches = session.ask.matches
    monkeypatch.setattr(session.ask, "matches", lambda *args: matched.append(args) or matches(*args))
    for choice, films in ahead.items():
        session.set_options(choice=choice)
        session.run(source)
        assert [r.movieId for r in session.recommendations] == [f.movieId for f in films], choice
    session.set_options(choice="auto")
    session.run(source)
    assert [r.movieId for r in session.recommendations] == first
    assert not matched  # each choice's films were matched once: ahead, or when first chosen
