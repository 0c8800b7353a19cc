"""Core probes on hand-made scores: top_share counts accounts tied at the cut-off in proportion
(the order of the accounts cannot bias it), and a scorer that gives every account the same score
is degenerate for the ranking probes (no AUC of 0.5, no rho of 0)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from auditkit import Params, Registry, Scorer, audit, hookimpl, load_scenarios
from auditkit.scenario.run import ScenarioRun

SCENARIO = textwrap.dedent("""\
    id: ranking
    flaw: F1
    title: ranking probes on hand-made scores
    acceptable: anything
    source: tests
    population: {accounts: 30, days: 5, seed: 3}
    cohorts:
      - {name: talkers, behaviour: conversationalist, size: 10}
    checks:
      - {name: auc, probe: auc, genuine: base, spam: talkers,
         expect: {kind: minimum, at_least: 0.8}}
      - {name: top, probe: top_share, cohort: talkers, top: 4,
         expect: {kind: minimum, at_most: 25}}
      - {name: percentile, probe: cohort_percentile, cohort: talkers,
         expect: {kind: minimum, at_most: 50}}
      - {name: rho, probe: rank_correlation, versus: log_followers,
         expect: {kind: minimum, at_most: 0.95}}
""")


class _HandMade(Scorer):
    version, range, name = "0", (0.0, 10.0), "hand-made"
    description = "fixed scores for probe tests"

    def explain(self, world, account, at=None):
        raise NotImplementedError


class Constant(_HandMade):
    """Every account scores 5: nothing to rank."""

    id = "constant"

    def score(self, world, at=None):
        return world.series(np.full(len(world), 5.0))


class TwoAbove(_HandMade):
    """Accounts 0 and 1 score 2, everybody else ties at 1."""

    id = "two-above"

    def score(self, world, at=None):
        s = np.ones(len(world))
        s[:2] = 2.0
        return world.series(s)


class BaseTies(_HandMade):
    """Base accounts all score 3 (genuine and spam tie), the cohort's members spread out."""

    id = "base-ties"

    def score(self, world, at=None):
        s = np.full(len(world), 3.0)
        member = np.asarray(world.ids.str.startswith("talkers-"), bool)
        s[member] = np.linspace(1.0, 5.0, int(member.sum()))
        return world.series(s)


class _Plugin:
    @hookimpl
    def register_scorers(self, register):
        for cls in (Constant, TwoAbove, BaseTies):
            register(cls)


@pytest.fixture(scope="module")
def registry():
    return Registry(plugins=[("hand-made", _Plugin())])


@pytest.fixture(scope="module")
def scenarios(registry, tmp_path_factory):
    path = tmp_path_factory.mktemp("probes") / "ranking.yaml"
    path.write_text(SCENARIO)
    return load_scenarios([path], registry)


def _rows(scenarios, registry, scorer):
    """The per-seed rows of one seed, by check."""
    t = audit(scenarios, [registry.scorer(scorer)], seeds=1, registry=registry).seeds
    return t.set_index("check")


def test_top_share_counts_ties_at_the_cut_off_in_proportion(scenarios, registry):
    run = ScenarioRun(scenarios[0], 3, registry)
    talkers = run.members("talkers")
    n = len(run.members("population"))
    assert n == 40 and len(talkers) == 10 and talkers.min() >= 2  # accounts 0, 1 are base
    row = _rows(scenarios, registry, "two-above").loc["top"]
    # the top 4 holds accounts 0 and 1, then 2 of the 38 accounts tied at 1, 10 of them
    # talkers: each tied account counts 2/38, so the talkers hold 2 * 10/38 of 4 places (the
    # old rule broke the tie by account code and gave the later-added talkers 0%)
    assert row.value == pytest.approx(100 * 2 * 10 / 38 / 4)
    assert "13.2% of the top 4" in row.finding and "(it is 25% of the accounts)" in row.finding


def test_top_share_is_capped_at_the_population(scenarios, registry):
    from auditkit.probes.core import TopShare

    run = ScenarioRun(scenarios[0], 3, registry)
    m = TopShare(cohort="talkers", top=1000).measure(run, registry.scorer("two-above"))
    assert m.value == pytest.approx(25.0) and "top 40" in m.text  # 10 of all 40 accounts


