"""Give freed memory back to the system during long loops over large temporary tensors.

Training and evaluation allocate big short-lived tensors of varying size: one evaluation batch's scores against
87k films are 89 MB, and the masks and index tensors beside them tens of MB. glibc's malloc raises its mmap
threshold to the largest block freed so far (up to 32 MB) and then serves such blocks from its heap, which it
seldom returns: at the ML-32M shape, evaluating 200k users grew the process by 11 MB a batch, past 12 GiB. A fixed
threshold of 1 MiB keeps every large block in its own mapping, returned to the system when freed; the price is a
fresh page fault per page of each block, about 9% of an evaluation's time at that scale.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
THRESHOLD = 1 << 20


@functools.cache
def bound_heap() -> bool:
    """Fix glibc's mmap threshold for this process (once); False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):  # no C library found, or not glibc (macOS, musl)
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD))
