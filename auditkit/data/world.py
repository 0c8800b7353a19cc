"""The world: a population of accounts, who follows whom, and what happened, over time.

A :class:`World` holds three pandas tables (the public contract, documented in
``docs/world-format.md``):

``accounts``
    ``account`` (string id, unique); optional ``created`` (time), ``label``, ``group``, observed
    profile counts ``followers_count``, ``following_count``, ``posts_count``, and the account
    flags :data:`FLAG_COLUMNS` (booleans, absent = false).
``follows``
    ``follower``, ``followee``; optional ``time`` (when it started) and ``until`` (when it ended).
``events``
    ``time``, ``actor``, ``action`` (one of :data:`ACTIONS`); optional ``target``, ``post``,
    ``network``, ``link`` and ``topic``.

Account-id columns of ``follows`` and ``events`` are ``Categorical`` whose categories are the
account ids, so every table joins on the same integer codes: a million accounts and ten million
rows fit in memory and scorers work on numpy arrays. Times are ``datetime64[ns, UTC]``.
Events are kept sorted by time, which makes :meth:`World.window` a binary search.

A world is immutable by convention: methods return new worlds sharing unchanged tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from auditkit.data.rows import read_only, take_rows, two_at_a_time
from auditkit.data.tables import read_table
from auditkit.data.times import as_timestamp as _as_timestamp
from auditkit.data.times import parse_time
from auditkit.errors import WorldError
from auditkit.files import atomic_directory
from auditkit.untrusted import excerpt

if TYPE_CHECKING:
    from auditkit.data.partitioned import LazyEvents

__all__ = [
    "ACTIONS",
    "REACTIONS",
    "FLAG_COLUMNS",
    "World",
    "read_world",
    "parse_time",
    "validate_account_columns",
    "validate_event_extras",
    "world_sources",
    "is_parquet",
    "stable_order",
    "stable_sort",
    "times_from_array",
]

#: Every action an event may record.
ACTIONS: tuple[str, ...] = ("post", "share", "reply", "mention", "like")
#: The actions that are a reaction to another account (they need a ``target``).
REACTIONS: tuple[str, ...] = ("share", "reply", "mention", "like")

#: Optional boolean account columns (absent or empty = false): what a platform knows about an
#: account's standing, read by Tweepcred's user mass (``docs/world-format.md``).
FLAG_COLUMNS = ("device", "verified", "restricted", "suspended")
ACCOUNT_COLUMNS = (
    "account",
    "created",
    "label",
    "group",
    "followers_count",
    "following_count",
    "posts_count",
    *FLAG_COLUMNS,
)
FOLLOW_COLUMNS = ("follower", "followee", "time", "until")
EVENT_COLUMNS = ("time", "actor", "action", "target", "post", "network", "link", "topic")
_COUNT_COLUMNS = ("followers_count", "following_count", "posts_count")
_TABLES = {"accounts": ACCOUNT_COLUMNS, "follows": FOLLOW_COLUMNS, "events": EVENT_COLUMNS}
_REQUIRED = {
    "accounts": ("account",),
    "follows": ("follower", "followee"),
    "events": ("time", "actor", "action"),
}
_ID_COLUMNS = {
    "accounts": ("account",),
    "follows": ("follower", "followee"),
    "events": ("actor", "target"),
}

RowLabel = Callable[[int], int]
"""Maps a 0-based row position to the number shown to a user (a file line or a 1-based row)."""

NS_PER_DAY = 86_400 * 10**9


def _one_based(position: int) -> int:
    return position + 1


class Locator:
    """Where a table came from, so an error can name the file and the line."""

    def __init__(self, source: str, row_label: RowLabel = _one_based, unit: str = "row") -> None:
        self.source, self.row_label, self.unit = source, row_label, unit

    def error(
        self, message: str, *, position: int | None = None, column: str | None = None
    ) -> WorldError:
        row = None if position is None else self.row_label(position)
        if row is None and column is not None and self.unit == "line":
            row = 1  # a problem with a column as a whole: its name is on the header line
        err = WorldError(message, source=self.source, row=row, column=column)
        if row is not None and self.unit != "line":
            # WorldError says "line N"; a table that is not a text file has rows.
            err.args = (str(err).replace(f"line {row}", f"row {row}", 1),)
        return err


class World:
    """Accounts, follows and events over time; see the module docstring for the tables.

    Build one with ``World(accounts=..., follows=..., events=...)`` from DataFrames (or anything
    ``pd.DataFrame`` accepts) or with :func:`read_world` from a directory. Any table may be
    absent; without ``accounts`` the accounts are the ids the other tables name, in order of
    first appearance. Input is validated: an unknown action, a duplicate account, an edge or
    event naming an unknown account or an unreadable time raises :class:`WorldError`.
    """

    def __init__(
        self, accounts=None, follows=None, events=None, *, _where: dict[str, Locator] | None = None
    ) -> None:
        where = {name: (_where or {}).get(name, Locator(name)) for name in _TABLES}
        frames = {}
        for name, table in (("accounts", accounts), ("follows", follows), ("events", events)):
            frames[name] = None if table is None else _to_frame(table, name, where[name])
        acc = frames["accounts"]
        if acc is None:
            acc = pd.DataFrame({"account": _ids_in(frames["follows"], frames["events"])})
        self._accounts = _validate_accounts(acc, where["accounts"])
        ids = pd.Index(self._accounts["account"].to_numpy(dtype=object), dtype=object)
        self._ids = ids
        self._follows = _validate_follows(frames["follows"], ids, where["follows"])
        self._events = _validate_events(frames["events"], ids, where["events"])

    # ---- construction without validation (used by snapshots, generators and readers) ----
    @classmethod
    def trusted(
        cls,
        accounts: pd.DataFrame,
        follows: pd.DataFrame,
        events: pd.DataFrame,
        ids: pd.Index | None = None,
    ) -> World:
        """A world of tables already in the in-memory form (categorical id columns on ``ids``,
        UTC times, events sorted by time), without validating them again: for readers and
        generators that validated them their own way (:mod:`auditkit.data.parquet`)."""
        return cls._trusted(accounts, follows, events, ids)

    @classmethod
    def _trusted(
        cls,
        accounts: pd.DataFrame,
        follows: pd.DataFrame,
        events: pd.DataFrame,
        ids: pd.Index | None = None,
        lazy: LazyEvents | None = None,
    ) -> World:
        world = cls.__new__(cls)
        world._accounts, world._follows, world._events = accounts, follows, events
        world._ids = (
            ids
            if ids is not None
            else pd.Index(accounts["account"].to_numpy(dtype=object), dtype=object)
        )
        world.lazy_events = lazy
        return world

    #: The events as a partitioned Parquet dataset not read into memory (``read_world(path,
    #: lazy=True)``, :mod:`auditkit.data.partitioned`), or None when they are in memory.
    lazy_events: LazyEvents | None = None

    def _in_memory(self, what: str) -> None:
        if self.lazy_events is not None:
            raise WorldError(
                f"{what} needs the events in memory, but this world reads them "
                "lazily from a partitioned dataset; read the world without "
                "lazy=True (or score it with a scorer that aggregates lazily: "
                "followers, kred, klout)"
            )

    @classmethod
    def from_codes(
        cls,
        ids: Iterable[str],
        *,
        follower=None,
        followee=None,
        follow_time=None,
        event_time=None,
        actor=None,
        action=None,
        target=None,
        post=None,
        accounts_extra: dict | None = None,
        events_extra: dict | None = None,
        copy: bool = True,
    ) -> World:
        """Build a world from integer codes into ``ids`` without per-row validation.

        For generators that already hold numpy arrays: ``follower``/``followee``/``actor``/
        ``target`` are codes (``-1`` for no target), ``action`` codes index :data:`ACTIONS`,
        times are ``datetime64`` or unix-second arrays. Codes are range-checked. ``copy=False``:
        the arrays are the caller's to give (made for this world, never read or written again by
        the caller), and become its columns without a copy where their type allows.
        """
        index = pd.Index(list(ids), dtype=object)
        if index.has_duplicates:
            raise WorldError(
                f"duplicate account id {excerpt(index[index.duplicated()][0])}", source="accounts"
            )
        # The three tables are independent: from PARALLEL_ROWS rows they are made two at a
        # time in two threads (numpy releases the GIL), each exactly as alone, the events
        # (the longest) first. The inputs are handed over in one dict the makers pop from, so
        # that each array is let go of once converted (the caller may have passed the only
        # reference).
        given = {
            "follower": follower,
            "followee": followee,
            "follow_time": follow_time,
            "event_time": event_time,
            "actor": actor,
            "action": action,
            "target": target,
            "post": post,
        }
        del follower, followee, follow_time, event_time, actor, action, target, post
        rows = sum(len(given[k]) for k in ("followee", "actor") if given[k] is not None)
        events, follows, accounts = two_at_a_time(
            lambda make: make(),
            [
                partial(_events_table, index, given, events_extra, copy),
                partial(_follows_table, index, given, copy),
                partial(_accounts_table, index, accounts_extra),
            ],
            rows,
        )
        return cls._trusted(accounts, follows, events, index)

    # ---- the tables ----
    @property
    def accounts(self) -> pd.DataFrame:
        """One row per account; ``account`` is the id."""
        return self._accounts

    @property
    def follows(self) -> pd.DataFrame:
        """One row per follow edge ``follower -> followee``."""
        return self._follows

    @property
    def events(self) -> pd.DataFrame:
        """One row per action, sorted by ``time``."""
        self._in_memory("reading world.events")
        return self._events

    @property
    def ids(self) -> pd.Index:
        """The account ids, in table order; codes in other tables index into this."""
        return self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        events = (
            f"{len(self._events):,} events"
            if self.lazy_events is None
            else f"{self.lazy_events.rows:,} events read lazily"
        )
        return f"<World {len(self):,} accounts, {len(self._follows):,} follows, {events}>"

    # ---- time ----
    @cached_property
    def start(self) -> pd.Timestamp | None:
        """The earliest time any table records, or None for a timeless world."""
        return self._time_bound(min)

    @cached_property
    def end(self) -> pd.Timestamp | None:
        """The latest time any table records; the default ``at`` of every scorer."""
        return self._time_bound(max)

    def _time_bound(self, pick) -> pd.Timestamp | None:
        candidates = []
        lazy = self.lazy_events
        if lazy is not None and (lazy.start if pick is min else lazy.end) is not None:
            candidates.append(lazy.start if pick is min else lazy.end)
        if len(self._events):
            candidates.append(self._events["time"].iloc[0 if pick is min else -1])
        for frame, col in ((self._follows, "time"), (self._accounts, "created")):
            if col in frame and frame[col].notna().any():
                candidates.append(frame[col].min() if pick is min else frame[col].max())
        return pick(candidates) if candidates else None

    def resolve_at(self, at: object = None) -> pd.Timestamp | None:
        """``at`` as a UTC timestamp; ``None`` means the end of the world."""
        return self.end if at is None else _as_timestamp(at)

    def as_of(self, at: object) -> World:
        """The world as it stood at ``at``: events up to and including it, follows active then.

        Every account is kept (also those created later) so that scores of two snapshots
        align account by account.
        """
        t = _as_timestamp(at)
        if self.end is not None and t >= self.end and "until" not in self._follows:
            return self
        return self._trusted(
            self._accounts,
            self._follows_at(t),
            self._events_between(None, t),
            self._ids,
            self._lazy_between(None, t),
        )

    def window(self, days: float, at: object = None) -> World:
        """Events of the ``days`` before ``at`` (``at - days < t <= at``); follows as of ``at``."""
        t = self.resolve_at(at)
        if t is None:
            return self
        lo = t - pd.Timedelta(days=days)
        return self._trusted(
            self._accounts,
            self._follows_at(t),
            self._events_between(lo, t),
            self._ids,
            self._lazy_between(lo, t),
        )

    def _lazy_between(self, lo: pd.Timestamp | None, hi: pd.Timestamp) -> LazyEvents | None:
        return None if self.lazy_events is None else self.lazy_events.between(lo, hi)

    def _events_between(self, lo: pd.Timestamp | None, hi: pd.Timestamp) -> pd.DataFrame:
        if self.lazy_events is not None:
            return self._events
        times = self.event_time_ns
        a = 0 if lo is None else int(np.searchsorted(times, lo.value, side="right"))
        b = int(np.searchsorted(times, hi.value, side="right"))
        if a == 0 and b == len(times):
            return self._events
        return self._events.iloc[a:b]

    def _follows_at(self, t: pd.Timestamp) -> pd.DataFrame:
        f = self._follows
        keep = None
        if "time" in f:
            keep = ~(f["time"] > t).to_numpy()
        if "until" in f:
            alive = ~(f["until"] <= t).to_numpy()
            keep = alive if keep is None else keep & alive
        if keep is None or keep.all():
            return f
        return f[keep]

    # ---- numeric views for scorers (cached; never mutate them) ----
    @cached_property
    def event_time_ns(self) -> np.ndarray:
        """Event times as int64 nanoseconds since the epoch (sorted)."""
        self._in_memory("world.event_time_ns")
        return self._events["time"].array.asi8 if len(self._events) else np.zeros(0, np.int64)

    @cached_property
    def event_codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(actor, action, target)`` as integer codes; target is -1 where absent."""
        self._in_memory("world.event_codes")
        e = self._events
        # the columns' own (read-only) code arrays where their dtype is already the one asked
        # for (a large world's): no copy of 20M rows per world
        return (
            read_only(e["actor"].array.codes.astype(np.int32, copy=False)),
            read_only(e["action"].array.codes.astype(np.int8, copy=False)),
            read_only(e["target"].array.codes.astype(np.int32, copy=False)),
        )

    @cached_property
    def follow_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(follower, followee)`` codes of the active follow edges, duplicates removed."""
        f = self._follows
        src = f["follower"].array.codes
        dst = f["followee"].array.codes
        if "until" in f and len(src):
            key = np.unique(src.astype(np.int64) * len(self) + dst)
            src, dst = key // len(self), key % len(self)
        return (
            read_only(src.astype(np.int32, copy=False)),
            read_only(dst.astype(np.int32, copy=False)),
        )

    @cached_property
    def follows_in_order(self) -> bool:
        """Whether :attr:`follow_codes` are sorted by (follower, followee), without repeats: true
        for the worlds auditkit builds and writes. Checked once per world (a second at 100
        million edges) so that :attr:`follow_keys` and the graph scorers' matrices skip a sort
        or a check of their own."""
        src, dst = self.follow_codes
        if len(src) < 2:
            return True
        key = src.astype(np.int64) * len(self) + dst
        return bool((key[1:] > key[:-1]).all())

    @cached_property
    def follow_keys(self) -> np.ndarray:
        """The active follow edges as sorted, distinct int64 keys ``follower * n + followee``
        (a membership test is a binary search; no sort when the edges are stored in order)."""
        src, dst = self.follow_codes
        key = src.astype(np.int64) * len(self) + dst
        return key if self.follows_in_order else np.unique(key)

    @cached_property
    def follow_matrix(self) -> sp.csr_matrix:
        """``A[i, j] = 1`` when account ``i`` follows account ``j`` (CSR, n x n)."""
        src, dst = self.follow_codes
        n = len(self)
        return sp.csr_matrix((np.ones(len(src), np.float64), (src, dst)), shape=(n, n))

    @cached_property
    def in_degree(self) -> np.ndarray:
        """Followers per account, counted from the follow edges."""
        return np.bincount(self.follow_codes[1], minlength=len(self)).astype(np.int64)

    @cached_property
    def out_degree(self) -> np.ndarray:
        """Accounts followed per account, counted from the follow edges."""
        return np.bincount(self.follow_codes[0], minlength=len(self)).astype(np.int64)

    def profile_count(self, column: str) -> np.ndarray:
        """An observed profile count column as floats (0 where missing or absent)."""
        if column not in self._accounts:
            return np.zeros(len(self))
        return self._accounts[column].astype("float64").fillna(0.0).to_numpy()

    def series(self, values: np.ndarray | Iterable[float], name: str | None = None) -> pd.Series:
        """Wrap one value per account as a Series indexed by account id."""
        return pd.Series(np.asarray(values, dtype=np.float64), index=self._ids, name=name)

    def code_of(self, account: str) -> int:
        """The integer code of an account id; :class:`WorldError` if it is not in the world."""
        loc = self._ids.get_indexer([account])[0]
        if loc < 0:
            raise WorldError(
                f"account {excerpt(account)} is not in this world of {len(self):,} "
                "accounts; check the id (ids are case-sensitive strings)"
            )
        return int(loc)

    # ---- derived worlds ----
    def with_tables(self, *, accounts=None, follows=None, events=None) -> World:
        """A new, validated world with some tables replaced (the others kept)."""
        return World(
            accounts=self._public(self._accounts) if accounts is None else accounts,
            follows=self._public(self._follows) if follows is None else follows,
            events=self._public(self._events) if events is None else events,
        )

    @staticmethod
    def _public(frame: pd.DataFrame) -> pd.DataFrame:
        """A table with categorical id columns turned back into plain strings."""
        out = frame.copy()
        for col in out.columns:
            if isinstance(out[col].dtype, pd.CategoricalDtype) and col != "action":
                out[col] = out[col].astype(object).where(out[col].notna(), None)
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The three tables with plain string id columns, as they are written to files."""
        self._in_memory("writing the world's tables")
        return {
            "accounts": self._public(self._accounts),
            "follows": self._public(self._follows),
            "events": self._public(self._events),
        }

    def write(self, path: str | os.PathLike, *, format: str = "csv", event_files: int = 1) -> Path:
        """Write the world to directory ``path`` (``csv`` or ``parquet``), atomically.

        The tables go to a temporary sibling directory that is renamed into place, so a failure
        never leaves half a world behind. Times are written as ISO-8601 UTC. With Parquet and
        ``event_files > 1`` the events become a partitioned dataset, ``events/part-00000.parquet``
        and on, consecutive stretches of time (``read_world(path, lazy=True)`` reads it lazily).
        """
        if format not in ("csv", "parquet"):
            raise WorldError(f"unknown world format {format!r}; use 'csv' or 'parquet'")
        if event_files > 1 and format != "parquet":
            raise WorldError(
                "a partitioned events table (event_files > 1) is written as "
                "Parquet; pass format='parquet'"
            )
        with atomic_directory(path) as tmp:
            for name, frame in self.tables().items():
                if name != "accounts" and frame.empty:
                    continue
                if name == "events" and event_files > 1:
                    (tmp / "events").mkdir()
                    bounds = np.linspace(0, len(frame), event_files + 1).astype(int)
                    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
                        frame.iloc[a:b].to_parquet(
                            tmp / "events" / f"part-{i:05d}.parquet", index=False
                        )
                elif format == "csv":
                    out = frame.copy()
                    for col in out.columns:
                        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
                            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
                    out.to_csv(tmp / f"{name}.csv", index=False)
                else:
                    frame.to_parquet(tmp / f"{name}.parquet", index=False)
        return Path(path)


