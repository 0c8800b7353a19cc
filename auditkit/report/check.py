"""The document of a conformance :class:`~auditkit.checks.report.CheckReport`: a verdict per
check, then the counterexamples."""

from __future__ import annotations

from auditkit.checks.registry import CHECKS
from auditkit.checks.report import CheckReport, CheckResult
from auditkit.plugin.renderer import Block, Case, Document, Heading, Paragraph, Table

__all__ = ["check_document"]

_CASE_STATUS = {"pass": "pass", "xfail": "pass", "fail": "fail", "xpass": "fail", "skip": "skip"}


def check_document(report: CheckReport) -> Document:
    rows = [
        [
            r.check,
            r.kind,
            r.status.upper() if r.status in ("fail", "xpass") else r.status,
            _verdict(r),
        ]
        for r in report.results
    ]
    blocks: list[Block] = [
        Table(["check", "kind", "status", "verdict"], rows, max_widths=[None, None, None, 64])
    ]
    for r in report.results:
        if r.status in ("fail", "xfail", "xpass"):
            blocks.append(Heading(f"--- {r.check} ({r.status})", 3))
            if r.reason:
                blocks.append(Paragraph(f"expected to fail: {r.reason}"))
            blocks.append(Paragraph(r.message + "\n"))
    summary = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    blocks.append(
        Paragraph(
            f"{report.scorer}: {summary}; "
            + ("ok" if report.ok else f"NOT OK ({len(report.unexpected)} unexpected)")
        )
    )
    cases = [
        Case(
            suite=f"conformance {report.scorer}",
            name=r.check,
            status=_CASE_STATUS[r.status],
            message=_verdict(r),
            detail=r.message,
            seconds=r.seconds,
        )
        for r in report.results
    ]
    return Document(
        "check", f"Conformance checks of scorer {report.scorer}", blocks, report.to_dict(), cases
    )


def _verdict(r: CheckResult) -> str:
    if r.status == "pass":
        return CHECKS[r.check].asserts
    if r.status in ("skip", "xpass"):
        return r.message
    first = r.message.split("\n", 1)[0]
    prefix = f"scorer {r.scorer} failed {r.check}: "
    return first[len(prefix) :] if first.startswith(prefix) else first
