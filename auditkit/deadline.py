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
from contextlib import contextmanager, suppress
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
    live deadline; a block that ends only marks its entry finished (dropped when the thread next
    wakes), so a run of blocks shorter than their limit wakes it about once per limit.

    The exception can arrive in the guarded thread between any two bytecodes, so what that
    thread runs here holds only plain locks (acquired and released in C: an exception inside
    ``with`` releases them) and does nothing an exception could leave half-done: an entry is
    marked finished before anything else when its block ends, and the watchdog fires only
    unfinished entries, under the same lock.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """A fresh state (and no thread): at start, and in a child process after a fork."""
        self._lock = threading.Lock()
        self._wake = threading.Lock()  # held while the thread should sleep; released to wake it
        self._wake.acquire()
        self._entries: list[_Entry] = []  # a heap by expiry
        self._compact_above = 1024
        self._thread: threading.Thread | None = None

    def arm(self, entry: _Entry) -> None:
        """Watch ``entry``'s thread: raise in it once ``entry.expires`` has passed."""
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="auditkit-deadline", daemon=True
                    )
                    self._thread.start()
        with self._lock:
            heapq.heappush(self._entries, entry)
            if self._entries[0] is entry or len(self._entries) > self._compact_above:
                self._signal()

    def disarm(self, entry: _Entry) -> None:
        """After ``entry.finished`` is set: wait out a firing under way, and clear its exception
        if it was raised too late to land in the block."""
        with self._lock:
            if entry.fired:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(entry.thread), None)

    def _signal(self) -> None:
        with suppress(RuntimeError):  # already released: the thread wakes anyway
            self._wake.release()

    def _run(self) -> None:
        while True:
            with self._lock:
                entries = self._entries
                if len(entries) > self._compact_above:
                    entries = self._entries = [e for e in entries if not e.finished]
                    heapq.heapify(entries)
                    self._compact_above = max(1024, 2 * len(entries))
                now = time.monotonic()
                while entries and (entries[0].finished or entries[0].expires <= now):
                    entry = heapq.heappop(entries)
                    if not entry.finished:
                        entry.fired = True
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(entry.thread), ctypes.py_object(DeadlineExceeded)
                        )
                wait = entries[0].expires - now if entries else -1
            self._wake.acquire(timeout=wait)


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
if hasattr(os, "register_at_fork"):  # a forked child has no watchdog thread and fresh locks
    os.register_at_fork(after_in_child=_WATCHDOG.reset)


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    entry = _Entry(time.monotonic() + seconds, threading.get_ident())
    try:
        _WATCHDOG.arm(entry)
        yield
    finally:
        entry.finished = True  # first: from here on the watchdog leaves this block alone
        _WATCHDOG.disarm(entry)
