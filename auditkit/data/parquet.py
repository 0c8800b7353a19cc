"""Reading Parquet worlds in chunks, straight into compact columns: :func:`read_parquet_world`.

:func:`auditkit.read_world` hands a world here when every table it has is Parquet (a file, or a
directory of ``*.parquet`` files read in name order: a partitioned dataset). The tables are read
batch by batch (``pyarrow.parquet.ParquetFile.iter_batches``) into preallocated numpy arrays, so
memory holds the finished columns plus one batch, never a pandas copy of the whole file:

- account ids in ``follows`` and ``events`` become ``int32`` codes (the categorical codes of
  the in-memory world); an integer id column is mapped through a lookup table, a text one
  through the accounts' hash index, one dictionary of distinct values per batch;
- ``action`` becomes ``int8`` codes, ``post`` the narrowest integer type that holds it;
- times stay ``int64`` nanoseconds (``datetime64[ns, UTC]``).

It validates what :class:`~auditkit.data.world.World` validates (unknown accounts, duplicate
accounts and follows, self-follows, unknown actions, reactions without a target), with errors
naming the file, the row and the column. Integer account ids are read as their decimal text, as
everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.data.world import (
    ACCOUNT_COLUMNS,
    ACTIONS,
    EVENT_COLUMNS,
    FOLLOW_COLUMNS,
    REACTIONS,
    Locator,
    World,
    parse_time,
    validate_account_columns,
    validate_event_extras,
)
from auditkit.errors import WorldError

__all__ = ["read_parquet_world", "parquet_files", "BATCH_ROWS"]

#: Rows read per batch.
BATCH_ROWS = 4_000_000
_NAT = np.iinfo(np.int64).min


def parquet_files(path: Path) -> list[Path]:
    """The Parquet files of a table: the file itself, or a directory's ``*.parquet`` in name
    order."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.parquet") if p.is_file())
        if not files:
            raise WorldError(
                f"the directory {str(path)!r} holds no .parquet file; a partitioned "
                "table is a directory of Parquet files"
            )
        return files
    return [path]


def _open(file: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file)
    except (OSError, ValueError) as exc:
        raise WorldError(f"cannot read this file: {exc}".strip(), source=str(file)) from exc


class _Table:
    """One table's files: row count, columns, and batches with their file and offset."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files = [(f, _open(f)) for f in parquet_files(path)]
        names = [pf.schema_arrow.names for _, pf in self.files]
        self.columns = list(names[0])
        for (f, _), cols in zip(self.files, names, strict=True):
            if cols != self.columns:
                raise WorldError(
                    f"its columns {cols} differ from those of "
                    f"{self.files[0][0].name} ({self.columns}); every file of a "
                    "partitioned table has the same columns",
                    source=str(f),
                )
        self.rows = sum(pf.metadata.num_rows for _, pf in self.files)

    def batches(self, columns: list[str]) -> Iterator[tuple[Path, int, int, Any]]:
        """``(file, first row in the file, first row overall, record batch)``."""
        start = 0
        for f, pf in self.files:
            offset = 0
            try:
                for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                    yield f, offset, start + offset, batch
                    offset += batch.num_rows
            except (OSError, ValueError) as exc:
                raise WorldError(f"cannot read this file: {exc}".strip(), source=str(f)) from exc
            start += offset


def _error(file: Path, row: int, column: str, message: str) -> WorldError:
    return Locator(str(file)).error(message, position=row, column=column)


class _Ids:
    """Maps account ids (an Arrow array) to codes into the accounts table (-1: unknown)."""

    def __init__(self, index: pd.Index, integers: np.ndarray | None) -> None:
        self.index = index
        self.integers = integers
        self._table: np.ndarray | None = None
        self._offset = 0
        if integers is not None and len(integers):
            lo, hi = int(integers.min()), int(integers.max())
            if hi - lo < 4 * len(integers) + 1024:
                table = np.full(hi - lo + 1, -1, np.int32)
                table[integers - lo] = np.arange(len(integers), dtype=np.int32)
                self._table, self._offset = table, lo

    def codes(self, values: Any) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        valid = np.asarray(values.is_valid(), dtype=bool) if values.null_count else None
        if pa.types.is_integer(values.type) and self.integers is not None:
            raw = np.asarray(values.fill_null(0) if valid is not None else values, np.int64)
            if self._table is not None:
                pos = raw - self._offset
                inside = (pos >= 0) & (pos < len(self._table))
                out = np.where(inside, self._table[np.where(inside, pos, 0)], -1).astype(np.int32)
            else:
                order = np.argsort(self.integers, kind="stable")
                sorted_ids = self.integers[order]
                at = np.minimum(np.searchsorted(sorted_ids, raw), len(sorted_ids) - 1)
                out = np.where(sorted_ids[at] == raw, order[at], -1).astype(np.int32)
        else:
            if pa.types.is_dictionary(values.type):
                encoded = values
            else:
                if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
                    values = _as_text(values)
                encoded = pc.dictionary_encode(values)
            dictionary = _as_text(encoded.dictionary).to_numpy(zero_copy_only=False)
            mapping = self.index.get_indexer(dictionary).astype(np.int32)
            indices = np.asarray(encoded.indices.fill_null(0), np.int64)
            out = mapping[indices] if len(mapping) else np.full(len(indices), -1, np.int32)
        if valid is not None:
            out[~valid] = -2  # missing, told apart from unknown
        return out


def _as_text(values: Any) -> Any:
    """Ids as text: integers as their decimal text, floats holding integers too."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_floating(values.type):
        as_int = pc.cast(values, pa.int64(), safe=False)
        if pc.all(pc.equal(pc.cast(as_int, values.type), values)).as_py() is not False:
            values = as_int
    return pc.cast(values, pa.string())


