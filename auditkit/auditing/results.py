"""The outcome of an audit: :class:`Results`, two tidy tables and their versioned JSON form.

- :attr:`Results.table`, the verdicts: one row per scenario, check and scorer, with the median
  over seeds, its confidence interval, the verdict and the bound applied (:data:`COLUMNS`);
- :attr:`Results.seeds`, the measurements: one row per scenario, seed, check and scorer
  (:data:`SEED_COLUMNS`), so that two audits can be compared seed by seed;
- :attr:`Results.evidence` (optional), what the report's figures are drawn from: small
  summaries (quantiles, not raw scores) of one representative seed per scenario
  (:mod:`auditkit.auditing.evidence`).

The JSON form's ``evidence`` key is optional and additive: format version 2 with or without
it, and a reader ignores the keys it does not know.

Every column is documented in ``docs/verdicts.md``. Rendering is the report layer's job
(:mod:`auditkit.report`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.untrusted import load_json

__all__ = [
    "Results",
    "COLUMNS",
    "SEED_COLUMNS",
    "RESULTS_FORMAT",
    "VERDICTS",
    "SEED_VERDICTS",
    "ROLES",
    "flaw_number",
]

#: The columns of the verdict table, in order.
COLUMNS = [
    "scenario",
    "flaw",
    "check",
    "probe",
    "scorer",
    "scorer_version",
    "role",
    "verdict",
    "estimate",
    "low",
    "high",
    "confidence",
    "seeds",
    "measured",
    "outcomes",
    "unit",
    "expectation",
    "rationale",
    "policy",
    "finding",
]
#: The columns of the per-seed measurements, in order.
SEED_COLUMNS = [
    "scenario",
    "flaw",
    "seed",
    "check",
    "probe",
    "scorer",
    "scorer_version",
    "role",
    "value",
    "unit",
    "expectation",
    "verdict",
    "finding",
]
#: Name and version of the JSON form; bumped when a column changes meaning.
RESULTS_FORMAT = {"format": "auditkit-results", "version": 2}
#: Verdicts of a check over seeds (the verdict table).
VERDICTS = ("pass", "fail", "inconclusive", "blind", "degenerate", "error", "skip")
#: Outcomes of one seed (the measurements).
SEED_VERDICTS = ("pass", "fail", "blind", "degenerate", "error", "skip")
#: What a scorer is in an audit: audited, or a reference (``docs/verdicts.md``).
ROLES = ("scorer", "positive control", "negative control", "oracle")
_FLOATS = ("estimate", "low", "high", "confidence")
_INTS = ("seeds", "measured")


def flaw_number(flaw: str) -> int:
    """The number of a flaw id (``F7`` -> 7), for ordering; unknown ids sort last."""
    try:
        return int(flaw.lstrip("F"))
    except ValueError:
        return 999


@dataclass
class Results:
    """The outcome of an audit (see the module docstring). :attr:`meta` says what was run:
    auditkit version, seeds, the statistics, the policy, scorers and their parameters, scenarios
    and every check's bound and rationale."""

    table: pd.DataFrame
    seeds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SEED_COLUMNS))
    meta: dict[str, Any] = field(default_factory=dict)
    #: the figures' data (:mod:`auditkit.auditing.evidence`); empty when not collected
    evidence: dict[str, Any] = field(default_factory=dict)

    def failed(self) -> pd.DataFrame:
        return self.table[self.table["verdict"] == "fail"]

    def counts(self, role: str | None = "scorer") -> dict[str, int]:
        """Verdicts counted over the rows of ``role`` (audited scorers by default; None: all)."""
        t = self.table if role is None else self.table[self.table["role"] == role]
        return {v: int((t["verdict"] == v).sum()) for v in VERDICTS}

    def to_dict(self) -> dict[str, Any]:
        rows = _records(self.table)
        seed_rows = _records(self.seeds)
        out = RESULTS_FORMAT | {
            "meta": self.meta,
            "columns": COLUMNS,
            "rows": rows,
            "seed_columns": SEED_COLUMNS,
            "seed_rows": seed_rows,
        }
        if self.evidence:
            out["evidence"] = self.evidence
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=str)

    @classmethod
    def from_json(cls, text: str, *, source: str = "results") -> Results:
        """Results from their JSON form; :class:`AuditkitError` naming ``source`` and the
        problem when the text is not an auditkit results file this version reads."""
        data = load_json(text, source, non_finite=True)
        if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT["format"]:
            raise AuditkitError(
                f"{source}: not an auditkit results file (no 'format: "
                "auditkit-results'); give a file written by `auditkit audit "
                "--format json`"
            )
        version = data.get("version")
        if version == 1:
            raise AuditkitError(
                f"{source}: this results file is format version 1 (per-seed verdicts, no "
                "intervals, written before auditkit judged checks over seeds); this auditkit "
                f"reads version {RESULTS_FORMAT['version']}. Re-run the audit to get "
                "verdicts with intervals (docs/verdicts.md)"
            )
        if version != RESULTS_FORMAT["version"]:
            raise AuditkitError(
                f"{source}: results format version {version} is not "
                f"supported; this auditkit reads version "
                f"{RESULTS_FORMAT['version']}: audit again with it"
            )
        try:
            table = pd.DataFrame(data["rows"], columns=COLUMNS)
            for col in _FLOATS:
                table[col] = table[col].astype(float)
            for col in _INTS:
                table[col] = table[col].astype(int)
            seeds = pd.DataFrame(data.get("seed_rows", []), columns=SEED_COLUMNS)
            seeds["value"] = seeds["value"].astype(float)
            seeds["seed"] = seeds["seed"].astype(int)
        except (KeyError, TypeError, ValueError) as exc:
            raise AuditkitError(
                f"{source}: the rows do not have the results columns "
                f"({exc}); the file is damaged or hand-edited"
            ) from None
        evidence = data.get("evidence")
        return cls(
            table, seeds, data.get("meta", {}), evidence if isinstance(evidence, dict) else {}
        )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for row in out:
        for key, value in row.items():
            if isinstance(value, np.integer):
                row[key] = int(value)
            elif isinstance(value, np.floating):
                row[key] = float(value)
    return out
