"""Keeping standard output for the report: :func:`stdout_to_stderr`.

``auditkit audit --format json`` prints a document another program parses. Plugins run in the
same process (and their worker processes inherit its file descriptors), and a plugin's
``print`` - or a C library writing to file descriptor 1 - would corrupt that document. While
the work runs, :func:`stdout_to_stderr` points both ``sys.stdout`` and file descriptor 1 at
standard error; the command prints its report after the block, on the real standard output.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

__all__ = ["stdout_to_stderr"]


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to standard output inside the block to standard error."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    saved = None
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no file descriptors 1 and 2 (an embedding host): Python level only
        if saved is not None:
            os.close(saved)
        saved = None
    previous = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        sys.stdout = previous
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)
