"""The built-in cohort behaviours: what the accounts under audit do.

Each class is a :class:`~auditkit.behaviour.Behaviour` plugin (see that module for the stages
``setup`` -> organic simulation -> ``finish`` -> ``treat``). The honest baselines
(``conversationalist``, ``offline_influential``, ``newcomer``, ...) only give their members
traits and let the organic simulation act for them; the manipulations (``bought_followers``,
``engagement_pod``, ``follow_churn``, ...) add scripted follows and events in ``treat``, which
runs only in the treated world. Docs: ``docs/behaviours.md``; flaw ids: ``flaws.md``.

Conventions shared by every behaviour here:

- members are new accounts ``<cohort>-<i>`` with ``role="member"``; accounts a treatment needs
  but that are not under study (bought fakes) have ``role="auxiliary"`` and stay out of
  percentiles;
- "base accounts" are the generated population (``role="base"``); behaviours pick followers,
  reactors and engagers only among them, so two cohorts of one scenario do not touch each other;
- a ``day`` parameter is days from the start of the world; ``None`` means a stated share of the
  period, and every day is clamped to ``[0, days]``;
- scripted times are whole unix seconds inside the period; everything is drawn from the stream
  the stage receives, vectorised with numpy.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pydantic
from pydantic import Field

from auditkit.behaviour import Behaviour, Cohort
from auditkit.draft import DAY, REACTION_MIX, Draft
from auditkit.hookspecs import hookimpl
from auditkit.scorer import Params
from auditkit.world import ACTIONS

__all__ = [
    "Conversationalist", "SpamBot", "BoughtFollowers", "FollowBackFarm", "FollowChurn",
    "EngagementPod", "OutsiderEngagement", "SybilRegion", "CelebrityEngagement", "Inactive",
    "HighVolumePoster", "LinkBroadcaster", "Institution", "OfflineInfluential", "SmallSpark",
    "SecondNetwork", "Newcomer", "SmallCommunity", "BEHAVIOURS",
]

Reaction = Literal["share", "reply", "mention", "like"]
POST = ACTIONS.index("post")


# ---------------------------------------------------------------------------------------------
# helpers


def _on_day(draft: Draft, day: float | None, share: float) -> float:
    """``day`` (or ``share`` of the period when None), clamped to ``[0, draft.days]``."""
    d = draft.days * share if day is None else float(day)
    return min(max(d, 0.0), draft.days)


def _clip(draft: Draft, t: np.ndarray) -> np.ndarray:
    """Whole seconds, inside the period."""
    return np.floor(np.minimum(np.asarray(t, np.float64), draft.t_end - 1))


def _base(draft: Draft) -> np.ndarray:
    """Codes of the base population."""
    return np.flatnonzero(draft.column("role") == "base")


def _active_base(draft: Draft) -> np.ndarray:
    """Base accounts that act organically (activity > 0); all base accounts when none do (a
    real world copied in has no traits)."""
    base = _base(draft)
    act = draft.column("activity")[base]
    organic = draft.column("organic").astype(bool)[base]
    active = base[organic & (act > 0)]
    return active if len(active) else base


def _trait(draft: Draft, name: str, codes: np.ndarray) -> np.ndarray:
    """A trait of ``codes``; ones when it is zero everywhere (no traits known)."""
    w = draft.column(name)[codes].astype(np.float64)
    return w if w.sum() > 0 else np.ones(len(codes))


def _index_of(draft: Draft, members: np.ndarray) -> np.ndarray:
    """For every account, its position among ``members`` or -1."""
    pos = np.full(draft.n, -1, np.int64)
    pos[members] = np.arange(len(members))
    return pos


def _distinct_rows(rng: np.random.Generator, n: int, k: int, rows: int) -> np.ndarray:
    """``rows`` independent uniform samples of ``k`` distinct values of ``range(n)``, as a
    (rows, k) array. Small ``k``: Floyd's algorithm vectorised over rows; large ``k``: one
    ``choice`` per row (a handful of rows)."""
    k = min(int(k), int(n))
    if rows == 0 or k <= 0:
        return np.zeros((rows, max(k, 0)), np.int64)
    if k > 32:
        return np.stack([rng.choice(n, k, replace=False) for _ in range(rows)]).astype(np.int64)
    out = np.empty((rows, k), np.int64)
    for i, j in enumerate(range(n - k, n)):
        t = rng.integers(0, j + 1, rows)
        seen = (out[:, :i] == t[:, None]).any(axis=1)
        out[:, i] = np.where(seen, j, t)
    return out


def _weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn one after another in proportion to ``weights``
    (Efraimidis-Spirakis keys); zero weights are never drawn."""
    w = np.asarray(weights, np.float64)
    keys = rng.exponential(1.0, len(w))
    with np.errstate(divide="ignore"):
        keys = np.where(w > 0, keys / np.where(w > 0, w, 1.0), np.inf)
    k = min(int(k), int((w > 0).sum()))
    if k <= 0:
        return np.zeros(0, np.int64)
    return np.argpartition(keys, k - 1)[:k] if k < len(w) else np.argsort(keys)[:k]


def _reaction_codes(names) -> np.ndarray:
    return np.array([ACTIONS.index(a) for a in names], np.int8)


def _member_posts(draft: Draft, members: np.ndarray, since: float):
    """(time, author, post) of the members' posts at or after unix time ``since``."""
    ev = draft.events()
    if not len(ev["time"]):
        empty = np.zeros(0, np.int64)
        return np.zeros(0), empty, empty
    is_member = np.zeros(draft.n, bool)
    is_member[members] = True
    sel = (ev["action"] == POST) & is_member[ev["actor"].astype(np.int64)] & \
        (ev["time"] >= since)
    return ev["time"][sel], ev["actor"][sel].astype(np.int64), ev["post"][sel].astype(np.int64)


