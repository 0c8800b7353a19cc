"""A world a scorer cannot change: :func:`read_only_view`.

Worlds are immutable by contract, but a scorer is someone else's code, and one that mutated the
world it was given would change every scorer that runs after it. :func:`auditkit.run_scorer`
therefore hands each scorer a *view*:

- its own :class:`~auditkit.data.world.World` object with its own (shallow) table frames, so that
  replacing an attribute, renaming a column, ``inplace`` operations or assigning a column change
  only the view (pandas' copy-on-write copies a shared block before writing to it);
- whose data arrays (and the world's cached numeric views: codes, times, the follow matrix) are
  marked read-only, so that writing into them through ``.array``, ``.to_numpy()``, ``.values`` or
  a cached array raises ``ValueError: assignment destination is read-only``.

Nothing is copied: a view costs a few microseconds whatever the world's size. Cached numeric
views are computed once, on the world itself, and shared read-only by every view of it.

This guards against mistakes and casual cheating in the same process; a scorer determined to
get around it (e.g. through ``ctypes``) can, which is why third-party scorers run in worker
processes with their own copy of the world (:mod:`auditkit.auditing.isolation`).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from auditkit.data.world import World

if TYPE_CHECKING:
    from auditkit.data.partitioned import LazyEvents

__all__ = ["read_only_view", "original", "seal"]

#: Attributes of pandas' array types that hold numpy data.
_BUFFERS = ("_ndarray", "_codes", "_data", "_mask", "_sparse_values")
#: The cached properties of a world (computed on the world, shared read-only by views).
_CACHED = tuple(name for name, attr in vars(World).items() if isinstance(attr, cached_property))


def _freeze(array: Any) -> None:
    """Mark ``array`` and every array it is a view of read-only: pandas hands out fresh views
    of its buffers, and a view of a read-only array is read-only."""
    while isinstance(array, np.ndarray):
        array.flags.writeable = False
        array = array.base


def seal(value: Any) -> Any:
    """Mark the numpy data inside ``value`` read-only, in place, and return it: arrays,
    tuples of them, scipy sparse matrices, pandas Series, DataFrames and Indexes."""
    if isinstance(value, np.ndarray):
        _freeze(value)
    elif isinstance(value, tuple | list):
        for item in value:
            seal(item)
    elif sp.issparse(value):
        for attr in ("data", "indices", "indptr", "row", "col", "offsets"):
            _freeze(getattr(value, attr, None))
    elif isinstance(value, pd.DataFrame):
        # the frame's own block arrays: the columns handed out later are views of them
        # (pandas internals; tests/test_isolation.py checks that writes are refused)
        for block in getattr(getattr(value, "_mgr", None), "blocks", ()):
            _seal_array(block.values)
        for _, column in value.items():
            seal(column)
    elif isinstance(value, pd.Series | pd.Index):
        _seal_array(value.array)
    return value


def _seal_array(array: Any) -> None:
    if isinstance(array, np.ndarray):
        _freeze(array)
        return
    for attr in _BUFFERS:
        _freeze(getattr(array, attr, None))


class _View(World):
    """A world sharing a sealed world's data; cached properties come from the original."""

    _origin: World

    @classmethod
    def _trusted(
        cls,
        accounts: pd.DataFrame,
        follows: pd.DataFrame,
        events: pd.DataFrame,
        ids: pd.Index | None = None,
        lazy: LazyEvents | None = None,
    ) -> World:
        # worlds derived from a view (snapshots, windows) are plain worlds over the same data
        return World._trusted(accounts, follows, events, ids, lazy)


def _shared(name: str) -> property:
    def get(self: _View) -> Any:
        return seal(getattr(self._origin, name))

    return property(get, doc=f"{name} of the original world, read-only")


for _name in _CACHED:
    setattr(_View, _name, _shared(_name))


def read_only_view(world: World) -> World:
    """A view of ``world`` that its user cannot change (see the module docstring)."""
    if isinstance(world, _View):
        world = world._origin
    tables = world.accounts, world.follows, world._events  # lazy worlds: events left on disk
    for frame in tables:
        seal(frame)
    view = _View.__new__(_View)
    view._origin = world
    view._accounts, view._follows, view._events = (t.copy(deep=False) for t in tables)
    view._ids = world.ids
    view.lazy_events = world.lazy_events  # events left on disk (data.partitioned)
    return view


def original(world: World) -> World:
    """The world a view was made of (``world`` itself when it is not a view)."""
    return world._origin if isinstance(world, _View) else world
