"""What a scoring change moved: two audits compared check by check, seed by seed.

:func:`compare` takes the results of a *base* and a *candidate* audit (the same scenarios and
seeds: two results files from CI, or two scorers run side by side) and gives a :class:`Diff`:

- per check and scorer, the **verdict change**: ``regressed`` (pass or inconclusive to fail),
  ``fixed`` (fail or inconclusive to pass), ``newly inconclusive``, ``newly error``, ``error
  fixed``, ``changed`` (any other change, e.g. to blind), ``unchanged``, ``added``/``removed``
  (a check only one side measured);
- the **change in the probe value** with an interval from the paired seeds: the seeds both
  sides measured give one difference each (candidate minus base, the same world on both sides),
  and the median difference gets the order-statistic interval of
  :mod:`auditkit.auditing.statistics`. Whether a change is *worse* depends on the check's
  acceptable region: for an upper bound a rise is worse, for a lower bound a fall, for a band
  (``within +-5``) a move away from its middle. The *harm* of a seed is that signed distance,
  and its paired change is judged: ``worse``/``better`` when its interval excludes 0 **and**
  the median change is beyond the check's tolerance (:mod:`auditkit.auditing.tolerances`),
  ``within tolerance`` when it excludes 0 but is no larger than the tolerance, ``within noise``
  when the interval holds 0, ``unchanged`` when every seed gave the same value;
- :attr:`Diff.worlds`, :attr:`Diff.cohorts` and :attr:`Diff.movers`: rank churn on the same
  worlds
  (:mod:`auditkit.auditing.churn`), only when the diff ran both scorers itself.

**The gate** (:attr:`Diff.regressions`): a row regresses when the candidate (a) turns a verdict
to ``fail`` and its median harm rose by more than the tolerance (or no seed pairs up), or (b)
is significantly ``worse``, or (c) errs where the base did not. Reference scorers (controls,
the oracle) are never gated. An unchanged scorer against its own baseline gives identical
per-seed values, every paired difference 0, no regression: the gate passes every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from auditkit.auditing.results import Results, flaw_number
from auditkit.auditing.statistics import median_interval
from auditkit.auditing.tolerances import Tolerances
from auditkit.errors import AuditkitError
from auditkit.scenario.model import Expectation

__all__ = [
    "Diff",
    "compare",
    "CHANGE_COLUMNS",
    "VERDICT_CHANGES",
    "VALUE_CHANGES",
    "harm",
    "pair_scorers",
]

CHANGE_COLUMNS = [
    "scenario",
    "flaw",
    "check",
    "probe",
    "unit",
    "scorer",
    "base_scorer",
    "candidate_scorer",
    "base_verdict",
    "candidate_verdict",
    "verdict_change",
    "base_estimate",
    "candidate_estimate",
    "delta",
    "delta_low",
    "delta_high",
    "harm",
    "harm_low",
    "harm_high",
    "confidence",
    "paired_seeds",
    "tolerance",
    "value_change",
    "regression",
    "reason",
    "expectation",
]
VERDICT_CHANGES = (
    "regressed",
    "newly error",
    "newly inconclusive",
    "changed",
    "fixed",
    "error fixed",
    "unchanged",
    "added",
    "removed",
)
VALUE_CHANGES = ("worse", "better", "within tolerance", "within noise", "unchanged", "not paired")
_RANK = {"pass": 0, "inconclusive": 1, "fail": 2}


def harm(values: np.ndarray, region: tuple[float, float]) -> np.ndarray:
    """How far each value is towards breaking the acceptable ``region`` (higher is worse): the
    value for an upper bound, minus it for a lower bound, the distance from the middle of a
    band; 0 when the region has no bound."""
    low, high = region
    v = np.asarray(values, dtype=float)
    if math.isfinite(low) and math.isfinite(high):
        return np.abs(v - (low + high) / 2)
    if math.isfinite(high):
        return v
    if math.isfinite(low):
        return -v
    return np.zeros_like(v)


def verdict_change(base: str | None, candidate: str | None) -> str:
    """The kind of change from verdict ``base`` to ``candidate`` (None: not measured)."""
    if base is None:
        return "added"
    if candidate is None:
        return "removed"
    if base == candidate:
        return "unchanged"
    if candidate == "error":
        return "newly error"
    if base == "error":
        return "error fixed"
    if base in _RANK and candidate in _RANK:
        if candidate == "fail":
            return "regressed"
        if candidate == "pass":
            return "fixed"
        return "newly inconclusive"
    return "changed"


def pair_scorers(base: Results, candidate: Results) -> list[tuple[str, str]]:
    """Which audited scorer of the base is compared with which of the candidate: the scorers
    both audited, by name; or, when each side audited exactly one scorer under different
    names, those two. :class:`AuditkitError` when nothing pairs up."""
    b = list(dict.fromkeys(base.table.loc[base.table["role"] == "scorer", "scorer"]))
    c = list(dict.fromkeys(candidate.table.loc[candidate.table["role"] == "scorer", "scorer"]))
    shared = [s for s in b if s in c]
    if shared:
        return [(s, s) for s in shared]
    if len(b) == 1 and len(c) == 1:
        return [(b[0], c[0])]
    raise AuditkitError(
        f"the base audited {', '.join(b) or 'no scorer'} and the candidate "
        f"{', '.join(c) or 'no scorer'}: no scorer in common to compare. Audit "
        "the same scorer ids on both sides, or one scorer on each side"
    )


def _expectations(results: Results) -> dict[tuple[str, str], Expectation]:
    out = {}
    for entry in results.meta.get("checks", []):
        try:
            out[(entry["scenario"], entry["check"])] = Expectation(**entry["expect"])
        except (KeyError, TypeError, ValueError):
            continue
    return out


@dataclass
class Diff:
    """The comparison of two audits (module docstring). ``changes`` has :data:`CHANGE_COLUMNS`;
    ``worlds`` and ``movers`` the rank churn (None when the diff did not run the scorers)."""

    changes: pd.DataFrame
    worlds: pd.DataFrame | None = None
    movers: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: per world and cohort, the median move (:data:`~auditkit.auditing.churn.COHORT_COLUMNS`)
    cohorts: pd.DataFrame | None = None

    @property
    def regressions(self) -> pd.DataFrame:
        """The rows that fail the gate."""
        return self.changes[self.changes["regression"].astype(bool)]

    @property
    def failed(self) -> bool:
        """Whether the gate fails (some check regressed)."""
        return bool(len(self.regressions))

    def counts(self) -> dict[str, int]:
        """Rows per verdict change."""
        return {k: int((self.changes["verdict_change"] == k).sum()) for k in VERDICT_CHANGES}

    def to_dict(self) -> dict[str, Any]:
        from auditkit.auditing.results import RESULTS_FORMAT

        def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
            if frame is None:
                return None
            out = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
            return [
                {k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
                for r in out
            ]

        return {
            "format": "auditkit-diff",
            "version": 1,
            "results_format": RESULTS_FORMAT["version"],
            "meta": self.meta,
            "gate": {"failed": self.failed, "regressions": len(self.regressions)},
            "counts": self.counts(),
            "changes": records(self.changes),
            "worlds": records(self.worlds),
            "cohorts": records(self.cohorts),
            "movers": records(self.movers),
        }


def compare(
    base: Results,
    candidate: Results,
    *,
    tolerances: Tolerances | None = None,
    level: float | None = None,
) -> Diff:
    """Compare ``candidate`` with ``base`` (module docstring). ``level`` is the confidence of
    the paired intervals (default: the base audit's level)."""
    tolerances = tolerances or Tolerances()
    level = float(level or base.meta.get("statistics", {}).get("level") or 0.95)
    pairs = pair_scorers(base, candidate)
    expectations = _expectations(base) | _expectations(candidate)
    bt = base.table[base.table["role"] == "scorer"]
    ct = candidate.table[candidate.table["role"] == "scorer"]
    rows = []
    for b_id, c_id in pairs:
        b_rows = {(r.scenario, r.check): r for r in bt[bt["scorer"] == b_id].itertuples()}
        c_rows = {(r.scenario, r.check): r for r in ct[ct["scorer"] == c_id].itertuples()}
        label = b_id if b_id == c_id else f"{b_id} -> {c_id}"
        for key in dict.fromkeys([*b_rows, *c_rows]):
            rows.append(
                _change(
                    key,
                    b_rows.get(key),
                    c_rows.get(key),
                    b_id,
                    c_id,
                    label,
                    base.seeds,
                    candidate.seeds,
                    expectations.get(key),
                    tolerances,
                    level,
                )
            )
    changes = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    if not changes.empty:
        order = sorted(
            range(len(changes)),
            key=lambda i: (flaw_number(str(changes.at[i, "flaw"])), str(changes.at[i, "scenario"])),
        )
        changes = changes.iloc[order].reset_index(drop=True)
    meta = {
        "base": _side(base),
        "candidate": _side(candidate),
        "pairs": [list(p) for p in pairs],
        "level": level,
        "tolerances": tolerances.info(),
    }
    return Diff(changes, meta=meta)


def _side(results: Results) -> dict[str, Any]:
    m = results.meta
    return {
        "scorers": m.get("scorers", []),
        "seeds": m.get("seeds"),
        "seed_base": m.get("seed_base"),
        "auditkit": m.get("auditkit"),
        "source": m.get("source", ""),
    }


def _change(
    key: tuple[str, str],
    b: Any,
    c: Any,
    b_id: str,
    c_id: str,
    label: str,
    b_seeds: pd.DataFrame,
    c_seeds: pd.DataFrame,
    expect: Expectation | None,
    tolerances: Tolerances,
    level: float,
) -> dict[str, Any]:
    scenario, check = key
    first = b if b is not None else c
    tol = tolerances.of(scenario, check)
    row: dict[str, Any] = {
        "scenario": scenario,
        "flaw": first.flaw,
        "check": check,
        "probe": first.probe,
        "unit": first.unit,
        "scorer": label,
        "base_scorer": b_id,
        "candidate_scorer": c_id,
        "base_verdict": None if b is None else b.verdict,
        "candidate_verdict": None if c is None else c.verdict,
        "base_estimate": np.nan if b is None else float(b.estimate),
        "candidate_estimate": np.nan if c is None else float(c.estimate),
        "delta": np.nan,
        "delta_low": np.nan,
        "delta_high": np.nan,
        "harm": np.nan,
        "harm_low": np.nan,
        "harm_high": np.nan,
        "confidence": np.nan,
        "paired_seeds": 0,
        "tolerance": tol,
        "value_change": "not paired",
        "regression": False,
        "reason": "",
        "expectation": first.expectation,
    }
    kind = verdict_change(row["base_verdict"], row["candidate_verdict"])
    row["verdict_change"] = kind
    if b is None or c is None:
        row["reason"] = (
            f"measured only in the {'candidate' if b is None else 'base'} audit; not compared"
        )
        return row
    bs = b_seeds[
        (b_seeds["scenario"] == scenario)
        & (b_seeds["check"] == check)
        & (b_seeds["scorer"] == b_id)
    ][["seed", "value"]]
    cs = c_seeds[
        (c_seeds["scenario"] == scenario)
        & (c_seeds["check"] == check)
        & (c_seeds["scorer"] == c_id)
    ][["seed", "value"]]
    paired = bs.merge(cs, on="seed", suffixes=("_b", "_c"))
    paired = paired[np.isfinite(paired["value_b"]) & np.isfinite(paired["value_c"])]
    n = len(paired)
    row["paired_seeds"] = n
    worse_by = None
    if n:
        vb, vc = paired["value_b"].to_numpy(float), paired["value_c"].to_numpy(float)
        delta = median_interval(vc - vb, level)
        region = expect.region() if expect is not None else (-math.inf, math.inf)
        h = median_interval(harm(vc, region) - harm(vb, region), level)
        row |= {
            "delta": delta.estimate,
            "delta_low": delta.low,
            "delta_high": delta.high,
            "harm": h.estimate,
            "harm_low": h.low,
            "harm_high": h.high,
            "confidence": h.confidence,
        }
        worse_by = h.estimate
        if np.array_equal(vb, vc):
            row["value_change"] = "unchanged"
        elif h.low <= 0 <= h.high:
            row["value_change"] = "within noise"
        elif abs(h.estimate) <= tol:
            row["value_change"] = "within tolerance"
        else:
            row["value_change"] = "worse" if h.estimate > 0 else "better"
    reasons = []
    if kind == "regressed" and (worse_by is None or worse_by > tol):
        reasons.append(
            f"{b.verdict} -> fail"
            + ("" if worse_by is None else f", worse by {_fmt(worse_by)} (tolerance {_fmt(tol)})")
        )
    if row["value_change"] == "worse" and not reasons:
        reasons.append(
            f"significantly worse: {_fmt(worse_by)} [{_fmt(row['harm_low'])}, "
            f"{_fmt(row['harm_high'])}] beyond the tolerance {_fmt(tol)}"
        )
    if kind == "newly error":
        reasons.append(f"the candidate errs ({b.verdict} -> error)")
    row["regression"] = bool(reasons)
    row["reason"] = "; ".join(reasons)
    return row


def _fmt(value: float | None) -> str:
    from auditkit.text import number

    if value is None or not np.isfinite(value):
        return "n/a"
    return number(float(value), 3)


def split(results: Results, scorer: str, *, name: str | None = None) -> Results:
    """The part of ``results`` about one audited ``scorer`` (reference scorers kept), reported
    under ``name`` when given."""
    t = results.table
    s = results.seeds
    table = t[(t["scorer"] == scorer) | (t["role"] != "scorer")].reset_index(drop=True)
    seeds = s[(s["scorer"] == scorer) | (s["role"] != "scorer")].reset_index(drop=True)
    meta = dict(results.meta)
    meta["scorers"] = [
        dict(m)
        for m in results.meta.get("scorers", [])
        if m.get("id") == scorer or m.get("reference")
    ]
    if name and name != scorer:
        table = table.assign(scorer=table["scorer"].replace({scorer: name}))
        seeds = seeds.assign(scorer=seeds["scorer"].replace({scorer: name}))
        table["finding"] = [
            f"{name}: {f[len(scorer) + 2 :]}"
            if r == "scorer" and str(f).startswith(f"{scorer}: ")
            else f
            for f, r in zip(table["finding"], table["role"], strict=True)
        ]
        for m in meta["scorers"]:
            if m.get("id") == scorer:
                m["id"] = name
    return Results(table, seeds, meta)


def diff_scorers(
    scenarios: list[Any],
    base: Any,
    candidate: Any,
    *,
    seeds: int = 9,
    seed: int = 0,
    level: float = 0.95,
    policy: Any = None,
    registry: Any = None,
    executor: Any = None,
    time_limit: float | None = 60.0,
    tolerances: Tolerances | None = None,
    churn: bool = True,
    progress: Any = None,
) -> tuple[Diff, Results, Results]:
    """Audit ``base`` and ``candidate`` (two scorers) on the same scenarios and seeds in one
    audit (each world built once, scored by both), compare them, and measure the rank churn
    between them on every treated world. Returns the diff and each side's results."""
    from auditkit.auditing.churn import ChurnTask
    from auditkit.auditing.engine import audit
    from auditkit.auditing.executor import SerialExecutor, run_all
    from auditkit.plugin.registry import get_registry
    from auditkit.plugin.spec import rename

    registry = registry or get_registry()
    executor = executor or SerialExecutor()
    shown = candidate.id
    if candidate.id == base.id:  # one audit needs two names; the candidate's is restored below
        rename(candidate, f"{candidate.id}-candidate")
    results = audit(
        scenarios,
        [base, candidate],
        seeds=seeds,
        seed=seed,
        level=level,
        policy=policy,
        registry=registry,
        time_limit=time_limit,
        executor=executor,
        progress=progress,
    )
    base_results = split(results, base.id)
    cand_results = split(results, candidate.id, name=shown)
    diff = compare(base_results, cand_results, tolerances=tolerances, level=level)
    if churn:
        plan = results.meta["seed_lists"]
        tasks = [
            ChurnTask(s, sd, base, candidate, time_limit)
            for s in results_scenarios(scenarios, policy)
            for sd in plan.get(s.id, [])
        ]

        def report(done: int, total: int, task: Any) -> None:
            if progress:
                progress(f"[{done}/{total}] {task.label}")

        rows = run_all(executor, tasks, registry, progress=report)  # type: ignore[arg-type]
        from auditkit.auditing.churn import COHORT_COLUMNS, MOVER_COLUMNS, WORLD_COLUMNS

        worlds = pd.DataFrame([r for r in rows if r["kind"] == "world"], columns=WORLD_COLUMNS)
        worlds["candidate"] = shown
        diff.worlds = worlds
        diff.movers = pd.DataFrame([r for r in rows if r["kind"] == "mover"], columns=MOVER_COLUMNS)
        diff.cohorts = pd.DataFrame(
            [r for r in rows if r["kind"] == "cohort"], columns=COHORT_COLUMNS
        )
    rename(candidate, shown)
    return diff, base_results, cand_results


def results_scenarios(scenarios: list[Any], policy: Any) -> list[Any]:
    """The scenarios as audited (a policy's bounds applied)."""
    return list(policy.apply(scenarios)) if policy is not None else list(scenarios)