# ---------------------------------------------------------------------------------------------
# validation


def _to_frame(table, name: str, where: Locator) -> pd.DataFrame:
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
    frame = frame.reset_index(drop=True)
    missing = [c for c in _REQUIRED[name] if c not in frame.columns]
    if missing and not (name == "accounts" and frame.empty and not len(frame.columns)):
        known = ", ".join(_TABLES[name])
        raise where.error(
            f"missing required column {missing[0]!r}; the {name} table has "
            f"columns {known} (required: {', '.join(_REQUIRED[name])})",
            column=missing[0],
        )
    return frame


def _ids_in(follows: pd.DataFrame | None, events: pd.DataFrame | None) -> list[str]:
    parts = []
    for frame, cols in ((follows, ("follower", "followee")), (events, ("actor", "target"))):
        if frame is None:
            continue
        for col in cols:
            if col in frame:
                ids = _id_strings(frame[col]).dropna()
                parts.append(ids[ids != ""])  # an empty id is reported where it stands
    if not parts:
        return []
    # interleave follower/followee order of first appearance deterministically
    return list(pd.unique(pd.concat(parts, ignore_index=True)))


def _id_strings(col: pd.Series) -> pd.Series:
    """Ids as python strings; missing stays missing. Integer ids become their decimal text."""
    if isinstance(col.dtype, pd.CategoricalDtype):  # map the few categories, not every row
        names = _id_strings(pd.Series(col.cat.categories)).to_numpy(dtype=object)
        codes = col.cat.codes.to_numpy()
        picked: np.ndarray = (
            names[np.maximum(codes, 0)] if len(names) else np.full(len(codes), None, dtype=object)
        )
        out = picked.astype(object)
        out[codes < 0] = None
        return pd.Series(out, index=col.index, dtype=object)
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object)
    out = col.astype(object).where(col.notna(), None)
    if pd.api.types.is_float_dtype(col.dtype):
        out = out.map(
            lambda v: None if v is None else (str(int(v)) if float(v).is_integer() else str(v))
        )
    else:
        out = out.map(lambda v: None if v is None else str(v))
    return out


