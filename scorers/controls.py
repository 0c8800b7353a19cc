"""Control scorers: small reference scores built to have exactly one flaw, or to lack it.

A check can only be trusted when it can fail and can pass. Every check of the bundled library
names, in its ``controls:`` field, a *positive control* (a scorer here built to have the flaw
the check is about: the check must fail it) and a *negative control* (built without it: the
check must pass it); ``tests/test_controls.py`` asserts both, and ``auditkit audit --controls``
shows them beside the audited scorers (``docs/verdicts.md``, ``docs/scorers/controls.md``).

Each control is one plain count read from the world, with no calibration and no population
scaling (except the two F13 controls, which need a bounded scale): what it counts *is* its
design, so its docstring says which flaw it has and why. They are reference scorers
(``reference = "control"``): default audits leave them out. None of them is an influence score
anyone should use.

Counts run over the ``window_days`` (default 90, Klout's published window) before ``at``
unless the docstring says otherwise. A *reaction* is a share, reply, mention or like whose
target is the account.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np
import pandas as pd
import pydantic

from auditkit import ACTIONS, Params, Scorer, Statement, World, hookimpl, statement_items

__all__ = ["CONTROLS"]

_POST = ACTIONS.index("post")
_SHARE = ACTIONS.index("share")
_REPLY = ACTIONS.index("reply")
_NS_PER_DAY = 86_400 * 10**9
#: Labels a vetting step would have flagged (docs/world-format.md).
SUSPICIOUS = ("fake", "spam", "sybil", "bot")


class _Window(Params):
    window_days: float = pydantic.Field(90.0, gt=0, description="days counted before `at`")


def _slice(world: World, at: object, days: float | None):
    """(actor, action, target, time_ns, slice) of the events in the window before ``at``."""
    t = world.resolve_at(at)
    times = world.event_time_ns
    if t is None or not len(times):
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, empty, slice(0, 0)
    lo = (
        0
        if days is None
        else int(np.searchsorted(times, (t - pd.Timedelta(days=days)).value, side="right"))
    )
    hi = int(np.searchsorted(times, t.value, side="right"))
    actor, action, target = (np.asarray(x[lo:hi], np.int64) for x in world.event_codes)
    return actor, action, target, times[lo:hi], slice(lo, hi)


def _reactions(actor, action, target):
    keep = (action != _POST) & (target >= 0) & (actor != target)
    return actor[keep], action[keep], target[keep]


def _distinct_pairs(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Per account ``b``, how many distinct ``a`` it has."""
    if not len(a):
        return np.zeros(n)
    key = np.unique(a * n + b)
    return np.bincount(key % n, minlength=n).astype(np.float64)


def _followers_at(world: World, at: object) -> np.ndarray:
    t = world.resolve_at(at)
    snapshot = world if t is None else world.as_of(t)
    return snapshot.in_degree.astype(np.float64)


class Control(Scorer):
    """Base of the control scorers: a count per account (:meth:`values`), as the score."""

    version = "1.0"
    range = (0.0, 1e12)
    reference: ClassVar[str] = "control"
    concurrent = True  # keeps no state between calls
    references = (
        "auditkit, docs/verdicts.md: controls that show each check can fail and can pass",
    )
    tags = frozenset({"events", "time"})
    Params = _Window

    params: _Window
    #: what one unit of the count is, for statements
    counts: ClassVar[str] = "count"

    @abstractmethod
    def values(self, world: World, at: object = None) -> np.ndarray:
        """The count, one value per account of ``world``, as of ``at``."""

    def score(self, world: World, at: object = None) -> pd.Series:
        return world.series(np.asarray(self.values(world, at), np.float64), name=self.id)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        code = world.code_of(account)
        v = float(self.values(world, at)[code])
        items = statement_items([(self.counts, v, v, self.description)])
        return Statement(self.id, account, v, items, world.resolve_at(at))