def _times(values: Any, file: Path, start: int, column: str) -> np.ndarray:
    """A time column as int64 nanoseconds since the epoch, UTC (``_NAT`` where missing)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(values.type):
        if values.type.tz is None:
            values = pc.assume_timezone(values, "UTC")
        ns = pc.cast(values, pa.timestamp("ns", tz="UTC")).cast(pa.int64())
        return np.asarray(ns.fill_null(_NAT), np.int64)
    parsed = parse_time(
        values.to_pandas(), where=Locator(str(file), lambda i: i + start + 1), column=column
    )
    out = parsed.array.asi8.copy()
    out[parsed.isna().to_numpy()] = _NAT
    return out


def _ns_series(ns: np.ndarray) -> pd.Series:
    return pd.Series(ns.view("datetime64[ns]")).dt.tz_localize("UTC").astype("datetime64[ns, UTC]")


def _accounts(table: _Table) -> tuple[pd.DataFrame, pd.Index, np.ndarray | None]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if "account" not in table.columns:
        raise _error(
            table.files[0][0],
            0,
            "account",
            "missing required column 'account'; the "
            f"accounts table has columns {', '.join(ACCOUNT_COLUMNS)} (required: "
            "account)",
        )
    if not table.rows:
        return (
            pd.DataFrame({"account": pd.array([], dtype="string")}),
            pd.Index([], dtype=object),
            None,
        )
    arrow = pa.Table.from_batches([b for _, _, _, b in table.batches(table.columns)])
    ids_arrow = arrow.column("account").combine_chunks()
    file = table.files[0][0]
    if ids_arrow.null_count:
        pos = int(np.flatnonzero(~np.asarray(ids_arrow.is_valid()))[0])
        raise _error(file, pos, "account", "empty account id; every account needs a non-empty id")
    integers = None
    if pa.types.is_integer(ids_arrow.type):
        integers = np.asarray(ids_arrow, np.int64)
        order = np.argsort(integers, kind="stable")
        dup = np.flatnonzero(integers[order][1:] == integers[order][:-1])
        text = integers.astype(str).astype(object)
        if len(dup):
            pos = int(order[dup[0] + 1])
            first = int(order[dup[0]])
            raise _error(
                file,
                pos,
                "account",
                f"duplicate account {text[pos]!r} (first at row "
                f"{first + 1}); account ids must be unique",
            )
    else:
        text = _as_text(ids_arrow).to_numpy(zero_copy_only=False)
        blank = np.flatnonzero(np.asarray(pc.equal(pc.utf8_length(_as_text(ids_arrow)), 0)))
        if len(blank):
            raise _error(
                file,
                int(blank[0]),
                "account",
                "empty account id; every account needs a non-empty id",
            )
    ids = pd.Index(text, dtype=object)
    if integers is None and not ids.is_unique:
        dup = ids.duplicated()
        pos = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero(ids == ids[pos])[0])
        raise _error(
            file,
            pos,
            "account",
            f"duplicate account {ids[pos]!r} (first at row "
            f"{first + 1}); account ids must be unique",
        )
    frame = pd.DataFrame({"account": pd.array(text, dtype="string")})
    rest = [c for c in arrow.column_names if c != "account"]
    if rest:
        others = arrow.select(rest).to_pandas()
        frame = pd.concat([frame, validate_account_columns(others, Locator(str(file)))], axis=1)
    return frame, ids, integers


def _codes_column(table: _Table, column: str, ids: _Ids, *, allow_missing: bool) -> np.ndarray:
    out = np.empty(table.rows, np.int32)
    for file, offset, start, batch in table.batches([column]):
        codes = ids.codes(batch.column(0))
        bad = np.flatnonzero(codes < (-2 if allow_missing else 0))
        if len(bad):
            pos = int(bad[0])
            if codes[pos] == -2:
                raise _error(
                    file,
                    offset + pos,
                    column,
                    f"empty {column}; every row needs the id of an account",
                )
            value = batch.column(0)[pos].as_py()
            raise _error(
                file,
                offset + pos,
                column,
                f"{column} {str(value)!r} is not an account "
                "of this world; add it to the accounts table or fix the id",
            )
        if allow_missing:
            codes[codes == -2] = -1
        out[start : start + len(codes)] = codes
    return out


def _time_column(table: _Table, column: str) -> np.ndarray:
    out = np.empty(table.rows, np.int64)
    for file, offset, start, batch in table.batches([column]):
        out[start : start + batch.num_rows] = _times(batch.column(0), file, offset, column)
    return out


def _locate(table: _Table, row: int) -> tuple[Path, int]:
    """The file and the row within it of overall row ``row``."""
    for f, pf in table.files:
        if row < pf.metadata.num_rows:
            return f, row
        row -= pf.metadata.num_rows
    return table.files[-1][0], row


def _check_columns(
    table: _Table, name: str, allowed: tuple[str, ...], required: tuple[str, ...]
) -> None:
    file = table.files[0][0]
    for col in required:
        if col not in table.columns:
            raise _error(
                file,
                0,
                col,
                f"missing required column {col!r}; the {name} table has "
                f"columns {', '.join(allowed)} (required: {', '.join(required)})",
            )
    unknown = [c for c in table.columns if c not in allowed]
    if unknown:
        raise Locator(str(file)).error(
            f"unknown column {unknown[0]!r}; the {name} table has columns {', '.join(allowed)}",
            column=unknown[0],
        )


def _follows(table: _Table, ids: _Ids, dtype: pd.CategoricalDtype) -> pd.DataFrame:
    _check_columns(table, "follows", FOLLOW_COLUMNS, ("follower", "followee"))
    src = _codes_column(table, "follower", ids, allow_missing=False)
    dst = _codes_column(table, "followee", ids, allow_missing=False)
    loop = np.flatnonzero(src == dst)
    if len(loop):
        file, row = _locate(table, int(loop[0]))
        raise _error(
            file,
            row,
            "followee",
            f"account {ids.index[src[loop[0]]]!r} follows itself; remove the row",
        )
    frame = pd.DataFrame(
        {
            "follower": pd.Categorical.from_codes(src, dtype=dtype),
            "followee": pd.Categorical.from_codes(dst, dtype=dtype),
        }
    )
    for col in ("time", "until"):
        if col in table.columns:
            frame[col] = _ns_series(_time_column(table, col))
    if "until" not in table.columns and len(src):
        key = src.astype(np.int64) * len(ids.index) + dst
        if not (key[1:] > key[:-1]).all():
            dup = pd.Series(key).duplicated().to_numpy()
            if dup.any():
                pos = int(np.flatnonzero(dup)[0])
                file, row = _locate(table, pos)
                raise _error(
                    file,
                    row,
                    "followee",
                    f"{ids.index[src[pos]]!r} follows {ids.index[dst[pos]]!r} twice; "
                    "keep one row, or add an 'until' column to record when a follow "
                    "ended",
                )
    return frame


def _events(table: _Table, ids: _Ids, dtype: pd.CategoricalDtype) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.compute as pc

    _check_columns(table, "events", EVENT_COLUMNS, ("time", "actor", "action"))
    times = _time_column(table, "time")
    missing = np.flatnonzero(times == _NAT)
    if len(missing):
        file, row = _locate(table, int(missing[0]))
        raise _error(
            file,
            row,
            "time",
            "cannot read time None; write ISO-8601 "
            "(2024-05-01T12:00:00Z) or unix seconds (1714564800)",
        )
    action = np.empty(table.rows, np.int8)
    names = pa.array(list(ACTIONS))
    for file, offset, start, batch in table.batches(["action"]):
        col = batch.column(0)
        if pa.types.is_dictionary(col.type):
            col = (
                col.dictionary_decode()
                if hasattr(col, "dictionary_decode")
                else pc.cast(col, pa.string())
            )
        col = pc.cast(col, pa.string())
        codes = np.asarray(pc.index_in(col, value_set=names).fill_null(-1), np.int64)
        bad = np.flatnonzero(codes < 0)
        if len(bad):
            raise _error(
                file,
                offset + int(bad[0]),
                "action",
                f"unknown action {col[int(bad[0])].as_py()!r}; use one of {', '.join(ACTIONS)}",
            )
        action[start : start + len(codes)] = codes
    actor = _codes_column(table, "actor", ids, allow_missing=False)
    if "target" in table.columns:
        target = _codes_column(table, "target", ids, allow_missing=True)
    else:
        target = np.full(table.rows, -1, np.int32)
    reaction = np.isin(action, [ACTIONS.index(a) for a in REACTIONS])
    lacking = np.flatnonzero(reaction & (target < 0))
    if len(lacking):
        file, row = _locate(table, int(lacking[0]))
        raise _error(
            file,
            row,
            "target",
            f"a {ACTIONS[action[lacking[0]]]!r} needs a target "
            "(the account acted on); fill the target column",
        )
    columns: dict[str, Any] = {}
    extras = [c for c in table.columns if c not in ("time", "actor", "action", "target")]
    for col in extras:
        parts = [batch.column(0) for _, _, _, batch in table.batches([col])]
        arrow = pa.chunked_array(parts) if parts else pa.chunked_array([], pa.null())
        if col == "post" and pa.types.is_integer(arrow.type) and not arrow.null_count:
            values = (
                np.asarray(arrow.combine_chunks(), np.int64)
                if len(arrow)
                else np.zeros(0, np.int64)
            )
            small = (
                np.int32
                if not len(values)
                or (
                    values.min() >= np.iinfo(np.int32).min
                    and values.max() <= np.iinfo(np.int32).max
                )
                else np.int64
            )
            columns[col] = values.astype(small)
        else:
            columns[col] = arrow.to_pandas()
    order = None
    if len(times) and not (times[1:] >= times[:-1]).all():
        order = np.argsort(times, kind="stable")
    take = (lambda a: a) if order is None else (lambda a: a[order])
    frame = pd.DataFrame(
        {
            "time": _ns_series(take(times)),
            "actor": pd.Categorical.from_codes(take(actor), dtype=dtype),
            "action": pd.Categorical.from_codes(take(action), categories=list(ACTIONS)),
            "target": pd.Categorical.from_codes(take(target), dtype=dtype),
        }
    )
    for col, values in columns.items():
        if isinstance(values, pd.Series):
            values = values.to_numpy(dtype=object) if values.dtype == object else values.to_numpy()
        frame[col] = take(np.asarray(values))
    return validate_event_extras(frame, Locator(str(table.files[0][0])))


def read_parquet_world(sources: dict[str, Path]) -> World:
    """The world of Parquet tables ``sources`` (``accounts``, ``follows``, ``events``: a file
    or a directory of files each); see the module docstring."""
    tables = {name: _Table(path) for name, path in sources.items()}
    if "accounts" not in tables:
        raise WorldError("reading a Parquet world in chunks needs its accounts table")
    frame, index, integers = _accounts(tables["accounts"])
    ids = _Ids(index, integers)
    dtype = pd.CategoricalDtype(index)
    follows = _follows(tables["follows"], ids, dtype) if "follows" in tables else None
    events = _events(tables["events"], ids, dtype) if "events" in tables else None
    empty = pd.Categorical.from_codes(np.zeros(0, np.int32), dtype=dtype)
    if follows is None:
        follows = pd.DataFrame({"follower": empty, "followee": empty.copy()})
    if events is None:
        events = pd.DataFrame(
            {
                "time": pd.Series([], dtype="datetime64[ns, UTC]"),
                "actor": empty,
                "action": pd.Categorical([], categories=list(ACTIONS)),
                "target": empty.copy(),
            }
        )
    return World.trusted(frame, follows, events, index)
