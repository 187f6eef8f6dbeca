"""The one check every ZIP from outside goes through before an entry is read: a path that stays in the archive.

Used by the MovieLens download (unpacked to disk) and the Letterboxd export (read in memory), so that neither
follows an entry out of its folder, whatever the archive's headers claim.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_DRIVE = re.compile(r"^[A-Za-z]:")


def inside_entry(name: str) -> str | None:
    """The entry's path with `/` separators, or None for a folder entry or a path that leaves the archive
    (absolute, `..`, a Windows drive, or any of those spelt with backslashes)."""
    entry = name.replace("\\", "/")
    if not entry or entry.endswith("/") or entry.startswith("/") or _DRIVE.match(entry):
        return None
    if ".." in PurePosixPath(entry).parts:
        return None
    return entry
