"""Behaviours about topics: an account that merely chats about a topic with people who post on
it (flaw F16, misattributed topics)."""

from __future__ import annotations

import numpy as np
import pydantic
from pydantic import Field

from auditkit.behaviours.common import (
    POST,
    ConversationalParams,
    OrganicBehaviour,
    active_base,
    clip_times,
    distinct_rows,
)
from auditkit.data.draft import Draft
from auditkit.plugin.behaviour import Cohort

# ---------------------------------------------------------------------------------------------
# 19. misattributed topics


class TopicChatter(OrganicBehaviour):
    id = "topic_chatter"
    flaws = ("F16",)
    description = (
        "Engaged people (conversationalist traits) who post about one topic (`own_topic`: every "
        "organic post of theirs carries it) and merely chat about another (`topic`). Each "
        "member picks `partners` distinct active base accounts and follows them; each partner "
        "posts `posts_per_partner` posts about `topic`, spread over the period; the member "
        "replies to every one of them, and the partner replies back within the same "
        "conversation (both replies carry `topic` and the partner's post id). The members "
        "never post about `topic`: a scorer that makes them influential about it attributes a "
        "topic from conversation alone. Runs in every world (no treatment); "
        "cohort.facts records the topics, the partners and the conversations."
    )
    source = (
        "docs/flaws.md F16 ('talking about books with people does not make me an expert on "
        "books'); Klout topics: keywords of messages that drew engagement, including the "
        "original message a reply answered (M. Berry of Klout, knecht-it.com, 2011)"
    )

    class Params(ConversationalParams):
        topic: str = Field(
            "books", min_length=1, description="the topic the members only chat about"
        )
        own_topic: str = Field(
            "cooking", min_length=1, description="the topic of the members' own posts"
        )
        partners: int = Field(
            5, ge=1, description="base accounts each member chats with (distinct, active)"
        )
        posts_per_partner: int = Field(
            6, ge=1, description="posts about `topic` each partner makes, uniformly over the period"
        )
        delay_hours: float = Field(
            3.0,
            gt=0,
            description="mean delay (exponential) of each reply after the message it answers",
        )

        @pydantic.model_validator(mode="after")
        def _two_topics(self):
            if self.topic == self.own_topic:
                raise ValueError(
                    "topic and own_topic must differ (the members chat about one "
                    "topic and post about another)"
                )
            return self

    params: TopicChatter.Params

    def finish(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        members = cohort.members
        # the members' own posts are about own_topic
        ev = draft.events(writable=False)
        if len(ev["time"]):
            member = np.zeros(draft.n, bool)
            member[members] = True
            own = (ev["action"] == POST) & member[ev["actor"].astype(np.int64)]
            draft.update_events(own, topic=p.own_topic)
        pool = active_base(draft)
        rows = distinct_rows(rng, len(pool), p.partners, len(members))  # (members, partners)
        partner = pool[rows]
        k = partner.shape[1] if partner.ndim == 2 else 0
        if not k:
            return
        member_of_edge = np.repeat(members, k)
        partner_flat = partner.ravel()
        draft.add_follows(member_of_edge, partner_flat, time=draft.t0 - 86_400.0)
        # each partner's posts about the topic, then the member's reply and the answer
        m = p.posts_per_partner
        author = np.repeat(partner_flat, m)
        chatter = np.repeat(member_of_edge, m)
        ptime = np.floor(rng.uniform(draft.t0, draft.t_end - 1, len(author)))
        post = draft.new_posts(len(author))
        draft.add_events(ptime, author, "post", post=post, topic=p.topic)
        reply_at = clip_times(draft, ptime + 1 + rng.exponential(p.delay_hours * 3600.0, len(post)))
        draft.add_events(reply_at, chatter, "reply", target=author, post=post, topic=p.topic)
        answer_at = clip_times(
            draft, reply_at + 1 + rng.exponential(p.delay_hours * 3600.0, len(post))
        )
        draft.add_events(answer_at, author, "reply", target=chatter, post=post, topic=p.topic)
        cohort.facts.update(
            topic=p.topic,
            own_topic=p.own_topic,
            conversations=int(len(post)),
            partners={
                draft.ids[a]: [draft.ids[b] for b in row]
                for a, row in zip(members, partner, strict=True)
            },
        )
