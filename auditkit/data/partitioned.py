"""Events beyond memory: a world whose events are a partitioned Parquet dataset, read lazily as
a Dask DataFrame.

``read_world(path, lazy=True)`` keeps the accounts and follows in memory (the graph scorers need
the whole follow graph on one node, see ``docs/performance.md``) and gives the world a
:class:`LazyEvents` handle instead of an events table. Scorers that only aggregate events
(``kred``, ``klout``) then compute on a Dask DataFrame: partition-wise group-bys whose results,
one row per account or per reactor-target pair, come back to this process. ``.compute()`` runs
on the Dask client of the process when there is one (``auditkit score --workers N`` or
``--scheduler ADDRESS``: a local or a remote cluster), else on Dask's local threads.

A snapshot of a lazy world (``as_of``, ``window``) narrows the handle's time bounds; the
filters are pushed down to the Parquet reader. A scorer that needs the events in memory gets a
:class:`~auditkit.errors.WorldError` saying so from ``world.events``.

Dask (``dask[dataframe]``) is an optional dependency: ``pip install 'auditkit[dask]'``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.data.world import EVENT_COLUMNS, NS_PER_DAY
from auditkit.errors import WorldError

__all__ = [
    "LazyEvents",
    "require_dask_dataframe",
    "account_array",
    "dask_client",
    "task_shuffles",
    "INSTALL_HINT",
]

#: How to get Dask, said whenever it is missing.
INSTALL_HINT = "pip install 'auditkit[dask]'"


def require_dask_dataframe() -> Any:
    """``dask.dataframe``; :class:`WorldError` with the install command when it is missing."""
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise WorldError(
            f"reading events lazily needs Dask, which is not installed ({exc}); "
            f"install it with: {INSTALL_HINT}"
        ) from None
    return dd


@contextmanager
def task_shuffles() -> Iterator[None]:
    """Build and compute Dask DataFrame graphs with task-based shuffles, which run on any
    scheduler: Dask picks its p2p shuffle whenever a distributed client exists, and p2p fails
    when the same graph is computed on local threads."""
    import dask

    with dask.config.set({"dataframe.shuffle.method": "tasks"}):
        yield


#: ``MALLOC_TRIM_THRESHOLD_`` as this process found it: a Dask nanny started in this process
#: sets it here too (Dask's "pre-spawn environ"), and later workers would inherit that value.
_TRIM_AT_START = os.environ.get("MALLOC_TRIM_THRESHOLD_")


@contextmanager
def _environ_as_at_start(name: str, value: str | None) -> Iterator[None]:
    """``os.environ[name]`` set back to ``value`` (removed for None) inside the block."""
    before = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


@contextmanager
def dask_client(
    workers: int | None = None, scheduler: str | None = None, *, allowed_failures: int | None = None
) -> Iterator[Any]:
    """A Dask distributed client for the duration of the block: a :class:`LocalCluster` of
    ``workers`` processes (one thread each) on 127.0.0.1, or the cluster whose scheduler is at
    ``scheduler``. While it is open, Dask computations of this process (a lazy world's
    aggregations) run there. :class:`WorldError` naming the fix when Dask is missing, both or
    neither are given, or the scheduler cannot be reached."""
    if (workers is None) == (scheduler is None):
        raise WorldError(
            "give workers (a local Dask cluster) or scheduler (an existing one's address), not both"
        )
    try:
        import dask
        import distributed
    except ImportError as exc:
        raise WorldError(
            f"a Dask cluster needs Dask distributed, which is not installed "
            f"({exc}); install it with: {INSTALL_HINT}"
        ) from None
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise WorldError(
                f"cannot reach the Dask scheduler at {scheduler!r}: {exc}. Start "
                "one (`dask scheduler`, then `dask worker ADDRESS`) or check the "
                "address (tcp://HOST:PORT)"
            ) from None
        with client:
            yield client
        return
    # Three Dask defaults cost local workers CPU on audit tasks (many short-lived numpy arrays,
    # the GIL held most of the time), measured on the bundled audit: the statistical profiler,
    # which samples the running task every 10 ms (2 workers: 39 s of CPU with it, 33 s
    # without); the MALLOC_TRIM_THRESHOLD_=65536 Dask sets for its workers so that they hand
    # memory back to the system, which makes glibc return and re-fault memory all the time (3
    # seeds on one worker: 14.9 s with it, 11.6 s without, 10.5 s in a thread of a plain
    # process); and the event loop's 20 ms tick, which only measures how late the loop runs
    # and wakes every process 50 times a second: each wake-up preempts a worker's scoring
    # thread on a machine with a core per worker (6,700 involuntary context switches of the
    # scoring threads in one audit with it, 3,300 with a 1 s tick). Local workers live for one
    # command, so they run without the first two (unless this process was started with the
    # variable set) and with a 1 s tick.
    settings: dict[str, Any] = {
        "distributed.worker.profile.enabled": False,
        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
        "distributed.admin.tick.interval": "1s",
    }
    if allowed_failures is not None:
        settings["distributed.scheduler.allowed-failures"] = allowed_failures
    with (
        dask.config.set(settings),
        _environ_as_at_start("MALLOC_TRIM_THRESHOLD_", _TRIM_AT_START),
    ):
        cluster = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=50,
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


@dataclass(frozen=True)
class LazyEvents:
    """The events of a world as Parquet files, between two times, not yet read.

    ``lo < time <= hi`` (either bound may be None). :meth:`frame` reads them as a Dask
    DataFrame with ``actor`` and ``target`` as account-id text, ``action`` as text and
    ``time`` as int64 nanoseconds (``day`` added on request).
    """

    files: tuple[Path, ...]
    columns: tuple[str, ...]
    rows: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    lo: pd.Timestamp | None = None
    hi: pd.Timestamp | None = None

    @classmethod
    def open(cls, path: Path) -> LazyEvents:
        """The handle of an events file or partitioned directory (schema and statistics only)."""
        import pyarrow.parquet as pq

        from auditkit.data.parquet import parquet_files

        files = tuple(parquet_files(path))
        schema = pq.ParquetFile(files[0]).schema_arrow
        columns = tuple(schema.names)
        for col in ("time", "actor", "action"):
            if col not in columns:
                raise WorldError(
                    f"missing required column {col!r}; the events table has "
                    f"columns {', '.join(EVENT_COLUMNS)}",
                    source=str(files[0]),
                    column=col,
                )
        unknown = [c for c in columns if c not in EVENT_COLUMNS]
        if unknown:
            raise WorldError(
                f"unknown column {unknown[0]!r}; the events table has columns "
                f"{', '.join(EVENT_COLUMNS)}",
                source=str(files[0]),
                column=unknown[0],
            )
        rows, lows, highs = 0, [], []
        for f in files:
            meta = pq.ParquetFile(f).metadata
            rows += meta.num_rows
            index = meta.schema.to_arrow_schema().get_field_index("time")
            for g in range(meta.num_row_groups):
                stats = meta.row_group(g).column(index).statistics
                if stats is not None and stats.has_min_max:
                    lows.append(pd.Timestamp(stats.min))
                    highs.append(pd.Timestamp(stats.max))
        first = min(lows) if lows else None
        last = max(highs) if highs else None
        return cls(files, columns, rows, _utc(first), _utc(last))

    def between(self, lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> LazyEvents:
        """The events with ``lo < time <= hi``, within the current bounds."""
        new_lo = lo if self.lo is None or (lo is not None and lo > self.lo) else self.lo
        new_hi = hi if self.hi is None or (hi is not None and hi < self.hi) else self.hi
        return replace(self, lo=new_lo, hi=new_hi)

    @property
    def start(self) -> pd.Timestamp | None:
        """The earliest event time within the bounds (from the files' statistics when the
        bounds do not cut into the data, else read)."""
        if self.lo is None or self.first is None or self.lo < self.first:
            return self.first
        return self._extreme("min")

    @property
    def end(self) -> pd.Timestamp | None:
        """The latest event time within the bounds (as :attr:`start`)."""
        if self.hi is None or self.last is None or self.hi >= self.last:
            return self.last
        return self._extreme("max")

    def _extreme(self, which: str) -> pd.Timestamp | None:
        value = getattr(self.frame(["time"])["time"], which)().compute()
        return None if pd.isna(value) else pd.Timestamp(int(value), tz="UTC")

    def frame(self, columns: list[str] | None = None, *, day: bool = False) -> Any:
        """The events as a Dask DataFrame (see the class docstring)."""
        dd = require_dask_dataframe()
        wanted = [c for c in (columns or list(self.columns)) if c in self.columns]
        if "time" not in wanted:
            wanted = ["time", *wanted]
        filters = []
        if self.lo is not None:
            filters.append(("time", ">", self.lo))
        if self.hi is not None:
            filters.append(("time", "<=", self.hi))
        frame = dd.read_parquet(
            [str(f) for f in self.files], columns=wanted, filters=filters or None
        )
        meta = _normalise(frame._meta, day, self.lo, self.hi)
        return frame.map_partitions(_normalise, day, self.lo, self.hi, meta=meta)


def _utc(ts: pd.Timestamp | None) -> pd.Timestamp | None:
    if ts is None:
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _text(col: pd.Series) -> pd.Series:
    """Account ids as text (integers as their decimal text); missing stays missing."""
    if pd.api.types.is_integer_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype("int64").astype(str).astype("string[pyarrow]")
    if pd.api.types.is_float_dtype(col.dtype):
        out = col.astype("Int64").astype("string[pyarrow]")
        return out
    return col.astype("string[pyarrow]")


def _normalise(
    part: pd.DataFrame, day: bool, lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> pd.DataFrame:
    """One partition in the form the aggregations use (see :meth:`LazyEvents.frame`)."""
    out = pd.DataFrame(index=part.index)
    time = part["time"]
    if isinstance(time.dtype, pd.DatetimeTZDtype):
        ns = time.dt.tz_convert("UTC").astype("datetime64[ns, UTC]").array.asi8
    elif pd.api.types.is_datetime64_dtype(time.dtype):
        ns = time.astype("datetime64[ns]").array.asi8
    else:
        from auditkit.data.world import parse_time

        ns = parse_time(time).array.asi8
    keep = np.ones(len(part), bool)
    if lo is not None:  # filters are pushed to Parquet, and checked here for other sources
        keep &= ns > lo.value
    if hi is not None:
        keep &= ns <= hi.value
    out["time"] = ns
    for col in part.columns:
        if col in ("actor", "target"):
            out[col] = _text(part[col])
        elif col == "action":
            out[col] = part[col].astype("string[pyarrow]")
        elif col != "time":
            out[col] = part[col]
    if day:
        out["day"] = np.floor_divide(ns, NS_PER_DAY)
    if not keep.all():
        out = out[keep]
    return out


def account_array(values: pd.Series, ids: pd.Index, fill: float = 0.0) -> np.ndarray:
    """A per-account array (in ``ids`` order) from a Series indexed by account id (computed by
    a group-by); accounts without a row get ``fill``."""
    out = np.full(len(ids), fill, dtype=np.float64)
    if len(values):
        codes = ids.get_indexer(values.index.astype(object))
        known = codes >= 0
        out[codes[known]] = values.to_numpy(dtype=np.float64)[known]
    return out
