"""The resource budget: size-like parameters are bounded, a scenario's estimated worlds are
checked at validate time, the estimate is an upper bound of what is built, and the draft
enforces the same budget while it builds."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from auditkit import Behaviour, Registry, hookimpl
from auditkit.auditing.engine import audit
from auditkit.cli import main
from auditkit.data.draft import Draft
from auditkit.errors import BudgetError, ScenarioError
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.registry import get_registry
from auditkit.scenario.budget import (
    BASE_MEMORY,
    BYTES_PER_ACCOUNT,
    BYTES_PER_EVENT,
    BYTES_PER_FOLLOW,
    Budget,
    estimate,
    parse_size,
)
from auditkit.scenario.model import load_scenario, parse_scenario
from auditkit.scenario.run import ScenarioRun

HEAD = textwrap.dedent("""\
    id: sized
    flaw: F1
    title: A sized scenario
    acceptable: Nothing in particular.
    source: a test
    """)


def scenario_text(
    population: str = "{accounts: 200, days: 30}",
    cohorts: str = "",
    checks: str = "  - {probe: gain, cohort: c, expect: {kind: minimum, at_most: 5}}\n",
) -> str:
    cohorts = cohorts or "  - {name: c, behaviour: bought_followers, size: 2}\n"
    return HEAD + f"population: {population}\ncohorts:\n{cohorts}checks:\n{checks}"


def load(tmp_path, text: str, budget: Budget | None = None):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return load_scenario(path, get_registry(), budget=budget)


@pytest.mark.parametrize(
    "params, fragment",
    [
        ("{activity: 1e308}", "activity"),
        ("{attention: 1e7}", "a trait is at most 1,000,000"),
        ("{count: 2147483648}", "less than or equal to 100000000"),
        ("{count: 1e100}", "count"),
        ("{padding: -1}", "greater than or equal to 0"),
    ],
)
def test_size_like_parameters_have_upper_bounds(tmp_path, params, fragment):
    text = scenario_text(
        cohorts=f"  - {{name: c, behaviour: bought_followers, size: 2, params: {params}}}\n"
    )
    with pytest.raises(ScenarioError, match="line 8") as info:
        load(tmp_path, text)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "cohort",
    [
        "{name: c, behaviour: follow_churn, size: 2, params: {cycles: 1e100}}",
        "{name: c, behaviour: follow_churn, size: 2, params: {cycles: 5000}}",
        "{name: c, behaviour: spam_bot, size: 2, params: {posts_per_day: 1e9}}",
        "{name: c, behaviour: sybil_region, size: 2, params: {reactions_per_post: 1e12}}",
        "{name: c, behaviour: follow_churn, size: 2, params: {unfollow_after_days: 1e9}}",
    ],
)
def test_more_bounds(tmp_path, cohort):
    with pytest.raises(ScenarioError, match="line 8"):
        load(tmp_path, scenario_text(cohorts=f"  - {cohort}\n"))


def test_probe_parameters_are_bounded(tmp_path):
    text = scenario_text(
        cohorts="  - {name: c, behaviour: inactive, size: 5}\n",
        checks="  - {probe: half_life, cohort: c, horizon: 1e15, expect: "
        "{kind: minimum, at_most: 30}}\n",
    )
    with pytest.raises(ScenarioError, match=r"line 10, field 'checks\[0\].horizon'"):
        load(tmp_path, text)


def test_a_scenario_over_the_budget_is_refused_with_what_to_lower(tmp_path):
    text = scenario_text(
        cohorts="  - {name: c, behaviour: bought_followers, size: 2}\n"
        "  - {name: bots, behaviour: spam_bot, size: 20, params: "
        "{posts_per_day: 1000000}}\n"
    )
    with pytest.raises(BudgetError) as info:
        load(tmp_path, text)
    message = str(info.value)
    assert message.startswith(str(tmp_path / "s.yaml") + ", line 9, field 'cohorts[1]'")
    assert "cohort 'bots' (spam_bot, size 20)" in message
    assert "lower its size, posts_per_day, mentions_per_day, follows" in message
    assert "--budget" in message
    # a budget large enough lets it through, deliberately
    assert load(tmp_path, text, Budget(parse_size("2TiB"))).id == "sized"


def test_twenty_cohorts_of_a_million_are_refused_at_once(tmp_path):
    cohorts = "".join(
        f"  - {{name: c{i}, behaviour: conversationalist, size: 1000000}}\n" for i in range(20)
    )
    checks = "  - {probe: gain, cohort: c0, expect: {kind: minimum, at_most: 5}}\n"
    with pytest.raises(BudgetError, match="the 20 cohorts with behaviour 'conversationalist'"):
        load(tmp_path, scenario_text(cohorts=cohorts, checks=checks))


def test_population_events_are_budgeted(tmp_path):
    text = scenario_text(population="{accounts: 1000000, events_per_account: 1000000}")
    with pytest.raises(
        BudgetError,
        match=r"line 6, field 'population'.*lower its accounts, "
        r"follows_per_account, events_per_account",
    ):
        load(tmp_path, text)


def test_the_budget_option_on_the_command_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(population="{accounts: 1000000, days: 30}"))
    refused = CliRunner().invoke(main, ["validate", str(path)])
    assert refused.exit_code == 2 and "raise the budget with --budget" in refused.output
    accepted = CliRunner().invoke(main, ["validate", str(path), "--budget", "64GiB"])
    assert accepted.exit_code == 0, accepted.output
    bad = CliRunner().invoke(main, ["validate", str(path), "--budget", "lots"])
    assert bad.exit_code == 2 and "is not a memory size" in bad.output


def test_parse_size():
    assert parse_size("4GiB") == 4 * 2**30 and parse_size("16GB") == 16e9
    assert parse_size("500 mb") == 500e6 and parse_size("2e9") == 2e9
    for bad in ("", "-1GB", "4 parsecs", "inf"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_the_memory_model_adds_up():
    text = scenario_text(
        population="{accounts: 1000, days: 30, follows_per_account: 10, events_per_account: 10}",
        cohorts="  - {name: c, behaviour: conversationalist, size: 10}\n",
    )
    scenario, located = parse_scenario(text)
    est = estimate(scenario, get_registry(), located)
    assert est.accounts == 1010
    follows, events = 1010 * 10 * 1.1, 1010 * 10
    assert est.follows == pytest.approx(follows) and est.events == pytest.approx(events)
    one_world = 1010 * BYTES_PER_ACCOUNT + follows * BYTES_PER_FOLLOW + events * BYTES_PER_EVENT
    assert est.memory == pytest.approx(BASE_MEMORY + one_world)  # no treatment: one world


COHORTS = [
    ("bought_followers", "{count: 300, padding: 30}"),
    ("follow_back_farm", "{follows: 100}"),
    ("follow_churn", "{follows: 50, cycles: 3}"),
    ("spam_bot", "{posts_per_day: 20, mentions_per_day: 5, follows: 100}"),
    ("sybil_region", "{degree: 5, posts_per_day: 2, reactions_per_post: 3}"),
    ("engagement_pod", "{}"),
    ("outsider_engagement", "{per_post: 5}"),
    ("celebrity_engagement", "{count: 3}"),
    ("small_spark", "{cascade_size: 50}"),
    ("high_volume_poster", "{extra_posts_per_day: 10, reactions_per_post: 1}"),
    ("link_broadcaster", "{posts_per_day: 5}"),
    ("institution", "{passive_followers: 40}"),
    ("second_network", "{posts_per_day: 4}"),
    ("conversationalist", "{}"),
    ("inactive", "{}"),
    ("newcomer", "{}"),
]


@pytest.mark.parametrize("behaviour, params", COHORTS, ids=[c[0] for c in COHORTS])
def test_the_estimate_bounds_what_is_built(behaviour, params):
    """For every built-in behaviour, the treated world has at most the estimated rows."""
    text = scenario_text(
        population="{accounts: 300, days: 20, seed: 3}",
        cohorts=f"  - {{name: c, behaviour: {behaviour}, size: 8, params: {params}}}\n",
        checks="  - {probe: gain, cohort: c, expect: {kind: minimum, at_most: 5}}\n",
    )
    scenario, located = parse_scenario(text)
    registry = get_registry()
    est = estimate(scenario, registry, located)
    world = ScenarioRun(scenario, 3, registry).treated.world
    assert len(world) <= est.accounts
    assert len(world.follows) <= est.follows
    assert len(world.events) <= est.events


def test_the_draft_enforces_the_budget_while_building():
    draft = Draft(days=10, seed=1)
    draft.row_limits = (100, 1000, 1000)
    draft.add_accounts(90, prefix="u")
    with pytest.raises(BudgetError, match="more than 100 accounts"):
        draft.add_accounts(20, prefix="v")
    with pytest.raises(BudgetError, match="more than 1,000 events"):
        draft.add_events(np.zeros(2000), np.zeros(2000, np.int64), "post")


class Underestimated(Behaviour):
    """Claims to add nothing, then adds a million events."""

    id = "underestimated"
    description = "a behaviour whose footprint is wrong"

    def footprint(self, size: int, setting: Setting) -> Footprint:
        return Footprint(accounts=size)

    def setup(self, draft, cohort, rng):
        super().setup(draft, cohort, rng)
        n = 1_000_000
        draft.add_events(np.zeros(n), np.repeat(cohort.members, n // cohort.size), "post")

    def treat(self, draft, cohort, rng):  # a treatment, so that gain measures it
        pass


class Plugin:
    @staticmethod
    @hookimpl
    def register_behaviours(register):
        register(Underestimated)


def test_a_wrong_estimate_still_ends_in_a_clean_error_row(tmp_path):
    import auditkit.behaviours
    import auditkit.probes
    import auditkit.scorers.followers

    registry = Registry(
        entry_points=False,
        plugins=[
            ("behaviours", auditkit.behaviours),
            ("probes", auditkit.probes),
            ("followers", auditkit.scorers.followers),
            ("under", Plugin()),
        ],
    )
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(cohorts="  - {name: c, behaviour: underestimated, size: 2}\n"))
    scenario = load_scenario(path, registry)
    results = audit(
        [scenario],
        [registry.scorer("followers")],
        registry=registry,
        budget=Budget(BASE_MEMORY + 100_000 * BYTES_PER_EVENT),
    )
    row = results.table.iloc[0]
    assert row["verdict"] == "error"
    assert "more than 100,000 events" in row["finding"]
