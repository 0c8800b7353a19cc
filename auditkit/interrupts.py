"""Stopping cleanly: SIGINT (Ctrl-C) and SIGTERM end auditkit the same way.

:func:`install` makes both signals raise :class:`Interrupted` (a ``KeyboardInterrupt``) in the
main thread, so every ``finally`` block and context manager runs: temporary files are removed,
worker processes and black-box programs are killed, the audit's journal keeps what finished.
The command line then prints one line and exits with the conventional status,
``128 + signal`` (130 for SIGINT, 143 for SIGTERM), without a traceback
(:func:`exit_status`). A second signal while cleaning up is ignored, so the cleanup finishes.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

__all__ = ["Interrupted", "install", "exit_status", "describe"]

_SIGNALS = tuple(
    s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None
)


class Interrupted(KeyboardInterrupt):
    """The process was asked to stop by ``signum``."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum


def _handler(signum: int, frame: FrameType | None) -> Any:
    for s in _SIGNALS:  # the first signal starts the cleanup; more do not cut it short
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


def install() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` (main thread only; a no-op
    elsewhere). A signal the parent set to be ignored (``nohup``, a background job) stays
    ignored."""
    try:
        for s in _SIGNALS:
            if signal.getsignal(s) is not signal.SIG_IGN:
                signal.signal(s, _handler)
    except ValueError:  # not the main thread
        pass


def exit_status(exc: BaseException) -> int:
    """The conventional exit status after an interruption: 128 + the signal number."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


def describe(exc: BaseException) -> str:
    signum = int(getattr(exc, "signum", signal.SIGINT))
    name = "SIGINT (Ctrl-C)" if signum == signal.SIGINT else signal.Signals(signum).name
    return f"interrupted by {name}"
