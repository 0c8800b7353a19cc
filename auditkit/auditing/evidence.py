"""What the audit report's figures are drawn from: small, deterministic summaries of one
representative seed per scenario, kept in the results (:attr:`Results.evidence`).

The representative seed is the scenario's first audited seed (``population.seed + 1000 x
BASE``). Nothing here is a verdict and nothing is tuned to a scorer's outcome: every quantity is
fixed in advance (the constants below) and read the same way for every scorer. What is kept,
per scenario (``evidence["scenarios"][id]``):

- ``cohorts``: for each scorer and cohort (and ``base``), the :data:`QUANTILES` of the members'
  percentile ranks in the treated world and, when the scenario has a treatment, in the control
  world (the same scenario without it);
- ``agreement``: Spearman's rank correlation between every pair of scorers' scores over the
  population of the treated world;
- ``truth``: for each scorer, Spearman's rho with the ground truth (the expected spread of one
  post) and the median score percentile in each of :data:`TRUTH_BINS` bins of truth
  percentile (absent on a real world, which has no ground truth);
- ``decay``: for each check measuring silence (``half_life``, ``decay``), the share of the
  score a silent cohort keeps against the same cohort staying active, after each of
  :data:`DECAY_DAYS` silent days (as the probes compute it: median score above the scorer's
  minimum, silent over active);
- ``dose``: for the first ``gain`` check whose cohort's behaviour takes a ``count`` (e.g.
  bought followers), the gain at :data:`DOSE_FACTORS` times the scenario's own count.

Quantiles, not raw scores: the evidence of the bundled audit is a few hundred kilobytes.
A failure to collect one piece (a scorer that errs, a probe that does not apply) leaves that
piece out; it never changes the audit's verdicts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from auditkit.plugin.probe import Blind
from auditkit.plugin.registry import Registry
from auditkit.plugin.scorer import Scorer
from auditkit.scenario.model import Scenario
from auditkit.scenario.run import ScenarioRun

__all__ = [
    "collect_evidence",
    "scenario_evidence",
    "EVIDENCE_VERSION",
    "QUANTILES",
    "DECAY_DAYS",
    "DOSE_FACTORS",
    "TRUTH_BINS",
    "DOSE_MIN_COUNT",
]

#: bumped when a key of the evidence changes meaning
EVIDENCE_VERSION = 1
#: quantiles of a cohort's percentile ranks (the whiskers, the box and the median of a box plot)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: silent days at which a decay trajectory is read (the half_life probe's checkpoints)
DECAY_DAYS = (0, 7, 14, 30, 60, 90, 120, 150, 180, 270, 365)
#: policy: a dose series is the scenario's own count times these factors (a doubling series
#: around the scenario's size, fixed before any scorer is run)
DOSE_FACTORS = (0.125, 0.25, 0.5, 1.0, 2.0)
#: a cohort's count must be at least this for a dose series (so that 1/8 of it is one or more)
DOSE_MIN_COUNT = 8
#: bins of ground-truth percentile for the score-versus-truth curve
TRUTH_BINS = 10
#: probes whose checks measure a silence (their ``cohort`` falls silent)
DECAY_PROBES = ("half_life", "decay", "recovery")


def collect_evidence(
    scenarios: Sequence[Scenario],
    scorers: Sequence[Scorer],
    registry: Registry,
    seeds: dict[str, int],
    *,
    time_limit: float | None = 60.0,
) -> dict[str, Any]:
    """The evidence of every scenario in ``seeds`` (scenario id -> its representative seed)."""
    out: dict[str, Any] = {
        "version": EVIDENCE_VERSION,
        "seed": "the first audited seed of each scenario",
        "quantiles": list(QUANTILES),
        "scenarios": {},
    }
    for scenario in scenarios:
        if scenario.id not in seeds:
            continue
        seed = seeds[scenario.id]
        try:
            out["scenarios"][scenario.id] = scenario_evidence(
                scenario, seed, scorers, registry, time_limit=time_limit
            )
        except Exception as exc:  # evidence is an illustration: it never stops an audit
            out["scenarios"][scenario.id] = {"seed": seed, "error": f"{type(exc).__name__}: {exc}"}
    return out


def _clean(value: Any) -> Any:
    """``value`` with numpy numbers as Python ones and NaN/inf as None, rounded to 4
    significant digits (for a figure, and a small file)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_clean(v) for v in value]
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.floating | float):
        v = float(value)
        return None if not math.isfinite(v) else float(f"{v:.4g}")
    return value


def scenario_evidence(
    scenario: Scenario,
    seed: int,
    scorers: Sequence[Scorer],
    registry: Registry,
    *,
    time_limit: float | None = 60.0,
) -> dict[str, Any]:
    """The evidence of one scenario on one seed (see the module docstring)."""
    run = ScenarioRun(scenario, seed, registry, time_limit=time_limit)
    scores: dict[str, pd.Series] = {}
    for scorer in scorers:
        try:
            scores[scorer.id] = run.scores(scorer)
        except Exception:  # an erring or inapplicable scorer has no evidence
            continue
    treated = any(registry.behaviours[c.behaviour]().has_treatment for c in scenario.cohorts)
    ev: dict[str, Any] = {
        "seed": seed,
        "treatment": treated,
        "cohorts": _cohorts(run, scorers, scores, treated),
        "agreement": _agreement(run, scores),
    }
    truth = _truth(run, scores)
    if truth:
        ev["truth"] = truth
    decay = _decay(run, scorers, scores)
    if decay:
        ev["decay"] = decay
    dose = _dose(run, scorers, registry, time_limit)
    if dose:
        ev["dose"] = dose
    return _clean(ev)


