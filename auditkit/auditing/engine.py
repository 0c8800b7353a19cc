"""The audit: every scenario, for several seeds, against every scorer; verdicts over seeds.

:func:`audit` turns the matrix into independent :class:`AuditTask` objects (one scenario and
seed, which builds its worlds once and measures every check on every scorer) and hands them to
an executor (:mod:`auditkit.auditing.executor`). The per-seed rows come back in task order and
are judged over seeds afterwards (:mod:`auditkit.auditing.verdicts`): the median of each check's
values, its confidence interval, and ``pass``, ``fail`` or ``inconclusive``
(``docs/verdicts.md``).

It never stops on a scorer's failure: a scorer that raises, returns NaN or values out of its
range, or runs past the time limit gets an ``error`` row with the reason, and the other scorers
finish. A probe that does not apply gives ``skip``; one that finds the scorer blind to the
treatment or its scores degenerate for the question gives ``blind`` or ``degenerate``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from auditkit.auditing.executor import Executor, Rows, SerialExecutor, run_all
from auditkit.auditing.journal import Journal
from auditkit.auditing.results import SEED_COLUMNS, Results
from auditkit.auditing.statistics import seeds_for_level
from auditkit.auditing.verdicts import aggregate
from auditkit.errors import AuditkitError, ScenarioError
from auditkit.plugin.probe import NotApplicable, Probe
from auditkit.plugin.registry import Registry, get_registry
from auditkit.plugin.scorer import Scorer
from auditkit.scenario.budget import Budget
from auditkit.scenario.model import Check, Scenario
from auditkit.scenario.policy import Policy
from auditkit.scenario.run import ScenarioRun

__all__ = [
    "audit",
    "AuditTask",
    "measure_check",
    "scenario_seeds",
    "DEFAULT_SEEDS",
    "DEFAULT_LEVEL",
    "AUTO_LOOKS",
    "SEED_STRIDE",
]

#: Seeds per scenario unless told otherwise: the fewest whose 95% interval for the median drops
#: the most extreme seed at each end (so one catastrophic seed cannot decide a verdict); the
#: bundled audit's verdicts are stable between independent replications at this count, within
#: the time budget (docs/verdicts.md, docs/performance.md).
DEFAULT_SEEDS = 9
#: Confidence level of the interval for the median over seeds.
DEFAULT_LEVEL = 0.95
#: ``--seeds auto``: the seed counts looked at, in order, while some verdict is inconclusive.
AUTO_LOOKS = (DEFAULT_SEEDS, 2 * DEFAULT_SEEDS, 4 * DEFAULT_SEEDS)
#: ``--seed BASE`` shifts every scenario's seeds by this many per unit of BASE, so replications
#: with different bases never share a seed (up to this many seeds).
SEED_STRIDE = 1000


def scenario_seeds(scenario: Scenario, count: int, base: int = 0) -> list[int]:
    """The seeds a scenario runs with: ``population.seed + SEED_STRIDE * base + i``, i < count."""
    if count > SEED_STRIDE:
        raise AuditkitError(
            f"{count} seeds per scenario is more than {SEED_STRIDE}; "
            "replications with neighbouring --seed bases would share seeds"
        )
    start = scenario.population.seed + SEED_STRIDE * int(base)
    return list(range(start, start + int(count)))


@dataclass(frozen=True)
class AuditTask:
    """One scenario and seed against every scorer: the unit of work an executor runs.

    ``controls`` are reference scorers, measured only where they belong: a control on the
    checks that declare it (``controls:`` in the scenario), the oracle on every check (or, when
    ``oracle`` is false, only where declared). The task
    pickles (scenario, seed, scorers and the time limit), so it can run in another process; the
    worlds are built where it runs.
    """

    scenario: Scenario
    seed: int
    scorers: tuple[Scorer, ...]
    time_limit: float | None = 60.0
    controls: tuple[Scorer, ...] = ()
    #: measure an oracle among ``controls`` on every check (else only where declared)
    oracle: bool = True
    budget: Budget | None = None

    @property
    def label(self) -> str:
        return f"{self.scenario.id} (seed {self.seed})"

    def run(self, registry: Registry) -> Rows:
        """The rows of every check of the scenario for every scorer, in order."""
        run = ScenarioRun(
            self.scenario, self.seed, registry, time_limit=self.time_limit, budget=self.budget
        )
        rows = []
        for check in self.scenario.checks:
            probe = registry.probes[check.probe](**check.probe_params)
            for scorer in self.scorers:
                rows.append(measure_check(run, scorer, check, probe))
            for control in self.controls:
                role = control_role(check, control, self.oracle)
                if role:
                    rows.append(measure_check(run, control, check, probe, role=role))
        return rows

    def failed(self, registry: Registry, cause: str) -> Rows:
        """The rows :meth:`run` would give, each an ``error`` verdict naming ``cause``: what an
        executor reports for a task that could not run (its worker kept dying, say)."""
        rows = []
        for check in self.scenario.checks:
            unit = expectation = None
            probe_cls = registry.probes.get(check.probe)
            if probe_cls is not None:
                try:
                    unit = probe_cls(**check.probe_params).unit_for_params()
                    expectation = check.expect.describe(unit)
                except Exception:  # a probe that cannot even be built is part of the cause
                    unit = expectation = None
            for scorer in self.scorers:
                rows.append(
                    {
                        "scenario": self.scenario.id,
                        "flaw": self.scenario.flaw,
                        "seed": self.seed,
                        "scorer": scorer.id,
                        "scorer_version": scorer.version,
                        "check": check.label,
                        "probe": check.probe,
                        "value": np.nan,
                        "unit": unit,
                        "expectation": expectation,
                        "verdict": "error",
                        "finding": f"{scorer.id}: the task {self.label} failed: {cause}",
                    }
                )
        return rows


def control_role(check: Check, scorer: Scorer, oracle_everywhere: bool = True) -> str | None:
    """The role of a reference scorer on ``check``, or None when it is not measured there: a
    control where the check declares it, the oracle on every check (``oracle_everywhere``)."""
    if scorer.id in check.controls.positive:
        return "positive control"
    if scorer.id in check.controls.negative:
        return "negative control"
    if scorer.reference == "oracle" and oracle_everywhere:
        return "oracle"
    return None


def _reference_scorers(
    scenarios: Sequence[Scenario], registry: Registry, audited: Sequence[Scorer], oracle: bool
) -> list[Scorer]:
    ids = [
        cid
        for s in scenarios
        for c in s.checks
        for cid in (*c.controls.positive, *c.controls.negative)
    ]
    if oracle:
        ids += registry.references("oracle")
    taken = {s.id for s in audited}
    return [registry.scorer(cid) for cid in dict.fromkeys(ids) if cid not in taken]


def audit(
    scenarios: Sequence[Scenario],
    scorers: Sequence[Scorer],
    *,
    seeds: int | Literal["auto"] = DEFAULT_SEEDS,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
    policy: Policy | None = None,
    controls: bool = False,
    oracle: bool = True,
    registry: Registry | None = None,
    time_limit: float | None = 60.0,
    executor: Executor | None = None,
    progress: Callable[[str], None] | None = None,
    budget: Budget | None = None,
    journal: Journal | None = None,
    evidence: bool = False,
    step: Callable[[int, int, str], None] | None = None,
) -> Results:
    """Run every check of every scenario on ``seeds`` seeds (or ``"auto"``) against every scorer
    and judge each check over the seeds.

    ``seed`` is the replication base (:func:`scenario_seeds`); ``level`` the confidence of the
    interval for the median; ``policy`` a reviewer's bounds in place of the scenarios'
    (:mod:`auditkit.scenario.policy`); ``controls`` adds each check's declared control scorers
    and, unless ``oracle`` is false, the oracle on every check (otherwise only where a check
    declares it as a control). ``budget`` bounds the worlds built
    (:mod:`auditkit.scenario.budget`); ``journal`` records each finished task and skips the
    tasks it already holds (:mod:`auditkit.auditing.journal`). ``evidence`` also collects what
    the report's figures are drawn from, on each scenario's first seed
    (:mod:`auditkit.auditing.evidence`). ``progress`` is told each finished task as a line of
    text, or, when ``step`` is given, ``step`` is told it as (tasks done, tasks in all, label).
    """
    from auditkit import __version__

    registry = registry or get_registry()
    ids = [s.id for s in scorers]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise AuditkitError(
            f"scorer id {twice[0]!r} is audited twice; their results would "
            "merge. Give each configuration its own name, e.g. --scorer "
            f"{twice[0]} --scorer {twice[0]}-b={twice[0]}[NAME=VALUE] "
            "(docs/regression.md)"
        )
    if not 0 < level < 1:
        raise AuditkitError(f"confidence level {level!r} is not between 0 and 1 (e.g. 0.95)")
    if seeds != "auto" and (not isinstance(seeds, int) or seeds < 1):
        raise AuditkitError(f"seeds must be a whole number of at least 1 or 'auto', not {seeds!r}")
    scenarios = list(scenarios)
    if policy is not None:
        scenarios = policy.apply(scenarios)
    references = tuple(_reference_scorers(scenarios, registry, scorers, oracle)) if controls else ()
    executor = executor or SerialExecutor()

    def report(done: int, total: int, task: AuditTask) -> None:
        if step:
            step(done, total, task.label)
        elif progress:
            progress(f"[{done}/{total}] {task.label}")

    def run(plan: dict[str, list[int]]) -> Rows:
        tasks = [
            AuditTask(s, sd, tuple(scorers), time_limit, references, oracle, budget)
            for s in scenarios
            for sd in plan.get(s.id, [])
        ]
        return run_all(executor, tasks, registry, progress=report, journal=journal)

    expectations = {(s.id, c.label): c.expect for s in scenarios for c in s.checks}
    if seeds == "auto":
        looks = AUTO_LOOKS
        look_level = 1 - (1 - level) / len(looks)
        plan = {s.id: scenario_seeds(s, looks[0], seed) for s in scenarios}
        rows = run(plan)
        for count in looks[1:]:
            table = aggregate(_frame(rows), expectations, look_level, policy)
            open_ = set(table.loc[table["verdict"] == "inconclusive", "scenario"])
            if not open_:
                break
            more = {
                s.id: scenario_seeds(s, count, seed)[len(plan[s.id]) :]
                for s in scenarios
                if s.id in open_
            }
            rows += run(more)
            for sid, extra in more.items():
                plan[sid] += extra
        used_level = look_level
    else:
        plan = {s.id: scenario_seeds(s, seeds, seed) for s in scenarios}
        rows = run(plan)
        used_level = level
    frame = _frame(rows)
    # rows of a scenario come in task (seed) order; group them by scenario as listed
    order = {s.id: i for i, s in enumerate(scenarios)}
    frame = frame.sort_values("scenario", key=lambda c: c.map(order), kind="stable")
    frame = frame.reset_index(drop=True)
    table = aggregate(frame, expectations, used_level, policy)
    meta = {
        "auditkit": __version__,
        "seeds": seeds,
        "seed_base": seed,
        "seed_lists": plan,
        "statistics": {
            "estimate": "median of the per-seed values",
            "interval": "distribution-free order-statistic confidence interval for the median",
            "level": level,
            "level_per_look": used_level if seeds == "auto" else None,
            "looks": list(AUTO_LOOKS) if seeds == "auto" else None,
            "minimum_seeds_for_level": seeds_for_level(level),
        },
        "policy": policy.info(scenarios) if policy is not None else None,
        "scorers": [
            {
                "id": s.id,
                "registered_id": type(s).id,
                "version": s.version,
                "reference": s.reference,
                "params": s.params.model_dump(mode="json"),
            }
            for s in (*scorers, *references)
        ],
        "scenarios": [
            {
                "id": s.id,
                "flaw": s.flaw,
                "title": s.title,
                "acceptable": s.acceptable,
                "source": s.source,
            }
            for s in scenarios
        ],
        "checks": [
            {
                "scenario": s.id,
                "check": c.label,
                "probe": c.probe,
                "params": c.probe_params,
                "expect": c.expect.model_dump(mode="json", exclude_none=True),
                "policy": policy.name
                if policy is not None and policy.sets(s.id, c.label)
                else "scenario",
                "controls": c.controls.model_dump(),
            }
            for s in scenarios
            for c in s.checks
        ],
    }
    figures: dict[str, Any] = {}
    if evidence:
        from auditkit.auditing.evidence import collect_evidence

        if progress:
            progress("collecting the figures' evidence ...")
        # third-party scorers stay isolated here too (an IsolatingExecutor's workers)
        figures = collect_evidence(
            scenarios,
            executor.in_process(scorers, time_limit),
            registry,
            {sid: seeds_[0] for sid, seeds_ in plan.items() if seeds_},
            time_limit=time_limit,
        )
    return Results(table, frame, meta, figures)


def _frame(rows: Rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=SEED_COLUMNS)


def measure_check(
    run: ScenarioRun, scorer: Scorer, check: Check, probe: Probe, *, role: str = "scorer"
) -> dict[str, Any]:
    """One per-seed row: ``probe`` measures ``scorer`` on ``run``, and ``check``'s expectation
    judges the value (``pass``/``fail``). A probe with no number gives ``skip``, ``blind`` or
    ``degenerate``; a failure of the scorer or probe becomes an ``error`` row."""
    scenario = run.scenario
    expect = check.expect
    unit = probe.unit_for_params()
    row = {
        "scenario": scenario.id,
        "flaw": scenario.flaw,
        "seed": run.seed,
        "scorer": scorer.id,
        "scorer_version": scorer.version,
        "role": role,
        "check": check.label,
        "probe": probe.id,
        "value": np.nan,
        "unit": unit,
        "expectation": expect.describe(unit),
    }
    try:
        m = probe.measure(run, scorer)
    except NotApplicable as exc:
        words = {"skip": "not applicable", "blind": "blind", "degenerate": "degenerate"}
        verdict = exc.verdict if exc.verdict in words else "skip"
        what = words[verdict]
        return row | {"verdict": verdict, "finding": f"{scorer.id}: {what}: {exc}"}
    except ScenarioError as exc:
        return row | {"verdict": "error", "finding": f"{scorer.id}: scenario failed: {exc}"}
    except AuditkitError as exc:
        return row | {"verdict": "error", "finding": f"{scorer.id}: {exc}"}
    except Exception as exc:  # a third-party probe or behaviour bug must not stop the audit
        return row | {
            "verdict": "error",
            "finding": f"{scorer.id}: {type(exc).__name__} in probe {probe.id!r}: {exc}",
        }
    if not np.isfinite(m.value):
        return row | {"verdict": "error", "finding": f"{scorer.id}: {m.text} (not a number)"}
    verdict = "pass" if expect.holds(m.value) else "fail"
    finding = f"{scorer.id}: {m.text}; acceptable is {expect.describe(unit)}."
    return row | {"value": float(m.value), "verdict": verdict, "finding": finding}
