"""Time the main job: ``auditkit audit`` on the bundled scenario library.

    python benchmarks/bench_audit.py [--repeat 3] [--seeds 1 3]

Runs the library against the five built-in scorers in this process (the same code path as the
command line, without printing), best of ``--repeat`` runs, and writes
``benchmarks/results/audit.json``. The target is 60 s on 2 cores for one seed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import auditkit
from auditkit import Registry, audit, bundled_scenarios, get_registry, load_scenarios

BUILT_IN = get_registry().built_in_scorers()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    registry = Registry()
    scenarios = load_scenarios([bundled_scenarios()], registry)
    scorers = [registry.scorer(s) for s in BUILT_IN]
    rows = []
    for seeds in args.seeds:
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            results = audit(scenarios, scorers, seeds=seeds, registry=registry)
            times.append(time.perf_counter() - started)
        rows.append({"seeds": seeds, "scenarios": len(scenarios), "scorers": len(scorers),
                     "checks": len(results.table), "best_s": round(min(times), 2),
                     "worst_s": round(max(times), 2), **results.counts()})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print("| seeds | scenarios | checks | best (s) | worst (s) | pass | fail | error | skip |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['seeds']} | {r['scenarios']} | {r['checks']} | {r['best_s']} | "
              f"{r['worst_s']} | {r['pass']} | {r['fail']} | {r['error']} | {r['skip']} |")
    print(f"peak RSS {peak:.2f} GiB; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
          f"auditkit {auditkit.__version__}")
    out = Path(__file__).parent / "results" / "audit.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"runs": rows, "peak_rss_gib": round(peak, 3),
                               "cpus": os.cpu_count(),
                               "python": platform.python_version()}, indent=2) + "\n")


if __name__ == "__main__":
    main()
