"""The tests' own inputs: the hand-made export zipped in memory in the forms a person may give it, and the real
data a test needs (skipped on a developer machine without it, a failure in CI). The paths are `harness.files`."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from harness.files import IN_CI, REPO, SHARED, export_files


def export_zip(prefix: str = "", extra: dict[str, bytes] | None = None, skip: tuple[str, ...] = ()) -> bytes:
    """The hand-written export CSVs zipped in memory, as Letterboxd ships them (or under a folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(export_files().items()):
            if name not in skip:
                archive.writestr(prefix + name, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def need(path: Path, what: str) -> Path:
    """Return `path`, or skip the test when it is absent on a developer machine; in CI absence is a failure."""
    if path.exists():
        return path
    message = f"{what} not found at {path}"
    if IN_CI:
        pytest.fail(f"{message}: CI must provide it (set LBREC_DATA_DIR)")
    pytest.skip(message)


def movielens_root() -> Path:
    """The folder holding ml-latest-small/: LBREC_DATA_DIR, else ../shared/data, else data/."""
    for candidate in [os.environ.get("LBREC_DATA_DIR"), SHARED / "data", REPO / "data"]:
        if candidate and (Path(candidate) / "ml-latest-small" / "ratings.csv").is_file():
            return Path(candidate)
    return Path(os.environ.get("LBREC_DATA_DIR") or SHARED / "data")
