"""A time limit for a block of Python code, in any thread.

:func:`deadline` raises :class:`DeadlineExceeded` inside the block once ``seconds`` have passed.
In the main thread it uses ``SIGALRM`` (so it also interrupts ``time.sleep`` and blocking
reads); in any other thread a watchdog raises the exception asynchronously in the guarded
thread (``PyThreadState_SetAsyncExc``). Either way the exception arrives between two Python
bytecodes: a single long call into C code finishes before it is raised. Killing such code needs
a separate process (the process executor does that).

:class:`DeadlineExceeded` derives from :class:`BaseException`, so scorer code that catches
``Exception`` cannot swallow it.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["DeadlineExceeded", "deadline"]


class DeadlineExceeded(BaseException):  # noqa: N818 - reads as an event, like KeyboardInterrupt
    """The guarded block ran past its time limit."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`DeadlineExceeded` in this block after ``seconds`` (``None``: no limit)."""
    if not seconds or seconds <= 0:
        yield
        return
    if (
        threading.current_thread() is threading.main_thread()
        and hasattr(signal, "SIGALRM")
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    ):
        with _alarm(seconds):
            yield
    else:
        with _watchdog(seconds):
            yield


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise DeadlineExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    target = ctypes.c_ulong(threading.get_ident())
    finished = threading.Event()
    lock = threading.Lock()
    fired = []

    def expire() -> None:
        if not finished.wait(seconds):
            with lock:
                if not finished.is_set():
                    fired.append(True)
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        target, ctypes.py_object(DeadlineExceeded)
                    )

    watcher = threading.Thread(target=expire, name="auditkit-deadline", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        with lock:
            finished.set()
            if fired:  # raised too late to land in the block: do not let it escape
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)
        watcher.join()
