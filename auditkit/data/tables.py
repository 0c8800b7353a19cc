"""Reading one table file of a world (``.csv``, ``.csv.gz``, ``.parquet``) that someone else
wrote: every way it can be broken is named with the file and, where there is one, the line and
column.

- an empty (0-byte) file, a file without a header line;
- a compressed file that is truncated (a cut-short download), corrupt or not compressed at all;
- text that is not UTF-8 (UTF-16/32, Latin-1, binary data): the line and column of the first
  bad byte, what the file looks like and how to convert it;
- a malformed CSV line (the parser's line number);
- a file that is not Parquet, or a Parquet file pyarrow cannot read;
- a text cell longer than :data:`MAX_TEXT` characters (an id, label or group of a megabyte is a
  broken export, and text that large would be copied into every world built from it).
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.errors import WorldError
from auditkit.untrusted import excerpt, sniff_encoding

__all__ = ["read_table", "unreadable", "MAX_TEXT"]

#: The longest text cell (characters) a world file may hold.
MAX_TEXT = 10_000
_CHUNK = 1 << 20


def _open(path: Path) -> Any:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115


def _lines_before_damage(path: Path) -> int | None:
    """How many whole lines a damaged compressed file yields before it breaks."""
    lines = 0
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                lines += chunk.count(b"\n")
    except (EOFError, OSError, zlib.error):
        return lines
    return None


def _compressed_error(path: Path, exc: BaseException) -> WorldError:
    if isinstance(exc, EOFError):
        lines = _lines_before_damage(path)
        return WorldError(
            "the compressed file is truncated: it ends before its end-of-stream "
            "marker (a download or copy cut short) after "
            f"{lines or 0:,} whole lines; fetch or copy it again",
            source=str(path),
            row=None if lines is None else lines + 1,
        )
    if isinstance(exc, gzip.BadGzipFile) and str(exc).startswith("Not a gzipped file"):
        return WorldError(
            f"the file is not gzip-compressed ({exc}); rename it to .csv if it "
            "is plain text, or compress it with gzip",
            source=str(path),
        )
    lines = _lines_before_damage(path)
    return WorldError(
        f"the compressed data is corrupt ({type(exc).__name__}: "
        f"{excerpt(str(exc), 200)[1:-1]}); fetch or copy it again",
        source=str(path),
        row=None if lines is None else lines + 1,
    )


def _first_bad_utf8(path: Path) -> tuple[int, int, int] | None:
    """(line, byte offset in the line, byte value) of the first byte that is not UTF-8."""
    line, since_newline, carry = 1, 0, b""
    with _open(path) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            data = carry + chunk
            if not data:
                return None
            try:
                data.decode("utf-8")
                good, carry = len(data), b""
            except UnicodeDecodeError as exc:
                if chunk and exc.end == len(data) and "unexpected end" in exc.reason:
                    good, carry = exc.start, data[exc.start :]  # a character cut by the chunk
                else:
                    start = exc.start
                    nl = data.rfind(b"\n", 0, start)
                    column = start - (nl + 1) if nl >= 0 else since_newline + start
                    return line + data.count(b"\n", 0, start), column, data[start]
            if not chunk:
                return None
            newlines = data.count(b"\n", 0, good)
            line += newlines
            nl = data.rfind(b"\n", 0, good)
            since_newline = good - (nl + 1) if nl >= 0 else since_newline + good


def _column_at(path: Path, line: int, byte_column: int) -> str | None:
    """The header name of the CSV field a byte of ``line`` falls in (commas counted)."""
    with _open(path) as fh:
        header = fh.readline().decode("utf-8", "replace").rstrip("\r\n").split(",")
        for _ in range(line - 2):
            fh.readline()
        text = fh.readline() if line > 1 else b""
    index = text[:byte_column].count(b",") if line > 1 else 0
    return header[index] if index < len(header) else None


def read_table(path: Path, dtypes: dict[str, Any]) -> tuple[pd.DataFrame, bool]:
    """The table in ``path`` and whether it is Parquet (rows) rather than CSV (lines); every
    failure is a :class:`~auditkit.errors.WorldError` (see the module docstring)."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise WorldError(f"cannot read this file: {exc.strerror or exc}", source=source) from None
    if size == 0:
        raise WorldError(
            "the file is empty (0 bytes); a table needs at least its header line "
            "(e.g. account,label)",
            source=source,
            row=1,
        )
    if path.name.endswith(".parquet"):
        return _read_parquet(path), True
    try:
        with _open(path) as fh:
            head = fh.read(4096)
    except (EOFError, OSError, zlib.error) as exc:
        raise _compressed_error(path, exc) from None
    if not head.strip():
        raise WorldError(
            "the file holds no header line; a table starts with its column names "
            "(e.g. account,label)",
            source=source,
            row=1,
        )
    problem = sniff_encoding(head, path.name)
    if problem is not None:
        message, offset = problem
        raise WorldError(
            message, source=source, row=None if offset is None else head.count(b"\n", 0, offset) + 1
        )
    header = next(csv.reader([head.split(b"\n", 1)[0].decode("utf-8", "replace")]), [])
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise WorldError(
            f"the header names column {twice[0]!r} twice; keep one",
            source=source,
            row=1,
            column=twice[0],
        )
    try:
        frame = pd.read_csv(
            path,
            dtype=dtypes,
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8",
            encoding_errors="strict",
        )
    except (UnicodeDecodeError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise unreadable(path, exc) from None
    except pd.errors.EmptyDataError:
        raise WorldError(
            "the file holds no header line; a table starts with its column names "
            "(e.g. account,label)",
            source=source,
            row=1,
        ) from None
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise WorldError(
            f"malformed CSV: {excerpt(str(exc), 200)[1:-1]}",
            source=source,
            row=int(match.group(1)) if match else None,
        ) from None
    except (OSError, ValueError) as exc:
        raise WorldError(
            f"cannot read this file: {excerpt(str(exc), 200)[1:-1]}", source=source
        ) from None
    _check_text(frame, source, lambda i: i + 2)
    return frame, False


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise WorldError(
            "reading Parquet needs pyarrow: pip install 'auditkit[parquet]'", source=str(path)
        ) from None
    except Exception as exc:  # pyarrow's errors are its own types: any of them means unreadable
        raise WorldError(
            f"not a readable Parquet file ({type(exc).__name__}: "
            f"{excerpt(str(exc), 200)[1:-1]}); export it again, or as CSV",
            source=str(path),
        ) from None
    _check_text(frame, str(path), lambda i: i + 1, rows=True)
    return frame


def unreadable(path: Path, exc: BaseException, *, header: bool = True) -> WorldError:
    """The error for a text file that failed to read with ``exc``: a byte that is not UTF-8
    (located by line and, with a ``header``, column), a truncated or corrupt compressed file,
    or anything else the operating system reported."""
    source = str(path)
    if isinstance(exc, UnicodeDecodeError):
        where = _first_bad_utf8(path)
        if where is None:
            return WorldError("the file is not UTF-8 text; save it as UTF-8", source=source)
        line, byte_column, value = where
        return WorldError(
            f"byte 0x{value:02X} is not UTF-8 (the file looks like Latin-1 or "
            "Windows-1252 text); save it as UTF-8, e.g. `iconv -f WINDOWS-1252 "
            f"-t UTF-8 {path.name} > fixed{''.join(path.suffixes[:1])}`",
            source=source,
            row=line,
            column=_column_at(path, line, byte_column) if header else None,
        )
    if isinstance(exc, EOFError | zlib.error | gzip.BadGzipFile):
        return _compressed_error(path, exc)
    return WorldError(f"cannot read this file: {excerpt(str(exc), 200)[1:-1]}", source=source)


def _check_text(frame: pd.DataFrame, source: str, label: Any, rows: bool = False) -> None:
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(
            values.dtype
        ):
            continue
        try:
            lengths = values.map(lambda v: len(v) if isinstance(v, str | bytes) else 0)
        except TypeError:
            continue
        if len(lengths) and lengths.max() > MAX_TEXT:
            pos = int(lengths.to_numpy().argmax())
            raise WorldError(
                f"a text cell of {int(lengths.iloc[pos]):,} characters; cells hold "
                f"at most {MAX_TEXT:,} (ids, labels and groups are short)",
                source=source,
                row=label(pos),
                column=str(column),
            )
