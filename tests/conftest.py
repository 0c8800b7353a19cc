"""Hypothesis profiles of the suite.

``ci`` (the default, and what ``.ci/run`` selects with ``HYPOTHESIS_PROFILE=ci``) keeps the
property tests that take their size from the profile fast; ``fuzz`` runs the loader fuzz tests
with 1,000 examples each (``HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz_loaders.py``;
docs/reliability.md). Tests with explicit ``@settings`` keep them under either profile.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "fuzz",
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def library_results():
    """The bundled library against every built-in scorer on two seeds, audited once for the
    session (tests/test_audit.py checks the form of the results, tests/test_verdicts.py that no
    seed without an answer passes; both only read it). Two seeds are enough for the form; the
    default seed count is exercised by the benchmark and tests/test_controls.py."""
    from auditkit import Registry, audit, bundled_scenarios, load_scenarios

    registry = Registry()
    scenarios = load_scenarios([bundled_scenarios()], registry)
    scorers = [registry.scorer(s) for s in registry.built_in_scorers()]
    return audit(scenarios, scorers, seeds=2, registry=registry)