class FollowerCount(Control):
    """Followers as of ``at``, every one counted: has F7, F8, F10 and F17 by construction."""

    id = "control-followers"
    name = "Control: followers"
    description = "Follow edges pointing at the account as of the scoring time, all counted."
    tags = frozenset({"follows", "time"})
    counts = "followers"

    class Params(Params):
        pass

    params: FollowerCount.Params  # type: ignore[assignment]  # no window

    def values(self, world, at=None):
        return _followers_at(world, at)


class ActiveFollowers(Control):
    """Followers who posted or reacted at least once in the window: inert followers (bought
    fakes) add nothing, whoever attached them (lacks F7 and F18's fake followers), while
    genuine followers who engage count."""

    id = "control-active-followers"
    name = "Control: active followers"
    description = (
        "Followers (as of the scoring time) who posted or reacted at least once in the window."
    )
    tags = frozenset({"follows", "events", "time"})
    counts = "active followers"

    def values(self, world, at=None):
        actor, *_ = _slice(world, at, self.params.window_days)
        n = len(world)
        active = np.bincount(actor, minlength=n) > 0
        t = world.resolve_at(at)
        snapshot = world if t is None else world.as_of(t)
        src, dst = snapshot.follow_codes
        return np.bincount(dst[active[src]], minlength=n).astype(np.float64)


class Posts(Control):
    """Posts made in the window: volume for its own sake (has F1 and F2; no reach at all)."""

    id = "control-posts"
    name = "Control: posts"
    description = "Posts the account made in the window."
    counts = "posts"

    def values(self, world, at=None):
        actor, action, _, _, _ = _slice(world, at, self.params.window_days)
        return np.bincount(actor[action == _POST], minlength=len(world)).astype(np.float64)


class LinkPosts(Control):
    """Posts with a link in the window: rewards broadcasting links (has F11)."""

    id = "control-link-posts"
    name = "Control: link posts"
    description = "Posts with a link the account made in the window."
    counts = "link posts"

    def values(self, world, at=None):
        actor, action, _, _, sl = _slice(world, at, self.params.window_days)
        n = len(world)
        if "link" not in world.events or not len(actor):
            return np.zeros(n)
        link = world.events["link"].to_numpy()[sl].astype(bool)
        return np.bincount(actor[(action == _POST) & link], minlength=n).astype(np.float64)


class Reactors(Control):
    """Distinct accounts that reacted to the account in the window. Counts people, not
    reactions: a pod's members count once each (lacks F6), a star counts as one (lacks F5),
    inert followers and unanswered posts add nothing (lacks F2, F7), and accounts nobody
    reacts to score 0 (lacks F1)."""

    id = "control-reactors"
    name = "Control: distinct reactors"
    description = "Distinct accounts that reacted to the account in the window."
    counts = "distinct reactors"

    def values(self, world, at=None):
        a, _, t = _reactions(*_slice(world, at, self.params.window_days)[:3])
        return _distinct_pairs(a, t, len(world))


class Reactions(Control):
    """Every reaction received in the window, repeats included: a pod's traded reactions count
    in full (has F6), sybils reacting to each other lift each other (has F9), and a break stays
    in its window for 90 days (has F4 for a break; its window empties, so it lacks F4
    'never')."""

    id = "control-reactions"
    name = "Control: reactions received"
    description = "Reactions the account received in the window, every one counted."
    counts = "reactions"

    def values(self, world, at=None):
        _, _, t = _reactions(*_slice(world, at, self.params.window_days)[:3])
        return np.bincount(t, minlength=len(world)).astype(np.float64)


class RecentReactions(Reactions):
    """Reactions received in the last 14 days only: a fortnight's silence costs everything (has
    F4 'too fast')."""

    id = "control-recent-reactions"
    name = "Control: reactions in the last fortnight"
    description = "Reactions the account received in the 14 days before the scoring time."

    class Params(Params):
        window_days: float = pydantic.Field(14.0, gt=0, description="days counted before `at`")

    params: RecentReactions.Params  # type: ignore[assignment]  # no window


