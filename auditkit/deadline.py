"""A time limit for a block of Python code, in any thread.

:func:`deadline` raises :class:`DeadlineExceeded` inside the block once ``seconds`` have passed.
In the main thread it uses ``SIGALRM`` (so it also interrupts ``time.sleep`` and blocking
reads); in any other thread the process's one watchdog thread raises the exception
asynchronously in the guarded thread (``PyThreadState_SetAsyncExc``). Either way the exception
arrives between two Python bytecodes: a single long call into C code finishes before it is
raised. Killing such code needs a separate process (the process executor does that).

:class:`DeadlineExceeded` derives from :class:`BaseException`, so scorer code that catches
``Exception`` cannot swallow it.
"""

from __future__ import annotations

import ctypes
import heapq
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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


class _Watchdog:
    """One daemon thread per process that raises :class:`DeadlineExceeded` in the threads whose
    deadline has passed.

    A thread per guarded block (the obvious way) costs a thread start and join for every block;
    an audit on Dask guards every scorer run, thousands per worker, and the new threads'
    wake-ups preempted the scoring thread: 12,000 involuntary context switches in a bundled
    audit on two workers against 2,500 with no time limit. This thread sleeps until the earliest
    live deadline; a block that ends only marks its entry finished (its entry is dropped when
    the thread next wakes), so a run of blocks shorter than their limit wakes it about once per
    limit.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._entries: list[_Entry] = []  # a heap by expiry
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> _Entry:
        """Watch the calling thread: raise in it once ``seconds`` have passed."""
        entry = _Entry(time.monotonic() + seconds, threading.get_ident())
        with self._condition:
            heapq.heappush(self._entries, entry)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="auditkit-deadline", daemon=True
                )
                self._thread.start()
            elif self._entries[0] is entry:  # it sleeps until a later deadline: wake it
                self._condition.notify()
        return entry

    def disarm(self, entry: _Entry) -> None:
        """The guarded block has ended: no exception from now on, and none left pending."""
        with self._condition:
            entry.finished = True
            if entry.fired:  # raised too late to land in the block: do not let it escape
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(entry.thread), None)
            if len(self._entries) > 64 and self._entries[0].finished:
                self._entries = [e for e in self._entries if not e.finished]
                heapq.heapify(self._entries)

    def _run(self) -> None:
        with self._condition:
            while True:
                entries = self._entries
                while entries and entries[0].finished:
                    heapq.heappop(entries)
                if not entries:
                    self._condition.wait()
                    continue
                wait = entries[0].expires - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                entry = heapq.heappop(entries)
                entry.fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(entry.thread), ctypes.py_object(DeadlineExceeded)
                )


@dataclass(eq=False)
class _Entry:
    """A guarded block of one thread."""

    expires: float
    thread: int
    finished: bool = False
    fired: bool = False

    def __lt__(self, other: _Entry) -> bool:
        return self.expires < other.expires


_WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):  # a forked child has no watchdog thread and a fresh lock
    os.register_at_fork(after_in_child=_WATCHDOG._reset)


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    entry = _WATCHDOG.arm(seconds)
    try:
        yield
    finally:
        _WATCHDOG.disarm(entry)
