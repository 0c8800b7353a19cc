"""Verdicts a reviewer can defend (issue 9): the interval over seeds and the verdict it gives,
blind and degenerate scorers told apart from passing ones, thresholds with reasons, a
reviewer's own policy, harm judged in both directions, one finding counted once."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from scipy import stats

from auditkit import Registry, Scorer, audit, bundled_scenarios, hookimpl, load_scenarios
from auditkit.auditing.engine import AUTO_LOOKS, DEFAULT_SEEDS
from auditkit.auditing.statistics import (
    Interval,
    coverage,
    judge,
    median_interval,
    seeds_for_level,
)
from auditkit.auditing.verdicts import verdict_of
from auditkit.cli import main
from auditkit.errors import ScenarioError
from auditkit.scenario.model import Expectation
from auditkit.scenario.policy import load_policy, parse_policy

ROOT = Path(__file__).resolve().parents[1]

# ---- the interval and the verdict ----


@pytest.mark.parametrize("n", [1, 2, 5, 6, 9, 10, 20, 40])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_coverage_is_the_binomial_formula(n, k):
    """An independent transcription: P(x_(k) <= median <= x_(n-k+1)) = 1 - 2 P(Bin(n, .5) < k)."""
    if k > (n + 1) // 2:
        return
    assert coverage(n, k) == pytest.approx(1 - 2 * stats.binom.cdf(k - 1, n, 0.5))


def test_ten_seeds_drop_one_seed_at_each_end():
    i = median_interval(list(range(10)), 0.95)
    assert (i.low, i.high, i.estimate) == (1.0, 8.0, 4.5)
    assert i.confidence == pytest.approx(1 - 2 * 11 / 1024)  # 97.85%, at least 95%
    assert seeds_for_level(0.95) == 6
    nine = median_interval(list(range(9)), 0.95)  # the default: the fewest seeds
    assert (nine.low, nine.high) == (1.0, 7.0) and DEFAULT_SEEDS == 9  # that drop both ends
    assert nine.confidence == pytest.approx(1 - 2 * 10 / 512)


def test_too_few_seeds_give_the_whole_range_and_say_how_sure_it_is():
    five = median_interval([3, 1, 4, 1, 5], 0.95)
    assert (five.low, five.high) == (1.0, 5.0) and five.confidence == pytest.approx(0.9375)
    one = median_interval([7.0])
    assert (one.low, one.high, one.confidence) == (7.0, 7.0, 0.0)


def test_the_interval_covers_the_median_of_heavy_tailed_values():
    """What the order-statistic interval promises without any distributional assumption: over
    many replications of 10 seeds from a heavy-tailed (Pareto) and a lumpy (a catastrophic
    seed one time in five) distribution, at least 95% of the intervals hold the true median."""
    rng = np.random.default_rng(0)
    cases = {
        "pareto": (lambda k: rng.pareto(1.1, k), 1.0 * (2 ** (1 / 1.1) - 1)),
        "lumpy": (lambda k: np.where(rng.random(k) < 0.2, -75.0, rng.normal(-0.5, 0.3, k)), None),
    }
    for name, (draw, median) in cases.items():
        if median is None:
            median = float(np.median(draw(1_000_000)))
        hits = [
            (lambda i: i.low <= median <= i.high)(median_interval(draw(10))) for _ in range(4000)
        ]
        assert np.mean(hits) >= 0.95, name


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (1, 4, "pass"),
        (0, 5, "pass"),
        (5, 5, "pass"),  # bounds belong to the region
        (6, 9, "fail"),
        (-9, -0.5, "fail"),
        (3, 7, "inconclusive"),
        (-1, 2, "inconclusive"),
        (-3, 0, "inconclusive"),
    ],
)
def test_judge_against_the_region_zero_to_five(low, high, verdict):
    assert judge(Interval(0.5 * (low + high), low, high, 0.98, 10), 0, 5) == verdict


EXPECT = Expectation(kind="minimum", at_most=5)


def test_an_error_on_any_seed_is_an_error():
    assert verdict_of([1.0] * 9, ["pass"] * 9 + ["error"], EXPECT, 0.95)[0] == "error"


def test_no_value_on_most_seeds_gives_the_commonest_reason():
    assert verdict_of([], ["blind"] * 6 + ["degenerate"] * 4, EXPECT, 0.95)[0] == "blind"
    assert verdict_of([], ["blind"] * 5 + ["degenerate"] * 5, EXPECT, 0.95)[0] == "degenerate"
    assert verdict_of([], ["skip"] * 10, EXPECT, 0.95)[0] == "skip"
    # one seed failing among nine degenerate ones is not a fail
    assert verdict_of([9.0], ["fail"] + ["degenerate"] * 9, EXPECT, 0.95)[0] == "degenerate"


def test_a_pass_with_seeds_that_gave_no_answer_is_inconclusive():
    values = [0.0] * 8
    assert verdict_of(values, ["pass"] * 8, EXPECT, 0.95)[0] == "pass"
    assert verdict_of(values, ["pass"] * 8 + ["blind"] * 2, EXPECT, 0.95)[0] == "inconclusive"
    fails = [9.0] * 8
    assert verdict_of(fails, ["fail"] * 8 + ["degenerate"] * 2, EXPECT, 0.95)[0] == "fail"


@given(
    st.lists(
        st.sampled_from(["pass", "fail", "blind", "degenerate", "skip"]), min_size=1, max_size=20
    ),
    st.lists(st.floats(-10, 10), min_size=20, max_size=20),
)
def test_no_verdict_is_pass_when_a_seed_was_blind_or_degenerate(outcomes, pool):
    values = [v for v, o in zip(pool, outcomes, strict=False) if o in ("pass", "fail")]
    verdict, _ = verdict_of(values, outcomes, EXPECT, 0.95)
    if {"blind", "degenerate", "skip"} & set(outcomes):
        assert verdict != "pass"


# ---- blind and degenerate, end to end ----

TINY = textwrap.dedent("""\
    id: tiny
    flaw: F7
    title: tiny
    acceptable: tiny
    source: tests
    population: {accounts: 300, days: 60, seed: 5}
    cohorts:
      - {name: buyers, behaviour: bought_followers, size: 5, params: {count: 100}}
      - {name: real, behaviour: organic_followers, size: 5, params: {count: 40}}
      - {name: quiet, behaviour: inactive, size: 5, params: {start_day: 20}}
    checks:
      - {name: gain, probe: gain, cohort: buyers, expect: {kind: invariance, tolerance: 5}}
      - {name: gain-sensitive, probe: gain, cohort: buyers, sensitivity: real,
         expect: {kind: invariance, tolerance: 5}}
      - {name: ratio, probe: gain_ratio, cohort: buyers, versus: real,
         expect: {kind: minimum, at_most: 1}}
      - {name: excess, probe: excess_gain, cohort: buyers, versus: real,
         expect: {kind: minimum, at_most: 0}}
      - {name: gap, probe: percentile_gap, cohort: buyers, versus: real,
         expect: {kind: minimum, at_most: 0}}
      - {name: perk, probe: threshold_disparity, cohort: buyers, reference: real,
         expect: {kind: minimum, at_least: 0.8}}
      - {name: decay, probe: decay, cohort: quiet, after_days: 14,
         expect: {kind: minimum, at_most: 10}}
