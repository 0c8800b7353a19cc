"""How large a worsening of a check ``auditkit diff`` lets through: the tolerances file.

A small YAML mapping, read as untrusted input (:func:`auditkit.untrusted.load_yaml`; every
mistake names the file, the line and the fix)::

    # tolerances.yaml
    default: 0                    # every check, in the check's own unit
    checks:
      bought-followers.gain: 2    # scenario.check: this check only
      decay: 5                    # a check label: that check in every scenario

A check's tolerance is its ``scenario.check`` entry, else its label's entry, else ``default``.
Without a file every tolerance is :data:`DEFAULT_TOLERANCE`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditkit.errors import AuditkitError
from auditkit.untrusted import load_yaml

__all__ = ["Tolerances", "load_tolerances", "parse_tolerances", "DEFAULT_TOLERANCE"]

#: policy: 0. Any worsening the paired seeds show to be real (its interval excludes 0) fails the
#: gate, and so does any verdict that turns to fail with the values getting worse; a team that
#: accepts some movement says how much, per check, in a tolerances file (docs/regression.md).
DEFAULT_TOLERANCE = 0.0


@dataclass(frozen=True)
class Tolerances:
    """The tolerance of each check (see the module docstring)."""

    default: float = DEFAULT_TOLERANCE
    checks: dict[str, float] = field(default_factory=dict)
    #: where they come from (a path, or ``default``)
    source: str = "default"

    def of(self, scenario: str, check: str) -> float:
        """The tolerance of ``check`` in ``scenario``."""
        for key in (f"{scenario}.{check}", check):
            if key in self.checks:
                return self.checks[key]
        return self.default

    def info(self) -> dict[str, Any]:
        return {"source": self.source, "default": self.default, "checks": dict(self.checks)}


def _line(node: Any, key: str) -> int:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if getattr(k, "value", None) == key:
                return k.start_mark.line + 1
    return 0


def _number(value: Any, where: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(float(value))
        or float(value) < 0
    ):
        raise AuditkitError(
            f"{where}: {value!r} is not a tolerance; give a number of at least "
            "0, in the check's own unit (e.g. 2 for 2 percentile points)"
        )
    return float(value)


def parse_tolerances(text: str, source: str = "<string>") -> Tolerances:
    """Tolerances from YAML text; :class:`AuditkitError` naming ``source`` and the line."""

    def refusal(message: str) -> AuditkitError:
        return AuditkitError(message.replace(": invalid YAML:", ": not valid YAML:"))

    data, node = load_yaml(text, source, error=refusal)
    if data is None:
        return Tolerances(source=source)
    if not isinstance(data, dict):
        raise AuditkitError(
            f"{source}: a tolerances file is a mapping with 'default: NUMBER' "
            f"and 'checks: {{scenario.check: NUMBER}}'; got "
            f"{type(data).__name__}"
        )
    unknown = sorted(str(k) for k in data if k not in ("default", "checks"))
    if unknown:
        raise AuditkitError(
            f"{source}, line {_line(node, unknown[0])}: unknown key "
            f"{unknown[0]!r}; a tolerances file has 'default' and 'checks'"
        )
    default = DEFAULT_TOLERANCE
    if "default" in data:
        default = _number(data["default"], f"{source}, line {_line(node, 'default')}, default")
    checks: dict[str, float] = {}
    raw = data.get("checks") or {}
    checks_node = (
        next((v for k, v in node.value if k.value == "checks"), None)
        if isinstance(node, yaml.MappingNode)
        else None
    )
    if not isinstance(raw, dict):
        raise AuditkitError(
            f"{source}, line {_line(node, 'checks')}: 'checks' is a mapping of "
            "'scenario.check: NUMBER' (or 'check: NUMBER'); got "
            f"{type(raw).__name__}"
        )
    for key, value in raw.items():
        where = f"{source}, line {_line(checks_node, str(key))}, checks.{key}"
        if not isinstance(key, str) or not key.strip():
            raise AuditkitError(f"{where}: a key is 'scenario.check' or a check label")
        checks[key] = _number(value, where)
    return Tolerances(default, checks, source)


def load_tolerances(path: str | Path) -> Tolerances:
    """Read a tolerances file (see the module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditkitError(f"{p}: cannot read the tolerances file ({exc})") from None
    return parse_tolerances(text, str(p))
