"""Hypothesis profiles of the suite.

``ci`` (the default, and what ``.ci/run`` selects with ``HYPOTHESIS_PROFILE=ci``) keeps the
property tests that take their size from the profile fast; ``fuzz`` runs the loader fuzz tests
with 1,000 examples each (``HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz_loaders.py``;
docs/reliability.md). Tests with explicit ``@settings`` keep them under either profile.
"""

from __future__ import annotations

import os

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
