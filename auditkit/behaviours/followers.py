"""Behaviours that inflate follower counts: followers bought from fake accounts, and mass-following
to harvest follow-backs (once, or in follow/unfollow cycles); and their genuine counterpart,
followers won who read and react (the sensitivity cohort of docs/verdicts.md)."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from auditkit.behaviours.common import (
    OrganicBehaviour,
    TraitParams,
    active_base,
    base_accounts,
    clip_times,
    distinct_rows,
    index_of,
    member_posts,
    on_day,
    reaction_codes,
    trait_of,
    weighted_sample,
)
from auditkit.data.draft import DAY, Draft
from auditkit.data.simulation import ATTENTION_EXPONENT, REACTION_MIX
from auditkit.plugin.behaviour import Cohort
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.params import MAX_COUNT, MAX_DAYS

# ---------------------------------------------------------------------------------------------
# 3. bought followers


class BoughtFollowers(OrganicBehaviour):
    id = "bought_followers"
    flaws = ("F7",)
    description = (
        "Ordinary accounts that buy followers. At `day` the treatment adds `count` fake accounts "
        "(auxiliary, label 'fake', created in the week before) that each follow every member "
        "within two days after `day`, plus `padding` random base accounts each so that they look "
        "real. The fakes never post, react or reshare (organic false, attention and activity "
        "0): the followers are dead."
    )
    source = (
        "docs/flaws.md F7 (Klout: followers who never interact do not help; Stringhini et "
        "al., 'Follow the Green', IMC 2013; cresci-2015 fake followers); "
        "docs/references.md#kred-influence (Kred scores follows)"
    )

    class Params(TraitParams):
        count: int = Field(1000, ge=0, le=MAX_COUNT, description="fake followers bought")
        day: float | None = Field(
            None, ge=0, description="day of the purchase (default: 0.6 of the period)"
        )
        padding: int = Field(
            20, ge=0, le=MAX_COUNT, description="other (base) accounts each fake follows"
        )

    params: BoughtFollowers.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        p = self.params
        return Footprint(
            accounts=size + p.count,
            organic=size,
            follows=p.count * (size + min(p.padding, setting.accounts)),
            levers=("count", "padding"),
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.6)
        t = draft.time_of_day(day)
        draft.ensure_room(accounts=p.count, follows=p.count * (len(cohort.members) + p.padding))
        created = np.floor(t - rng.uniform(DAY, 7 * DAY, p.count))
        fakes = draft.add_accounts(
            p.count,
            prefix=f"{cohort.name}-fake-",
            cohort=cohort.name,
            role="auxiliary",
            label="fake",
            attention=0.0,
            activity=0.0,
            sociability=0.0,
            organic=False,
            created=created,
        )
        members = cohort.members
        size = len(members)
        when = clip_times(draft, t + rng.uniform(0, 2 * DAY, (p.count, size)))
        draft.add_follows(np.repeat(fakes, size), np.tile(members, p.count), when.ravel())
        base = base_accounts(draft)
        rows = distinct_rows(rng, len(base), p.padding, p.count)
        if rows.size:
            pad = created[:, None] + rng.uniform(0, 1, rows.shape) * (t - created)[:, None]
            draft.add_follows(
                np.repeat(fakes, rows.shape[1]), base[rows].ravel(), np.floor(pad).ravel()
            )
        cohort.cost = {"fake_accounts": float(p.count)}
        cohort.treatment_start, cohort.treatment_end = day, min(day + 2.0, draft.days)
        cohort.facts.update(
            fake_accounts=int(p.count),
            bought_follows=int(p.count * size),
            padding_follows=int(rows.size),
        )


class OrganicFollowers(OrganicBehaviour):
    id = "organic_followers"
    flaws = ("F7", "F8", "F18")
    description = (
        "Ordinary accounts that win genuine followers: the counterpart of bought_followers that "
        "any score reading followers or engagement must notice (a sensitivity cohort: a scorer "
        "that moves on neither this cohort nor an attack is blind, not resistant). At `day` "
        "`count` active base accounts that did not follow a member yet (drawn in proportion to "
        "activity) follow it, within two days. They are attentive: each reacts to each of the "
        "member's later posts as often as the organic simulation's own follow edges do (in "
        "proportion to the follower's activity times the member's attention to the power "
        "ATTENTION_EXPONENT), in the organic mix of kinds, and they carry reshare probability "
        "in the ground truth."
    )
    source = (
        "docs/flaws.md F7 and F18 (the genuine counterpart of fake followers); "
        "docs/references.md#klout-components (Klout: followers who interact count)"
    )

    class Params(TraitParams):
        count: int = Field(200, ge=0, description="genuine followers each member wins")
        day: float | None = Field(
            None, ge=0, description="day they start following (default: 0.6 of the period)"
        )

    params: OrganicFollowers.Params

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.6)
        t = draft.time_of_day(day)
        pool = active_base(draft)
        act = draft.column("activity")
        att = draft.column("attention")
        src, dst = draft.follow_arrays()
        stats = draft.organic_stats
        f_src, f_dst, f_time = [], [], []
        r_time, r_actor, r_target, r_post = [], [], [], []
        # the members' followers and posts, found in one pass each over a large world's rows
        theirs = np.isin(dst, cohort.members)
        src, dst = src[theirs], dst[theirs]
        posts = member_posts(draft, cohort.members, t)
        for m in cohort.members:
            already = np.isin(pool, src[dst == m])
            cand = pool[~already]
            pick = cand[weighted_sample(rng, trait_of(draft, "activity", cand), p.count)]
            when = np.floor(t + rng.uniform(0, 2 * DAY, len(pick)))
            f_src.append(pick)
            f_dst.append(np.full(len(pick), m))
            f_time.append(when)
            if stats is None or stats["reaction_weight"] <= 0:
                continue
            own = posts[1] == m
            ptime, post = posts[0][own], posts[2][own]
            expected_posts = max(stats["posts"] * act[m] / max(act.sum(), 1e-300), 1.0)
            rate = (
                stats["reactions"]
                * act[pick]
                * att[m] ** ATTENTION_EXPONENT
                / stats["reaction_weight"]
                / expected_posts
            )
            n = rng.poisson(np.outer(rate, np.ones(len(post))))  # (followers, posts)
            n[when[:, None] >= ptime[None, :]] = 0  # only posts after the follow
            who, which = np.nonzero(n)
            reps = n[who, which]
            r_actor.append(np.repeat(pick[who], reps))
            r_post.append(np.repeat(post[which], reps))
            r_time.append(np.repeat(ptime[which], reps))
            r_target.append(np.full(int(reps.sum()), m))
        if f_src:
            draft.add_follows(
                np.concatenate(f_src), np.concatenate(f_dst), np.concatenate(f_time), attentive=True
            )
        reactions = 0
        if r_actor:
            actor, post = np.concatenate(r_actor), np.concatenate(r_post)
            k = len(actor)
            if k:
                kinds = reaction_codes(list(REACTION_MIX))[
                    np.searchsorted(
                        np.cumsum(list(REACTION_MIX.values())),
                        rng.random(k) * sum(REACTION_MIX.values()),
                    )
                ]
                when = clip_times(draft, np.concatenate(r_time) + rng.exponential(6 * 3600.0, k))
                draft.add_events(when, actor, kinds, target=np.concatenate(r_target), post=post)
            reactions = k
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(followers=int(sum(len(x) for x in f_src)), reactions=int(reactions))


# ---------------------------------------------------------------------------------------------
# 4-5. follow-back farming and follow churn


class FarmParams(TraitParams):
    day: float | None = Field(
        None, ge=0, description="day the mass-following starts (default: 0.5 of the period)"
    )
    follows: int = Field(
        800,
        ge=0,
        le=MAX_COUNT,
        description="accounts each member follows (per cycle), drawn in proportion to sociability",
    )
    follow_back: float = Field(
        0.3, ge=0, le=1, description="probability that a followed account follows back"
    )
    unfollow_after_days: float = Field(
        7.0,
        gt=0,
        le=MAX_DAYS,
        description="days after which the member unfollows those who did not follow back",
    )


class FollowBackFarm(OrganicBehaviour):
    id = "follow_back_farm"
    flaws = ("F8",)
    description = (
        "Ordinary accounts that mass-follow to be followed back. At `day` each member follows "
        "`follows` base accounts it did not follow yet, drawn in proportion to sociability (the "
        "'social capitalists' who follow back anyone), spread over a day. Each followed account "
        "follows back with probability follow_back (one that already followed the member counts "
        "as reciprocated). With churn, the member unfollows everyone who did not follow back "
        "unfollow_after_days later (the follow gets an `until`), so its following/follower "
        "ratio looks clean again."
    )
    source = (
        "docs/flaws.md F8 ('get more people to follow you than you follow'; Ghosh et al., "
        "WWW 2012); docs/references.md#tweepcred (Tweepcred lowers the teleport mass of "
        "accounts following more than 500 with ratio > 0.6)"
    )

    class Params(FarmParams):
        churn: bool = Field(True, description="unfollow those who did not follow back")

    params: FollowBackFarm.Params

    def _cycles(self) -> tuple[int, float, float]:
        return 1, 0.0, 0.5

    def footprint(self, size: int, setting: Setting) -> Footprint:
        cycles = self._cycles()[0]
        per_cycle = min(self.params.follows, setting.accounts)
        return Footprint(
            accounts=size,
            organic=size,
            follows=2 * size * per_cycle * cycles,
            levers=("follows", "cycles") if cycles > 1 else ("follows",),
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        cycles, cycle_days, share = self._cycles()
        churn = getattr(p, "churn", True)
        day = on_day(draft, p.day, share)
        starts = [d for d in day + cycle_days * np.arange(cycles) if d < draft.days]
        base = base_accounts(draft)
        soc = trait_of(draft, "sociability", base)
        pos = np.full(draft.n, -1, np.int64)
        pos[base] = np.arange(len(base))
        # the members' follow edges with the base so far (organic and scripted)
        src, dst = draft.follow_arrays()
        idx = index_of(draft, cohort.members)
        out = (idx[src] >= 0) & (pos[dst] >= 0)
        inn = (idx[dst] >= 0) & (pos[src] >= 0)
        out_m, out_b = idx[src[out]], pos[dst[out]]
        in_m, in_b = idx[dst[inn]], pos[src[inn]]
        unfollow = p.unfollow_after_days * DAY
        follows: list[tuple[np.ndarray, ...]] = []
        backs: list[tuple[np.ndarray, ...]] = []
        for i, m in enumerate(cohort.members):
            targeted = np.zeros(len(base), bool)  # followed now or in an earlier cycle
            targeted[out_b[out_m == i]] = True
            follower = np.zeros(len(base), bool)  # follows the member
            follower[in_b[in_m == i]] = True
            for d0 in starts:
                cand = np.flatnonzero(~targeted)
                pick = cand[weighted_sample(rng, soc[cand], p.follows)]
                k = len(pick)
                targeted[pick] = True
                tf = np.floor(draft.time_of_day(d0) + rng.uniform(0, DAY, k))
                back = follower[pick] | (rng.random(k) < p.follow_back)
                new = back & ~follower[pick]
                follower[pick[new]] = True
                delay = np.minimum(rng.exponential(DAY, k), unfollow - 60.0)
                until = np.where(back | (not churn), np.nan, tf + unfollow)
                follows.append((np.full(k, m), base[pick], tf, until))
                backs.append(
                    (
                        base[pick[new]],
                        np.full(int(new.sum()), m),
                        clip_times(draft, tf[new] + delay[new]),
                    )
                )
        made = unfollows = n_back = 0
        if follows:
            f_src, f_dst, f_time, f_until = (np.concatenate(x) for x in zip(*follows, strict=True))
            b_src, b_dst, b_time = (np.concatenate(x) for x in zip(*backs, strict=True))
            finite = np.isfinite(f_until)
            draft.add_follows(f_src, f_dst, f_time, f_until if finite.any() else None)
            draft.add_follows(b_src, b_dst, b_time)
            made, unfollows, n_back = len(f_src), int(finite.sum()), len(b_src)
        last = starts[-1] if starts else day
        cohort.cost = {"follows": float(made)}
        cohort.treatment_start = day
        cohort.treatment_end = min(draft.days, last + 1.0 + p.unfollow_after_days)
        cohort.facts.update(
            follows=made, follow_backs=n_back, unfollows=unfollows, cycles=len(starts)
        )


class FollowChurn(FollowBackFarm):
    id = "follow_churn"
    flaws = ("F8",)
    description = (
        "Follow churn: the follow-back farm repeated `cycles` times, `cycle_days` apart. Each "
        "cycle a member follows `follows` fresh base accounts (never followed before, drawn in "
        "proportion to sociability), keeps those who follow back (probability follow_back) and "
        "unfollows all the others unfollow_after_days later. The cost counts every follow made."
    )
    source = FollowBackFarm.source

    class Params(FarmParams):
        day: float | None = Field(
            None, ge=0, description="day the first cycle starts (default: 0.25 of the period)"
        )
        cycles: int = Field(
            4,
            ge=1,
            le=1000,
            description="follow/unfollow cycles (those that would start after the end are dropped)",
        )
        cycle_days: float = Field(
            8.0, gt=0, le=MAX_DAYS, description="days between the starts of two cycles"
        )

    params: FollowChurn.Params  # type: ignore[assignment]  # its own parameters

    def _cycles(self) -> tuple[int, float, float]:
        return self.params.cycles, self.params.cycle_days, 0.25
