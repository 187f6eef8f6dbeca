"""Where to watch: what the service filter adds to an answer, with the providers cached and with a cold cache.

    python -m benchmarks.bench_watch [--films 100] [--repeats 20] [--latency 0.1]

Against the tests' loopback TMDb (harness/tmdb_server.py), every film answering with a block shaped like
TMDb's for a well-served film (140 countries, 12 offers each, 60 services in all):
- cached: the filter judging `--films` films whose providers are on disk (a new client, as a new process would be)
  and in the client's memory (the same client asked again), k = --films so that it judges them all: ms, median of
  --repeats runs;
- cold: k = 10 from an empty cache, TMDb answering each request after --latency seconds, at most 4 in flight (the
  client's bound), for films of which 1 in 2, 3, 5, 8 or 10 streams on the service asked for: seconds, how many
  films were looked at, and the ratio to the floor that 4 requests in flight set (looked at / 4 rounds of --latency).
The loopback TMDb runs in a process of its own, as TMDb would.
The goals: under 50 ms cached for 100 films; within 3 s cold for k = 10. Results: a Markdown table on
stdout and benchmarks/out/watch.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
from pathlib import Path

import pycountry

from benchmarks.common import served_apart
from harness.fault_server import FaultServer
from harness.tmdb_server import IMAGES, NETFLIX, V3_KEY, movie, provider, serve_film
from lbrec.tmdb.client import MAX_IN_FLIGHT, TmdbClient
from lbrec.tmdb.streaming import keep_streaming

OUT = Path(__file__).resolve().parent / "out"
COUNTRIES = sorted({c.alpha_2 for c in pycountry.countries})[:140]  # TMDb lists about 140 for a well-served film
SERVICES = [(1000 + i, f"Service {i}") for i in range(59)]


def film_answer(tmdb_id: int, on_netflix: bool) -> dict:
    """A film as TMDb answers with its providers appended: Netflix in GB when `on_netflix`."""
    results = {}
    for n, country in enumerate(COUNTRIES):
        pick = [SERVICES[(tmdb_id + n + j * 7) % len(SERVICES)] for j in range(12)]
        streams = ([NETFLIX] if on_netflix and country == "GB" else []) + pick[:4]
        results[country] = {
            "link": f"https://www.themoviedb.org/movie/{tmdb_id}/watch?locale={country}",
            "flatrate": [provider(p, i) for i, p in enumerate(streams)],
            "rent": [provider(p, i) for i, p in enumerate(pick[4:8])],
            "buy": [provider(p, i) for i, p in enumerate(pick[8:])],
        }
    return {**movie(tmdb_id, f"Film {tmdb_id}"), "watch/providers": {"results": results}}


def _serve(films: int, every: int, latency: float, url: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    """The loopback TMDb in a process of its own, so that its work does not share the client's interpreter lock."""
    with FaultServer() as server:
        for tmdb_id in range(1, films + 1):
            serve_film(server, film_answer(tmdb_id, on_netflix=tmdb_id % every == 0), delay=latency)
        url.put(server.url)
        stop.wait()
        url.put((len(server.hits), server.max_in_flight))


def loopback_tmdb(films: int, every: int, latency: float = 0.0) -> contextlib.AbstractContextManager[tuple[str, dict]]:
    """(the server's URL, what it saw: filled in on exit with its request count and most requests in flight)."""
    return served_apart(_serve, (films, every, latency), timeout=120)


def client(url: str, cache_dir: Path) -> TmdbClient:
    return TmdbClient(V3_KEY, api_url=url, image_url=url + IMAGES, cache_dir=cache_dir)


def cached(films: int, repeats: int) -> dict:
    """The filter over `films` films whose providers are cached: on disk (a new client) and in memory."""
    with tempfile.TemporaryDirectory() as tmp:
        ids = list(range(1, films + 1))
        with loopback_tmdb(films, every=3) as (url, _seen):
            keep_streaming(client(url, Path(tmp)), ids, {"Netflix"}, "GB", k=films)  # fills the cache
        disk, memory = [], []
        for _ in range(repeats):
            fresh = client("http://127.0.0.1:9", Path(tmp))  # nothing listens: a request would fail the count
            started = time.perf_counter()
            found = keep_streaming(fresh, ids, {"Netflix"}, "GB", k=films)
            disk.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            keep_streaming(fresh, ids, {"Netflix"}, "GB", k=films)
            memory.append(1000 * (time.perf_counter() - started))
            assert fresh.requests_made == 0 and len(found.kept) == films // 3
        entry_kb = statistics.mean(p.stat().st_size for p in Path(tmp).glob("*.watch.txt")) / 1024
        return {
            "films": films,
            "kept": len(found.kept),
            "looked_at": found.looked_at,
            "disk_ms": statistics.median(disk),
            "memory_ms": statistics.median(memory),
            "requests": fresh.requests_made,
            "entry_kb": entry_kb,
        }


def cold(every: int, latency: float, k: int = 10) -> dict:
    """k films from an empty cache when 1 film in `every` streams on the service asked for."""
    with tempfile.TemporaryDirectory() as tmp, loopback_tmdb(300, every, latency) as (url, seen):
        started = time.perf_counter()
        found = keep_streaming(client(url, Path(tmp)), range(1, 301), {"Netflix"}, "GB", k=k)
        seconds = time.perf_counter() - started
        for thread in threading.enumerate():  # the requests still in flight when it answered land in the cache
            if thread.name.startswith("lbrec-watch"):
                thread.join()
    return {
        "pass_rate": f"1 in {every}",
        "kept": len(found.kept),
        "looked_at": found.looked_at,
        "seconds": seconds,
        "floor_seconds": -(-found.looked_at // MAX_IN_FLIGHT) * latency,
        **seen,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    warm = cached(args.films, args.repeats)
    colds = [cold(every, args.latency) for every in (2, 3, 5, 8, 10)]
    print(
        f"| cached: {warm['films']} films judged | on disk (a new client), ms | in memory, ms | requests | "
        f"cache entry per film |"
    )
    print("|---|---:|---:|---:|---:|")
    print(
        f"| median of {args.repeats} | {warm['disk_ms']:.1f} | {warm['memory_ms']:.2f} | {warm['requests']} | "
        f"{warm['entry_kb']:.1f} kB |"
    )
    print(
        f"\n| cold: k = 10, {1000 * args.latency:.0f} ms per answer, {MAX_IN_FLIGHT} in flight | looked at | "
        f"requests | max in flight | seconds | floor: looked at / {MAX_IN_FLIGHT} x latency | / floor |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in colds:
        print(
            f"| {row['pass_rate']} streams on the service | {row['looked_at']} | {row['requests']} | "
            f"{row['max_in_flight']} | {row['seconds']:.2f} | {row['floor_seconds']:.1f} | "
            f"{row['seconds'] / row['floor_seconds']:.2f}x |"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "watch.json").write_text(json.dumps({"cached": warm, "cold": colds, "latency": args.latency}, indent=2))


if __name__ == "__main__":
    main()
