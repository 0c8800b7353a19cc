"""Time the main job, ``auditkit audit`` on the bundled scenario library, and measure how stable
its verdicts are.

    python benchmarks/bench_audit.py [--repeat 3] [--seeds 10] [--bases 0 1]
    python benchmarks/bench_audit.py --workers 2 [--seeds 10] [--repeat 2]

Runs the library against every built-in scorer in this process (the same code path as the
command line, without printing), at the default seed count unless told otherwise: best of
``--repeat`` runs for the first seed base, then one run per further base. Two bases are
independent replications (``--seed BASE``); the script counts, over every scenario x check x
scorer, the verdicts that stay the same, that move to or from ``inconclusive``, and that flip
between ``pass`` and ``fail`` (the issue 9 target: none). It also times the ground truth (the
Monte Carlo expected spread, a fifth of the audit's time) against the obvious alternative, one
breadth-first search per source and sample, on one scenario's world, and checks both give the
same numbers. Writes ``benchmarks/results/audit.json``. The target is 30 s on 2 cores at the
default seed count.

With ``--workers N`` it instead runs the same audit side by side serially and on a local Dask
cluster of N worker processes (``auditkit audit --workers N``), alternating the two, checks that
both give identical results, and writes ``benchmarks/results/audit-dask.json``. The cluster's
start-up is timed separately and included in the end-to-end figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from collections import Counter
from pathlib import Path

import auditkit
from auditkit import Registry, audit, bundled_scenarios, get_registry, load_scenarios
from auditkit.auditing.engine import DEFAULT_SEEDS
from auditkit.data.truth import edge_uniforms, expected_spread, reshare_matrix
from auditkit.scenario.run import ScenarioRun

BUILT_IN = get_registry().built_in_scorers()


def compare(a, b) -> dict[str, int]:
    """How the verdicts of two audits (same scenarios and scorers) differ, row by row."""
    keys = ["scenario", "check", "scorer"]
    va = a.table.set_index(keys)["verdict"]
    vb = b.table.set_index(keys)["verdict"].reindex(va.index)
    counts: Counter[str] = Counter()
    for x, y in zip(va, vb, strict=True):
        if x == y:
            counts["same"] += 1
        elif {x, y} == {"pass", "fail"}:
            counts["pass<->fail"] += 1
        elif "inconclusive" in (x, y):
            counts["to/from inconclusive"] += 1
        else:
            counts[f"{x}->{y}"] += 1
    return dict(counts)


def bfs_spread(draft, runs: int = 200):
    """The obvious alternative: the same live-edge samples, one breadth-first search per
    source (scipy's csgraph) instead of the sparse transitive closure."""
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.csgraph import breadth_first_order

    p = reshare_matrix(draft).tocoo()
    n = draft.n
    total = np.zeros(n)
    keys = p.row.astype(np.uint64) * np.uint64(2**32) + p.col.astype(np.uint64)
    salt = int(draft.rng("truth").integers(0, 2**63))
    for r in range(runs):
        live = edge_uniforms(keys, salt, r) < p.data
        graph = sp.csr_matrix((np.ones(int(live.sum())), (p.row[live], p.col[live])), shape=(n, n))
        for source in np.unique(p.row[live]):
            total[source] += (
                len(breadth_first_order(graph, source, directed=True, return_predecessors=False))
                - 1
            )
    return total / runs


def truth_comparison(scenarios, registry, repeat: int) -> dict[str, float]:
    import numpy as np

    scenario = next(s for s in scenarios if s.id == "institutions")
    draft = ScenarioRun(scenario, scenario.population.seed, registry).treated.draft
    times = {}
    for name, fn in (("closure", expected_spread), ("bfs", bfs_spread)):
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            out = fn(draft)
            best = min(best, time.perf_counter() - started)
        times[name] = (round(best, 3), out)
    if not np.array_equal(times["closure"][1], times["bfs"][1]):
        raise SystemExit("the closure and the BFS give different truths")
    return {"accounts": draft.n, "closure_s": times["closure"][0], "bfs_s": times["bfs"][0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS)
    parser.add_argument("--bases", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()
    if args.workers:
        compare_workers(args)
        return
    registry = Registry()
    scenarios = load_scenarios([bundled_scenarios()], registry)
    scorers = [registry.scorer(s) for s in BUILT_IN]
    runs, results = [], {}
    for i, base in enumerate(args.bases):
        walls, cpus = [], []
        for _ in range(args.repeat if i == 0 else 1):
            wall, cpu = time.perf_counter(), time.process_time()
            res = audit(scenarios, scorers, seeds=args.seeds, seed=base, registry=registry)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        results[base] = res
        runs.append(
            {
                "base": base,
                "seeds": args.seeds,
                "scenarios": len(scenarios),
                "scorers": len(scorers),
                "rows": len(res.table),
                "measurements": len(res.seeds),
                "best_s": round(min(walls), 2),
                "worst_s": round(max(walls), 2),
                "cpu_s": round(min(cpus), 2),
                **res.counts(),
            }
        )
    stability = {
        f"{a} vs {b}": compare(results[a], results[b])
        for a, b in zip(args.bases, args.bases[1:], strict=False)
    }
    truth = truth_comparison(scenarios, registry, args.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        "| base | seeds | rows | best (s) | worst (s) | CPU (s) | pass | fail | inconclusive "
        "| blind | degenerate | error | skip |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(
            f"| {r['base']} | {r['seeds']} | {r['rows']} | {r['best_s']} | {r['worst_s']} | "
            f"{r['cpu_s']} | {r['pass']} | {r['fail']} | {r['inconclusive']} | {r['blind']} "
            f"| {r['degenerate']} | {r['error']} | {r['skip']} |"
        )
    for pair, counts in stability.items():
        print(f"bases {pair}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(
        f"ground truth of {truth['accounts']:,} accounts (200 samples): closure "
        f"{truth['closure_s']} s, breadth-first per source {truth['bfs_s']} s (same numbers)"
    )
    print(
        f"peak RSS {peak:.2f} GiB; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}; "
        f"Python {platform.python_version()}; auditkit {auditkit.__version__}"
    )
    out = Path(__file__).parent / "results" / "audit.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "runs": runs,
                "stability": stability,
                "truth": truth,
                "peak_rss_gib": round(peak, 3),
                "cpus": os.cpu_count(),
                "load_average": round(os.getloadavg()[0], 2),
                "python": platform.python_version(),
            },
            indent=2,
        )
        + "\n"
    )


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
    seeds = args.seeds
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
            results = audit(scenarios, scorers, seeds=seeds, registry=registry, executor=executor)
            dask.append(time.perf_counter() - begun)
            after = executor.client.run(_cpu_seconds)
            worker_cpu.append(sum(after[w] - before.get(w, 0.0) for w in after))
        assert results.to_json() == reference, "the Dask run differs from the serial run"
    best_serial, best_dask = min(serial), min(dask)
    best_total = min(d + s for d, s in zip(dask, startup, strict=True))
    row = {
        "seeds": seeds,
        "scenarios": len(scenarios),
        "scorers": len(scorers),
        "tasks": len(scenarios) * seeds,
        "rows": len(json.loads(reference)["rows"]),
        "workers": args.workers,
        "batch_size": args.batch_size,
        "serial_s": [round(x, 2) for x in serial],
        "dask_s": [round(x, 2) for x in dask],
        "startup_s": [round(x, 2) for x in startup],
        "serial_cpu_s": [round(x, 2) for x in serial_cpu],
        "workers_cpu_s": [round(x, 2) for x in worker_cpu],
        "speedup_best": round(best_serial / best_dask, 2),
        "speedup_with_startup": round(best_serial / best_total, 2),
        "cpus": os.cpu_count(),
        "loadavg_after": os.getloadavg(),
        "python": platform.python_version(),
        "auditkit": auditkit.__version__,
    }
    print(json.dumps(row, indent=2))
    out = Path(__file__).parent / "results" / "audit-dask.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
