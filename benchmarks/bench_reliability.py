"""What the reliability machinery costs, against the obvious alternative, in one run.

1. Loading a 50,000-cohort scenario file (4 MB): the safe loader (``auditkit.untrusted``:
   libyaml events, one counting pass, no recursion) against what the loader did before
   (``yaml.compose`` and ``yaml.safe_load`` with PyYAML's pure-Python SafeLoader), and the
   whole ``load_scenario`` (fields, references, budget).
2. Starting a worker for an isolated scorer: forked from the fork server against a fresh
   interpreter (time to the first score of a 100-account world).
3. Running a black-box program: under the supervisor (``auditkit.processes.run_program``)
   against a plain ``subprocess.run``.

    python benchmarks/bench_reliability.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def many_cohorts(n: int = 50_000) -> str:
    head = (
        "id: many-cohorts\nflaw: F7\ntitle: Fifty thousand cohorts\nacceptable: Nothing "
        "breaks.\nsource: benchmark\npopulation: {accounts: 1000, days: 30}\ncohorts:\n"
    )
    body = "".join(
        f"  - name: c{i}\n    behaviour: bought_followers\n    size: 1\n    params: {{count: 10}}\n"
        for i in range(n)
    )
    tail = "checks:\n  - probe: gain\n    cohort: c0\n    expect: {kind: minimum, at_most: 5}\n"
    return head + body + tail


def best(f, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        f()
        times.append(time.perf_counter() - started)
    return min(times)


def loading() -> None:
    from auditkit.plugin.registry import get_registry
    from auditkit.scenario.budget import Budget
    from auditkit.scenario.model import load_scenario
    from auditkit.untrusted import load_yaml

    text = many_cohorts()
    old = best(lambda: (yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)), repeat=1)
    new = best(lambda: load_yaml(text, "many.yaml"))
    registry = get_registry()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "many.yaml"
        path.write_text(text)
        whole = best(lambda: load_scenario(path, registry, budget=Budget(1e12)))
    print(
        f"50,000 cohorts ({len(text) / 2**20:.1f} MiB): previous parse (compose + safe_load, "
        f"pure Python) {old:.1f} s; safe loader {new:.1f} s; whole load_scenario "
        f"{whole:.1f} s"
    )


def workers() -> None:
    from faulty_scorers import Honest

    import auditkit.auditing.isolation as isolation
    from auditkit import generate_world, run_scorer

    world = generate_world(100, seed=1)

    def first_score(fork: bool) -> float:
        isolation._FORKS.failed = not fork
        proxy = isolation.IsolatedScorer(Honest())
        started = time.perf_counter()
        run_scorer(proxy, world)
        elapsed = time.perf_counter() - started
        proxy.close()
        return elapsed

    first_score(True)  # the fork server's own start, once per process
    forked = statistics.median(first_score(True) for _ in range(5))
    fresh = statistics.median(first_score(False) for _ in range(5))
    isolation._FORKS.failed = False
    print(
        f"worker start + first score: forked {forked * 1000:.0f} ms; fresh interpreter "
        f"{fresh * 1000:.0f} ms"
    )


def programs() -> None:
    from auditkit.processes import run_program

    plain = statistics.median(
        best(lambda: subprocess.run(["true"], check=True), 1) for _ in range(10)
    )
    supervised = statistics.median(
        best(lambda: run_program(["true"], timeout=30), 1) for _ in range(10)
    )
    print(
        f"running a program: plain subprocess {plain * 1000:.0f} ms; supervised "
        f"{supervised * 1000:.0f} ms"
    )


if __name__ == "__main__":
    loading()
    workers()
    programs()
