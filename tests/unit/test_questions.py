"""The questions beyond "what next" on a tiny engine: where films stand, a list ranked, would I like it, more like
this, watch together, and the parsers they read (list CSVs, film queries)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.files import FIXTURES, SHARED
from lbrec.ask.person import Source
from lbrec.ask.questions import Ask, Member
from lbrec.data.dataset import Dataset
from lbrec.errors import FilmQueryError, LbrecError, ListError
from lbrec.letterboxd.lists import read_list_csv
from lbrec.letterboxd.typed import parse_film_query
from lbrec.serving.engine import Recommender
from lbrec.serving.group import AGGREGATION, MemberFilms, aggregate, group_top, recommend_for_group
from lbrec.serving.predict import predict_films, verdict
from lbrec.serving.rank import rank_films
from lbrec.serving.similar import similar_films
from lbrec.serving.standing import Standing, standing_words
from tests.helpers.files import need

LIST = FIXTURES / "list_friday.csv"


@pytest.fixture(scope="module", params=["sasrec", "blend"])
def engine(request: pytest.FixtureRequest, tiny_model_dir: Path, tiny_blend_dir: Path) -> Recommender:
    return Recommender(tiny_model_dir if request.param == "sasrec" else tiny_blend_dir)


@pytest.fixture(scope="module")
def history(tiny_dataset: Dataset) -> list[int]:
    return [int(m) for m in tiny_dataset.movie_ids[tiny_dataset.sequence(5)][-10:]]


def test_a_standing_ranks_among_the_unseen_films() -> None:
    scores = np.array([-np.inf, 0.5, 3.0, 2.0, 2.0, 1.0])
    unseen = np.array([False, True, False, True, True, True])  # film 2 was watched
    standing = Standing(scores, unseen, [2], np.zeros(3, np.int64), scores, scores)
    assert standing.of == 4
    assert [standing.rank(i) for i in (3, 4, 5, 1)] == [1, 1, 3, 4]  # ties share a rank
    assert standing.rank(2) == 1 and standing.percentile(2) == 100.0  # a watched film: where its score puts it
    assert [standing.percentile(i) for i in (5, 1)] == [50.0, 25.0]


def test_a_ranked_list_is_the_full_ranking_restricted_to_it(
    engine: Recommender, history: list[int], tiny_dataset: Dataset
) -> None:
    watched = [int(tiny_dataset.movie_ids[1])]
    everything = [r.movieId for r in engine.recommend(history, k=engine.n_items, exclude=watched, explain=False)]
    candidates = [*everything[::37][:8], history[-1], watched[0], 999_999_999]  # two seen films, one unknown
    ranked = rank_films(engine, history, candidates, watched)
    unseen = [r.movieId for r in ranked if not r.watched]
    assert unseen == [m for m in everything if m in set(candidates)]
    assert {r.movieId for r in ranked if r.watched} == {history[-1], watched[0]}  # marked, not dropped
    assert 999_999_999 not in {r.movieId for r in ranked}
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)
    for r in ranked:
        if not r.watched:
            assert r.percentile == pytest.approx(100 * (1 - everything.index(r.movieId) / len(everything)), abs=0.01)
    assert all(r.because and r.movieId not in {f.movieId for f in r.because} for r in ranked)
    assert [r.movieId for r in rank_films(engine, history, candidates, watched, k=3)] == [r.movieId for r in ranked[:3]]


def test_a_prediction_places_a_film_among_the_unseen(engine: Recommender, history: list[int]) -> None:
    everything = [r.movieId for r in engine.recommend(history, k=engine.n_items, explain=False)]
    first, middle = everything[0], everything[len(everything) // 2 - 1]  # the last film of the upper half
    top, half, seen = predict_films(
        engine, history, [("a", first), ("b", middle), ("c", history[0])], ratings={history[0]: 4.5}
    )
    assert (top.rank, top.of, top.percentile) == (1, len(everything), 100.0)
    assert top.verdict.startswith("top 0.") and top.verdict.endswith("an excellent match") and top.because
    assert half.rank == len(everything) // 2 and half.verdict.startswith("top 50%")
    for film in (top, half):  # one share per film: the verdict says it as every card says a film's standing
        assert film.verdict.startswith(f"{standing_words(film.percentile)} for you: ")
    assert seen.watched and seen.verdict == "already watched: you rated it 4.5★"
    with pytest.raises(ValueError, match="films the model knows"):
        predict_films(engine, history, [("x", 999_999_999)])


@pytest.mark.parametrize(
    "rank, of, words",
    [
        (20, 1000, "top 2% for you: a strong match"),
        (150, 1000, "top 15% for you: a good bet"),
        (400, 1000, "top 40% for you: worth a look"),
        (501, 1000, "top 50% for you: worth a look"),
        (502, 1000, "bottom 50% for you: probably not for you"),
        (900, 1000, "bottom 11% for you: probably not for you"),
        (3, 1000, "top 0.2% for you: an excellent match"),
        (1, 6387, "top 0.1% for you: an excellent match"),
    ],
)
def test_verdicts_in_words(rank: int, of: int, words: str) -> None:
    assert verdict(rank, of) == words


@pytest.mark.parametrize(
    "percentile, words",
    [
        (100.0, "top 0.1%"),
        (99.8, "top 0.2%"),
        (99.0, "top 1%"),
        (98.1, "top 2%"),
        (50.0, "top 50%"),
        (49.9, "bottom 50%"),
        (31.2, "bottom 32%"),
        (0.01, "bottom 1%"),
    ],
)
def test_a_films_standing_in_words_never_says_top_for_the_lower_half(percentile: float, words: str) -> None:
    assert standing_words(percentile) == words


def test_a_list_export_is_read_in_list_order() -> None:
    name, films = read_list_csv(LIST.read_bytes())
    assert name == "Friday night"
    assert [(f.title, f.year) for f in films] == [
        ("Fargo", 1996),
        ("Toy Story", 1995),
        ("Crouching Tiger, Hidden Dragon", 2000),
        ("Oppenheimer", 2023),
        ("Aliens", 1986),
    ]
    name, films = read_list_csv("Title,Year,tmdbID\r\nHeat,1995,949\r\n")  # the importer's own columns
    assert name is None and (films[0].title, films[0].tmdb_id) == ("Heat", 949)


def test_real_list_exports_are_read() -> None:
    research = need(SHARED / "fixtures-research", "the real Letterboxd samples")  # in CI: must be there
    lists = sorted(research.rglob("lists/*.csv"))
    assert lists
    for path in lists:
        name, films = read_list_csv(path.read_bytes())
        assert name and films and all(f.title and f.year for f in films)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"Const,Your Rating,Title\r\ntt0113277,9,Heat\r\n", "not a Letterboxd list: its columns are Const"),
        (b"Date,Name,Year,Letterboxd URI\r\n", "no films"),
        (b"", "not a Letterboxd list: its columns are none"),
        ("Position,Name,Year\r\n1,Amélie,2001\r\n".encode("latin-1"), "not UTF-8"),
        (b"Letterboxd list export v7\r\nDate,Name\r\n2024-01-01,x\r\n", "not a Letterboxd list"),
    ],
)
def test_other_files_are_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(ListError, match=message):
        read_list_csv(data)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Heat (1995)", ("Heat", 1995, None, None)),
        ("https://letterboxd.com/film/heat-1995/", ("heat", 1995, None, None)),
        ("letterboxd.com/film/the-matrix", ("the matrix", None, None, None)),
        ("https://letterboxd.com/someone/film/alien/", ("alien", None, None, None)),
        ("tmdb:949", ("", None, 949, None)),
        ("https://www.themoviedb.org/movie/949-heat", ("", None, 949, None)),
        ("https://www.imdb.com/title/tt0113277/", ("tt0113277", None, None, 113277)),
    ],
)
def test_film_queries(text: str, expected: tuple) -> None:
    film = parse_film_query(text)
    assert (film.title, film.year, film.tmdb_id, film.imdb_id) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "https://example.com/film/heat/", "https://letterboxd.com/someone/", "x" * 301]
)
def test_bad_film_queries_are_refused(text: str) -> None:
    with pytest.raises(FilmQueryError):
        parse_film_query(text)


def test_similar_films_leave_the_seeds_out_and_name_them(engine: Recommender, tiny_dataset: Dataset) -> None:
    seeds = [int(m) for m in tiny_dataset.movie_ids[1:3]]
    found = similar_films(engine, seeds, k=8)
    assert len(found) == 8 and not {f.movieId for f in found} & set(seeds)
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)
    assert all({b.movieId for b in f.because} <= set(seeds) for f in found)
    assert all([b.movieId for b in f.because] == seeds[:1] for f in similar_films(engine, seeds[:1], k=3))
    with pytest.raises(ValueError, match="at least one seed"):
        similar_films(engine, [999_999_999])


def test_group_fits_are_each_members_percentile_and_aggregate_as_named() -> None:
    scores = np.array([[0.0, 3.0, 2.0, 1.0], [0.0, 1.0, 2.0, 3.0]])
    unseen = np.array([False, True, True, True])
    fit = np.stack([Standing(row, unseen, [], np.zeros(1), row, row).percentiles() for row in scores])
    np.testing.assert_allclose(fit[:, 1:], [[100, 200 / 3, 100 / 3], [100 / 3, 200 / 3, 100]])
    np.testing.assert_allclose(aggregate(fit, "average")[1:], [200 / 3] * 3)
    np.testing.assert_allclose(aggregate(fit, "least misery")[1:], [100 / 3, 200 / 3, 100 / 3])
    np.testing.assert_allclose(aggregate(fit, "fair")[1:], [200 / 3 - 100 / 3, 200 / 3, 200 / 3 - 100 / 3])
    with pytest.raises(ValueError, match="unknown aggregation"):
        aggregate(fit, "loudest")


def test_the_page_says_the_order_the_engine_gives_a_group() -> None:
    from lbrec.app.questions.group import ORDER

    assert AGGREGATION == "turns" and ORDER.startswith("In turns")  # another aggregation: the page's words follow


def test_a_group_gets_films_nobody_has_watched_with_each_members_fit(
    engine: Recommender, tiny_dataset: Dataset
) -> None:
    members = [
        MemberFilms(
            f"m{u}",
            [int(m) for m in tiny_dataset.movie_ids[tiny_dataset.sequence(u)]][-8:],
            watchlist={int(tiny_dataset.movie_ids[50 + u])},
        )
        for u in range(3)
    ]
    seen = set().union(*(set(m.history) for m in members))
    picks = recommend_for_group(engine, members, k=6)
    assert len(picks) == 6 and not {p.movieId for p in picks} & seen
    for pick in picks:
        assert set(pick.fit) == set(pick.because) == {"m0", "m1", "m2"}
        assert pick.score == pytest.approx(np.mean(list(pick.fit.values())), abs=0.02)
        for member in members:
            alone = engine.standing(member.history, exclude=seen)
            assert pick.fit[member.label] == pytest.approx(alone.percentile(engine.item_of(pick.movieId)), abs=0.01)
    watchlists = set().union(*(m.watchlist for m in members))
    assert not {p.movieId for p in recommend_for_group(engine, members, k=50, with_watchlists=True)} & watchlists
    # the group's size is the questions layer's rule, for both faces
    alone = [Member("", Source("typed", "Heat (1995)"))]
    with pytest.raises(LbrecError, match="a group has 2 to 6 members, not 1: add someone"):
        Ask(engine).group(alone)
    with pytest.raises(LbrecError, match="a group has 2 to 6 members, not 7: remove someone"):
        Ask(engine).group(alone * 7)


def test_turns_give_each_member_films_of_their_own_after_the_ones_nobody_vetoes() -> None:
    fit = np.array([[0, 100, 90, 20, 10, 60], [0, 20, 10, 100, 90, 60]], dtype=float)  # column 0: padding
    allowed = np.array([False, True, True, True, True, True])
    assert group_top(fit, allowed, 5, "turns").tolist() == [5, 1, 3, 2, 4]  # film 5: both have it in their upper half
    assert group_top(fit, allowed, 3, "turns").tolist() == [5, 1, 3]
    assert group_top(fit, allowed, 2, "average").tolist() == [1, 3]  # films 1, 3 and 5 tie at a mean of 60
