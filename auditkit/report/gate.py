"""The CI gate on an audit's results: :func:`gate` says why a run should fail, if it should.

The gate looks only at *gated* scorers (every audited scorer unless some are named; reference
scorers never): ``fail_on="fail"`` trips on any failed check, ``"error"`` on any failed or
erred one, and ``max_fail_rate`` trips when a scorer's fail rate (its failed checks over all of
its checks, whatever their verdict) is above the rate. ``auditkit audit`` and ``auditkit report``
exit with :data:`EXIT_GATE` when it trips (``docs/reports.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

from auditkit.auditing.results import Results
from auditkit.errors import AuditkitError
from auditkit.report.audit import fail_rate, scorer_totals
from auditkit.text import plural

__all__ = ["gate", "EXIT_OK", "EXIT_GATE", "EXIT_USAGE"]

#: the run finished and the gate (if any) passed
EXIT_OK = 0
#: the run finished and the gate tripped
EXIT_GATE = 1
#: a user's mistake (bad option, unreadable file, unknown scorer): nothing was judged
EXIT_USAGE = 2


def gate(
    results: Results,
    *,
    fail_on: str = "never",
    max_fail_rate: float | None = None,
    scorers: Sequence[str] = (),
) -> list[str]:
    """Why the gate trips (one sentence per gated scorer that trips it), or an empty list."""
    totals = scorer_totals(results)
    unknown = [s for s in scorers if s not in totals]
    if unknown:
        raise AuditkitError(
            f"--gate-scorer {unknown[0]!r} is not an audited scorer of these "
            f"results; audited: {', '.join(totals) or 'none'}"
        )
    reasons = []
    for scorer, counts in totals.items():
        if scorers and scorer not in scorers:
            continue
        n = sum(counts.values())
        why = []
        if fail_on in ("fail", "error") and counts["fail"]:
            why.append(f"failed {counts['fail']} of {plural(n, 'check')}")
        if fail_on == "error" and counts["error"]:
            why.append(f"erred on {counts['error']} of {plural(n, 'check')}")
        rate = fail_rate(counts)
        if max_fail_rate is not None and n and rate > max_fail_rate:
            why.append(
                f"fail rate {rate:.0%} ({counts['fail']} of {n}) is above {max_fail_rate:.0%}"
            )
        if why:
            reasons.append(f"{scorer}: " + "; ".join(why))
    return reasons