def _validate_accounts(acc: pd.DataFrame, where: Locator) -> pd.DataFrame:
    acc = acc.copy()
    if "account" not in acc:
        acc["account"] = pd.Series([], dtype=object)
    ids = _id_strings(acc["account"])
    blank = ids.isna() | (ids == "")
    if blank.any():
        pos = int(np.flatnonzero(blank.to_numpy())[0])
        raise where.error(
            "empty account id; every account needs a non-empty id", position=pos, column="account"
        )
    dup = ids.duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((ids == ids.iloc[pos]).to_numpy())[0])
        raise where.error(
            f"duplicate account {excerpt(ids.iloc[pos])} (first at "
            f"{where.unit} {where.row_label(first)}); account ids must be unique",
            position=pos,
            column="account",
        )
    acc["account"] = pd.array(ids.to_numpy(dtype=object), dtype="string")
    return validate_account_columns(acc, where)


def validate_account_columns(acc: pd.DataFrame, where: Locator) -> pd.DataFrame:
    """Parse and check the accounts table's columns other than ``account`` (in place):
    ``created`` times, ``label`` and ``group`` text, counts, flags."""
    if "created" in acc:
        acc["created"] = parse_time(acc["created"], where=where, column="created")
    for col in ("label", "group"):
        if col in acc:
            acc[col] = pd.array(_id_strings(acc[col]).to_numpy(dtype=object), dtype="string")
    for col in _COUNT_COLUMNS:
        if col in acc:
            num = pd.to_numeric(acc[col], errors="coerce")
            bad = (acc[col].notna() & num.isna()) | (num < 0) | (num == np.inf)
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise where.error(
                    f"{col} must be a finite, non-negative number, got "
                    f"{excerpt(acc[col].iloc[pos])}",
                    position=pos,
                    column=col,
                )
            acc[col] = num.astype("Float64")
    for col in FLAG_COLUMNS:
        if col in acc:
            acc[col] = _booleans(acc[col], where, col)
    return acc


