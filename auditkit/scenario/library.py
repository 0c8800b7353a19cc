"""The scenario library bundled with auditkit (the repository's ``scenarios/`` folder, shipped
as the ``auditkit.scenarios`` package)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["bundled_scenarios"]


def bundled_scenarios() -> Path:
    """The directory of the scenario library shipped with auditkit."""
    return Path(str(resources.files("auditkit.scenarios")))
