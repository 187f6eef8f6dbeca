"""Give freed memory back to the system during long loops over large temporary tensors.

Training and evaluation allocate big short-lived tensors of varying size: one evaluation batch's scores against
87k films are 89 MB, and the masks and index tensors beside them tens of MB. glibc's malloc raises its mmap
threshold to the largest block freed so far (up to 32 MB) and then serves such blocks from its heap, which it
seldom returns: at the ML-32M shape, evaluating 200k users grew the process by 11 MB a batch, past 12 GiB. A fixed
threshold of 1 MiB keeps every large block in its own mapping, returned to the system when freed; the price is a
fresh page fault per page of each block, about 9% of an evaluation's time at that scale.

Training is the other case: its batches have one shape, so the same blocks come back every step, and a fresh
mapping for each of them cost a fifth of an epoch in the kernel (zeroing new pages). It asks for the largest
threshold glibc allows, so that every block under 32 MiB is reused from the heap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
EVALUATION = 1 << 20  # blocks of varying size: each in its own mapping, returned when freed
TRAINING = 32 << 20  # blocks of one size each step: reused from the heap (glibc's largest allowed threshold)


@functools.cache
def _mallopt() -> Callable[[int, int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError):  # no C library found, or not glibc (macOS, musl)
        return None


def bound_heap(threshold: int = EVALUATION) -> bool:
    """Fix glibc's mmap threshold for this process from now on; False where the C library is not glibc."""
    mallopt = _mallopt()
    return mallopt is not None and bool(mallopt(M_MMAP_THRESHOLD, threshold))