class ReactionRate(Control):
    """Reactions received per post made, in the window: a rate, so a silence (which removes
    posts and the reactions they would have drawn together) leaves it where it was (lacks F4),
    the date one joined does not matter (lacks F14 for newcomers), and unanswered posts on a
    second network dilute it (has F15)."""

    id = "control-reaction-rate"
    name = "Control: reactions per post"
    description = "Reactions received in the window divided by the posts made in it (at least one)."
    counts = "reactions per post"

    def values(self, world, at=None):
        actor, action, target, _, _ = _slice(world, at, self.params.window_days)
        n = len(world)
        posts = np.bincount(actor[action == _POST], minlength=n)
        _, _, t = _reactions(actor, action, target)
        return np.bincount(t, minlength=n) / np.maximum(posts, 1)


class Conversation(Control):
    """Distinct reactors plus the distinct accounts the account replied to, in the window:
    rewards conversation, so a link-only broadcaster ranks no higher than a conversational
    account of the same appeal (lacks F11)."""

    id = "control-conversation"
    name = "Control: conversation"
    description = (
        "Distinct accounts that reacted to the account plus distinct accounts it "
        "replied to, in the window."
    )
    counts = "conversation partners"

    def values(self, world, at=None):
        actor, action, target, _, _ = _slice(world, at, self.params.window_days)
        n = len(world)
        a, _, t = _reactions(actor, action, target)
        reply = (action == _REPLY) & (target >= 0) & (actor != target)
        return _distinct_pairs(a, t, n) + _distinct_pairs(target[reply], actor[reply], n)


class ReactorReach(Control):
    """Each reaction received in the window weighted by the reactor's follower count: one
    reshare from a celebrity outweighs many from ordinary people (has F5, the Network
    component of Klout and Kred's bonus for big reactors in one)."""

    id = "control-reactor-reach"
    name = "Control: reactions weighted by the reactor's followers"
    description = "Sum over reactions received in the window of the reactor's follower count."
    tags = frozenset({"events", "follows", "time"})
    counts = "reactor followers"

    def values(self, world, at=None):
        a, _, t = _reactions(*_slice(world, at, self.params.window_days)[:3])
        f = _followers_at(world, at)
        return np.bincount(t, weights=f[a], minlength=len(world))


class Sharers(Control):
    """Distinct accounts that shared the account's posts in the window (a share of a share is
    credited to the original author): a small account whose post cascades gets the credit
    (lacks F12)."""

    id = "control-sharers"
    name = "Control: distinct sharers"
    description = "Distinct accounts that shared the account's posts in the window."
    counts = "distinct sharers"

    def values(self, world, at=None):
        actor, action, target, _, _ = _slice(world, at, self.params.window_days)
        keep = (action == _SHARE) & (target >= 0) & (actor != target)
        return _distinct_pairs(actor[keep], target[keep], len(world))


class LifetimeReactions(Control):
    """Every reaction ever received, with no window: whoever joined late has had less time to
    collect them and trails people of the same appeal (has F14 for newcomers)."""

    id = "control-lifetime-reactions"
    name = "Control: reactions received, all time"
    description = "Reactions the account received at any time before the scoring time."
    counts = "reactions"

    class Params(Params):
        pass

    params: LifetimeReactions.Params  # type: ignore[assignment]  # no window

    def values(self, world, at=None):
        _, _, t = _reactions(*_slice(world, at, None)[:3])
        return np.bincount(t, minlength=len(world)).astype(np.float64)


class CommunityRank(Control):
    """The account's follower-count percentile within its own community (the ``group``
    column): Kred's per-community normalisation, so a small language community's best members
    stand as high as a large community's (lacks F14 for small communities)."""

    id = "control-community-rank"
    name = "Control: follower rank within the community"
    description = (
        "Percentile (0-100, ties averaged) of the account's followers among the "
        "accounts of its group; the whole population when there are no groups."
    )
    tags = frozenset({"follows", "time"})
    counts = "percentile within the community"

    class Params(Params):
        pass

    params: CommunityRank.Params  # type: ignore[assignment]  # no window

    def values(self, world, at=None):
        f = _followers_at(world, at)
        if "group" in world.accounts:
            group = world.accounts["group"].astype(object).fillna("").to_numpy()
        else:
            group = np.zeros(len(world), object)
        frame = pd.DataFrame({"f": f, "g": group})
        ranks = frame.groupby("g")["f"].rank(method="average")
        sizes = frame.groupby("g")["f"].transform("size")
        return (100.0 * (ranks - 0.5) / sizes).to_numpy(np.float64)


