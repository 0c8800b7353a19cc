"""Figures of an audit report, drawn from the results' evidence."""

from __future__ import annotations

from typing import Any

from auditkit.plugin.renderer import Block

__all__ = ["overview_figures", "flaw_figures"]


def overview_figures(evidence: dict[str, Any], scorers: list[str]) -> list[Block]:
    return []


def flaw_figures(evidence: dict[str, Any], scenario: str, scorers: list[str]) -> list[Block]:
    return []
