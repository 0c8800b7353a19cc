"""Scenario files: schema, line-located errors with a fix, and the JSON Schema."""

from __future__ import annotations

import json
import textwrap

import pytest

from auditkit import ScenarioError, get_registry
from auditkit.scenario.model import Expectation, load_scenario, parse_scenario
from auditkit.scenario.schema import scenario_json_schema

GOOD = textwrap.dedent("""\
    id: spam-test
    flaw: F1
    title: Spam should not outrank people
    acceptable: Spam accounts rank below engaged people.
    source: Schaefer, Return on Influence (2012)
    population: {accounts: 300, days: 60, seed: 3}
    cohorts:
      - name: squirrel
        behaviour: spam_bot
        size: 3
      - name: engaged
        behaviour: conversationalist
        size: 10
    checks:
      - probe: percentile_gap
        cohort: squirrel
        versus: engaged
        expect: {kind: minimum, at_most: 0}
""")


def write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_scenario_loads(tmp_path):
    s = load_scenario(write(tmp_path, GOOD))
    assert s.id == "spam-test" and s.cohorts[0].behaviour == "spam_bot"
    assert s.checks[0].probe_params == {"cohort": "squirrel", "versus": "engaged"}


@pytest.mark.parametrize(
    ("old", "new", "line", "fragments"),
    [
        ("    size: 3\n", "    sise: 3\n", 10, ["unknown field 'sise'", "Did you mean 'size'"]),
        ("flaw: F1\n", "flaw: F99\n", 2, ["field 'flaw'", "F99"]),
        (
            "population: {accounts: 300",
            "population: {accounts: many",
            6,
            ["population.accounts", "'many'"],
        ),
        (
            "behaviour: spam_bot",
            "behaviour: spam_bott",
            9,
            ["unknown behaviour 'spam_bott'", "Did you mean 'spam_bot'"],
        ),
        ("probe: percentile_gap", "probe: percentile_gapp", 15, ["unknown probe"]),
        (
            "    versus: engaged\n",
            "    versus: enaged\n",
            17,
            ["no cohort named 'enaged'", "Did you mean 'engaged'"],
        ),
        (
            "    versus: engaged\n",
            "    versus: engaged\n    colour: red\n",
            18,
            ["has no parameter 'colour'"],
        ),
        (
            "expect: {kind: minimum, at_most: 0}",
            "expect: {kind: minimum}",
            18,
            ["needs at_least and/or at_most"],
        ),
        ("    size: 3\n", "    size: 0\n", 10, ["cohorts[0].size", "greater than or equal to 1"]),
        ("title: Spam should not outrank people\n", "", None, ["required field 'title'"]),
        ("  - name: engaged\n", "  - name: squirrel\n", 11, ["'squirrel' is used twice"]),
    ],
)
def test_errors_name_file_line_field_and_fix(tmp_path, old, new, line, fragments):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert msg.startswith(str(path))
    if line is not None:
        assert f"line {line}," in msg, msg
    for fragment in fragments:
        assert fragment in msg, msg


def test_yaml_syntax_error_has_a_line(tmp_path):
    path = write(tmp_path, GOOD.replace("  - name: engaged", "  - name: [engaged"))
    with pytest.raises(ScenarioError, match=r"line \d+: invalid YAML"):
        load_scenario(path)


def test_yaml_is_safe_loaded(tmp_path):
    path = write(tmp_path, GOOD.replace("title: Spam", "title: !!python/object/apply:os.system"))
    with pytest.raises(ScenarioError, match="invalid YAML"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("spec", "value", "holds"),
    [
        ({"kind": "minimum", "at_least": 0.8}, 0.8, True),
        ({"kind": "minimum", "at_least": 0.8}, 0.79, False),
        ({"kind": "minimum", "at_least": 1, "at_most": 2}, 2.5, False),
        ({"kind": "invariance", "tolerance": 5}, -5, True),
        ({"kind": "invariance", "tolerance": 5}, 5.1, False),
        ({"kind": "direction", "direction": "up"}, 0.0, True),
        ({"kind": "direction", "direction": "up", "by_at_least": 3}, 2.9, False),
        ({"kind": "direction", "direction": "down", "by_at_least": 3}, -3, True),
        ({"kind": "direction", "direction": "down"}, 0.1, False),
    ],
)
def test_expectations(spec, value, holds):
    assert Expectation(**spec).holds(value) is holds


def test_json_schema_lists_installed_behaviours_and_probes():
    schema = scenario_json_schema(get_registry())
    json.dumps(schema)
    defs = schema["$defs"]
    assert "spam_bot" in defs["CohortSpec"]["properties"]["behaviour"]["enum"]
    assert "auc" in defs["Check"]["properties"]["probe"]["enum"]
    assert set(schema["required"]) >= {"id", "flaw", "title", "acceptable", "source", "checks"}


def test_parse_from_text_without_file():
    scenario, _ = parse_scenario(GOOD)
    assert scenario.path == "<string>"


def test_a_scenario_run_frees_its_drafts_events_once_both_worlds_exist():
    import copy

    import pandas as pd

    from auditkit import bundled_scenarios, load_scenarios
    from auditkit.scenario.run import ScenarioRun

    registry = get_registry()
    scenario = next(
        s for s in load_scenarios([bundled_scenarios()], registry) if s.id == "bought-followers"
    )
    kept = ScenarioRun(scenario, 1, registry, keep_events=True)
    freed = ScenarioRun(scenario, 1, registry)
    assert len(freed.treated.draft.events(writable=False)["time"])  # one world: still there
    for run in (kept, freed):
        run.control  # noqa: B018 (both worlds now exist)
    pd.testing.assert_frame_equal(freed.control.world.events, kept.control.world.events)
    pd.testing.assert_frame_equal(freed.treated.world.events, kept.treated.world.events)
    assert len(kept.control.draft.events()["time"]) == len(kept.control.world.events)
    for built in (freed.treated, freed.control):
        with pytest.raises(ScenarioError, match="keep_events=True"):
            built.draft.events()
        with pytest.raises(ScenarioError, match="freed once its world was built"):
            copy.deepcopy(built.draft)
    # what the ground truth needs stays
    assert (freed.treated.truth == kept.treated.truth).all()


