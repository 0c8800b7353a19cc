"""The verdicts of :func:`~auditkit.checks.check_scorer`: :class:`CheckResult` rows in a
:class:`CheckReport`, rendered as a table or JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from tabulate import tabulate

from auditkit.checks.registry import CHECKS
from auditkit.errors import AuditkitError

STATUSES = ("pass", "fail", "xfail", "xpass", "skip")


@dataclass(frozen=True)
class CheckResult:
    """One row of a :class:`CheckReport`."""

    scorer: str
    check: str
    kind: str
    status: str
    message: str
    reason: str = ""
    seconds: float = 0.0


class CheckReport:
    """The verdicts of :func:`check_scorer`: one :class:`CheckResult` per check.

    ``status`` is ``pass``, ``fail`` (an unexpected failure), ``xfail`` (failed as declared in
    ``expected_failed_checks``), ``xpass`` (declared to fail but passed: the declaration is out
    of date) or ``skip`` (the scorer lacks the tags the check needs). :attr:`ok` is false when
    any check is ``fail`` or ``xpass``.
    """

    def __init__(self, scorer: str, results: list[CheckResult]) -> None:
        self.scorer = scorer
        self.results = list(results)

    @property
    def ok(self) -> bool:
        return not any(r.status in ("fail", "xpass") for r in self.results)

    @property
    def unexpected(self) -> list[CheckResult]:
        """The ``fail`` and ``xpass`` rows."""
        return [r for r in self.results if r.status in ("fail", "xpass")]

    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.results) for s in STATUSES}

    def to_frame(self) -> pd.DataFrame:
        """One row per check: scorer, check, kind, status, message, reason, seconds."""
        return pd.DataFrame([r.__dict__ for r in self.results],
                            columns=["scorer", "check", "kind", "status", "message", "reason",
                                     "seconds"])

    def to_dict(self) -> dict[str, Any]:
        return {"format": "auditkit-check-report", "version": 1, "scorer": self.scorer,
                "ok": self.ok, "counts": self.counts(),
                "checks": [r.__dict__ for r in self.results]}

    def render(self, fmt: str = "table") -> str:
        """The report as text: ``table`` (a verdict per check, then the counterexamples) or
        ``json``."""
        if fmt == "json":
            import json

            return json.dumps(self.to_dict(), indent=2) + "\n"
        if fmt != "table":
            raise AuditkitError(f"unknown report format {fmt!r}; use 'table' or 'json'")
        rows = [[r.check, r.kind, r.status.upper() if r.status in ("fail", "xpass") else r.status,
                 _verdict(r)] for r in self.results]
        out = [f"Conformance checks of scorer {self.scorer}", "",
               tabulate(rows, headers=["check", "kind", "status", "verdict"],
                        disable_numparse=True, maxcolwidths=[None, None, None, 64]), ""]
        details = [r for r in self.results if r.status in ("fail", "xfail", "xpass")]
        for r in details:
            out += [f"--- {r.check} ({r.status})"]
            if r.reason:
                out.append(f"expected to fail: {r.reason}")
            out += [r.message, ""]
        counts = self.counts()
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        out.append(f"{self.scorer}: {summary}; "
                   + ("ok" if self.ok else f"NOT OK ({len(self.unexpected)} unexpected)"))
        return "\n".join(out) + "\n"

    def __repr__(self) -> str:
        return f"<CheckReport {self.scorer}: {self.counts()}, ok={self.ok}>"


def _verdict(r: CheckResult) -> str:
    if r.status == "pass":
        return CHECKS[r.check].asserts
    if r.status == "skip":
        return r.message
    if r.status == "xpass":
        return r.message
    first = r.message.split("\n", 1)[0]
    prefix = f"scorer {r.scorer} failed {r.check}: "
    return first[len(prefix):] if first.startswith(prefix) else first
