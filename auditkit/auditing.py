"""The audit: every scenario, for every seed, against every scorer; results as a tidy table.

:func:`audit` never stops on a scorer's failure: a scorer that raises, returns NaN or values out
of its range, or runs past the time limit gets an ``error`` verdict with the reason, and the
other scorers finish. A probe that does not apply to a scorer gets ``skip``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tabulate import tabulate

from auditkit.errors import AuditkitError, ScenarioError
from auditkit.probe import NotApplicable
from auditkit.run import ScenarioRun
from auditkit.scenario import Scenario
from auditkit.scorer import Scorer

__all__ = ["audit", "Results", "COLUMNS", "RESULTS_FORMAT", "bundled_scenarios"]

#: The columns of the results table, in order.
COLUMNS = ["scenario", "flaw", "seed", "scorer", "scorer_version", "check", "probe", "value",
           "unit", "expectation", "verdict", "finding"]
#: Name and version of the JSON form; bumped when a column changes meaning.
RESULTS_FORMAT = {"format": "auditkit-results", "version": 1}
VERDICTS = ("pass", "fail", "error", "skip")


def bundled_scenarios() -> Path:
    """The directory of the scenario library shipped with auditkit."""
    return Path(str(resources.files("auditkit.scenarios")))


@dataclass
class Results:
    """The outcome of an audit: :attr:`table` has one row per scenario, seed, scorer and check."""

    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    # ---- views ----
    def failed(self) -> pd.DataFrame:
        return self.table[self.table["verdict"] == "fail"]

    def counts(self) -> dict[str, int]:
        return {v: int((self.table["verdict"] == v).sum()) for v in VERDICTS}

    def scorecard(self) -> pd.DataFrame:
        """Flaw and check by scorer; each cell the verdict and the measured value (median over
        seeds; ``2/3 pass`` when seeds disagree)."""
        t = self.table
        if t.empty:
            return pd.DataFrame()

        def cell(group: pd.DataFrame) -> str:
            verdicts = group["verdict"].tolist()
            values = group["value"].dropna()
            shown = f" {_fmt(float(np.median(values)))}" if len(values) else ""
            if len(set(verdicts)) == 1:
                word = verdicts[0].upper() if verdicts[0] in ("pass", "fail") else verdicts[0]
                return f"{word}{shown}"
            passed = verdicts.count("pass")
            return f"{passed}/{len(verdicts)} pass{shown}"

        keys = ["flaw", "scenario", "check"]
        grid = (t.groupby(keys + ["scorer"], sort=False)[["verdict", "value"]]
                .apply(cell).unstack("scorer"))
        order = sorted(grid.index, key=lambda k: (_flaw_number(k[0]), k[1], k[2]))
        scorers = list(dict.fromkeys(t["scorer"]))
        return grid.loc[order, scorers].fillna("")

    # ---- forms ----
    def to_dict(self) -> dict[str, Any]:
        rows = self.table.replace({np.nan: None}).to_dict(orient="records")
        return RESULTS_FORMAT | {"meta": self.meta, "columns": COLUMNS, "rows": rows}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> Results:
        data = json.loads(text)
        if data.get("format") != RESULTS_FORMAT["format"]:
            raise AuditkitError("not an auditkit results file (no 'format: auditkit-results')")
        if data.get("version") != RESULTS_FORMAT["version"]:
            raise AuditkitError(f"results format version {data.get('version')} is not "
                                f"supported; this auditkit reads version "
                                f"{RESULTS_FORMAT['version']}")
        table = pd.DataFrame(data["rows"], columns=COLUMNS)
        table["value"] = table["value"].astype(float)
        return cls(table, data.get("meta", {}))

    def render(self, fmt: str = "table") -> str:
        """The scorecard and the findings as ``table`` or ``markdown`` text, or ``json``."""
        if fmt == "json":
            return self.to_json()
        card = self.scorecard()
        tablefmt = "github" if fmt == "markdown" else "simple"
        lines = []
        if fmt == "markdown":
            lines.append("# auditkit scorecard\n")
        if not card.empty:
            rows = [[f, s, c, *card.loc[(f, s, c)].tolist()] for f, s, c in card.index]
            lines.append(tabulate(rows, headers=["flaw", "scenario", "check", *card.columns],
                                  tablefmt=tablefmt, disable_numparse=True))
        counts = self.counts()
        lines.append("\n" + ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
                     + f" ({len(self.table)} checks)")
        findings = self.table[self.table["verdict"].isin(["fail", "error"])]
        if len(findings):
            lines.append("\n## Findings\n" if fmt == "markdown" else "\nFindings:")
            for row in findings.itertuples():
                bullet = "-" if fmt == "markdown" else " "
                lines.append(f"{bullet} [{row.flaw} {row.scenario}, seed {row.seed}] "
                             f"{row.finding}")
        return "\n".join(lines) + "\n"

    def write(self, path: str | os.PathLike, fmt: str = "json") -> Path:
        """Write the results atomically (a temporary file renamed into place)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = self.render(fmt)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; results are ordinary files
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target


def _flaw_number(flaw: str) -> int:
    try:
        return int(flaw.lstrip("F"))
    except ValueError:
        return 999


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def audit(scenarios: Sequence[Scenario], scorers: Sequence[Scorer], *, seeds: int = 1,
          registry=None, time_limit: float | None = 60.0,
          progress: Callable[[str], None] | None = None) -> Results:
    """Run every check of every scenario for ``seeds`` seeds against every scorer."""
    from auditkit import __version__
    from auditkit.plugins import get_registry

    registry = registry or get_registry()
    ids = [s.id for s in scorers]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise AuditkitError(f"scorer id {twice[0]!r} is audited twice; their results would "
                            "merge. Audit each configuration separately or rename one (the "
                            "black-box adapters take a name parameter)")
    rows: list[dict[str, Any]] = []
    total = len(scenarios) * seeds
    done = 0
    for scenario in scenarios:
        probes = [(check, registry.probes[check.probe](**check.probe_params))
                  for check in scenario.checks]
        for i in range(seeds):
            seed = scenario.population.seed + i
            done += 1
            if progress:
                progress(f"[{done}/{total}] {scenario.id} (seed {seed})")
            run = ScenarioRun(scenario, seed, registry, time_limit=time_limit)
            for check, probe in probes:
                for scorer in scorers:
                    rows.append(_row(run, scenario, seed, scorer, check, probe))
    table = pd.DataFrame(rows, columns=COLUMNS)
    meta = {
        "auditkit": __version__,
        "seeds": seeds,
        "scorers": [{"id": s.id, "version": s.version,
                     "params": s.params.model_dump(mode="json")} for s in scorers],
        "scenarios": [{"id": s.id, "flaw": s.flaw, "title": s.title,
                       "acceptable": s.acceptable, "source": s.source} for s in scenarios],
    }
    return Results(table, meta)


def _row(run: ScenarioRun, scenario: Scenario, seed: int, scorer: Scorer, check, probe):
    expect = check.expect
    unit = probe.unit_for_params()
    row = {"scenario": scenario.id, "flaw": scenario.flaw, "seed": seed, "scorer": scorer.id,
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
    ok = expect.holds(m.value)
    verdict = "pass" if ok else "fail"
    finding = f"{scorer.id}: {m.text}; acceptable is {expect.describe(unit)}."
    return row | {"value": float(m.value), "verdict": verdict, "finding": finding}
