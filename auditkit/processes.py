"""Running another program so that nothing it starts outlives it: :func:`run_program`.

The black-box ``command`` scorer runs a program auditkit does not control. That program may
start helpers, daemonise (fork twice, ``setsid``), flood its output or never finish. Each run
goes through a small *supervisor*, this very file run as a script by the same Python
(``python -I -S processes.py``, standard library only):

- on Linux the supervisor makes itself a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``):
  every process the program starts, however it detaches (a new session, a new process group,
  a double fork), is re-parented to the supervisor when its parent exits, instead of to
  ``init``. When the program exits, or when auditkit asks it to stop (deadline, output cap,
  Ctrl-C, the audit's own time limit), the supervisor kills every descendant with ``SIGKILL``
  and reaps them until it has no child left, then reports how the program ended. It also dies
  with auditkit (``PR_SET_PDEATHSIG``), cleaning up first;
- on other POSIX systems there is no subreaper: the program runs in a new process group, which
  is killed as a whole; a descendant that left that group can survive;
- auditkit reads the program's output itself, with a cap (:class:`OutputTooLarge`) and an
  overall deadline (:class:`ProgramTimeout`) checked while it reads, so a program that prints
  a byte a second, or forever, is stopped on time.

What is *not* covered: a descendant that escapes through another service (``systemd-run``, an
``at`` job, a container runtime, ``ssh``) is not a descendant, and a program that kills its
supervisor with ``SIGKILL`` on purpose takes the guarantee with it (auditkit then kills the
program's process group).
"""

from __future__ import annotations

import contextlib
import os
import select
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Completed",
    "ProgramTimeout",
    "OutputTooLarge",
    "ProgramNotFound",
    "run_program",
    "SUBREAPER",
]

#: Whether this platform has a child subreaper (every descendant is killed), else only the
#: program's process group is.
SUBREAPER = sys.platform.startswith("linux")
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Completed:
    """How a program ended: ``returncode`` (negative: killed by that signal), everything it
    printed on stdout, and the end of its stderr."""

    returncode: int
    stdout: bytes
    stderr: bytes


class ProgramTimeout(Exception):
    """The program (with what it started) did not finish within the deadline; all were
    killed."""


class OutputTooLarge(Exception):
    """The program printed more than the cap allows; all were killed."""


class ProgramNotFound(Exception):
    """The program could not be started (not found, not executable)."""


# ---------------------------------------------------------------------------------------------
# auditkit's side


