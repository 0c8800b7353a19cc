"""Behaviours whose members are themselves fake accounts: spam bots that post, mention and
follow in bulk, and a sybil region of fakes that follow and react to each other."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from auditkit.behaviours.common import (
    base_accounts,
    clip_times,
    distinct_rows,
    posts_over,
    reaction_codes,
    trait_of,
    weighted_sample,
)
from auditkit.data.draft import DAY, Draft
from auditkit.plugin.behaviour import Behaviour, Cohort
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.params import MAX_COUNT, MAX_RATE
from auditkit.plugin.params import Params as PluginParams

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
        "are only the follow-backs."
    )
    source = (
        "docs/flaws.md F1 (Schaefer, Return on Influence review, 2012; caverlee-2011 "
        "honeypot: polluters median 295 followers); Ghosh et al., 'Understanding and "
        "combating link farming in the Twitter social network', WWW 2012"
    )

    class Params(PluginParams):
        posts_per_day: float = Field(200.0, ge=0, le=MAX_RATE, description="posts per bot per day")
        link_share: float = Field(0.0, ge=0, le=1, description="share of posts that are links")
        follows: int = Field(
            1500,
            ge=0,
            le=MAX_COUNT,
            description="base accounts each bot "
            "follows at the start (capped at the base population)",
        )
        follow_back: float = Field(
            0.1, ge=0, le=1, description="share of the followed that follow back"
        )
        mentions_per_day: float = Field(
            10.0, ge=0, le=MAX_RATE, description="mentions of random base accounts per bot per day"
        )

    params: SpamBot.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        p = self.params
        return Footprint(
            accounts=size,
            follows=size * min(p.follows, setting.accounts) * (1 + p.follow_back),
            events=size * (p.posts_per_day + p.mentions_per_day) * setting.days,
            levers=("posts_per_day", "mentions_per_day", "follows"),
        )

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        size = cohort.size
        members = draft.add_accounts(
            size,
            prefix=f"{cohort.name}-",
            cohort=cohort.name,
            role="member",
            label="spam",
            attention=0.0,
            activity=0.0,
            sociability=0.0,
            organic=False,
            created=draft.t0 - 30 * DAY,
        )
        cohort.members = members
        _, _, posts = posts_over(
            draft, rng, members, p.posts_per_day, 0.0, link=lambda k: rng.random(k) < p.link_share
        )
        base = base_accounts(draft)
        k = min(p.follows, len(base))
        rows = distinct_rows(rng, len(base), k, size)
        followed = base[rows]  # (size, k)
        ftime = np.floor(draft.t0 - rng.uniform(0, DAY, followed.shape))
        draft.add_follows(np.repeat(members, k), followed.ravel(), ftime.ravel())
        # follow-backs: round(share * k) per bot, social capitalists first
        m = int(round(p.follow_back * k))
        backs = 0
        if m and k:
            soc = trait_of(draft, "sociability", followed.ravel()).reshape(followed.shape)
            keys = rng.exponential(1.0, followed.shape) / np.maximum(soc, 1e-12)
            pick = np.argsort(keys, axis=1)[:, :m]
            who = np.take_along_axis(followed, pick, axis=1)
            when = np.take_along_axis(ftime, pick, axis=1) + rng.exponential(DAY, pick.shape)
            draft.add_follows(who.ravel(), np.repeat(members, m), clip_times(draft, when).ravel())
            backs = who.size
        km = int(round(p.mentions_per_day * draft.days))
        mentions = km * size
        draft.ensure_room(events=mentions)
        if mentions and len(base):
            draft.add_events(
                clip_times(draft, rng.uniform(draft.t0, draft.t_end, mentions)),
                np.repeat(members, km),
                "mention",
                target=base[rng.integers(0, len(base), mentions)],
            )
        cohort.facts.update(
            posts=int(len(posts)), follows=int(k * size), follow_backs=backs, mentions=int(mentions)
        )


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
        "follows or reacts to an honest account, and no honest account reacts to a sybil."
    )
    source = (
        "docs/flaws.md F9 (Cao et al., 'Aiding the Detection of Fake Accounts in Large Scale "
        "Social Online Services' (SybilRank), NSDI 2012; Yu et al., SybilLimit; "
        "Gyöngyi and Garcia-Molina, link spam alliances / optimal spam farms)"
    )

    class Params(PluginParams):
        degree: int = Field(10, ge=0, le=MAX_COUNT, description="other sybils each sybil follows")
        posts_per_day: float = Field(1.0, ge=0, le=MAX_RATE, description="posts per sybil per day")
        reactions_per_post: int = Field(
            5, ge=0, le=MAX_COUNT, description="reactions from other sybils on every sybil post"
        )
        attack_edges: int = Field(
            3,
            ge=0,
            le=MAX_COUNT,
            description="honest base accounts "
            "that follow a sybil (the only links between the regions)",
        )

    params: SybilRegion.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        p = self.params
        posts = size * p.posts_per_day * setting.days
        return Footprint(
            accounts=size,
            follows=size * min(p.degree, size) + min(p.attack_edges, setting.accounts),
            events=posts * (1 + min(p.reactions_per_post, size)),
            levers=("posts_per_day", "reactions_per_post", "degree"),
        )

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        n = cohort.size
        members = draft.add_accounts(
            n,
            prefix=f"{cohort.name}-",
            cohort=cohort.name,
            role="member",
            label="sybil",
            attention=0.0,
            activity=0.0,
            sociability=0.0,
            organic=False,
        )
        cohort.members = members
        own = np.arange(n)[:, None]
        rows = distinct_rows(rng, n - 1, p.degree, n) if n > 1 else np.zeros((n, 0), np.int64)
        rows = rows + (rows >= own)  # skip oneself
        draft.add_follows(
            np.repeat(members, rows.shape[1]),
            members[rows].ravel(),
            np.floor(draft.t0 - rng.uniform(DAY, 60 * DAY, rows.size)),
        )
        ptime, author, post = posts_over(draft, rng, members, p.posts_per_day, 0.0)
        who = author - members[0] if n else author
        r = (
            distinct_rows(rng, n - 1, p.reactions_per_post, len(post))
            if n > 1
            else np.zeros((len(post), 0), np.int64)
        )
        r = r + (r >= who[:, None])
        k = r.shape[1]
        if r.size:
            kinds = reaction_codes(("like", "share"))[rng.integers(0, 2, r.size)]
            draft.add_events(
                clip_times(draft, np.repeat(ptime, k) + rng.exponential(3600.0, r.size)),
                members[r].ravel(),
                kinds,
                target=np.repeat(author, k),
                post=np.repeat(post, k),
            )
        base = base_accounts(draft)
        honest = base[weighted_sample(rng, trait_of(draft, "sociability", base), p.attack_edges)]
        if len(honest) and n:
            draft.add_follows(
                honest,
                members[rng.integers(0, n, len(honest))],
                np.floor(draft.t0 - rng.uniform(DAY, 60 * DAY, len(honest))),
            )
        cohort.facts.update(
            attack_edges=int(len(honest)),
            sybil_follows=int(rows.size),
            posts=int(len(post)),
            reactions=int(r.size),
            attackers=[draft.ids[c] for c in honest],
        )
