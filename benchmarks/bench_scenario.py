"""A bundled scenario at realistic size: generated and audited by every built-in scorer.

Usage::

    python benchmarks/bench_scenario.py bought-followers [--accounts 1000000] [--output PATH]
        [--glibc-defaults]

Runs one :class:`auditkit.auditing.engine.AuditTask` (the scenario's first seed, every check,
every built-in scorer) end to end in this process, with the population raised to
``--accounts``, and says where the time goes: the organic simulation (population, cohorts'
setup, follows and events), building the immutable worlds (``Draft.build``), the Monte Carlo
ground truth (cascades, only when a check needs it), each scorer, and the rest (probes,
percentiles). Phases are timed by wrapping the functions that do them (a phase is the wall time
its calls cover: a scorer that scores both worlds side by side counts once); the end-to-end time is
measured around the task, with the CPU time it used (user and system) and the time the hypervisor
took from the machine meanwhile ("stolen", from ``/proc/stat``). Peak memory is the process's
``ru_maxrss`` (one scenario per process). Like the ``auditkit`` program, the benchmark keeps
the memory it frees for reuse (:func:`auditkit.allocator.keep_freed_memory`);
``--glibc-defaults`` measures the C library's defaults instead. Writes JSON to
``benchmarks/results/scenario-<id>-<accounts>.json``.

The obvious alternative is the same task at the bundled size (``--accounts`` omitted), run the
same way; the issue's baseline (72 s and 6.8 GB at 1M accounts) was measured before the
control world shared the treated world's simulation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from auditkit.allocator import keep_freed_memory

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--accounts", type=int, default=None)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--glibc-defaults", action="store_true")
    args = parser.parse_args(argv)
    # before numpy is imported, as the auditkit program does: threads started meanwhile keep
    # arenas of their own
    kept = not args.glibc_defaults and keep_freed_memory()
    import auditkit
    import auditkit.data.draft as draft_module
    import auditkit.scenario.run as run_module
    from auditkit import Registry, bundled_scenarios, load_scenarios
    from auditkit.auditing.engine import AuditTask

    registry = Registry()
    scenario = next(
        s for s in load_scenarios([bundled_scenarios()], registry) if s.id == args.scenario
    )
    if args.accounts:
        scenario = scenario.model_copy(
            update={
                "population": scenario.population.model_copy(update={"accounts": args.accounts})
            }
        )
    scorers = tuple(registry.scorer(s) for s in registry.built_in_scorers())
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spans[name].append((started, time.perf_counter()))

        return wrapper

    run_module.ScenarioRun._simulate = timed("simulation", run_module.ScenarioRun._simulate)
    draft_module.Draft.build = timed("build worlds", draft_module.Draft.build)
    run_module.expected_spread = timed("ground truth (cascades)", run_module.expected_spread)
    original_run_scorer = run_module.run_scorer

    def run_scorer(scorer: Any, *a: Any, **k: Any) -> Any:
        return timed(f"score: {scorer.id}", original_run_scorer)(scorer, *a, **k)

    run_module.run_scorer = run_scorer
    task = AuditTask(scenario, scenario.population.seed, scorers, None)
    usage, steal = resource.getrusage(resource.RUSAGE_SELF), stolen_seconds()
    started = time.perf_counter()
    rows = task.run(registry)
    total = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    # a phase's time is the wall time its calls cover (a scorer scores the treated and the
    # control world side by side on large worlds: both calls at once count once)
    spent = {name: covered(s) for name, s in spans.items()}
    phases = {k: round(v, 2) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}
    phases["probes, percentiles, the rest"] = round(
        total - covered([x for s in spans.values() for x in s]), 2
    )
    report = {
        "scenario": scenario.id,
        "accounts": scenario.population.accounts,
        "checks": len(scenario.checks),
        "scorers": len(scorers),
        "rows": len(rows),
        "verdicts": {
            v: sum(r["verdict"] == v for r in rows) for v in ("pass", "fail", "error", "skip")
        },
        "total_s": round(total, 2),
        "phases_s": phases,
        "peak_rss_gib": round(used.ru_maxrss / 2**20, 2),
        "freed_memory_kept": kept,
        # where the CPU time went (the kernel's share is mostly fresh memory: page faults),
        # and how much the hypervisor took from this machine meanwhile (Linux; None elsewhere)
        "cpu_s": {
            "user": round(used.ru_utime - usage.ru_utime, 2),
            "system": round(used.ru_stime - usage.ru_stime, 2),
        },
        "stolen_s": None if steal is None else round((stolen_seconds() or steal) - steal, 2),
        "cpus": os.cpu_count(),
        "loadavg_after": os.getloadavg(),
        "python": platform.python_version(),
        "auditkit": auditkit.__version__,
    }
    print(json.dumps(report, indent=2))
    out = args.output or RESULTS / f"scenario-{scenario.id}-{scenario.population.accounts}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def stolen_seconds() -> float | None:
    """CPU time the hypervisor has taken from this machine since boot, all CPUs (Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def covered(spans: list[tuple[float, float]]) -> float:
    """The length of the union of time spans."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


if __name__ == "__main__":
    raise SystemExit(main())
