"""Scenarios: one YAML file, one behaviour under audit.

A scenario says what population to start from, what some cohorts of accounts do, what to
measure, and what an acceptable scorer would show. The schema is the pydantic model
:class:`Scenario` (published as JSON Schema by ``auditkit schema``); the language is documented in
``docs/scenarios.md``. Files are read as untrusted input (:mod:`auditkit.untrusted`):
``yaml.safe_load`` semantics, with limits on size, nesting and alias expansion, UTF-8 only,
duplicate keys and non-finite numbers refused. Every error names the file, the line and the
field, and says how to fix it; values are quoted in at most a short excerpt.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal

import pydantic
import yaml

from auditkit.errors import ScenarioError
from auditkit.text import STATISTIC_UNITS
from auditkit.untrusted import collection_paused, excerpt, load_yaml, read_text

__all__ = [
    "Scenario",
    "Population",
    "CohortSpec",
    "Check",
    "Controls",
    "Expectation",
    "RATIONALE_KINDS",
    "load_scenario",
    "load_scenarios",
    "scenario_files",
    "RESERVED_FILES",
]

_NAME = r"^[a-z][a-z0-9_-]*$"


class _Model(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Population(_Model):
    """The base population the cohorts join."""

    generator: Literal["social"] = pydantic.Field(
        "social",
        description="'social': heavy-tailed followers and activity, communities, "
        "reciprocity (auditkit.data.synth)",
    )
    world: str | None = pydantic.Field(
        None,
        description="a world directory to start from instead of a generator (relative "
        "to the scenario file); its own time span replaces days, and ground-truth probes are "
        "skipped on it",
    )
    accounts: int = pydantic.Field(
        1500, ge=10, le=1_000_000, description="ordinary accounts to generate"
    )
    days: float = pydantic.Field(120, gt=0, le=3650, description="length of the period")
    communities: int = pydantic.Field(8, ge=1, le=1000)
    follows_per_account: float = pydantic.Field(12, ge=0, le=1_000_000)
    events_per_account: float = pydantic.Field(20, ge=0, le=1_000_000)
    reciprocity: float = pydantic.Field(0.25, ge=0, le=1)
    locality: float = pydantic.Field(0.8, ge=0, le=1)
    post_share: float = pydantic.Field(0.35, gt=0, lt=1)
    seed: int = pydantic.Field(
        0,
        ge=0,
        le=2**62,
        description="first seed; --seeds N uses seed..seed+N-1 "
        "(--seed BASE shifts them by 1000 x BASE)",
    )


class CohortSpec(_Model):
    """A group of accounts that behave one way."""

    name: str = pydantic.Field(pattern=_NAME, description="referred to by checks")
    behaviour: str = pydantic.Field(description="id of a behaviour (see `auditkit behaviours`)")
    size: int = pydantic.Field(1, ge=1, le=1_000_000)
    params: dict[str, Any] = pydantic.Field(
        default_factory=dict, description="the behaviour's parameters"
    )


#: How a rationale starts: a cited source, or a policy with its reasoning.
RATIONALE_KINDS = ("source:", "policy:")


class Expectation(_Model):
    """What an acceptable scorer shows, CheckList-style.

    ``minimum``: the value must lie within ``at_least``/``at_most``. ``invariance``: the value (a
    change) must stay within ``tolerance`` of zero. ``direction``: the value (a change) must go
    ``up`` or ``down`` by at least ``by_at_least``. ``rationale`` says why this bound, set before
    any result: ``source: ...`` citing ``docs/flaws.md`` or ``docs/references.md``, or
    ``policy: ...`` with the reasoning for the number.
    """

    kind: Literal["minimum", "invariance", "direction"]
    at_least: float | None = None
    at_most: float | None = None
    tolerance: float | None = pydantic.Field(None, ge=0)
    direction: Literal["up", "down"] | None = None
    by_at_least: float = pydantic.Field(0.0, ge=0)
    rationale: str | None = pydantic.Field(
        None,
        min_length=10,
        description="why this bound: 'source: ...' citing docs/flaws.md "
        "or docs/references.md, or 'policy: ...' with the reasoning for the number (required "
        "in the bundled library)",
    )

    @pydantic.field_validator("rationale")
    @classmethod
    def _rationale_kind(cls, value: str | None) -> str | None:
        if value is not None and not value.lstrip().startswith(RATIONALE_KINDS):
            raise ValueError(
                "a rationale starts with 'source:' (a cited source) or 'policy:' "
                "(the reasoning for the number)"
            )
        return value

    @pydantic.model_validator(mode="after")
    def _fits_kind(self) -> Expectation:
        if self.kind == "minimum" and self.at_least is None and self.at_most is None:
            raise ValueError("a 'minimum' expectation needs at_least and/or at_most")
        if self.kind == "invariance" and self.tolerance is None:
            raise ValueError(
                "an 'invariance' expectation needs tolerance (how far from 0 the value may move)"
            )
        if self.kind == "direction" and self.direction is None:
            raise ValueError("a 'direction' expectation needs direction: up or down")
        if self.kind != "minimum" and (self.at_least is not None or self.at_most is not None):
            raise ValueError(f"at_least/at_most belong to kind 'minimum', not {self.kind!r}")
        return self

    def region(self) -> tuple[float, float]:
        """The acceptable values as a closed interval (bounds may be infinite)."""
        inf = float("inf")
        if self.kind == "minimum":
            return (
                -inf if self.at_least is None else self.at_least,
                inf if self.at_most is None else self.at_most,
            )
        if self.kind == "invariance":
            tol = float(self.tolerance or 0.0)
            return -tol, tol
        if self.direction == "up":
            return self.by_at_least, inf
        return -inf, -self.by_at_least

    def holds(self, value: float) -> bool:
        """Whether ``value`` meets the expectation."""
        low, high = self.region()
        return low <= value <= high

    def describe(self, unit: str = "") -> str:
        """The expectation as a phrase, its unit written as people write it:
        ``at most 5 percentile points``, ``at most 10% of the score``, ``AUC at least 0.8``,
        ``a change in rho within ±0.1``."""
        statistic = unit in STATISTIC_UNITS  # a named statistic comes before its number

        def amount(value: float) -> str:
            if not unit or statistic:
                return f"{value:g}"
            attached = unit.startswith("%") or unit == "x"  # 10% of the score, 3x
            return f"{value:g}{unit}" if attached else f"{value:g} {unit}"

        if self.kind == "minimum":
            parts = []
            if self.at_least is not None:
                parts.append(f"at least {amount(self.at_least)}")
            if self.at_most is not None:
                parts.append(f"at most {amount(self.at_most)}")
            bound = " and ".join(parts)
            return f"{unit} {bound}" if statistic else bound
        of = f" in {unit}" if statistic else ""
        if self.kind == "invariance":
            return f"a change{of} within ±{amount(self.tolerance or 0)}"
        word = "rise" if self.direction == "up" else "fall"
        if self.by_at_least:
            return f"a {word}{of} of at least {amount(self.by_at_least)}"
        return f"a {word}{of}"


class Controls(_Model):
    """Reference scorers that show a check can fail and can pass (``docs/verdicts.md``)."""

    positive: list[str] = pydantic.Field(
        default_factory=list,
        description="ids of scorers built to have the flaw: the check must fail them",
    )
    negative: list[str] = pydantic.Field(
        default_factory=list,
        description="ids of scorers built without the flaw: the check must pass them",
    )


class Check(_Model):
    """One measurement and its expectation. Fields other than these are the probe's parameters."""

    model_config = pydantic.ConfigDict(extra="allow", frozen=True)

    probe: str = pydantic.Field(description="id of a probe (see `auditkit probes`)")
    name: str | None = pydantic.Field(None, description="label in reports; default: the probe id")
    expect: Expectation
    controls: Controls = pydantic.Field(
        default_factory=Controls,
        description="positive and negative control scorers (`auditkit audit --controls`)",
    )

    @property
    def probe_params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def label(self) -> str:
        return self.name or self.probe


