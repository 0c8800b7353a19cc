"""Property-based fuzzing of the two loaders that read other people's files.

Whatever bytes a scenario file or a world directory holds, loading it either succeeds or raises
the loader's own error (``ScenarioError``, ``WorldError``) naming the file; never another
exception, never a hang. The inputs are the mutations of ``tests/fuzzing.py`` (the campaign in
``benchmarks/fuzz_campaign.py`` runs the same ones through the command line). The number of
examples comes from the hypothesis profile (``tests/conftest.py``): 30 under ``ci``, 1,000
under ``fuzz``.
"""

from __future__ import annotations

import time

import pytest
from fuzzing import corrupt_world, mutate_scenario, write_base_world
from hypothesis import given
from hypothesis import strategies as st

from auditkit.data.world import read_world
from auditkit.errors import ScenarioError, WorldError
from auditkit.plugin.registry import get_registry
from auditkit.scenario.model import load_scenario

#: No single load may take longer than this (a billion-laughs file, 100,000 nested brackets
#: and 20,000 cohorts included); a hang would show up as a much larger figure.
SLOW = 30.0


@pytest.fixture(scope="module")
def base_world(tmp_path_factory):
    return write_base_world(tmp_path_factory.mktemp("fuzz") / "base")


@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_a_mutated_scenario_loads_or_is_refused_with_its_file(tmp_path_factory, seed):
    data, applied = mutate_scenario(seed)
    path = tmp_path_factory.mktemp("scenario") / "mutant.yaml"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        load_scenario(path, get_registry())
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith(str(path)), (applied, message)
        assert len(message) < 2_000, (applied, len(message))  # an excerpt, never the value
    assert time.monotonic() - started < SLOW, applied


@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_a_corrupted_world_loads_or_is_refused_with_its_file(tmp_path_factory, base_world, seed):
    target = tmp_path_factory.mktemp("world") / "w"
    applied = corrupt_world(base_world, target, seed)
    started = time.monotonic()
    try:
        read_world(target)
    except WorldError as exc:
        message = str(exc)
        assert str(target) in message, (applied, message)
        assert len(message) < 2_000, (applied, len(message))
    assert time.monotonic() - started < SLOW, applied
