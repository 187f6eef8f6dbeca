"""Where to watch on the command line, through the questions layer, against a loopback TMDb: `--country` says where
each film streams, `--service` keeps only the films a service streams (best first, filled to k, the shortfall said
in one line), and without a key, with a wrong country or an unknown service, one line says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.fault_server import FaultServer
from harness.tmdb_server import APPLE, MUBI, NETFLIX, V3_KEY, movie, offers, serve_film, serve_offered, with_providers
from tests.helpers.process import run_lbrec

TITLES = "Heat (1995); Alien (1979); The Matrix (1999)"


def tmdb_env(server: FaultServer) -> dict[str, str]:
    return {"TMDB_API_KEY": V3_KEY, "LBREC_TMDB_URL": server.url}


def top(model_dir: Path, k: int) -> list[int]:
    """The TMDb ids of the first k films recommended for TITLES without any where-to-watch option."""
    done = run_lbrec("recommend", "--model", str(model_dir), "--titles", TITLES, "-k", str(k), "--json")
    assert done.returncode == 0, done.stderr
    return [film["tmdbId"] for film in json.loads(done.stdout)["recommendations"]]


def serve(server: FaultServer, tmdb_ids: list[int], on_netflix: set[int]) -> None:
    """The films, each streaming on Netflix (those in `on_netflix`) or MUBI in GB, and rented from Apple."""
    serve_offered(server, "GB", [NETFLIX, MUBI, APPLE])
    for tmdb_id in tmdb_ids:
        where = offers(tmdb_id, flatrate=[NETFLIX if tmdb_id in on_netflix else MUBI], rent=[APPLE])
        serve_film(server, with_providers(movie(tmdb_id, f"Film {tmdb_id}"), GB=where))


def test_a_service_keeps_the_best_films_it_streams_and_a_country_says_where(
    ml_small_model_dir: Path, fault_server: FaultServer
) -> None:
    ranked = top(ml_small_model_dir, 20)
    on_netflix = set(ranked[1::3])
    serve(fault_server, ranked, on_netflix)
    done = run_lbrec(
        "recommend",
        "--model",
        str(ml_small_model_dir),
        "--titles",
        TITLES,
        "-k",
        "4",
        "--json",
        "--country",
        "gb",
        "--service",
        "NETFLIX",
        env=tmdb_env(fault_server),
    )
    assert done.returncode == 0, done.stderr
    films = json.loads(done.stdout)["recommendations"]
    assert [f["tmdbId"] for f in films] == [t for t in ranked if t in on_netflix][:4]  # the best, in order
    assert all(
        f["watch"]["country"] == "GB"
        and f["watch"]["stream"] == ["Netflix"]
        and f["watch"]["rent"] == ["Apple TV"]
        and f["because"]
        for f in films
    )
    everywhere = run_lbrec(
        "recommend",
        "--model",
        str(ml_small_model_dir),
        "--titles",
        TITLES,
        "-k",
        "3",
        "--country",
        "GB",
        env=tmdb_env(fault_server),
    )
    assert everywhere.returncode == 0 and everywhere.stdout.count("    GB: stream ") == 3, everywhere.stderr
    assert V3_KEY not in everywhere.stdout + everywhere.stderr


def test_fewer_films_than_asked_are_said_in_one_line_and_none_is_an_error(
    ml_small_model_dir: Path, fault_server: FaultServer
) -> None:
    ranked = top(ml_small_model_dir, 12)
    serve(fault_server, ranked, on_netflix=set(ranked[:2]))  # the other 288 candidates: TMDb does not know them
    few = run_lbrec(
        "recommend",
        "--model",
        str(ml_small_model_dir),
        "--titles",
        TITLES,
        "-k",
        "5",
        "--country",
        "GB",
        "--service",
        "Netflix",
        "--json",
        env=tmdb_env(fault_server),
    )
    assert few.returncode == 0 and len(json.loads(few.stdout)["recommendations"]) == 2, few.stderr
    assert "Only 2 of the 300 best candidates stream on Netflix in GB (United Kingdom)" in few.stderr
    none = run_lbrec(
        "similar",
        "Toy Story (1995)",
        "--model",
        str(ml_small_model_dir),
        "--country",
        "GB",
        "--service",
        "apple tv",
        env=tmdb_env(fault_server),
    )  # it rents them: renting is not streaming
    (line,) = none.stderr.strip().splitlines()[-1:]
    assert none.returncode == 1 and "No film among the" in line and "streams on Apple TV in GB" in line


@pytest.mark.parametrize(
    "options, env, message",
    [
        (["--country", "GB"], {}, "where to watch needs TMDb: set TMDB_API_KEY to your own TMDb API key"),
        (["--service", "Netflix"], {"TMDB_API_KEY": V3_KEY}, "streaming services are per country: choose a country"),
        (["--country", "UK"], {"TMDB_API_KEY": V3_KEY}, "did you mean GB (United Kingdom)?"),
        (["--country", "GB", "--service", "Netflx"], {"TMDB_API_KEY": V3_KEY}, "Netflix"),
    ],
)
def test_where_to_watch_refusals_are_one_line(
    ml_small_model_dir: Path, fault_server: FaultServer, options: list[str], env: dict[str, str], message: str
) -> None:
    serve_offered(fault_server, "GB", [NETFLIX, MUBI, APPLE])
    done = run_lbrec(
        "recommend",
        "--model",
        str(ml_small_model_dir),
        "--titles",
        TITLES,
        *options,
        env={"TMDB_API_KEY": "", **env, "LBREC_TMDB_URL": fault_server.url},
    )
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    (line,) = [text for text in done.stderr.splitlines() if text.startswith("lbrec recommend: error:")]
    assert message in line and V3_KEY not in line
