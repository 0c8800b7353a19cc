"""Files written so that a reader never sees half of one: write beside the target, rename.

Every file or directory auditkit writes (results, reports, worlds, scenarios, downloads) goes
through :func:`atomic_file` or :func:`atomic_directory`. The temporary sibling is hidden
(``.NAME.PID.RANDOM.tmp``) and created with the ordinary mode the process umask gives, so
nothing changes the process-wide umask and the result has the permissions of any other file.
On failure the temporary is removed and the target is left as it was. A run killed outright
(``SIGKILL``, a power cut) cannot remove its temporary; the next write to the same target
removes the hidden temporaries whose process no longer runs (:func:`remove_stale`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_file", "atomic_write", "atomic_directory", "temporary_sibling", "remove_stale"]


def temporary_sibling(target: Path) -> Path:
    """A hidden, unique path in ``target``'s directory."""
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or we cannot tell: leave its file alone
    return True


def remove_stale(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the hidden temporaries of ``target`` (``.NAME.PID.RANDOM.tmp``) left by runs
    that were killed: only those whose process is no longer running. Returns what it removed."""
    path = Path(target)
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]{{12}}\.tmp$")
    removed: list[Path] = []
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return removed
    for sibling in siblings:
        match = pattern.match(sibling.name)
        if not match or _running(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if sibling.is_dir() and not sibling.is_symlink():
                shutil.rmtree(sibling)
            else:
                sibling.unlink()
            removed.append(sibling)
    return removed


@contextmanager
def atomic_file(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` for writing; rename it onto ``path`` when the block
    ends without an exception."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
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
    remove_stale(target)
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
