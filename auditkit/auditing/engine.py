"""The audit: every scenario, for every seed, against every scorer; results as a tidy table.

:func:`audit` turns the matrix into independent :class:`AuditTask` objects (one scenario and
seed, which builds its worlds once and measures every check on every scorer) and hands them to
an executor (:mod:`auditkit.auditing.executor`). It never stops on a scorer's failure: a scorer
that raises, returns NaN or values out of its range, or runs past the time limit gets an
``error`` verdict with the reason, and the other scorers finish. A probe that does not apply to
a scorer gets ``skip``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from auditkit.auditing.executor import Executor, Rows, SerialExecutor, run_all
from auditkit.auditing.journal import Journal
from auditkit.auditing.results import COLUMNS, Results
from auditkit.errors import AuditkitError, ScenarioError
from auditkit.plugin.probe import NotApplicable, Probe
from auditkit.plugin.registry import Registry, get_registry
from auditkit.plugin.scorer import Scorer
from auditkit.scenario.budget import Budget
from auditkit.scenario.model import Check, Scenario
from auditkit.scenario.run import ScenarioRun

__all__ = ["audit", "AuditTask", "measure_check"]


@dataclass(frozen=True)
class AuditTask:
    """One scenario and seed against every scorer: the unit of work an executor runs.

    It pickles (scenario, seed, scorers and the time limit), so it can run in another process;
    the worlds are built where it runs.
    """

    scenario: Scenario
    seed: int
    scorers: tuple[Scorer, ...]
    time_limit: float | None = 60.0
    budget: Budget | None = None

    @property
    def label(self) -> str:
        return f"{self.scenario.id} (seed {self.seed})"

    def run(self, registry: Registry) -> Rows:
        """The rows of every check of the scenario for every scorer, in order."""
        run = ScenarioRun(self.scenario, self.seed, registry, time_limit=self.time_limit,
                          budget=self.budget)
        probes = [(check, registry.probes[check.probe](**check.probe_params))
                  for check in self.scenario.checks]
        return [measure_check(run, scorer, check, probe)
                for check, probe in probes for scorer in self.scorers]


def audit(scenarios: Sequence[Scenario], scorers: Sequence[Scorer], *, seeds: int = 1,
          registry: Registry | None = None, time_limit: float | None = 60.0,
          executor: Executor | None = None,
          progress: Callable[[str], None] | None = None, budget: Budget | None = None,
          journal: Journal | None = None) -> Results:
    """Run every check of every scenario for ``seeds`` seeds against every scorer.

    ``budget`` bounds the worlds built (:mod:`auditkit.scenario.budget`); ``journal`` records
    each finished task and skips the tasks it already holds (:mod:`auditkit.auditing.journal`).
    """
    from auditkit import __version__

    registry = registry or get_registry()
    ids = [s.id for s in scorers]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise AuditkitError(f"scorer id {twice[0]!r} is audited twice; their results would "
                            "merge. Audit each configuration separately or rename one (the "
                            "black-box adapters take a name parameter)")
    tasks = [AuditTask(scenario, scenario.population.seed + i, tuple(scorers), time_limit,
                       budget)
             for scenario in scenarios for i in range(seeds)]

    def report(done: int, total: int, task: AuditTask) -> None:
        if progress:
            progress(f"[{done}/{total}] {task.label}")

    executor = executor or SerialExecutor()
    rows = run_all(executor, tasks, registry, progress=report, journal=journal)
    meta = {
        "auditkit": __version__,
        "seeds": seeds,
        "scorers": [{"id": s.id, "version": s.version,
                     "params": s.params.model_dump(mode="json")} for s in scorers],
        "scenarios": [{"id": s.id, "flaw": s.flaw, "title": s.title,
                       "acceptable": s.acceptable, "source": s.source} for s in scenarios],
    }
    return Results(pd.DataFrame(rows, columns=COLUMNS), meta)


def measure_check(run: ScenarioRun, scorer: Scorer, check: Check, probe: Probe) -> dict[str, Any]:
    """One results row: ``probe`` measures ``scorer`` on ``run`` and ``check``'s expectation
    gives the verdict. A failure of the scorer or probe becomes an ``error`` row."""
    scenario = run.scenario
    expect = check.expect
    unit = probe.unit_for_params()
    row = {"scenario": scenario.id, "flaw": scenario.flaw, "seed": run.seed, "scorer": scorer.id,
           "scorer_version": scorer.version, "check": check.label, "probe": probe.id,
           "value": np.nan, "unit": unit, "expectation": expect.describe(unit)}
    try:
        m = probe.measure(run, scorer)
    except NotApplicable as exc:
        return row | {"verdict": "skip", "finding": f"{scorer.id}: not applicable: {exc}"}
    except ScenarioError as exc:
        return row | {"verdict": "error", "finding": f"{scorer.id}: scenario failed: {exc}"}
    except AuditkitError as exc:
        return row | {"verdict": "error", "finding": f"{scorer.id}: {exc}"}
    except Exception as exc:  # a third-party probe or behaviour bug must not stop the audit
        return row | {"verdict": "error",
                      "finding": f"{scorer.id}: {type(exc).__name__} in probe "
                                 f"{probe.id!r}: {exc}"}
    if not np.isfinite(m.value):
        return row | {"verdict": "error", "finding": f"{scorer.id}: {m.text} (not a number)"}
    verdict = "pass" if expect.holds(m.value) else "fail"
    finding = f"{scorer.id}: {m.text}; acceptable is {expect.describe(unit)}."
    return row | {"value": float(m.value), "verdict": verdict, "finding": finding}