def _posts_over(draft: Draft, rng, members: np.ndarray, per_day: float, start_day: float,
                network=None, link=None):
    """Each member posts ``per_day`` times a day, at uniform times from ``start_day`` to the
    end. Returns (time, author, post)."""
    k = int(round(per_day * (draft.days - start_day)))
    actor = np.repeat(members, k)
    lo = draft.time_of_day(start_day)
    time = _clip(draft, rng.uniform(lo, draft.t_end, len(actor)))
    post = draft.new_posts(len(actor))
    if len(actor):
        draft.add_events(time, actor, "post", post=post, network=network,
                         link=None if link is None else link(len(actor)))
    return time, actor, post


def _audience_reactions(draft: Draft, rng, time: np.ndarray, author: np.ndarray,
                        post: np.ndarray, per_post: float) -> int:
    """Give each post a Poisson(``per_post``) number of reactions from the author's followers
    (random active base accounts for an author nobody follows), in the organic mix of kinds,
    an exponential delay (mean 6 h) after the post. Returns how many were added."""
    if per_post <= 0 or not len(post):
        return 0
    counts = rng.poisson(per_post, len(post))
    which = np.repeat(np.arange(len(post)), counts)
    if not len(which):
        return 0
    src, dst = draft.follow_arrays()
    order = np.argsort(dst, kind="stable")
    fans = src[order]
    start = np.searchsorted(dst[order], np.arange(draft.n))
    degree = np.bincount(dst, minlength=draft.n)
    a = author[which]
    pick = start[a] + (rng.random(len(which)) * np.maximum(degree[a], 1)).astype(np.int64)
    pool = _active_base(draft)
    fallback = pool[rng.integers(0, len(pool), len(which))]
    reactor = np.where(degree[a] > 0, fans[np.minimum(pick, max(len(fans) - 1, 0))]
                       if len(fans) else fallback, fallback)
    keep = reactor != a
    kinds = _reaction_codes(list(REACTION_MIX))
    action = kinds[np.searchsorted(np.cumsum(list(REACTION_MIX.values())),
                                   rng.random(int(keep.sum())) * sum(REACTION_MIX.values()))]
    delay = rng.exponential(6 * 3600.0, int(keep.sum()))
    draft.add_events(_clip(draft, time[which][keep] + delay), reactor[keep], action,
                     target=a[keep], post=post[which][keep])
    return int(keep.sum())


# ---------------------------------------------------------------------------------------------
# organic members


class _TraitParams(Params):
    """An ordinary account: attention and activity about the population's medians."""

    attention: float = Field(2.0, ge=0, description="how much others react to one post "
                             "(base population: median about 1.9, 99th percentile about 65)")
    activity: float = Field(1.0, ge=0, description="how much they post and react (base "
                            "population: log-normal, median 1)")
    sociability: float = Field(1.6, ge=0, description="how many accounts they follow (base "
                               "population: median about 1.6)")


class _ConversationalParams(_TraitParams):
    """An engaged, conversational account."""

    attention: float = Field(8.0, ge=0, description="how much others react to one post "
                             "(base population: median about 1.9, 99th percentile about 65)")
    activity: float = Field(1.5, ge=0, description="how much they post and react (base "
                            "population: log-normal, median 1)")
    sociability: float = Field(3.0, ge=0, description="how many accounts they follow (base "
                               "population: median about 1.6)")


class _Organic(Behaviour):
    """Members that take part in the organic simulation with the traits of their params."""

    label: str = "human"

    def _extra(self, draft: Draft) -> dict:
        return {}

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        cohort.members = draft.add_accounts(
            cohort.size, prefix=f"{cohort.name}-", cohort=cohort.name, role="member",
            label=self.label, attention=p.attention, activity=p.activity,
            sociability=p.sociability, **self._extra(draft))


# ---------------------------------------------------------------------------------------------
# 1. the honest baseline


class Conversationalist(_Organic):
    id = "conversationalist"
    flaws = ()
    description = (
        "An honest, engaged person: posts regularly, reacts to the people they follow and "
        "draws reactions from an audience that chose them. Nothing is scripted; the organic "
        "simulation acts for them from their traits (attention 8, activity 1.5, sociability 3 by "
        "default: well above the median account). The comparison every manipulation is "
        "measured against.")
    source = ("flaws.md (the baseline of F1, F2, F6, F11); scoring-references.md §1.3 (Klout's "
              "True Reach: the engaged audience)")

    class Params(_ConversationalParams):
        pass


# ---------------------------------------------------------------------------------------------
# 2. spam


