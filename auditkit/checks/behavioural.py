"""The ``behaviour`` checks: properties an influence score should have (CheckList's directional
and invariance tests, Ribeiro et al. ACL 2020). A failure is a finding about the scorer, so
these are where ``expected_failed_checks`` documents a scorer's known flaws."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import yaml
from hypothesis import strategies as st

from auditkit.checks.builders import extend_world
from auditkit.checks.harness import (
    RTOL,
    Violation,
    checked_values,
    for_all,
    fresh_id,
    percentile_of,
    score_width,
    shown,
    worlds_for,
)
from auditkit.checks.registry import CheckFailed, register_check, scorer_label
from auditkit.checks.strategies import DEFAULT_START, describe_world
from auditkit.data.world import REACTIONS, World
from auditkit.plugin.scorer import Scorer
from auditkit.text import number, percentile, plural, signed

#: Most percentile points (and % of the score range) a target fed by a sybil region may gain as
#: the region grows from 1 to up to 40 accounts behind the same attack edges (SybilRank's bound:
#: trust entering a region is limited by its attack edges, not its size; Cao et al., NSDI 2012).
SYBIL_BOUND = 10.0
#: Most percentile points (median member, mean over seeds) that 100 bought dead followers may
#: add: the ``bought-followers`` scenario's acceptable gain (flaw F7).
BOUGHT_FOLLOWERS_BOUND = 5.0
#: Spam accounts' median percentile minus conversationalists' must be at most this (flaw F1,
#: the ``spam-squirrel`` scenario).
SPAM_GAP_BOUND = 0.0

_CHECK_SEEDS = (0, 1, 2)


@register_check(
    "behaviour",
    "a reaction from a new, distinct account never lowers the score of the account reacted to",
    needs=("events",),
)
def check_monotone_in_engagement(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """Monotone in genuine engagement: an account's score with one more reaction (share, reply,
    mention or like) to one of its posts, from a new account that does nothing else, is at
    least its score without it (same world otherwise, new account present in both, same
    ``at``). Tried for the first three accounts that posted (one drawn post each); in a world
    without posts, a drawn account posts first."""
    strategy = st.tuples(
        worlds_for(scorer, min_accounts=1),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
        st.sampled_from(REACTIONS),
    )
    tol = RTOL * score_width(scorer)

    def body(example: tuple[World, int, int, str]) -> None:
        world, a, p, action = example
        ev = world.tables()["events"]
        posts = ev[ev["action"] == "post"] if len(ev) else ev
        extra: list = []
        chosen: list[tuple[str, str | None]] = []
        if len(posts):
            for target, own in list(posts.groupby("actor", sort=True, observed=True))[:3]:
                row = own.iloc[p % len(own)]
                chosen.append(
                    (str(target), None if pd.isna(row.get("post", None)) else str(row["post"]))
                )
        else:
            target, post = str(world.ids[a % len(world)]), fresh_id(world, "check-post")
            extra.append((world.end or DEFAULT_START, target, "post", None, post))
            chosen.append((target, post))
        reactor = fresh_id(world, "reactor")
        base = extend_world(world, new_accounts=[reactor], events=extra)
        at = base.end
        before = checked_values(scorer, base, at, shown(base))
        for target, post in chosen:  # type: ignore[assignment]
            treated = extend_world(base, events=[(at, reactor, action, target, post)])
            ex = shown(treated, f"scored at the end; the {action} by {reactor} is the last event")
            i = treated.code_of(target)
            after = checked_values(scorer, treated, at, ex)[i]
            if after < before[i] - tol:
                raise Violation(
                    f"a {action} of {target}'s post {post} by the new account "
                    f"{reactor} lowered {target}'s score from {before[i]:.6g} to "
                    f"{after:.6g}",
                    ex(),
                )

    for_all(scorer, "check_monotone_in_engagement", strategy, body, max_examples, shrink)


def _sybil_world(world: World, attackers: list[str], m: int, events: bool) -> World:
    """``world`` plus a sybil region of ``m`` accounts behind the attack edges
    ``attacker -> sybil-<j mod m>``, built as the optimal link farm of Gyöngyi and
    Garcia-Molina (VLDB 2005): every sybil follows ``sybil-target``, which follows them all
    back; with ``events``, the target posts once and every sybil shares the post."""
    when = world.end or DEFAULT_START
    sybils = [f"sybil-{i}" for i in range(m)]
    target = "sybil-target"
    follows: list = []
    for s in sybils:
        follows += [(s, target, when), (target, s, when)]
    follows += [(a, sybils[j % m], when) for j, a in enumerate(attackers)]
    evts: list = []
    if events:
        evts.append((when, target, "post", None, "sybil-post"))
        evts += [(when, s, "share", target, "sybil-post") for s in sybils]
    return extend_world(world, new_accounts=[*sybils, target], follows=follows, events=evts)


@register_check(
    "behaviour",
    f"a target fed by a sybil region gains at most {SYBIL_BOUND:g} "
    "percentile points (and % of the score range) as the region grows from 1 to up to "
    "40 accounts behind the same attack edges",
    needs=("follows",),
)
def check_sybil_gain_bounded(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """Bounded gain from a sybil region per attack edge: a drawn honest world of 10-20 accounts,
    ``k`` (1-3) of which follow a sybil. The sybils follow a target who follows them back (a
    link farm; with the ``events`` tag, each sybil also shares the target's post). When the
    region grows from 1 to ``m`` (10-40) sybils behind the same attack edges, the target may
    rise by at most :data:`SYBIL_BOUND` percentile points among the honest accounts and by at
    most :data:`SYBIL_BOUND` % of the score range. (SybilRank bounds what a region gains by its
    attack edges, not its size; flaw F9.)"""
    strategy = st.tuples(
        worlds_for(scorer, min_accounts=10, max_accounts=20),
        st.integers(1, 3),
        st.integers(10, 40),
        st.lists(st.integers(0, 10**6), min_size=3, max_size=3),
    )
    width = score_width(scorer)
    tol = RTOL * width
    with_events = "events" in scorer.tags

    def body(example: tuple[World, int, int, list[int]]) -> None:
        world, k, m, picks = example
        ids = [str(a) for a in world.ids]
        attackers: list[str] = []
        for pick in picks[:k]:
            j = pick % len(ids)
            while ids[j] in attackers:
                j = (j + 1) % len(ids)
            attackers.append(ids[j])
        pct, score = [], []
        for size in (1, m):
            grown = _sybil_world(world, attackers, size, with_events)
            values = checked_values(scorer, grown, None, shown(grown))
            score.append(float(values[grown.code_of("sybil-target")]))
            pct.append(percentile_of(values[: len(ids)], score[-1], tol))
        gain, rise = pct[1] - pct[0], 100.0 * (score[1] - score[0]) / width
        if gain > SYBIL_BOUND + 1e-9 or rise > SYBIL_BOUND + 1e-9:
            edges = ", ".join(f"{a} -> sybil-{j}" for j, a in enumerate(attackers))
            farm = (
                f"plus a sybil region behind the attack edges {edges}: sybil-0.."
                f"sybil-{m - 1} follow sybil-target, which follows them back"
                + (", posts sybil-post and gets a share from every sybil" if with_events else "")
                + " (with 1 sybil, every attack edge goes to sybil-0)"
            )
            raise Violation(
                _sybil_finding(k, m, pct, score, gain, rise, len(ids)),
                describe_world(world) + "\n" + farm,
            )

    for_all(scorer, "check_sybil_gain_bounded", strategy, body, max_examples, shrink)


def _sybil_finding(
    k: int, m: int, pct: list[float], score: list[float], gain: float, rise: float, honest: int
) -> str:
    """What broke the sybil bound, the broken measure first. The percentile and the score are
    two bounds: when only the score's rise broke its bound, the percentile is reported as the
    context it is (an account that already outranks every honest account with one sybil
    cannot climb further, however much its score grows), not as the finding."""
    grew = f"with {plural(k, 'attack edge')}, growing the region from 1 to {m} sybils"
    moved = (
        f"moved sybil-target from {percentile(pct[0])} to {percentile(pct[1])} of the "
        f"{plural(honest, 'honest account')} ({signed(gain, 3)} percentile points"
    )
    raised = (
        f"raised sybil-target's score from {number(score[0], 4)} to "
        f"{number(score[1], 4)} ({signed(rise, 3)}% of the score range"
    )
    bound = f"; the bound is {SYBIL_BOUND:g})"
    if gain > SYBIL_BOUND + 1e-9 and rise > SYBIL_BOUND + 1e-9:
        return f"{grew} {moved}{bound} and {raised}{bound}"
    if gain > SYBIL_BOUND + 1e-9:
        return f"{grew} {moved}{bound}; its score rose {signed(rise, 3)}% of the range"
    context = (
        f"; its percentile could not show it: with one sybil it already outranked all "
        f"{plural(honest, 'honest account')}"
        if pct[0] >= 100.0 - 1e-9
        else f"; its percentile moved {signed(gain, 3)} points, from {percentile(pct[0])} "
        f"to {percentile(pct[1])}"
    )
    return f"{grew} {raised}{bound}{context}"


#: Days after a world's end at which :func:`check_no_rise_in_silence` scores it again (around
#: the usual 30/60/90-day windows, and long after).
SILENCE_DAYS: tuple[int, ...] = (
    1,
    2,
    3,
    5,
    7,
    10,
    14,
    20,
    25,
    29,
    30,
    31,
    35,
    40,
    45,
    50,
    55,
    59,
    60,
    61,
    65,
    70,
    75,
    80,
    85,
    88,
    89,
    90,
    91,
    95,
    100,
    120,
    150,
    180,
    270,
    365,
)


@register_check(
    "behaviour", "with no new events, a later time never raises a score", needs=("time",)
)
def check_no_rise_in_silence(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """No rise during pure silence: scored at its end and then 1 to 365 days later
    (:data:`SILENCE_DAYS`), when nothing has happened since, no account's score ever rises
    from one of these times to the next."""
    tol = RTOL * score_width(scorer)

    def body(world: World) -> None:
        if world.end is None:
            return
        ex = shown(
            world, "scored at the end and " + ", ".join(map(str, SILENCE_DAYS)) + " days later"
        )
        days, before = 0, checked_values(scorer, world, world.end, ex)
        for later in SILENCE_DAYS:
            now = checked_values(scorer, world, world.end + pd.Timedelta(days=later), ex)
            rise = now - before
            i = int(np.argmax(rise)) if len(rise) else 0
            if len(rise) and rise[i] > tol:
                raise Violation(
                    f"after {later} days of silence account {world.ids[i]!r} "
                    f"rose from {before[i]:.6g} (after {days} days) to "
                    f"{now[i]:.6g}",
                    ex(),
                )
            days, before = later, now

    for_all(
        scorer,
        "check_no_rise_in_silence",
        worlds_for(scorer, days=120.0),
        body,
        max_examples,
        shrink,
    )


def _scenario(kind: str) -> dict[str, Any]:
    """The scenarios behind the scenario-based checks (YAML-equivalent dicts): smaller versions
    of the bundled ``spam-squirrel`` and ``bought-followers`` scenarios."""
    population = {"accounts": 500, "days": 60, "communities": 4, "seed": 0}
    if kind == "spam":
        return {
            "id": "check-spam",
            "flaw": "F1",
            "title": "Spam accounts should not outrank conversationalists",
            "acceptable": "The spam bots' median percentile is at most the conversationalists'.",
            "source": "auditkit.checks (the spam-squirrel scenario, smaller)",
            "population": population,
            "cohorts": [
                {
                    "name": "squirrel",
                    "behaviour": "spam_bot",
                    "size": 5,
                    "params": {
                        "posts_per_day": 200,
                        "follows": 500,
                        "follow_back": 0.1,
                        "mentions_per_day": 10,
                    },
                },
                {"name": "engaged", "behaviour": "conversationalist", "size": 20},
            ],
            "checks": [
                {
                    "probe": "percentile_gap",
                    "cohort": "squirrel",
                    "versus": "engaged",
                    "expect": {"kind": "minimum", "at_most": SPAM_GAP_BOUND},
                }
            ],
        }
    return {
        "id": "check-bought-followers",
        "flaw": "F7",
        "title": "Bought dead followers should not raise a score",
        "acceptable": f"Buying 100 dead followers gains at most {BOUGHT_FOLLOWERS_BOUND:g} "
        "percentile points.",
        "source": "auditkit.checks (the bought-followers scenario, smaller)",
        "population": population,
        "cohorts": [
            {
                "name": "buyers",
                "behaviour": "bought_followers",
                "size": 5,
                "params": {"count": 100, "padding": 2},
            }
        ],
        "checks": [
            {
                "probe": "gain",
                "cohort": "buyers",
                "expect": {"kind": "minimum", "at_most": BOUGHT_FOLLOWERS_BOUND},
            }
        ],
    }


@lru_cache(maxsize=8)
def _scenario_run(kind: str, seed: int):  # -> ScenarioRun with both worlds built
    from auditkit import behaviours
    from auditkit.plugin.registry import Registry
    from auditkit.scenario.model import Scenario
    from auditkit.scenario.run import ScenarioRun

    registry = Registry(entry_points=False, plugins=[("behaviours", behaviours)])
    run = ScenarioRun(Scenario.model_validate(_scenario(kind)), seed, registry)
    run.treated, run.control  # noqa: B018 -- build both worlds once, outside any timing
    return run


def _scenario_text(kind: str) -> str:
    data = _scenario(kind)
    data["population"] = data["population"] | {"seed": _CHECK_SEEDS[0]}
    return (
        yaml.safe_dump(data, sort_keys=False).rstrip()
        + f"\n# run with seeds {', '.join(map(str, _CHECK_SEEDS))}: "
        f"auditkit audit this.yaml --seeds {len(_CHECK_SEEDS)}"
    )


def _median_pct(run, scorer: Scorer, cohort: str, control: bool, check: str, kind: str) -> float:
    built = run.control if control else run.treated
    try:
        values = checked_values(scorer, built.world, run.end, lambda: _scenario_text(kind))
    except Violation as v:
        raise CheckFailed(
            scorer_label(scorer),
            check,
            v.detail,
            v.example + f"\n(seed {run.seed}, {'control' if control else 'treated'} world)",
        ) from None
    pct = run.percentiles(pd.Series(values), built)
    return float(np.median(pct[run.members(cohort, built)]))


@register_check(
    "behaviour",
    "spam bots do not outrank engaged conversationalists (median percentiles)",
    needs=("events", "follows"),
)
def check_spam_below_conversationalists(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """Spam cohorts do not outrank conversationalists: in a 500-account, 60-day scenario world
    with 5 spam bots (200 posts a day, each following every account, 10% follow back, 10
    mentions a day) and 20 conversationalists, the bots' median percentile minus the
    conversationalists', averaged over seeds 0-2, is at most :data:`SPAM_GAP_BOUND`. (Flaw F1:
    Klout's "acorns" squirrel.)"""
    check = "check_spam_below_conversationalists"
    gaps = []
    for seed in _CHECK_SEEDS:
        run = _scenario_run("spam", seed)
        gaps.append(
            _median_pct(run, scorer, "squirrel", False, check, "spam")
            - _median_pct(run, scorer, "engaged", False, check, "spam")
        )
    gap = float(np.mean(gaps))
    if gap > SPAM_GAP_BOUND + 1e-9:
        raise CheckFailed(
            scorer_label(scorer),
            check,
            f"spam bots sit {gap:+.1f} percentile points above the "
            f"conversationalists (median percentiles, mean of seeds "
            f"{', '.join(f'{g:+.1f}' for g in gaps)}); the bound is "
            f"{SPAM_GAP_BOUND:g}",
            _scenario_text("spam"),
        )


@register_check(
    "behaviour",
    f"100 bought dead followers add at most {BOUGHT_FOLLOWERS_BOUND:g} percentile points",
    needs=("follows",),
)
def check_bought_followers_bounded(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """Bought dead followers add at most a bound: in a 500-account, 60-day scenario world, 5
    accounts
    each buy 100 fake followers who never post or react (each fake also follows 2 random
    accounts). Their median percentile in the treated world minus the control world, averaged
    over seeds 0-2, is at most :data:`BOUGHT_FOLLOWERS_BOUND`. (Flaw F7.)"""
    check = "check_bought_followers_bounded"
    gains = []
    for seed in _CHECK_SEEDS:
        run = _scenario_run("bought", seed)
        gains.append(
            _median_pct(run, scorer, "buyers", False, check, "bought")
            - _median_pct(run, scorer, "buyers", True, check, "bought")
        )
    gain = float(np.mean(gains))
    if gain > BOUGHT_FOLLOWERS_BOUND + 1e-9:
        raise CheckFailed(
            scorer_label(scorer),
            check,
            f"buying 100 dead followers moved the buyers {gain:+.1f} percentile "
            f"points (median member; seeds {', '.join(f'{g:+.1f}' for g in gains)}"
            f"); the bound is {BOUGHT_FOLLOWERS_BOUND:g}",
            _scenario_text("bought"),
        )
