"""Calibrates the memory model of the resource budget (auditkit/scenario/budget.py).

Each shape runs in a fresh process: a scenario whose worlds are mostly accounts, mostly follows
or mostly events, audited with every built-in scorer (treated and control world, as in a real
audit); the peak resident memory above the process's footprint after imports is fitted by least
squares to bytes per account, follow and event, and compared with the budget's constants.

    python benchmarks/bench_budget.py            # about two minutes on 2 cores
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np

SHAPES = [  # accounts, follows per account, events per account
    (100_000, 0.5, 0.5),
    (200_000, 0.5, 0.5),
    (20_000, 50, 1),
    (20_000, 100, 1),
    (20_000, 1, 50),
    (20_000, 1, 100),
    (50_000, 12, 20),
]

CHILD = textwrap.dedent("""
    import json, resource, sys
    from auditkit.auditing.engine import audit
    from auditkit.plugin.registry import get_registry
    from auditkit.scenario.model import parse_scenario
    from auditkit.scenario.budget import estimate
    accounts, fpa, epa = map(float, sys.argv[1:4])
    registry = get_registry()
    scorers = [registry.scorer(s) for s in registry.built_in_scorers()]
    text = f'''
    id: shape
    flaw: F7
    title: memory shape
    acceptable: nothing
    source: benchmarks/bench_budget.py
    population: {{accounts: {int(accounts)}, follows_per_account: {fpa},
                  events_per_account: {epa}, days: 60}}
    cohorts:
      - {{name: buyers, behaviour: bought_followers, size: 10, params: {{count: 100}}}}
    checks:
      - {{probe: gain, cohort: buyers, expect: {{kind: minimum, at_most: 5}}}}
    '''
    scenario, located = parse_scenario(text, "shape.yaml")
    est = estimate(scenario, registry, located)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    results = audit([scenario], scorers, registry=registry, time_limit=None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"accounts": est.accounts, "follows": est.follows, "events": est.events,
                      "estimate": est.memory, "base": base, "peak": peak,
                      "errors": int((results.table["verdict"] == "error").sum())}))
""")


def main() -> None:
    from auditkit.scenario.budget import (
        BASE_MEMORY,
        BYTES_PER_ACCOUNT,
        BYTES_PER_EVENT,
        BYTES_PER_FOLLOW,
    )

    rows = []
    for accounts, fpa, epa in SHAPES:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(accounts), str(fpa), str(epa)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(
            f"{accounts:>8,} accounts x {fpa:>5g} follows x {epa:>5g} events: "
            f"{r['accounts']:>10,.0f} accounts {r['follows']:>11,.0f} follows "
            f"{r['events']:>11,.0f} events  peak {(r['peak'] - r['base']) / 2**20:8.0f} MiB "
            f"above imports, estimate {(r['estimate'] - BASE_MEMORY) / 2**20:8.0f} MiB"
            + (f"  ({r['errors']} error rows)" if r["errors"] else "")
        )
    x = np.array([[r["accounts"], r["follows"], r["events"]] for r in rows]) * 2  # 2 worlds
    y = np.array([r["peak"] - r["base"] for r in rows], dtype=float)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    print(
        f"fitted bytes per row (per world): account {coef[0]:.0f}, follow {coef[1]:.0f}, "
        f"event {coef[2]:.0f}"
    )
    print(
        f"budget constants:                 account {BYTES_PER_ACCOUNT}, follow "
        f"{BYTES_PER_FOLLOW}, event {BYTES_PER_EVENT}"
    )
    ratio = [(r["estimate"] - BASE_MEMORY) / (r["peak"] - r["base"]) for r in rows]
    print(
        f"estimate / measured above imports: min {min(ratio):.2f}, max {max(ratio):.2f} "
        "(>= 1: the estimate errs on the safe side)"
    )


if __name__ == "__main__":
    main()