class SpamBot(Behaviour):
    id = "spam_bot"
    flaws = ("F1",)
    description = (
        "Content polluters in the style of @common_squirrel: each bot posts posts_per_day times "
        "a day at uniform times over the whole period (optionally links), mentions "
        "mentions_per_day random accounts a day, and at the start follows `follows` random base "
        "accounts, of which a share follow_back (picked in proportion to sociability: the "
        "'social capitalists' who follow back anyone) follow it back. Nobody reacts to their "
        "posts: they have no organic audience (attention 0, organic false), so their followers "
        "are only the follow-backs.")
    source = ("flaws.md F1 (Schaefer, Return on Influence review, 2012; caverlee-2011 "
              "honeypot: polluters median 295 followers); Ghosh et al., 'Understanding and "
              "combating link farming in the Twitter social network', WWW 2012")

    class Params(Params):
        posts_per_day: float = Field(200.0, ge=0, description="posts per bot per day")
        link_share: float = Field(0.0, ge=0, le=1, description="share of posts that are links")
        follows: int = Field(1500, ge=0, description="base accounts each bot follows at the "
                             "start (capped at the base population)")
        follow_back: float = Field(0.1, ge=0, le=1, description="share of the followed that "
                                   "follow back")
        mentions_per_day: float = Field(10.0, ge=0, description="mentions of random base "
                                        "accounts per bot per day")

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        size = cohort.size
        members = draft.add_accounts(
            size, prefix=f"{cohort.name}-", cohort=cohort.name, role="member", label="spam",
            attention=0.0, activity=0.0, sociability=0.0, organic=False,
            created=draft.t0 - 30 * DAY)
        cohort.members = members
        _, _, posts = _posts_over(draft, rng, members, p.posts_per_day, 0.0,
                                  link=lambda k: rng.random(k) < p.link_share)
        base = _base(draft)
        k = min(p.follows, len(base))
        rows = _distinct_rows(rng, len(base), k, size)
        followed = base[rows]                                   # (size, k)
        ftime = np.floor(draft.t0 - rng.uniform(0, DAY, followed.shape))
        draft.add_follows(np.repeat(members, k), followed.ravel(), ftime.ravel())
        # follow-backs: round(share * k) per bot, social capitalists first
        m = int(round(p.follow_back * k))
        backs = 0
        if m and k:
            soc = _trait(draft, "sociability", followed.ravel()).reshape(followed.shape)
            keys = rng.exponential(1.0, followed.shape) / np.maximum(soc, 1e-12)
            pick = np.argsort(keys, axis=1)[:, :m]
            who = np.take_along_axis(followed, pick, axis=1)
            when = np.take_along_axis(ftime, pick, axis=1) + rng.exponential(DAY, pick.shape)
            draft.add_follows(who.ravel(), np.repeat(members, m), _clip(draft, when).ravel())
            backs = who.size
        km = int(round(p.mentions_per_day * draft.days))
        mentions = km * size
        if mentions and len(base):
            draft.add_events(_clip(draft, rng.uniform(draft.t0, draft.t_end, mentions)),
                             np.repeat(members, km), "mention",
                             target=base[rng.integers(0, len(base), mentions)])
        cohort.facts.update(posts=int(len(posts)), follows=int(k * size), follow_backs=backs,
                            mentions=int(mentions))


# ---------------------------------------------------------------------------------------------
# 3. bought followers


class BoughtFollowers(_Organic):
    id = "bought_followers"
    flaws = ("F7",)
    description = (
        "Ordinary accounts that buy followers. At `day` the treatment adds `count` fake accounts "
        "(auxiliary, label 'fake', created in the week before) that each follow every member "
        "within two days after `day`, plus `padding` random base accounts each so that they look "
        "real. The fakes never post, react or reshare (organic false, attention and activity "
        "0): the followers are dead.")
    source = ("flaws.md F7 (Klout: followers who never interact do not help; Stringhini et al., "
              "'Follow the Green', IMC 2013; cresci-2015 fake followers); scoring-references.md "
              "§2 (Kred scores follows)")

    class Params(_TraitParams):
        count: int = Field(1000, ge=0, description="fake followers bought")
        day: float | None = Field(None, ge=0, description="day of the purchase (default: 0.6 "
                                  "of the period)")
        padding: int = Field(20, ge=0, description="other (base) accounts each fake follows")

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = _on_day(draft, p.day, 0.6)
        t = draft.time_of_day(day)
        created = np.floor(t - rng.uniform(DAY, 7 * DAY, p.count))
        fakes = draft.add_accounts(
            p.count, prefix=f"{cohort.name}-fake-", cohort=cohort.name, role="auxiliary",
            label="fake", attention=0.0, activity=0.0, sociability=0.0, organic=False,
            created=created)
        members = cohort.members
        size = len(members)
        when = _clip(draft, t + rng.uniform(0, 2 * DAY, (p.count, size)))
        draft.add_follows(np.repeat(fakes, size), np.tile(members, p.count), when.ravel())
        base = _base(draft)
        rows = _distinct_rows(rng, len(base), p.padding, p.count)
        if rows.size:
            pad = created[:, None] + rng.uniform(0, 1, rows.shape) * (t - created)[:, None]
            draft.add_follows(np.repeat(fakes, rows.shape[1]), base[rows].ravel(),
                              np.floor(pad).ravel())
        cohort.cost = {"fake_accounts": float(p.count)}
        cohort.treatment_start, cohort.treatment_end = day, min(day + 2.0, draft.days)
        cohort.facts.update(fake_accounts=int(p.count), bought_follows=int(p.count * size),
                            padding_follows=int(rows.size))


# ---------------------------------------------------------------------------------------------
# 4-5. follow-back farming and follow churn


class _FarmParams(_TraitParams):
    day: float | None = Field(None, ge=0, description="day the mass-following starts "
                              "(default: 0.5 of the period)")
    follows: int = Field(800, ge=0, description="accounts each member follows (per cycle), "
                         "drawn in proportion to sociability")
    follow_back: float = Field(0.3, ge=0, le=1, description="probability that a followed "
                               "account follows back")
    unfollow_after_days: float = Field(7.0, gt=0, description="days after which the member "
                                       "unfollows those who did not follow back")


