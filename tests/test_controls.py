"""Controls instead of a split requirement (issue 9): every check of the bundled library has a
positive control (a reference scorer built to have the flaw; the check must fail it) and a
negative control (built without it; the check must pass it), at the default seed count. The
control scorers are checked against a hand transcription of what each counts; the oracle gets
the ground truth, and no other scorer can."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import Registry, Scorer, World, audit, bundled_scenarios, load_scenarios
from auditkit.auditing.engine import DEFAULT_SEEDS
from auditkit.cli import main
from auditkit.errors import ScorerError
from auditkit.plugin.scorer import TruthScorer, run_scorer
from auditkit.scenario.run import ScenarioRun


@pytest.fixture(scope="module")
def registry():
    return Registry()


@pytest.fixture(scope="module")
def library(registry):
    return load_scenarios([bundled_scenarios()], registry)


@pytest.fixture(scope="module")
def controls_results(library, registry):
    """Only the declared controls (the oracle where a check declares it), default seeds."""
    return audit(library, [], controls=True, oracle=False, registry=registry)


def test_every_bundled_check_declares_a_positive_and_a_negative_control(library, registry):
    for scenario in library:
        for check in scenario.checks:
            where = f"{scenario.id}.{check.label}"
            assert check.controls.positive, f"{where} has no positive control"
            assert check.controls.negative, f"{where} has no negative control"
            for cid in (*check.controls.positive, *check.controls.negative):
                assert registry.scorers[cid].reference in ("control", "oracle"), (where, cid)


def test_every_positive_control_fails_and_every_negative_control_passes(controls_results):
    """The checks can fail and can pass: asserted over the default seed count, with the
    verdict rules of an audit (interval wholly outside or inside the acceptable region)."""
    t = controls_results.table
    assert set(t["role"]) == {"positive control", "negative control"}
    assert (t["seeds"] == DEFAULT_SEEDS).all()
    wrong = t[
        ((t["role"] == "positive control") & (t["verdict"] != "fail"))
        | ((t["role"] == "negative control") & (t["verdict"] != "pass"))
    ]
    assert wrong.empty, "\n".join(
        f"{r.scenario}.{r.check} {r.role} {r.scorer}: {r.verdict} ({r.outcomes}) {r.finding}"
        for r in wrong.itertuples()
    )
    # and on every seed: no control is blind or degenerate anywhere, so none passes or fails
    # on a technicality
    partial = t[t["measured"] != t["seeds"]]
    assert partial.empty, partial[["scenario", "check", "scorer", "outcomes"]].to_string()
    checks = {(s, c) for s, c in zip(t["scenario"], t["check"], strict=True)}
    assert len(checks) == sum(len(s.checks) for s in load_scenarios([bundled_scenarios()]))


def test_controls_and_the_oracle_are_left_out_of_default_audits(registry):
    references = registry.references()
    assert "oracle" in references and len(references) > 10
    assert all(r == "oracle" or r.startswith("control-") for r in references)
    assert not set(references) & {s.id for s in registry.all()}
    assert not set(references) & set(registry.built_in_scorers())
    assert registry.references("oracle") == ["oracle"]


def test_audit_with_controls_shows_them_beside_the_scorers(tmp_path):
    scenarios = bundled_scenarios()
    result = CliRunner().invoke(
        main,
        [
            "audit",
            str(scenarios / "spam-squirrel.yaml"),
            str(scenarios / "small-spark.yaml"),
            "--scorer",
            "followers",
            "--controls",
            "--seeds",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    for cid in ("control-posts", "control-reactors", "control-sharers", "oracle"):
        assert cid in out
    assert "every positive control failed and every negative control passed" in out
    # the audited scorer's counts exclude the references
    assert result.stderr.strip().endswith("0 error, 0 skip")
    assert "x 1 scorer in" in result.stderr


def test_the_oracle_on_every_check_never_fails_a_check_it_does_not_control(library, registry):
    """The oracle ranks by the ground truth; where it fails a check, the check (or the truth)
    is wrong (issue 9). The one check built to fail it is the small-community threshold, whose
    documented flaw is exactly a global reach ranking (its positive control)."""
    t = audit(library, [], seeds=3, controls=True, registry=registry).table
    oracle = t[t["scorer"] == "oracle"]
    assert len(oracle) == sum(len(s.checks) for s in library)
    failed = oracle[(oracle["verdict"] == "fail") & (oracle["role"] != "positive control")]
    assert failed.empty, failed[["scenario", "check", "finding"]].to_string()
    assert set(oracle.loc[oracle["role"] == "positive control", "scenario"]) == {
        "small-community-threshold"
    }


# ---- the oracle's access to the truth ----


def test_the_oracle_scores_by_the_truth_of_the_world_it_is_given(library, registry):
    scenario = next(s for s in library if s.id == "offline-influential")
    run = ScenarioRun(scenario, scenario.population.seed, registry)
    oracle = registry.scorer("oracle")
    np.testing.assert_array_equal(run.scores(oracle).to_numpy(), run.treated.truth)
    assert "truth" not in run.world.accounts.columns  # the world never carries it
    with pytest.raises(ScorerError, match="only a simulated scenario knows"):
        run_scorer(oracle, run.world)  # a world alone has no truth


def test_only_a_truth_scorer_is_given_the_truth(library, registry):
    seen = []

    class Snooper(Scorer):
        id, version, name, range = "snooper", "0", "snooper", (0.0, 1.0)
        description = "records what it is called with"

        def score(self, world, at=None, **extra):
            seen.append(extra)
            return world.series(np.zeros(len(world)))

        def explain(self, world, account, at=None):
            raise NotImplementedError

    scenario = next(s for s in library if s.id == "offline-influential")
    run = ScenarioRun(scenario, scenario.population.seed, registry)
    run.scores(Snooper())
    assert seen == [{}]
    with pytest.raises(TypeError, match="only a TruthScorer"):
        type("Cheat", (Snooper,), {"id": "cheat", "tags": frozenset({"truth"})})


# ---- each control counts what its docstring says (hand transcription) ----

T0 = pd.Timestamp("2024-01-01T00:00:00Z")


def _at(day: float) -> str:
    return (T0 + pd.Timedelta(minutes=round(day * 24 * 60))).isoformat()


@pytest.fixture(scope="module")
def hand_world():
    """a posts three times (one link) and gets reactions from b (twice), c and a spam bot s;
    b posts once and replies to a; f is a fake that follows a; everybody else follows a."""
    accounts = pd.DataFrame(
        {
            "account": ["a", "b", "c", "s", "f", "z"],
            "created": [_at(-400), _at(-300), _at(-200), _at(-10), _at(-5), _at(50)],
            "label": ["human", "human", "human", "spam", "fake", "human"],
            "group": ["g1", "g1", "g2", "g2", "g2", "g2"],
        }
    )
    follows = pd.DataFrame(
        {
            "follower": ["b", "c", "f", "s", "a"],
            "followee": ["a", "a", "a", "a", "b"],
            "time": [_at(-30)] * 5,
        }
    )
    events = pd.DataFrame(
        [
            (_at(1), "a", "post", None, 1, False),
            (_at(1.1), "b", "share", "a", 1, False),
            (_at(1.2), "b", "like", "a", 1, False),
            (_at(1.3), "s", "mention", "a", -1, False),
            (_at(20), "a", "post", None, 2, True),
            (_at(20.1), "c", "reply", "a", 2, False),
            (_at(95), "a", "post", None, 3, False),
            (_at(95.5), "b", "reply", "a", 3, False),
            (_at(96), "b", "post", None, 4, False),
            (_at(96.1), "a", "reply", "b", 4, False),
        ],
        columns=["time", "actor", "action", "target", "post", "link"],
    )
    return World(accounts=accounts, follows=follows, events=events)


AT = _at(100)  # the window of 90 days covers days 10 to 100


def _expected(world: World) -> dict[str, dict[str, float]]:
    """What each control gives accounts a, b and c at day 100, counted by hand."""
    return {
        "control-followers": {"a": 4, "b": 1, "c": 0},
        "control-active-followers": {"a": 2, "b": 1, "c": 0},  # b, c acted in the window
        "control-posts": {"a": 2, "b": 1, "c": 0},  # a's day-1 post is outside
        "control-link-posts": {"a": 1, "b": 0, "c": 0},
        "control-reactors": {"a": 2, "b": 1, "c": 0},  # c and b; a replied to b
        "control-reactions": {"a": 2, "b": 1, "c": 0},
        "control-recent-reactions": {"a": 1, "b": 1, "c": 0},  # days 86-100
        "control-reaction-rate": {"a": 1.0, "b": 1.0, "c": 0.0},
        "control-conversation": {"a": 3, "b": 2, "c": 1},  # + whom each replied to
        "control-reactor-reach": {"a": 0 + 1, "b": 4, "c": 0},  # followers of c, b; of a
        "control-sharers": {"a": 0, "b": 0, "c": 0},  # b's share was on day 1.1
        "control-lifetime-reactions": {"a": 5, "b": 1, "c": 0},
        "control-community-rank": {"a": 75.0, "b": 25.0, "c": 50.0},  # g2 all tie at 0
        "control-lifetime": {"a": 4 + 3, "b": 1 + 1, "c": 0},
        "control-best-network": {"a": 2, "b": 1, "c": 0},
        "control-penalised": {"a": 2 - 10 * 2, "b": 1, "c": 0},  # f follows, s follows+mentions
        "control-log-followers": {
            k: 100 * np.log1p(v) / np.log1p(1e8) for k, v in {"a": 4, "b": 1, "c": 0}.items()
        },
        "control-top-normalised": {
            k: 100 * np.log1p(v) / np.log1p(4) for k, v in {"a": 4, "b": 1, "c": 0}.items()
        },
        # without a topic: every event in the window the account made or received
        "control-topic-conversation": {"a": 3 + 2, "b": 2 + 1, "c": 1},
        "control-topic-posts": {"a": 2, "b": 1, "c": 0},
    }


def test_each_control_counts_what_it_says(hand_world, registry):
    expected = _expected(hand_world)
    assert set(expected) == set(registry.references("control"))
    for cid, values in expected.items():
        scores = run_scorer(registry.scorer(cid), hand_world, AT)
        for account, value in values.items():
            assert scores[account] == pytest.approx(value), (cid, account)


def test_topic_controls_count_one_topic(hand_world, registry):
    """c only replies about books to a's book post: conversation credits c with books, its own
    posts do not."""
    events = hand_world.tables()["events"]
    events["topic"] = [
        "books",
        "books",
        "books",
        None,
        "books",
        "books",
        "cooking",
        "cooking",
        "cooking",
        "cooking",
    ]
    world = hand_world.with_tables(events=events)
    chat = run_scorer(registry.scorer("control-topic-conversation", topic="books"), world, AT)
    posts = run_scorer(registry.scorer("control-topic-posts", topic="books"), world, AT)
    assert chat[["a", "b", "c"]].tolist() == [2, 0, 1]  # a's day-20 post and c's reply to it
    assert posts[["a", "b", "c"]].tolist() == [1, 0, 0]


def test_a_truth_scorer_subclass_needs_the_truth(hand_world):
    class Half(TruthScorer):
        id, version, name, range = "half", "0", "half", (0.0, 1e12)
        description = "half the truth"

        def score_truth(self, world, truth, at=None):
            return world.series(truth / 2)

    truth = np.arange(len(hand_world), dtype=float)
    assert run_scorer(Half(), hand_world, truth=truth).tolist() == (truth / 2).tolist()
    with pytest.raises(ScorerError, match="only a simulated scenario knows"):
        run_scorer(Half(), hand_world)
