"""The built-in cohort behaviours: what the accounts under audit do.

Each class is a :class:`~auditkit.plugin.behaviour.Behaviour` plugin (see that module for the stages
``setup`` -> organic simulation -> ``finish`` -> ``treat``). The honest baselines
(``conversationalist``, ``offline_influential``, ``newcomer``, ...) only give their members
traits and let the organic simulation act for them; the manipulations (``bought_followers``,
``engagement_pod``, ``follow_churn``, ...) add scripted follows and events in ``treat``, which
runs only in the treated world. Docs: ``docs/behaviours.md``; flaw ids: ``docs/flaws.md``.

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

Modules: ``common`` (the shared building blocks and parameter bases, public so that other
behaviours, such as the attack search's composite, can build on them), ``people`` (honest
accounts and how people use the network), ``followers`` (bought and farmed followers),
``engagement`` (pods, outsiders, borrowed and cascading reactions), ``fake_accounts`` (spam bots
and sybils), ``topics`` (chatting about a topic one never posts about), ``realdata``
(selections of accounts of a real base world).
"""

from __future__ import annotations

from auditkit.behaviours.engagement import (
    CelebrityEngagement,
    EngagementPod,
    OutsiderEngagement,
    SmallSpark,
    SpamEngagement,
)
from auditkit.behaviours.fake_accounts import SpamBot, SybilRegion
from auditkit.behaviours.followers import (
    BoughtFollowers,
    FollowBackFarm,
    FollowChurn,
    OrganicFollowers,
)
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
from auditkit.behaviours.realdata import Labelled, WentSilent
from auditkit.behaviours.topics import TopicChatter
from auditkit.plugin.behaviour import Behaviour
from auditkit.plugin.hookspecs import hookimpl

__all__ = [
    "Conversationalist",
    "SpamBot",
    "BoughtFollowers",
    "FollowBackFarm",
    "FollowChurn",
    "EngagementPod",
    "OutsiderEngagement",
    "SybilRegion",
    "CelebrityEngagement",
    "Inactive",
    "HighVolumePoster",
    "LinkBroadcaster",
    "Institution",
    "OfflineInfluential",
    "SmallSpark",
    "SecondNetwork",
    "Newcomer",
    "SmallCommunity",
    "TopicChatter",
    "Labelled",
    "WentSilent",
    "OrganicFollowers",
    "SpamEngagement",
    "BEHAVIOURS",
]

BEHAVIOURS: tuple[type[Behaviour], ...] = (
    Conversationalist,
    SpamBot,
    BoughtFollowers,
    FollowBackFarm,
    FollowChurn,
    EngagementPod,
    OutsiderEngagement,
    SybilRegion,
    CelebrityEngagement,
    Inactive,
    HighVolumePoster,
    LinkBroadcaster,
    Institution,
    OfflineInfluential,
    SmallSpark,
    SecondNetwork,
    Newcomer,
    SmallCommunity,
    TopicChatter,
    Labelled,
    WentSilent,
    OrganicFollowers,
    SpamEngagement,
)


@hookimpl
def register_behaviours(register):
    for cls in BEHAVIOURS:
        register(cls)
