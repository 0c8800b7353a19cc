"""Scorers that misbehave in every way a plugin can, for the isolation and fault tests.

Each is a complete, registrable scorer; ``FAULTS`` maps a fault name to its class. The module is
imported by id in worker processes (it must stay importable from the tests directory).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
import time
import warnings

import numpy as np
import pandas as pd

from auditkit import Scorer, Statement, hookimpl
from auditkit.plugin.scorer import statement_items


class Honest(Scorer):
    """Log follower count: the well-behaved reference."""

    id = "honest"
    version = "1"
    name = "Honest"
    range = (0.0, 100.0)
    description = "log of followers; well behaved"

    def score(self, world, at=None):
        snap = world if at is None else world.as_of(at)
        followers = np.bincount(snap.follow_codes[1], minlength=len(world))
        return world.series(np.minimum(100.0, 10 * np.log1p(followers)), name=self.id)

    def explain(self, world, account, at=None):
        s = float(self.score(world, at).iloc[world.code_of(account)])
        return Statement(self.id, account, s, statement_items([("score", s, s, "")]))


class _Fault(Honest):
    def score(self, world, at=None):
        self.fault(world)
        return super().score(world, at)

    def fault(self, world) -> None:
        raise NotImplementedError


class Exits(_Fault):
    id = "exits"

    def fault(self, world):
        sys.exit(3)


class HardExit(_Fault):
    id = "hard-exit"

    def fault(self, world):
        os._exit(0)


class Segfault(_Fault):
    id = "segfault"

    def fault(self, world):
        ctypes.string_at(0)


class Interrupts(_Fault):
    id = "interrupts"

    def fault(self, world):
        raise KeyboardInterrupt


class HangsInC(_Fault):
    id = "hangs-in-c"

    def fault(self, world):
        libc = ctypes.CDLL(None)
        libc.sleep(3600)  # one C call: no Python signal handler runs until it returns


class SwallowsTimeouts(_Fault):
    id = "swallows-timeouts"

    def fault(self, world):
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            try:  # noqa: SIM105 - the point: it swallows the time limit
                time.sleep(0.01)
            except BaseException:  # noqa: B036
                pass


class StrayThread(_Fault):
    id = "stray-thread"

    def fault(self, world):
        threading.Thread(target=time.sleep, args=(3600,), name="never-joined").start()


class Prints(_Fault):
    id = "prints"

    def fault(self, world):
        print('{"not": "the report"}')
        os.write(1, b"raw bytes on fd 1\n")


class MutatesWorld(_Fault):
    """Replaces and corrupts the world's tables, then scores honestly."""

    id = "mutates-world"

    def fault(self, world):
        follows = world.follows
        with contextlib.suppress(ValueError):
            follows["follower"].cat.codes.to_numpy()[:] = 0
        with contextlib.suppress(ValueError, TypeError):
            follows["time"].array[:] = pd.Timestamp("1990-01-01", tz="UTC")
        with contextlib.suppress(ValueError):
            world.follow_codes[1][:] = 0
        world._follows = follows.iloc[:0]
        with warnings.catch_warnings():  # inplace is deprecated: the point is to try it
            warnings.simplefilter("ignore")
            follows.drop(follows.index, inplace=True)


class Chdir(_Fault):
    id = "chdir"

    def fault(self, world):
        os.chdir("/")


FAULTS = {
    cls.id: cls
    for cls in (
        Exits,
        HardExit,
        Segfault,
        Interrupts,
        HangsInC,
        SwallowsTimeouts,
        StrayThread,
        Prints,
        MutatesWorld,
        Chdir,
    )
}


@hookimpl
def register_scorers(register):
    register(Honest)
    for cls in FAULTS.values():
        register(cls)
