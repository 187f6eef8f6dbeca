"""Shared fixtures: where the real MovieLens data is, a prepared copy of it, and the fault-injecting server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.fault_server import FaultServer
from lbrec.data.dataset import Dataset
from lbrec.data.movielens import Ratings, load
from lbrec.data.prepare import prepare_to_folder
from tests.helpers.files import movielens_root, need


@pytest.fixture(scope="session")
def ml_small_root() -> Path:
    """The folder holding ml-latest-small/ (read in place, never copied)."""
    root = movielens_root()
    need(root / "ml-latest-small" / "ratings.csv", "the MovieLens ml-latest-small data")
    return root


@pytest.fixture(scope="session")
def ml_small_ratings(ml_small_root: Path) -> Ratings:
    return load("ml-latest-small", data_dir=ml_small_root)


@pytest.fixture(scope="session")
def ml_small(ml_small_ratings: Ratings, tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """ml-latest-small prepared with the default protocol, once per test session."""
    out = tmp_path_factory.mktemp("processed") / "ml-latest-small"
    return prepare_to_folder(ml_small_ratings, out)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """A small MovieLens-shaped data set (synthetic: 300 users, 400 movies) with titles, genres and links."""
    from lbrec.data import synthetic

    raw = synthetic.write(tmp_path_factory.mktemp("synthetic"), n_ratings=30_000, n_users=300, n_movies=400, seed=3)
    ratings = load(ratings=raw / "ratings.csv", movies=raw / "movies.csv", links=raw / "links.csv")
    return prepare_to_folder(ratings, tmp_path_factory.mktemp("processed") / "tiny", name="tiny")


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exported model folder over `tiny_dataset` with random (untrained) weights: enough for the engine."""
    import torch

    from lbrec.model import export
    from lbrec.model.config import SASRecConfig
    from lbrec.model.folder import write_model
    from lbrec.model.sasrec import SASRec

    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=tiny_dataset.n_items, max_len=20, dim=32, heads=4, layers=2))
    out = tmp_path_factory.mktemp("models") / "tiny"
    out.mkdir()
    write_model(
        out,
        model,
        tiny_dataset.movie_ids,
        {
            "model": model.config.to_dict(),
            "dataset": "tiny",
            "dataset_path": str(tiny_dataset.path),
            "metrics": {"val": {"ndcg@10": 0.0}},
        },
        history=[],
    )
    export.export_model_dir(out, blend=False)
    return out


@pytest.fixture(scope="session")
def tiny_blend_dir(tiny_dataset: Dataset, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`tiny_model_dir` serving half SASRec, half EASE (a weight set here, not chosen: `export` chooses it)."""
    import shutil

    from lbrec.artifacts import read_json, sha256_file, write_json
    from lbrec.evaluation.blend import fit_item_item

    out = tmp_path_factory.mktemp("models") / "tiny-blend"
    shutil.copytree(tiny_model_dir, out)
    files = fit_item_item(tiny_dataset, "test", "ease", 50, ease_lambda=20.0).save(out)
    meta = read_json(out / "onnx.json")
    meta["files"] |= {name: sha256_file(out / name) for name in files}
    meta["blend"] = {
        "source": "ease",
        "keep": 50,
        "weight": 0.5,
        "ease_lambda": 20.0,
        "served": "blend",
        "metrics": {"test": {"ndcg@10": 0.5}},
    }
    write_json(out / "onnx.json", meta)
    return out


@pytest.fixture(scope="session")
def ml_small_model_dir(ml_small: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exported model folder with random weights over the real ml-latest-small vocabulary and catalog: the app's
    tests need real titles to match, not a trained model (so they never depend on models/)."""
    import torch

    from lbrec.model import export
    from lbrec.model.config import SASRecConfig
    from lbrec.model.folder import write_model
    from lbrec.model.sasrec import SASRec

    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=ml_small.n_items, max_len=50, dim=32, heads=2, layers=1))
    out = tmp_path_factory.mktemp("models") / "ml-latest-small-random"
    out.mkdir()
    write_model(
        out,
        model,
        ml_small.movie_ids,
        {
            "model": model.config.to_dict(),
            "dataset": "ml-latest-small",
            "dataset_path": str(ml_small.path),
            "metrics": {},
        },
        history=[],
    )
    export.export_model_dir(out, blend=False)
    return out


@pytest.fixture(scope="session")
def trained_small_model_dir(ml_small: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SASRec trained briefly on ml-latest-small and exported: real scores, for checks that random weights
    cannot make (precision, notebooks that show a trained model). Half a minute on two cores."""
    import torch

    from lbrec.model import export, train
    from lbrec.model.config import SASRecConfig, TrainConfig

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("models") / "ml-latest-small-trained"
    train.train(
        ml_small,
        out,
        SASRecConfig(n_items=ml_small.n_items, dim=64, heads=2),
        TrainConfig(epochs=6, lr=3e-3),
        progress=False,
        log=lambda _: None,
    )
    export.export_model_dir(out, blend=False)
    return out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by its tier (its folder), and keep the unit tier synthetic: no real data, no real servers."""
    for item in items:
        tier = item.path.parent.name
        if tier in ("integration", "browser"):
            item.add_marker(tier)
        elif tier == "unit":
            real = [f for f in getattr(item, "fixturenames", ()) if f.startswith("ml_small") or f == "fault_server"]
            if real:
                raise pytest.UsageError(
                    f"{item.nodeid} is a unit test but uses {', '.join(real)}: move it to tests/integration/"
                )
