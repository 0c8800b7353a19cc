"""The audit's journal: every finished task's rows, on disk as soon as the task ends.

``auditkit audit -o out.json`` appends each task's rows to ``.out.json.journal`` (one JSON
line per task, flushed and synced) while it runs, and deletes the journal once ``out.json`` is
written. If auditkit dies on the way (killed, out of memory, a power cut), at most the task in
flight is lost: the next run with the same ``-o`` finds the journal, takes the rows of every
task whose fingerprint matches (same scenario content, seed, scorers and their versions and
parameters, time limit, budget, auditkit version) and runs only the rest. Tasks are
deterministic, so a resumed audit gives exactly the results of an uninterrupted one.

A run holds an exclusive lock on its journal (POSIX ``flock``), so two runs writing the same
output refuse rather than interleave.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from auditkit.errors import AuditkitError

if TYPE_CHECKING:
    from auditkit.auditing.engine import AuditTask

__all__ = ["Journal", "task_key"]

Rows = list[dict[str, Any]]


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


def task_key(task: AuditTask) -> str:
    """A fingerprint of everything that determines a task's rows."""
    from auditkit import __version__

    scenario = task.scenario
    world: list[Any] = []
    if scenario.population.world is not None:  # a real base world: its files' sizes and times
        root = Path(scenario.path or ".").parent / scenario.population.world
        if root.is_dir():
            world = sorted(
                (p.name, p.stat().st_size, p.stat().st_mtime_ns)
                for p in root.iterdir()
                if p.is_file()
            )
    spec = {
        "auditkit": __version__,
        "scenario": scenario.model_dump(mode="json"),
        "world": world,
        "seed": task.seed,
        "scorers": [
            {
                "id": s.id,
                "version": s.version,
                "class": f"{type(s).__module__}.{type(s).__qualname__}",
                "params": s.params.model_dump(mode="json"),
            }
            for s in task.scorers
        ],
        "controls": [
            {"id": s.id, "version": s.version, "params": s.params.model_dump(mode="json")}
            for s in task.controls
        ],
        "oracle": task.oracle,
        "time_limit": task.time_limit,
        "budget": None if task.budget is None else task.budget.memory,
    }
    text = json.dumps(spec, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Journal:
    """An append-only record of finished tasks at ``path`` (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fh: IO[str] | None = None

    @classmethod
    def beside(cls, output: str | os.PathLike[str]) -> Journal:
        """The journal of an output file: ``.NAME.journal`` in the same directory."""
        out = Path(output)
        return cls(out.with_name(f".{out.name}.journal"))

    def open(self) -> None:
        """Create (or reopen) the journal and lock it; refuse when another run holds it."""
        if self._fh is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until close()
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - no flock on this platform
            pass
        except OSError:
            fh.close()
            raise AuditkitError(
                f"another auditkit run is writing the same output (its journal "
                f"{self.path} is locked); wait for it to finish or choose "
                "another -o"
            ) from None
        self._fh = fh

    def recorded(self) -> dict[str, Rows]:
        """Rows of the tasks already recorded, by key. A line cut short by a crash, or one
        that does not parse, is ignored (its task runs again)."""
        self.open()
        assert self._fh is not None
        self._fh.seek(0)
        out: dict[str, Rows] = {}
        for line in self._fh:
            if not line.endswith("\n"):
                break
            try:
                entry = json.loads(line)
                out[str(entry["key"])] = list(entry["rows"])
            except (ValueError, KeyError, TypeError):
                continue
        self._fh.seek(0, os.SEEK_END)
        return out

    def record(self, key: str, rows: Rows) -> None:
        """Append one finished task's rows and make them durable."""
        self.open()
        assert self._fh is not None
        self._fh.write(json.dumps({"key": key, "rows": rows}, default=_plain) + "\n")
        self._fh.flush()
        with contextlib.suppress(OSError):
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def remove(self) -> None:
        """Delete the journal (after the output is written)."""
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
