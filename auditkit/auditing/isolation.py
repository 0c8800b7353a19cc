"""Untrusted scorers in worker processes: an audit survives any scorer.

A third-party scorer is code auditkit has never seen. In the audit's own process it could end
the audit (``sys.exit``, ``os._exit``, a segfault, a ``KeyboardInterrupt``), hang in a C call
that no time limit interrupts, keep the process alive with a thread it never joins, or write
into the world other scorers read. :class:`IsolatingExecutor` (the command line's default for
``audit``) therefore runs every third-party scorer in a worker process of its own:

- the audit's process builds the worlds and runs the probes as always; only the scorer's
  ``score``/``explain``/``random_walk`` calls go to the worker (:class:`IsolatedScorer`), with a
  copy of the world (sent once per world, kept for the next calls) it alone can spoil;
- a worker that dies (any exit, any signal), a call that raises anything (``SystemExit`` and
  ``KeyboardInterrupt`` included), a call that runs past the time limit (the worker is *killed*:
  the limit is pre-emptive) and a call that leaves a non-daemon thread running all end as a
  :class:`~auditkit.errors.ScorerError` naming the cause, that is an ``error`` row, while the
  other scorers' rows are computed exactly as without isolation; the next call starts a fresh
  worker;
- a worker's standard output is its standard error, so a plugin's ``print`` never reaches
  ``--format json`` on stdout; it ignores Ctrl-C (the audit's process handles it and stops the
  workers) and, on Linux, dies with the audit's process.

auditkit's own scorers (``auditkit.scorers``) run in the audit's process
(``isolate="third-party"``); ``isolate="all"`` sends every scorer to a worker, ``"none"``
none. A well-behaved scorer gives identical results either way (``tests/test_isolation.py``).
Starting a worker costs about a second (a fresh interpreter importing auditkit and the plugin);
each world is pickled to it once.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Literal

from auditkit.auditing.executor import Executor, Rows, SerialExecutor
from auditkit.data.sealed import original, read_only_view
from auditkit.data.world import World
from auditkit.errors import ScorerError
from auditkit.plugin.scorer import RandomWalk, Scorer, Statement
from auditkit.untrusted import excerpt

if TYPE_CHECKING:
    from auditkit.auditing.engine import AuditTask
    from auditkit.plugin.registry import Registry

__all__ = [
    "IsolatedScorer",
    "IsolatingExecutor",
    "Isolation",
    "isolate",
    "is_built_in",
    "serve_scorer",
    "serve_forks",
]

Isolation = Literal["third-party", "all", "none"]
#: Worlds a worker keeps between calls (a scenario's treated and control world, and a spare).
_KEEP = 4
#: The programs of the fork server and of a worker started directly (their arguments: a
#: connection's file descriptor and the parent's pid).
_ZYGOTE = "from auditkit.auditing.isolation import serve_forks; serve_forks()"
_WORKER = "from auditkit.auditing.isolation import serve_scorer; serve_scorer()"
#: Seconds a worker may take to start and receive its world before it counts as hung (the
#: time limit starts when the scorer is called, not before).
_STARTUP = 600.0


def is_built_in(scorer: Scorer) -> bool:
    """Whether ``scorer`` is one of auditkit's own (module ``auditkit.scorers.*``)."""
    inner = scorer.inner if isinstance(scorer, IsolatedScorer) else scorer
    return type(inner).__module__.startswith("auditkit.scorers.")


# ---------------------------------------------------------------------------------------------
# the worker


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel kill this process when its parent dies."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the call
        os._exit(1)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({excerpt(exc.code)})"
    text = excerpt(str(exc), 300)[1:-1]
    return f"failed: {type(exc).__name__}" + (f": {text}" if text else "")


