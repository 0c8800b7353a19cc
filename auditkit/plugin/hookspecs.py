"""The hooks a plugin may implement. Markers and specs only.

A plugin is a module (or object) with functions decorated by :data:`hookimpl`, exposed through
an entry point in the ``auditkit`` group of its package metadata::

    [project.entry-points.auditkit]
    my_scorer = "my_package.my_module"

auditkit's own scorers are registered the same way, from its own ``pyproject.toml``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

__all__ = [
    "hookspec",
    "hookimpl",
    "register_scorers",
    "register_behaviours",
    "register_probes",
    "register_renderers",
]

hookspec = pluggy.HookspecMarker("auditkit")
#: Decorate a plugin's hook functions with this.
hookimpl = pluggy.HookimplMarker("auditkit")


@hookspec
def register_scorers(register: Callable[[type[Any]], None]) -> None:
    """Register scorer classes by calling ``register(ScorerClass)`` once per class.

    :param register: takes a subclass of :class:`auditkit.Scorer`; raises
        :class:`auditkit.PluginError` for anything else or for an id already taken.

    Called once per plugin, in registration order, when the registry is built.
    """


@hookspec
def register_behaviours(register: Callable[[type[Any]], None]) -> None:
    """Register cohort behaviours (subclasses of :class:`auditkit.Behaviour`) for scenarios.

    :param register: takes a Behaviour subclass; an id already taken is a
        :class:`auditkit.PluginError`.
    """


@hookspec
def register_probes(register: Callable[[type[Any]], None]) -> None:
    """Register probes (subclasses of :class:`auditkit.Probe`) that scenarios can measure with.

    :param register: takes a Probe subclass; an id already taken is a
        :class:`auditkit.PluginError`.
    """


@hookspec
def register_renderers(register: Callable[[type[Any]], None]) -> None:
    """Register output formats (subclasses of :class:`auditkit.plugin.renderer.Renderer`) for
    every report.

    :param register: takes a Renderer subclass; an id already taken is a
        :class:`auditkit.PluginError`.
    """
