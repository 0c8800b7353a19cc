"""The behaviour every attack is built from: :class:`CompositeAttack` (``composite_attack``),
one target account mounting several attacks at once, registered through the
``register_behaviours`` hook."""

from __future__ import annotations

from typing import Any

import numpy as np
import pydantic
from pydantic import Field

from auditkit.attack.cost import KINDS, Composition
from auditkit.behaviours import BoughtFollowers, CelebrityEngagement, FollowBackFarm
from auditkit.behaviours.common import (
    TraitParams,
    active_base,
    base_accounts,
    clip_times,
    member_posts,
    on_day,
    reaction_codes,
    trait_of,
    weighted_sample,
)
from auditkit.data.draft import DAY, Draft
from auditkit.errors import ScenarioError
from auditkit.plugin.behaviour import Behaviour, Cohort
from auditkit.plugin.hookspecs import hookimpl

#: Reactions a pod partner or a bought reaction is drawn from (as EngagementPod's default).
REACTION_KINDS = ("like", "share", "reply")


class _AttackParams(TraitParams):
    day: float | None = Field(
        None, ge=0, description="day the attack starts (default: 0.6 of the period)"
    )
    fake_followers: int = Field(
        0, ge=0, description="fake accounts that follow the target (bought_followers' treatment)"
    )
    padding: int = Field(
        20, ge=0, description="base accounts each fake follower also follows to look real"
    )
    fake_reactions: int = Field(
        0, ge=0, description="reactions to the target's posts, each from its own new fake account"
    )
    real_reactions: int = Field(
        0,
        ge=0,
        description="reactions to the target's posts from "
        "active base accounts (distinct per post where possible)",
    )
    follows: int = Field(
        0,
        ge=0,
        description="base accounts the target follows to harvest "
        "follow-backs (follow_back_farm's treatment, with churn)",
    )
    follow_back: float = Field(
        0.3, ge=0, le=1, description="probability a followed account follows back"
    )
    pod_partners: int = Field(
        0,
        ge=0,
        description="active base accounts in a pod with the "
        "target: each reacts to every target post from `day`, and the "
        "target reacts to each of theirs",
    )
    sybils: int = Field(
        0,
        ge=0,
        description="sybils of a link farm: each follows only the "
        "target, and the target follows each back",
    )
    attack_edges: int = Field(
        0,
        ge=0,
        description="honest base accounts (drawn by sociability) that follow one random sybil each",
    )
    celebrity_reshares: int = Field(
        0,
        ge=0,
        description="target posts reshared by the "
        "highest-attention base account (celebrity_engagement's "
        "treatment)",
    )

    @pydantic.model_validator(mode="after")
    def _edges_need_sybils(self) -> _AttackParams:
        if self.attack_edges and not self.sybils:
            raise ValueError(
                "attack_edges need sybils to point at; set sybils > 0 or attack_edges: 0"
            )
        return self


