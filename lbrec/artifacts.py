"""Atomic writes and checksums: an artifact on disk is always either the old complete version or the new one.

- `atomic_path`, one file: written to a temporary file in the same folder, fsynced, `os.replace`d over the target,
  the folder fsynced.
- `atomic_dir`, a folder written whole (a prepared data set): built as a temporary folder, every file in it fsynced,
  then swapped with the target in one step (`renameat2(RENAME_EXCHANGE)` on Linux, `renamex_np(RENAME_SWAP)` on
  macOS) and the old copy deleted. Where neither exists the swap is two renames; a writer killed between them leaves
  the old copy aside, and the next writer of the same target puts it back.
- `atomic_update`, files of a folder that must change together (model.onnx and the onnx.json that holds its sha256):
  a copy of the folder made of hard links is changed, then swapped in like `atomic_dir`.

Temporary names carry the writer's process id (`.<name>.<pid>.<random>.tmp`), so that the next writer of the same
target removes what a killed one left behind. Readers use `np.load(..., allow_pickle=False)`, JSON and Parquet only:
nothing here ever unpickles.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from lbrec.errors import ArtifactError

_UMASK = os.umask(0)
os.umask(_UMASK)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Every file and folder under `root` on disk: a folder swapped in after a crash is complete."""
    for folder, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as f:
                os.fsync(f.fileno())
        _fsync_dir(Path(folder))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _temporary_name(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def _left_by_the_dead(path: Path) -> tuple[str, str] | None:
    """(target name, "tmp" or "old") when `path` is what a writer that has since died left behind, else None."""
    name = path.name
    if not name.startswith(".") or not name.endswith((".tmp", ".old")):
        return None
    parts = name[1:].rsplit(".", 3 if name.endswith(".tmp") else 2)  # target.pid.random.tmp, target.pid.old
    if len(parts) < 3 or not parts[1].isdecimal() or _alive(int(parts[1])):
        return None
    return parts[0], parts[-1]


def sweep(folder: str | os.PathLike[str], target: str | None = None) -> None:
    """Clear what writers killed mid-write left in `folder` (for `target` only, when given): remove their temporary
    files and folders, and put back an old folder that a two-rename swap had moved aside."""
    folder = Path(folder)
    if os.name != "posix" or not folder.is_dir():  # os.kill(pid, 0) would terminate the process on Windows
        return
    for stale in folder.glob(f".{glob.escape(target)}.*" if target else ".*"):
        left = _left_by_the_dead(stale)
        if left is None or (target is not None and left[0] != target):
            continue
        name, kind = left
        if kind == "old":
            if not (folder / name).exists():
                os.replace(stale, folder / name)
                _fsync_dir(folder)
        elif stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success it is fsynced and renamed over `target`.

    `durable=False` skips the fsyncs, for caches: the rename still shows other processes (and a writer killed
    mid-write) the old file or the new one, never half of one; only a power cut may leave a damaged entry, which
    a cache reads as a miss. It saves milliseconds a file (tens when the disk is busy)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target.parent, target.name)
    fd, tmp_name = tempfile.mkstemp(prefix=_temporary_name(target), suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; artifacts get the usual permissions
    try:
        yield tmp
        if durable:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, target)
        if durable:
            _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(target: str | os.PathLike[str], data: bytes, durable: bool = True) -> None:
    with atomic_path(target, durable) as tmp:
        tmp.write_bytes(data)


def write_json(target: str | os.PathLike[str], obj: Any, durable: bool = True) -> None:
    write_bytes(target, (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode(), durable)


def read_json(path: str | os.PathLike[str]) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} is corrupt ({exc})") from None


def save_npy(target: str | os.PathLike[str], array: np.ndarray) -> None:
    with atomic_path(target) as tmp, open(tmp, "wb") as f:
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)


def load_npy(path: str | os.PathLike[str], mmap: bool = False) -> np.ndarray:
    path = Path(path)
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing") from None
    except (ValueError, OSError, EOFError) as exc:
        raise ArtifactError(f"{path} is corrupt or truncated ({exc})") from None


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _swap(a: Path, b: Path) -> bool:
    """Exchange two existing paths in one step; False where the system or the file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
            at_fdcwd, rename_exchange = -100, 2
            done = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
        elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
            done = libc.renamex_np(os.fsencode(a), os.fsencode(b), 2)  # RENAME_SWAP
        else:
            return False
    except OSError:  # no C library to load (Windows)
        return False
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces `target` as a whole, in one step where the system
    can swap two folders (see the module docstring)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target.parent, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=_temporary_name(target), suffix=".tmp", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700
    try:
        yield tmp
        _fsync_tree(tmp)
        if not target.exists():
            os.replace(tmp, target)
        elif not _swap(tmp, target):  # now tmp holds the old copy, deleted below
            old = target.with_name(f"{_temporary_name(target)}old")
            os.replace(target, old)
            os.replace(tmp, target)
            _fsync_dir(target.parent)
            shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(target.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _link(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # a file system without hard links
        shutil.copy2(source, destination)


@contextlib.contextmanager
def atomic_update(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a copy of folder `target` in which to replace some files; on success the copy takes the folder's place
    in one step, so a reader sees all the new files or none of them.

    The copy is made of hard links (no data is copied), so write into it only through this module's writers, which
    replace a file rather than change it in place: a file opened for writing in place would change the original too.
    """
    target = Path(target)
    with atomic_dir(target) as staged:
        if target.is_dir():
            shutil.copytree(
                target,
                staged,
                dirs_exist_ok=True,
                copy_function=_link,
                ignore=lambda _, names: [n for n in names if n.startswith(".")],
            )  # writers' leftovers
        yield staged
