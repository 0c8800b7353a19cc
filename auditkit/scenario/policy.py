"""A reviewer's policy: their own acceptable levels, applied without editing scenario files.

A policy file is a YAML mapping from ``scenario.check`` to the expectation fields to change::

    # strict.yaml: my organisation's bounds
    bought-followers.gain: {tolerance: 3, rationale: "policy: a third of a decile"}
    institutions.not-over-ranked: {at_most: 10}
    newcomer-threshold.threshold_disparity: {kind: minimum, at_least: 0.9}

Fields given replace the scenario's; a ``kind`` starts the expectation afresh. A bound without a
``rationale`` gets ``policy: <file>, line <n>``. ``auditkit audit --policy FILE`` applies it, and
the results record the file, its digest and every bound it set (``docs/verdicts.md``).
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from auditkit.errors import ScenarioError
from auditkit.scenario.library import bundled_scenarios
from auditkit.scenario.model import Expectation, Located, Scenario
from auditkit.untrusted import load_yaml

__all__ = ["Policy", "load_policy", "parse_policy", "bundled_ids"]


@dataclass(frozen=True)
class Policy:
    """Bounds a reviewer sets, keyed by ``(scenario id, check label)``."""

    path: str
    #: the expectation fields each entry sets
    entries: dict[tuple[str, str], dict[str, Any]]
    #: the line of each entry in the file
    lines: dict[tuple[str, str], int]
    digest: str

    @property
    def name(self) -> str:
        return Path(self.path).name

    def apply(self, scenarios: list[Scenario]) -> list[Scenario]:
        """``scenarios`` with this policy's bounds in place of their own.

        An entry naming a check its scenario does not have, or a scenario that is neither
        audited nor in the bundled library, is an error naming the file, the line and the
        check. Entries for bundled scenarios left out of this audit are not used
        (:meth:`unused`): one policy can serve audits of any part of the library."""
        by_id = {s.id: s for s in scenarios}
        known = set(by_id) | bundled_ids()
        for key, line in self.lines.items():
            sid, label = key
            where = f"{self.path}, line {line}: {sid}.{label}"
            if sid not in by_id and sid in known:
                continue
            if sid not in by_id:
                close = difflib.get_close_matches(sid, known, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ScenarioError(
                    f"{where}: no scenario {sid!r} among the audited ones or "
                    f"the bundled library.{hint} Audited: "
                    f"{', '.join(sorted(by_id)) or 'none'}"
                )
            labels = [c.label for c in by_id[sid].checks]
            if label not in labels:
                close = difflib.get_close_matches(label, labels, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ScenarioError(
                    f"{where}: scenario {sid!r} has no check {label!r}.{hint} "
                    f"Its checks: {', '.join(labels)}"
                )
        out = []
        for scenario in scenarios:
            checks = []
            for check in scenario.checks:
                key = (scenario.id, check.label)
                if key in self.entries:
                    check = check.model_copy(update={"expect": self.expectation(key, check.expect)})
                checks.append(check)
            out.append(scenario.model_copy(update={"checks": checks}))
        return out

    def expectation(self, key: tuple[str, str], current: Expectation) -> Expectation:
        """The expectation this policy sets for ``key`` over ``current``."""
        fields = dict(self.entries[key])
        base = {} if "kind" in fields else current.model_dump(exclude={"rationale"})
        fields.setdefault("rationale", f"policy: {self.name}, line {self.lines[key]}")
        try:
            return Expectation.model_validate(base | fields)
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            raise ScenarioError(
                f"{self.path}, line {self.lines[key]}: {key[0]}.{key[1]}: {err['msg']}"
            ) from None

    def unused(self, scenarios: list[Scenario]) -> list[tuple[str, str]]:
        """The entries for scenarios not among ``scenarios``."""
        ids = {s.id for s in scenarios}
        return [key for key in self.entries if key[0] not in ids]

    def info(self, scenarios: list[Scenario] | None = None) -> dict[str, Any]:
        """What the results record: the file, its digest and every bound it sets, each marked
        ``applied`` (its scenario was audited) or not."""
        unused = set(self.unused(scenarios)) if scenarios is not None else set()
        bounds = [
            {
                "scenario": key[0],
                "check": key[1],
                "line": self.lines[key],
                "set": self.entries[key],
                "applied": key not in unused,
            }
            for key in self.entries
        ]
        return {"path": self.path, "name": self.name, "sha256": self.digest, "bounds": bounds}

    def sets(self, scenario: str, check: str) -> bool:
        return (scenario, check) in self.entries


def bundled_ids() -> set[str]:
    """Ids of the bundled library's scenarios (their file names)."""
    return {p.stem for p in bundled_scenarios().glob("*.yaml")}


def parse_policy(text: str, path: str = "<string>") -> Policy:
    """Read a policy from YAML text; errors name ``path`` and the line."""
    data, node = load_yaml(text, path, error=ScenarioError)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}: a policy is a mapping of 'scenario.check: {{field: "
            f"value}}' entries; got {type(data).__name__}"
        )
    located = Located(node)
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    lines: dict[tuple[str, str], int] = {}
    allowed = set(Expectation.model_fields)
    for raw, fields in data.items():
        line = located.key_line((raw,)) or 0
        key = str(raw)
        sid, dot, label = key.partition(".")
        if not dot or not sid or not label:
            raise ScenarioError(
                f"{path}, line {line}: {key!r} is not 'scenario.check' (e.g. bought-followers.gain)"
            )
        if not isinstance(fields, dict) or not fields:
            raise ScenarioError(
                f"{path}, line {line}: {key}: give the expectation fields to "
                "set, e.g. {at_most: 10}"
            )
        unknown = sorted(set(map(str, fields)) - allowed)
        if unknown:
            close = difflib.get_close_matches(unknown[0], allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ScenarioError(
                f"{path}, line {line}: {key}: unknown field {unknown[0]!r}."
                f"{hint} Allowed: {', '.join(sorted(allowed))}"
            )
        if (sid, label) in entries:
            raise ScenarioError(f"{path}, line {line}: {key} is set twice")
        entries[(sid, label)] = {str(k): v for k, v in fields.items()}
        lines[(sid, label)] = line
    return Policy(path, entries, lines, hashlib.sha256(text.encode()).hexdigest())


def load_policy(path: str | os.PathLike) -> Policy:
    """Read a policy file (see the module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read policy file: {exc.strerror}") from None
    return parse_policy(text, str(p))
