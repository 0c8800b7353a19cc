"""auditkit: audit and compare social-influence scores.

The public API. Data flows one way: a :class:`World` is scored by :class:`Scorer` plugins.
"""

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
from auditkit.scorer import Params, Scorer, Statement, run_scorer
from auditkit.synth import generate_world
from auditkit.world import ACTIONS, REACTIONS, World, read_world

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "REACTIONS",
    "AuditkitError",
    "ParameterError",
    "Params",
    "PluginError",
    "Registry",
    "ScenarioError",
    "Scorer",
    "ScorerError",
    "Statement",
    "UnknownScorerError",
    "World",
    "WorldError",
    "generate_world",
    "get_registry",
    "hookimpl",
    "read_world",
    "run_scorer",
]
