"""One exception hierarchy for auditkit.

Every message names the thing, the offending value and the fix. The command line turns an
:class:`AuditkitError` into a one-paragraph message and exit code 2; anything else is a bug.
"""

from __future__ import annotations

__all__ = [
    "AuditkitError",
    "WorldError",
    "ScorerError",
    "ParameterError",
    "UnknownScorerError",
    "PluginError",
    "ScenarioError",
    "BudgetError",
]


class AuditkitError(Exception):
    """Base class: a user's mistake or an unusable input, reported without a traceback."""


class WorldError(AuditkitError):
    """A world (accounts, follows, events) is malformed.

    ``source`` is the file (or table) and ``row``/``column`` locate the problem when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.source, self.row, self.column = source, row, column
        where = []
        if source:
            where.append(str(source))
        if row is not None:
            where.append(f"line {row}")
        if column:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ScorerError(AuditkitError):
    """A scorer broke its contract (bad output, failure while scoring)."""


class ParameterError(ScorerError):
    """A scorer was given an unknown parameter or a value of the wrong type."""


class UnknownScorerError(ScorerError, KeyError):
    """No installed scorer has the requested id."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class PluginError(AuditkitError):
    """A plugin failed to import, misspelt a hook, or registered something invalid."""


class ScenarioError(AuditkitError):
    """A scenario file is malformed (YAML syntax, unknown field, bad value)."""


class BudgetError(ScenarioError):
    """A scenario would build worlds larger than the resource budget allows
    (``auditkit.scenario.budget``); the message says what to lower, or how to raise the budget."""
