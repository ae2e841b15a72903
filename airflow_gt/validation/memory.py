"""Give memory freed by a validated chunk back to the operating system.

Arrow's allocator keeps freed memory for reuse, and so does the C library's ``malloc`` when many
arrays of a few megabytes come and go (its threshold for mapping large blocks of their own grows
as they are freed). Both would hold on to a chunk's worth of memory after each chunk: released after
every chunk, the process's resident memory stays at what the next chunk needs.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` among the symbols the process has loaded (``ctypes.util``'s
    library search would run ``ldconfig``), or None where the C library has none (musl, macOS)."""
    try:
        trim: Callable[[int], int] | None = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None
    return trim


def release_free_memory() -> None:
    import pyarrow

    pyarrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
