"""core/memory.py: freed memory goes back to the system at once (glibc), so a big report's peak is its data.

glibc's malloc serves a request above a threshold with mmap and unmaps it when freed, but raises
that threshold as large blocks are freed (up to 32 MB); after that a million-row report's 8 MB
column temporaries come from the heap and stay in the process when freed. Measured on
`tests/benchmarks/bench_report_1m.py`'s run: peak RSS ~500 MB for ~340 MB of live data; with the
threshold fixed at 256 KB (mallopt M_MMAP_THRESHOLD, which also stops the adjustment) ~430 MB,
no slower. The command line calls `return_freed_memory` once at start; with another C library
(musl, macOS, Windows) it does nothing and says so by returning False.
"""

from __future__ import annotations

import ctypes

M_MMAP_THRESHOLD = -3
"""glibc's mallopt parameter number (malloc.h)."""
MMAP_THRESHOLD_BYTES = 256 * 1024


def return_freed_memory() -> bool:
    """Fix glibc's mmap threshold at MMAP_THRESHOLD_BYTES; True when the C library took it."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
