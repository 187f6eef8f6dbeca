"""Atomic writes under SIGKILL: every artifact is the old complete version or the new one, whenever the writer dies.

A real process writes each kind of artifact (a .npy array, a JSON file, one written without fsync as TMDb's cache
entries are, a Letterboxd cache entry, a prepared data set folder, a trained model folder's model.safetensors +
config.json, an exported model.onnx + onnx.json + catalog.parquet) and is killed with SIGKILL:

- at kill points: the writer counts the lines of lbrec it runs (sys.settrace) and kills itself at the K-th, for K
  spread from the first line of the write to the last (every K in benchmarks/bench_faults.py), so kills land
  between the steps: before the temporary file is complete, between fsync and rename, between two renames;
- at random moments while it writes version after version, so kills also land inside a long write() or fsync().

After each kill this process loads the artifact with lbrec's own readers and checks that it is a complete version:
the one before the write or the one being written, never a mix and never an error. The writer is a fork server
(`python -m harness.kill serve`): it imports torch and prepares the payloads once, then forks one child per
write, so a kill point costs milliseconds rather than a Python start.

The suite tries up to 100 kill points per writer (4 for the ONNX export, which takes seconds);
`LBREC_KILL_POINTS=all` (benchmarks/bench_faults.py) tries every one.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness.files import REPO

LBREC = str(REPO / "lbrec")
KILL_POINTS = os.environ.get("LBREC_KILL_POINTS", "")  # "all", or how many per writer (default: 100; 4 if SLOW)
RANDOM_KILLS = int(os.environ.get("LBREC_RANDOM_KILLS", "12"))
WRITERS = ("npy", "json", "json_cache", "cache", "dataset", "model", "onnx")
SLOW = {"onnx"}  # an ONNX export takes seconds
RANDOM = {"npy", "json", "json_cache", "dataset", "model"}  # writers that can write version after version on their own


# ---------------------------------------------------------------------------------------------------- the writer


def _kill_at_line(k: int) -> None:
    """Trace lbrec's own lines and SIGKILL this process at the k-th."""
    count = 0

    def local(frame: object, event: str, arg: object) -> object:
        nonlocal count
        if event == "line":
            count += 1
            if count == k:
                os.kill(os.getpid(), signal.SIGKILL)
        return local

    def calls(frame: object, event: str, arg: object) -> object:
        return local if frame.f_code.co_filename.startswith(LBREC) else None  # type: ignore[attr-defined]

    sys.settrace(calls)


def _lines_counter() -> Callable[[], int]:
    count = 0

    def local(frame: object, event: str, arg: object) -> object:
        nonlocal count
        if event == "line":
            count += 1
        return local

    sys.settrace(lambda frame, event, arg: local if frame.f_code.co_filename.startswith(LBREC) else None)
    return lambda: count


def _payloads(work: Path, fault_url: str) -> dict[str, Callable[[Path, int], None]]:
    """Each writer, as `write(target, version)`: real lbrec code writing a payload that names its version."""
    import torch

    from lbrec.artifacts import save_npy, write_json
    from lbrec.data import synthetic
    from lbrec.data.movielens import load
    from lbrec.data.prepare import PrepareConfig, prepare, prepare_to_folder, save
    from lbrec.letterboxd.client import Client
    from lbrec.model import export, folder
    from lbrec.model.config import SASRecConfig
    from lbrec.model.sasrec import SASRec

    torch.set_num_threads(1)  # forked children must not wait on a thread pool they did not inherit
    prepared = []
    for seed in (1, 2):
        raw = synthetic.write(work / f"raw{seed}", n_ratings=3000, n_users=60, n_movies=80, seed=seed)
        prepared.append(prepare(load(ratings=raw / "ratings.csv", movies=raw / "movies.csv", links=raw / "links.csv")))
    dataset = prepare_to_folder(
        load(ratings=work / "raw1" / "ratings.csv", movies=work / "raw1" / "movies.csv"), work / "dataset"
    )
    config = SASRecConfig(n_items=dataset.n_items, max_len=8, dim=16, heads=2, layers=1)

    def model(version: int) -> SASRec:
        torch.manual_seed(version)
        return SASRec(config)

    def write_model(target: Path, version: int) -> None:
        folder.write_model(
            target,
            model(version),
            dataset.movie_ids,
            {
                "model": config.to_dict(),
                "version": version,
                "dataset": "atomic",
                "dataset_path": str(dataset.path),
                "metrics": {"version": version},
            },
            history=[],
        )

    def export_model(target: Path, version: int) -> None:
        export.export_model_dir(target, blend=False)

    return {
        "npy": lambda target, version: save_npy(target, np.full(1 << 19, version, dtype=np.int64)),
        "json": lambda target, version: write_json(target, {"version": version, "filler": "x" * (1 << 20)}),
        "json_cache": lambda target, version: write_json(
            target, {"version": version, "filler": "x" * (1 << 20)}, durable=False
        ),  # a cache entry: renamed, not fsynced
        "cache": lambda target, version: Client(base_url=fault_url, cache_dir=target, retries=0).get(
            f"/v{version}/rss/"
        ),
        "dataset": lambda target, version: save(prepared[version % 2], target, f"v{version}", PrepareConfig()),
        "model": write_model,
        "onnx": export_model,
        "onnx:prepare": write_model,  # new weights for the next export, written whole before it starts
    }