def _categorical_ids(
    col: pd.Series, ids: pd.Index, where: Locator, name: str, allow_missing: bool = False
) -> pd.Categorical:
    values = _id_strings(col)
    codes = ids.get_indexer(values.to_numpy(dtype=object))
    missing = values.isna().to_numpy()
    if not allow_missing and missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise where.error(
            f"empty {name}; every row needs the id of an account", position=pos, column=name
        )
    unknown = (codes < 0) & ~missing
    if unknown.any():
        pos = int(np.flatnonzero(unknown)[0])
        raise where.error(
            f"{name} {excerpt(values.iloc[pos])} is not an account of this world; "
            "add it to the accounts table or fix the id",
            position=pos,
            column=name,
        )
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=ids)


def _accounts_table(index: pd.Index, extra: dict | None) -> pd.DataFrame:
    """The accounts of :meth:`World.from_codes`."""
    accounts = pd.DataFrame({"account": pd.array(index, dtype="string")})
    for key, value in (extra or {}).items():
        accounts[key] = value
    return accounts


def _follows_table(index: pd.Index, given: dict, copy: bool) -> pd.DataFrame:
    """The follows of :meth:`World.from_codes` (its inputs popped from ``given``)."""
    follower, followee = given.pop("follower"), given.pop("followee")
    follow_time = given.pop("follow_time")
    if follower is None:
        return _empty_follows(index)
    n = len(index)
    # the columns are arrays made here (codes, times), so the frame takes them without a copy
    # (copy=False): building a large world peaks lower
    columns = {
        "follower": pd.Categorical.from_codes(
            _checked_codes(follower, n, "follower", copy=copy), categories=index
        ),
        "followee": pd.Categorical.from_codes(
            _checked_codes(followee, n, "followee", copy=copy), categories=index
        ),
    }
    del follower, followee
    if follow_time is not None:
        columns["time"] = times_from_array(follow_time, copy=copy)
    return pd.DataFrame(columns, copy=False)


