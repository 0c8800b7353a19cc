"""The auditkit program keeps the memory it frees for reuse (glibc), and only when asked."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

from auditkit import launcher
from auditkit.allocator import OPT_OUT, keep_freed_memory

glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the policy is glibc's",
)

#: A fresh process allocates and frees 400 MB (a numpy array, as the audit's are) and reports
#: its resident memory with the array and after it.
PROBE = """
import json, os, sys
from auditkit.allocator import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else False
import numpy as np

def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

a = np.ones(50_000_000)
held = resident()
del a
print(json.dumps({"kept": kept, "held": held, "after": resident()}))
"""


def probe(mode: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    clean.pop("GLIBC_TUNABLES", None)
    clean.pop(OPT_OUT, None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


@glibc
def test_freed_memory_stays_in_the_process_only_when_kept():
    default, kept = probe("default"), probe("keep")
    # glibc's default: the array had a mapping of its own, returned when freed
    assert not default["kept"] and default["held"] - default["after"] > 350e6
    # kept: the 400 MB stay resident, ready for the next array
    assert kept["kept"] and kept["held"] - kept["after"] < 50e6


@glibc
@pytest.mark.parametrize(
    "env",
    [
        {OPT_OUT: "0"},
        {"MALLOC_TRIM_THRESHOLD_": "131072"},
        {"GLIBC_TUNABLES": "glibc.malloc.mmap_max=65536"},
    ],
)
def test_the_opt_out_and_a_users_own_allocator_settings_win(env):
    result = probe("keep", **env)
    assert not result["kept"] and result["held"] - result["after"] > 350e6


def test_the_environment_is_read_before_anything_is_changed():
    assert keep_freed_memory({"MALLOC_ARENA_MAX": "4"}) is False
    assert keep_freed_memory({"GLIBC_TUNABLES": "glibc.malloc.arena_max=4"}) is False
    assert keep_freed_memory({OPT_OUT: "0"}) is False


def test_the_program_keeps_freed_memory_before_anything_else(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(launcher, "keep_freed_memory", lambda: calls.append("allocator"))
    monkeypatch.setattr(launcher.interrupts, "install", lambda: calls.append("signals"))
    monkeypatch.setattr(launcher, "_run", lambda argv: calls.append("command") or 0)
    with pytest.raises(SystemExit) as exit:
        launcher.main(["--version"])
    assert exit.value.code == 0
    assert calls == ["allocator", "signals", "command"]
