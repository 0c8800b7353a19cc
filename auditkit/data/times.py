"""Times in world files: every value the format allows is read, or refused with its row.

A world stores times as ``datetime64[ns, UTC]``: nanoseconds since 1970 in an int64, which
spans 1677-09-21 to 2262-04-11. Files may hold ISO-8601 text (any precision, any offset),
unix seconds (integer or fractional, as numbers or text) or typed timestamps (Parquet, any
unit). :func:`parse_time` reads them all:

- a time outside the span is refused with its row and column, and with a hint when the number
  looks like unix milliseconds, microseconds or nanoseconds rather than seconds;
- fractions finer than a nanosecond are truncated to the nanosecond (pandas' reading);
- an unreadable value, ``inf`` or ``NaN`` written as a time, is refused with its row.

``where`` is anything with ``error(message, position=..., column=...)`` returning an exception
(:class:`auditkit.data.world.Locator`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import WorldError
from auditkit.untrusted import excerpt

__all__ = ["parse_time", "as_timestamp", "FIRST", "LAST"]

#: The first and last time a world can hold.
FIRST = pd.Timestamp.min.ceil("s").tz_localize("UTC")
LAST = pd.Timestamp.max.floor("s").tz_localize("UTC")
_LO_NS, _HI_NS = pd.Timestamp.min.value, pd.Timestamp.max.value
_NAT = np.iinfo(np.int64).min
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_SPAN = f"{FIRST:%Y-%m-%d} to {LAST:%Y-%m-%d}"
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(inf|nan)", re.I)
_FIX = "write ISO-8601 (2024-05-01T12:00:00Z) or unix seconds (1714564800)"


class _Where:
    def error(
        self, message: str, *, position: int | None = None, column: str | None = None
    ) -> Exception:
        return WorldError(
            message, source="table", row=None if position is None else position + 1, column=column
        )


def _hint(seconds: float) -> str:
    for scale, unit in ((1e3, "milliseconds"), (1e6, "microseconds"), (1e9, "nanoseconds")):
        if _LO_NS <= seconds / scale * 1e9 <= _HI_NS and abs(seconds) >= 1e10:
            return f"; it looks like unix {unit}: divide by {scale:,.0f} to get seconds"
    return ""


def _seconds_to_ns(secs: np.ndarray, raw: pd.Series, where: Any, column: str) -> np.ndarray:
    """Unix seconds (floats, NaN = missing) as int64 nanoseconds; out of range refused."""
    present = ~np.isnan(secs)
    with np.errstate(invalid="ignore", over="ignore"):
        bad = present & ~((secs * 1e9 >= _LO_NS) & (secs * 1e9 <= _HI_NS))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        value = secs[pos]
        what = (
            "is not a finite number"
            if not math.isfinite(value)
            else f"is outside the times a world can hold ({_SPAN}){_hint(value)}"
        )
        raise where.error(f"time {excerpt(raw.iloc[pos])} {what}", position=pos, column=column)
    out = np.full(len(secs), _NAT, np.int64)
    if present.any():
        parsed = pd.to_datetime(pd.Series(secs[present]), unit="s", utc=True)
        out[present] = parsed.dt.as_unit("ns").array.asi8
    return out


def _datetimes_to_ns(s: pd.Series, raw: pd.Series, where: Any, column: str) -> np.ndarray:
    """Parsed datetimes (any unit, tz-aware UTC) as int64 nanoseconds; out of range refused."""
    unit = s.dt.unit
    ints = s.array.asi8.copy()
    factor = _UNIT_NS[unit]
    nat = ints == _NAT
    bad = ~nat & ((ints < -(-_LO_NS // factor)) | (ints > _HI_NS // factor))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise where.error(
            f"time {excerpt(raw.iloc[pos])} is outside the times a world can hold ({_SPAN})",
            position=pos,
            column=column,
        )
    ints[~nat] *= factor
    return ints


def parse_time(
    values: pd.Series | Iterable, *, where: Any = None, column: str = "time"
) -> pd.Series:
    """Parse ISO-8601 strings, unix seconds or datetimes into ``datetime64[ns, UTC]``.

    Missing values stay ``NaT``. A value that cannot be read, or lies outside 1677-2262, raises
    :class:`~auditkit.errors.WorldError` (through ``where``) naming the row and the column.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values))
    s = s.reset_index(drop=True)
    where = where or _Where()
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        ns = _datetimes_to_ns(s.dt.tz_convert("UTC"), s, where, column)
    elif pd.api.types.is_datetime64_dtype(s.dtype):
        ns = _datetimes_to_ns(s.dt.tz_localize("UTC"), s, where, column)
    elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        ns = _seconds_to_ns(s.to_numpy(dtype=np.float64, na_value=np.nan), s, where, column)
    else:
        text = s.astype("object").where(s.notna(), None)
        numeric = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        ns = np.full(len(s), _NAT, np.int64)
        is_number = ~np.isnan(numeric)
        # "inf", "nan" as text read as numbers; they are not times
        looks_nan = text.map(
            lambda v: isinstance(v, str) and v.strip().lower() in ("nan", "+nan", "-nan")
        ).to_numpy(dtype=bool)
        if looks_nan.any():
            pos = int(np.flatnonzero(looks_nan)[0])
            raise where.error(
                f"cannot read time {excerpt(s.iloc[pos])}; {_FIX}", position=pos, column=column
            )
        if is_number.any():
            secs = np.where(is_number, numeric, np.nan)
            ns = _seconds_to_ns(secs, s, where, column)
        rest = ~is_number & text.notna().to_numpy()
        if rest.any():
            parsed = pd.to_datetime(
                pd.Series(text[rest].astype(str).to_numpy()),
                format="ISO8601",
                utc=True,
                errors="coerce",
            )
            unreadable = parsed.isna().to_numpy()
            if unreadable.any():
                pos = int(np.flatnonzero(rest)[np.flatnonzero(unreadable)[0]])
                raise where.error(
                    f"cannot read time {excerpt(s.iloc[pos])}; {_FIX}", position=pos, column=column
                )
            positions = np.flatnonzero(rest)
            ns_rest = _datetimes_to_ns(
                parsed, pd.Series(s.to_numpy()[positions]), _Shifted(where, positions), column
            )
            ns[rest] = ns_rest
    out = pd.Series(
        ns.view("datetime64[ns]"), index=values.index if isinstance(values, pd.Series) else None
    )
    return out.dt.tz_localize("UTC")


