"""What the reviewer's report costs: the bundled audit with and without the figures' evidence,
and the HTML page it gives (render time, size against the bound).

    python benchmarks/bench_report.py [--repeat 2] [--seeds 9]

Runs the bundled library against every built-in scorer in this process, alternating an audit
without evidence (what ``auditkit audit`` does for a terminal, Markdown or JUnit) and one with it
(what it does for ``-o report.html`` or ``--format json``), best of ``--repeat``; then renders the
HTML page and the JSON results of the last run and measures them. Writes
``benchmarks/results/report.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import auditkit
from auditkit import audit, bundled_scenarios, get_registry, load_scenarios
from auditkit.auditing.engine import DEFAULT_SEEDS
from auditkit.auditing.evidence import collect_evidence
from auditkit.report import render
from auditkit.report.formats.html import SIZE_BOUND

OUT = Path(__file__).parent / "results" / "report.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS)
    args = parser.parse_args()
    registry = get_registry()
    scenarios = load_scenarios([bundled_scenarios()], registry)
    scorers = [registry.scorer(s.id) for s in registry.all()]
    plain, full = [], []
    results = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        audit(scenarios, scorers, seeds=args.seeds, registry=registry)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        results = audit(scenarios, scorers, seeds=args.seeds, registry=registry, evidence=True)
        full.append(time.perf_counter() - started)
    assert results is not None
    started = time.perf_counter()
    collect_evidence(scenarios, scorers, registry, {s.id: s.population.seed for s in scenarios})
    evidence_alone = time.perf_counter() - started
    started = time.perf_counter()
    page = render(results, "html")
    html_seconds = time.perf_counter() - started
    data = results.to_json()
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other work)",
        "auditkit": auditkit.__version__,
        "scenarios": len(scenarios),
        "scorers": len(scorers),
        "seeds": args.seeds,
        "audit_without_evidence_s": round(min(plain), 2),
        "audit_with_evidence_s": round(min(full), 2),
        "evidence_alone_s": round(evidence_alone, 2),
        "html_render_s": round(html_seconds, 2),
        "html_bytes": len(page.encode()),
        "html_bound_bytes": SIZE_BOUND,
        "html_figures": page.count("<figure>"),
        "results_json_bytes": len(data.encode()),
        "evidence_json_bytes": len(json.dumps(results.evidence).encode()),
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
