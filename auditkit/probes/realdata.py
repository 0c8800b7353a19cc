"""Probes for real worlds (``auditkit audit --world DIR``; the scenarios are built by
:mod:`auditkit.scenario.realworld`): ``observed_decay`` and the ``injected_*`` attacks, which
extend the run's world. Figures and caveats: ``docs/real-data.md``."""

from __future__ import annotations

import math
import zlib
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from auditkit.data.accounts import HUMAN_LABELS, known_followers
from auditkit.data.draft import DAY
from auditkit.data.world import ACTIONS, World
from auditkit.errors import WorldError
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.params import MAX_COUNT, MAX_RATE, Params
from auditkit.plugin.probe import Blind, Degenerate, Measurement, NotApplicable, Probe
from auditkit.plugin.scorer import Scorer, run_scorer
from auditkit.probes.core import (
    MAX_TIED,
    ranked_scores,
    share_of_top,
    tied_share,
    top_decided_by_ties,
    unchanged,
)
from auditkit.scenario.run import ScenarioRun

__all__ = ["ObservedDecay", "InjectedFollowers", "InjectedSybils", "REALDATA_PROBES"]
#: Checkpoints (days after the silence starts) of the observed decay trajectory.
CHECKPOINTS: tuple[float, ...] = (1, 3, 7, 14, 30)
_SHARE, _LIKE, _POST = (ACTIONS.index(a) for a in ("share", "like", "post"))


# ---------------------------------------------------------------------------------------------
# helpers


def _need_real(run: ScenarioRun) -> None:
    if not run.treated.real:
        raise NotApplicable(
            "this probe needs a real world (population.world); use the "
            "simulated probes on generated populations"
        )


def _score(run: ScenarioRun, scorer: Scorer, world: World) -> np.ndarray:
    """Scores of an attacked copy of the run's world at the run's end, in the run's time limit."""
    return run_scorer(scorer, world, run.end, time_limit=run.time_limit).to_numpy()


def _seed(run: ScenarioRun, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([run.seed, zlib.crc32(name.encode())]))


# ---------------------------------------------------------------------------------------------
# behaviours: cohorts of existing accounts


# ---------------------------------------------------------------------------------------------
# observed decay: no counterfactual on a real world