def run_program(
    argv: Sequence[str],
    *,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    max_output: int = 100_000_000,
    max_stderr: int = 64 * 1024,
) -> Completed:
    """Run ``argv`` (no shell) under a supervisor, feed it ``stdin``, and collect its output.

    Raises :class:`ProgramTimeout` after ``timeout`` seconds in all (starting, writing its
    input, reading its output, waiting for it), :class:`OutputTooLarge` when it prints more
    than ``max_output`` bytes on stdout, :class:`ProgramNotFound` when it cannot start. In
    every case, and when the caller is interrupted (``KeyboardInterrupt``, a time limit), the
    program and every process it started are killed before this returns or raises.
    """
    if os.name != "posix":  # pragma: no cover - no supervisor without fork and signals
        return _run_plain(argv, stdin, env, timeout, max_output, max_stderr)
    deadline = time.monotonic() + timeout
    status_r, status_w = os.pipe()
    try:
        supervisor = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-S",
                os.path.abspath(__file__),
                str(status_w),
                str(os.getpid()),
                "--",
                *argv,
            ],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env or os.environ),
            pass_fds=(status_w,),
            start_new_session=True,
        )
    finally:
        os.close(status_w)
    try:
        out, err = _exchange(supervisor, stdin, deadline, max_output, max_stderr)
        status = _read_status(status_r, deadline)
        _wait(supervisor, deadline)
    except BaseException:
        _stop(supervisor)
        raise
    finally:
        os.close(status_r)
        for stream in (supervisor.stdin, supervisor.stdout, supervisor.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
    kind, _, value = status.partition(" ")
    if kind == "notfound":
        raise ProgramNotFound(value)
    if kind == "signal":
        return Completed(-int(value), out, err)
    if kind == "exit":
        return Completed(int(value), out, err)
    raise ProgramNotFound(f"the supervisor reported {status!r}")


def _exchange(
    proc: subprocess.Popen[bytes],
    stdin: bytes | None,
    deadline: float,
    max_output: int,
    max_stderr: int,
) -> tuple[bytes, bytes]:
    """Write ``stdin`` and read stdout and stderr until both end, within the deadline."""
    out = bytearray()
    err = bytearray()
    sel = selectors.DefaultSelector()
    view = memoryview(stdin or b"")
    assert proc.stdout is not None and proc.stderr is not None
    if proc.stdin is not None:
        if len(view):
            os.set_blocking(proc.stdin.fileno(), False)
            sel.register(proc.stdin, selectors.EVENT_WRITE)
        else:
            proc.stdin.close()
    sel.register(proc.stdout, selectors.EVENT_READ)
    sel.register(proc.stderr, selectors.EVENT_READ)
    try:
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProgramTimeout()
            for key, _ in sel.select(min(remaining, 1.0)):
                stream = key.fileobj
                if stream is proc.stdin:
                    try:
                        written = os.write(proc.stdin.fileno(), view[:_CHUNK])
                    except BlockingIOError:
                        continue
                    except (BrokenPipeError, ConnectionResetError):
                        written = len(view)  # it stopped reading: that is its business
                    view = view[written:]
                    if not len(view):
                        sel.unregister(proc.stdin)
                        proc.stdin.close()
                    continue
                data = os.read(stream.fileno(), _CHUNK)  # type: ignore[union-attr]
                if not data:
                    sel.unregister(stream)
                elif stream is proc.stdout:
                    out += data
                    if len(out) > max_output:
                        raise OutputTooLarge()
                else:
                    err += data
                    if len(err) > 2 * max_stderr:
                        del err[:-max_stderr]
    finally:
        sel.close()
    return bytes(out), bytes(err[-max_stderr:])


def _read_status(fd: int, deadline: float) -> str:
    """The supervisor's last status line ("exit N", "signal N", "notfound ...")."""
    data = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProgramTimeout()
        ready, _, _ = select.select([fd], [], [], min(remaining, 1.0))
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    lines = [
        line
        for line in data.decode("utf-8", "replace").splitlines()
        if not line.startswith("started ")
    ]
    return lines[-1] if lines else "notfound the supervisor ended without a report"


def _wait(proc: subprocess.Popen[bytes], deadline: float) -> None:
    try:
        proc.wait(max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        raise ProgramTimeout() from None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask the supervisor to kill everything and exit; if it does not, kill it (and its
    process group) outright."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5.0)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5.0)


def _run_plain(
    argv: Sequence[str],
    stdin: bytes | None,
    env: Mapping[str, str] | None,
    timeout: float,
    max_output: int,
    max_stderr: int,
) -> Completed:  # pragma: no cover
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env or os.environ),
        )
    except OSError as exc:
        raise ProgramNotFound(str(exc)) from None
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ProgramTimeout() from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if len(out) > max_output:
        raise OutputTooLarge()
    return Completed(proc.returncode, out, err[-max_stderr:])


# ---------------------------------------------------------------------------------------------
# the supervisor (this file run as a script)


class _Stop(Exception):
    pass


def _prctl(option: int, value: int) -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children_of(me: int) -> list[int]:
    """Every process whose parent is ``me`` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == me:
            out.append(int(entry))
    return out


def _descendants(roots: list[int]) -> list[int]:
    todo, seen = list(roots), []
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.append(pid)
        todo.extend(_children_of(pid))
    return seen


def _kill_everything(program: int | None) -> None:
    """Kill the program and every descendant, and reap them, until no child is left."""
    me = os.getpid()
    if program is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(program, signal.SIGKILL)  # its own group, at once
    while True:
        if SUBREAPER:
            for pid in _descendants(_children_of(me)):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        try:
            while True:
                pid, _ = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
        except ChildProcessError:
            return  # no child left: everything is gone
        time.sleep(0.01)


def _supervise(args: list[str]) -> int:
    status_fd, parent = int(args[0]), int(args[1])
    program = args[3:]
    status = os.fdopen(status_fd, "w", buffering=1)

    def stop(signum: int, frame: object) -> None:
        raise _Stop()

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, stop)
    if SUBREAPER:
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    child: int | None = None
    try:
        if os.getppid() != parent:  # auditkit died before we could watch it
            raise _Stop()
        try:
            proc = subprocess.Popen(program, start_new_session=True)
        except OSError as exc:
            status.write(f"notfound {exc.strerror or exc}\n")
            return 0
        child = proc.pid
        status.write(f"started {child}\n")
        # the program holds the pipes now; ours would keep auditkit reading after it is gone
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        code = None
        while code is None:
            pid, wait_status = os.waitpid(-1, 0)
            if pid == child:
                code = os.waitstatus_to_exitcode(wait_status)
        _kill_everything(child)
        status.write(f"exit {code}\n" if code >= 0 else f"signal {-code}\n")
    except _Stop:
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        _kill_everything(child)
        status.write("signal 9\n")
    return 0


if __name__ == "__main__":
    sys.exit(_supervise(sys.argv[1:]))