def _events_table(
    index: pd.Index, given: dict, events_extra: dict | None, copy: bool
) -> pd.DataFrame:
    """The events of :meth:`World.from_codes` (its inputs popped from ``given``), in time
    order."""
    actor = given.pop("actor")
    event_time, action = given.pop("event_time"), given.pop("action")
    target, post = given.pop("target"), given.pop("post")
    if actor is None:
        return _empty_events(index)
    n = len(index)
    time = times_from_array(event_time, copy=copy)
    del event_time
    ns = time.array.asi8
    order = None
    if len(ns) and not (ns[1:] >= ns[:-1]).all():
        # put the rows in time order as arrays, before they become columns (a take on
        # categorical columns costs several times more); a few at a time, each unsorted
        # array let go of once taken. The times are a new array, or given (copy=False):
        # sorted in their own memory
        del time
        ns, order = stable_sort(ns, in_place=True)
        time = _utc_times(ns)
    del ns
    act = _checked_codes(actor, n, "actor", copy=copy)
    del actor
    tgt = (
        np.full(len(act), -1, np.int32)
        if target is None
        else _checked_codes(target, n, "target", allow_missing=True, copy=copy)
    )
    del target
    act_codes = np.asarray(action, dtype=np.int8)
    del action
    extra = dict(events_extra or {})
    if post is not None:
        extra = {"post": np.asarray(post), **extra}
    del post
    if order is not None:
        act, tgt = take_rows(order, act, tgt)
        act_codes, *rest = take_rows(order, act_codes, *extra.values())
        extra = dict(zip(extra, rest, strict=True))
        del order, rest
    elif copy:  # the caller's arrays: copied, so that the world does not share them
        act_codes = act_codes.copy()
        extra = {k: v.copy() for k, v in extra.items()}
    return pd.DataFrame(
        {
            "time": time,
            "actor": pd.Categorical.from_codes(act, categories=index),
            "action": pd.Categorical.from_codes(act_codes, categories=list(ACTIONS)),
            "target": pd.Categorical.from_codes(tgt, categories=index),
            **extra,
        },
        copy=False,
    )


