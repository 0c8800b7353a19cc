"""Behaviours that add reactions to the members' posts: an engagement pod and its organic
comparison (the same reactions from strangers), reactions borrowed from a celebrity, one post
that becomes a large cascade, and spam engagement others aim at an account (sabotage)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from auditkit.behaviours.common import (
    OrganicBehaviour,
    Reaction,
    TraitParams,
    active_base,
    base_accounts,
    clip_times,
    distinct_rows,
    member_posts,
    on_day,
    organic_posts,
    reaction_codes,
)
from auditkit.data.draft import DAY, Draft
from auditkit.data.world import ACTIONS
from auditkit.plugin.behaviour import Cohort
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.params import MAX_COUNT, MAX_DAYS

# ---------------------------------------------------------------------------------------------
# 6-7. pods and their organic comparison


def delay_minutes_field() -> Any:
    """The ``delay_minutes`` parameter of the behaviours whose reactions follow a post."""
    return Field(
        30.0,
        ge=1 / 60,
        le=MAX_DAYS * 1440,
        description="reactions come uniformly within this many minutes of the post (at "
        "least a second)",
    )


class EngagementPod(OrganicBehaviour):
    id = "engagement_pod"
    flaws = ("F6",)
    description = (
        "An engagement pod (reciprocity ring). From `day` to the end, every post of a member "
        "gets one reaction from every other member, within delay_minutes; the kind of each "
        "reaction is drawn uniformly from `reactions`. So a pod of s members adds s-1 "
        "coordinated reactions per post, N in all (cohort.facts['reactions']). Members are "
        "otherwise ordinary organic accounts."
    )
    source = (
        "docs/flaws.md F6 (Weerasinghe et al., 'The Pod People: Understanding Manipulation "
        "of Social Media Popularity via Reciprocity Abuse', WWW 2020)"
    )

    class Params(TraitParams):
        day: float | None = Field(
            None, ge=0, description="day the pod starts (default: 0.5 of the period)"
        )
        reactions: tuple[Reaction, ...] = Field(
            ("like", "share", "reply"),
            min_length=1,
            description="kinds a pod reaction is drawn from (uniformly, one per member per post)",
        )
        delay_minutes: float = delay_minutes_field()

    params: EngagementPod.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        posts = organic_posts(size, setting, self.params.activity)
        return Footprint(
            accounts=size,
            organic=size,
            events=posts * max(size - 1, 0),
            levers=("size", "activity"),
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.5)
        members = cohort.members
        ptime, author, post = member_posts(draft, members, draft.time_of_day(day))
        draft.ensure_room(events=len(author) * len(members))
        grid = np.broadcast_to(members, (len(author), len(members)))
        keep = grid != author[:, None]
        reactor = grid[keep]
        rep = keep.sum(axis=1)
        n = len(reactor)
        if n:
            kinds = reaction_codes(p.reactions)[rng.integers(0, len(p.reactions), n)]
            when = clip_times(
                draft, np.repeat(ptime, rep) + rng.uniform(1, p.delay_minutes * 60, n)
            )
            draft.add_events(
                when, reactor, kinds, target=np.repeat(author, rep), post=np.repeat(post, rep)
            )
        cohort.cost = {"coordinated_reactions": float(n)}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(reactions=int(n), posts=int(len(post)))


class OutsiderEngagement(OrganicBehaviour):
    id = "outsider_engagement"
    flaws = ("F6",)
    description = (
        "The organic comparison for a pod: from `day` to the end, every post of a member gets "
        "one reaction each from per_post distinct random base accounts (active, organic), drawn "
        "afresh for every post, with the same kinds and timing as the pod's reactions. With "
        "per_post = pod size - 1 it is the same number of reactions as a pod, from strangers."
    )
    source = EngagementPod.source

    class Params(TraitParams):
        day: float | None = Field(
            None, ge=0, description="day it starts (default: 0.5 of the period)"
        )
        per_post: int = Field(
            9, ge=0, le=MAX_COUNT, description="distinct outsiders reacting to each post"
        )
        reactions: tuple[Reaction, ...] = Field(
            ("like", "share", "reply"),
            min_length=1,
            description="kinds a reaction is drawn from (uniformly)",
        )
        delay_minutes: float = delay_minutes_field()

    params: OutsiderEngagement.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        posts = organic_posts(size, setting, self.params.activity)
        return Footprint(
            accounts=size,
            organic=size,
            events=posts * min(self.params.per_post, setting.accounts),
            levers=("per_post", "activity"),
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.5)
        ptime, author, post = member_posts(draft, cohort.members, draft.time_of_day(day))
        pool = active_base(draft)
        rows = distinct_rows(rng, len(pool), p.per_post, len(post))
        k = rows.shape[1] if rows.ndim == 2 else 0
        n = rows.size
        if n:
            kinds = reaction_codes(p.reactions)[rng.integers(0, len(p.reactions), n)]
            when = clip_times(draft, np.repeat(ptime, k) + rng.uniform(1, p.delay_minutes * 60, n))
            draft.add_events(
                when,
                pool[rows].ravel(),
                kinds,
                target=np.repeat(author, k),
                post=np.repeat(post, k),
            )
        cohort.cost = {"organic_reactions": float(n)}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(reactions=int(n), posts=int(len(post)))


# ---------------------------------------------------------------------------------------------
# 9. borrowed influence


class CelebrityEngagement(OrganicBehaviour):
    id = "celebrity_engagement"
    flaws = ("F5",)
    description = (
        "Borrowed influence: at `day` one engager reacts (`action`, a share by default) to the "
        "first `count` posts each member makes from `day` on, delay_hours after each post; a "
        "member with too few posts then gets extra posts within a day of `day` to react to. "
        "The engager is a base account chosen by true attention: 'top' is the highest-attention "
        "base account, 'median' the base account of median attention (by followers when the "
        "population has no traits). Two cohorts, one per engager, make the F5 comparison."
    )
    source = (
        "docs/flaws.md F5 (Klout: engaging people with higher scores raises yours; replies "
        "from Gary Vaynerchuk; Kred: extra points when the actor has over 10,000 "
        "followers)"
    )

    class Params(TraitParams):
        day: float | None = Field(
            None, ge=0, description="day of the engagement (default: 0.5 of the period)"
        )
        engager: Literal["top", "median"] = Field(
            "top",
            description="'top': the base account "
            "with the highest attention; 'median': the "
            "one with median attention",
        )
        action: Reaction = Field("share", description="what the engager does")
        count: int = Field(1, ge=1, le=MAX_COUNT, description="posts of each member it reacts to")
        delay_hours: float = Field(1.0, ge=0, description="hours between a post and the reaction")

    params: CelebrityEngagement.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        return Footprint(
            accounts=size, organic=size, events=2 * size * self.params.count, levers=("count",)
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.5)
        t = draft.time_of_day(day)
        base = base_accounts(draft)
        att = draft.column("attention")[base]
        if not (att > 0).any():
            _, dst = draft.follow_arrays()
            att = np.bincount(dst, minlength=draft.n)[base].astype(np.float64)
        order = np.argsort(att, kind="stable")
        engager = int(base[order[-1] if p.engager == "top" else order[(len(order) - 1) // 2]])
        ptime, author, post = member_posts(draft, cohort.members, t)
        order = np.lexsort((post, ptime, author))
        ptime, author, post = ptime[order], author[order], post[order]
        first = np.r_[True, author[1:] != author[:-1]] if len(author) else np.zeros(0, bool)
        rank = np.arange(len(author)) - np.maximum.accumulate(
            np.where(first, np.arange(len(author)), 0)
        )
        take = rank < p.count
        have = np.bincount(author[take], minlength=draft.n)[cohort.members]
        missing = np.maximum(p.count - have, 0)
        extra_author = np.repeat(cohort.members, missing)
        extra_time = clip_times(draft, t + rng.uniform(0, DAY, len(extra_author)))
        extra_post = draft.new_posts(len(extra_author))
        if len(extra_author):
            draft.add_events(extra_time, extra_author, "post", post=extra_post)
        rt = np.r_[ptime[take], extra_time]
        ra = np.r_[author[take], extra_author]
        rp = np.r_[post[take], extra_post]
        when = clip_times(draft, rt + p.delay_hours * 3600.0)
        draft.add_events(when, engager, p.action, target=ra, post=rp)
        cohort.cost = {"engager_reactions": float(len(rp))}
        cohort.treatment_start = day
        cohort.treatment_end = float((when.max() - draft.t0) / DAY) if len(when) else day
        cohort.facts.update(
            engager=draft.ids[engager],
            engager_kind=p.engager,
            engager_attention=float(draft.column("attention")[engager]),
            reactions=int(len(rp)),
            added_posts=int(len(extra_author)),
        )


# ---------------------------------------------------------------------------------------------
# 15. small sparks


class SmallSpark(OrganicBehaviour):
    id = "small_spark"
    flaws = ("F12",)
    description = (
        "A small account whose one post becomes a large cascade. At `day` each member (low "
        "attention, few followers) posts once; then cascade_size distinct base accounts share "
        "it over spread_days. The cascade travels through small accounts: sharers are drawn "
        "among active base accounts whose attention is at most the max_attention_quantile of "
        "the base population, and form a random recursive tree (each share's parent is the "
        "original or an earlier share, recorded in facts). As on Twitter, every share, also a "
        "share of a share, credits the ORIGINAL author with the original post id. No follow "
        "edges are added: the cascade is visible only in the events."
    )
    source = (
        "docs/flaws.md F12 (a tweet from an account with 6 followers retweeted by one with "
        "39 became national news, Vaynerchuk; Watts; Bakshy et al., 'Everyone's an "
        "Influencer', WSDM 2011)"
    )

    class Params(TraitParams):
        attention: float = Field(0.5, ge=0, description="how much others react to one post")
        sociability: float = Field(1.0, ge=0, description="how many accounts they follow")
        day: float | None = Field(
            None, ge=0, description="day of the post (default: 0.5 of the period)"
        )
        cascade_size: int = Field(
            300,
            ge=0,
            le=MAX_COUNT,
            description="shares, each by a distinct base account (capped at the eligible accounts)",
        )
        spread_days: float = Field(
            2.0,
            ge=1 / 86_400,
            le=MAX_DAYS,
            description="days over which the shares arrive (at least a second)",
        )
        max_attention_quantile: float = Field(
            0.5,
            gt=0,
            le=1,
            description="sharers are base accounts with attention at most this quantile",
        )

    params: SmallSpark.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        shares = min(self.params.cascade_size, setting.accounts)
        return Footprint(
            accounts=size, organic=size, events=size * (1 + shares), levers=("cascade_size",)
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.5)
        t = float(np.floor(clip_times(draft, np.asarray(draft.time_of_day(day)))))
        pool = active_base(draft)
        att = draft.column("attention")[pool]
        pool = pool[att <= np.quantile(att, p.max_attention_quantile)] if len(pool) else pool
        members = cohort.members
        posts = draft.new_posts(len(members))
        draft.add_events(np.full(len(members), t), members, "post", post=posts)
        k = min(p.cascade_size, len(pool))
        rows = distinct_rows(rng, len(pool), k, len(members))
        sharers = pool[rows]  # (members, k)
        when = clip_times(
            draft, t + np.sort(rng.uniform(1, p.spread_days * DAY, rows.shape), axis=1)
        )
        # parent j of share i: 0 is the original post, j > 0 the share j - 1 (earlier in time)
        parent = np.floor(rng.random(rows.shape) * np.arange(1, k + 1)).astype(np.int64)
        depth = np.zeros(rows.shape, np.int64)
        cur = parent.copy()
        while (cur > 0).any():  # depth levels only
            depth += cur > 0
            cur = np.where(cur > 0, np.take_along_axis(parent, np.maximum(cur - 1, 0), axis=1), 0)
        if rows.size:
            draft.add_events(
                when.ravel(),
                sharers.ravel(),
                "share",
                target=np.repeat(members, k),
                post=np.repeat(posts, k),
            )
        cohort.treatment_start = day
        cohort.treatment_end = min(draft.days, day + p.spread_days)
        cohort.facts.update(
            cascade_size=int(k),
            posts=[int(x) for x in posts],
            max_depth=int(depth.max()) + 1 if depth.size else 0,
            direct_shares=int((parent == 0).sum()),
            parents=[
                [draft.ids[a] if j == 0 else draft.ids[s[j - 1]] for j in row]
                for a, s, row in zip(members, sharers, parent, strict=True)
            ]
            if k <= 10_000
            else None,
        )


# ---------------------------------------------------------------------------------------------
# 18. sabotage by spam engagement


class SpamEngagement(OrganicBehaviour):
    id = "spam_engagement"
    flaws = ("F18",)
    description = (
        "Ordinary accounts that others flood with spam engagement (sabotage): the members do "
        "nothing different. At `day` the treatment adds `bots` spam accounts (auxiliary, label "
        "'spam', created in the week before, no organic activity) which, from `day` to the "
        "end, make per_day reactions a day on each member, of kinds drawn uniformly from "
        "`actions`: a like or reply goes to a random earlier post of the member (a mention when "
        "the member has none yet), a mention names the member. Nobody follows anybody."
    )
    source = (
        "docs/flaws.md F18 (negative SEO, 'Google bowling': spam pointed at a competitor; "
        "slandering in reputation systems, Hoffman, Zage and Nita-Rotaru 2009)"
    )

    class Params(TraitParams):
        bots: int = Field(20, ge=1, description="spam accounts doing it")
        per_day: float = Field(20.0, ge=0, description="spam reactions per member per day")
        day: float | None = Field(
            None, ge=0, description="day it starts (default: 0.6 of the period)"
        )
        actions: tuple[Reaction, ...] = Field(
            ("reply", "mention", "like"), min_length=1, description="kinds drawn from, uniformly"
        )

    params: SpamEngagement.Params

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.6)
        t = draft.time_of_day(day)
        bots = draft.add_accounts(
            p.bots,
            prefix=f"{cohort.name}-bot-",
            cohort=cohort.name,
            role="auxiliary",
            label="spam",
            attention=0.0,
            activity=0.0,
            sociability=0.0,
            organic=False,
            created=np.floor(t - rng.uniform(DAY, 7 * DAY, p.bots)),
        )
        ptime, author, post = member_posts(draft, cohort.members, draft.t0 - 1e9)
        k = int(round(p.per_day * (draft.days - day)))
        members = np.repeat(cohort.members, k)
        when = clip_times(draft, rng.uniform(t, draft.t_end, len(members)))
        kind = reaction_codes(p.actions)[rng.integers(0, len(p.actions), len(members))]
        target_post = np.full(len(members), -1, np.int64)
        mention = ACTIONS.index("mention")
        order = np.lexsort((ptime, author))
        ptime, author, post = ptime[order], author[order], post[order]
        for m in cohort.members:
            mine = author == m
            times, ids = ptime[mine], post[mine]
            sel = members == m
            earlier = np.searchsorted(times, when[sel], side="left")  # posts before the event
            pick = np.floor(rng.random(int(sel.sum())) * earlier).astype(np.int64)
            has = earlier > 0
            chosen = np.where(
                has, ids[np.minimum(pick, max(len(ids) - 1, 0))] if len(ids) else -1, -1
            )
            target_post[sel] = chosen
        needs_post = kind != mention
        kind = np.where(needs_post & (target_post < 0), mention, kind).astype(np.int8)
        target_post = np.where(kind == mention, -1, target_post)
        if len(members):
            draft.add_events(
                when,
                bots[rng.integers(0, p.bots, len(members))],
                kind,
                target=members,
                post=target_post,
            )
        cohort.cost = {"spam_reactions": float(len(members))}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(bots=int(p.bots), reactions=int(len(members)))