def test_treated_worlds_built_onto_the_control_world_equal_full_builds(monkeypatch):
    """Every bundled scenario: the treated world the run builds (merged into the control world
    where the treatments only added rows) is the world a full build of its draft gives."""
    import pandas as pd

    from auditkit import bundled_scenarios, load_scenarios
    from auditkit.data.draft import Draft
    from auditkit.scenario.run import ScenarioRun

    registry = get_registry()
    merged = set()
    build_onto = Draft._build_onto

    def recording(self, base, world):
        result = build_onto(self, base, world)
        if result is not None:
            merged.add(scenario.id)
        return result

    monkeypatch.setattr(Draft, "_build_onto", recording)
    for scenario in load_scenarios([bundled_scenarios()], registry):
        run = ScenarioRun(scenario, 2, registry)
        built = run.treated.world
        full = run.treated.draft.build()
        assert list(built.ids) == list(full.ids), scenario.id
        for table in ("accounts", "follows", "events"):
            pd.testing.assert_frame_equal(getattr(built, table), getattr(full, table))
    # treatments that only add rows are merged (also after a read joined the draft's pieces:
    # celebrity-borrowing, engagement-pod, sabotage); silences, follows that end and a second
    # network are built in full
    assert merged == {
        "bought-followers",
        "celebrity-borrowing",
        "engagement-pod",
        "moving-scores",
        "sabotage",
        "small-spark",
        "volume-rewarded",
    }


def test_large_paired_worlds_are_scored_side_by_side_with_the_same_scores(monkeypatch):
    """ScenarioRun.scores_pair: a concurrent scorer scores the treated and the control world at
    the same time in two threads once the worlds are large (the threshold forced down here): a
    barrier inside ``score`` only opens when both calls are in it. The scores are those of a
    run that scores one world after the other; a scorer not declared concurrent, and a failure
    on one world, stay as they were."""
    import threading

    import pandas as pd

    import auditkit.scenario.run as run_module
    from auditkit import ScorerError, bundled_scenarios, load_scenarios
    from auditkit.scenario.run import ScenarioRun
    from auditkit.scorers.followers import FollowerCount

    registry = get_registry()
    scenario = next(
        s for s in load_scenarios([bundled_scenarios()], registry) if s.id == "bought-followers"
    )
    calls: list[tuple[str, int]] = []
    barrier = threading.Barrier(2, timeout=30)

    class Together(FollowerCount):
        id = "together"
        concurrent = True

        def score(self, world, at=None):
            calls.append((threading.current_thread().name, len(world)))
            barrier.wait()  # raises (an error row) unless the other world is scored meanwhile
            if len(world) == len(control_world):
                raise ValueError("no scores for the control world")
            return super().score(world, at)

    class Alone(FollowerCount):
        id = "alone"
        concurrent = False  # FollowerCount declares it: a subclass may take it back

        def score(self, world, at=None):
            calls.append((threading.current_thread().name, len(world)))
            return super().score(world, at)

    serial = ScenarioRun(scenario, 1, registry)
    paired = ScenarioRun(scenario, 1, registry)
    control_world = paired.control.world
    assert len(paired.treated.world) != len(control_world)  # the fakes are extra accounts
    monkeypatch.setattr(run_module, "PARALLEL_ROWS", 0)
    for sid in registry.built_in_scorers():
        treated, control = paired.scores_pair(registry.scorer(sid))
        pd.testing.assert_series_equal(treated, serial.scores(registry.scorer(sid)))
        pd.testing.assert_series_equal(control, serial.scores(registry.scorer(sid), control=True))

    with pytest.raises(ScorerError, match="no scores for the control world"):
        paired.scores_pair(Together())
    assert sorted(n for _, n in calls) == sorted([len(paired.treated.world), len(control_world)])
    assert all(name.startswith("auditkit-pair") for name, _ in calls)
    pd.testing.assert_series_equal(  # the treated world's scores were kept
        paired.scores(Together()), serial.scores(registry.scorer("followers")).rename("together")
    )

    calls.clear()
    paired.scores_pair(Alone())
    assert [name for name, _ in calls] == ["MainThread", "MainThread"]


@pytest.mark.parametrize("seed", range(4))
def test_average_ranks_equal_pandas_average_rank(seed):
    """ScenarioRun.percentiles ranks with ``average_ranks``: exactly pandas' average rank, on
    values with many ties, NaN (left NaN), signed zeros (tied) and infinities."""
    import numpy as np
    import pandas as pd

    from auditkit.scenario.run import average_ranks

    rng = np.random.default_rng(seed)
    values = rng.integers(0, 50, 5_000).astype(float) / 7.0
    values[rng.random(len(values)) < 0.1] = np.nan
    values[:4] = [0.0, -0.0, np.inf, -np.inf]
    values[rng.random(len(values)) < 0.05] = rng.random()  # a continuous part
    expected = pd.Series(values).rank(method="average").to_numpy()
    np.testing.assert_array_equal(average_ranks(values), expected)
    for edge in ([], [np.nan, np.nan], [3.0], [2.0, 2.0, 1.0]):
        edge = np.array(edge, dtype=float)
        np.testing.assert_array_equal(
            average_ranks(edge), pd.Series(edge).rank(method="average").to_numpy()
        )
