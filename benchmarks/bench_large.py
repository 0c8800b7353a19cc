"""A world of 10 million accounts, 100 million follows and 100 million events on one machine.

Usage::

    python benchmarks/bench_large.py --world /tmp/scale/w10m [--make] [--accounts N
        --follows M --events K] [--float32] [--no-compare] [--output PATH]

Steps, all in one process:

1. ``--make``: write the world with :func:`auditkit.data.scale.write_synthetic_world` (chunked,
   straight to Parquet) when the directory does not exist yet; its time is reported. Keep
   generated worlds under /tmp, never in the repository.
2. The obvious alternative to loading: a bare ``pyarrow.parquet.read_table`` of every file of
   the world (no validation, no id mapping), timed first.
3. ``auditkit.read_world`` of the same files, timed; RSS after loading.
4. Every built-in scorer through ``run_scorer``, one after the other on the loaded world (as
   ``auditkit audit`` and ``score`` would: views a scorer caches on the world, such as the
   follow codes and degrees, are shared by the scorers after it); time and peak RSS
   (``VmHWM`` reset before each scorer) per scorer; ``--float32`` passes ``dtype=float32`` to
   the graph scorers.
5. ``pagerank_vector`` against a bare scipy.sparse power iteration
   (``bench_scorers.bare_scipy_pagerank``) on the same edges, same stopping rule.

Writes JSON to ``benchmarks/results/large.json`` and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scorers import (  # noqa: E402
    bare_scipy_pagerank,
    machine,
    maxrss_bytes,
    peak_rss_bytes,
    reset_peak_rss,
    rss_bytes,
)

import auditkit  # noqa: E402
from auditkit import get_registry, read_world, run_scorer  # noqa: E402
from auditkit.data.scale import write_synthetic_world  # noqa: E402
from auditkit.data.world import world_sources  # noqa: E402
from auditkit.scorers.pagerank import pagerank_vector  # noqa: E402

GIB = 1024**3
RESULTS = Path(__file__).resolve().parent / "results" / "large.json"
GRAPH_SCORERS = ("pagerank", "trustrank", "sybilrank")


def gib(value: float | None) -> float | None:
    return None if value is None else round(value / GIB, 2)


def whole_run_peak(report: dict[str, Any]) -> float | None:
    """The run's peak RSS: the largest of the phases' peaks and the kernel's mark now (which
    counts only since the last ``reset_peak_rss``: ru_maxrss reads the same mark on Linux)."""
    peaks = [report.get("load_peak_rss_gib"), gib(maxrss_bytes())]
    peaks += [row["peak_rss_gib"] for row in report.get("scorers", [])]
    known = [p for p in peaks if p is not None]
    return max(known) if known else None


def bare_read(root: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    out: dict[str, Any] = {}
    total = 0.0
    for name, path in world_sources(root).items():
        files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        started = time.perf_counter()
        rows = 0
        for f in files:
            table = pq.read_table(f)
            rows += table.num_rows
            del table
        elapsed = time.perf_counter() - started
        out[name] = {"rows": rows, "s": round(elapsed, 2)}
        total += elapsed
        gc.collect()
    out["total_s"] = round(total, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, default=Path("/tmp/scale/w10m"))
    parser.add_argument("--make", action="store_true")
    parser.add_argument("--accounts", type=int, default=10_000_000)
    parser.add_argument("--follows", type=int, default=100_000_000)
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--float32", action="store_true")
    parser.add_argument("--no-compare", action="store_true")
    parser.add_argument("--scorers", nargs="*", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "auditkit": auditkit.__version__,
        "world": str(args.world),
        "float32": args.float32,
    }
    if args.make and not args.world.exists():
        started = time.perf_counter()
        write_synthetic_world(args.world, args.accounts, args.follows, args.events, seed=args.seed)
        report["generate_s"] = round(time.perf_counter() - started, 1)
        report["generate_peak_rss_gib"] = gib(maxrss_bytes())
        print(f"generated {args.world} in {report['generate_s']} s", flush=True)
    gc.collect()
    report["bare_read"] = bare_read(args.world)
    print(f"bare pyarrow read_table: {report['bare_read']}", flush=True)
    reset_peak_rss()
    started = time.perf_counter()
    world = read_world(args.world)
    report["load_s"] = round(time.perf_counter() - started, 2)
    report["load_ratio"] = round(report["load_s"] / report["bare_read"]["total_s"], 2)
    report["load_peak_rss_gib"] = gib(peak_rss_bytes())
    report["rss_after_load_gib"] = gib(rss_bytes())
    report["size"] = {
        "accounts": len(world),
        "follows": len(world.follows),
        "events": len(world.events),
    }
    print(
        f"read_world: {world!r} in {report['load_s']} s "
        f"({report['load_ratio']}x the bare read), RSS {report['rss_after_load_gib']} GiB",
        flush=True,
    )
    registry = get_registry()
    rows = []
    total = 0.0
    for sid in args.scorers or registry.built_in_scorers():
        params = {"dtype": "float32"} if args.float32 and sid in GRAPH_SCORERS else {}
        scorer = registry.scorer(sid, **params)
        gc.collect()
        reset_peak_rss()
        started = time.perf_counter()
        scores = run_scorer(scorer, world)
        elapsed = time.perf_counter() - started
        total += elapsed
        rows.append(
            {
                "scorer": sid,
                "params": params,
                "s": round(elapsed, 2),
                "peak_rss_gib": gib(peak_rss_bytes()),
                "mean": round(float(scores.mean()), 3),
            }
        )
        print(f"| {sid} | {elapsed:.2f} | {rows[-1]['peak_rss_gib']} |", flush=True)
        del scores
    report["scorers"] = rows
    report["scorers_total_s"] = round(total, 2)
    report["peak_rss_gib"] = whole_run_peak(report)
    print(f"all built-ins: {total:.2f} s; peak RSS {report['peak_rss_gib']} GiB", flush=True)
    if not args.no_compare:
        src, dst = world.follow_codes
        n = len(world)
        started = time.perf_counter()
        ours = pagerank_vector(world)
        t_ours = time.perf_counter() - started
        del ours
        gc.collect()
        started = time.perf_counter()
        bare, iters = bare_scipy_pagerank(src, dst, n)
        t_bare = time.perf_counter() - started
        del bare
        report["pagerank_vs_scipy"] = {
            "edges": int(len(src)),
            "ours_s": round(t_ours, 2),
            "bare_scipy_s": round(t_bare, 2),
            "ratio": round(t_ours / t_bare, 2),
            "iterations": iters,
        }
        print(
            f"pagerank_vector {t_ours:.2f} s, bare scipy {t_bare:.2f} s "
            f"({iters} iterations): ratio {t_ours / t_bare:.2f}",
            flush=True,
        )
        report["peak_rss_gib"] = whole_run_peak(report)
    report["python"] = platform.python_version()
    report["pid"] = os.getpid()
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    del world
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
