"""The verdicts of :func:`~auditkit.checks.check_scorer`: :class:`CheckResult` rows in a
:class:`CheckReport`, as plain data (the report layer renders it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

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
        return pd.DataFrame(
            [r.__dict__ for r in self.results],
            columns=["scorer", "check", "kind", "status", "message", "reason", "seconds"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "auditkit-check-report",
            "version": 1,
            "scorer": self.scorer,
            "ok": self.ok,
            "counts": self.counts(),
            "checks": [r.__dict__ for r in self.results],
        }

    def __repr__(self) -> str:
        return f"<CheckReport {self.scorer}: {self.counts()}, ok={self.ok}>"
