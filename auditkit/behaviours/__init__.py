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

Modules: ``common`` (the shared helpers and parameter bases), ``people`` (honest accounts and how
people use the network), ``followers`` (bought and farmed followers), ``engagement`` (pods,
outsiders, borrowed and cascading reactions), ``fake_accounts`` (spam bots and sybils),
``topics`` (chatting about a topic one never posts about).
"""

from __future__ import annotations

# The `X as X` imports are private helpers, re-exported (not in __all__) because other modules,
# such as auditkit.attack.composite, import them from auditkit.behaviours.
from auditkit.behaviour import Behaviour
from auditkit.behaviours.common import POST as POST
from auditkit.behaviours.common import Reaction as Reaction
from auditkit.behaviours.common import _active_base as _active_base
from auditkit.behaviours.common import _audience_reactions as _audience_reactions
from auditkit.behaviours.common import _base as _base
from auditkit.behaviours.common import _clip as _clip
from auditkit.behaviours.common import _ConversationalParams as _ConversationalParams
from auditkit.behaviours.common import _distinct_rows as _distinct_rows
from auditkit.behaviours.common import _index_of as _index_of
from auditkit.behaviours.common import _member_posts as _member_posts
from auditkit.behaviours.common import _on_day as _on_day
from auditkit.behaviours.common import _Organic as _Organic
from auditkit.behaviours.common import _posts_over as _posts_over
from auditkit.behaviours.common import _reaction_codes as _reaction_codes
from auditkit.behaviours.common import _trait as _trait
from auditkit.behaviours.common import _TraitParams as _TraitParams
from auditkit.behaviours.common import _weighted_sample as _weighted_sample
from auditkit.behaviours.engagement import (
    CelebrityEngagement,
    EngagementPod,
    OutsiderEngagement,
    SmallSpark,
)
from auditkit.behaviours.fake_accounts import SpamBot, SybilRegion
from auditkit.behaviours.followers import BoughtFollowers, FollowBackFarm, FollowChurn
from auditkit.behaviours.followers import _FarmParams as _FarmParams
from auditkit.behaviours.people import (
    Conversationalist,
    HighVolumePoster,
    Inactive,
    Institution,
    LinkBroadcaster,
    Newcomer,
    OfflineInfluential,
    SecondNetwork,
    SmallCommunity,
)
from auditkit.behaviours.topics import TopicChatter
from auditkit.hookspecs import hookimpl

__all__ = [
    "Conversationalist", "SpamBot", "BoughtFollowers", "FollowBackFarm", "FollowChurn",
    "EngagementPod", "OutsiderEngagement", "SybilRegion", "CelebrityEngagement", "Inactive",
    "HighVolumePoster", "LinkBroadcaster", "Institution", "OfflineInfluential", "SmallSpark",
    "SecondNetwork", "Newcomer", "SmallCommunity", "TopicChatter", "BEHAVIOURS",
]

BEHAVIOURS: tuple[type[Behaviour], ...] = (
    Conversationalist, SpamBot, BoughtFollowers, FollowBackFarm, FollowChurn, EngagementPod,
    OutsiderEngagement, SybilRegion, CelebrityEngagement, Inactive, HighVolumePoster,
    LinkBroadcaster, Institution, OfflineInfluential, SmallSpark, SecondNetwork, Newcomer,
    SmallCommunity, TopicChatter,
)


@hookimpl
def register_behaviours(register):
    for cls in BEHAVIOURS:
        register(cls)