class FollowBackFarm(_Organic):
    id = "follow_back_farm"
    flaws = ("F8",)
    description = (
        "Ordinary accounts that mass-follow to be followed back. At `day` each member follows "
        "`follows` base accounts it did not follow yet, drawn in proportion to sociability (the "
        "'social capitalists' who follow back anyone), spread over a day. Each followed account "
        "follows back with probability follow_back (one that already followed the member counts "
        "as reciprocated). With churn, the member unfollows everyone who did not follow back "
        "unfollow_after_days later (the follow gets an `until`), so its following/follower "
        "ratio looks clean again.")
    source = ("flaws.md F8 ('get more people to follow you than you follow'; Ghosh et al., WWW "
              "2012); scoring-references.md (Tweepcred lowers the teleport mass of accounts "
              "following more than 500 with ratio > 0.6)")

    class Params(_FarmParams):
        churn: bool = Field(True, description="unfollow those who did not follow back")

    def _cycles(self) -> tuple[int, float, float]:
        return 1, 0.0, 0.5

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        cycles, cycle_days, share = self._cycles()
        churn = getattr(p, "churn", True)
        day = _on_day(draft, p.day, share)
        starts = [d for d in day + cycle_days * np.arange(cycles) if d < draft.days]
        base = _base(draft)
        soc = _trait(draft, "sociability", base)
        pos = np.full(draft.n, -1, np.int64)
        pos[base] = np.arange(len(base))
        # the members' follow edges with the base so far (organic and scripted)
        src, dst = draft.follow_arrays()
        idx = _index_of(draft, cohort.members)
        out = (idx[src] >= 0) & (pos[dst] >= 0)
        inn = (idx[dst] >= 0) & (pos[src] >= 0)
        out_m, out_b = idx[src[out]], pos[dst[out]]
        in_m, in_b = idx[dst[inn]], pos[src[inn]]
        unfollow = p.unfollow_after_days * DAY
        follows: list[tuple[np.ndarray, ...]] = []
        backs: list[tuple[np.ndarray, ...]] = []
        for i, m in enumerate(cohort.members):
            targeted = np.zeros(len(base), bool)      # followed now or in an earlier cycle
            targeted[out_b[out_m == i]] = True
            follower = np.zeros(len(base), bool)      # follows the member
            follower[in_b[in_m == i]] = True
            for d0 in starts:
                cand = np.flatnonzero(~targeted)
                pick = cand[_weighted_sample(rng, soc[cand], p.follows)]
                k = len(pick)
                targeted[pick] = True
                tf = np.floor(draft.time_of_day(d0) + rng.uniform(0, DAY, k))
                back = follower[pick] | (rng.random(k) < p.follow_back)
                new = back & ~follower[pick]
                follower[pick[new]] = True
                delay = np.minimum(rng.exponential(DAY, k), unfollow - 60.0)
                until = np.where(back | (not churn), np.nan, tf + unfollow)
                follows.append((np.full(k, m), base[pick], tf, until))
                backs.append((base[pick[new]], np.full(int(new.sum()), m),
                               _clip(draft, tf[new] + delay[new])))
        made = unfollows = n_back = 0
        if follows:
            f_src, f_dst, f_time, f_until = (np.concatenate(x) for x in zip(*follows,
                                                                              strict=True))
            b_src, b_dst, b_time = (np.concatenate(x) for x in zip(*backs, strict=True))
            finite = np.isfinite(f_until)
            draft.add_follows(f_src, f_dst, f_time, f_until if finite.any() else None)
            draft.add_follows(b_src, b_dst, b_time)
            made, unfollows, n_back = len(f_src), int(finite.sum()), len(b_src)
        last = starts[-1] if starts else day
        cohort.cost = {"follows": float(made)}
        cohort.treatment_start = day
        cohort.treatment_end = min(draft.days, last + 1.0 + p.unfollow_after_days)
        cohort.facts.update(follows=made, follow_backs=n_back, unfollows=unfollows,
                            cycles=len(starts))


class FollowChurn(FollowBackFarm):
    id = "follow_churn"
    flaws = ("F8",)
    description = (
        "Follow churn: the follow-back farm repeated `cycles` times, `cycle_days` apart. Each "
        "cycle a member follows `follows` fresh base accounts (never followed before, drawn in "
        "proportion to sociability), keeps those who follow back (probability follow_back) and "
        "unfollows all the others unfollow_after_days later. The cost counts every follow made.")
    source = FollowBackFarm.source

    class Params(_FarmParams):
        day: float | None = Field(None, ge=0, description="day the first cycle starts "
                                  "(default: 0.25 of the period)")
        cycles: int = Field(4, ge=1, description="follow/unfollow cycles (those that would "
                            "start after the end are dropped)")
        cycle_days: float = Field(8.0, gt=0, description="days between the starts of two "
                                  "cycles")

    def _cycles(self) -> tuple[int, float, float]:
        return self.params.cycles, self.params.cycle_days, 0.25


# ---------------------------------------------------------------------------------------------
# 6-7. pods and their organic comparison


class EngagementPod(_Organic):
    id = "engagement_pod"
    flaws = ("F6",)
    description = (
        "An engagement pod (reciprocity ring). From `day` to the end, every post of a member "
        "gets one reaction from every other member, within delay_minutes; the kind of each "
        "reaction is drawn uniformly from `reactions`. So a pod of s members adds s-1 "
        "coordinated reactions per post, N in all (cohort.facts['reactions']). Members are "
        "otherwise ordinary organic accounts.")
    source = ("flaws.md F6 (Weerasinghe et al., 'The Pod People: Understanding Manipulation of "
              "Social Media Popularity via Reciprocity Abuse', WWW 2020)")

    class Params(_TraitParams):
        day: float | None = Field(None, ge=0, description="day the pod starts (default: 0.5 "
                                  "of the period)")
        reactions: tuple[Reaction, ...] = Field(
            ("like", "share", "reply"), min_length=1,
            description="kinds a pod reaction is drawn from (uniformly, one per member per "
            "post)")
        delay_minutes: float = Field(30.0, gt=0, description="reactions come uniformly "
                                     "within this many minutes of the post")

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = _on_day(draft, p.day, 0.5)
        members = cohort.members
        ptime, author, post = _member_posts(draft, members, draft.time_of_day(day))
        grid = np.broadcast_to(members, (len(author), len(members)))
        keep = grid != author[:, None]
        reactor = grid[keep]
        rep = keep.sum(axis=1)
        n = len(reactor)
        if n:
            kinds = _reaction_codes(p.reactions)[rng.integers(0, len(p.reactions), n)]
            when = _clip(draft, np.repeat(ptime, rep) + rng.uniform(1, p.delay_minutes * 60, n))
            draft.add_events(when, reactor, kinds, target=np.repeat(author, rep),
                             post=np.repeat(post, rep))
        cohort.cost = {"coordinated_reactions": float(n)}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(reactions=int(n), posts=int(len(post)))