class CompositeAttack(Behaviour):
    id = "composite_attack"
    flaws = ("F5", "F6", "F7", "F8", "F9")
    description = (
        "One ordinary account (size 1; traits as given, by default about the base "
        "population's median) that mounts several attacks at once from `day`: fake "
        "followers, reactions bought from fake or real accounts, mass-following for "
        "follow-backs, an engagement "
        "pod, a link farm of sybils (each follows only the target, the target follows them "
        "back, attack_edges honest accounts follow a sybil each: the optimal single-target "
        "farm of Gyöngyi & Garcia-Molina) and celebrity reshares. Fakes and sybils are "
        "auxiliary accounts (out of percentiles). Written by `auditkit attack`; each kind has "
        "its own random stream, so changing one kind does not redraw the others."
    )
    source = (
        "docs/flaws.md F5-F9; Gyöngyi & Garcia-Molina, 'Link Spam Alliances', VLDB 2005; "
        "Stringhini et al., 'Follow the Green', IMC 2013; Weerasinghe et al., 'The Pod "
        "People', WWW 2020"
    )
    Params = _AttackParams

    params: _AttackParams

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        if cohort.size != 1:
            raise ScenarioError(
                f"cohort {cohort.name!r}: behaviour {self.id!r} is one target "
                f"account (its farm and pod are built around it); use size: 1, "
                f"not {cohort.size}"
            )
        cohort.members = draft.add_accounts(
            cohort.size,
            prefix=f"{cohort.name}-",
            cohort=cohort.name,
            role="member",
            label="human",
            attention=p.attention,
            activity=p.activity,
            sociability=p.sociability,
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.6)
        facts: dict[str, Any] = {"day": day}

        def stream(kind: str) -> np.random.Generator:
            return draft.rng("treat", cohort.name, kind)

        traits = {"attention": p.attention, "activity": p.activity, "sociability": p.sociability}
        if p.fake_followers:
            BoughtFollowers(count=p.fake_followers, day=day, padding=p.padding, **traits).treat(
                draft, cohort, stream("fake_followers")
            )
            facts["fake_followers"] = dict(cohort.facts)
        if p.sybils:
            facts["sybils"] = _link_farm(
                draft, cohort, stream("sybils"), p.sybils, p.attack_edges, day
            )
        if p.follows:
            cohort.facts = {}
            FollowBackFarm(
                follows=p.follows, follow_back=p.follow_back, day=day, churn=True, **traits
            ).treat(draft, cohort, stream("follows"))
            facts["follows"] = dict(cohort.facts)
        if p.celebrity_reshares:
            cohort.facts = {}
            CelebrityEngagement(
                count=p.celebrity_reshares, day=day, engager="top", action="share", **traits
            ).treat(draft, cohort, stream("celebrity_reshares"))
            facts["celebrity_reshares"] = dict(cohort.facts)
        if p.fake_reactions or p.real_reactions or p.pod_partners:
            posts = _posts_to_react_to(draft, cohort.members, day, stream("posts"))
            if p.fake_reactions:
                facts["fake_reactions"] = _fake_reactions(
                    draft, cohort, stream("fake_reactions"), posts, p.fake_reactions
                )
            if p.real_reactions:
                facts["real_reactions"] = _real_reactions(
                    draft, stream("real_reactions"), posts, p.real_reactions
                )
            if p.pod_partners:
                facts["pod"] = _pod(
                    draft, cohort, stream("pod_partners"), posts, p.pod_partners, day
                )
        counts = {k.name: getattr(p, k.name) for k in KINDS}
        comp = Composition.of(**counts)
        cohort.cost = {f"units_on_{k}": float(u) for k, u in comp.units().items()}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts = facts


