"""Klout-like score: True Reach, Amplification and Network over a rolling window, 1-100.

What Klout published and what is our choice is separated point by point in the class docstring
and in ``docs/scorers/klout.md``.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic
from scipy.optimize import brentq

from auditkit import ACTIONS, Params, Scorer, Statement, World, hookimpl, statement_items
from auditkit.data.partitioned import account_array, task_shuffles

from . import sparse

__all__ = [
    "KloutLike",
    "Calibration",
    "KloutComponents",
    "BOT_LABELS",
    "TARGET_MEAN",
    "TARGET_SHARE_ABOVE_50",
]

_POST = ACTIONS.index("post")
#: Stands for a missing ``network`` value in the lazy aggregation (its own network, as in memory).
_NO_NETWORK = "\x00no network"
_NS_PER_DAY = 86_400 * 10**9
#: Labels that mark an account as a spam bot (``bots="labels"``).
BOT_LABELS = frozenset({"bot", "spam", "fake", "sybil"})
#: The follow-ratio rule of ``bots="follow-ratio"``: more than this many followings ...
FOLLOW_SPAM_FOLLOWINGS = 500
#: ... and (1 + followings) / (1 + followers) above this (Tweepcred's UserMass.scala penalty).
FOLLOW_SPAM_RATIO = 0.6
#: Published anchors: the average score is about 20 (Klout, The Realtime Report, 2012) ...
TARGET_MEAN = 20.0
#: ... and a score above 50 is about the 95th percentile (Cooke, "Reverse Engineering Klout").
TARGET_SHARE_ABOVE_50 = 0.05
#: Bracket of the calibration exponent gamma (see :meth:`KloutLike.calibration`).
GAMMA_RANGE = (0.05, 20.0)


@dataclass(frozen=True)
class KloutComponents:
    """Per-account measurements behind a Klout-like score (arrays aligned with ``world.ids``)."""

    true_reach: np.ndarray
    amplification: np.ndarray
    network: np.ndarray
    raw: np.ndarray
    active: np.ndarray
    posts: np.ndarray
    reactions: np.ndarray
    #: reactions received from reactors who neither follow the account nor are followed by it
    unconnected: np.ndarray
    #: reactions received from recognised bots and suspended accounts (not counted)
    from_bots: np.ndarray
    #: accounts recognised as spam bots (label or follow-ratio rule) or suspended
    bots: np.ndarray
    #: the calibration population: every account that is not a bot nor suspended
    population: np.ndarray
    at: pd.Timestamp | None


@dataclass(frozen=True)
class _Aggregates:
    """What the scorer needs from the events of the window (in memory or on Dask): arrays over
    accounts, over ``k`` networks x accounts (``posts_k``), and over (network, reactor, target)
    pairs of non-bot reactions to others."""

    active: np.ndarray
    k: int
    posts_k: np.ndarray
    pair_net: np.ndarray
    pair_reactor: np.ndarray
    pair_target: np.ndarray
    #: per pair: the sum of its reactions' selectivity weights 1/d
    weight_sum: np.ndarray
    pair_count: np.ndarray
    reactions: np.ndarray
    from_bots: np.ndarray


@dataclass(frozen=True)
class Calibration:
    """The map from raw to 1-100: ``q95`` maps to 50, ``gamma`` shapes both sides."""

    q95: float
    gamma: float
    mean: float  # the population mean the map gives
    above_50: float  # the population share above 50
    size: int  # accounts in the calibration population
    note: str


class KloutLike(Scorer):
    """Klout's legacy decomposition (True Reach, Amplification, Network) over a rolling window.

    Published by Klout (sources in ``references`` and ``docs/scorers/klout.md``):

    - the score runs 1-100 and is relative to the population; it combines **True Reach** (the
      engaged audience: followers and friends who engage, with spam bots and dead accounts
      subtracted), **Amplification** (how likely a message draws reactions) and **Network**
      (how influential the engaged audience is);
    - a rolling 90-day window ("old data past 90 days old drops off");
    - three signal rules: reactions per post count (100 retweets of 10 posts beat 100 of
      1,000), a reactor who reacts a lot in a day counts less per reaction, and 100 reactions
      from 100 people beat 100 from one person;
    - the average score is about 20, and a score above 50 is about the 95th percentile.

    Our choices, each a stand-in for something Klout learned but never published:

    1. *who is a spam bot*: an account whose ``label`` is bot, spam, fake or sybil when the
       world has labels (``bots="auto"``); without labels, one that follows more than 500
       accounts at a (1 + followings)/(1 + followers) ratio above 0.6, the rule Twitter's
       Tweepcred uses to discount follow spam; a ``suspended`` account counts as dead. Their
       reactions count for nothing anywhere.
    2. *dead accounts*: an account with no activity in the window; every reactor acted in the
       window, so among reactors only suspended accounts are dead.
    3. *engaged followers and friends*: a reactor counts in True Reach when it follows the
       account or the account follows it, as of ``at``; in a world without follow edges the
       relationship cannot be checked and every reactor counts.
    4. *reactor selectivity*: a reaction weighs ``1/d``, ``d`` the reactions its actor made that
       UTC day (one unit of attention per actor and day);
    5. *unique reactors*: the weights of one (reactor, account) pair combine as
       ``s = sqrt(sum of weights)``; True Reach counts each engaged reactor ``min(1, s)``;
    6. the components and their weights:

    .. math::

        R = \\sum_{r \\in E} \\min(1, s_r), \\quad A = \\frac{\\sum_r s_r}{P + c}, \\quad
        N = \\frac{\\sum_{r \\in E} s_r \\ln(1 + f_r)}{\\sum_{r \\in E} s_r}

        raw = w_R \\ln(1 + R) + w_A \\ln(1 + A) + w_N N

       with ``E`` the engaged followers and friends (not bots), ``r`` in A any reactor that is
       not a bot, ``P`` the posts in the window, ``f_r`` the reactor's followers as of ``at``;
    7. *calibration*: over the population (every account that is not a bot nor suspended),
       raw 0 scores 1, the 95th percentile ``q95`` scores 50, ``1 + 49 (raw/q95)^g`` below it
       and ``100 - 50 (q95/raw)^(0.98 g)`` above it (same slope at q95, saturating to 100),
       with ``g`` solved so that the population mean is 20. When no ``g`` in [0.05, 20] gives
       20 (most of the population has no engagement), the nearest end is used and the
       statement says so.

    With a ``network`` column, R, A and N are computed per network and combined: R summed,
    A as the (posts + c)-weighted mean, N as the reach-weighted mean. With ``topic`` set, only
    reactions about that topic count (the reaction's ``topic``, else the topic of the post it
    reacts to: Klout attributed topics from the engagement messages drew, including the topic
    of the conversation a reply belongs to) and only posts about it; the raw score is mapped
    with the calibration of the overall score, so topic scores share its scale.

    Notes
    -----
    Relative calibration means an account's score moves when others change (F13); the rolling
    window punishes a break (F4); merging a second, little-used network waters the score down
    (F15); engagement in a conversation about a topic makes one "influential about" it (F16).

    References
    ----------
    .. [1] A. Rao, N. Spasojevic, Z. Li, T. DSouza, "Klout Score: Measuring Influence Across
       Multiple Social Networks", IEEE BigData 2015, arXiv:1510.08487.
    .. [2] Klout support, "What is the Klout Score?" (2011) and "Why did my Klout Score drop?"
       (2016); Klout's 2010 definitions of True Reach, Amplification and Network.
    .. [3] Klout signal rules as quoted by zoomsphere / growingsocialmedia.
    .. [4] The Realtime Report (2012); Cooke, "Reverse Engineering Klout Score" (slides).
    .. [5] Klout topics: M. Berry (Klout) interviewed by knecht-it.com, "Understanding Klout
       Topics" (June 2011); inkhouse.com, "Klout, Klout, Let It All Out!" (Aug 2011).
    """

    id = "klout"
    concurrent = True  # keeps no state between calls
    version = "2.0"
    name = "Klout-like (True Reach, Amplification, Network)"
    range = (1.0, 100.0)
    description = (
        "Reactions received in a rolling window (default 90 days). True Reach counts engaged "
        "followers and friends (reactors who follow the account or whom it follows) with spam "
        "bots and suspended accounts subtracted; Amplification is weighted reactions per post; "
        "Network the mean log followers of the engaged audience. A reactor's reactions share "
        "one unit of attention per day and repeats have diminishing returns (sqrt). Calibrated "
        "over the population (every account not recognised as a bot): no reaction scores 1, "
        "the 95th percentile 50 and the mean 20 (Klout's published anchors). With topic set, "
        "only engagement about that topic counts."
    )
    references = (
        "Rao, Spasojevic, Li, DSouza. Klout Score: Measuring Influence Across Multiple Social "
        "Networks. IEEE BigData 2015, arXiv:1510.08487.",
        "Klout support: 'What is the Klout Score?' (2011); 'Why did my Klout Score drop?' "
        "(2016): rolling 90-day window, relative to the population; Klout's 2010 definitions "
        "of True Reach (engaged followers and friends, spam bots and dead accounts removed), "
        "Amplification and Network.",
        "Klout signal rules quoted by zoomsphere / growingsocialmedia: reactions per post, "
        "reactor selectivity, unique reactors.",
        "The Realtime Report (2012) and Cooke, 'Reverse Engineering Klout Score': average about "
        "20, above 50 about the 95th percentile.",
        "Klout topics: Megan Berry (Klout) in knecht-it.com 'Understanding Klout Topics' "
        "(2011); inkhouse.com 'Klout, Klout, Let It All Out!' (2011).",
    )
    tags = frozenset({"events", "follows", "time", "counts", "labels"})

    class Params(Params):
        window_days: float = pydantic.Field(
            90.0,
            gt=0,
            description="rolling window in days; Klout: 'old data past 90 days old drops off'",
        )
        reach_weight: float = pydantic.Field(
            1.0, ge=0, description="weight of ln(1 + True Reach) in the raw score (our choice)"
        )
        amplification_weight: float = pydantic.Field(
            0.5, ge=0, description="weight of ln(1 + Amplification) in the raw score (our choice)"
        )
        network_weight: float = pydantic.Field(
            0.25,
            ge=0,
            description="weight of Network, the mean ln(1 + followers) of the engaged "
            "audience, in the raw score (our choice)",
        )
        post_smoothing: float = pydantic.Field(
            1.0,
            gt=0,
            description="added to the posts in the window when dividing reactions by "
            "posts, so an account with no posts is safe (our choice)",
        )
        bots: Literal["auto", "labels", "follow-ratio", "none"] = pydantic.Field(
            "auto",
            description="how spam bots are recognised: labels (bot, spam, fake, sybil), "
            "follow-ratio (more than 500 followings at a following/follower ratio above 0.6), "
            "auto (labels when the world has a label column, else follow-ratio) or none",
        )
        topic: str | None = pydantic.Field(
            None,
            description="score influence about one topic: only reactions about it (the "
            "event's topic, else its post's) and posts about it count; default: all",
        )

    params: KloutLike.Params

    # ---- who counts ----
    def bot_mask(self, world: World, t: pd.Timestamp | None) -> np.ndarray:
        """Accounts recognised as spam bots (the ``bots`` rule) or suspended, as of ``t``."""
        n = len(world)
        rule = self.params.bots
        if rule == "auto":
            rule = "labels" if "label" in world.accounts else "follow-ratio"
        if rule == "labels" and "label" in world.accounts:
            labels = world.accounts["label"].astype("string").fillna("").str.strip().str.lower()
            bot = labels.isin(list(BOT_LABELS)).to_numpy(dtype=bool)
        elif rule == "follow-ratio":
            followings, followers = _follow_counts(world, t)
            ratio = (1.0 + followings) / (1.0 + followers)
            bot = (followings > FOLLOW_SPAM_FOLLOWINGS) & (ratio > FOLLOW_SPAM_RATIO)
        else:
            bot = np.zeros(n, bool)
        if "suspended" in world.accounts:
            bot = bot | world.accounts["suspended"].astype("boolean").fillna(False).to_numpy(
                dtype=bool
            )
        return bot

    # ---- measurement ----
    def components(self, world: World, at: object = None) -> KloutComponents:
        """True Reach, Amplification, Network and the raw score of every account."""
        n = len(world)
        t = world.resolve_at(at)
        zeros = np.zeros(n)
        none = np.zeros(n, bool)
        if t is None or n == 0:
            return KloutComponents(
                zeros, zeros, zeros, zeros, none, zeros, zeros, zeros, zeros, none, ~none, t
            )
        bots = self.bot_mask(world, t)
        if world.lazy_events is not None:
            agg = self._aggregate_lazy(world, t, bots)
        else:
            agg = self._aggregate(world, t, bots)
        return self._combine(world, t, agg, bots)

    def _aggregate(self, world: World, t: pd.Timestamp, bots: np.ndarray) -> _Aggregates:
        """The event aggregates of the window, from the events in memory."""
        n = len(world)
        p = self.params
        # the window's events are a contiguous slice of the time-sorted events: slice the
        # world's cached code arrays instead of building a windowed world
        all_times = world.event_time_ns
        lo = int(
            np.searchsorted(all_times, (t - pd.Timedelta(days=p.window_days)).value, side="right")
        )
        hi = int(np.searchsorted(all_times, t.value, side="right"))
        actor, action, target = (x[lo:hi] for x in world.event_codes)
        times = all_times[lo:hi]
        active = np.bincount(actor, minlength=n) > 0
        # one network (k == 1, code 0) and no topic are the common case: their all-zero codes
        # and all-true masks are left out of the arithmetic below (same values, fewer passes
        # over a large world's events)
        net, k = _network_codes(world, lo, hi)
        about = _about_topic(world, lo, hi, p.topic) if p.topic is not None else None

        is_post = action == _POST
        if about is not None:
            is_post &= about
        post_key = actor[is_post].astype(np.int64)
        if k > 1:
            post_key += net[is_post].astype(np.int64) * n
        posts_k = np.bincount(post_key, minlength=n * k).astype(np.float64)

        reaction = (action != _POST) & (target >= 0) & (target != actor)  # not to oneself
        is_bot = bots[actor]
        from_bot = reaction & is_bot
        react = reaction & ~is_bot
        reactor = actor[react].astype(np.int64)
        # selectivity counts every reaction of a (non-bot) reactor that day, on any topic
        day = times[react]
        day //= _NS_PER_DAY
        per_day = _reactions_that_day(reactor, day)
        del day  # on a large world every array here is let go of as soon as it is not needed
        r, tg = reactor, target[react].astype(np.int64)
        del reactor
        rn = net[react].astype(np.int64) if k > 1 else None
        if about is not None:  # without a topic every event is about it
            keep = about[react]
            r, tg, per_day = r[keep], tg[keep], per_day[keep]
            rn = rn[keep] if rn is not None else None
            from_bot &= about

        # one row per (network, reactor, target) pair; s = sqrt of the pair's weight sum
        pair_key = r  # this method's own array: the keys are built in place
        del r
        pair_key *= n
        if rn is not None:
            pair_key += rn * (n * n)
        pair_key += tg
        reactions = np.bincount(tg, minlength=n).astype(np.float64)
        del tg
        summed = _pair_sums_sorted(pair_key, per_day)  # packs the keys in place
        if summed is not None:
            pairs, weight_sum, pair_count = summed
        else:
            codes, pairs = pd.factorize(pair_key, sort=False)
            pairs = np.asarray(pairs, dtype=np.int64)
            weight_sum = np.bincount(codes, weights=1.0 / per_day, minlength=len(pairs))
            pair_count = np.bincount(codes, minlength=len(pairs)).astype(np.float64)
        return _Aggregates(
            active=active,
            k=k,
            posts_k=posts_k,
            pair_net=pairs // (n * n),
            pair_reactor=(pairs // n) % n,
            pair_target=pairs % n,
            weight_sum=weight_sum,
            pair_count=pair_count,
            reactions=reactions,
            from_bots=np.bincount(target[from_bot], minlength=n).astype(np.float64),
        )

    def _aggregate_lazy(self, world: World, t: pd.Timestamp, bots: np.ndarray) -> _Aggregates:
        """The same aggregates, computed partition by partition on a Dask DataFrame of a
        world whose events are read lazily (:mod:`auditkit.data.partitioned`): group-bys per
        account, per (reactor, day) and per (network, reactor, target) pair; only those
        results come back to this process."""
        with task_shuffles():
            return self._aggregate_dask(world, t, bots)

    def _aggregate_dask(self, world: World, t: pd.Timestamp, bots: np.ndarray) -> _Aggregates:
        import dask

        n = len(world)
        p = self.params
        lazy = world.lazy_events
        assert lazy is not None
        window = lazy.between(t - pd.Timedelta(days=p.window_days), t)
        has_net = "network" in lazy.columns
        cols = ["actor", "action", "target"] + (["network"] if has_net else [])
        if p.topic is not None and "topic" in lazy.columns:
            cols += ["topic"] + (["post"] if "post" in lazy.columns else [])
        ev = window.frame(cols, day=True)
        if "target" not in ev.columns:
            ev = ev.assign(target=ev["actor"].where(ev["actor"].isna()))
        net = ev["network"].astype("string").fillna(_NO_NETWORK) if has_net else None
        ev = ev.assign(net=net if net is not None else "")
        if p.topic is None:
            about = None
        elif "topic" not in lazy.columns:
            about = ev["actor"].isna()  # all false: no event is about any topic
        else:
            about = ev["topic"].astype("string") == p.topic
            if "post" in lazy.columns:
                history = lazy.frame(["action", "topic", "post"])
                posts = history[
                    (history["action"] == "post") & (history["topic"].astype("string") == p.topic)
                ]
                topic_posts = posts["post"].astype("string").drop_duplicates().compute()
                inherited = ev["post"].astype("string").isin(list(topic_posts))
                about = about.fillna(False) | (ev["topic"].isna() & inherited.fillna(False))
            about = about.fillna(False).astype(bool)
        bot_ids = list(world.ids[bots])
        is_post = ev["action"] == "post"
        reaction = ~is_post & ~ev["target"].isna() & (ev["target"] != ev["actor"]).fillna(False)
        is_bot = ev["actor"].isin(bot_ids)
        react = reaction & ~is_bot
        kept = react if about is None else react & about
        posted = is_post if about is None else is_post & about
        from_bot = reaction & is_bot if about is None else reaction & is_bot & about
        daily = ev[react].groupby(["actor", "day"]).size().rename("d").reset_index()
        by_day = ev[kept].groupby(["net", "actor", "day", "target"]).size().rename("c")
        weighted = by_day.reset_index().merge(daily, on=["actor", "day"], how="left")
        weighted = weighted.assign(w=weighted["c"] / weighted["d"])
        pairs = weighted.groupby(["net", "actor", "target"]).agg({"w": "sum", "c": "sum"})
        active, posts, pair_table, reactions, from_bots = dask.compute(
            ev["actor"].drop_duplicates(),
            ev[posted].groupby(["net", "actor"]).size(),
            pairs,
            ev[kept].groupby("target").size(),
            ev[from_bot].groupby("target").size(),
        )
        names = sorted(
            {*posts.index.get_level_values(0), *pair_table.index.get_level_values(0)}
            - {_NO_NETWORK},
            key=str,
        )
        if has_net and (
            _NO_NETWORK in set(posts.index.get_level_values(0))
            or _NO_NETWORK in set(pair_table.index.get_level_values(0))
        ):
            names.append(_NO_NETWORK)
        k = max(len(names), 1)
        net_code = {name: i for i, name in enumerate(names)}

        def codes_of(values: Any) -> np.ndarray:
            return world.ids.get_indexer(pd.Index(values, dtype=object)).astype(np.int64)

        posts_k = np.zeros(n * k)
        if len(posts):
            slot = np.array(
                [net_code[x] for x in posts.index.get_level_values(0)], np.int64
            ) * n + codes_of(posts.index.get_level_values(1))
            np.add.at(posts_k, slot, posts.to_numpy(np.float64))
        pair_net = np.array([net_code[x] for x in pair_table.index.get_level_values(0)], np.int64)
        active_mask = np.zeros(n, bool)
        active_mask[codes_of(active.to_numpy(dtype=object))] = True
        return _Aggregates(
            active=active_mask,
            k=k,
            posts_k=posts_k,
            pair_net=pair_net,
            pair_reactor=codes_of(pair_table.index.get_level_values(1)),
            pair_target=codes_of(pair_table.index.get_level_values(2)),
            weight_sum=pair_table["w"].to_numpy(np.float64),
            pair_count=pair_table["c"].to_numpy(np.float64),
            reactions=account_array(reactions, world.ids),
            from_bots=account_array(from_bots, world.ids),
        )

    def _combine(
        self, world: World, t: pd.Timestamp, agg: _Aggregates, bots: np.ndarray
    ) -> KloutComponents:
        """The components from the window's aggregates and the follow graph (in memory)."""
        n = len(world)
        k = agg.k
        p = self.params
        strength = np.sqrt(agg.weight_sum)
        p_reactor, p_target, p_net = agg.pair_reactor, agg.pair_target, agg.pair_net
        engaged = _connected(world, t, p_reactor, p_target)
        slot = p_net * n + p_target
        followers = _follow_counts(world, t)[1]
        reach_k = np.bincount(slot, weights=np.minimum(1.0, strength) * engaged, minlength=n * k)
        sum_k = np.bincount(slot, weights=strength, minlength=n * k)
        engaged_k = np.bincount(slot, weights=strength * engaged, minlength=n * k)
        audience_k = np.bincount(
            slot, weights=strength * engaged * np.log1p(followers[p_reactor]), minlength=n * k
        )
        reach_k, sum_k, engaged_k, audience_k, posts_k = (
            x.reshape(k, n) for x in (reach_k, sum_k, engaged_k, audience_k, agg.posts_k)
        )

        true_reach = reach_k.sum(axis=0)
        # (posts + c)-weighted mean of per-network A_k = S_k / (P_k + c), over networks used
        used = (posts_k > 0) | (sum_k > 0)
        denom = (posts_k + p.post_smoothing * used).sum(axis=0)
        amplification = _ratio(sum_k.sum(axis=0), denom)
        # reach-weighted mean of the per-network audience influence
        network_k = _ratio(audience_k, engaged_k)
        network = _ratio((reach_k * network_k).sum(axis=0), true_reach)
        raw = (
            p.reach_weight * np.log1p(true_reach)
            + p.amplification_weight * np.log1p(amplification)
            + p.network_weight * network
        )
        unconnected = np.bincount(p_target, weights=agg.pair_count * ~engaged, minlength=n).astype(
            np.float64
        )
        return KloutComponents(
            true_reach,
            amplification,
            network,
            raw,
            agg.active,
            posts_k.sum(axis=0),
            agg.reactions,
            unconnected,
            agg.from_bots,
            bots,
            ~bots,
            t,
        )

    # ---- calibration ----
    @staticmethod
    def calibration(raw: np.ndarray, population: np.ndarray) -> Calibration:
        """The map's anchors from the population's raw scores: ``q95`` their 95th percentile
        (50 points) and ``gamma`` solved so that their mean score is 20.

        Degenerate populations: with no positive raw score everyone scores 1 (``q95`` = 1);
        when fewer than 5% have a positive raw score, ``q95`` is the smallest positive one.
        When no gamma in :data:`GAMMA_RANGE` gives a mean of 20, the end nearer to it is used.
        """
        pool = np.asarray(raw, dtype=np.float64)[np.asarray(population, bool)]
        size = len(pool)
        positive = pool[pool > 0]
        if not len(positive):
            return Calibration(
                1.0,
                1.0,
                1.0,
                0.0,
                size,
                "nobody in the population has a reaction in the window: everyone scores 1",
            )
        q95 = float(np.quantile(pool, 1.0 - TARGET_SHARE_ABOVE_50))
        note = ""
        if q95 <= 0:
            q95 = float(positive.min())
            note = (
                f"only {len(positive) / size:.1%} of the population has a reaction, fewer "
                "than 5%: the least engaged of them is the 50-point anchor; "
            )

        def mean(g: float) -> float:
            return float(KloutLike.calibrate(pool, q95, g).mean())

        lo, hi = GAMMA_RANGE
        f_lo, f_hi = mean(lo) - TARGET_MEAN, mean(hi) - TARGET_MEAN
        if f_lo * f_hi < 0:
            gamma = float(brentq(lambda g: mean(g) - TARGET_MEAN, lo, hi, xtol=1e-12, maxiter=200))
        else:
            gamma = lo if abs(f_lo) <= abs(f_hi) else hi
            note += (
                f"no exponent in [{lo:g}, {hi:g}] gives a population mean of 20 "
                f"(reachable: {min(f_lo, f_hi) + 20:.1f} to {max(f_lo, f_hi) + 20:.1f}); "
                f"using {gamma:g}; "
            )
        scores = KloutLike.calibrate(pool, q95, gamma)
        return Calibration(
            q95, gamma, float(scores.mean()), float((scores > 50).mean()), size, note.rstrip("; ")
        )

    @staticmethod
    def calibrate(raw: np.ndarray, q95: float, gamma: float) -> np.ndarray:
        """Map raw scores to 1-100: 0 -> 1, ``1 + 49 (raw/q95)^g`` up to q95 (50 points), then
        ``100 - 50 (q95/raw)^(0.98 g)``: the same slope at q95, approaching 100."""
        raw = np.maximum(np.asarray(raw, dtype=np.float64), 0.0)
        x = raw / q95
        low = 1.0 + 49.0 * np.power(np.minimum(x, 1.0), gamma)
        high = 100.0 - 50.0 * np.power(1.0 / np.maximum(x, 1.0), 49.0 * gamma / 50.0)
        out = np.where(raw <= 0, 1.0, np.where(x <= 1.0, low, high))
        return np.clip(out, 1.0, 100.0)

    def _scored(self, world: World, at: object) -> tuple[KloutComponents, Calibration, np.ndarray]:
        c = self.components(world, at)
        if self.params.topic is None:
            cal = self.calibration(c.raw, c.population)
        else:  # the overall score's calibration, so topic scores share its scale
            overall = KloutLike(**self.params.model_dump(exclude={"topic"}))
            base = overall.components(world, at)
            cal = self.calibration(base.raw, base.population)
        return c, cal, self.calibrate(c.raw, cal.q95, cal.gamma)

    def score(self, world: World, at: object = None) -> pd.Series:
        return world.series(self._scored(world, at)[2], name=self.id)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        i = world.code_of(account)
        p = self.params
        c, cal, scores = self._scored(world, at)
        s = float(scores[i])
        reach = p.reach_weight * math.log1p(c.true_reach[i])
        amp = p.amplification_weight * math.log1p(c.amplification[i])
        net = p.network_weight * float(c.network[i])
        items = statement_items(
            [
                (
                    "true_reach",
                    float(c.true_reach[i]),
                    reach,
                    f"engaged followers and friends (bots subtracted), each min(1, sqrt(sum of "
                    f"1/daily-reactions)); {p.reach_weight:g} * ln(1 + value)",
                ),
                (
                    "amplification",
                    float(c.amplification[i]),
                    amp,
                    f"weighted reactions per post ({c.posts[i]:g} posts in the window, smoothing "
                    f"{p.post_smoothing:g}); {p.amplification_weight:g} * ln(1 + value)",
                ),
                (
                    "network",
                    float(c.network[i]),
                    net,
                    f"mean ln(1 + followers) of the engaged audience; {p.network_weight:g} * value",
                ),
                (
                    "calibration to 1-100 relative to the population",
                    float(c.raw[i]),
                    s - (reach + amp + net),
                    f"raw {c.raw[i]:.4g}; 95th percentile {cal.q95:.4g} -> 50, exponent "
                    f"{cal.gamma:.4g} so the population mean is {cal.mean:.3g}",
                ),
            ]
        )
        about = "" if p.topic is None else f" about {p.topic!r}"
        notes = [
            f"window: the {p.window_days:g} days up to {c.at}"
            if c.at is not None
            else "the world records no time; nothing to score",
            f"{int(c.reactions[i])} reactions received{about} in the window from non-bot "
            f"accounts (self-reactions ignored), {int(c.unconnected[i])} of them from "
            f"reactors who neither follow this account nor are followed by it (not in True "
            f"Reach), and {int(c.from_bots[i])} from recognised bots or suspended accounts "
            "(not counted)",
            f"calibration population: {cal.size:,} accounts (all but bots and suspended); "
            f"{cal.above_50:.1%} of them above 50",
        ]
        if bool(c.bots[i]):
            notes.append(
                "this account is recognised as a spam bot or is suspended: it is "
                "scored but is not part of the calibration population"
            )
        if cal.note:
            notes.append(cal.note)
        return Statement(self.id, account, s, items, c.at, tuple(notes))