def _serve(conn: Connection) -> None:
    """Read the parent's ``sys.path`` and the pickled scorer, then answer ``(token, world or
    None, method, args)`` requests: ``("started", None)`` when the scorer is called, then
    ``("ok", result)``, ``("raised", description)`` or ``("stray", thread names)``, until the
    connection closes."""
    sys.stdout = sys.stderr  # whatever the plugin prints goes to stderr (fd 1 is too)
    try:
        path, payload = conn.recv()
        sys.path[:] = path
        scorer = pickle.loads(payload)
    except (EOFError, OSError):
        return
    except BaseException as exc:  # noqa: B036 - report anything, then stop
        conn.send(("raised", f"cannot be loaded in a worker process: {_describe(exc)}"))
        return
    worlds: OrderedDict[int, World] = OrderedDict()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        token, world, method, args = message
        if world is not None:
            worlds[token] = world
            while len(worlds) > _KEEP:
                worlds.popitem(last=False)
        else:
            worlds.move_to_end(token)
        view = read_only_view(worlds[token])
        before = set(threading.enumerate())
        conn.send(("started", None))
        try:
            reply: tuple[str, Any] = ("ok", getattr(scorer, method)(view, *args))
        except BaseException as exc:  # noqa: B036 - SystemExit and KeyboardInterrupt included
            reply = ("raised", _describe(exc))
        stray = [
            t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
        ]
        if stray:
            reply = ("stray", [t.name for t in stray])
        try:
            conn.send(reply)
        except Exception as exc:
            conn.send(
                (
                    "raised",
                    f"returned {type(reply[1]).__name__}, which cannot be sent "
                    f"back to the audit ({_describe(exc)})",
                )
            )
        if stray:
            sys.stderr.flush()
            os._exit(0)  # the thread would keep the worker alive


