"""The disk cache: `DiskCache`, entries in one folder, each written atomically (`lbrec.artifacts`: a reader, or a
writer killed mid-write, sees the old entry or the new one, never half of one) and read only while younger than the
lifetime its reader gives. A damaged entry is only a miss: it is removed and asked for again. What killed writers
left is swept when the cache opens. Entries are JSON or plain bytes: nothing here ever unpickles."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lbrec.artifacts import sweep, write_bytes, write_json


def entry_name(key: str) -> str:
    """The file name of the entry for `key` (a URL, say): its sha256, so that any key makes a safe name."""
    return f"{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()}.json"


class DiskCache:
    """Entries in `folder`; None: no cache (every read a miss, every write dropped). `durable` entries are fsynced
    too (a power cut cannot damage them); the others are only renamed into place, milliseconds faster: a power cut
    may damage one, which is then read as a miss. With `memory`, `remembered` also keeps its latest values in memory
    (that many, each as old as when it was fetched), with or without a folder."""

    def __init__(self, folder: Path | None, *, durable: bool = False, memory: int = 0):
        self.folder, self.durable, self.memory = folder, durable, memory
        self._memory: dict[str, tuple[float, object]] = {}  # name -> (when fetched, value)
        self._lock = threading.Lock()  # several threads remember at once
        if folder is not None:
            sweep(folder)  # what a process killed while writing an entry left

    def read(self, name: str, lifetime: float) -> dict | None:
        """The JSON object stored as `name` when its `fetched` time is less than `lifetime` seconds ago; None when
        absent, stale (or from a clock set wrong), or damaged (then removed)."""
        data = self.read_bytes(name)
        if data is None:
            return None
        try:
            entry = json.loads(data)
            fetched = float(entry["fetched"])
        except (ValueError, KeyError, TypeError, IndexError, RecursionError):
            self.forget(name)
            return None
        return entry if 0 <= time.time() - fetched < lifetime else None

    def write(self, name: str, entry: dict) -> None:
        """Store `entry` (a JSON object with its `fetched` time) as `name`."""
        if self.folder is not None:
            write_json(self.folder / name, entry, durable=self.durable)

    def read_bytes(self, name: str) -> bytes | None:
        if self.folder is None:
            return None
        try:
            return (self.folder / name).read_bytes()
        except OSError:  # absent (the usual miss), or not a file
            return None

    def write_bytes(self, name: str, data: bytes) -> None:
        """Store `data` as `name`: an entry in a format of the caller's, which says when it was fetched."""
        if self.folder is not None:
            write_bytes(self.folder / name, data, durable=self.durable)

    def forget(self, name: str) -> None:
        if self.folder is not None:
            (self.folder / name).unlink(missing_ok=True)

    def remembered(self, name: str, lifetime: float, fetch: Callable[[], object]) -> object:
        """The value stored as `name` while younger than `lifetime` seconds (in memory, else on disk); else
        `fetch()`'s, stored unless it is None (a failure, asked again next time). The value must be JSON."""
        with self._lock:
            fetched, value = self._memory.get(name, (0.0, None))
        if value is not None and 0 <= time.time() - fetched < lifetime:
            return value
        entry = self.read(name, lifetime)
        if entry is not None and "value" in entry:
            fetched, value = float(entry["fetched"]), entry["value"]
        else:
            fetched, value = time.time(), fetch()
            if value is not None:
                self.write(name, {"fetched": fetched, "value": value})
        if value is not None and self.memory:
            with self._lock:
                if len(self._memory) >= self.memory:
                    self._memory.pop(next(iter(self._memory)))  # the oldest: a dict keeps insertion order
                self._memory[name] = (fetched, value)
        return value

    def read_text(self, url: str, lifetime: float) -> str | None:
        """The text fetched from `url` when younger than `lifetime` seconds. Its sha256 is checked: a changed
        character leaves the JSON valid, and a feed's text becomes a person's history."""
        name = entry_name(url)
        entry = self.read(name, lifetime)
        if entry is None or entry.get("url") != url:  # stale, or another key's entry: replaced when fetched again
            return None
        text = entry.get("text")
        if not isinstance(text, str) or entry.get("sha256") != _digest(text):
            self.forget(name)  # damaged, yet still valid JSON
            return None
        return text

    def write_text(self, url: str, text: str) -> None:
        self.write(entry_name(url), {"url": url, "fetched": time.time(), "sha256": _digest(text), "text": text})


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
