"""Faults: damaged files give a clear error naming the file and the fix, never a crash deep inside a library or a
wrong answer; training killed with SIGKILL resumes from its last checkpoint and ends where an unbroken run ends.

The corruption matrix damages every file the app serves from (model.onnx, onnx.json, movie_ids.npy,
catalog.parquet) in every way a disk, a copy or a crash can: deleted, emptied, cut at several lengths, single bits
flipped at offsets spread over the file. After each, the folder either loads and recommends exactly what the intact
folder does, or `Recommender` raises `ArtifactError` naming the file and `make model`. The same for a data set
folder, a training checkpoint and Letterboxd cache entries (which are fetched again: the cache is only a cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from harness.fault_server import FaultServer, Reply
from harness.files import REPO
from lbrec.app.page import main
from lbrec.data.dataset import Dataset
from lbrec.errors import ArtifactError
from lbrec.letterboxd.client import Client
from lbrec.serving.engine import Recommender

SERVED = ("model.onnx", "onnx.json", "movie_ids.npy", "catalog.parquet")


def flip(data: bytes, offset: int) -> bytes:
    damaged = bytearray(data)
    damaged[offset] ^= 0x10
    return bytes(damaged)


FLIPS = 8
DAMAGES: dict[str, Callable[[bytes], bytes | None]] = {  # None: the file is deleted
    "deleted": lambda data: None,
    "emptied": lambda data: b"",
    "cut to one byte": lambda data: data[:1],
    "cut to a third": lambda data: data[: len(data) // 3],
    "cut in half": lambda data: data[: len(data) // 2],
    "last byte missing": lambda data: data[:-1],
    "end zeroed": lambda data: data[:-64] + bytes(64),
    **{
        f"bit flipped at {2 * i + 1}/{2 * FLIPS}": lambda data, i=i: flip(data, (2 * i + 1) * len(data) // (2 * FLIPS))
        for i in range(FLIPS)
    },
}


def damage(path: Path, how: str) -> None:
    result = DAMAGES[how](path.read_bytes())
    if result is None:
        path.unlink()
    else:
        path.write_bytes(result)


@pytest.fixture(scope="module")
def intact(tiny_model_dir: Path, tiny_dataset: Dataset) -> tuple[list[int], list[tuple[int, float]]]:
    """A history and what the intact model recommends for it."""
    history = [int(m) for m in tiny_dataset.movie_ids[tiny_dataset.sequence(5)][-10:]]
    recs = Recommender(tiny_model_dir).recommend(history, k=10)
    return history, [(r.movieId, r.score) for r in recs]


@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("name", SERVED)
def test_a_damaged_model_file_is_refused_by_name_or_changes_nothing(
    tiny_model_dir: Path, tmp_path: Path, name: str, how: str, intact: tuple
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    damage(folder / name, how)
    history, expected = intact
    try:
        engine = Recommender(folder)
    except ArtifactError as exc:
        message = str(exc)
        assert str(folder / name) in message or (name == "onnx.json" and str(folder) in message), message
        assert "make model" in message and "\n" not in message
        return
    # Loaded: then the damage changed nothing that matters (a flipped bit in onnx.json's "created" date, say).
    assert name == "onnx.json", f"{name} {how}: a damaged file was served"
    assert [(r.movieId, r.score) for r in engine.recommend(history, k=10)] == expected


def test_the_app_explains_a_damaged_model_instead_of_starting(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    onnx = folder / "model.onnx"
    onnx.write_bytes(onnx.read_bytes()[:5000])
    monkeypatch.setenv("LBREC_MODEL", str(folder))
    page = main()
    assert "The app cannot start" in page.value and "model.onnx" in page.value and "make model" in page.value


DATASET_FILES = (
    "meta.json",
    "user_ids.npy",
    "movie_ids.npy",
    "offsets.npy",
    "items.npy",
    "splits.npz",
    "catalog.parquet",
)


@pytest.mark.parametrize("name", DATASET_FILES)
@pytest.mark.parametrize("how", ["deleted", "emptied", "cut in half", "cut to a third"])
def test_a_damaged_data_set_is_refused_by_name_with_the_fix(
    tiny_dataset: Dataset, tmp_path: Path, name: str, how: str
) -> None:
    folder = tmp_path / "dataset"
    shutil.copytree(tiny_dataset.path, folder)
    damage(folder / name, how)
    with pytest.raises(ArtifactError) as info:
        dataset = Dataset(folder)
        dataset.catalog  # noqa: B018 (read lazily: reading it is the test)
        dataset.timestamps  # noqa: B018
    message = str(info.value)
    assert (str(folder / name) in message or str(folder) in message) and "prepare" in message, message


# ---------------------------------------------------------------------------------------------------- the cache


@pytest.mark.parametrize(
    "how", ["cut", "emptied", "binary", "text changed, still valid JSON", "wrong types", "another page's entry"]
)
def test_a_damaged_cache_entry_is_fetched_again_never_served(
    fault_server: FaultServer, tmp_path: Path, how: str
) -> None:
    page = "<html><body>" + "Heat (1995) rated 5 " * 200 + "</body></html>"
    fault_server.route("/someone/rss/", Reply(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"}))
    fault_server.route("/other/rss/", Reply(200, b"<html>other</html>", {"Content-Type": "text/html"}))
    with Client(base_url=fault_server.url, cache_dir=tmp_path) as http:
        http.get("/someone/rss/")
        http.get("/other/rss/")
    entry = tmp_path / next(
        p for p in os.listdir(tmp_path) if p.endswith(".json") and "someone" in (tmp_path / p).read_text()
    )
    other = next(p for p in tmp_path.glob("*.json") if p != entry)
    content = json.loads(entry.read_text())
    damaged = {
        "cut": entry.read_bytes()[: len(entry.read_bytes()) // 2],
        "emptied": b"",
        "binary": os.urandom(2000),
        "text changed, still valid JSON": json.dumps({**content, "text": content["text"].replace("5", "1")}).encode(),
        "wrong types": json.dumps({**content, "text": 12, "fetched": "yesterday"}).encode(),
        "another page's entry": other.read_bytes(),
    }[how]
    entry.write_bytes(damaged)
    with Client(base_url=fault_server.url, cache_dir=tmp_path) as http:
        fetched = http.get("/someone/rss/")
    assert fetched.text == page and not fetched.from_cache
    assert len(fault_server.hits_for("/someone/rss/")) == 2
    assert json.loads(entry.read_text())["text"] == page  # and the entry is whole again


# ---------------------------------------------------------------------------------------------------- training

TRAIN = """
import os, signal, sys
import torch
torch.set_num_threads(1)
import lbrec.artifacts
from lbrec.model import train
from lbrec.model.config import TrainConfig
from lbrec.model.config import SASRecConfig
from lbrec.data.dataset import Dataset

