"""Row operations on large columns, two at a time.

Building a world of millions of rows takes, concatenates and orders whole columns; numpy
releases the GIL while it copies and gathers, so from :data:`PARALLEL_ROWS` rows these helpers
run two columns at once in two threads. The results are the same arrays a loop would give
(each column is still one numpy call), so worlds do not depend on the number of threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = [
    "PARALLEL_ROWS",
    "two_at_a_time",
    "take_rows",
    "concatenate_columns",
    "insert_rows",
    "read_only",
]

#: From this many rows, the helpers below work on two columns at once.
PARALLEL_ROWS = 1 << 22


def two_at_a_time(fn: Callable[[Any], Any], items: Sequence[Any], rows: int) -> list[Any]:
    """``[fn(x) for x in items]``, two items at once in two threads when they hold ``rows``
    rows in all, from :data:`PARALLEL_ROWS` (``fn`` should be numpy work that releases the
    GIL; each item is still one call, so the results do not depend on the threads)."""
    if rows < PARALLEL_ROWS or len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(fn, items))


def take_rows(order: np.ndarray, *arrays: Any) -> list[Any]:
    """``[a[order] for a in arrays]`` (numpy arrays or pandas arrays)."""
    return two_at_a_time(lambda a: a[order], arrays, len(order))


def concatenate_columns(pieces: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    """Each column's pieces as one array: the piece itself when there is one (not copied),
    else their concatenation."""
    names = list(pieces)
    rows = sum(len(p) for p in pieces[names[0]]) if names else 0
    joined = two_at_a_time(
        lambda k: pieces[k][0] if len(pieces[k]) == 1 else np.concatenate(pieces[k]), names, rows
    )
    return dict(zip(names, joined, strict=True))


def insert_rows(old: np.ndarray, at: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``np.insert(old, at, new)`` for non-decreasing positions ``at`` (equal positions keep
    ``new``'s order): a few rows into many are copied slice by slice, not by a mask over all
    of them."""
    at = np.asarray(at, np.int64)
    if len(at) > 4096 or len(at) != len(new):
        return np.insert(old, at, new)
    out = np.empty(len(old) + len(at), dtype=old.dtype)
    out[at + np.arange(len(at))] = new
    start = 0
    for i, position in enumerate(at.tolist()):
        out[start + i : position + i] = old[start:position]
        start = position
    out[start + len(at) :] = old[start:]
    return out


def read_only(array: np.ndarray) -> np.ndarray:
    """``array``, made read-only (and returned): for arrays that several holders share, such
    as a world's cached code arrays or the rows of two drafts, so that a write fails instead of
    changing what the others see."""
    array.flags.writeable = False
    return array