class _Shifted:
    """Reports a position in a subset as the position in the whole column."""

    def __init__(self, where: Any, positions: np.ndarray) -> None:
        self.where, self.positions = where, positions

    def error(
        self, message: str, *, position: int | None = None, column: str | None = None
    ) -> Exception:
        return self.where.error(
            message,
            position=None if position is None else int(self.positions[position]),
            column=column,
        )


def as_timestamp(at: object) -> pd.Timestamp:
    """One time (ISO-8601 text, unix seconds, a datetime) as a UTC timestamp; anything else, or
    a time outside 1677-2262, raises :class:`~auditkit.errors.WorldError`."""
    try:
        if isinstance(at, str) and _NUMBER.fullmatch(at.strip()):
            at = float(at.strip())  # unix seconds written as text
        if isinstance(at, pd.Timestamp):
            ts = at
        elif isinstance(at, bool):
            raise ValueError("a boolean is not a time")
        elif isinstance(at, int | float | np.integer | np.floating):
            value = float(at)
            if not (math.isfinite(value) and _LO_NS <= value * 1e9 <= _HI_NS):
                raise WorldError(
                    f"time {excerpt(at)} is outside the times a world can hold "
                    f"({_SPAN}){_hint(value) if math.isfinite(value) else ''}"
                )
            ts = pd.Timestamp(value, unit="s")
        else:
            ts = pd.Timestamp(at)
        if ts is pd.NaT or ts != ts:  # noqa: PLR0124 - NaT is not equal to itself
            raise ValueError("not a time")
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.as_unit("ns")
    except WorldError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise WorldError(f"cannot read time {excerpt(at)} ({exc}); {_FIX}") from None
