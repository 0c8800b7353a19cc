"""From per-seed measurements to one verdict per scenario, check and scorer.

The rules (``docs/verdicts.md`` explains each):

1. a scorer that errs on any seed gets ``error`` (a crash is never averaged away);
2. when fewer than half of the seeds gave a value, the verdict is the most common reason among
   ``degenerate``, ``blind`` and ``skip`` (in that order on a tie): on most seeds the scorer
   gave no answer;
3. otherwise the median of the values and its order-statistic interval
   (:mod:`auditkit.auditing.statistics`) are judged against the acceptable region: ``pass``
   inside, ``fail`` outside, ``inconclusive`` across a bound; a ``pass`` with some seeds blind,
   degenerate or skipped is ``inconclusive`` (on those seeds the scorer gave no answer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from auditkit.auditing.results import COLUMNS, SEED_VERDICTS
from auditkit.auditing.statistics import judge, median_interval
from auditkit.scenario.model import Expectation
from auditkit.text import number, plural, quantity

__all__ = ["aggregate", "verdict_of"]

_NO_VALUE = ("degenerate", "blind", "skip")


def verdict_of(
    values: list[float], outcomes: list[str], expect: Expectation, level: float
) -> tuple[str, Any]:
    """The verdict over seeds of one check for one scorer, and the interval (None when fewer
    than half of the seeds gave a value). ``outcomes`` are the per-seed verdicts, ``values``
    the measured ones."""
    if "error" in outcomes:
        return "error", None
    if 2 * len(values) < len(outcomes):
        counts = Counter(outcomes)
        return max(_NO_VALUE, key=lambda v: (counts[v], -_NO_VALUE.index(v))), None
    interval = median_interval(values, level)
    verdict = judge(interval, *expect.region())
    if verdict == "pass" and len(values) < len(outcomes):
        verdict = "inconclusive"
    return verdict, interval


def _outcomes_text(outcomes: list[str]) -> str:
    counts = Counter(outcomes)
    return ", ".join(f"{v} {counts[v]}" for v in SEED_VERDICTS if counts[v])


def _finding(
    scorer: str, verdict: str, interval, group: pd.DataFrame, unit: str, expectation: str
) -> str:
    n = len(group)
    if interval is None:
        reason = "error" if verdict == "error" else verdict
        first = group[group["verdict"] == reason].iloc[0]
        k = int((group["verdict"] == reason).sum())
        text = str(first["finding"])
        text = text[len(scorer) + 2 :] if text.startswith(f"{scorer}: ") else text
        return (
            f"{scorer}: {verdict} on {k} of {plural(n, 'seed')} (e.g. seed {first['seed']}: {text})"
        )
    measured = group[group["value"].notna()]
    # the seed whose value is the median (the lower middle one), as a concrete example
    order = measured.sort_values(["value", "seed"], kind="stable")
    typical = order.iloc[(len(order) - 1) // 2]
    example = str(typical["finding"]).split("; acceptable is")[0]
    example = example[len(scorer) + 2 :] if example.startswith(f"{scorer}: ") else example
    spread = (
        f"{interval.confidence:.0%} interval {number(interval.low)} to {number(interval.high)}"
        if n > 1
        else "one seed, no interval"
    )
    text = (
        f"{scorer}: median {quantity(interval.estimate, unit)} over {plural(n, 'seed')} "
        f"({spread}); acceptable is {expectation}. A median seed, {typical['seed']}: "
        f"{example}."
    )
    missing = n - len(measured)
    if missing:
        text += (
            f" No value on {plural(missing, 'seed')} ("
            f"{_outcomes_text(group.loc[group['value'].isna(), 'verdict'].tolist())})."
        )
    return text


def aggregate(
    seeds: pd.DataFrame,
    expectations: Mapping[tuple[str, str], Expectation],
    level: float,
    policy: Any = None,
) -> pd.DataFrame:
    """The verdict table (:data:`~auditkit.auditing.results.COLUMNS`) of per-seed rows, in the
    order of their first appearance. ``expectations`` maps (scenario, check) to the bound
    applied; ``policy`` (a :class:`~auditkit.scenario.policy.Policy` or None) names the rows
    whose bound it set."""
    rows = []
    if seeds.empty:
        return pd.DataFrame(columns=COLUMNS)
    keys = ["scenario", "check", "scorer"]
    for (scenario, check, scorer), group in seeds.groupby(keys, sort=False):
        expect = expectations[(scenario, check)]
        first = group.iloc[0]
        values = [float(v) for v in group["value"] if np.isfinite(v)]
        outcomes = group["verdict"].tolist()
        verdict, interval = verdict_of(values, outcomes, expect, level)
        unit = str(first["unit"])
        expectation = expect.describe(unit)
        rows.append(
            {
                "scenario": scenario,
                "flaw": first["flaw"],
                "check": check,
                "probe": first["probe"],
                "scorer": scorer,
                "scorer_version": first["scorer_version"],
                "role": first["role"],
                "verdict": verdict,
                "estimate": np.nan if interval is None else interval.estimate,
                "low": np.nan if interval is None else interval.low,
                "high": np.nan if interval is None else interval.high,
                "confidence": np.nan if interval is None else interval.confidence,
                "seeds": len(group),
                "measured": len(values),
                "outcomes": _outcomes_text(outcomes),
                "unit": unit,
                "expectation": expectation,
                "rationale": expect.rationale or "",
                "policy": policy.name
                if policy is not None and policy.sets(scenario, check)
                else "scenario",
                "finding": _finding(scorer, verdict, interval, group, unit, expectation),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