def _network_codes(world: World, lo: int, hi: int) -> tuple[np.ndarray, int]:
    """Network code per event of ``events[lo:hi]`` (missing = its own code), number of codes."""
    ev = world.events
    if "network" not in ev or hi <= lo:
        return np.zeros(0, np.int64), 1  # one network: every code 0, left to the caller
    col = ev["network"].iloc[lo:hi]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype("category")
    codes = col.cat.codes.to_numpy(np.int64)
    k = len(col.cat.categories)
    if (codes < 0).any():
        codes = np.where(codes < 0, k, codes)
        k += 1
    return codes, max(k, 1)


def _about_topic(world: World, lo: int, hi: int, topic: str | None) -> np.ndarray:
    """Per event of ``events[lo:hi]``: whether it is about ``topic`` (all true without one).

    An event is about its own ``topic``; a reaction without one is about the topic of the post
    it reacts to (the conversation's topic), wherever that post is in the world's history.
    """
    if topic is None:
        return np.ones(hi - lo, bool)
    ev = world.events
    if "topic" not in ev or hi <= lo:
        return np.zeros(hi - lo, bool)
    own = ev["topic"].iloc[lo:hi].astype(object).to_numpy()
    about = np.array([v == topic for v in own], dtype=bool)
    missing = np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in own])
    if missing.any() and "post" in ev:
        posts = ev[(ev["action"] == "post") & ev["topic"].notna()]
        if len(posts):
            post_topic = dict(
                zip(posts["post"].astype(str), posts["topic"].astype(str), strict=True)
            )
            refs = ev["post"].iloc[lo:hi].astype(str).to_numpy()
            inherited = np.array([post_topic.get(ref) == topic for ref in refs], dtype=bool)
            about = np.where(missing, inherited, about)
    return about