class OutsiderEngagement(_Organic):
    id = "outsider_engagement"
    flaws = ("F6",)
    description = (
        "The organic comparison for a pod: from `day` to the end, every post of a member gets "
        "one reaction each from per_post distinct random base accounts (active, organic), drawn "
        "afresh for every post, with the same kinds and timing as the pod's reactions. With "
        "per_post = pod size - 1 it is the same number of reactions as a pod, from strangers.")
    source = EngagementPod.source

    class Params(_TraitParams):
        day: float | None = Field(None, ge=0, description="day it starts (default: 0.5 of "
                                  "the period)")
        per_post: int = Field(9, ge=0, description="distinct outsiders reacting to each post")
        reactions: tuple[Reaction, ...] = Field(
            ("like", "share", "reply"), min_length=1,
            description="kinds a reaction is drawn from (uniformly)")
        delay_minutes: float = Field(30.0, gt=0, description="reactions come uniformly "
                                     "within this many minutes of the post")

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = _on_day(draft, p.day, 0.5)
        ptime, author, post = _member_posts(draft, cohort.members, draft.time_of_day(day))
        pool = _active_base(draft)
        rows = _distinct_rows(rng, len(pool), p.per_post, len(post))
        k = rows.shape[1] if rows.ndim == 2 else 0
        n = rows.size
        if n:
            kinds = _reaction_codes(p.reactions)[rng.integers(0, len(p.reactions), n)]
            when = _clip(draft, np.repeat(ptime, k) + rng.uniform(1, p.delay_minutes * 60, n))
            draft.add_events(when, pool[rows].ravel(), kinds, target=np.repeat(author, k),
                             post=np.repeat(post, k))
        cohort.cost = {"organic_reactions": float(n)}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(reactions=int(n), posts=int(len(post)))


# ---------------------------------------------------------------------------------------------
# 8. sybils


class SybilRegion(Behaviour):
    id = "sybil_region"
    flaws = ("F9",)
    description = (
        "A region of fake accounts that endorse each other (use e.g. size: 200). Each sybil "
        "follows `degree` random other sybils, posts posts_per_day a day, and every sybil post "
        "gets reactions_per_post likes or shares from distinct random other sybils. The only "
        "links with the honest region are attack_edges follows from distinct honest base "
        "accounts (drawn in proportion to sociability) to one random sybil each; no sybil "
        "follows or reacts to an honest account, and no honest account reacts to a sybil.")
    source = ("flaws.md F9 (Cao et al., 'Aiding the Detection of Fake Accounts in Large Scale "
              "Social Online Services' (SybilRank), NSDI 2012; Yu et al., SybilLimit; "
              "Gyöngyi and Garcia-Molina, link spam alliances / optimal spam farms)")

    class Params(Params):
        degree: int = Field(10, ge=0, description="other sybils each sybil follows")
        posts_per_day: float = Field(1.0, ge=0, description="posts per sybil per day")
        reactions_per_post: int = Field(5, ge=0, description="reactions from other sybils on "
                                        "every sybil post")
        attack_edges: int = Field(3, ge=0, description="honest base accounts that follow a "
                                  "sybil (the only links between the regions)")

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        n = cohort.size
        members = draft.add_accounts(
            n, prefix=f"{cohort.name}-", cohort=cohort.name, role="member", label="sybil",
            attention=0.0, activity=0.0, sociability=0.0, organic=False)
        cohort.members = members
        own = np.arange(n)[:, None]
        rows = _distinct_rows(rng, n - 1, p.degree, n) if n > 1 else np.zeros((n, 0), np.int64)
        rows = rows + (rows >= own)                             # skip oneself
        draft.add_follows(np.repeat(members, rows.shape[1]), members[rows].ravel(),
                          np.floor(draft.t0 - rng.uniform(DAY, 60 * DAY, rows.size)))
        ptime, author, post = _posts_over(draft, rng, members, p.posts_per_day, 0.0)
        who = author - members[0] if n else author
        r = _distinct_rows(rng, n - 1, p.reactions_per_post, len(post)) if n > 1 else \
            np.zeros((len(post), 0), np.int64)
        r = r + (r >= who[:, None])
        k = r.shape[1]
        if r.size:
            kinds = _reaction_codes(("like", "share"))[rng.integers(0, 2, r.size)]
            draft.add_events(_clip(draft, np.repeat(ptime, k) + rng.exponential(3600.0, r.size)),
                             members[r].ravel(), kinds, target=np.repeat(author, k),
                             post=np.repeat(post, k))
        base = _base(draft)
        honest = base[_weighted_sample(rng, _trait(draft, "sociability", base), p.attack_edges)]
        if len(honest) and n:
            draft.add_follows(honest, members[rng.integers(0, n, len(honest))],
                              np.floor(draft.t0 - rng.uniform(DAY, 60 * DAY, len(honest))))
        cohort.facts.update(attack_edges=int(len(honest)), sybil_follows=int(rows.size),
                            posts=int(len(post)), reactions=int(r.size),
                            attackers=[draft.ids[c] for c in honest])


# ---------------------------------------------------------------------------------------------
# 9. borrowed influence