class Lifetime(Control):
    """Followers plus every post the account ever made: nothing in it falls when its owner falls
    silent (followers stay, posts made stay), so a dead account keeps its standing (has F4
    'never', like Kred's Outreach level that 'never goes down')."""

    id = "control-lifetime"
    name = "Control: followers and lifetime posts"
    description = "Followers as of the scoring time plus every post the account made before it."
    tags = frozenset({"events", "follows", "time"})
    counts = "followers and posts"

    class Params(Params):
        pass

    params: Lifetime.Params  # type: ignore[assignment]  # no window

    def values(self, world, at=None):
        actor, action, _, _, _ = _slice(world, at, None)
        posts = np.bincount(actor[action == _POST], minlength=len(world))
        return _followers_at(world, at) + posts


class BestNetwork(Control):
    """Distinct reactors on the account's best network, in the window: adding a quieter
    network cannot lower it (lacks F15); a second network only counts when it beats the
    first."""

    id = "control-best-network"
    name = "Control: reactors on the best network"
    description = (
        "The largest, over networks, of the distinct accounts that reacted to the "
        "account there in the window."
    )
    counts = "distinct reactors on the best network"

    def values(self, world, at=None):
        actor, action, target, _, sl = _slice(world, at, self.params.window_days)
        n = len(world)
        if "network" not in world.events:
            a, _, t = _reactions(actor, action, target)
            return _distinct_pairs(a, t, n)
        net = world.events["network"].cat.codes.to_numpy(np.int64)[sl]
        keep = (action != _POST) & (target >= 0) & (actor != target)
        best = np.zeros(n)
        for code in np.unique(net[keep]):
            on = keep & (net == code)
            best = np.maximum(best, _distinct_pairs(actor[on], target[on], n))
        return best


class PenalisedReactors(Control):
    """Distinct reactors minus ten for every follower or reactor a vetting step labels as fake,
    spam, sybil or bot (so it can go below 0): the Collusionrank-style penalty that resists buying
    followers but lets anyone sink someone else by attaching fakes or spam to them (has F18,
    the downward direction)."""

    id = "control-penalised"
    name = "Control: reactors, penalised for suspicious followers"
    description = (
        "Distinct reactors in the window minus 10 per distinct follower or reactor "
        "labelled fake, spam, sybil or bot."
    )
    range = (-1e12, 1e12)
    tags = frozenset({"events", "follows", "time", "labels"})
    counts = "penalised reactors"

    class Params(_Window):
        penalty: float = pydantic.Field(
            10.0, ge=0, description="points lost per suspicious follower or reactor"
        )

    params: PenalisedReactors.Params

    def values(self, world, at=None):
        n = len(world)
        a, _, t = _reactions(*_slice(world, at, self.params.window_days)[:3])
        reactors = _distinct_pairs(a, t, n)
        if "label" not in world.accounts:
            return reactors
        label = world.accounts["label"].astype(object).fillna("").to_numpy()
        bad = np.isin(label, SUSPICIOUS)
        t_at = world.resolve_at(at)
        snapshot = world if t_at is None else world.as_of(t_at)
        src, dst = snapshot.follow_codes
        src, dst = src.astype(np.int64), dst.astype(np.int64)
        sus = np.r_[a[bad[a]], src[bad[src]]]
        sus_t = np.r_[t[bad[a]], dst[bad[src]]]
        penalty = _distinct_pairs(sus, sus_t, n) * self.params.penalty
        return reactors - penalty


