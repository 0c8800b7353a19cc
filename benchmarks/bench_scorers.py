"""Benchmark the built-in scorers on a generated world, and PageRank against scipy and networkx.

Usage::

    python benchmarks/bench_scorers.py [--accounts N --follows M --events K --repeat R]

Steps:

1. Generate a world with :func:`auditkit.generate_world` and time it.
2. Time each built-in scorer (``followers``, ``klout``, ``kred``, ``pagerank``, ``trustrank``)
   through the registry and :func:`auditkit.run_scorer`. Every run starts from a world whose
   cached views (follow codes, degrees) are cold, as they are after loading a world. The
   benchmark records peak RSS while scoring (``VmHWM``, reset before each scorer through
   ``/proc/self/clear_refs``, Linux only) and, in a separate untimed pass, the tracemalloc peak
   of the scorer's own allocations.
3. Compare :func:`auditkit.scorers.pagerank.pagerank_vector` with a bare scipy.sparse power
   iteration (written below) and with ``networkx.pagerank``, all in the same run:
   - on a 100k-account / 1M-follow graph;
   - on the full graph (networkx there only with ``--networkx-full``: building the networkx
     graph of 10M edges needs several GB and minutes).

The script prints Markdown tables and writes JSON to ``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import scipy.sparse as sp

import auditkit
from auditkit import World, generate_world, get_registry, run_scorer
from auditkit.scorers.pagerank import pagerank_vector

SCORERS = tuple(get_registry().built_in_scorers())
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
GB = 1024**3

# ---- memory --------------------------------------------------------------------------------


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_bytes() -> int | None:
    kb = _status_kb("VmRSS")
    return None if kb is None else kb * 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS; False if unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int | None:
    kb = _status_kb("VmHWM")
    return None if kb is None else kb * 1024


def maxrss_bytes() -> int:
    """The process's peak RSS (ru_maxrss; KiB on Linux, bytes on macOS). On Linux it is the
    kernel's VmHWM mark: since the last :func:`reset_peak_rss`, not over the process's life."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def gb(value: float | None) -> str:
    return "n/a" if value is None else f"{value / GB:.2f}"


# ---- machine -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    mem_total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = int(line.split()[1]) * 1024
    except OSError:
        pass
    import pandas

    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "memory_total_gb": None if mem_total is None else round(mem_total / GB, 1),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "auditkit": auditkit.__version__,
    }
    try:
        import networkx

        info["networkx"] = networkx.__version__
    except ImportError:
        info["networkx"] = None
    return info


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


# ---- the bare scipy power iteration PageRank is compared with ------------------------------