class CelebrityEngagement(_Organic):
    id = "celebrity_engagement"
    flaws = ("F5",)
    description = (
        "Borrowed influence: at `day` one engager reacts (`action`, a share by default) to the "
        "first `count` posts each member makes from `day` on, delay_hours after each post; a "
        "member with too few posts then gets extra posts within a day of `day` to react to. "
        "The engager is a base account chosen by true attention: 'top' is the highest-attention "
        "base account, 'median' the base account of median attention (by followers when the "
        "population has no traits). Two cohorts, one per engager, make the F5 comparison.")
    source = ("flaws.md F5 (Klout: engaging people with higher scores raises yours; replies "
              "from Gary Vaynerchuk; Kred: extra points when the actor has over 10,000 "
              "followers)")

    class Params(_TraitParams):
        day: float | None = Field(None, ge=0, description="day of the engagement (default: "
                                  "0.5 of the period)")
        engager: Literal["top", "median"] = Field("top", description="'top': the base account "
                                                  "with the highest attention; 'median': the "
                                                  "one with median attention")
        action: Reaction = Field("share", description="what the engager does")
        count: int = Field(1, ge=1, description="posts of each member it reacts to")
        delay_hours: float = Field(1.0, ge=0, description="hours between a post and the "
                                   "reaction")

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = _on_day(draft, p.day, 0.5)
        t = draft.time_of_day(day)
        base = _base(draft)
        att = draft.column("attention")[base]
        if not (att > 0).any():
            _, dst = draft.follow_arrays()
            att = np.bincount(dst, minlength=draft.n)[base].astype(np.float64)
        order = np.argsort(att, kind="stable")
        engager = int(base[order[-1] if p.engager == "top" else order[(len(order) - 1) // 2]])
        ptime, author, post = _member_posts(draft, cohort.members, t)
        order = np.lexsort((post, ptime, author))
        ptime, author, post = ptime[order], author[order], post[order]
        first = np.r_[True, author[1:] != author[:-1]] if len(author) else np.zeros(0, bool)
        rank = np.arange(len(author)) - np.maximum.accumulate(np.where(first,
                                                                       np.arange(len(author)), 0))
        take = rank < p.count
        have = np.bincount(author[take], minlength=draft.n)[cohort.members]
        missing = np.maximum(p.count - have, 0)
        extra_author = np.repeat(cohort.members, missing)
        extra_time = _clip(draft, t + rng.uniform(0, DAY, len(extra_author)))
        extra_post = draft.new_posts(len(extra_author))
        if len(extra_author):
            draft.add_events(extra_time, extra_author, "post", post=extra_post)
        rt = np.r_[ptime[take], extra_time]
        ra = np.r_[author[take], extra_author]
        rp = np.r_[post[take], extra_post]
        when = _clip(draft, rt + p.delay_hours * 3600.0)
        draft.add_events(when, engager, p.action, target=ra, post=rp)
        cohort.cost = {"engager_reactions": float(len(rp))}
        cohort.treatment_start = day
        cohort.treatment_end = float((when.max() - draft.t0) / DAY) if len(when) else day
        cohort.facts.update(engager=draft.ids[engager], engager_kind=p.engager,
                            engager_attention=float(draft.column("attention")[engager]),
                            reactions=int(len(rp)), added_posts=int(len(extra_author)))


# ---------------------------------------------------------------------------------------------
# 10. inactivity


class Inactive(_Organic):
    id = "inactive"
    flaws = ("F4",)
    description = (
        "Engaged people (like the conversationalist) who fall silent from start_day: for `days` "
        "days (a vacation) or, by default, until the end. During the silence they neither post "
        "nor react, and the reactions their missing posts would have drawn disappear too; "
        "their followers stay (follows are untouched), so their audience and true reach do "
        "not change.")
    source = ("flaws.md F4; scoring-references.md §1.5 (Klout's rolling 90-day window; 66->57 "
              "after a week off-line, 54->51 over a two-week holiday, 46->34 after a silent "
              "month)")

    class Params(_ConversationalParams):
        start_day: float = Field(30.0, ge=0, description="day the silence starts")
        days: float | None = Field(None, gt=0, description="length of the silence in days "
                                   "(default: until the end of the period)")

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        start = _on_day(draft, p.start_day, 0.0)
        end = draft.days if p.days is None else _on_day(draft, start + p.days, 0.0)
        draft.silence(cohort.members, start, end)
        cohort.treatment_start, cohort.treatment_end = start, end
        cohort.facts.update(silent_days=end - start)


# ---------------------------------------------------------------------------------------------
# 11. volume


class HighVolumePoster(_Organic):
    id = "high_volume_poster"
    flaws = ("F2",)
    description = (
        "Accounts that post a lot more: from `day` to the end each member adds "
        "extra_posts_per_day posts at uniform times, each drawing on average "
        "reactions_per_post reactions from the member's followers (default none, so their "
        "engagement per post falls while their volume rises).")
    source = ("flaws.md F2 (a designer tweeting 'at least 200 times a day' won a Klout perk; "
              "Twitalyzer's velocity); scoring-references.md §1.3 (Klout: reactions per post)")

    class Params(_TraitParams):
        attention: float = Field(3.0, ge=0, description="how much others react to one post")
        activity: float = Field(1.5, ge=0, description="how much they post and react")
        day: float | None = Field(None, ge=0, description="day the extra posting starts "
                                  "(default: 0.25 of the period)")
        extra_posts_per_day: float = Field(20.0, ge=0, description="extra posts per member "
                                           "per day")
        reactions_per_post: float = Field(0.0, ge=0, description="mean reactions each extra "
                                          "post draws from the member's followers (0: none, "
                                          "engagement per post falls)")

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = _on_day(draft, p.day, 0.25)
        time, author, post = _posts_over(draft, rng, cohort.members, p.extra_posts_per_day, day)
        reactions = _audience_reactions(draft, rng, time, author, post, p.reactions_per_post)
        cohort.facts.update(extra_reactions=reactions)
        cohort.cost = {"posts": float(len(post))}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(extra_posts=int(len(post)))


# ---------------------------------------------------------------------------------------------
# 12-13. broadcasters and institutions


class LinkBroadcaster(_Organic):
    id = "link_broadcaster"
    flaws = ("F11",)
    description = (
        "Broadcast accounts with the same traits and audience as a conversationalist, but every "
        "post is a link and they never converse: after the organic simulation (in every world) "
        "each member adds posts_per_day link posts (a news aggregator's volume) that draw "
        "reactions_per_post reactions from its followers, all its posts are marked as links "
        "and all its own reactions to others are removed. Reactions it receives are kept.")
    source = "flaws.md F11 (Klout said posting links 100% of the time does not help)"

    class Params(_ConversationalParams):
        posts_per_day: float = Field(0.0, ge=0, description="extra link posts per member per "
                                     "day, over the whole period (a news-aggregator's volume)")
        reactions_per_post: float = Field(0.5, ge=0, description="mean reactions each extra "
                                          "link post draws from the member's followers")

    def finish(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        time, author, post = _posts_over(draft, rng, cohort.members, p.posts_per_day, 0.0,
                                         link=lambda k: np.ones(k, bool))
        _audience_reactions(draft, rng, time, author, post, p.reactions_per_post)
        ev = draft.events()
        if not len(ev["time"]):
            return
        is_member = np.zeros(draft.n, bool)
        is_member[cohort.members] = True
        mine = is_member[ev["actor"].astype(np.int64)]
        posts = mine & (ev["action"] == POST)
        draft.update_events(posts, link=True)
        draft.keep_events(~(mine & (ev["action"] != POST)))
        cohort.facts.update(link_posts=int(posts.sum()),
                            removed_reactions=int((mine & (ev["action"] != POST)).sum()))


class Institution(_Organic):
    id = "institution"
    label = "institution"
    flaws = ("F10",)
    description = (
        "Brand and institutional accounts (label 'institution'): active (activity 2) but with "
        "low-moderate attention per post (people rarely reshare brand posts), plus brand "
        "recognition: passive_followers random base accounts follow each member before the "
        "period, without ever engaging. After the simulation a share link_share of their posts "
        "are marked as links.")
    source = ("flaws.md F10 (a 'space technology' search returned mostly institutions; the NASA "
              "brand scored 99, its scientist was absent)")

    class Params(_TraitParams):
        attention: float = Field(3.0, ge=0, description="how much others react to one post")
        activity: float = Field(2.0, ge=0, description="how much they post and react")
        sociability: float = Field(1.0, ge=0, description="how many accounts they follow")
        passive_followers: int | None = Field(None, ge=0, description="base accounts that "
                                              "follow each member without engaging (default: "
                                              "0.15 of the base population)")
        link_share: float = Field(0.7, ge=0, le=1, description="share of posts that are links")

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        super().setup(draft, cohort, rng)
        base = _base(draft)
        k = int(round(0.15 * len(base))) if self.params.passive_followers is None \
            else self.params.passive_followers
        rows = _distinct_rows(rng, len(base), k, cohort.size)
        if rows.size:
            draft.add_follows(base[rows].ravel(), np.repeat(cohort.members, rows.shape[1]),
                              np.floor(draft.t0 - rng.uniform(DAY, 365 * DAY, rows.size)))
        cohort.facts.update(passive_followers=int(rows.shape[1]))

    def finish(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        ev = draft.events()
        if not len(ev["time"]):
            return
        is_member = np.zeros(draft.n, bool)
        is_member[cohort.members] = True
        idx = np.flatnonzero(is_member[ev["actor"].astype(np.int64)] & (ev["action"] == POST))
        mask = np.zeros(len(ev["time"]), bool)
        mask[idx[rng.random(len(idx)) < self.params.link_share]] = True
        draft.update_events(mask, link=True)
        cohort.facts.update(link_posts=int(mask.sum()))


# ---------------------------------------------------------------------------------------------
# 14. offline influence


class OfflineInfluential(_Organic):
    id = "offline_influential"
    flaws = ("F3", "F14")
    description = (
        "People with a large, attentive audience who rarely use the network (Seth Godin, the "
        "NASA scientist): high attention (40, about the 98th percentile of the base population) "
        "and tiny activity, so the organic simulation gives them few posts and almost no "
        "reactions to others, while what they do post travels far (their true reach, the "
        "expected cascade size, is high).")
    source = ("flaws.md F3 (Seth Godin had Klout 0; NASA's director of astrophysics was absent "
              "while the NASA brand scored 99)")

    class Params(_TraitParams):
        attention: float = Field(40.0, ge=0, description="how much others react to one post")
        activity: float = Field(0.4, ge=0, description="how much they post and react (base "
                                "median 1; with the default population 0.4 is about one or "
                                "two posts and two or three reactions to others in the period)")
        sociability: float = Field(1.0, ge=0, description="how many accounts they follow")


# ---------------------------------------------------------------------------------------------
# 15. small sparks


class SmallSpark(_Organic):
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
        "edges are added: the cascade is visible only in the events.")
    source = ("flaws.md F12 (a tweet from an account with 6 followers retweeted by one with 39 "
              "became national news, Vaynerchuk; Watts; Bakshy et al., 'Everyone's an "
              "Influencer', WSDM 2011)")

    class Params(_TraitParams):
        attention: float = Field(0.5, ge=0, description="how much others react to one post")
        sociability: float = Field(1.0, ge=0, description="how many accounts they follow")
        day: float | None = Field(None, ge=0, description="day of the post (default: 0.5 of "
                                  "the period)")
        cascade_size: int = Field(300, ge=0, description="shares, each by a distinct base "
                                  "account (capped at the eligible accounts)")
        spread_days: float = Field(2.0, gt=0, description="days over which the shares arrive")
        max_attention_quantile: float = Field(0.5, gt=0, le=1, description="sharers are base "
                                              "accounts with attention at most this quantile")

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = _on_day(draft, p.day, 0.5)
        t = float(np.floor(_clip(draft, draft.time_of_day(day))))
        pool = _active_base(draft)
        att = draft.column("attention")[pool]
        pool = pool[att <= np.quantile(att, p.max_attention_quantile)] if len(pool) else pool
        members = cohort.members
        posts = draft.new_posts(len(members))
        draft.add_events(np.full(len(members), t), members, "post", post=posts)
        k = min(p.cascade_size, len(pool))
        rows = _distinct_rows(rng, len(pool), k, len(members))
        sharers = pool[rows]                                             # (members, k)
        when = _clip(draft, t + np.sort(rng.uniform(1, p.spread_days * DAY, rows.shape), axis=1))
        # parent j of share i: 0 is the original post, j > 0 the share j - 1 (earlier in time)
        parent = np.floor(rng.random(rows.shape) * np.arange(1, k + 1)).astype(np.int64)
        depth = np.zeros(rows.shape, np.int64)
        cur = parent.copy()
        while (cur > 0).any():                                           # depth levels only
            depth += cur > 0
            cur = np.where(cur > 0, np.take_along_axis(parent, np.maximum(cur - 1, 0), axis=1),
                           0)
        if rows.size:
            draft.add_events(when.ravel(), sharers.ravel(), "share",
                             target=np.repeat(members, k), post=np.repeat(posts, k))
        cohort.treatment_start = day
        cohort.treatment_end = min(draft.days, day + p.spread_days)
        cohort.facts.update(
            cascade_size=int(k), posts=[int(x) for x in posts],
            max_depth=int(depth.max()) + 1 if depth.size else 0,
            direct_shares=int((parent == 0).sum()),
            parents=[[draft.ids[a] if j == 0 else draft.ids[s[j - 1]] for j in row]
                     for a, s, row in zip(members, sharers, parent, strict=True)]
            if k <= 10_000 else None)


# ---------------------------------------------------------------------------------------------
# 16. a second network


class SecondNetwork(_Organic):
    id = "second_network"
    flaws = ("F15",)
    description = (
        "Conversational people who also use a second, differently used network. In the treated "
        "world every event on the default network is named main_network, and from `day` the "
        "members also post posts_per_day on `network`, where only a share reaction_rate of "
        "those posts get one like, from a random active base account. The control world has "
        "the single unnamed network, which is equivalent. Put this cohort after the other "
        "treated cohorts: events their treatments add later land on the unnamed default "
        "network ('main').")
    source = ("flaws.md F15 (Slate: merging Instagram and LinkedIn waters down who a person is; "
              "Klout combined 9 networks, Rao et al., IEEE BigData 2015)")

    class Params(_ConversationalParams):
        day: float = Field(0.0, ge=0, description="day the second network starts")
        network: str = Field("linkedin", min_length=1, description="the second network")
        main_network: str = Field("twitter", min_length=1, description="name given to the "
                                  "default network in the treated world")
        posts_per_day: float = Field(3.0, ge=0, description="posts per member per day on "
                                     "the second network")
        reaction_rate: float = Field(0.05, ge=0, le=1, description="share of those posts that "
                                     "get one like")

        @pydantic.model_validator(mode="after")
        def _distinct(self):
            if self.network == self.main_network:
                raise ValueError("network and main_network must differ")
            return self

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        ev = draft.events()
        if len(ev["time"]):
            default = [0, draft.network_code(draft.default_network or "")]
            draft.update_events(np.isin(ev["network"], default), network=p.main_network)
        draft.default_network = p.main_network  # later events land on the named network too
        day = _on_day(draft, p.day, 0.0)
        ptime, author, post = _posts_over(draft, rng, cohort.members, p.posts_per_day, day,
                                          network=p.network)
        liked = rng.random(len(post)) < p.reaction_rate
        pool = _active_base(draft)
        n = int(liked.sum())
        if n and len(pool):
            draft.add_events(_clip(draft, ptime[liked] + rng.exponential(6 * 3600.0, n)),
                             pool[rng.integers(0, len(pool), n)], "like", target=author[liked],
                             post=post[liked], network=p.network)
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(network=p.network, posts=int(len(post)), reactions=n)


# ---------------------------------------------------------------------------------------------
# 17-18. who crosses thresholds


class Newcomer(_Organic):
    id = "newcomer"
    flaws = ("F14",)
    description = (
        "Engaged people (conversationalist traits) who join during the period, at joined_day. "
        "They have no events before they exist, and their organic follows start after they "
        "join (within 30 days), so a threshold on a windowed score sees only part of them.")
    source = ("flaws.md F14 (employers and hotels used Klout thresholds; perks went to high "
              "scores)")

    class Params(_ConversationalParams):
        joined_day: float | None = Field(None, ge=0, description="day the accounts are created "
                                         "(default: 0.5 of the period)")

    def _extra(self, draft: Draft) -> dict:
        return {"created": np.floor(draft.time_of_day(_on_day(draft, self.params.joined_day,
                                                              0.5)))}

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        super().setup(draft, cohort, rng)
        cohort.facts.update(joined_day=_on_day(draft, self.params.joined_day, 0.5))


class SmallCommunity(_Organic):
    id = "small_community"
    flaws = ("F14",)
    description = (
        "Engaged people (conversationalist traits) who form their own small community (a "
        "language minority, say): all members are in a new group, so the organic follows they "
        "make and draw stay mostly inside it (the population's locality). The cohort size is "
        "the community size.")
    source = ("flaws.md F14 (thresholds sort people: small and non-English communities); "
              "scoring-references.md §2 (Kred normalises per community)")

    class Params(_ConversationalParams):
        group: str = Field("lang-minority", min_length=1, description="the community's group "
                           "name (must differ from the base groups c0, c1, ...)")

    def _extra(self, draft: Draft) -> dict:
        return {"group": self.params.group}


BEHAVIOURS: tuple[type[Behaviour], ...] = (
    Conversationalist, SpamBot, BoughtFollowers, FollowBackFarm, FollowChurn, EngagementPod,
    OutsiderEngagement, SybilRegion, CelebrityEngagement, Inactive, HighVolumePoster,
    LinkBroadcaster, Institution, OfflineInfluential, SmallSpark, SecondNetwork, Newcomer,
    SmallCommunity,
)


@hookimpl
def register_behaviours(register):
    for cls in BEHAVIOURS:
        register(cls)
