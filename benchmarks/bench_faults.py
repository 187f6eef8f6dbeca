"""Kill every writer of lbrec at every kill point: the SIGKILL sweep of tests/integration/test_atomic.py, unsampled.

    python -m benchmarks.bench_faults [--random-kills 50]

For each artifact (a .npy array, a JSON file, a cache entry, a prepared data set folder, a model folder's
model.safetensors + config.json, an exported model.onnx + onnx.json + catalog.parquet), a real writer process is
killed at every line of lbrec it runs while writing (the ONNX export included, which the suite samples), and at
`--random-kills` random moments; after each kill the artifact must load as the version before or the one being
written. Results: a Markdown table and benchmarks/out/faults.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from harness.fault_server import FaultServer, Reply
from harness.files import REPO
from harness.kill import TARGETS, WRITERS, KillServer, page, sweep

OUT = REPO / "benchmarks" / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--random-kills", type=int, default=50)
    parser.add_argument("--writers", nargs="*", default=list(WRITERS))
    args = parser.parse_args()
    rows = []
    with FaultServer() as letterboxd, tempfile.TemporaryDirectory(prefix="lbrec-faults-") as work:
        killer = KillServer(Path(work) / "writer", letterboxd.url)

        def serve_page(version: int) -> None:
            letterboxd.route(
                f"/v{version}/rss/", Reply(200, page(version).encode(), {"Content-Type": "text/html; charset=utf-8"})
            )

        try:
            for writer in args.writers:
                started = time.perf_counter()
                result = sweep(
                    killer,
                    writer,
                    Path(work) / writer / TARGETS[writer],
                    points="all",
                    random_kills=args.random_kills,
                    on_version=serve_page if writer == "cache" else lambda v: None,
                )
                rows.append(result.as_dict() | {"seconds": round(time.perf_counter() - started, 1)})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        finally:
            killer.close()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "faults.json").write_text(json.dumps({"cpus": os.cpu_count(), "writers": rows}, indent=2))
    print("| artifact | kill points | random kills | kills that caught a write half done | broken after a kill |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['writer']} | {row['kill_points']:,} | {row['random_kills']} | {row['interrupted_mid_write']:,} "
            f"| {row['broken']} |"
        )


if __name__ == "__main__":
    main()
