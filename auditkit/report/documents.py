"""Which document describes which report: :func:`document_of`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditkit.attack.report import AttackReport
from auditkit.auditing.diff import Diff
from auditkit.auditing.results import Results
from auditkit.checks.report import CheckReport
from auditkit.errors import AuditkitError
from auditkit.explain.explanation import Explanation
from auditkit.plugin.renderer import Document
from auditkit.report.attack import attack_document
from auditkit.report.audit import audit_document
from auditkit.report.check import check_document
from auditkit.report.diff import diff_document
from auditkit.report.explain import explain_document

__all__ = ["document_of"]

_BUILDERS: dict[type, Callable[[Any], Document]] = {
    Results: audit_document,
    CheckReport: check_document,
    AttackReport: attack_document,
    Explanation: explain_document,
    Diff: diff_document,
}


def document_of(report: object) -> Document:
    """The :class:`Document` describing ``report`` (a document is returned as it is)."""
    if isinstance(report, Document):
        return report
    for kind, build in _BUILDERS.items():
        if isinstance(report, kind):
            return build(report)
    raise AuditkitError(
        f"auditkit cannot render a {type(report).__name__}; give results, a "
        "check report, an attack report, an explanation, a diff or a Document"
    )
