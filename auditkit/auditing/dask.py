"""The audit matrix on Dask distributed: :class:`DaskExecutor`.

The same audit runs on a laptop's :class:`distributed.LocalCluster` (``--workers N``) or on any
Dask cluster (``--scheduler ADDRESS``) and gives the same rows as a serial run: every task is an
:class:`~auditkit.auditing.engine.AuditTask` (one scenario and seed, deterministic), and
:func:`~auditkit.auditing.executor.run_all` puts the rows back in task order.

- **Batches.** Tasks are submitted in batches of consecutive tasks (one Dask task each), so that
  scheduling overhead stays small: Dask costs about 1 ms per task and one audit task takes 0.1 to
  2 s, so by default a batch is a single task until there are more than 50 batches per worker
  thread; then batches grow so the scheduler never holds more than that (``batch_size``
  overrides it).
- **Failures.** A worker that dies mid-task is replaced and its task rerun elsewhere by the
  scheduler (``allowed_failures`` deaths per task); a task that raises is retried
  (``retries``). A batch that still fails is split and its tasks retried one by one; a task that
  still fails becomes ``error`` rows naming the cause (:meth:`AuditTask.failed`). Finished
  results are gathered as each batch completes and released from the cluster, so no finished
  result is lost when a worker dies later.
- **Warm workers.** Building the registry of installed plugins imports pandas, scipy,
  pydantic and every plugin: about 2.5 s of CPU, once per process. The executor has every
  worker there when it starts build it (:func:`warm_up`), so the first task of each worker
  does not pay it inside the audit; a worker that joins later pays it on its first task.
- **Time limit.** Tasks run in worker threads, where :mod:`auditkit.deadline` raises its
  exception from the process's watchdog thread, so ``--time-limit`` holds inside workers as it
  does serially.

Dask is an optional dependency (``pip install 'auditkit[dask]'``); without it, building a
:class:`DaskExecutor` raises :class:`~auditkit.errors.AuditkitError` saying how to install it.
"""

from __future__ import annotations

import math
import pickle
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from auditkit.auditing.executor import Executor, Rows
from auditkit.data.partitioned import INSTALL_HINT, dask_client
from auditkit.errors import AuditkitError, WorldError

if TYPE_CHECKING:
    from auditkit.auditing.engine import AuditTask
    from auditkit.plugin.registry import Registry
    from auditkit.plugin.scorer import Scorer

__all__ = [
    "DaskExecutor",
    "run_batch",
    "warm_up",
    "require_distributed",
    "INSTALL_HINT",
    "BATCHES_PER_THREAD",
]

#: Batches per worker thread before tasks are grouped into larger batches (see the module doc).
BATCHES_PER_THREAD = 50


def require_distributed(what: str = "running the audit on Dask") -> Any:
    """The ``distributed`` module; :class:`AuditkitError` with the install command when it is
    not installed."""
    try:
        import distributed
    except ImportError as exc:
        raise AuditkitError(
            f"{what} needs Dask distributed, which is not installed "
            f"({exc}); install it with: {INSTALL_HINT}"
        ) from None
    return distributed


def run_batch(tasks: bytes, registry: bytes) -> list[Rows]:
    """Run a batch of pickled audit tasks with the pickled registry where this is called (a Dask
    worker); the rows of each.

    Both arrive pickled and are unpickled here, inside the task: a plugin that is installed on
    the client but not on the worker then fails this task with its ``ImportError`` (an error
    row naming the module) instead of killing the worker's connection while Dask deserializes.
    """
    return [task.run(pickle.loads(registry)) for task in pickle.loads(tasks)]


def warm_up() -> int:
    """Build the registry of installed plugins where this is called (a Dask worker), so that
    audit tasks that use it (``Registry`` unpickles to it) find it built; the number of scorers
    it holds."""
    from auditkit.plugin.registry import get_registry

    return len(get_registry().scorers)