dataset, out, kill_at = Dataset(sys.argv[1]), sys.argv[2], int(sys.argv[3])
artifacts = lbrec.artifacts.__file__
lines, marks = 0, []

def local(frame, event, arg):
    global lines
    if event == "line":
        lines += 1
        if lines == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    return local

def calls(frame, event, arg):  # the lines of the two writers only: a kill at a given count lands mid-write
    code = frame.f_code
    return local if code.co_filename == artifacts and code.co_name in ("atomic_path", "atomic_dir") else None

sys.settrace(calls)
train.train(dataset, out, SASRecConfig(n_items=dataset.n_items, max_len=20, dim=16, heads=2, layers=1),
            TrainConfig(epochs=EPOCHS, patience=EPOCHS, batch_size=64, lr=3e-3, seed=7), device="cpu",
            progress=False, on_epoch=lambda epoch, record: marks.append(lines))
print("artifact lines", lines, "after each epoch", *marks, flush=True)
"""
EPOCHS = 6


def run_training(dataset: Path, out: Path, kill_at: int = 0) -> tuple[int, str]:
    """Train in a real process, SIGKILLed at the kill_at-th line it runs in lbrec.artifacts' atomic writers (0:
    never); return its exit status and output."""
    done = subprocess.run(
        [sys.executable, "-c", TRAIN.replace("EPOCHS", str(EPOCHS)), str(dataset), str(out), str(kill_at)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    return done.returncode, done.stdout + done.stderr


def resumed_after(output: str) -> int:
    """The epoch a run resumed after (0: it started afresh)."""
    return max(
        [int(line.rsplit("after epoch", 1)[1]) for line in output.splitlines() if "resuming from" in line], default=0
    )


def test_training_killed_with_sigkill_resumes_and_ends_where_an_unbroken_run_ends(
    tiny_dataset: Dataset, tmp_path: Path
) -> None:
    from safetensors.numpy import load_file

    status, output = run_training(tiny_dataset.path, tmp_path / "unbroken")
    assert status == 0, output[-3000:]
    counts = [int(n) for n in output.rsplit("artifact lines", 1)[1].replace("after each epoch", "").split()]
    total, marks = counts[0], counts[1:]
    checkpoint = (marks[-1] - marks[0]) // (EPOCHS - 1)  # lines of one checkpoint write
    final = total - marks[-1]  # lines of writing the model folder
    # Each run is killed halfway through a write, counted from its own start: its second checkpoint, then its third,
    # then the model folder; the next run resumes from whatever the killed one left, and the last one finishes.
    out = tmp_path / "killed"
    epoch, interrupted = 0, 0
    for kill_in in ("checkpoint 2", "checkpoint 3", "model folder"):
        remaining = EPOCHS - epoch
        kill_at = (
            int(checkpoint * 1.5)
            if kill_in == "checkpoint 2"
            else int(checkpoint * 2.5)
            if kill_in == "checkpoint 3"
            else remaining * checkpoint + final // 2
        )
        status, output = run_training(tiny_dataset.path, out, kill_at)
        assert status == -9, f"not killed in {kill_in} (line {kill_at}): {output[-2000:]}"
        assert resumed_after(output) == epoch
        interrupted += any(p.name.endswith(".tmp") for p in [*out.iterdir(), *out.parent.iterdir()])
        epoch = _checkpoint_epoch(out)
    assert interrupted == 3  # each kill left a write half done
    status, output = run_training(tiny_dataset.path, out)
    assert status == 0 and resumed_after(output) == EPOCHS, output[-3000:]

    expected = json.loads((tmp_path / "unbroken" / "config.json").read_text())
    got = json.loads((out / "config.json").read_text())
    assert got["best_epoch"] == expected["best_epoch"]
    assert dict(leaves(got["metrics"])) == pytest.approx(dict(leaves(expected["metrics"])), abs=1e-6)
    weights, reference = load_file(out / "model.safetensors"), load_file(tmp_path / "unbroken" / "model.safetensors")
    assert weights.keys() == reference.keys()
    for key in reference:
        np.testing.assert_allclose(weights[key], reference[key], atol=1e-6, err_msg=key)
    losses = [h["loss"] for h in json.loads((out / "history.json").read_text())]
    assert losses == pytest.approx(
        [h["loss"] for h in json.loads((tmp_path / "unbroken" / "history.json").read_text())], abs=1e-6
    )


def leaves(tree: object, path: str = "") -> Iterator[tuple[str, float]]:
    """(path, number) for every number in nested dicts and lists: metrics with their intervals."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, f"{path}/{key}")
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from leaves(value, f"{path}/{i}")
    elif isinstance(tree, (int, float)):
        yield path, float(tree)


def _checkpoint_epoch(out: Path) -> int:
    """The epoch the checkpoint in `out` was written after (read as the training code reads it)."""
    from safetensors import safe_open

    with safe_open(out / "checkpoint.safetensors", "np") as f:
        return json.loads(f.metadata()["state"])["epoch"]