def bare_scipy_pagerank(
    src: np.ndarray,
    dst: np.ndarray,
    n: int,
    *,
    alpha: float = 0.85,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> tuple[np.ndarray, int]:
    """The textbook scipy.sparse PageRank: adjacency, row-normalise, transpose, iterate.

    Uniform teleport, dangling mass spread uniformly, networkx's stopping rule. Returns the
    vector and the number of iterations.
    """
    a = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    out = np.asarray(a.sum(axis=1)).ravel()
    inv = np.zeros(n)
    np.divide(1.0, out, out=inv, where=out > 0)
    pt = (sp.diags(inv) @ a).T.tocsr()
    dangling = out == 0
    x = np.full(n, 1.0 / n)
    for i in range(1, max_iter + 1):
        last = x
        x = alpha * (pt @ last) + (alpha * last[dangling].sum() + 1.0 - alpha) / n
        if np.abs(x - last).sum() < n * tol:
            return x, i
    return x, max_iter


def timed(fn, repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def compare_pagerank(
    world: World, repeat: int, *, with_networkx: bool, label: str
) -> dict[str, Any]:
    """pagerank_vector vs bare scipy vs networkx on the follow graph of ``world``."""
    src, dst = world.follow_codes
    n = len(world)
    row: dict[str, Any] = {"graph": label, "accounts": n, "follows": int(len(src))}

    def ours_default():
        return pagerank_vector(world)  # reads world.follow_codes, the arrays bare gets

    def ours_fixed():
        return pagerank_vector(world, tol=0.0, max_iter=50)

    t_ours, x_ours = timed(ours_default, repeat)
    t_bare, (x_bare, iters) = timed(lambda: bare_scipy_pagerank(src, dst, n), repeat)
    t_ours50, _ = timed(ours_fixed, repeat)
    t_bare50, _ = timed(lambda: bare_scipy_pagerank(src, dst, n, tol=0.0, max_iter=50), repeat)
    row |= {
        "iterations_default_tol": iters,
        "ours_per_iteration_s": (min(t_ours50) - min(t_ours)) / (50 - iters),
        "ours_s": min(t_ours),
        "bare_scipy_s": min(t_bare),
        "ours_over_bare": min(t_ours) / min(t_bare),
        "ours_50_iter_s": min(t_ours50),
        "bare_scipy_50_iter_s": min(t_bare50),
        "ours_over_bare_50_iter": min(t_ours50) / min(t_bare50),
        "max_abs_diff_vs_bare": float(np.abs(x_ours - x_bare).max()),
    }
    if with_networkx:
        import networkx as nx

        t0 = time.perf_counter()
        graph = nx.DiGraph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
        row["networkx_build_graph_s"] = time.perf_counter() - t0
        nx_repeat = 1 if n > 200_000 else max(1, min(repeat, 3))
        t_nx, ref = timed(lambda: nx.pagerank(graph, alpha=0.85, tol=1e-10), nx_repeat)
        ref_vec = np.array([ref[i] for i in range(n)])
        del graph, ref
        gc.collect()
        row |= {
            "networkx_s": min(t_nx),
            "networkx_over_ours": min(t_nx) / min(t_ours),
            "max_abs_diff_vs_networkx": float(np.abs(x_ours - ref_vec).max()),
        }
    return row


def convergence_gap(world: World) -> dict[str, Any]:
    """How far networkx's n*tol stopping rule leaves PageRank from convergence on this world."""
    from scipy.stats import spearmanr

    src, dst = world.follow_codes
    n = len(world)
    loose, loose_iter = bare_scipy_pagerank(src, dst, n, tol=1e-6)  # networkx's default
    tight, tight_iter = bare_scipy_pagerank(src, dst, n, tol=1e-10 / max(n, 1), max_iter=1000)
    indeg = world.in_degree
    top = np.argsort(-tight)[:1000]
    times, strict = timed(lambda: pagerank_vector(world, max_iter=1000), 1)  # default 1e-10
    _, strict_iter = bare_scipy_pagerank(src, dst, n, max_iter=1000)
    return {
        "tol_default_1e-10": {
            "iterations": strict_iter,
            "pagerank_vector_s": times[0],
            "l1_distance": float(np.abs(strict - tight).sum()),
            "spearman_vs_converged": float(spearmanr(strict, tight)[0]),
        },
        "iterations_tol_1e-6": loose_iter,
        "iterations_total_change_below_1e-10": tight_iter,
        "l1_distance": float(np.abs(loose - tight).sum()),
        "spearman_loose_vs_converged": float(spearmanr(loose, tight)[0]),
        "spearman_indegree_vs_converged": float(spearmanr(indeg, tight)[0]),
        "top1000_overlap_loose_vs_converged": float(
            len(np.intersect1d(np.argsort(-loose)[:1000], top)) / 1000
        ),
    }


# ---- the scorers ---------------------------------------------------------------------------


def bench_scorers(
    world: World, repeat: int, trace: bool, only: list[str] | None = None
) -> tuple[list[dict], list[str]]:
    registry = get_registry()
    rows, skipped = [], []
    for scorer_id in only or SCORERS:
        if scorer_id not in registry.scorers:
            why = next(
                (str(e) for e in registry.errors if f"'{scorer_id}'" in str(e)), "not installed"
            )
            print(f"skipping {scorer_id}: {why}", file=sys.stderr)
            skipped.append(scorer_id)
            continue
        scorer = registry.scorer(scorer_id)
        times, peaks = [], []
        rss_before = rss_bytes()
        for _ in range(repeat):
            fresh = World._trusted(world.accounts, world.follows, world.events, world.ids)
            gc.collect()
            can_reset = reset_peak_rss()
            t0 = time.perf_counter()
            run_scorer(scorer, fresh)
            times.append(time.perf_counter() - t0)
            peaks.append(peak_rss_bytes() if can_reset else None)
            del fresh
        row = {
            "scorer": scorer_id,
            "version": scorer.version,
            "runs": repeat,
            "first_s": times[0],
            "best_s": min(times),
            "median_s": statistics.median(times),
            "rss_before_gb": None if rss_before is None else rss_before / GB,
            "peak_rss_gb": None if None in peaks else max(peaks) / GB,
        }
        if trace:
            fresh = World._trusted(world.accounts, world.follows, world.events, world.ids)
            gc.collect()
            tracemalloc.start()
            run_scorer(scorer, fresh)
            row["tracemalloc_peak_gb"] = tracemalloc.get_traced_memory()[1] / GB
            tracemalloc.stop()
            del fresh
        rows.append(row)
        print(f"  {scorer_id}: best {row['best_s']:.2f} s", file=sys.stderr)
    return rows, skipped


# ---- report --------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    gen = report["generate"]
    lines = [
        f"World: {gen['accounts']:,} accounts, {gen['follows']:,} follows, "
        f"{gen['events']:,} events; generated in {gen['seconds']:.1f} s, "
        f"peak RSS after generation {gb(gen['maxrss_bytes'])} GB.",
        "",
        "| scorer | first run (s) | best of runs (s) | median (s) | peak RSS while scoring (GB) "
        "| RSS before (GB) | tracemalloc peak (GB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["scorers"]:
        lines.append(
            f"| {r['scorer']} | {r['first_s']:.2f} | {r['best_s']:.2f} | {r['median_s']:.2f} | "
            f"{_num(r['peak_rss_gb'])} | {_num(r['rss_before_gb'])} | "
            f"{_num(r.get('tracemalloc_peak_gb'))} |"
        )
    total = report["scorers_total_best_s"]
    lines.append(
        f"| **all {len(report['scorers'])}** | {report['scorers_total_first_s']:.2f} | "
        f"{total:.2f} | | {_num(report['scorers_peak_rss_gb'])} | | |"
    )
    if report["skipped"]:
        lines.append(f"\nSkipped (not installed): {', '.join(report['skipped'])}")
    lines += [
        "",
        "| graph | accounts | follows | iterations (tol 1e-10) | pagerank_vector (s) | "
        "bare scipy (s) | ours / bare | ours / bare, 50 iterations | networkx (s) | "
        "networkx / ours | max diff vs networkx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["pagerank_comparison"]:
        lines.append(
            f"| {r['graph']} | {r['accounts']:,} | {r['follows']:,} | "
            f"{r['iterations_default_tol']} | {r['ours_s']:.3f} | {r['bare_scipy_s']:.3f} | "
            f"{r['ours_over_bare']:.2f} | {r['ours_over_bare_50_iter']:.2f} | "
            f"{_num(r.get('networkx_s'), '.2f')} | {_num(r.get('networkx_over_ours'), '.0f')} | "
            f"{_num(r.get('max_abs_diff_vs_networkx'), '.1e')} |"
        )
    gap = report.get("pagerank_convergence")
    if gap:
        lines += [
            "",
            "PageRank convergence on the full graph (networkx's n*tol rule, tol=1e-6, "
            f"vs a converged vector): {gap['iterations_tol_1e-6']} iteration(s) vs "
            f"{gap['iterations_total_change_below_1e-10']}; L1 distance "
            f"{gap['l1_distance']:.3f}; Spearman {gap['spearman_loose_vs_converged']:.3f} "
            f"(in-degree vs converged: {gap['spearman_indegree_vs_converged']:.3f}); "
            f"top-1000 overlap {gap['top1000_overlap_loose_vs_converged']:.1%}. "
            f"With auditkit's default tol=1e-10: "
            f"{gap['tol_default_1e-10']['iterations']} iterations, "
            f"{gap['tol_default_1e-10']['pagerank_vector_s']:.2f} s, L1 distance "
            f"{gap['tol_default_1e-10']['l1_distance']:.1e}, Spearman "
            f"{gap['tol_default_1e-10']['spearman_vs_converged']:.4f}.",
        ]
    return "\n".join(lines)


def _num(value: float | None, fmt: str = ".2f") -> str:
    return "n/a" if value is None else format(value, fmt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=10_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare-accounts", type=int, default=100_000)
    parser.add_argument("--compare-follows", type=int, default=1_000_000)
    parser.add_argument(
        "--networkx-full",
        action="store_true",
        help="also run networkx.pagerank on the full graph (slow, several GB)",
    )
    parser.add_argument("--no-networkx", action="store_true", help="skip networkx entirely")
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the tracemalloc pass over the scorers"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    report: dict[str, Any] = {
        "machine": machine(),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(f"generating {args.accounts:,} accounts ...", file=sys.stderr)
    t0 = time.perf_counter()
    world = generate_world(args.accounts, follows=args.follows, events=args.events, seed=args.seed)
    report["generate"] = {
        "accounts": len(world),
        "follows": len(world.follows),
        "events": len(world.events),
        "seconds": time.perf_counter() - t0,
        "maxrss_bytes": maxrss_bytes(),
    }

    print("scoring ...", file=sys.stderr)
    rows, skipped = bench_scorers(world, args.repeat, not args.no_tracemalloc)
    if skipped:  # a scorer may have been installed meanwhile: retry those once
        get_registry.cache_clear()
        retry, skipped = bench_scorers(world, args.repeat, not args.no_tracemalloc, only=skipped)
        rows += retry
    report["scorers"] = rows
    report["skipped"] = skipped
    report["scorers_total_best_s"] = sum(r["best_s"] for r in rows)
    report["scorers_total_first_s"] = sum(r["first_s"] for r in rows)
    peaks = [r["peak_rss_gb"] for r in rows if r["peak_rss_gb"] is not None]
    report["scorers_peak_rss_gb"] = max(peaks) if peaks else None

    print("comparing PageRank ...", file=sys.stderr)
    comparisons = []
    small = generate_world(
        args.compare_accounts, follows=args.compare_follows, events=0, seed=args.seed + 1
    )
    comparisons.append(
        compare_pagerank(small, args.repeat, with_networkx=not args.no_networkx, label="compare")
    )
    del small
    gc.collect()
    comparisons.append(
        compare_pagerank(
            world,
            args.repeat,
            with_networkx=args.networkx_full and not args.no_networkx,
            label="full",
        )
    )
    report["pagerank_comparison"] = comparisons
    report["pagerank_convergence"] = convergence_gap(world)
    report["maxrss_bytes"] = maxrss_bytes()
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    table = markdown(report)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=float) + "\n")
    print(f"\nwrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