def _reactions_that_day(actor: np.ndarray, day: np.ndarray) -> np.ndarray:
    """``d`` per reaction: how many reactions its actor made that day (its selectivity weight
    is ``1 / d``)."""
    if not len(actor):
        return np.zeros(0, np.int64)
    if (day[1:] >= day[:-1]).all():  # time-sorted events: each day is one slice, counted alone
        out = np.empty(len(actor), np.int64)
        first, last = int(day[0]), int(day[-1])
        if last - first < len(day):  # where each later day starts: a search per day
            bounds = np.unique(np.searchsorted(day, np.arange(first + 1, last + 1)))
        else:
            bounds = np.flatnonzero(day[1:] != day[:-1]) + 1
        days = list(zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(day)].tolist(), strict=True))

        def count(span: tuple[int, int]) -> None:
            lo, hi = span
            codes, _ = pd.factorize(actor[lo:hi], sort=False)
            out[lo:hi] = np.bincount(codes)[codes]

        if len(actor) < sparse.PARALLEL_EDGES:
            for span in days:
                count(span)
        else:  # days are independent, and pandas hashes without holding the GIL
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(count, days))
        return out
    codes, _ = pd.factorize(actor + (day - day.min()) * (int(actor.max()) + 1), sort=False)
    return np.bincount(codes)[codes]