class LogFollowers(Control):
    """Followers on a fixed log scale, 0-100 (``100 ln(1 + f) / ln(1 + reference)``): nobody
    else's purchase moves an account's score (lacks F13 for bystanders), and changing the
    reference rescales every score the same way (lacks F13 for versions)."""

    id = "control-log-followers"
    name = "Control: followers on a fixed log scale"
    description = "100 ln(1 + followers) / ln(1 + reference), at most 100."
    range = (0.0, 100.0)
    tags = frozenset({"follows", "time"})
    counts = "score"

    class Params(Params):
        reference: float = pydantic.Field(
            1e8, gt=1, description="the follower count that scores 100"
        )

    params: LogFollowers.Params  # type: ignore[assignment]  # no window

    def values(self, world, at=None):
        f = _followers_at(world, at)
        return np.minimum(1.0, np.log1p(f) / np.log1p(self.params.reference)) * 100.0


class TopNormalised(Control):
    """Followers on a log scale relative to the most-followed account, 0-100 (``100 ln(1 + f) /
    ln(1 + f_max)``, the way Kred normalised to the top of its population): when one account
    elsewhere buys a crowd of followers, everyone else's score drops (has F13 for bystanders)."""

    id = "control-top-normalised"
    name = "Control: followers relative to the most-followed account"
    description = "100 ln(1 + followers) / ln(1 + the largest follower count in the world)."
    range = (0.0, 100.0)
    tags = frozenset({"follows", "time"})
    counts = "score"

    class Params(Params):
        pass

    params: TopNormalised.Params  # type: ignore[assignment]  # no window

    def values(self, world, at=None):
        f = _followers_at(world, at)
        top = f.max() if len(f) else 0.0
        return 100.0 * np.log1p(f) / np.log1p(top) if top > 0 else np.zeros(len(world))


class _TopicWindow(_Window):
    topic: str | None = pydantic.Field(
        None,
        description="count only events about this topic (the events' topic column); "
        "none: every event",
    )


def _topic_mask(world: World, window: slice, topic: str | None, n: int) -> np.ndarray:
    """Which events of ``window`` are about ``topic`` (all of them when ``topic`` is None)."""
    if topic is None:
        return np.ones(n, bool)
    if "topic" not in world.events:
        return np.zeros(n, bool)
    return (world.events["topic"].iloc[window].astype(object) == topic).to_numpy()


class TopicConversation(Control):
    """Messages about ``topic`` the account took part in, made or received (posts, replies,
    mentions, shares, likes): a topic is attributed from conversation alone, the way Klout drew
    topics from any message that drew engagement (has F16)."""

    id = "control-topic-conversation"
    name = "Control: conversation about a topic"
    description = "Events about the topic in the window that the account made or was the target of."
    counts = "messages about the topic"
    Params = _TopicWindow
    params: _TopicWindow

    def values(self, world, at=None):
        actor, _, target, _, window = _slice(world, at, self.params.window_days)
        about = _topic_mask(world, window, self.params.topic, len(actor))
        n = len(world)
        made = np.bincount(actor[about], minlength=n)
        received = target[about & (target >= 0)]
        return (made + np.bincount(received, minlength=n)).astype(np.float64)


class TopicPosts(Control):
    """The account's own posts about ``topic``: a topic is attributed only to those who post
    about it (lacks F16)."""

    id = "control-topic-posts"
    name = "Control: posts about a topic"
    description = "Posts about the topic the account made in the window."
    counts = "posts about the topic"
    Params = _TopicWindow
    params: _TopicWindow

    def values(self, world, at=None):
        actor, action, _, _, window = _slice(world, at, self.params.window_days)
        about = _topic_mask(world, window, self.params.topic, len(actor))
        keep = about & (action == _POST)
        return np.bincount(actor[keep], minlength=len(world)).astype(np.float64)


CONTROLS: tuple[type[Control], ...] = (
    FollowerCount,
    ActiveFollowers,
    Posts,
    LinkPosts,
    Reactors,
    Reactions,
    RecentReactions,
    ReactionRate,
    Conversation,
    ReactorReach,
    Sharers,
    LifetimeReactions,
    CommunityRank,
    Lifetime,
    BestNetwork,
    PenalisedReactors,
    LogFollowers,
    TopNormalised,
    TopicConversation,
    TopicPosts,
)


@hookimpl
def register_scorers(register):
    for cls in CONTROLS:
        register(cls)