def _empty_follows(ids: pd.Index) -> pd.DataFrame:
    empty = pd.Categorical.from_codes(np.zeros(0, np.int32), categories=ids)
    return pd.DataFrame({"follower": empty, "followee": empty.copy()})


def _empty_events(ids: pd.Index) -> pd.DataFrame:
    empty = pd.Categorical.from_codes(np.zeros(0, np.int32), categories=ids)
    return pd.DataFrame(
        {
            "time": pd.Series([], dtype="datetime64[ns, UTC]"),
            "actor": empty,
            "action": pd.Categorical([], categories=list(ACTIONS)),
            "target": empty.copy(),
        }
    )


def _validate_follows(f: pd.DataFrame | None, ids: pd.Index, where: Locator) -> pd.DataFrame:
    if f is None:
        return _empty_follows(ids)
    out = f.copy()
    out["follower"] = _categorical_ids(f["follower"], ids, where, "follower")
    out["followee"] = _categorical_ids(f["followee"], ids, where, "followee")
    src = out["follower"].cat.codes.to_numpy()
    dst = out["followee"].cat.codes.to_numpy()
    self_loop = src == dst
    if self_loop.any():
        pos = int(np.flatnonzero(self_loop)[0])
        raise where.error(
            f"account {excerpt(ids[src[pos]])} follows itself; remove the row",
            position=pos,
            column="followee",
        )
    for col in ("time", "until"):
        if col in out:
            out[col] = parse_time(out[col], where=where, column=col)
    if "until" not in out:
        dup = pd.Series(src.astype(np.int64) * len(ids) + dst).duplicated().to_numpy()
        if dup.any():
            pos = int(np.flatnonzero(dup)[0])
            raise where.error(
                f"{excerpt(ids[src[pos]])} follows {excerpt(ids[dst[pos]])} twice; keep one row, "
                "or add an 'until' column to record when a follow ended",
                position=pos,
                column="followee",
            )
    return out


def _validate_events(e: pd.DataFrame | None, ids: pd.Index, where: Locator) -> pd.DataFrame:
    if e is None:
        return _empty_events(ids)
    out = e.copy()
    out["time"] = parse_time(e["time"], where=where, column="time")
    action = e["action"].astype(object).where(e["action"].notna(), None)
    bad = ~action.isin(ACTIONS).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise where.error(
            f"unknown action {excerpt(action.iloc[pos])}; use one of {', '.join(ACTIONS)}",
            position=pos,
            column="action",
        )
    out["action"] = pd.Categorical(action, categories=list(ACTIONS))
    out["actor"] = _categorical_ids(e["actor"], ids, where, "actor")
    if "target" in e:
        out["target"] = _categorical_ids(e["target"], ids, where, "target", allow_missing=True)
    else:
        out["target"] = pd.Categorical.from_codes(np.full(len(e), -1, np.int32), categories=ids)
    is_reaction = out["action"].isin(REACTIONS).to_numpy()
    no_target = out["target"].isna().to_numpy()
    lacking = is_reaction & no_target
    if lacking.any():
        pos = int(np.flatnonzero(lacking)[0])
        raise where.error(
            f"a {excerpt(action.iloc[pos])} needs a target (the account acted on); "
            "fill the target column",
            position=pos,
            column="target",
        )
    return _sort_events(validate_event_extras(out, where))


