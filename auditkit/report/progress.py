"""How a long run shows its progress on stderr: :class:`TaskProgress`.

- on a terminal, a progress bar (tqdm) that rewrites one line;
- in a log (stderr is not a terminal: CI, a pipe, a file), once the run has taken
  :data:`QUIET_SECONDS` (a quick run prints nothing), a plain line each time another tenth of
  the tasks is done or :data:`EVERY_SECONDS` have passed since the last line, and a last line
  at the end, so a CI log shows the run moving without thousands of lines;
- nothing at all when quiet.

It is told each finished task as ``(done, total, label)``, which is what the audit's execution
seam reports for every executor (serial or Dask), so every way of running an audit shows it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["TaskProgress", "EVERY_SECONDS", "EVERY_FRACTION", "QUIET_SECONDS"]

#: in a log, no line before the run has taken this long (seconds): a quick run prints nothing
QUIET_SECONDS = 10.0
#: in a log, a line at least this often (seconds) while tasks finish
EVERY_SECONDS = 30.0
#: in a log, a line each time this share of the tasks more is done
EVERY_FRACTION = 0.1


class TaskProgress:
    """Progress of ``what`` (e.g. ``audit``) on ``stream`` (stderr by default); see the module
    docstring. ``interactive`` overrides the terminal test; ``clock`` is for tests."""

    def __init__(
        self,
        what: str = "audit",
        stream: TextIO | None = None,
        *,
        quiet: bool = False,
        interactive: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.interactive = bool(self.stream.isatty()) if interactive is None else interactive
        self.clock = clock
        self._bar: Any = None
        self._total = 0
        self._started = clock()
        self._last_line = self._started
        self._last_step = -1
        self._spoken = False

    def __call__(self, done: int, total: int, label: str) -> None:
        """One more task finished: ``done`` of ``total``, the last one ``label``."""
        if self.quiet or total <= 0:
            return
        if total != self._total:  # a new round of tasks (--seeds auto adds seeds)
            self._close_bar()
            self._total, self._last_step = total, -1
        if self.interactive:
            self._tick_bar(done, total, label)
            return
        now = self.clock()
        step = int(done / total / EVERY_FRACTION + 1e-9)
        if now - self._started < QUIET_SECONDS and not self._spoken:
            self._last_step = step
            return
        if done == total or step > self._last_step or now - self._last_line >= EVERY_SECONDS:
            self._last_step, self._last_line = step, now
            self._line(
                f"{self.what}: {done}/{total} tasks ({100 * done / total:.0f}%), "
                f"{now - self._started:.0f} s, last {label}"
            )

    def message(self, text: str) -> None:
        """A step that is not a task (``collecting the figures' evidence ...``)."""
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=True)
        elif self.interactive:
            self.stream.write(f"\r\033[K{text}")
            self.stream.flush()
        else:
            self._line(f"{self.what}: {text}")

    def close(self) -> None:
        """Take the bar (or the last message) off the terminal."""
        self._close_bar()
        if self.interactive and not self.quiet:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _line(self, text: str) -> None:
        self._spoken = True
        self.stream.write(text + "\n")
        self.stream.flush()

    def _tick_bar(self, done: int, total: int, label: str) -> None:
        if self._bar is None:
            from tqdm import tqdm  # type: ignore[import-untyped]

            self._bar = tqdm(
                total=total,
                desc=self.what,
                unit="task",
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
            )
        self._bar.update(done - self._bar.n)
        self._bar.set_postfix_str(label, refresh=True)

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
