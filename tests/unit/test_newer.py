"""Films newer than the model, ranked for a person (`lbrec.ask.newer`), and the person's films the model lacks
(`lbrec.ask.lookup`): on hand-made TMDb records, no network."""

from __future__ import annotations

import pytest

from lbrec.ask.lookup import Lookup, beyond_the_model, lacking, priority
from lbrec.ask.newer import Seed, Seen, catalog_genres, rank_newer, taste_scores, tmdb_genre, vote_prior
from lbrec.catalog.matches import Match, MatchedHistory
from lbrec.letterboxd.history import FilmEntry
from lbrec.serving.filters import Filters
from lbrec.serving.results import TMDB, FilmRef
from lbrec.tmdb.match import TmdbCandidate, TmdbMatch
from lbrec.tmdb.records import GENRE_IDS, TmdbFilm

DRAMA, THRILLER, COMEDY, SCIFI, HORROR = (
    GENRE_IDS[g] for g in ("Drama", "Thriller", "Comedy", "Science Fiction", "Horror")
)


def film(tmdb_id: int, title: str, year: int = 2024, genres=(DRAMA,), votes: int = 500, average: float = 7.0,
         language: str = "en") -> TmdbFilm:  # fmt: skip
    return TmdbFilm(tmdb_id, title, title, f"{year}-05-01", year, tuple(genres), language, 10.0, votes, average)


def seed(
    tmdb_id: int, title: str, weight: float = 1.0, genres=("Drama",), language: str = "", year: int = 1995
) -> Seed:
    return Seed(tmdb_id, FilmRef(tmdb_id + 100_000, title, year), weight, tuple(genres), language, year)


HEAT, ALIEN = seed(949, "Heat"), seed(348, "Alien", genres=("Horror", "Sci-Fi"))


def test_the_film_most_loved_films_point_to_comes_first_and_names_them() -> None:
    shared, one, other = film(1, "Shared"), film(2, "Only Heat's"), film(3, "Only Alien's")
    ranked = rank_newer([HEAT, ALIEN], {949: [one, shared], 348: [other, shared]})
    assert ranked[0].title == "Shared"
    assert {r.title for r in ranked[0].because} == {"Heat", "Alien"}
    assert all(f.movieId is None and f.origin == TMDB and f.to_dict()["origin"] == TMDB for f in ranked)


def test_a_heavier_seed_and_an_earlier_place_weigh_more() -> None:
    a, b = film(1, "A"), film(2, "B")
    loved, liked = seed(10, "Loved", weight=1.0), seed(11, "Liked", weight=0.3)
    assert [f.title for f in rank_newer([loved, liked], {10: [a], 11: [b]})][:2] == ["A", "B"]
    assert [f.title for f in rank_newer([loved], {10: [a, b]})][:2] == ["A", "B"]  # 1/log2(2) against 1/log2(3)


def test_nothing_seen_by_id_or_by_title_within_a_year_and_no_seed_comes_back() -> None:
    listed = [film(1, "Anora"), film(2, "Sirāt", 2025), film(3, "Hamnet", 2025), film(949, "Heat", 1995)]
    seen = Seen.of([1], [("Sirat", 2024), ("Hamnet", 2019)])  # accents aside; a year within one; another year
    ranked = rank_newer([HEAT], {949: listed}, seen=seen)
    assert [f.title for f in ranked] == ["Hamnet"]  # Heat is the seed itself


def test_the_model_s_own_films_are_left_to_the_model() -> None:
    ranked = rank_newer([HEAT], {949: [film(1, "Old"), film(2, "New")]}, leave_out={1})
    assert [f.title for f in ranked] == ["New"]


def test_a_film_not_for_me_never_comes_back_and_its_genres_count_against_its_look_alikes() -> None:
    scary, funny = film(1, "Scary", genres=(HORROR,)), film(2, "Funny", genres=(COMEDY,))
    refused = film(3, "Refused", genres=(HORROR, THRILLER))
    other = seed(350, "Other")  # a second loved film as strong as Heat: the two candidates' evidence is the same
    lists = {949: [scary, refused], 350: [funny]}
    titles = lambda **marks: [f.title for f in rank_newer([HEAT, other], lists, **marks)]  # noqa: E731
    assert titles(leave_out={3}) == ["Scary", "Funny"]  # left out alone: the tie stays in TMDb's order
    assert titles(not_for_me={3}) == ["Funny", "Scary"]  # refused: its horror counts against the horror film
    assert "Refused" in titles()  # unmarked, it is a candidate like the others


def test_filters_read_genres_in_the_catalog_s_words_years_and_votes() -> None:
    listed = [
        film(1, "Drama 2019", 2019),
        film(2, "Thriller 2025", 2025, (THRILLER,)),
        film(3, "Sci-fi", genres=(SCIFI,)),
    ]
    titles = lambda filters: {f.title for f in rank_newer([HEAT], {949: listed}, filters=filters)}  # noqa: E731
    assert titles(Filters(years=(2020, 2026))) == {"Thriller 2025", "Sci-fi"}
    assert titles(Filters(include_genres=frozenset({"Sci-Fi"}))) == {"Sci-fi"}  # TMDb's "Science Fiction"
    assert titles(Filters(exclude_genres=frozenset({"Drama"}))) == {"Thriller 2025", "Sci-fi"}
    voted = [film(i, f"F{i}", votes=v) for i, v in enumerate((10, 100, 1000, 10_000), 1)]
    assert {f.title for f in rank_newer([HEAT], {949: voted}, filters=Filters(popularity=(0.5, 1.0)))} == {"F3", "F4"}
    assert rank_newer([HEAT], {949: listed}, filters=Filters(years=(1900, 1910))) == []


