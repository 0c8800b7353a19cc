"""auditkit: audit and compare social-influence scores.

Data flows one way: a :class:`World` is scored by :class:`Scorer` plugins; a :class:`Scenario`
builds worlds in which cohorts of accounts follow a :class:`Behaviour`; :class:`Probe` plugins
measure each scorer on them; :func:`audit` collects the verdicts into :class:`Results`.
"""

from auditkit.audit import Results, audit, bundled_scenarios
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
from auditkit.scorer import Params, Scorer, Statement, run_scorer
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
]