def _cohorts(
    run: ScenarioRun, scorers: Sequence[Scorer], scores: dict[str, pd.Series], treated: bool
) -> dict[str, Any]:
    names = ["base", *[c.name for c in run.scenario.cohorts]]
    out: dict[str, Any] = {}
    for scorer in scorers:
        if scorer.id not in scores:
            continue
        pct = run.percentiles(scores[scorer.id])
        control = None
        if treated:
            try:
                control = run.percentiles(run.scores(scorer, control=True), run.control)
            except Exception:
                control = None
        per: dict[str, Any] = {}
        for name in names:
            codes = run.members(name)
            if len(codes) == 0:
                continue
            entry = {"n": len(codes), "treated": np.quantile(pct[codes], QUANTILES)}
            if control is not None:
                entry["control"] = np.quantile(control[run.members(name, run.control)], QUANTILES)
            per[name] = entry
        out[scorer.id] = per
    return out


def _agreement(run: ScenarioRun, scores: dict[str, pd.Series]) -> dict[str, Any]:
    ids = list(scores)
    mask = run.population_mask()
    matrix = [
        [
            1.0 if a == b else _spearman(scores[a].to_numpy()[mask], scores[b].to_numpy()[mask])
            for b in ids
        ]
        for a in ids
    ]
    return {"scorers": ids, "rho": matrix}


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(stats.spearmanr(a, b).statistic)


def _truth(run: ScenarioRun, scores: dict[str, pd.Series]) -> dict[str, Any]:
    if run.treated.real or not scores:
        return {}
    mask = run.population_mask()
    truth = pd.Series(run.treated.truth)
    truth_pct = run.percentiles(truth)[mask]
    bins = np.minimum((truth_pct / (100.0 / TRUTH_BINS)).astype(int), TRUTH_BINS - 1)
    out: dict[str, Any] = {"bins": TRUTH_BINS, "rho": {}, "median_percentile": {}}
    for sid, s in scores.items():
        pct = run.percentiles(s)[mask]
        out["rho"][sid] = _spearman(s.to_numpy()[mask], truth.to_numpy()[mask])
        out["median_percentile"][sid] = [
            float(np.median(pct[bins == b])) if np.any(bins == b) else float("nan")
            for b in range(TRUTH_BINS)
        ]
    return out


def _decay(
    run: ScenarioRun, scorers: Sequence[Scorer], scores: dict[str, pd.Series]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for check in run.scenario.checks:
        cohort = check.probe_params.get("cohort")
        if check.probe not in DECAY_PROBES or not cohort or cohort in out:
            continue
        spec = run.treated.cohorts.get(cohort)
        if spec is None or spec.treatment_start is None:
            continue
        start = float(spec.treatment_start)
        days = [d for d in DECAY_DAYS if start + d <= run.days + 1e-9]
        codes = run.members(cohort)
        per: dict[str, list[float]] = {}
        for scorer in scorers:
            if scorer.id not in scores:
                continue
            lo = float(scorer.bounds[0])
            kept: list[float] = []
            try:
                for d in days:
                    t = run.day(start + d)
                    a = float(np.median(run.scores(scorer, at=t).to_numpy()[codes])) - lo
                    b = (
                        float(np.median(run.scores(scorer, control=True, at=t).to_numpy()[codes]))
                        - lo
                    )
                    kept.append(a / b if b > 0 else float("nan"))
            except Exception:
                continue
            per[scorer.id] = kept
        if per:
            out[cohort] = {"check": check.label, "days": days, "kept": per}
    return out


def _dose(
    run: ScenarioRun, scorers: Sequence[Scorer], registry: Registry, time_limit: float | None
) -> dict[str, Any]:
    scenario = run.scenario
    for check in scenario.checks:
        cohort = check.probe_params.get("cohort")
        spec = next((c for c in scenario.cohorts if c.name == cohort), None)
        count = spec.params.get("count") if spec is not None else None
        if (
            spec is None
            or check.probe != "gain"
            or not isinstance(count, int)
            or count < DOSE_MIN_COUNT
        ):
            continue
        probe = registry.probes[check.probe](**check.probe_params)
        sizes = [max(1, int(round(count * f))) for f in DOSE_FACTORS]
        gains: dict[str, list[float]] = {s.id: [] for s in scorers}
        for size in sizes:
            if size == count:
                sized = run
            else:
                cohorts = [
                    c.model_copy(update={"params": {**c.params, "count": size}})
                    if c.name == cohort
                    else c
                    for c in scenario.cohorts
                ]
                sized = ScenarioRun(
                    scenario.model_copy(update={"cohorts": cohorts}),
                    run.seed,
                    registry,
                    time_limit=time_limit,
                )
            for scorer in scorers:
                try:
                    value = float(probe.measure(sized, scorer).value)
                except Blind:  # the treatment left the cohort's scores exactly as they were
                    value = 0.0
                except Exception:
                    value = float("nan")
                gains[scorer.id].append(value)
        return {
            "check": check.label,
            "cohort": cohort,
            "behaviour": spec.behaviour,
            "unit": probe.unit_for_params(),
            "counts": sizes,
            "gain": gains,
        }
    return {}
