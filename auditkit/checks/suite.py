"""Running the suite: :func:`yield_checks` (the checks a scorer's tags select) and
:func:`check_scorer` (every check, verdicts in a :class:`CheckReport`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping

from auditkit.checks.harness import check_settings
from auditkit.checks.registry import CHECKS, CheckFailed, scorer_label
from auditkit.checks.report import CheckReport, CheckResult
from auditkit.errors import AuditkitError
from auditkit.plugin.scorer import Scorer


def require_scorer(scorer: object) -> Scorer:
    if isinstance(scorer, type) and issubclass(scorer, Scorer):
        raise AuditkitError(
            f"the checks take a scorer instance, not the class "
            f"{scorer.__name__}; pass {scorer.__name__}() (or "
            f"get_registry().scorer({getattr(scorer, 'id', '?')!r}))"
        )
    if not isinstance(scorer, Scorer):
        raise AuditkitError(
            f"the checks take an auditkit.Scorer instance, got {type(scorer).__name__}"
        )
    return scorer


def yield_checks(scorer: Scorer) -> Iterator[Callable[..., None]]:
    """The checks that apply to ``scorer`` (by its tags), in order: call each as
    ``check(scorer)``."""
    scorer = require_scorer(scorer)
    for info in CHECKS.values():
        if info.applies_to(scorer):
            yield info.func


def expected_failures(scorer: Scorer, expected: Mapping[str, str] | None) -> dict[str, str]:
    """Validate ``{check name: reason}`` for ``scorer``: known, applicable, with a reason."""
    out: dict[str, str] = {}
    label = scorer_label(scorer)
    for name, reason in (expected or {}).items():
        if name not in CHECKS:
            import difflib

            close = difflib.get_close_matches(name, CHECKS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise AuditkitError(
                f"expected_failed_checks of scorer {label} names "
                f"{name!r}, which is not a check.{hint} Checks: "
                f"{', '.join(CHECKS)}"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise AuditkitError(
                f"expected_failed_checks of scorer {label}: {name!r} needs a "
                f"reason (a non-empty string saying why it fails), got "
                f"{reason!r}"
            )
        if not CHECKS[name].applies_to(scorer):
            raise AuditkitError(
                f"expected_failed_checks of scorer {label} names {name!r}, "
                f"which does not apply to it (it needs one of the tags "
                f"{', '.join(sorted(CHECKS[name].needs))}); remove it"
            )
        out[name] = reason.strip()
    return out


def check_scorer(
    scorer: Scorer,
    *,
    expected_failed_checks: Mapping[str, str] | None = None,
    max_examples: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CheckReport:
    """Run every check on ``scorer`` and return a :class:`CheckReport` (never raises for a
    failing check).

    ``expected_failed_checks`` maps check names to the reason each is known to fail; those
    report ``xfail`` (or ``xpass`` if they pass after all). ``max_examples`` sets the examples
    of each property check (default :data:`DEFAULT_MAX_EXAMPLES`); ``progress`` is called with
    the name of each check before it runs. Bad arguments raise
    :class:`~auditkit.errors.AuditkitError`.
    """
    scorer = require_scorer(scorer)
    expected = expected_failures(scorer, expected_failed_checks)
    check_settings(max_examples)  # validate before running anything
    label = scorer_label(scorer)
    tags = ", ".join(sorted(scorer.tags)) or "none"
    rows: list[CheckResult] = []
    for name, info in CHECKS.items():
        if not info.applies_to(scorer):
            rows.append(
                CheckResult(
                    label,
                    name,
                    info.kind,
                    "skip",
                    f"needs one of the tags {', '.join(sorted(info.needs))}; "
                    f"{label} declares {tags}",
                )
            )
            continue
        if progress is not None:
            progress(f"{label}: {name} ...")
        started = time.perf_counter()
        try:
            info.func(scorer, max_examples=max_examples)
            failure = None
        except CheckFailed as exc:
            failure = exc
        seconds = round(time.perf_counter() - started, 3)
        reason = expected.get(name, "")
        if failure is None:
            status, message = (
                ("xpass", "passed, but declared to fail: remove it from expected_failed_checks")
                if reason
                else ("pass", "")
            )
        else:
            status, message = ("xfail" if reason else "fail"), str(failure)
        rows.append(CheckResult(label, name, info.kind, status, message, reason, seconds))
    return CheckReport(label, rows)
