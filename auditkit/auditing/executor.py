"""How the audit's tasks run: the one seam between *what* to compute and *where*.

An audit is a list of independent :class:`~auditkit.auditing.engine.AuditTask` objects (one
scenario and seed each, every check and scorer inside). An :class:`Executor` runs them and
yields ``(index, rows)`` pairs as they finish, in any order; the engine puts them back in task
order, so every executor gives identical results. A task and the registry pickle, so an
executor may run them in other threads or processes, or on a cluster.

:class:`SerialExecutor`, in this process, is the default;
:class:`~auditkit.auditing.dask.DaskExecutor` runs the tasks on a Dask cluster, local or
remote. :func:`executor_for` picks one from the command line's ``--workers`` /
``--scheduler`` (every command that runs an audit shares it).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditkit.auditing.engine import AuditTask
    from auditkit.auditing.journal import Journal
    from auditkit.plugin.registry import Registry
    from auditkit.plugin.scorer import Scorer

__all__ = ["Executor", "SerialExecutor", "Rows", "run_all", "executor_for"]

Rows = list[dict[str, Any]]


class Executor(ABC):
    """Runs audit tasks. Subclasses implement :meth:`run`."""

    #: shown in results' metadata
    name: str = "executor"

    @abstractmethod
    def run(self, tasks: list[AuditTask], registry: Registry) -> Iterator[tuple[int, Rows]]:
        """Run every task (``task.run(registry)``) and yield ``(index in tasks, rows)`` for each,
        as each finishes. A task never raises for a scorer's or probe's failure (those are
        ``error`` rows); an exception from here means the executor itself failed."""

    def in_process(self, scorers: Sequence[Scorer], time_limit: float | None) -> list[Scorer]:
        """``scorers`` as this executor would run them here, in this process: what the audit
        measures outside its tasks (the report's evidence) calls. The default runs them as they
        are; :class:`~auditkit.auditing.isolation.IsolatingExecutor` wraps those it isolates."""
        return list(scorers)

    def close(self) -> None:  # noqa: B027 - most executors hold nothing
        """Release what the executor holds (workers, a cluster client)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """One task after the other, in this process and thread."""

    name = "serial"

    def run(self, tasks: list[AuditTask], registry: Registry) -> Iterator[tuple[int, Rows]]:
        for i, task in enumerate(tasks):
            yield i, task.run(registry)


def run_all(
    executor: Executor,
    tasks: list[AuditTask],
    registry: Registry,
    *,
    progress: Callable[[int, int, AuditTask], None] | None = None,
    journal: Journal | None = None,
) -> Rows:
    """Every task's rows, in task order, whatever order the executor finishes them in.

    With a ``journal``, the tasks it already holds are not run again and every task is
    recorded in it as soon as it finishes (:mod:`auditkit.auditing.journal`)."""
    done: dict[int, Rows] = {}
    keys: list[str] = []
    if journal is not None:
        from auditkit.auditing.journal import task_key

        keys = [task_key(t) for t in tasks]
        saved = journal.recorded()
        done = {i: saved[k] for i, k in enumerate(keys) if k in saved}
    pending = [i for i in range(len(tasks)) if i not in done]
    for j, rows in executor.run([tasks[i] for i in pending], registry):
        i = pending[j]
        done[i] = rows
        if journal is not None:
            journal.record(keys[i], rows)
        if progress:
            progress(len(done), len(tasks), tasks[i])
    missing = sorted(set(range(len(tasks))) - set(done))
    if missing:
        raise RuntimeError(
            f"executor {executor.name!r} returned no rows for task {tasks[missing[0]].label}"
        )
    return [row for i in range(len(tasks)) for row in done[i]]


def executor_for(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the options ask for: serial without either, a local Dask cluster of
    ``workers`` processes, or the Dask cluster whose scheduler is at ``scheduler``.

    :class:`~auditkit.errors.AuditkitError` when both are given or Dask is not installed.
    """
    from auditkit.errors import AuditkitError

    if workers is not None and scheduler is not None:
        raise AuditkitError(
            "give --workers (a local Dask cluster) or --scheduler (an existing one), not both"
        )
    if workers is None and scheduler is None:
        return SerialExecutor()
    from auditkit.auditing.dask import DaskExecutor

    return DaskExecutor(workers=workers, scheduler=scheduler)
