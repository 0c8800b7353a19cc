"""Time the main job: ``auditkit audit`` on the bundled scenario library.

    python benchmarks/bench_audit.py [--repeat 3] [--seeds 1 3]
    python benchmarks/bench_audit.py --workers 2 --seeds 10 [--repeat 2]

Runs the library against the built-in scorers in this process (the same code path as the
command line, without printing), best of ``--repeat`` runs, and writes
``benchmarks/results/audit.json``. The target is 60 s on 2 cores for one seed.

With ``--workers N`` it runs the same audit side by side serially and on a local Dask cluster of
N worker processes (``auditkit audit --workers N``), alternating the two, checks that both give
identical results, and writes ``benchmarks/results/audit-dask.json``. The cluster's start-up is
timed separately and included in the end-to-end figure.
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
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()
    if args.workers:
        compare_workers(args)
        return
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



def _cpu_seconds() -> float:
    """User and system CPU seconds of this process (run on each worker)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def compare_workers(args: argparse.Namespace) -> None:
    """Serial against a local Dask cluster, same audit, alternating runs."""
    from auditkit.auditing.dask import DaskExecutor

    registry = Registry()
    scenarios = load_scenarios([bundled_scenarios()], registry)
    scorers = [registry.scorer(s) for s in BUILT_IN]
    seeds = max(args.seeds)
    serial, dask, startup, serial_cpu, worker_cpu = [], [], [], [], []
    reference = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        cpu = time.process_time()
        results = audit(scenarios, scorers, seeds=seeds, registry=registry)
        serial.append(time.perf_counter() - started)
        serial_cpu.append(time.process_time() - cpu)
        reference = reference or results.to_json()
        assert results.to_json() == reference
        started = time.perf_counter()
        with DaskExecutor(workers=args.workers, batch_size=args.batch_size) as executor:
            startup.append(time.perf_counter() - started)
            before = executor.client.run(_cpu_seconds)
            begun = time.perf_counter()
            results = audit(scenarios, scorers, seeds=seeds, registry=registry,
                            executor=executor)
            dask.append(time.perf_counter() - begun)
            after = executor.client.run(_cpu_seconds)
            worker_cpu.append(sum(after[w] - before.get(w, 0.0) for w in after))
        assert results.to_json() == reference, "the Dask run differs from the serial run"
    best_serial, best_dask = min(serial), min(dask)
    best_total = min(d + s for d, s in zip(dask, startup, strict=True))
    row = {"seeds": seeds, "scenarios": len(scenarios), "scorers": len(scorers),
           "tasks": len(scenarios) * seeds, "rows": len(json.loads(reference)["rows"]),
           "workers": args.workers, "batch_size": args.batch_size,
           "serial_s": [round(x, 2) for x in serial], "dask_s": [round(x, 2) for x in dask],
           "startup_s": [round(x, 2) for x in startup],
           "serial_cpu_s": [round(x, 2) for x in serial_cpu],
           "workers_cpu_s": [round(x, 2) for x in worker_cpu],
           "speedup_best": round(best_serial / best_dask, 2),
           "speedup_with_startup": round(best_serial / best_total, 2),
           "cpus": os.cpu_count(), "loadavg_after": os.getloadavg(),
           "python": platform.python_version(), "auditkit": auditkit.__version__}
    print(json.dumps(row, indent=2))
    out = Path(__file__).parent / "results" / "audit-dask.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
