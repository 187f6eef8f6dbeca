"""Where lbrec reads and writes: one place, so notebooks (run from notebooks/) and the CLI agree.

The project home is `LBREC_HOME` if set, else the checkout that holds this package (editable install), else the
current directory. Raw MovieLens folders come from `LBREC_DATA_DIR` when set (read-only use), else `<home>/data`.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    if env := os.environ.get("LBREC_HOME"):
        return Path(env).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout
    return Path.cwd()


def raw_data_dir() -> Path:
    """Folder holding `<name>/ratings.csv` etc.: `LBREC_DATA_DIR`, else `<home>/data` (where downloads go)."""
    if env := os.environ.get("LBREC_DATA_DIR"):
        return Path(env).expanduser().resolve()
    return home() / "data"


def download_dir() -> Path:
    return home() / "data"


def processed_dir(dataset: str) -> Path:
    return home() / "data" / "processed" / dataset


def models_dir() -> Path:
    if env := os.environ.get("LBREC_MODELS_DIR"):
        return Path(env).expanduser().resolve()
    return home() / "models"


def cache_dir() -> Path:
    return home() / "data" / "cache"


def default_model_dir() -> Path:
    """The model the app and `recommend` use unless told otherwise: `LBREC_MODEL`, else models/ml-latest-small."""
    if env := os.environ.get("LBREC_MODEL"):
        return Path(env).expanduser().resolve()
    return models_dir() / "ml-latest-small"
