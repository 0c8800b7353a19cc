"""The public hypothesis strategies draw valid, social-network-shaped, readable inputs."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from auditkit import AuditkitError, Registry, World
from auditkit.checks import strategies
from auditkit.checks.strategies import (
    ATTACK_BEHAVIOURS,
    LABELS,
    accounts,
    attacks,
    describe_world,
    scenarios,
    worlds,
)
from auditkit.data.world import ACTIONS, REACTIONS
from auditkit.scenario.model import CohortSpec, load_scenario
from auditkit.scenario.run import ScenarioRun

FAST = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FIND = settings(
    max_examples=200, derandomize=True, database=None, phases=[Phase.generate, Phase.shrink]
)


def _defined_names(module) -> set[str]:
    """Public names a module binds at top level itself (not by importing them)."""
    tree = ast.parse(inspect.getsource(module))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_") and n != "__all__"}


def test_exports_match_what_the_module_defines():
    """hypothesis's _check_exports: __all__ is exactly the public names defined here, and
    every registered strategy is exported."""
    assert set(strategies.__all__) == _defined_names(strategies)
    assert {"accounts", "attacks", "scenarios", "worlds"} == strategies._STRATEGIES
    assert set(strategies.__all__) >= strategies._STRATEGIES
    for name in strategies._STRATEGIES:
        assert isinstance(getattr(strategies, name)(), st.SearchStrategy), name


def test_every_strategy_docstring_says_how_it_shrinks():
    for name in strategies._STRATEGIES:
        doc = inspect.getdoc(getattr(strategies, name))
        last = doc.strip().split("\n\n")[-1]
        assert last.startswith("Examples shrink towards"), (name, last)


@FAST
@given(worlds(labels=True, counts=True, groups=True, networks=True, created=True))
def test_drawn_worlds_are_valid_worlds(world):
    """Every drawn world passes full validation unchanged (it is built without it)."""
    rebuilt = World(**world.tables())
    for name in ("accounts", "follows", "events"):
        pd.testing.assert_frame_equal(
            getattr(world, name).reset_index(drop=True),
            getattr(rebuilt, name).reset_index(drop=True),
            check_categorical=False,
        )
    assert set(world.accounts["label"].dropna()) <= set(LABELS) - {None}
    assert (world.accounts["followers_count"] >= 0).all()


@FAST
@given(worlds(min_accounts=2, max_accounts=12, max_follows=40, max_events=40))
def test_worlds_have_the_promised_shape(world):
    f, e = world.follows, world.events
    assert 2 <= len(world) <= 12 and len(f) <= 40 and len(e) <= 40
    src, dst = world.follow_codes
    assert not (src == dst).any(), "self-follow"
    assert len(set(zip(src.tolist(), dst.tolist(), strict=True))) == len(src), "duplicate"
    start = pd.Timestamp("2024-01-01T00:00:00Z")
    for col in (f["time"], e["time"]):
        assert ((col >= start) & (col <= start + pd.Timedelta(days=30))).all()
    if not len(e):
        return
    posts = e[e["action"] == "post"].set_index("post")
    for row in e[e["action"].isin(REACTIONS)].itertuples():
        assert row.target != row.actor, "self-reaction"
        if isinstance(row.post, str):  # a reaction to a post: to its author, after it
            assert posts.loc[row.post, "actor"] == row.target
            assert posts.loc[row.post, "time"] <= row.time
        else:
            assert row.action == "mention"


def test_in_degree_is_heavy_tailed():
    """Preferential choice makes in-degree over-dispersed: its variance/mean ratio is about 1
    when followees are picked uniformly (Poisson), clearly above 1 here."""
    dispersion = []

    @settings(max_examples=200, derandomize=True, database=None, deadline=None)
    @given(worlds(min_accounts=20, max_accounts=20, max_follows=60))
    def collect(world):
        if len(world.follows) >= 10:
            degree = world.in_degree
            dispersion.append(degree.var() / degree.mean())

    collect()
    assert len(dispersion) >= 30
    assert np.median(dispersion) > 1.25, np.median(dispersion)


def test_reciprocity_is_drawn():
    def reciprocal(w: World) -> bool:
        edges = set(zip(*map(list, w.follow_codes), strict=True))
        return any((b, a) in edges for a, b in edges)

    world = find(worlds(max_accounts=6, max_follows=10), reciprocal, settings=FIND)
    src, dst = world.follow_codes
    assert len(src) == 2 and src[0] == dst[1] and src[1] == dst[0]


def test_worlds_shrink_to_a_small_readable_counterexample():
    world = find(
        worlds(max_accounts=6, max_follows=6, max_events=6),
        lambda w: len(w.follows) >= 2 and (w.events["action"] == "share").any(),
        settings=FIND,
    )
    assert len(world) == 2 and len(world.follows) == 2 and len(world.events) == 2
    text = repr(world)
    assert text == describe_world(world)
    assert text.splitlines()[0] == (
        "World: 2 accounts, 2 follows, 2 events; times are days after 2024-01-01T00:00:00+00:00"
    )
    assert "u0 -> u1  day 0" in text and "u1 -> u0" in text
    assert "day 0  u0  post  -  p0" in text and "u1  share  u0  p0" in text


def test_describe_world_cuts_long_tables_and_shows_columns():
    world = World(
        accounts={"account": ["a", "b"], "label": ["seed", None]},
        follows={"follower": ["b"], "followee": ["a"]},
        events={"time": ["2024-01-02T12:00:00Z"] * 3, "actor": ["a"] * 3, "action": ["post"] * 3},
    )
    text = describe_world(world, max_rows=2)
    assert "accounts (account, label):" in text and "  b  -" in text and "  a  seed" in text
    assert "b -> a" in text
    assert "day 0  a  post  -" in text and "... and 1 more events" in text
    assert describe_world(World()) == "World: 0 accounts, 0 follows, 0 events\naccounts: (none)"


@FAST
@given(worlds(max_accounts=5, ids=accounts()))
def test_drawn_ids_are_used_and_unique(world):
    ids = [str(a) for a in world.ids]
    assert len(set(ids)) == len(ids) and all(ids)
    assert all(set(a) <= set(strategies.ID_ALPHABET) for a in ids)


@FAST
@given(accounts(min_size=2, max_size=3, alphabet="xy"))
def test_accounts_respects_its_arguments(account):
    assert 2 <= len(account) <= 3 and set(account) <= {"x", "y"}


@FAST
@given(attacks())
def test_attacks_are_valid_cohorts_of_built_in_behaviours(spec):
    registry = Registry(
        entry_points=False, plugins=[("behaviours", __import__("auditkit.behaviours").behaviours)]
    )
    cohort = CohortSpec.model_validate(spec)
    assert cohort.behaviour in ATTACK_BEHAVIOURS
    registry.behaviours[cohort.behaviour](**cohort.params)  # parameters are valid
    assert cohort.size <= (20 if cohort.behaviour == "sybil_region" else 5)


def test_attacks_can_be_restricted_and_shrink_to_small_parameters():
    spec = find(
        attacks(behaviours=["bought_followers"]), lambda s: s["params"]["count"] > 10, settings=FIND
    )
    assert spec == {
        "name": "bought-followers",
        "behaviour": "bought_followers",
        "size": 1,
        "params": {"count": 11, "padding": 0, "day": None},
    }
    seen: set[str] = set()

    @FAST
    @given(attacks(behaviours=["spam_bot", "sybil_region"], max_size=2))
    def collect(spec):
        seen.add(spec["behaviour"])
        assert spec["size"] <= (20 if spec["behaviour"] == "sybil_region" else 2)

    collect()
    assert seen == {"spam_bot", "sybil_region"}


@settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenarios(max_accounts=30, max_days=20))
def test_scenarios_load_from_yaml_and_run(tmp_path_factory, scenario):
    registry = Registry()
    path = tmp_path_factory.mktemp("s") / "drawn.yaml"
    path.write_text(yaml.safe_dump(scenario.model_dump(exclude={"path"}), sort_keys=False))
    loaded = load_scenario(path, registry)  # names, behaviours, probes all check out
    assert loaded.cohorts == scenario.cohorts
    run = ScenarioRun(scenario, scenario.population.seed, registry)
    for cohort in scenario.cohorts:
        assert len(run.members(cohort.name)) >= 1
    assert {c.probe for c in scenario.checks} <= {"cohort_percentile", "gain"}


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: worlds(min_accounts=3, max_accounts=2), "max_accounts=2 is below min_accounts=3"),
        (lambda: worlds(max_follows=-1), "max_follows must be at least 0"),
        (lambda: worlds(days=0), "days must be a positive number"),
        (lambda: worlds(ids="abc"), "ids must be a hypothesis strategy"),
        (lambda: worlds(start="not a time"), "start must be a time"),
        (lambda: accounts(alphabet=""), "alphabet must be a non-empty string"),
        (lambda: attacks(behaviours=["bought_follower"]), "no behaviour 'bought_follower'"),
        (lambda: attacks(behaviours=[]), "behaviours is empty"),
        (lambda: scenarios(min_accounts=5), "min_accounts must be at least 10"),
    ],
)
def test_bad_arguments_raise_a_clear_error(call, message):
    with pytest.raises(AuditkitError, match=message) as info:
        call()
    assert isinstance(info.value, InvalidArgument)  # hypothesis's own convention too


def test_actions_cover_every_kind():
    kinds: set[str] = set()

    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(worlds(max_events=20))
    def collect(world):
        kinds.update(world.events["action"].astype(str))

    collect()
    assert kinds == set(ACTIONS)
