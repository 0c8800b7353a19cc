"""Time ``auditkit explain``'s search for the smallest world, against the obvious alternative.

    python benchmarks/bench_explain.py [--repeat 3] [--greedy-trials 3000]

For the tutorial's three lessons (spam-squirrel/followers, inactivity-decay/klout,
bought-followers/followers, each with its automatic contrast) it times the whole explanation
(building the scenario, the search, the statements; best of ``--repeat``) and counts the trials of
delta debugging, and times the search alone again (``search_s``). Against it, in the same run,
on the same finding and test, the obvious alternative: greedy one-at-a-time
elimination (try removing each account in turn, keep the removal when the finding still holds;
then each follow, then each event), capped at ``--greedy-trials`` trials. Writes
``benchmarks/results/explain.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import auditkit
from auditkit import get_registry, load_scenario
from auditkit.explain import Universe, explain_scenario, shrink
from auditkit.explain.explanation import Finding

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    ("spam-squirrel", "followers", None),
    ("inactivity-decay", "klout", "not-too-fast"),
    ("bought-followers", "followers", None),
]


def greedy(universe: Universe, finding: Finding, max_trials: int) -> tuple[dict, int, bool]:
    """One-at-a-time elimination over accounts, then follows, then events."""
    sel = universe.everything()
    trials = 0
    for kind in ("accounts", "follows", "events"):
        mask = getattr(sel, kind) if kind == "accounts" else universe.live(sel, kind)
        sel = sel.with_kind(kind, mask)
        for i in np.flatnonzero(mask):
            if trials >= max_trials:
                return sel.counts(), trials, False
            fewer = getattr(sel, kind).copy()
            fewer[i] = False
            trials += 1
            if finding.holds(universe.build(sel.with_kind(kind, fewer))):
                sel = sel.with_kind(kind, fewer)
    return sel.counts(), trials, True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--greedy-trials", type=int, default=3000)
    args = parser.parse_args()
    registry = get_registry()
    rows = []
    for scenario_id, scorer_id, check in CASES:
        scenario = load_scenario(ROOT / "scenarios" / f"{scenario_id}.yaml", registry)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            e = explain_scenario(scenario, registry.scorer(scorer_id), registry, check=check)
            times.append(time.perf_counter() - started)
        finding = Finding(
            e.check,
            e.probe,
            [(s, j.verdict, j.value) for s, j in zip(e.scorers, e.full, strict=True)],
        )
        universe = Universe(e.run)
        started = time.perf_counter()
        shrunk = shrink(universe, finding.holds)
        search_seconds = time.perf_counter() - started
        started = time.perf_counter()
        size, trials, finished = greedy(universe, finding, args.greedy_trials)
        greedy_seconds = time.perf_counter() - started
        row = {
            "scenario": scenario_id,
            "scorer": scorer_id,
            "versus": e.versus.id,
            "check": e.check.label,
            "full": e.sizes()["full"],
            "ddmin": {
                "small": shrunk.selection.counts(),
                "trials": shrunk.trials,
                "search_s": round(search_seconds, 2),
                "explain_best_s": round(min(times), 2),
                "explain_worst_s": round(max(times), 2),
            },
            "greedy": {
                "small": size,
                "trials": trials,
                "finished": finished,
                "seconds": round(greedy_seconds, 1),
            },
        }
        rows.append(row)
        print(json.dumps(row))
    out = {
        "auditkit": auditkit.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "cases": rows,
    }
    path = ROOT / "benchmarks" / "results" / "explain.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