def serve_scorer() -> None:
    """A worker started on its own (``python -c "...; serve_scorer()" FD PARENT_PID``), where
    no fork server is available."""
    fd, parent = int(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the audit's process
    _die_with_parent(parent)
    _serve(Connection(fd))


def serve_forks() -> None:
    """The fork server (``python -c "...; serve_forks()" FD PARENT_PID``): it imports pandas and
    auditkit once, then forks a ready worker for each ``fork`` request (the worker's connection
    arrives with it, ``SCM_RIGHTS``), so a worker starts in milliseconds instead of a second.
    ``wait PID`` reaps a worker and answers its exit status."""
    fd, parent = int(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    me = os.getpid()
    control = socket.socket(fileno=fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 256, 1)
        except OSError:
            return
        if not message:
            return
        command, _, argument = message.decode().partition(" ")
        if command == "fork" and fds:
            pid = os.fork()
            if pid == 0:  # the worker
                control.close()
                _die_with_parent(me)
                try:
                    _serve(Connection(fds[0]))
                finally:
                    os._exit(0)
            os.close(fds[0])
            control.sendall(f"{pid}\n".encode())
        elif command == "wait":
            try:
                _, status = os.waitpid(int(argument), 0)
                answer = str(os.waitstatus_to_exitcode(status))
            except (ChildProcessError, ValueError):
                answer = "unknown"
            control.sendall(f"{answer}\n".encode())
        else:
            for extra in fds:
                os.close(extra)


# ---------------------------------------------------------------------------------------------
# the audit's side


def _has_fd(stream: Any) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _exit_cause(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        what = {
            "SIGSEGV": " (a segmentation fault)",
            "SIGKILL": " (killed, e.g. out of memory)",
            "SIGABRT": " (aborted)",
            "SIGBUS": " (a bus error)",
        }.get(name, "")
        return f"was killed by {name}{what}"
    return f"exited with code {code}"


class _Forks:
    """The fork server, started on first use and shared by every worker of this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None
        self.failed = not hasattr(os, "fork") or not hasattr(socket, "send_fds")

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _ZYGOTE, str(theirs.fileno()), str(os.getpid())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=sys.stderr.fileno() if _has_fd(sys.stderr) else subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self.control = ours
        atexit.register(self.close)

    def _ask(self, message: bytes, fds: list[int] | None = None) -> str:
        assert self.control is not None
        socket.send_fds(self.control, [message], fds or [])
        answer = b""
        self.control.settimeout(_STARTUP)
        while not answer.endswith(b"\n"):
            chunk = self.control.recv(64)
            if not chunk:
                raise OSError("the fork server ended")
            answer += chunk
        return answer.decode().strip()

    def fork(self, conn_fd: int) -> int | None:
        """A new worker serving the connection ``conn_fd``; its pid (None: no fork server)."""
        with self.lock:
            if self.failed:
                return None
            try:
                if self.process is None or self.process.poll() is not None:
                    self._start()
                return int(self._ask(b"fork", [conn_fd]))
            except (OSError, ValueError):
                self.failed = True  # fall back to starting workers directly
                self.close()
                return None

    def wait(self, pid: int) -> int | None:
        """Reap a worker (it has exited or been killed); its exit status."""
        with self.lock:
            try:
                answer = self._ask(f"wait {pid}".encode())
            except (OSError, ValueError, AssertionError):
                return None
        return None if answer == "unknown" else int(answer)

    def close(self) -> None:
        if self.control is not None:
            with contextlib.suppress(OSError):
                self.control.close()
            self.control = None
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(2.0)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.process = None


_FORKS = _Forks()


class _Worker:
    """One worker process for one scorer, started on first use and after each death."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.process: subprocess.Popen[bytes] | None = None  # a worker started directly
        self.pid: int | None = None  # a worker forked by the fork server
        self.conn: Connection | None = None
        self.held: OrderedDict[int, None] = OrderedDict()
        self.tokens: weakref.WeakKeyDictionary[World, int] = weakref.WeakKeyDictionary()
        self.next_token = 0
        self.lock = threading.Lock()

    @property
    def who(self) -> str:
        return f"scorer {self.scorer.id!r}"

    def start(self) -> None:
        try:
            payload = pickle.dumps(self.scorer)
        except Exception as exc:
            raise ScorerError(
                f"{self.who} cannot be sent to a worker process "
                f"({_describe(exc)}); run it in the audit's process with "
                "--isolation none"
            ) from None
        ours, theirs = socket.socketpair()
        try:
            self.pid = _FORKS.fork(theirs.fileno())
            if self.pid is None:
                self.process = subprocess.Popen(
                    [sys.executable, "-c", _WORKER, str(theirs.fileno()), str(os.getpid())],
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=sys.stderr.fileno() if _has_fd(sys.stderr) else subprocess.DEVNULL,
                )
        except OSError as exc:
            ours.close()
            raise ScorerError(f"{self.who}: cannot start a worker process: {exc}") from None
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send((list(sys.path), payload))
        self.held.clear()

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return self.pid is not None and self.conn is not None

    def stop(self, *, kill: bool = False) -> int | None:
        """End the worker (politely, or at once with ``kill``); its exit code."""
        process, pid, conn = self.process, self.pid, self.conn
        self.process = self.pid = self.conn = None
        self.held.clear()
        if conn is not None and not kill:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
        if process is not None:
            if not kill:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(2.0)
            if process.poll() is None:
                with contextlib.suppress(OSError):
                    process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5.0)
            code = process.returncode
        elif pid is not None:
            if kill:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            code = _FORKS.wait(pid)
        else:
            code = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
        return code

    def _token(self, world: World) -> int:
        token = self.tokens.get(world)
        if token is None:
            token = self.tokens[world] = self.next_token
            self.next_token += 1
        return token

    def call(
        self, method: str, world: World, args: tuple[Any, ...], time_limit: float | None
    ) -> Any:
        world = original(world)
        with self.lock:
            if not self.alive():
                self.stop(kill=True)
                self.start()
            assert self.conn is not None
            token = self._token(world)
            fresh = token not in self.held
            try:
                self.conn.send((token, world if fresh else None, method, args))
                reply = self._wait(_STARTUP, starting=True)
                if reply[0] == "started":
                    reply = self._wait(time_limit)
            except BaseException:  # interrupted or timed out: the worker is in an unknown state
                self.stop(kill=True)
                raise
            if fresh:
                self.held[token] = None
                while len(self.held) > _KEEP:
                    self.held.popitem(last=False)
            else:
                self.held.move_to_end(token)
        kind, value = reply
        if kind == "ok":
            return value
        if kind == "stray":
            self.stop(kill=True)
            raise ScorerError(
                f"{self.who} left {len(value)} thread(s) running after scoring "
                f"({', '.join(map(repr, value[:3]))}); a scorer must not start "
                "threads it does not finish. Its worker process was stopped."
            )
        raise ScorerError(f"{self.who} {value}")

    def _wait(self, limit: float | None, *, starting: bool = False) -> tuple[str, Any]:
        assert self.conn is not None
        end = None if not limit else time.monotonic() + limit
        while True:
            try:
                if self.conn.poll(0.05):
                    return self.conn.recv()
            except (EOFError, OSError):
                break  # the connection closed: the worker is gone
            if not self.alive():
                break
            if end is not None and time.monotonic() > end:
                self.stop(kill=True)
                if starting:
                    raise ScorerError(
                        f"{self.who}: its worker process did not start within "
                        f"{_STARTUP:g} s; it was killed"
                    )
                raise ScorerError(
                    f"{self.who} ran past the time limit of {limit:g} s "
                    "(raise it with --time-limit); its worker process was killed"
                )
        code = self.stop(kill=True)
        raise ScorerError(
            f"{self.who} ended its worker process while scoring: it "
            f"{_exit_cause(code)}. The other scorers are unaffected; check the "
            "scorer (it must return scores or raise an exception)"
        )


class IsolatedScorer(Scorer):
    """A scorer whose calls run in a worker process (see the module docstring). It reports the
    inner scorer's id, version, name, range, parameters and metadata."""

    id = "isolated"
    version = "1"
    name = "a scorer in a worker process"
    range = (0.0, 1.0)
    description = "Runs another scorer in a worker process (auditkit.auditing.isolation)."

    def __init__(self, inner: Scorer, *, time_limit: float | None = None) -> None:
        self.inner = inner
        self.params = inner.params
        for attr in (
            "id",
            "version",
            "name",
            "range",
            "description",
            "references",
            "tags",
            "Params",
        ):
            setattr(self, attr, getattr(inner, attr))
        #: seconds one call may take before the worker is killed (None: no limit)
        self.time_limit = time_limit
        self._worker = _Worker(inner)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.inner.bounds

    def info(self) -> dict[str, Any]:
        return self.inner.info()

    def score(self, world: World, at: object = None) -> Any:
        return self._worker.call("score", world, (at,), self.time_limit)

    def score_within(self, world: World, at: object, time_limit: float | None) -> Any:
        """:meth:`score` with ``time_limit`` (:func:`auditkit.run_scorer` calls this instead
        of wrapping the call in its own deadline: the limit starts when the worker calls the
        scorer, not while it starts, and it kills)."""
        return self._worker.call("score", world, (at,), time_limit or self.time_limit)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        return self._worker.call("explain", world, (account, at), self.time_limit)

    def random_walk(self, world: World, at: object = None) -> RandomWalk | None:
        return self._worker.call("random_walk", world, (at,), self.time_limit)

    def close(self) -> None:
        """Stop the worker process (a later call starts a new one)."""
        self._worker.stop()

    def __reduce__(self) -> tuple[Any, ...]:
        return (IsolatedScorer, (self.inner,), {"time_limit": self.time_limit})

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.time_limit = state["time_limit"]

    def __repr__(self) -> str:
        return f"IsolatedScorer({self.inner!r})"


def isolate(
    scorers: Sequence[Scorer], policy: Isolation = "third-party", *, time_limit: float | None = None
) -> list[Scorer]:
    """``scorers`` with those the policy isolates wrapped in :class:`IsolatedScorer`."""
    if policy == "none":
        return list(scorers)
    return [
        s
        if isinstance(s, IsolatedScorer) or (policy == "third-party" and is_built_in(s))
        else IsolatedScorer(s, time_limit=time_limit)
        for s in scorers
    ]


class IsolatingExecutor(Executor):
    """Runs tasks through ``inner`` (default: serial) with the scorers the policy isolates in
    worker processes, one per scorer, kept across tasks and closed with the executor."""

    name = "isolating"

    def __init__(
        self, inner: Executor | None = None, *, isolate: Isolation = "third-party"
    ) -> None:
        self.inner = inner or SerialExecutor()
        self.policy = isolate
        self._proxies: dict[tuple[int, float | None], IsolatedScorer] = {}

    def _wrap(self, scorer: Scorer, time_limit: float | None) -> Scorer:
        if (
            self.policy == "none"
            or isinstance(scorer, IsolatedScorer)
            or (self.policy == "third-party" and is_built_in(scorer))
        ):
            return scorer
        key = (id(scorer), time_limit)
        if key not in self._proxies:
            self._proxies[key] = IsolatedScorer(scorer, time_limit=time_limit)
        return self._proxies[key]

    def in_process(self, scorers: Sequence[Scorer], time_limit: float | None) -> list[Scorer]:
        return [self._wrap(s, time_limit) for s in scorers]

    def run(self, tasks: list[AuditTask], registry: Registry) -> Iterator[tuple[int, Rows]]:
        wrapped = [
            replace(t, scorers=tuple(self._wrap(s, t.time_limit) for s in t.scorers)) for t in tasks
        ]
        yield from self.inner.run(wrapped, registry)

    def close(self) -> None:
        for proxy in self._proxies.values():
            proxy.close()
        self._proxies.clear()
        self.inner.close()