def serve(work: Path, fault_url: str) -> None:
    """Read one command per line on stdin, run it in a forked child, answer on stdout.

    {"writer", "target", "version", "kill_at"}: trace and SIGKILL at the kill_at-th line (None: run to the end and
    answer the number of lines); {"writer", "target", "version", "loop_for"}: write versions version, version + 1,
    ... and SIGKILL after a random delay of up to loop_for seconds.
    """
    writers = _payloads(work, fault_url)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        write, target, version = writers[command["writer"]], Path(command["target"]), command["version"]
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: write, report, vanish (never back into this loop)
            code = 1
            try:
                os.close(read_end)
                while command.get("loop_for") is not None:
                    write(target, version)
                    version += 1
                if command.get("kill_at"):
                    _kill_at_line(command["kill_at"])
                    write(target, version)
                    count = 0
                else:
                    lines = _lines_counter()
                    write(target, version)
                    count = lines()
                sys.settrace(None)
                os.write(write_end, str(count).encode())
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(write_end)
        if command.get("loop_for") is not None:
            time.sleep(random.uniform(0.05, command["loop_for"]))
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        lines = os.read(read_end, 64).decode()
        os.close(read_end)
        outcome = (
            "killed"
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            else "done"
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
            else f"failed ({status})"
        )
        print(json.dumps({"outcome": outcome, "lines": int(lines or 0)}), flush=True)


# ---------------------------------------------------------------------------------------------------- the checks


class KillServer:
    """The fork server in its own process, driven line by line."""

    def __init__(self, work: Path, fault_url: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness.kill", "serve", str(work), fault_url],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._answer(timeout=300)

    def _answer(self, timeout: float) -> dict:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"the writer process stopped answering (exit status {self.process.poll()})")
        return json.loads(line)

    def run(
        self, writer: str, target: Path, version: int, *, kill_at: int | None = None, loop_for: float | None = None
    ) -> dict:
        assert self.process.stdin is not None
        command = {
            "writer": writer,
            "target": str(target),
            "version": version,
            "kill_at": kill_at,
            "loop_for": loop_for,
        }
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._answer(timeout=300)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(30)


def version_of(writer: str, target: Path) -> int | None:
    """The version the artifact at `target` holds, read by lbrec's own readers; None when it was never written.
    Raises (fails the test) when it is anything but one complete version."""
    from lbrec.artifacts import load_npy, read_json

    if writer == "npy":
        if not target.exists():
            return None
        array = load_npy(target)
        assert len(array) == 1 << 19 and (array == array[0]).all()
        return int(array[0])
    if writer in ("json", "json_cache"):
        if not target.exists():
            return None
        content = read_json(target)
        assert content["filler"] == "x" * (1 << 20)
        return content["version"]
    if writer == "cache":
        entries = list(target.glob("*.json")) if target.exists() else []
        if not entries:
            return None
        versions = []
        for entry in entries:  # one per version written: each must be whole and its text the page it names
            content = json.loads(entry.read_text(encoding="utf-8"))
            version = int(content["url"].rsplit("/v", 1)[1].split("/")[0])
            assert content["text"] == page(version)
            versions.append(version)
        return max(versions)
    if writer == "dataset":
        from lbrec.data.dataset import Dataset

        if not target.exists():
            return None
        dataset = Dataset(target)
        version = int(dataset.meta["dataset"][1:])
        assert dataset.meta["stats"]["positives"] == len(dataset.items) == dataset.offsets[-1]
        assert len(dataset.catalog) >= dataset.n_items and dataset.eval_cases("test")[0].size
        return version
    if writer == "model":
        from lbrec.model.folder import load_model

        if not (target / "config.json").exists():
            return None
        load_model(target)  # checks model.safetensors against the sha256 in config.json
        return read_json(target / "config.json")["version"]
    if writer == "onnx":
        from lbrec.serving.engine import Recommender

        if not (target / "onnx.json").exists():
            return None
        engine = Recommender(target)  # checks model.onnx against the sha256 in onnx.json, shapes, catalog
        assert engine.recommend([int(engine.catalog.movie_ids[0])], k=3)
        return engine.meta["metrics"]["version"]
    raise ValueError(writer)


