"""The bound on requests in flight: `Gate`, at most N requests at a time through it and the moment before which none
may start (the last Retry-After); `shared_gate`, one per host for every client of the process and, through locked
files, every process of this user on the machine (under Voilà each visitor has a kernel process).

Requests made `in_background` (what the page asks ahead of the visitor's next change) give way to the others: they
wait while any other request waits for a place, and hold all places but one at most, so that a visitor's request is
never queued behind them. `in_parallel` runs calls on worker threads in the caller's context: a background caller's
requests stay in the background.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

try:
    import fcntl
except ImportError:  # Windows: each process keeps its own limits
    fcntl = None  # type: ignore[assignment]


_BACKGROUND = contextvars.ContextVar("lbrec_web_background", default=False)
_Item, _Result = TypeVar("_Item"), TypeVar("_Result")


@contextlib.contextmanager
def in_background() -> Iterator[None]:
    """The requests made within (on this thread, or through `in_parallel`) give way to every other request."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


def in_parallel(call: Callable[[_Item], _Result], items: Iterable[_Item], workers: int) -> list[_Result]:
    """`call(item)` for each item, `workers` at a time, the results in order; each call in the caller's context."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lbrec-web") as pool:
        futures = [pool.submit(contextvars.copy_context().run, call, item) for item in items]
        return [future.result() for future in futures]


class Gate:
    """At most `max_in_flight` requests in flight, and the moment before which none may start. Shared by the threads
    of this process and, when `folder` is given, through locked files in it by every process of this user on this
    machine; a process that dies releases its locks with it."""

    def __init__(self, max_in_flight: int, folder: Path | None = None, name: str = ""):
        self.slots = threading.BoundedSemaphore(max_in_flight)
        self.turn = threading.Condition()  # the background's requests wait on it for their turn
        self.waiting = 0  # other requests waiting for a place: the background's wait while there are any
        self.in_background, self.max_background = 0, max(1, max_in_flight - 1)
        self.lock = threading.Lock()
        self.not_before = 0.0  # time.monotonic() (one clock for the whole machine) before which no request starts
        name = re.sub(r"[^A-Za-z0-9.-]", "_", name)
        self.slot_files = [folder / f"{name}.slot{i}" for i in range(max_in_flight)] if folder else []
        self.wait_file = folder / f"{name}.not-before" if folder else None

    def hold_off(self, seconds: float) -> None:
        """No request through the gate starts in the next `seconds` (a server asked to wait)."""
        until = time.monotonic() + seconds
        with self.lock:
            self.not_before = max(self.not_before, until)
            if self.wait_file is not None:
                with _locked(self.wait_file, fcntl.LOCK_EX) as f:
                    if until > _number(f.read()):
                        f.seek(0)
                        f.truncate()
                        f.write(repr(until))

    def _not_before(self) -> float:
        if self.wait_file is None or not self.wait_file.exists():  # no wait was ever asked
            return self.not_before
        with _locked(self.wait_file, fcntl.LOCK_SH) as f:
            return max(self.not_before, _number(f.read()))

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the places in flight, once no wait asked by a server is still running (in the background:
        once no other request waits for a place either, and while one place is left to the others)."""
        background = _BACKGROUND.get()
        with self.turn:
            if background:
                self.turn.wait_for(lambda: not self.waiting and self.in_background < self.max_background)
                self.in_background += 1
            else:
                self.waiting += 1
        waiting = not background
        try:
            with self.slots, self._shared_slot():
                if waiting:
                    self._turn_taken()
                    waiting = False
                while (wait := self._not_before() - time.monotonic()) > 0:
                    time.sleep(min(wait, 0.5))  # and look again: another process may have been asked to wait longer
                yield
        finally:
            with self.turn:
                self.waiting -= waiting
                self.in_background -= background
                self.turn.notify_all()

    def _turn_taken(self) -> None:
        with self.turn:
            self.waiting -= 1
            self.turn.notify_all()

    @contextlib.contextmanager
    def _shared_slot(self) -> Iterator[None]:
        """One of the slot files, locked; when all are taken by other processes, wait for one."""
        if not self.slot_files:
            yield
            return
        while True:
            for path in self.slot_files:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                try:
                    yield
                finally:
                    os.close(fd)  # releases the lock
                return
            time.sleep(0.01)


@contextlib.contextmanager
def _locked(path: Path, mode: int) -> Iterator[io.TextIOWrapper]:
    with open(path, "a+", encoding="ascii") as f:
        fcntl.flock(f, mode)
        f.seek(0)
        yield f


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _gate_folder() -> Path | None:
    """Where this user's processes share their gates: a private folder in the system's temporary folder. None (each
    process on its own) where files cannot be locked, or when someone else owns the folder."""
    if fcntl is None:
        return None
    folder = Path(tempfile.gettempdir()) / f"lbrec-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        if folder.is_symlink() or folder.stat().st_uid != os.getuid():
            return None
    except OSError:
        return None
    return folder


_GATES: dict[tuple[str, int], Gate] = {}
_GATES_LOCK = threading.Lock()


def shared_gate(host: str, max_in_flight: int) -> Gate:
    """The gate of `host` (its netloc) shared by every client in this process and every process of this user."""
    with _GATES_LOCK:
        if (host, max_in_flight) not in _GATES:
            _GATES[host, max_in_flight] = Gate(max_in_flight, _gate_folder(), host)
        return _GATES[host, max_in_flight]
