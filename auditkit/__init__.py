"""auditkit: audit and compare social-influence scores.

Data flows one way: a :class:`World` is scored by :class:`Scorer` plugins; a :class:`Scenario`
builds worlds in which cohorts of accounts follow a :class:`Behaviour`; :class:`Probe` plugins
measure each scorer on them; :func:`audit` collects the verdicts into :class:`Results`. The
layers, bottom up: ``data`` -> ``plugin`` -> ``scenario`` -> ``auditing`` -> ``report`` ->
``cli`` and ``pytest_plugin`` (``docs/design.md``).
"""

import importlib
from typing import TYPE_CHECKING

# Names are imported on first use, so that importing auditkit (as pytest does for the plugin in
# every session) does not load pandas, scipy and pydantic until something needs them.
_MODULES = {
    "auditkit.auditing.engine": ("audit",),
    "auditkit.auditing.results": ("Results",),
    "auditkit.scenario.library": ("bundled_scenarios",),
    "auditkit.errors": (
        "AuditkitError",
        "ParameterError",
        "PluginError",
        "ScenarioError",
        "ScorerError",
        "UnknownScorerError",
        "WorldError",
    ),
    "auditkit.plugin.hookspecs": ("hookimpl",),
    "auditkit.plugin.registry": ("Registry", "get_registry"),
    "auditkit.plugin.behaviour": ("Behaviour", "Cohort"),
    "auditkit.plugin.probe": ("Blind", "Degenerate", "Measurement", "NotApplicable", "Probe"),
    "auditkit.plugin.params": ("Params",),
    "auditkit.plugin.scorer": ("Scorer", "Statement", "run_scorer", "statement_items"),
    "auditkit.scenario.model": ("Scenario", "load_scenario", "load_scenarios"),
    "auditkit.data.synth": ("generate_world",),
    "auditkit.data.world": ("ACTIONS", "REACTIONS", "World", "read_world"),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> object:
    if name == "__version__":  # read lazily: importing auditkit stays instant (launcher.py)
        from importlib import metadata

        version = metadata.version("auditkit")
        globals()["__version__"] = version
        return version
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
    from auditkit.auditing.engine import audit
    from auditkit.auditing.results import Results
    from auditkit.data.synth import generate_world
    from auditkit.data.world import ACTIONS, REACTIONS, World, read_world
    from auditkit.errors import (
        AuditkitError,
        ParameterError,
        PluginError,
        ScenarioError,
        ScorerError,
        UnknownScorerError,
        WorldError,
    )
    from auditkit.plugin.behaviour import Behaviour, Cohort
    from auditkit.plugin.hookspecs import hookimpl
    from auditkit.plugin.params import Params
    from auditkit.plugin.probe import Blind, Degenerate, Measurement, NotApplicable, Probe
    from auditkit.plugin.registry import Registry, get_registry
    from auditkit.plugin.scorer import Scorer, Statement, run_scorer, statement_items
    from auditkit.scenario.library import bundled_scenarios
    from auditkit.scenario.model import Scenario, load_scenario, load_scenarios

__all__ = [
    "ACTIONS",
    "AuditkitError",
    "Behaviour",
    "Blind",
    "Cohort",
    "Degenerate",
    "Measurement",
    "NotApplicable",
    "ParameterError",
    "Params",
    "PluginError",
    "Probe",
    "REACTIONS",
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