def _posts_to_react_to(
    draft: Draft, members: np.ndarray, day: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, author, post) of the members' posts from ``day`` on; a member without one makes
    one post within a day of ``day`` (the post the reactions are bought for)."""
    t = draft.time_of_day(day)
    ptime, author, post = member_posts(draft, members, t)
    missing = np.setdiff1d(members, author)
    if len(missing):
        extra = draft.new_posts(len(missing))
        when = clip_times(draft, t + rng.uniform(0, DAY, len(missing)))
        draft.add_events(when, missing, "post", post=extra)
        ptime, author, post = np.r_[ptime, when], np.r_[author, missing], np.r_[post, extra]
    return ptime, author, post


def _add_reactions(
    draft: Draft,
    rng: np.random.Generator,
    reactor: np.ndarray,
    ptime: np.ndarray,
    author: np.ndarray,
    post: np.ndarray,
    delay_s: float,
) -> None:
    kinds = reaction_codes(REACTION_KINDS)[rng.integers(0, len(REACTION_KINDS), len(reactor))]
    when = clip_times(draft, ptime + rng.uniform(1, delay_s, len(reactor)))
    draft.add_events(when, reactor, kinds, target=author, post=post)


def _fake_reactions(draft: Draft, cohort: Cohort, rng: np.random.Generator, posts, n: int):
    ptime, author, post = posts
    t0 = float(ptime.min())
    fakes = draft.add_accounts(
        n,
        prefix=f"{cohort.name}-liker-",
        cohort=cohort.name,
        role="auxiliary",
        label="fake",
        attention=0.0,
        activity=0.0,
        sociability=0.0,
        organic=False,
        created=np.floor(t0 - rng.uniform(DAY, 7 * DAY, n)),
    )
    which = rng.integers(0, len(post), n)
    _add_reactions(draft, rng, fakes, ptime[which], author[which], post[which], 6 * 3600.0)
    return {"reactions": n, "fake_accounts": n, "posts": int(len(post))}


def _real_reactions(draft: Draft, rng: np.random.Generator, posts, n: int):
    ptime, author, post = posts
    pool = active_base(draft)
    counts = rng.multinomial(n, np.full(len(post), 1.0 / len(post)))
    reactors = [rng.choice(pool, c, replace=bool(c > len(pool))) for c in counts]
    which = np.repeat(np.arange(len(post)), counts)
    _add_reactions(
        draft,
        rng,
        np.concatenate(reactors).astype(np.int64),
        ptime[which],
        author[which],
        post[which],
        6 * 3600.0,
    )
    return {"reactions": n, "posts": int(len(post))}


def _pod(draft: Draft, cohort: Cohort, rng: np.random.Generator, posts, k: int, day: float):
    ptime, author, post = posts
    pool = active_base(draft)
    partners = np.sort(rng.choice(pool, min(k, len(pool)), replace=False))
    # every target post gets one reaction from every partner, within 30 minutes
    reactor = np.tile(partners, len(post))
    rep = np.repeat(np.arange(len(post)), len(partners))
    _add_reactions(draft, rng, reactor, ptime[rep], author[rep], post[rep], 30 * 60.0)
    # the price: the target reacts to every partner post from `day` on
    qtime, qauthor, qpost = member_posts(draft, partners, draft.time_of_day(day))
    target = np.resize(cohort.members, len(qpost))
    _add_reactions(draft, rng, target, qtime, qauthor, qpost, 30 * 60.0)
    return {
        "partners": int(len(partners)),
        "reactions_received": int(len(reactor)),
        "reactions_given": int(len(qpost)),
    }


def _link_farm(
    draft: Draft, cohort: Cohort, rng: np.random.Generator, m: int, edges: int, day: float
):
    """The optimal single-target farm: m sybils follow only the target, the target follows
    each back; ``edges`` honest base accounts (by sociability) follow one random sybil each."""
    t = draft.time_of_day(day)
    sybils = draft.add_accounts(
        m,
        prefix=f"{cohort.name}-sybil-",
        cohort=cohort.name,
        role="auxiliary",
        label="sybil",
        attention=0.0,
        activity=0.0,
        sociability=0.0,
        organic=False,
        created=np.floor(t - rng.uniform(DAY, 60 * DAY, m)),
    )
    for member in cohort.members:
        draft.add_follows(sybils, np.full(m, member), clip_times(draft, t + rng.uniform(0, DAY, m)))
        draft.add_follows(
            np.full(m, member), sybils, clip_times(draft, t + rng.uniform(DAY, 2 * DAY, m))
        )
    base = base_accounts(draft)
    honest = base[weighted_sample(rng, trait_of(draft, "sociability", base), edges)]
    if len(honest):
        draft.add_follows(
            honest,
            sybils[rng.integers(0, m, len(honest))],
            clip_times(draft, t + rng.uniform(0, 2 * DAY, len(honest))),
        )
    return {
        "sybils": m,
        "attack_edges": int(len(honest)),
        "attackers": [draft.ids[c] for c in honest],
    }


@hookimpl
def register_behaviours(register):
    register(CompositeAttack)