class ObservedDecay(Probe):
    id = "observed_decay"
    unit = "%"
    description = (
        "On a real world: how the scores of a went_silent cohort changed from the day the "
        "silence started to `after_days` later (default: as far as the data reaches, at most "
        "30 days): relative change of the cohort's mean score above the scorer's minimum, or "
        "change of its median percentile. Observational: other accounts kept acting, and "
        "nothing says what the silent accounts' scores would have been had they kept posting."
    )
    cohort_params = ("cohort",)

    class Params(Params):
        cohort: str = Field(description="a went_silent cohort")
        after_days: float | None = Field(
            None,
            gt=0,
            description="days after the start of the "
            "silence (default: the last checkpoint the data "
            "reaches, at most 30)",
        )
        measure: Literal["relative", "percentile"] = Field(
            "relative",
            description="relative change (%) of the mean score above the minimum, "
            "or change of the median percentile (points)",
        )

    params: ObservedDecay.Params

    def unit_for_params(self) -> str:
        return "%" if self.params.measure == "relative" else "percentile points"

    def measure(self, run, scorer):
        p = self.params
        _need_real(run)
        cohort = run.treated.cohorts.get(p.cohort)
        if cohort is None or "day" not in cohort.facts:
            raise NotApplicable(f"cohort {p.cohort!r} is not a went_silent cohort")
        codes = run.members(p.cohort)
        if len(codes) == 0:
            raise NotApplicable(f"cohort {p.cohort!r} has no accounts in this world")
        start = run.treated.draft.start
        day = float(cohort.facts["day"])
        left = run.days - day
        if left <= 0:
            raise NotApplicable("the silence starts at the end of the data")
        if p.after_days is not None and p.after_days > left + 1e-9:
            raise NotApplicable(
                f"the data ends {left:.1f} days after the silence starts, "
                f"before day {p.after_days:g} of it"
            )
        horizon = p.after_days if p.after_days is not None else min(left, max(CHECKPOINTS))
        points = [d for d in CHECKPOINTS if d < horizon] + [horizon]
        lo = scorer.bounds[0]

        def at(d: float) -> pd.Timestamp:
            return min(run.day(day + d), run.end)

        pop = run.population_mask()

        def pct(s: np.ndarray) -> float:
            share = tied_share(s[pop], float(np.sort(s[codes])[(len(codes) - 1) // 2]))
            if p.measure == "percentile" and share > MAX_TIED:
                raise Degenerate(
                    f"{scorer.id} ties the median {p.cohort} account with "
                    f"{100 * share:.0f}% of the population: its percentile is "
                    "decided by ties"
                )
            return float(np.median(run.percentiles(pd.Series(s))[codes]))

        s0 = ranked_scores(run, scorer, at(0.0))
        base = float(np.mean(s0[codes]) - lo)
        pct0 = pct(s0)
        trail: dict[float, float] = {}
        for d in points:
            s = run.scores(scorer, at=at(d)).to_numpy()
            if p.measure == "relative":
                if base <= 0:
                    raise NotApplicable(f"{p.cohort} all score the minimum when the silence starts")
                trail[d] = 100.0 * ((float(np.mean(s[codes])) - lo) / base - 1.0)
            else:
                trail[d] = pct(s) - pct0
        v = trail[points[-1]]
        unit = "%" if p.measure == "relative" else " points"
        shown = ", ".join(f"{d:.3g}d {x:+.1f}{unit}" for d, x in trail.items())
        return Measurement(
            v,
            f"{len(codes):,} {p.cohort} accounts, silent from "
            f"{(start + pd.Timedelta(days=day)):%Y-%m-%d}: {shown} "
            "(observed, no counterfactual)",
            {"trajectory": trail, "members": int(len(codes)), "day": day, "start_percentile": pct0},
        )


# ---------------------------------------------------------------------------------------------
# injected attacks on the real base


def _extended(
    world: World,
    n_new: int,
    prefix: str,
    label: str,
    *,
    follow_src=None,
    follow_dst=None,
    follow_time=None,
    counts=None,
    event_time=None,
    event_actor=None,
    event_action=None,
    event_target=None,
) -> World:
    """``world`` plus ``n_new`` accounts ``<prefix><i>`` and their follows and events (codes
    into the extended world; times as unix seconds); ``counts`` maps a count column to its
    full new values."""
    n = len(world)
    width = len(str(max(n_new - 1, 0)))
    new_ids = [f"{prefix}{i:0{width}d}" for i in range(n_new)]
    clash = world.ids.intersection(new_ids)
    if len(clash):
        raise WorldError(f"the world already has an account {clash[0]!r}; cannot inject")
    ids = list(world.ids) + new_ids
    acc = world.accounts
    extra = {}
    for col in acc.columns:
        if col == "account":
            continue
        old = acc[col]
        if counts and col in counts:
            extra[col] = pd.array(counts[col], dtype="Float64")
        elif col == "label":
            extra[col] = pd.array(list(old.astype(object)) + [label] * n_new, dtype="string")
        else:
            extra[col] = old.reset_index(drop=True).reindex(range(n + n_new))
    if "label" not in acc:
        extra["label"] = pd.array([None] * n + [label] * n_new, dtype="string")
    for col, values in (counts or {}).items():
        if col not in extra:
            extra[col] = pd.array(values, dtype="Float64")
    src, dst = world.follow_codes if len(world.follows) else (np.zeros(0, np.int64),) * 2
    f = world.follows
    ftime = (
        f["time"].array.asi8 / 1e9
        if "time" in f and "until" not in f and len(f) == len(src)
        else np.full(len(src), np.nan)
    )
    if follow_src is not None and len(follow_src):
        src = np.concatenate([src, follow_src])
        dst = np.concatenate([dst, follow_dst])
        ftime = np.concatenate([ftime, follow_time])
    actor, action, target = world.event_codes
    etime = world.event_time_ns / 1e9
    if event_actor is not None and len(event_actor):
        order = np.argsort(np.concatenate([etime, event_time]), kind="stable")
        etime = np.concatenate([etime, event_time])[order]
        actor = np.concatenate([actor, event_actor])[order]
        action = np.concatenate([action, event_action])[order]
        target = np.concatenate([target, event_target])[order]
    out = World.from_codes(
        ids,
        follower=src if len(src) else None,
        followee=dst,
        follow_time=np.where(
            np.isnan(ftime),
            world.start.value / 1e9 - DAY,  # type: ignore[union-attr]
            ftime,
        )
        if len(src)
        else None,
        event_time=etime if len(actor) else None,
        actor=actor if len(actor) else None,
        action=action,
        target=target,
        accounts_extra=extra,
    )
    return out


class InjectedFollowers(Probe):
    id = "injected_followers"
    unit = "percentile points"
    description = (
        "On a real world: `targets` existing accounts nearest the median of log(1 + followers) "
        "(human-labelled ones when some exist; all of them when fewer) buy `count` fake "
        "followers each. With follow "
        "edges, the fakes (label fake, no activity) follow every target plus `padding` random "
        "accounts one day before the end; with only profile counts, the targets' "
        "followers_count grows by `count` (what a crawler would see). Value: the targets' "
        "median percentile gain among the real accounts, attack against the world as it is."
    )

    class Params(Params):
        count: int = Field(1000, ge=1, le=MAX_COUNT, description="fake followers per target")
        targets: int = Field(10, ge=1, le=MAX_COUNT, description="accounts that buy")
        padding: int = Field(
            20,
            ge=0,
            le=MAX_COUNT,
            description="other accounts each fake follows (with follow edges)",
        )

    params: InjectedFollowers.Params

    def footprint(self, setting: Setting) -> Footprint:
        p = self.params
        targets = min(p.targets, setting.accounts)
        return Footprint(
            accounts=p.count,
            follows=p.count * (targets + min(p.padding, setting.accounts)),
            levers=("count", "targets", "padding"),
        )

    def measure(self, run, scorer):
        p = self.params
        _need_real(run)
        world = run.world
        followers = known_followers(world)
        if followers is None:
            raise NotApplicable(
                "this world records no followers (no follow edges, no "
                "followers_count); bought followers cannot be expressed"
            )
        before = ranked_scores(run, scorer)
        rng = _seed(run, self.id)
        n = len(world)
        pool = run.members("base")
        if "label" in world.accounts:
            labels = world.accounts["label"].astype(object).fillna("").to_numpy()
            human = pool[np.isin(labels[pool], HUMAN_LABELS)]
            pool = human if len(human) else pool
        lf = np.log1p(followers[pool])
        gap = np.abs(lf - np.median(lf)) + rng.random(len(pool)) * 1e-9
        targets = np.sort(pool[np.argsort(gap, kind="stable")[: p.targets]])
        end = run.end.value / 1e9
        if len(world.follows):
            fakes = n + np.arange(p.count)
            k = min(p.padding, n)
            pad = (
                np.stack([rng.choice(n, k, replace=False) for _ in range(p.count)])
                if k
                else np.zeros((p.count, 0), np.int64)
            )
            src = np.concatenate([np.repeat(fakes, len(targets)), np.repeat(fakes, k)])
            dst = np.concatenate([np.tile(targets, p.count), pad.ravel()])
            keep = np.r_[
                np.ones(p.count * len(targets), bool), ~np.isin(pad.ravel(), targets) | (k == 0)
            ]
            treated = _extended(
                world,
                p.count,
                "injected-fake-",
                "fake",
                follow_src=src[keep],
                follow_dst=dst[keep],
                follow_time=np.full(int(keep.sum()), math.floor(end - DAY)),
            )
            how = f"{p.count:,} fake accounts following each"
        else:
            counts = {}
            for col in ("followers_count", "following_count", "posts_count"):
                if col in world.accounts:
                    values = world.profile_count(col)
                    if col == "followers_count":
                        values = values.copy()
                        values[targets] += p.count
                    fake = {
                        "followers_count": 0.0,
                        "following_count": float(len(targets)),
                        "posts_count": 0.0,
                    }[col]
                    counts[col] = np.r_[values, np.full(p.count, fake)]
            treated = _extended(world, p.count, "injected-fake-", "fake", counts=counts)
            how = f"followers_count +{p.count:,} each"
        after = _score(run, scorer, treated)
        if unchanged(after[targets], before[targets]):
            raise Blind(
                f"{scorer.id} gives the {len(targets)} targets exactly the same scores "
                f"with and without {how}"
            )
        pop = run.population_mask()
        mid = (len(targets) - 1) // 2
        shares = [tied_share(s[:n][pop], float(np.sort(s[targets])[mid])) for s in (before, after)]
        if min(shares) > MAX_TIED:
            raise Degenerate(
                f"{scorer.id} ties the median target with over "
                f"{100 * min(shares):.0f}% of the accounts before and after the "
                "attack: its percentile is decided by ties"
            )
        pct0 = float(np.median(run.percentiles(pd.Series(before))[targets]))
        pct1 = float(np.median(run.percentiles(pd.Series(after[:n]))[targets]))
        g = pct1 - pct0
        return Measurement(
            g,
            f"{len(targets)} median accounts bought followers ({how}): "
            f"percentile {pct0:.1f} -> {pct1:.1f} ({g:+.1f} points)",
            {"before": pct0, "after": pct1, "targets": [str(world.ids[c]) for c in targets]},
        )


class InjectedSybils(Probe):
    id = "injected_sybils"
    unit = "% of the top"
    description = (
        "On a real world: a region of `size` sybil accounts added over the last `days` days. "
        "Each posts posts_per_day a day and every post gets reactions_per_post likes or shares "
        "from distinct other sybils; with follow edges each sybil also follows `degree` other "
        "sybils, and `attack_edges` random active real accounts follow one sybil each (without "
        "follow edges: share one sybil post each). Value: the sybils' share of the top `top` "
        "among real and sybil accounts (ties at the cut-off in proportion)."
    )

    class Params(Params):
        size: int = Field(200, ge=2, le=MAX_COUNT, description="sybil accounts")
        degree: int = Field(
            10, ge=0, le=MAX_COUNT, description="other sybils each follows (follow worlds)"
        )
        posts_per_day: float = Field(1.0, gt=0, le=MAX_RATE, description="posts per sybil per day")
        reactions_per_post: int = Field(
            5, ge=0, le=MAX_COUNT, description="reactions from other sybils per sybil post"
        )
        attack_edges: int = Field(
            3, ge=0, le=MAX_COUNT, description="real accounts linked to the region"
        )
        days: float = Field(
            30.0,
            gt=0,
            description="the attack's span, ending with the data (capped at the world's length)",
        )
        top: int = Field(100, ge=1, description="size of the top list")

    params: InjectedSybils.Params

    def footprint(self, setting: Setting) -> Footprint:
        p = self.params
        posts = p.size * p.posts_per_day * min(p.days, setting.days)
        return Footprint(
            accounts=p.size,
            follows=p.size * min(p.degree, p.size) + p.attack_edges,
            events=posts * (1 + min(p.reactions_per_post, p.size)),
            levers=("size", "posts_per_day", "reactions_per_post"),
        )

    def measure(self, run, scorer):
        p = self.params
        _need_real(run)
        world = run.world
        if not len(world.events) and not len(world.follows):
            raise NotApplicable(
                "this world has no events or follows; a sybil region's "
                "structure cannot be expressed in profile counts"
            )
        ranked_scores(run, scorer)
        rng = _seed(run, self.id)
        n, m = len(world), p.size
        syb = n + np.arange(m)
        end = run.end.value / 1e9
        # the data's own span (the run's world starts earlier: accounts' creation dates)
        span = min(p.days, run.days)
        lo = end - span * DAY
        k_posts = max(1, int(round(p.posts_per_day * span)))
        author = np.repeat(syb, k_posts)
        ptime = np.floor(rng.uniform(lo, end, len(author)))
        r = min(p.reactions_per_post, m - 1)
        pick = (
            np.stack([rng.choice(m - 1, r, replace=False) for _ in range(len(author))])
            if r
            else np.zeros((len(author), 0), np.int64)
        )
        pick = pick + (pick >= (author - n)[:, None])  # never oneself
        reactor = syb[pick].ravel()
        rtime = np.minimum(
            np.repeat(ptime, r) + np.floor(rng.exponential(3600.0, reactor.size)), end
        )
        kinds = np.where(rng.random(reactor.size) < 0.5, _LIKE, _SHARE).astype(np.int8)
        e_time = [ptime, rtime]
        e_actor = [author, reactor]
        e_action = [np.full(len(author), _POST, np.int8), kinds]
        e_target = [np.full(len(author), -1), np.repeat(author, r)]
        actor_codes = world.event_codes[0]
        active = np.unique(actor_codes) if len(actor_codes) else np.arange(n)
        attackers = rng.choice(active, min(p.attack_edges, len(active)), replace=False)
        victims = syb[rng.integers(0, m, len(attackers))]
        follow = {}
        if len(world.follows):
            d = min(p.degree, m - 1)
            rows = (
                np.stack([rng.choice(m - 1, d, replace=False) for _ in range(m)])
                if d
                else np.zeros((m, 0), np.int64)
            )
            rows = rows + (rows >= np.arange(m)[:, None])
            src = np.concatenate([np.repeat(syb, d), attackers])
            dst = np.concatenate([syb[rows].ravel(), victims])
            follow = {
                "follow_src": src,
                "follow_dst": dst,
                "follow_time": np.full(len(src), math.floor(lo)),
            }
        else:
            e_time.append(np.floor(rng.uniform(lo, end, len(attackers))))
            e_actor.append(attackers)
            e_action.append(np.full(len(attackers), _SHARE, np.int8))
            e_target.append(victims)
        counts = {}
        if "followers_count" in world.accounts:
            counts["followers_count"] = np.r_[
                world.profile_count("followers_count"), np.full(m, float(p.degree))
            ]
        treated = _extended(
            world,
            m,
            "injected-sybil-",
            "sybil",
            counts=counts or None,
            event_time=np.concatenate(e_time),
            event_actor=np.concatenate(e_actor),
            event_action=np.concatenate(e_action),
            event_target=np.concatenate(e_target),
            **follow,
        )
        s = _score(run, scorer, treated)
        k = min(p.top, len(s))
        above, tied = top_decided_by_ties(s, k)
        if above < k / 2 and above + tied > k:
            raise Degenerate(
                f"only {above:,} of the top {k:,} score above the cut-off; "
                f"{scorer.id} ties {tied:,} accounts there, so the top list is "
                "decided by ties"
            )
        member = np.r_[np.zeros(n, bool), np.ones(m, bool)]
        share = share_of_top(s, member, p.top)
        # percentile among real and sybil accounts, as ScenarioRun.percentiles (ties averaged)
        best = float(100.0 * (pd.Series(s).rank().to_numpy()[n:].max() - 0.5) / len(s))
        return Measurement(
            share,
            f"{m} sybils ({len(attackers)} attack edges, "
            f"{len(reactor):,} reactions among themselves) hold "
            f"{share:.1f}% of the top {p.top}; the best sits at "
            f"percentile {best:.1f}",
            {"best_percentile": best},
        )


# ---------------------------------------------------------------------------------------------
# the scenarios a real world can answer


REALDATA_PROBES = (ObservedDecay, InjectedFollowers, InjectedSybils)