def test_taste_prefers_what_the_seeds_share_and_the_prior_vouches_for_votes() -> None:
    seeds = [seed(1, "A", genres=("Drama",), language="ko"), seed(2, "B", genres=("Drama",), language="ko")]
    korean, american = film(10, "K", language="ko"), film(11, "U", genres=(COMEDY,))
    taste = taste_scores(seeds, [korean, american])
    assert taste[0] > taste[1]
    assert vote_prior(film(1, "Many", votes=20_000, average=7.5)) > vote_prior(film(2, "Few", votes=3, average=10.0))
    assert catalog_genres(["Science Fiction", "Family", "TV Movie", "Drama"]) == ("Sci-Fi", "Children", "Drama")
    assert tmdb_genre("Sci-Fi") == "Science Fiction" and tmdb_genre("Drama") == "Drama"


def test_discovered_releases_fill_in_without_evidence() -> None:
    discovered = [film(20, "New release", 2026, votes=4000)]
    ranked = rank_newer([HEAT], {949: [film(1, "Pointed")]}, discovered=discovered, k=5)
    assert [f.title for f in ranked] == ["Pointed", "New release"]
    assert ranked[1].because == []


# ---------------------------------------------------------------------------------------------------- lookup


def test_the_films_the_model_lacks_are_looked_up_best_rated_and_latest_first() -> None:
    films = [
        FilmEntry("A", 2020, 3.0),
        FilmEntry("B", 2021, 5.0),
        FilmEntry("C", 2022),
        FilmEntry("D", 2023, liked=True),
    ]
    assert [f.title for f in priority(films)] == ["B", "D", "A", "C"]
    unknown = Match("C (2022)", None, None, None, 0.0, "unmatched", reason="no title is close")
    rare = Match("A (2020)", 7, "A", 2020, 1.0, "matched")
    asking = Match("B (2021)", None, None, None, 0.5, "uncertain")
    known = Match("D (2023)", 8, "D", 2023, 1.0, "matched")
    matched = MatchedHistory([7, 8], {7, 8}, set(), list(zip(films, [rare, asking, unknown, known], strict=True)))
    knows = lambda movie_id: movie_id == 8  # noqa: E731
    assert [f.title for f in lacking(matched, knows, last_year=2021)] == ["A", "C"]  # B waits for a pick
    # released after the model's last year, B cannot be any of the catalog's candidates: TMDb is asked
    assert [f.title for f in lacking(matched, knows, last_year=2020)] == ["A", "B", "C"]
    assert Lookup([films[0], films[2]]).not_looked_up == 2


def test_without_a_key_the_films_the_model_cannot_know_are_counted() -> None:
    films = [FilmEntry("Anora", 2024), FilmEntry("Heat", 1995), FilmEntry("Untitled")]
    assert beyond_the_model(films, last_year=2018) == 1


@pytest.mark.parametrize("stars, liked, weight", [(5.0, False, 1.0), (4.0, False, 2 / 3), (None, True, 2 / 3),
                                                  (None, False, 0.5), (2.0, True, 0.0)])  # fmt: skip
def test_a_seed_weighs_by_its_stars(stars: float | None, liked: bool, weight: float) -> None:
    from lbrec.ask.shelf import stars_weight

    assert stars_weight(stars, liked) == pytest.approx(weight)


def test_a_seed_without_a_language_counts_against_no_language() -> None:
    korean = seed(1, "A", genres=("Drama",), language="ko", year=2020)
    model_film = seed(2, "B", genres=("Drama",), language="", year=2020)  # the model's films carry no language
    candidates = [film(10, "K", 2021, language="ko"), film(11, "E", 2021, language="en")]
    assert taste_scores([korean], candidates) == pytest.approx(taste_scores([korean, model_film], candidates))


def test_a_pick_among_tmdb_s_candidates_settles_the_lookup_and_stays_offered() -> None:
    home, alone = FilmEntry("Home", 2024), FilmEntry("Alone", 2020)
    candidates = tuple(TmdbCandidate(n, "Home", 2024, 0.7, TmdbFilm(n, "Home", year=2024)) for n in (1, 2))
    waiting = TmdbMatch("Home (2024)", None, None, None, 0.7, "uncertain", candidates)
    alone_film = TmdbCandidate(3, "Alone", 2020, 0.97, TmdbFilm(3, "Alone", year=2020))
    found = TmdbMatch("Alone (2020)", 3, "Alone", 2020, 0.97, "matched", (alone_film,))
    lookup = Lookup([home, alone], [(home, waiting), (alone, found)])
    assert lookup.ambiguous() == [(home, waiting)] and lookup.tmdb_ids == {3}
    picked = lookup.with_confirmed({"Home (2024)": 2})
    assert picked.tmdb_ids == {2, 3} and not picked.ambiguous()  # settled: no longer waiting
    assert [film for film, _ in picked.ambiguous({"Home (2024)"})] == [home]  # still offered, to change the pick
    assert lookup.with_confirmed({"Home (2024)": 9}).tmdb_ids == {3}  # not one of its candidates: unchanged
