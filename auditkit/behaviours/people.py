"""Behaviours of real people: the honest baseline and how ordinary accounts differ in using the
network (silence, volume, links only, institutions, offline fame, a second network, joining late,
a small community). Most only give their members traits; none buys or coordinates anything."""

from __future__ import annotations

import numpy as np
import pydantic
from pydantic import Field

from auditkit.behaviours.common import (
    POST,
    ConversationalParams,
    OrganicBehaviour,
    TraitParams,
    active_base,
    audience_reactions,
    base_accounts,
    clip_times,
    distinct_rows,
    on_day,
    posts_over,
)
from auditkit.data.draft import DAY, Draft
from auditkit.plugin.behaviour import Cohort
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.params import MAX_COUNT, MAX_RATE

# ---------------------------------------------------------------------------------------------
# 1. the honest baseline


class Conversationalist(OrganicBehaviour):
    id = "conversationalist"
    flaws = ()
    description = (
        "An honest, engaged person: posts regularly, reacts to the people they follow and "
        "draws reactions from an audience that chose them. Nothing is scripted; the organic "
        "simulation acts for them from their traits (attention 8, activity 1.5, sociability 3 by "
        "default: well above the median account). The comparison every manipulation is "
        "measured against."
    )
    source = (
        "docs/flaws.md (the baseline of F1, F2, F6, F11); "
        "docs/references.md#klout-components (Klout's True Reach: the engaged audience)"
    )

    class Params(ConversationalParams):
        pass

    params: Conversationalist.Params


# ---------------------------------------------------------------------------------------------
# 10. inactivity


class Inactive(OrganicBehaviour):
    id = "inactive"
    flaws = ("F4",)
    description = (
        "Engaged people (like the conversationalist) who fall silent from start_day: for `days` "
        "days (a vacation) or, by default, until the end. During the silence they neither post "
        "nor react, and the reactions their missing posts would have drawn disappear too; "
        "their followers stay (follows are untouched), so their audience and true reach do "
        "not change."
    )
    source = (
        "docs/flaws.md F4; docs/references.md#klout-window-and-decay (Klout's rolling "
        "90-day window; 66->57 after a week off-line, 54->51 over a two-week holiday, 46->34 "
        "after a silent month)"
    )

    class Params(ConversationalParams):
        start_day: float = Field(30.0, ge=0, description="day the silence starts")
        days: float | None = Field(
            None,
            gt=0,
            description="length of the silence in days (default: until the end of the period)",
        )

    params: Inactive.Params

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        start = on_day(draft, p.start_day, 0.0)
        end = draft.days if p.days is None else on_day(draft, start + p.days, 0.0)
        draft.silence(cohort.members, start, end)
        cohort.treatment_start, cohort.treatment_end = start, end
        cohort.facts.update(silent_days=end - start)


# ---------------------------------------------------------------------------------------------
# 11. volume