def validate_event_extras(out: pd.DataFrame, where: Locator) -> pd.DataFrame:
    """Parse and check the events table's optional ``network``, ``link`` and ``topic`` columns
    (in place)."""
    if "network" in out:
        out["network"] = pd.Categorical(_id_strings(out["network"]))
    if "link" in out:
        out["link"] = _booleans(out["link"], where, "link")
    if "topic" in out:
        topic = [
            None if v is None or pd.isna(v) else str(v).strip() or None
            for v in _id_strings(out["topic"])
        ]
        out["topic"] = pd.Categorical(topic)
    return out


def _booleans(col: pd.Series, where: Locator, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(col.dtype) and not col.isna().any():
        return col.astype(bool)
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        col = (
            col.astype("Float64")
            .astype(object)
            .map(lambda v: "" if pd.isna(v) else str(int(v)) if float(v).is_integer() else str(v))
        )
    table = {
        "true": True,
        "1": True,
        "yes": True,
        "false": False,
        "0": False,
        "no": False,
        "": False,
    }
    text = col.astype(object).where(col.notna(), "").map(lambda v: str(v).strip().lower())
    mapped = text.map(table)
    if mapped.isna().any():
        pos = int(np.flatnonzero(mapped.isna().to_numpy())[0])
        raise where.error(
            f"{column} must be true or false (or empty for false), got {excerpt(col.iloc[pos])}",
            position=pos,
            column=column,
        )
    return mapped.astype(bool)


def _sort_events(events: pd.DataFrame) -> pd.DataFrame:
    times = events["time"].array.asi8
    if len(times) and not (np.diff(times) >= 0).all():
        events = events.iloc[stable_order(times)]
    return events.reset_index(drop=True)


def stable_order(times: np.ndarray) -> np.ndarray:
    """``np.argsort(times, kind="stable")`` for int64 nanosecond times (see
    :func:`stable_sort`)."""
    return stable_sort(times)[1]


def stable_sort(times: np.ndarray, *, in_place: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(times[order], order)``, ``order = np.argsort(times, kind="stable")``, for int64
    nanosecond times; faster when every time is a whole second (generated worlds): one plain
    sort of ``second * len + position``, whose order is the stable order and whose quotient is
    the sorted seconds (no gather of the times in the new order). ``in_place``: ``times`` is
    the caller's to give, and its memory may hold the sorted times (one array fewer)."""
    n = len(times)
    if n > 1_000 and not (times % 10**9).any():
        first = int(times.min())
        if (int(times.max()) - first) // 10**9 + 1 < 2**62 // n:
            # whole seconds since the first; in place from here
            composite = np.subtract(times, first, out=times if in_place else None)
            composite //= 10**9
            composite *= n
            composite += np.arange(n, dtype=np.int64)
            composite.sort()
            order = composite % n
            composite //= n
            composite *= 10**9
            composite += first
            return composite, order
    order = np.argsort(times, kind="stable")
    return times[order], order


def _checked_codes(
    values, n: int, name: str, allow_missing: bool = False, copy: bool = True
) -> np.ndarray:
    # a new array unless the caller gives its own (World.from_codes(copy=False))
    codes = np.array(values, dtype=np.int32, copy=True if copy else None)
    lo = -1 if allow_missing else 0
    if len(codes) and (codes.min() < lo or codes.max() >= n):
        raise WorldError(f"{name} codes must lie in [{lo}, {n}); got {codes.min()}..{codes.max()}")
    return codes


#: The type of every time column of a world.
_UTC_NS = pd.DatetimeTZDtype(unit="ns", tz="UTC")


def _utc_times(ns: np.ndarray) -> pd.Series:
    """UTC times over int64 nanoseconds since the epoch, ``ns`` itself (not copied: give an
    array nobody writes again)."""
    return pd.Series(ns, dtype=_UTC_NS, copy=False)


def times_from_array(values, copy: bool = True) -> pd.Series:
    """UTC times (``datetime64[ns, UTC]``, a new array) from ``datetime64`` values (naive: UTC)
    or unix seconds (NaN: missing). Each value converts on its own, the same way whatever else
    the array holds. ``copy=False``: ``datetime64[ns]`` values the caller gives away become the
    times without a copy."""
    arr = np.asarray(values)
    if arr.dtype == np.dtype("datetime64[ns]"):
        ns = arr.view(np.int64)
        return _utc_times(ns.copy() if copy else ns)
    if np.issubdtype(arr.dtype, np.datetime64):
        return pd.Series(pd.to_datetime(arr, utc=True)).astype("datetime64[ns, UTC]")
    seconds = arr.astype(np.float64, copy=False)
    if (
        len(seconds)
        and seconds.min() > -9e9  # within datetime64[ns] (years 1677-2262); false for NaN
        and seconds.max() < 9e9
        and (seconds == np.floor(seconds)).all()
    ):
        # whole seconds (generated worlds): the nanoseconds pandas would give, exactly,
        # without its per-value split into whole and fractional parts
        ns = seconds.astype(np.int64)
        ns *= 10**9
        return _utc_times(ns)
    return pd.Series(pd.to_datetime(seconds, unit="s", utc=True)).astype("datetime64[ns, UTC]")


# ---------------------------------------------------------------------------------------------
# files


_ID_DTYPES = {
    "account": str,
    "label": str,
    "group": str,
    "follower": str,
    "followee": str,
    "actor": str,
    "target": str,
    "post": str,
    "network": str,
    "action": str,
    "topic": str,
    **{flag: str for flag in FLAG_COLUMNS},
}


def _read_table(path: Path) -> tuple[pd.DataFrame, Locator]:
    frame, parquet = read_table(path, _ID_DTYPES)
    if parquet:
        return frame, Locator(str(path), _one_based, "row")
    # header is line 1, so data row i (0-based) is on line i + 2
    return frame, Locator(str(path), lambda i: i + 2, "line")


def read_world(path: str | os.PathLike, *, lazy: bool = False) -> World:
    """Load a world directory holding ``accounts``, ``follows`` and ``events`` files.

    Each file may be ``.csv``, ``.csv.gz`` or ``.parquet``, and a Parquet table may also be a
    directory of ``.parquet`` files (``events/part-0.parquet ...``, a partitioned dataset);
    any table may be absent, but not all. A world whose tables are all Parquet is read in
    chunks into compact columns (:mod:`auditkit.data.parquet`). Errors name the file, the line
    (CSV) or row (Parquet) and the column.

    ``lazy=True`` leaves Parquet events on disk, to be aggregated on Dask by the scorers that
    can (:mod:`auditkit.data.partitioned`); accounts and follows are read as usual.
    """
    root = Path(path)
    if not root.is_dir():
        raise WorldError(
            f"world directory {str(root)!r} does not exist; a world is a directory "
            "with accounts.csv, follows.csv and/or events.csv"
        )
    sources = world_sources(root)
    if not sources:
        raise WorldError(
            f"no accounts, follows or events file in {str(root)!r}; expected "
            "accounts.csv, follows.csv, events.csv (or .parquet)"
        )
    parquet = {name: p for name, p in sources.items() if is_parquet(p)}
    if parquet and len(parquet) < len(sources) and any(p.is_dir() for p in parquet.values()):
        raise WorldError(
            "a partitioned (directory) table needs the other tables in Parquet "
            "too; write them as .parquet",
            source=str(root),
        )
    if lazy:
        if "events" not in parquet or "accounts" not in parquet or len(parquet) < len(sources):
            raise WorldError(
                "lazy=True reads a world whose tables are Parquet (files or "
                "partitioned directories), with an accounts table; write it with "
                "format='parquet'",
                source=str(root),
            )
        from auditkit.data.parquet import read_parquet_world
        from auditkit.data.partitioned import LazyEvents

        handle = LazyEvents.open(parquet.pop("events"))
        world = read_parquet_world(parquet)
        return World._trusted(world._accounts, world._follows, world._events, world._ids, handle)
    if len(parquet) == len(sources) and "accounts" in parquet:
        from auditkit.data.parquet import read_parquet_world

        return read_parquet_world(parquet)
    tables: dict[str, pd.DataFrame] = {}
    where: dict[str, Locator] = {}
    for name, file in sources.items():
        tables[name], where[name] = _read_table(file)
    for name, frame in tables.items():
        unknown = [c for c in frame.columns if c not in _TABLES[name]]
        if unknown and name != "accounts":
            raise where[name].error(
                f"unknown column {excerpt(unknown[0])}; the {name} table has columns "
                f"{', '.join(_TABLES[name])}",
                column=unknown[0],
            )
    world = World(tables.get("accounts"), tables.get("follows"), tables.get("events"), _where=where)
    if not len(world):
        names = ", ".join(where[n].source for n in tables)
        raise WorldError(
            f"the world has no accounts: {names} hold a header but no rows; "
            "add at least one account (line 2)",
            source=str(root),
            row=2,
        )
    return world


def is_parquet(path: Path) -> bool:
    """Whether a table's source is Parquet: a ``.parquet`` file or a directory of them."""
    return path.is_dir() or path.name.endswith(".parquet")


def world_sources(root: Path) -> dict[str, Path]:
    """Each table's file (or partitioned directory) in world directory ``root``.

    :class:`WorldError` when a table has two (``events.csv`` and ``events.parquet``)."""
    sources: dict[str, Path] = {}
    for name in _TABLES:
        found = [
            root / f"{name}{ext}"
            for ext in (".csv", ".csv.gz", ".parquet")
            if (root / f"{name}{ext}").is_file()
        ]
        found += [d for d in (root / name, root / f"{name}.parquet") if d.is_dir()]
        if len(found) > 1:
            raise WorldError(
                f"both {found[0].name} and {found[1].name} exist; keep one", source=str(root)
            )
        if found:
            sources[name] = found[0]
    return sources