def test_constant_scores_are_degenerate_for_the_ranking_probes(scenarios, registry):
    rows = _rows(scenarios, registry, "constant")
    assert (rows.verdict == "degenerate").all(), rows.finding.tolist()
    assert np.isnan(rows.value).all()
    # not an AUC of 0.5 (chance) nor a rho of 0: the scorer ranks nobody
    assert "constant scores: nothing to rank" in rows.loc["auc", "finding"]
    assert "gives all 40 accounts the same score" in rows.loc["auc", "finding"]
    for check in ("top", "percentile", "rho"):
        assert "constant scores" in rows.loc[check, "finding"]


def test_ties_between_the_compared_cohorts_still_give_an_auc(scenarios, registry):
    """The constant rule is about the whole population: a scorer that ties every genuine
    account but ranks the others is measured (ties count half), not skipped."""
    rows = _rows(scenarios, registry, "base-ties")
    # talkers spread over 1..5 around the base's 3: half below, half above
    assert rows.loc["auc", "verdict"] == "fail"
    assert rows.loc["auc", "value"] == pytest.approx(0.5)


# ---- misattributed_topics (F16) ----

TOPICS = textwrap.dedent("""\
    id: topics
    flaw: F16
    title: topics
    acceptable: anything
    source: tests
    population: {accounts: 300, days: 60, seed: 4}
    cohorts:
      - {name: chatters, behaviour: topic_chatter, size: 6}
    checks:
      - {probe: misattributed_topics, cohort: chatters, expect: {kind: minimum, at_most: 0}}
""")


class OwnPostsTopics(_HandMade):
    """A negative control: influential about a topic only through reactions to one's own posts
    about it (reactions read through the post they react to; the reaction's own topic is
    ignored)."""

    id = "own-posts-topics"

    class Params(Params):
        topic: str | None = None

    def score(self, world, at=None):
        ev = world.events
        s = np.zeros(len(world))
        if self.params.topic is None or "topic" not in ev:
            return world.series(s)
        posts = ev[ev["action"] == "post"]
        mine = {
            str(p): a
            for p, a, t in zip(posts["post"], posts["actor"], posts["topic"], strict=True)
            if t == self.params.topic
        }
        for action, target, post in zip(ev["action"], ev["target"], ev["post"], strict=True):
            if action != "post" and mine.get(str(post)) == target:
                s[world.code_of(target)] += 1
        return world.series(np.minimum(s, 10.0))


class _TopicPlugin:
    @hookimpl
    def register_scorers(self, register):
        register(OwnPostsTopics)


@pytest.fixture(scope="module")
def topic_run():
    from auditkit.scenario.model import parse_scenario

    registry = Registry(plugins=[("topics", _TopicPlugin())])
    scenario, _ = parse_scenario(TOPICS)
    return ScenarioRun(scenario, 4, registry), registry


def test_klouts_topic_attribution_fails_the_f16_probe(topic_run):
    from auditkit.probes.core import MisattributedTopics

    run, registry = topic_run
    m = MisattributedTopics(cohort="chatters").measure(run, registry.scorer("klout"))
    # every chatter is made influential about books, which it never posts about
    assert m.detail["topics"] == ["books", "cooking"]
    assert m.detail["misattributed"] == 6 and m.value == pytest.approx(
        100 * 6 / m.detail["attributed"]
    )
    assert "'books'" in m.text


def test_a_scorer_that_reads_only_its_own_posts_passes_the_f16_probe(topic_run):
    from auditkit.probes.core import MisattributedTopics

    run, registry = topic_run
    m = MisattributedTopics(cohort="chatters").measure(run, registry.scorer("own-posts-topics"))
    assert m.value == 0.0 and m.detail["attributed"] >= 4


def test_the_f16_probe_skips_scorers_and_worlds_without_topics(topic_run, scenarios):
    from auditkit.plugin.probe import NotApplicable
    from auditkit.probes.core import MisattributedTopics

    run, registry = topic_run
    with pytest.raises(NotApplicable, match="no topic parameter"):
        MisattributedTopics(cohort="chatters").measure(run, registry.scorer("followers"))
    plain = ScenarioRun(scenarios[0], 3, registry)
    with pytest.raises(NotApplicable, match="carry no topic"):
        MisattributedTopics(cohort="talkers").measure(plain, registry.scorer("klout"))
