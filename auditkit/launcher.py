"""The ``auditkit`` program: signals and the allocator set up first, then the command line.

The console script and ``python -m auditkit`` start here, not in :mod:`auditkit.cli`, so that
Ctrl-C and SIGTERM are handled from the first instant - while pandas is still being imported -
and end the program the same way: every ``finally`` runs (temporary files removed, worker
processes and black-box programs killed, finished work kept in the audit's journal), one line
on stderr, exit status 130 (SIGINT) or 143 (SIGTERM), no traceback. A plugin that leaves a
non-daemon thread running cannot keep the program from exiting. The program keeps the memory
it frees for reuse (:func:`auditkit.allocator.keep_freed_memory`: it runs one job and ends).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Sequence

from auditkit import interrupts
from auditkit.allocator import keep_freed_memory

__all__ = ["main"]


def _run(argv: Sequence[str] | None) -> int:
    import click

    from auditkit.cli import main as cli

    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="auditkit",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, KeyboardInterrupt):
            raise cause from None
        click.echo(
            f"Error: the input ended unexpectedly ({cause!r}); check that the file is complete",
            err=True,
        )
        return 2
    return int(result) if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line and exit with its status."""
    keep_freed_memory()
    interrupts.install()
    try:
        code = _run(argv)
    except SystemExit as exc:  # a command's own exit status (e.g. --fail-on)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt as exc:
        print(
            f"\nauditkit: {interrupts.describe(exc)}; stopped cleanly (no file was written "
            "half-way)",
            file=sys.stderr,
        )
        code = interrupts.exit_status(exc)
    except BrokenPipeError:  # e.g. `auditkit audit | head`: the reader left
        code = 0
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    _exit(code)


def _exit(code: int) -> None:
    """Exit, even when a plugin left a non-daemon thread running (which would otherwise keep
    the interpreter waiting for it forever)."""
    stray = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and t.is_alive()
    ]
    if not stray:
        sys.exit(code)
    names = ", ".join(repr(t.name) for t in stray[:3])
    print(
        f"auditkit: a plugin left {len(stray)} thread(s) running ({names}); exiting anyway",
        file=sys.stderr,
    )
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