def page(version: int) -> str:
    return f"<html><body>page {version} " + "é" * 200_000 + "</body></html>"


def leftovers(writer: str, target: Path) -> list[Path]:
    """Temporary files or folders a killed writer left next to the artifact (or inside it, for the cache)."""
    folder = target if writer == "cache" else target.parent
    return [p for p in folder.glob(".*") if p.name.endswith((".tmp", ".old"))] if folder.exists() else []


@dataclass
class Sweep:
    """What a run of kills found: how many, how many caught a write half done, what each left."""

    writer: str
    kill_points: int = 0
    random_kills: int = 0
    interrupted: int = 0  # kills after which a temporary file or folder was left (a write in progress)
    versions_seen: set[int] = field(default_factory=set)

    def as_dict(self) -> dict:
        return {
            "writer": self.writer,
            "kill_points": self.kill_points,
            "random_kills": self.random_kills,
            "interrupted_mid_write": self.interrupted,
            "broken": 0,
        }


def sweep(
    server: KillServer,
    writer: str,
    target: Path,
    points: str = KILL_POINTS,
    random_kills: int = RANDOM_KILLS,
    on_version: Callable[[int], None] = lambda v: None,
) -> Sweep:
    """Write version 0 whole, then kill the writer at every kill point (or a spread sample) and at random moments,
    checking after each kill that the artifact is the version before the write or the one being written."""
    result = Sweep(writer)
    version = 0

    def write(**how: object) -> str:
        nonlocal version
        version += 1
        on_version(version)
        if writer == "onnx":
            assert server.run("onnx:prepare", target, version)["outcome"] == "done"
        return server.run(writer, target, version, **how)["outcome"]  # type: ignore[arg-type]

    on_version(0)
    if writer == "onnx":
        server.run("onnx:prepare", target, 0)
    total = server.run(writer, target, 0)["lines"]
    previous = version_of(writer, target)
    assert previous == 0
    wanted = total if points == "all" else int(points or (4 if writer in SLOW else 100))
    # every line, or a spread: the first, the last, and evenly between
    kill_points = sorted({round(1 + i * (total - 1) / max(wanted - 1, 1)) for i in range(min(wanted, total))})
    for k in kill_points:
        outcome = write(kill_at=k)
        assert outcome == "killed", f"{writer}: the writer was not killed at line {k} of {total} ({outcome})"
        now = version_of(writer, target)
        assert now in (previous, version), f"{writer} killed at line {k}: version {now}, not {previous} or {version}"
        result.kill_points += 1
        result.interrupted += bool(leftovers(writer, target))
        result.versions_seen.add(now)
        previous = now
    if writer in RANDOM:
        for _ in range(random_kills):
            first = version + 1
            outcome = server.run(writer, target, first, loop_for=0.4)["outcome"]
            assert outcome == "killed"
            now = version_of(writer, target)
            assert now == previous or (now is not None and now >= first), f"{writer}: version {now} after a kill"
            version = max(version, now or 0) + 1000  # versions the loop may have reached are spent
            result.random_kills += 1
            result.interrupted += bool(leftovers(writer, target))
            previous = now
    assert write() == "done"  # a complete write after all those kills: it also clears what they left
    assert version_of(writer, target) == version
    assert not leftovers(writer, target), f"{writer}: leftovers after a complete write: {leftovers(writer, target)}"
    return result


TARGETS = {
    "npy": "array.npy",
    "json": "meta.json",
    "json_cache": "entry.json",
    "cache": "cache",
    "dataset": "dataset",
    "model": "model",
    "onnx": "model",
}


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    serve(Path(sys.argv[2]), sys.argv[3])