def _pair_sums_sorted(
    pair_key: np.ndarray, per_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """From :data:`~auditkit.scorers.sparse.PARALLEL_EDGES` reactions on: the distinct pair
    keys (ascending), the sum of ``1 / d`` over each pair's reactions and their number, from
    one sort of the keys with ``d`` packed below them (numpy's vectorised sort of 65 million
    integers takes about a second; hashing them, several). ``None`` below that size, or when
    the packed keys would not fit in 64 bits: then the caller hashes the pairs (first-seen
    order), as it always does on small worlds, whose results this leaves untouched.
    Otherwise ``pair_key`` is packed and sorted in place (one array fewer on a large world)."""
    if len(pair_key) < max(sparse.PARALLEL_EDGES, 1):
        return None
    width = int(per_day.max()) + 1
    if int(pair_key.max()) >= np.iinfo(np.int64).max // width - 1:
        return None
    packed = pair_key  # packed in place (the caller's keys are not used again)
    packed *= width
    packed += per_day
    packed.sort()
    per_reaction = packed % width
    packed //= width  # the pair keys, in order
    starts = np.flatnonzero(np.r_[True, packed[1:] != packed[:-1]])
    weight_sum = np.add.reduceat(1.0 / per_reaction, starts)
    del per_reaction
    pair_count = np.diff(np.r_[starts, len(packed)]).astype(np.float64)
    return packed[starts], weight_sum, pair_count


def _follow_counts(world: World, t: pd.Timestamp | None) -> tuple[np.ndarray, np.ndarray]:
    """(followings, followers) per account as of ``t``: from follow edges when the world has
    any, else the ``following_count`` / ``followers_count`` columns."""
    if not len(world.follows):
        return (world.profile_count("following_count"), world.profile_count("followers_count"))
    snapshot = world if t is None else world.as_of(t)
    # a snapshot that keeps every edge shares the world's table: reuse the world's cache
    source = world if snapshot.follows is world.follows else snapshot
    return source.out_degree.astype(np.float64), source.in_degree.astype(np.float64)


def _connected(world: World, t: pd.Timestamp | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair: ``a`` follows ``b`` or ``b`` follows ``a`` as of ``t``; all true when the world
    records no follow edges (the relationship cannot be checked)."""
    if not len(world.follows):
        return np.ones(len(a), bool)
    snapshot = world if t is None else world.as_of(t)
    source = world if snapshot.follows is world.follows else snapshot
    n = np.int64(len(world))
    keys = source.follow_keys
    if not len(keys):
        return np.zeros(len(a), bool)

    def has(x: np.ndarray) -> np.ndarray:
        # sorted queries keep the binary searches cache-friendly on millions of edges
        if (x[1:] >= x[:-1]).all():
            return sparse.contains_sorted(keys, x)
        order = np.argsort(x, kind="stable")
        out = np.empty(len(x), bool)
        out[order] = sparse.contains_sorted(keys, x[order])
        return out

    queries = (a * n + b, b * n + a)
    if len(a) < sparse.PARALLEL_EDGES:
        return has(queries[0]) | has(queries[1])
    # the two directions are independent: sorted and searched at the same time (numpy sorts
    # and searches without holding the GIL)
    with ThreadPoolExecutor(2) as pool:
        forward, backward = pool.map(has, queries)
    return forward | backward


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


@hookimpl
def register_scorers(register):
    register(KloutLike)
