"""auditkit: audit and compare social-influence scores.

Data flows one way: a :class:`World` is scored by :class:`Scorer` plugins; a :class:`Scenario`
builds worlds in which cohorts of accounts follow a :class:`Behaviour`; :class:`Probe` plugins
measure each scorer on them; :func:`audit` collects the verdicts into :class:`Results`.
"""

import importlib
from typing import TYPE_CHECKING

# Names are imported on first use, so that importing auditkit (as pytest does for the plugin in
# every session) does not load pandas, scipy and pydantic until something needs them.
_EXPORTS = {
    "Results": "auditkit.auditing", "audit": "auditkit.auditing",
    "bundled_scenarios": "auditkit.auditing",
    "Behaviour": "auditkit.behaviour", "Cohort": "auditkit.behaviour",
    "AuditkitError": "auditkit.errors", "ParameterError": "auditkit.errors",
    "PluginError": "auditkit.errors", "ScenarioError": "auditkit.errors",
    "ScorerError": "auditkit.errors", "UnknownScorerError": "auditkit.errors",
    "WorldError": "auditkit.errors",
    "hookimpl": "auditkit.hookspecs",
    "Registry": "auditkit.plugins", "get_registry": "auditkit.plugins",
    "Measurement": "auditkit.probe", "NotApplicable": "auditkit.probe", "Probe": "auditkit.probe",
    "Scenario": "auditkit.scenario", "load_scenario": "auditkit.scenario",
    "load_scenarios": "auditkit.scenario",
    "Params": "auditkit.scorer", "Scorer": "auditkit.scorer", "Statement": "auditkit.scorer",
    "run_scorer": "auditkit.scorer", "statement_items": "auditkit.scorer",
    "generate_world": "auditkit.synth",
    "ACTIONS": "auditkit.world", "REACTIONS": "auditkit.world", "World": "auditkit.world",
    "read_world": "auditkit.world",
}


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'auditkit' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from auditkit.auditing import Results, audit, bundled_scenarios
    from auditkit.behaviour import Behaviour, Cohort
    from auditkit.errors import (
        AuditkitError,
        ParameterError,
        PluginError,
        ScenarioError,
        ScorerError,
        UnknownScorerError,
        WorldError,
    )
    from auditkit.hookspecs import hookimpl
    from auditkit.plugins import Registry, get_registry
    from auditkit.probe import Measurement, NotApplicable, Probe
    from auditkit.scenario import Scenario, load_scenario, load_scenarios
    from auditkit.scorer import Params, Scorer, Statement, run_scorer, statement_items
    from auditkit.synth import generate_world
    from auditkit.world import ACTIONS, REACTIONS, World, read_world

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "REACTIONS",
    "AuditkitError",
    "Behaviour",
    "Cohort",
    "Measurement",
    "NotApplicable",
    "ParameterError",
    "Params",
    "PluginError",
    "Probe",
    "Registry",
    "Results",
    "Scenario",
    "ScenarioError",
    "Scorer",
    "ScorerError",
    "Statement",
    "UnknownScorerError",
    "World",
    "WorldError",
    "audit",
    "bundled_scenarios",
    "generate_world",
    "get_registry",
    "hookimpl",
    "load_scenario",
    "load_scenarios",
    "read_world",
    "run_scorer",
    "statement_items",
]
