"""Shared fixtures: where the real MovieLens data is, a prepared copy of it, and the fault-injecting server."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fault_server import FaultServer
from lbrec import data, preprocess

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# A hand-made Letterboxd export, kept as the ZIP Letterboxd sends: its files have names (ratings.csv) that the
# project never commits loose, since MovieLens uses them too.
EXPORT_ZIP = Path(__file__).parent / "fixtures" / "letterboxd" / "export.zip"


def export_files() -> dict[str, bytes]:
    """The hand-made export's files by entry name (`likes/films.csv` ...)."""
    with zipfile.ZipFile(EXPORT_ZIP) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


@functools.cache
def export_folder() -> Path:
    """The hand-made export unzipped into a temporary folder (once per run), as the CLI may be given it."""
    folder = Path(tempfile.mkdtemp(prefix="lbrec-export-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    with zipfile.ZipFile(EXPORT_ZIP) as archive:
        archive.extractall(folder)
    return folder


def need(path: Path, what: str) -> Path:
    """Return `path`, or skip the test when it is absent on a developer machine; in CI absence is a failure."""
    if path.exists():
        return path
    message = f"{what} not found at {path}"
    if IN_CI:
        pytest.fail(f"{message}: CI must provide it (set LBREC_DATA_DIR)")
    pytest.skip(message)


def movielens_root() -> Path:
    for candidate in [os.environ.get("LBREC_DATA_DIR"), SHARED / "data", REPO / "data"]:
        if candidate and (Path(candidate) / "ml-latest-small" / "ratings.csv").is_file():
            return Path(candidate)
    return Path(os.environ.get("LBREC_DATA_DIR") or SHARED / "data")


@pytest.fixture(scope="session")
def ml_small_root() -> Path:
    """The folder holding ml-latest-small/ (read in place, never copied)."""
    root = movielens_root()
    need(root / "ml-latest-small" / "ratings.csv", "the MovieLens ml-latest-small data")
    return root


@pytest.fixture(scope="session")
def ml_small_ratings(ml_small_root: Path) -> data.Ratings:
    return data.load("ml-latest-small", data_dir=ml_small_root)


@pytest.fixture(scope="session")
def ml_small(ml_small_ratings: data.Ratings, tmp_path_factory: pytest.TempPathFactory) -> preprocess.Dataset:
    """ml-latest-small prepared with the default protocol, once per test session."""
    out = tmp_path_factory.mktemp("processed") / "ml-latest-small"
    return preprocess.prepare_to_folder(ml_small_ratings, out)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> preprocess.Dataset:
    """A small MovieLens-shaped data set (synthetic: 300 users, 400 movies) with titles, genres and links."""
    from lbrec import synthetic

    raw = synthetic.write(tmp_path_factory.mktemp("synthetic"), n_ratings=30_000, n_users=300, n_movies=400, seed=3)
    ratings = data.load(ratings=raw / "ratings.csv", movies=raw / "movies.csv", links=raw / "links.csv")
    return preprocess.prepare_to_folder(ratings, tmp_path_factory.mktemp("processed") / "tiny", name="tiny")


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_dataset: preprocess.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exported model folder over `tiny_dataset` with random (untrained) weights: enough for the engine."""
    import torch

    from lbrec import export, train
    from lbrec.model import SASRec, SASRecConfig

    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=tiny_dataset.n_items, max_len=20, dim=32, heads=4, layers=2))
    out = tmp_path_factory.mktemp("models") / "tiny"
    out.mkdir()
    train.write_model(out, model, tiny_dataset.movie_ids,
                      {"model": model.config.to_dict(), "dataset": "tiny", "dataset_path": str(tiny_dataset.path),
                       "metrics": {"val": {"ndcg@10": 0.0}}}, history=[])
    export.export_model_dir(out)
    return out


@pytest.fixture(scope="session")
def ml_small_model_dir(ml_small: preprocess.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exported model folder with random weights over the real ml-latest-small vocabulary and catalog: the app's
    tests need real titles to match, not a trained model (so they never depend on models/)."""
    import torch

    from lbrec import export, train
    from lbrec.model import SASRec, SASRecConfig

    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=ml_small.n_items, max_len=50, dim=32, heads=2, layers=1))
    out = tmp_path_factory.mktemp("models") / "ml-latest-small-random"
    out.mkdir()
    train.write_model(out, model, ml_small.movie_ids,
                      {"model": model.config.to_dict(), "dataset": "ml-latest-small",
                       "dataset_path": str(ml_small.path), "metrics": {}}, history=[])
    export.export_model_dir(out)
    return out


@pytest.fixture(scope="session")
def trained_small_model_dir(ml_small: preprocess.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SASRec trained briefly on ml-latest-small and exported: real scores, for checks that random weights
    cannot make (precision, notebooks that show a trained model). Half a minute on two cores."""
    import torch

    from lbrec import export, train
    from lbrec.model import SASRecConfig

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("models") / "ml-latest-small-trained"
    train.train(ml_small, out, SASRecConfig(n_items=ml_small.n_items, dim=64, heads=2),
                train.TrainConfig(epochs=6, lr=3e-3), progress=False, log=lambda _: None)
    export.export_model_dir(out)
    return out