class DaskExecutor(Executor):
    """Runs audit tasks on a Dask cluster.

    Parameters
    ----------
    workers : int, optional
        Start a :class:`distributed.LocalCluster` on 127.0.0.1 with this many worker processes
        of one thread each (the embedded default).
    scheduler : str, optional
        The address of a running scheduler (``tcp://host:8786``) to use instead.
    client : distributed.Client, optional
        A client to use as it is (it is not closed by :meth:`close`).
    batch_size : int, optional
        Tasks per Dask task; default: see the module docstring.
    retries : int
        Times a task that raises is rerun before its batch counts as failed.
    allowed_failures : int
        Worker deaths a task may cause before the scheduler gives up on it (a
        :class:`LocalCluster` only; an existing scheduler keeps its own setting).
    """

    name = "dask"

    def __init__(
        self,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        client: Any = None,
        batch_size: int | None = None,
        retries: int = 1,
        allowed_failures: int = 2,
    ) -> None:
        if sum(x is not None for x in (workers, scheduler, client)) != 1:
            raise AuditkitError(
                "give the Dask executor exactly one of workers (a local "
                "cluster), scheduler (an address) or client"
            )
        if workers is not None and workers < 1:
            raise AuditkitError(f"workers must be at least 1, got {workers}")
        if batch_size is not None and batch_size < 1:
            raise AuditkitError(f"batch_size must be at least 1, got {batch_size}")
        require_distributed()
        self._isolated: list[Scorer] = []
        self.batch_size = batch_size
        self.retries = retries
        self._context = None
        if client is not None:
            self.client = client
        else:
            self._context = dask_client(workers, scheduler, allowed_failures=allowed_failures)
            try:
                self.client = self._context.__enter__()
            except WorldError as exc:
                raise AuditkitError(str(exc)) from None
        self.address = self.client.scheduler.address
        self.client.run(warm_up)

    @property
    def threads(self) -> int:
        """Worker threads currently in the cluster (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def batches(self, count: int) -> list[list[int]]:
        """Consecutive task indices grouped into batches (see the module docstring)."""
        size = self.batch_size or max(1, math.ceil(count / (self.threads * BATCHES_PER_THREAD)))
        return [list(range(i, min(i + size, count))) for i in range(0, count, size)]

    def run(self, tasks: list[AuditTask], registry: Registry) -> Iterator[tuple[int, Rows]]:
        distributed = require_distributed()
        if not tasks:
            return
        run_id = uuid.uuid4().hex[:12]
        batch_of: dict[Any, list[int]] = {}
        shipped = pickle.dumps(registry)

        def submit(batch: list[int], name: str) -> Any:
            future = self.client.submit(
                run_batch,
                pickle.dumps([tasks[i] for i in batch]),
                shipped,
                key=f"auditkit-{run_id}-{name}",
                pure=False,
                retries=self.retries,
            )
            batch_of[future] = batch
            return future

        futures = [submit(batch, str(b)) for b, batch in enumerate(self.batches(len(tasks)))]
        pending = distributed.as_completed(futures)
        del futures
        for future in pending:
            batch = batch_of.pop(future)
            if future.status == "finished":
                try:
                    results = future.result()
                except Exception as exc:  # lost between finishing and gathering
                    results, error = None, exc
            else:
                results, error = None, future.exception()
            future.release()
            if results is not None:
                yield from zip(batch, results, strict=True)
            elif len(batch) > 1:  # find the task that fails: retry them one by one
                for i in batch:
                    pending.add(submit([i], f"{i}-alone"))
            else:
                yield batch[0], tasks[batch[0]].failed(registry, _cause(error))

    def in_process(self, scorers: Sequence[Scorer], time_limit: float | None) -> list[Scorer]:
        """The cluster's worker processes isolate the tasks, not what runs here: third-party
        scorers get a worker process of their own (closed with the executor)."""
        from auditkit.auditing.isolation import isolate

        wrapped = isolate(scorers, "third-party", time_limit=time_limit)
        self._isolated += [w for w, s in zip(wrapped, scorers, strict=True) if w is not s]
        return wrapped

    def close(self) -> None:
        for scorer in self._isolated:
            scorer.close()  # type: ignore[attr-defined]  # an IsolatedScorer
        self._isolated.clear()
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"


def _cause(error: BaseException | None) -> str:
    """What made a task fail on Dask, in one sentence."""
    if error is None:
        return "the task failed on the Dask cluster for an unknown reason"
    name = type(error).__name__
    if name == "KilledWorker":
        return (
            f"the Dask worker running it died each time it was tried ({error}); it may "
            "run out of memory or crash the interpreter"
        )
    hint = (
        "; is every plugin the audit uses installed on the workers too?"
        if isinstance(error, ImportError)
        else ""
    )
    return f"{name} on a Dask worker: {error}{hint}"
