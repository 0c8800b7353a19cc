"""auditkit.deadline: a time limit that holds in the main thread and in any other thread, raises
nothing once its block has ended, and guards every block of a process with one watchdog thread."""

from __future__ import annotations

import os
import threading
import time
import warnings

import pytest

from auditkit.deadline import DeadlineExceeded, deadline


def spin(seconds: float) -> None:
    """Python bytecode for ``seconds`` (an asynchronous exception lands between bytecodes)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def in_thread(fn):
    """Run ``fn`` in a new thread; what it returned or raised."""
    out: dict[str, object] = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the guarded thread never stopped"
    return out


def watchdogs() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "auditkit-deadline"]


def test_the_limit_stops_a_block_in_the_main_thread():
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded), deadline(0.2):
        spin(10)
    assert time.monotonic() - started < 5


def guarded(limit: float, work: float) -> float:
    started = time.monotonic()
    try:
        with deadline(limit):
            spin(work)
    except DeadlineExceeded:
        return time.monotonic() - started
    return -1.0


def test_the_limit_stops_a_block_in_another_thread():
    out = in_thread(lambda: guarded(0.2, 10))
    assert 0.15 < out["value"] < 5


def test_a_block_that_ends_in_time_raises_nothing_then_or_later():
    def job():
        for _ in range(50):
            with deadline(0.05):
                spin(0.001)
        spin(0.3)  # past every limit above: nothing may arrive now
        return "done"

    assert in_thread(job) == {"value": "done"}


def test_no_limit_means_no_watchdog_work():
    with deadline(None):
        spin(0.01)
    with deadline(0):
        spin(0.01)


def test_threads_each_get_their_own_limit():
    results: dict[str, float] = {}

    def run(name: str, limit: float, work: float) -> None:
        results[name] = guarded(limit, work)

    threads = [
        threading.Thread(target=run, args=("short", 0.2, 10)),
        threading.Thread(target=run, args=("long", 5, 0.5)),
        threading.Thread(target=run, args=("later", 0.8, 10)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert 0.15 < results["short"] < 0.7
    assert results["long"] == -1.0  # finished its work within its limit
    assert 0.7 < results["later"] < 5


def test_an_inner_limit_fires_inside_an_outer_one():
    def job():
        caught = []
        with deadline(10):
            try:
                with deadline(0.1):
                    spin(10)
            except DeadlineExceeded:
                caught.append("inner")
            spin(0.3)  # the outer limit is far off: nothing more arrives
        return caught

    assert in_thread(job) == {"value": ["inner"]}


def test_many_blocks_share_one_watchdog_thread():
    def job():
        for _ in range(200):
            with deadline(30):
                pass
        return len(watchdogs())

    assert in_thread(job)["value"] == 1
    assert len(watchdogs()) == 1  # it stays for the process's next guarded block


def test_many_threads_with_limits_that_fire_now_and_then_never_hang_or_leak():
    """Eight threads, each running 200 short blocks with limits of 1 ms to 5 s (many fire, some
    between the body's end and the bookkeeping): every thread finishes, and nothing arrives
    outside a block. A watchdog that took a lock with Python code in its ``__enter__`` hung
    here: the exception landed between the lock's acquisition and the ``with``."""
    import random

    stray: list[BaseException] = []
    finished: list[int] = []

    def job(seed: int) -> None:
        pick = random.Random(seed)
        try:
            for _ in range(200):
                try:
                    with deadline(pick.choice([0.001, 0.005, 0.02, 5])):
                        spin(pick.choice([0, 0.0005, 0.003, 0.01]))
                except DeadlineExceeded:
                    pass
            spin(0.05)
            finished.append(seed)
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            stray.append(exc)

    threads = [threading.Thread(target=job, args=(k,), daemon=True) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not stray
    assert sorted(finished) == list(range(8)), "a guarded thread hung"
    assert len(watchdogs()) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_working_watchdog_of_its_own():
    """A child forked while another thread is inside a guarded block (so the parent's watchdog
    holds an entry, and the thread does not exist in the child) still enforces limits."""
    inside = threading.Thread(target=guarded, args=(0.5, 0.3), daemon=True)
    inside.start()
    time.sleep(0.05)
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # the child: report what a guarded block in a new thread did, then leave
        try:
            out = in_thread(lambda: guarded(0.2, 10))
            os.write(write, b"fired" if 0.15 < out.get("value", -1) < 5 else b"not fired")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 100) == b"fired"
    os.close(read)
    inside.join(10)
