"""How the ``auditkit`` program's C allocator treats freed memory: :func:`keep_freed_memory`.

numpy takes every array from the C library's ``malloc``. glibc's defaults suit a long-lived
process that should give memory back: each block over a threshold (at most 32 MiB) gets a
mapping of its own, unmapped when freed, and each thread gets an arena of its own. A large audit
allocates and frees arrays of hundreds of megabytes by the dozen, so it keeps asking the kernel
for fresh pages, and the kernel zeroes each one on first touch - in a virtual machine that hands
freed memory back to its host, the host faults it in again as well. A scenario at 1M accounts
took 15.5 GB of fresh pages over its life for a peak of 3.4 GiB (``docs/performance.md``).

:func:`keep_freed_memory` asks glibc to keep what the process frees and serve later requests
from it: no block gets a mapping of its own (``M_MMAP_MAX`` 0), the top of the heap is not
given back below 2 GiB (``M_TRIM_THRESHOLD``), and every thread allocates from the one main heap
(``M_ARENA_MAX`` 1), so a block freed by one thread serves the next. The price is that the
process holds on to its peak until it exits: right for a command that runs one job and ends,
wrong for a notebook, a test session or a Dask worker that runs for hours - so only the
``auditkit`` program (:mod:`auditkit.launcher`) calls it, and importing auditkit changes nothing.

``AUDITKIT_KEEP_FREED_MEMORY=0`` leaves glibc's defaults in place, and anyone who set glibc's
allocator themselves (a ``MALLOC_*`` variable or ``glibc.malloc`` tunables in
``GLIBC_TUNABLES``) keeps their settings. On other C libraries this does nothing.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Mapping

__all__ = ["keep_freed_memory", "OPT_OUT"]

#: The environment variable that, set to ``0``, leaves glibc's defaults in place.
OPT_OUT = "AUDITKIT_KEEP_FREED_MEMORY"

# glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
#: mallopt takes a C int: the largest trim threshold it can set.
_INT_MAX = 2**31 - 1

_SETTINGS = ((_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, _INT_MAX), (_M_ARENA_MAX, 1))


def keep_freed_memory(environ: Mapping[str, str] | None = None) -> bool:
    """Make glibc keep freed memory for reuse in this process; whether it did.

    It does nothing (and returns False) where the C library is not glibc, where ``environ``
    (default ``os.environ``) sets ``AUDITKIT_KEEP_FREED_MEMORY=0``, or where it already
    configures glibc's allocator. Call it first thing, before numpy is imported: a thread
    started before (numpy's BLAS starts several) keeps an arena of its own, and the benefit
    shrinks (at 1M accounts 7.2-8.6 s of system time instead of 4.4-4.5 s).
    """
    environ = os.environ if environ is None else environ
    if environ.get(OPT_OUT) == "0":
        return False
    if any(name.startswith("MALLOC_") for name in environ):
        return False
    if "glibc.malloc" in environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it
        mallopt = libc.mallopt
    except (AttributeError, OSError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in _SETTINGS)