""")


class _Hand(Scorer):
    version, range, name, description = "0", (0.0, 1e9), "hand-made", "for verdict tests"

    def explain(self, world, account, at=None):
        raise NotImplementedError


class Constant(_Hand):
    id = "constant"

    def score(self, world, at=None):
        return world.series(np.full(len(world), 3.0))


class Bottom(_Hand):
    """Cohort members score 0, everybody else 1 + their code: nobody of them crosses a perk."""

    id = "bottom"

    def score(self, world, at=None):
        member = np.asarray(world.ids.str.contains("-"), bool)
        return world.series(np.where(member, 0.0, 1.0 + np.arange(len(world))))


class _Plugin:
    @hookimpl
    def register_scorers(self, register):
        for cls in (Constant, Bottom):
            register(cls)


@pytest.fixture(scope="module")
def hand_registry():
    return Registry(plugins=[("hand", _Plugin())])


@pytest.fixture(scope="module")
def tiny_seeds(hand_registry, tmp_path_factory):
    path = tmp_path_factory.mktemp("verdicts") / "tiny.yaml"
    path.write_text(TINY)
    scenarios = load_scenarios([path], hand_registry)
    scorers = [
        hand_registry.scorer(s)
        for s in ("constant", "bottom", "control-posts", "control-reactors", "control-followers")
    ]
    return audit(scenarios, scorers, seeds=2, registry=hand_registry)


def _verdict(results, check, scorer):
    t = results.table
    return t[(t.check == check) & (t.scorer == scorer)].iloc[0]


def test_nothing_moved_is_blind_not_a_pass(tiny_seeds):
    # a constant scorer: its gains are exactly 0, which once passed every bound around 0
    for check in ("gain", "gain-sensitive", "ratio", "excess", "decay"):
        row = _verdict(tiny_seeds, check, "constant")
        assert row.verdict == "blind", (check, row.finding)
    assert "exactly the same scores" in _verdict(tiny_seeds, "gain", "constant").finding


def test_ranks_decided_by_ties_are_degenerate_not_a_pass(tiny_seeds):
    for check in ("gap", "perk"):
        row = _verdict(tiny_seeds, check, "constant")
        assert row.verdict == "degenerate", (check, row.finding)
        assert "constant scores: nothing to rank" in row.finding
    perk = _verdict(tiny_seeds, "perk", "bottom")  # no member crosses: no rate to compare
    assert perk.verdict == "degenerate" and "no crossing rate to compare" in perk.finding


def test_a_sensitivity_cohort_tells_resisting_from_not_looking(tiny_seeds):
    # reactors: fakes never react (buyers unchanged) but genuine followers do (real moved)
    resisted = _verdict(tiny_seeds, "gain-sensitive", "control-reactors")
    assert resisted.verdict == "pass" and resisted.estimate == 0
    assert "it resisted" in resisted.finding
    # without the sensitivity cohort the same scorer cannot be told from a blind one
    assert _verdict(tiny_seeds, "gain", "control-reactors").verdict == "blind"
    # posts: neither the fakes nor genuine followers change anyone's posts
    assert _verdict(tiny_seeds, "gain-sensitive", "control-posts").verdict == "blind"
    # a follower count moves with the fakes, and fails
    assert _verdict(tiny_seeds, "gain-sensitive", "control-followers").verdict == "fail"


def test_a_ratio_without_a_yardstick_is_degenerate_not_a_number(tiny_seeds):
    row = _verdict(tiny_seeds, "ratio", "control-reactors")  # buyers 0, real up: a ratio of 0
    assert row.verdict in ("pass", "inconclusive")
    row = _verdict(tiny_seeds, "ratio", "control-followers")
    assert np.isfinite(row.estimate)  # no clipping at 99 any more: a measured ratio


def test_the_library_never_passes_a_seed_that_gave_no_answer(library_results):
    """Over the bundled library, every built-in scorer, two seeds (tests/conftest.py)."""
    seeds, table = library_results.seeds, library_results.table
    silent = seeds[seeds.verdict.isin(["blind", "degenerate", "skip"])]
    keys = set(zip(silent.scenario, silent.check, silent.scorer, strict=True))
    passed = table[table.verdict == "pass"]
    assert not keys & set(zip(passed.scenario, passed.check, passed.scorer, strict=True))


@pytest.fixture(scope="module")
def registry_all():
    return Registry()


@pytest.fixture(scope="module")
def library(registry_all):
    return load_scenarios([bundled_scenarios()], registry_all)


# ---- thresholds with reasons ----

#: the scenario files c143d16 changed to make the checks split the scorers (git show c143d16)
C143D16 = {
    "celebrity-borrowing",
    "engagement-pod",
    "inactivity-decay",
    "institutions",
    "link-broadcaster",
    "moving-scores",
    "newcomer-threshold",
    "second-network",
    "vacation-recovery",
    "volume-rewarded",
}


def test_every_bundled_threshold_has_a_rationale(library):
    for scenario in library:
        for check in scenario.checks:
            r = check.expect.rationale
            assert r and r.startswith(("source:", "policy:")), f"{scenario.id}.{check.label}"


def test_sourced_rationales_cite_the_catalogue_or_the_references(library):
    flaws = set(re.findall(r"^## (F\d+) — ", (ROOT / "docs" / "flaws.md").read_text(), re.M))
    for scenario in library:
        for check in scenario.checks:
            r = " ".join(check.expect.rationale.split())
            cited = re.findall(r"docs/flaws\.md (F\d+)", r) + re.findall(r"\bF\d+\b", r)
            assert set(cited) <= flaws, (scenario.id, check.label, cited)
            if r.startswith("source:"):
                assert "docs/flaws.md" in r or "docs/references.md#" in r, (
                    f"{scenario.id}.{check.label}: a source rationale cites no catalogue entry"
                )
            if "policy: P" in r or "policy P" in r or re.search(r"\bP\d\b", r):
                assert "docs/verdicts.md" in r, f"{scenario.id}.{check.label}: which P?"


def test_every_threshold_c143d16_changed_answers_its_history(library):
    for scenario in library:
        if scenario.id not in C143D16:
            continue
        text = " ".join(" ".join(c.expect.rationale.split()) for c in scenario.checks)
        assert "c143d16" in text, f"{scenario.id}: the rationale does not answer c143d16"


def test_the_f14_small_community_scenario_is_back(library):
    small = next(s for s in library if s.id == "small-community-threshold")
    assert small.flaw == "F14" and "33aac52" in small.checks[0].expect.rationale
    assert "small-community-threshold" in (ROOT / "docs" / "flaws.md").read_text()


def test_policy_kinds_are_defined_in_the_verdicts_page():
    page = (ROOT / "docs" / "verdicts.md").read_text()
    for p in range(1, 8):
        assert re.search(rf"^\| P{p} \|", page, re.M) or f"**P{p}" in page, f"P{p} undefined"


# ---- harm in both directions; one finding counted once ----

#: behaviours whose treatment someone else can apply to an account that did nothing
THIRD_PARTY = {"bought_followers", "spam_engagement"}


def test_gain_checks_of_what_others_can_do_are_two_sided(library):
    for scenario in library:
        for check in scenario.checks:
            if check.probe not in ("gain", "gain_per_cost"):
                continue
            cohort = scenario.cohort(check.probe_params["cohort"])
            low, high = check.expect.region()
            where = f"{scenario.id}.{check.label}"
            if cohort.behaviour in THIRD_PARTY and scenario.id != "moving-scores":
                assert np.isfinite(low) and np.isfinite(high), f"{where} is one-sided"
            elif check.expect.kind != "direction" and not np.isfinite(low):
                assert "P6" in check.expect.rationale, f"{where}: why one-sided?"


def test_no_bundled_check_counts_one_finding_twice(library):
    for scenario in library:
        measured = [(c.probe, c.probe_params.get("cohort")) for c in scenario.checks]
        for cohort in {c for _, c in measured}:
            probes = {p for p, c in measured if c == cohort}
            assert not {"gain", "gain_per_cost"} <= probes, (scenario.id, cohort)


# ---- a reviewer's policy ----

POLICY = """\
# my organisation's bounds
bought-followers.gain: {tolerance: 3, rationale: "policy: a third of a decile"}
spam-squirrel.genuine-outranks-spam: {kind: minimum, at_least: 0.9}
"""


def test_a_policy_replaces_bounds_and_keeps_the_rest(library):
    policy = parse_policy(POLICY, "strict.yaml")
    applied = {s.id: s for s in policy.apply(library)}
    gain = applied["bought-followers"].checks[0].expect
    assert (gain.kind, gain.tolerance, gain.rationale) == (
        "invariance",
        3,
        "policy: a third of a decile",
    )
    auc = applied["spam-squirrel"].checks[1].expect
    assert (auc.at_least, auc.at_most) == (0.9, None)
    assert auc.rationale == "policy: strict.yaml, line 3"
    untouched = applied["spam-squirrel"].checks[0].expect
    assert untouched == next(s for s in library if s.id == "spam-squirrel").checks[0].expect


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "bought-followers.gian: {at_most: 3}\n",
            "strict.yaml, line 1: bought-followers.gian: scenario 'bought-followers' has no check "
            "'gian'. Did you mean 'gain'?",
        ),
        (
            "# a comment\nbought-folowers.gain: {at_most: 3}\n",
            "strict.yaml, line 2: bought-folowers.gain: no scenario 'bought-folowers' among the "
            "audited ones or the bundled library. Did you mean 'bought-followers'?",
        ),
        (
            "bought-followers: {at_most: 3}\n",
            "strict.yaml, line 1: 'bought-followers' is not 'scenario.check'",
        ),
        (
            "bought-followers.gain: {at_mots: 3}\n",
            "strict.yaml, line 1: bought-followers.gain: "
            "unknown field 'at_mots'. Did you mean 'at_most'?",
        ),
        (
            "bought-followers.gain: {tolerance: -1}\n",
            "strict.yaml, line 1: bought-followers.gain: ",
        ),
        ("- bought-followers.gain\n", "strict.yaml: a policy is a mapping"),
    ],
)
def test_policy_errors_name_the_file_the_line_and_the_check(library, text, message):
    with pytest.raises(ScenarioError) as info:
        parse_policy(text, "strict.yaml").apply(library)
    assert str(info.value).startswith(message), str(info.value)


def test_the_results_record_the_policy_applied(tmp_path):
    (tmp_path / "strict.yaml").write_text(POLICY)
    scenario = bundled_scenarios() / "bought-followers.yaml"
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main,
        [
            "audit",
            str(scenario),
            "--scorer",
            "followers",
            "--seeds",
            "2",
            "--policy",
            str(tmp_path / "strict.yaml"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(out.read_text())
    assert data["meta"]["policy"]["name"] == "strict.yaml"
    applied = {b["check"]: b["applied"] for b in data["meta"]["policy"]["bounds"]}
    assert applied == {"gain": True, "genuine-outranks-spam": False}  # not audited this time
    assert len(data["meta"]["policy"]["sha256"]) == 64
    row = data["rows"][0]
    assert (row["policy"], row["expectation"]) == (
        "strict.yaml",
        "a change within ±3 percentile points",
    )
    bad = CliRunner().invoke(
        main, ["audit", str(scenario), "--policy", str(tmp_path / "missing.yaml")]
    )
    assert bad.exit_code == 2 and "cannot read policy file" in bad.output
    assert load_policy(tmp_path / "strict.yaml").sets("bought-followers", "gain")


# ---- seeds ----


class Noise(_Hand):
    """A deterministic function of the world that looks like noise: its gains straddle 0."""

    id = "noise"

    def score(self, world, at=None):
        rng = np.random.default_rng(len(world.events) + 7 * len(world.follows))
        return world.series(rng.random(len(world)) * 100)


def test_seeds_auto_adds_seeds_where_a_verdict_is_undecided(tmp_path):
    class Plugin:
        @hookimpl
        def register_scorers(self, register):
            register(Noise)
            register(Constant)

    registry = Registry(plugins=[("noise", Plugin())])
    (tmp_path / "tiny.yaml").write_text(
        TINY.replace(
            "      - {name: gain-sensitive",
            "      - {name: noisy, probe: gain, cohort: buyers,"
            " expect: {kind: invariance, tolerance: 0.5}}\n      - {name: gain-sensitive",
        )
    )
    scenarios = load_scenarios([tmp_path / "tiny.yaml"], registry)
    results = audit(scenarios, [registry.scorer("noise")], seeds="auto", registry=registry)
    stats_ = results.meta["statistics"]
    assert stats_["looks"] == list(AUTO_LOOKS)
    assert stats_["level_per_look"] == pytest.approx(1 - 0.05 / len(AUTO_LOOKS))
    assert len(results.meta["seed_lists"]["tiny"]) == AUTO_LOOKS[-1]  # never decided
    assert (results.table["seeds"] == AUTO_LOOKS[-1]).all()


def test_seed_options_are_checked(tmp_path):
    scenario = str(bundled_scenarios() / "bought-followers.yaml")
    for args, message in (
        (["--seeds", "0"], "is not a whole number of at least 1 or 'auto'"),
        (["--level", "1.5"], "1.5 is not in the range"),
        (["--seed", "-1"], "-1 is not in the range"),
    ):
        result = CliRunner().invoke(main, ["audit", scenario, *args])
        assert result.exit_code == 2 and message in result.output, result.output