class HighVolumePoster(OrganicBehaviour):
    id = "high_volume_poster"
    flaws = ("F2",)
    description = (
        "Accounts that post a lot more: from `day` to the end each member adds "
        "extra_posts_per_day posts at uniform times, each drawing on average "
        "reactions_per_post reactions from the member's followers (default none, so their "
        "engagement per post falls while their volume rises)."
    )
    source = (
        "docs/flaws.md F2 (a designer tweeting 'at least 200 times a day' won a Klout perk; "
        "Twitalyzer's velocity); docs/references.md#klout-components (Klout: reactions per "
        "post)"
    )

    class Params(TraitParams):
        attention: float = Field(3.0, ge=0, description="how much others react to one post")
        activity: float = Field(1.5, ge=0, description="how much they post and react")
        day: float | None = Field(
            None, ge=0, description="day the extra posting starts (default: 0.25 of the period)"
        )
        extra_posts_per_day: float = Field(
            20.0, ge=0, le=MAX_RATE, description="extra posts per member per day"
        )
        reactions_per_post: float = Field(
            0.0,
            ge=0,
            le=MAX_RATE,
            description="mean reactions "
            "each extra post draws from the member's followers "
            "(0: none, engagement per post falls)",
        )

    params: HighVolumePoster.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        p = self.params
        posts = size * p.extra_posts_per_day * setting.days
        return Footprint(
            accounts=size,
            organic=size,
            events=posts * (1 + p.reactions_per_post),
            levers=("extra_posts_per_day", "reactions_per_post"),
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = on_day(draft, p.day, 0.25)
        time, author, post = posts_over(draft, rng, cohort.members, p.extra_posts_per_day, day)
        reactions = audience_reactions(draft, rng, time, author, post, p.reactions_per_post)
        cohort.facts.update(extra_reactions=reactions)
        cohort.cost = {"posts": float(len(post))}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(extra_posts=int(len(post)))


# ---------------------------------------------------------------------------------------------
# 12-13. broadcasters and institutions


class LinkBroadcaster(OrganicBehaviour):
    id = "link_broadcaster"
    flaws = ("F11",)
    description = (
        "Broadcast accounts with the same traits and audience as a conversationalist, but every "
        "post is a link and they never converse: after the organic simulation (in every world) "
        "each member adds posts_per_day link posts (a news aggregator's volume) that draw "
        "reactions_per_post reactions from its followers, all its posts are marked as links "
        "and all its own reactions to others are removed. Reactions it receives are kept."
    )
    source = "docs/flaws.md F11 (Klout said posting links 100% of the time does not help)"

    class Params(ConversationalParams):
        posts_per_day: float = Field(
            0.0,
            ge=0,
            le=MAX_RATE,
            description="extra link posts "
            "per member per day, over the whole period (a "
            "news-aggregator's volume)",
        )
        reactions_per_post: float = Field(
            0.5,
            ge=0,
            le=MAX_RATE,
            description="mean reactions each extra link post draws from the member's followers",
        )

    params: LinkBroadcaster.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        p = self.params
        posts = size * p.posts_per_day * setting.days
        return Footprint(
            accounts=size,
            organic=size,
            events=posts * (1 + p.reactions_per_post),
            levers=("posts_per_day", "reactions_per_post"),
        )

    def finish(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        time, author, post = posts_over(
            draft, rng, cohort.members, p.posts_per_day, 0.0, link=lambda k: np.ones(k, bool)
        )
        audience_reactions(draft, rng, time, author, post, p.reactions_per_post)
        ev = draft.events(writable=False)
        if not len(ev["time"]):
            return
        is_member = np.zeros(draft.n, bool)
        is_member[cohort.members] = True
        mine = is_member[ev["actor"].astype(np.int64)]
        posts = mine & (ev["action"] == POST)
        draft.update_events(posts, link=True)
        draft.keep_events(~(mine & (ev["action"] != POST)))
        cohort.facts.update(
            link_posts=int(posts.sum()),
            removed_reactions=int((mine & (ev["action"] != POST)).sum()),
        )


class Institution(OrganicBehaviour):
    id = "institution"
    label = "institution"
    flaws = ("F10",)
    description = (
        "Brand and institutional accounts (label 'institution'): active (activity 2) but with "
        "low-moderate attention per post (people rarely reshare brand posts), plus brand "
        "recognition: passive_followers random base accounts follow each member before the "
        "period, without ever engaging. After the simulation a share link_share of their posts "
        "are marked as links."
    )
    source = (
        "docs/flaws.md F10 (a 'space technology' search returned mostly institutions; the "
        "NASA brand scored 99, its scientist was absent)"
    )

    class Params(TraitParams):
        attention: float = Field(3.0, ge=0, description="how much others react to one post")
        activity: float = Field(2.0, ge=0, description="how much they post and react")
        sociability: float = Field(1.0, ge=0, description="how many accounts they follow")
        passive_followers: int | None = Field(
            None,
            ge=0,
            le=MAX_COUNT,
            description="base "
            "accounts that follow each member without "
            "engaging (default: 0.15 of the base "
            "population)",
        )
        link_share: float = Field(0.7, ge=0, le=1, description="share of posts that are links")

    params: Institution.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        passive = self.params.passive_followers
        k = 0.15 * setting.accounts if passive is None else min(passive, setting.accounts)
        return Footprint(
            accounts=size, organic=size, follows=size * k, levers=("passive_followers",)
        )

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        super().setup(draft, cohort, rng)
        base = base_accounts(draft)
        k = (
            int(round(0.15 * len(base)))
            if self.params.passive_followers is None
            else self.params.passive_followers
        )
        rows = distinct_rows(rng, len(base), k, cohort.size)
        if rows.size:
            draft.add_follows(
                base[rows].ravel(),
                np.repeat(cohort.members, rows.shape[1]),
                np.floor(draft.t0 - rng.uniform(DAY, 365 * DAY, rows.size)),
            )
        cohort.facts.update(passive_followers=int(rows.shape[1]))

    def finish(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        ev = draft.events(writable=False)
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


class OfflineInfluential(OrganicBehaviour):
    id = "offline_influential"
    flaws = ("F3", "F14")
    description = (
        "People with a large, attentive audience who rarely use the network (Seth Godin, the "
        "NASA scientist): high attention (40, about the 98th percentile of the base population) "
        "and tiny activity, so the organic simulation gives them few posts and almost no "
        "reactions to others, while what they do post travels far (their true reach, the "
        "expected cascade size, is high)."
    )
    source = (
        "docs/flaws.md F3 (Seth Godin had Klout 0; NASA's director of astrophysics was "
        "absent while the NASA brand scored 99)"
    )

    class Params(TraitParams):
        attention: float = Field(40.0, ge=0, description="how much others react to one post")
        activity: float = Field(
            0.4,
            ge=0,
            description="how much they post and react (base "
            "median 1; with the default population 0.4 is about one or "
            "two posts and two or three reactions to others in the period)",
        )
        sociability: float = Field(1.0, ge=0, description="how many accounts they follow")

    params: OfflineInfluential.Params


# ---------------------------------------------------------------------------------------------
# 16. a second network


class SecondNetwork(OrganicBehaviour):
    id = "second_network"
    flaws = ("F15",)
    description = (
        "Conversational people who also use a second, differently used network. In the treated "
        "world every event on the default network is named main_network, and from `day` the "
        "members also post posts_per_day on `network`, where only a share reaction_rate of "
        "those posts get one like, from a random active base account. The control world has "
        "the single unnamed network, which is equivalent. Put this cohort after the other "
        "treated cohorts: events their treatments add later land on the unnamed default "
        "network ('main')."
    )
    source = (
        "docs/flaws.md F15 (Slate: merging Instagram and LinkedIn waters down who a person "
        "is; Klout combined 9 networks, Rao et al., IEEE BigData 2015)"
    )

    class Params(ConversationalParams):
        day: float = Field(0.0, ge=0, description="day the second network starts")
        network: str = Field("linkedin", min_length=1, description="the second network")
        main_network: str = Field(
            "twitter",
            min_length=1,
            description="name given to the default network in the treated world",
        )
        posts_per_day: float = Field(
            3.0, ge=0, le=MAX_RATE, description="posts per member per day on the second network"
        )
        reaction_rate: float = Field(
            0.05, ge=0, le=1, description="share of those posts that get one like"
        )

        @pydantic.model_validator(mode="after")
        def _distinct(self):
            if self.network == self.main_network:
                raise ValueError("network and main_network must differ")
            return self

    params: SecondNetwork.Params

    def footprint(self, size: int, setting: Setting) -> Footprint:
        p = self.params
        return Footprint(
            accounts=size,
            organic=size,
            events=size * p.posts_per_day * setting.days * (1 + p.reaction_rate),
            levers=("posts_per_day",),
        )

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        ev = draft.events(writable=False)
        if len(ev["time"]):
            default = [0, draft.network_code(draft.default_network or "")]
            draft.update_events(np.isin(ev["network"], default), network=p.main_network)
        draft.default_network = p.main_network  # later events land on the named network too
        day = on_day(draft, p.day, 0.0)
        ptime, author, post = posts_over(
            draft, rng, cohort.members, p.posts_per_day, day, network=p.network
        )
        liked = rng.random(len(post)) < p.reaction_rate
        pool = active_base(draft)
        n = int(liked.sum())
        if n and len(pool):
            draft.add_events(
                clip_times(draft, ptime[liked] + rng.exponential(6 * 3600.0, n)),
                pool[rng.integers(0, len(pool), n)],
                "like",
                target=author[liked],
                post=post[liked],
                network=p.network,
            )
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts.update(network=p.network, posts=int(len(post)), reactions=n)


# ---------------------------------------------------------------------------------------------
# 17-18. who crosses thresholds


class Newcomer(OrganicBehaviour):
    id = "newcomer"
    flaws = ("F14",)
    description = (
        "Engaged people (conversationalist traits) who join during the period, at joined_day. "
        "They have no events before they exist, and their organic follows start after they "
        "join (within 30 days), so a threshold on a windowed score sees only part of them."
    )
    source = (
        "docs/flaws.md F14 (employers and hotels used Klout thresholds; perks went to high scores)"
    )

    class Params(ConversationalParams):
        joined_day: float | None = Field(
            None, ge=0, description="day the accounts are created (default: 0.5 of the period)"
        )

    params: Newcomer.Params

    def _extra(self, draft: Draft) -> dict:
        return {"created": np.floor(draft.time_of_day(on_day(draft, self.params.joined_day, 0.5)))}

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        super().setup(draft, cohort, rng)
        cohort.facts.update(joined_day=on_day(draft, self.params.joined_day, 0.5))


class SmallCommunity(OrganicBehaviour):
    id = "small_community"
    flaws = ("F14",)
    description = (
        "Engaged people (conversationalist traits) who form their own small community (a "
        "language minority, say): all members are in a new group, so the organic follows they "
        "make and draw stay mostly inside it (the population's locality). The cohort size is "
        "the community size."
    )
    source = (
        "docs/flaws.md F14 (thresholds sort people: small and non-English communities); "
        "docs/references.md#kred-windows-and-communities (Kred normalises per community)"
    )

    class Params(ConversationalParams):
        group: str = Field(
            "lang-minority",
            min_length=1,
            description="the community's group name (must differ from the base groups c0, c1, ...)",
        )

    params: SmallCommunity.Params

    def _extra(self, draft: Draft) -> dict:
        return {"group": self.params.group}
