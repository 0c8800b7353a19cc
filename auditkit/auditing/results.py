"""The outcome of an audit: :class:`Results`, a tidy table with one row per scenario, seed,
scorer and check, and its versioned JSON form. Rendering it is the report layer's job
(:mod:`auditkit.report`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.untrusted import load_json

__all__ = ["Results", "COLUMNS", "RESULTS_FORMAT", "VERDICTS", "flaw_number"]

#: The columns of the results table, in order.
COLUMNS = ["scenario", "flaw", "seed", "scorer", "scorer_version", "check", "probe", "value",
           "unit", "expectation", "verdict", "finding"]
#: Name and version of the JSON form; bumped when a column changes meaning.
RESULTS_FORMAT = {"format": "auditkit-results", "version": 1}
VERDICTS = ("pass", "fail", "error", "skip")


def flaw_number(flaw: str) -> int:
    """The number of a flaw id (``F7`` -> 7), for ordering; unknown ids sort last."""
    try:
        return int(flaw.lstrip("F"))
    except ValueError:
        return 999


@dataclass
class Results:
    """The outcome of an audit: :attr:`table` has one row per scenario, seed, scorer and check;
    :attr:`meta` says what was run (auditkit version, seeds, scorers and their parameters,
    scenarios)."""

    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def failed(self) -> pd.DataFrame:
        return self.table[self.table["verdict"] == "fail"]

    def counts(self) -> dict[str, int]:
        return {v: int((self.table["verdict"] == v).sum()) for v in VERDICTS}

    def to_dict(self) -> dict[str, Any]:
        rows = self.table.replace({np.nan: None}).to_dict(orient="records")
        return RESULTS_FORMAT | {"meta": self.meta, "columns": COLUMNS, "rows": rows}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> Results:
        data = load_json(text, "results", non_finite=True)
        if not isinstance(data, dict):
            raise AuditkitError("not an auditkit results file (not a JSON object)")
        if data.get("format") != RESULTS_FORMAT["format"]:
            raise AuditkitError("not an auditkit results file (no 'format: auditkit-results')")
        if data.get("version") != RESULTS_FORMAT["version"]:
            raise AuditkitError(f"results format version {data.get('version')} is not "
                                f"supported; this auditkit reads version "
                                f"{RESULTS_FORMAT['version']}")
        table = pd.DataFrame(data["rows"], columns=COLUMNS)
        table["value"] = table["value"].astype(float)
        return cls(table, data.get("meta", {}))