class Scenario(_Model):
    """One scenario file."""

    id: str = pydantic.Field(pattern=_NAME, description="unique id, e.g. spam-squirrel")
    flaw: str = pydantic.Field(
        pattern=r"^F([1-9]|1[0-8])$", description="the flaw it probes, F1..F18 (docs/flaws.md)"
    )
    title: str = pydantic.Field(min_length=3)
    acceptable: str = pydantic.Field(
        min_length=3, description="one sentence: what an acceptable scorer would do"
    )
    source: str = pydantic.Field(min_length=3, description="where the flaw is documented")
    population: Population = Population()
    cohorts: list[CohortSpec] = pydantic.Field(default_factory=list)
    checks: list[Check] = pydantic.Field(min_length=1)

    #: Set by :func:`load_scenario`: the file it came from.
    path: str | None = pydantic.Field(None, exclude=True)

    def cohort(self, name: str) -> CohortSpec:
        for c in self.cohorts:
            if c.name == name:
                return c
        raise KeyError(name)


# ---------------------------------------------------------------------------------------------
# loading with line numbers


class Located:
    """Maps a pydantic error location to the line of the YAML node it points at."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.root = node

    def line(self, loc: tuple[Any, ...]) -> int | None:
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == key), None)
                if match is None:
                    # the key itself is wrong (unknown field): point at it if present
                    kmatch = next((k for k, _ in node.value if k.value == key), None)
                    return kmatch.start_mark.line + 1 if kmatch is not None else best
                node = match
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and key < len(node.value)
            ):
                node = node.value[key]
            else:
                break
            best = node.start_mark.line + 1
        return best

    def key_line(self, loc: tuple[Any, ...]) -> int | None:
        """The line of the last key of ``loc`` (for unknown-field errors)."""
        node = self.root
        for i, key in enumerate(loc):
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == key:
                        if i == len(loc) - 1:
                            return k.start_mark.line + 1
                        node = v
                        break
                else:
                    return self.line(loc[:i])
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and key < len(node.value)
            ):
                node = node.value[key]
            else:
                return self.line(loc[:i])
        return self.line(loc)


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _hint(model: type[pydantic.BaseModel] | None, name: str) -> str:
    if model is None:
        return ""
    close = difflib.get_close_matches(name, model.model_fields, n=1)
    fields = ", ".join(model.model_fields)
    return (f" Did you mean {close[0]!r}?" if close else "") + f" Allowed fields: {fields}."


_MODELS_AT = {
    "population": Population,
    "cohorts": CohortSpec,
    "checks": Check,
    "expect": Expectation,
    "controls": Controls,
}


def _model_for(loc: tuple[Any, ...]) -> type[pydantic.BaseModel]:
    model: type[pydantic.BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, str) and part in _MODELS_AT:
            model = _MODELS_AT[part]  # type: ignore[assignment]
    return model


def scenario_error(path: str, line: int | None, field: str, message: str) -> ScenarioError:
    where = f"{path}, line {line}" if line else path
    return ScenarioError(f"{where}, field {excerpt(field)}: {message}")


def parse_scenario(text: str, path: str = "<string>") -> tuple[Scenario, Located]:
    """Parse one scenario from YAML text; errors name ``path``, the line and the field."""
    with collection_paused():  # a large file: no cyclic collections while it is validated
        return _parse(text, path)


def _parse(text: str, path: str) -> tuple[Scenario, Located]:
    data, node = load_yaml(text, path, error=ScenarioError)
    located = Located(node)
    if not isinstance(data, dict):
        line = node.start_mark.line + 1 if node is not None else 1
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(
            f"{path}, line {line}: a scenario is a mapping with id, flaw, "
            "title, acceptable, source, population, cohorts and checks; got "
            f"{got}"
        )
    try:
        scenario = Scenario.model_validate(data | {"path": path})
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = _field_path(loc)
        if err["type"] == "extra_forbidden":
            msg = f"unknown field {excerpt(loc[-1])}.{_hint(_model_for(loc), str(loc[-1]))}"
            line = located.key_line(loc)
        elif err["type"] == "missing":
            msg = f"required field {excerpt(loc[-1])} is missing; add it."
            line = located.line(loc[:-1])
        else:
            got = err.get("input")
            shown = "" if isinstance(got, dict | list) else f" (got {excerpt(got)})"
            msg = f"{err['msg']}{shown}."
            line = located.line(loc)
        raise scenario_error(path, line, field, msg) from None
    return scenario, located


def load_scenario(path: str | os.PathLike, registry=None, *, budget=None) -> Scenario:
    """Read and validate one scenario file, including behaviour and probe names and parameters,
    and its estimated size against ``budget`` (:mod:`auditkit.scenario.budget`; default: the
    default budget)."""
    p = Path(path)
    text = read_text(p, what="scenario file", error=ScenarioError)
    scenario, located = parse_scenario(text, str(p))
    from auditkit.plugin.registry import get_registry
    from auditkit.scenario.budget import check_budget

    registry = registry or get_registry()
    check_references(scenario, located, registry)
    check_budget(scenario, registry, located, budget)
    return scenario


def check_references(scenario: Scenario, located: Located, registry) -> None:
    path = scenario.path or "<string>"
    names = [c.name for c in scenario.cohorts]
    first: dict[Any, Any] = {}
    for i, name in enumerate(names):
        first.setdefault(name, i)
    checked: set[tuple[str, str]] = set()
    for i, cohort in enumerate(scenario.cohorts):
        if first[cohort.name] != i:
            raise scenario_error(
                path,
                located.line(("cohorts", i, "name")),
                f"cohorts[{i}].name",
                f"cohort name {excerpt(cohort.name)} is used twice; give each cohort its own name.",
            )
        if cohort.behaviour not in registry.behaviours:
            close = difflib.get_close_matches(cohort.behaviour, registry.behaviours, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise scenario_error(
                path,
                located.line(("cohorts", i, "behaviour")),
                f"cohorts[{i}].behaviour",
                f"unknown behaviour {excerpt(cohort.behaviour)}.{hint} Known: "
                f"{', '.join(sorted(registry.behaviours))}.",
            )
        key = (cohort.behaviour, repr(sorted(cohort.params.items())))
        if key in checked:  # the same behaviour and parameters as an earlier cohort
            continue
        checked.add(key)
        try:
            registry.behaviours[cohort.behaviour](**cohort.params)
        except ScenarioError as exc:
            raise scenario_error(
                path, located.line(("cohorts", i, "params")), f"cohorts[{i}].params", f"{exc}."
            ) from None
    labels = [c.label for c in scenario.checks]
    for i, check in enumerate(scenario.checks):
        if labels.index(check.label) != i:
            raise scenario_error(
                path,
                located.line(("checks", i)),
                f"checks[{i}].name",
                f"two checks are labelled {check.label!r}; give each a "
                "name: (results, policies and controls refer to checks by "
                "their label).",
            )
        for kind in ("positive", "negative"):
            for cid in getattr(check.controls, kind):
                if cid not in registry.scorers:
                    close = difflib.get_close_matches(cid, registry.scorers, n=1)
                    hint = f" Did you mean {close[0]!r}?" if close else ""
                    raise scenario_error(
                        path,
                        located.line(("checks", i, "controls", kind)),
                        f"checks[{i}].controls.{kind}",
                        f"no installed scorer {cid!r}.{hint}",
                    )
        if check.probe not in registry.probes:
            close = difflib.get_close_matches(check.probe, registry.probes, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise scenario_error(
                path,
                located.line(("checks", i, "probe")),
                f"checks[{i}].probe",
                f"unknown probe {excerpt(check.probe)}."
                f"{hint} Known: {', '.join(sorted(registry.probes))}.",
            )
        probe_cls = registry.probes[check.probe]
        try:
            probe = probe_cls(**check.probe_params)
        except ScenarioError as exc:
            bad = re.search(r"parameter '([^']+)'", str(exc))
            loc = ("checks", i, bad.group(1)) if bad else ("checks", i)
            raise scenario_error(
                path,
                located.key_line(loc),
                f"checks[{i}]" + (f".{bad.group(1)}" if bad else ""),
                f"{exc}.",
            ) from None
        for field in probe.cohort_fields():
            value = getattr(probe.params, field)
            for cname in [value] if isinstance(value, str) else list(value or []):
                if cname not in first and cname not in probe.special_cohorts:
                    close = difflib.get_close_matches(cname, names, n=1)
                    hint = f" Did you mean {close[0]!r}?" if close else ""
                    raise scenario_error(
                        path,
                        located.line(("checks", i, field)),
                        f"checks[{i}].{field}",
                        f"no cohort named {excerpt(cname)}.{hint} Cohorts of this scenario: "
                        f"{', '.join(names) or 'none'}"
                        + (
                            f"; or one of {', '.join(probe.special_cohorts)}"
                            if probe.special_cohorts
                            else ""
                        )
                        + ".",
                    )


#: Files a scenario folder may hold beside its scenarios, skipped when a directory is scanned:
#: the pytest gate's known findings and ``auditkit diff``'s tolerances (docs/regression.md).
RESERVED_FILES = ("known-findings.yaml", "known-findings.yml", "tolerances.yaml", "tolerances.yml")


def scenario_files(paths: list[str | os.PathLike]) -> list[Path]:
    """The ``*.yaml``/``*.yml`` files named or found (recursively) under ``paths``, sorted; a
    directory's :data:`RESERVED_FILES` are not scenarios and are left out."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(
                    q
                    for q in p.rglob("*")
                    if q.suffix in (".yaml", ".yml") and q.name not in RESERVED_FILES
                )
            )
        elif p.is_file():
            out.append(p)
        else:
            raise ScenarioError(f"{p}: no such scenario file or directory")
    return out


def load_scenarios(paths: list[str | os.PathLike], registry=None, *, budget=None) -> list[Scenario]:
    """Load every scenario under ``paths``; ids must be unique."""
    scenarios = [load_scenario(f, registry, budget=budget) for f in scenario_files(paths)]
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.id in seen:
            raise ScenarioError(
                f"{s.path}: scenario id {excerpt(s.id)} is also used by "
                f"{seen[s.id]}; ids must be unique"
            )
        seen[s.id] = s.path or ""
    return scenarios
