"""Files written so that a reader never sees half of one: write beside the target, rename.

Every file or directory auditkit writes (results, reports, worlds, scenarios, downloads) goes
through :func:`atomic_file` or :func:`atomic_directory`. The temporary sibling is hidden
(``.NAME.PID.RANDOM.tmp``) and created with the ordinary mode the process umask gives, so
nothing changes the process-wide umask and the result has the permissions of any other file.
On failure the temporary is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_file", "atomic_write", "atomic_directory", "temporary_sibling"]


def temporary_sibling(target: Path) -> Path:
    """A hidden, unique path in ``target``'s directory."""
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


@contextmanager
def atomic_file(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` for writing; rename it onto ``path`` when the block
    ends without an exception."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(target)
    try:
        with open(tmp, "xb") if binary else open(tmp, "x", encoding="utf-8") as fh:
            yield fh
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; return the path."""
    with atomic_file(path, binary=isinstance(data, bytes)) as fh:
        fh.write(data)
    return Path(path)


@contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary sibling directory of ``path``; when the block ends without an
    exception, replace ``path`` (and whatever it held) with it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(target)
    tmp.mkdir()
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
