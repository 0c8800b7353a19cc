"""Seeded synthetic worlds shaped like social networks.

:func:`generate_world` draws a population with heavy-tailed attention (followers), heavy-tailed
activity (posts), communities, reciprocity, and reactions that flow along follow edges towards
attractive accounts. It is vectorised with numpy, so a million accounts with ten million follows
and ten million events take seconds. The same arguments and seed give an identical world.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.world import ACTIONS, World

__all__ = ["generate_world", "DEFAULT_START"]

#: Where generated time starts (UTC).
DEFAULT_START = pd.Timestamp("2024-01-01T00:00:00Z")

_REACTION_MIX = {"like": 0.45, "share": 0.25, "reply": 0.18, "mention": 0.12}


def _weighted_choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=np.float64)
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def generate_world(
    accounts: int = 1000,
    *,
    follows: int | None = None,
    events: int | None = None,
    days: float = 120.0,
    communities: int = 8,
    locality: float = 0.8,
    reciprocity: float = 0.25,
    post_share: float = 0.35,
    start: pd.Timestamp | str = DEFAULT_START,
    seed: int = 0,
    id_prefix: str = "u",
) -> World:
    """Generate a seeded world of ``accounts`` accounts.

    Parameters
    ----------
    accounts : int
        Number of accounts.
    follows : int, optional (default ``12 * accounts``)
        Follow edges to draw (self-follows and duplicates are removed, so slightly fewer remain).
    events : int, optional (default ``20 * accounts``)
        Posts plus reactions to draw; reactions without a post to react to are dropped.
    days : float
        Length of the simulated period; events fall in ``[start, start + days)``.
    communities : int
        Number of communities (the ``group`` column), Zipf-sized.
    locality : float
        Share of follows that stay inside the follower's community.
    reciprocity : float
        Share of follow edges that are followed back.
    post_share : float
        Share of events that are posts; the rest are reactions.
    seed : int
        Seed of the random generator; the same seed gives an identical world.

    Notes
    -----
    Attention is Pareto-distributed (index 1.1), activity log-normal (sigma 1.2), following
    Pareto (index 1.5): the heavy tails of Kwak et al. (WWW 2010) and Cha et al. (ICWSM 2010).
    A reaction picks a follow edge with probability proportional to the follower's activity and
    the followee's attention, then one of the followee's posts, and happens an exponential delay
    (mean 6 hours) after it.
    """
    rng = np.random.default_rng(seed)
    n = int(accounts)
    m = int(12 * n if follows is None else follows)
    n_events = int(20 * n if events is None else events)
    start = pd.Timestamp(start)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    ids = [f"{id_prefix}{i}" for i in range(n)]
    if n == 0:
        return World.from_codes(ids)

    attention = rng.pareto(1.1, n) + 1.0
    activity = rng.lognormal(0.0, 1.2, n)
    sociability = rng.pareto(1.5, n) + 1.0
    sizes = 1.0 / np.arange(1, communities + 1)
    group = _weighted_choice(rng, sizes, n)
    created = np.floor(start.value // 10**9 - rng.uniform(0, 5 * 365 * 86_400, n))

    src, dst = _draw_follows(rng, m, group, attention, sociability * np.sqrt(activity),
                             locality, reciprocity)
    follow_time = created[np.maximum(src, dst)] + rng.uniform(0, 86_400 * 30, len(src))
    follow_time = np.floor(np.minimum(follow_time, start.value / 10**9 - 1))

    actor, action, target, post, t = _draw_events(rng, n_events, n, src, dst, attention,
                                                  activity, post_share, days, start)
    return World.from_codes(
        ids, follower=src, followee=dst, follow_time=follow_time, event_time=t, actor=actor,
        action=action, target=target, post=post,
        accounts_extra={
            "created": pd.to_datetime(created, unit="s", utc=True).astype("datetime64[ns, UTC]"),
            "group": pd.array([f"c{g}" for g in group], dtype="string"),
        },
    )


def _draw_follows(rng, m, group, attention, out_weight, locality, reciprocity):
    n = len(group)
    base = int(m / (1.0 + reciprocity) * 1.08) + 8
    follower = _weighted_choice(rng, out_weight, base)
    followee = np.empty(base, np.int64)
    local = rng.random(base) < locality
    followee[~local] = _weighted_choice(rng, attention, int((~local).sum()))
    members = [np.flatnonzero(group == g) for g in range(group.max() + 1)]
    for g, ids in enumerate(members):
        pick = local & (group[follower] == g)
        if pick.any() and len(ids):
            followee[pick] = ids[_weighted_choice(rng, attention[ids], int(pick.sum()))]
    back = rng.random(base) < reciprocity
    src = np.concatenate([follower, followee[back]])
    dst = np.concatenate([followee, follower[back]])
    keep = src != dst
    key = np.unique(src[keep] * n + dst[keep])
    if len(key) > m:
        key = np.sort(rng.choice(key, size=m, replace=False))
    return (key // n).astype(np.int32), (key % n).astype(np.int32)


def _draw_events(rng, n_events, n, src, dst, attention, activity, post_share, days, start):
    t0 = start.value / 10**9
    span = days * 86_400.0
    n_posts = int(n_events * post_share)
    author = np.sort(_weighted_choice(rng, activity, n_posts))
    post_time = t0 + rng.uniform(0, span, n_posts)
    first_post = np.searchsorted(author, np.arange(n))
    posts_of = np.bincount(author, minlength=n)

    n_react = n_events - n_posts
    if len(src) and n_react > 0:
        edge = _weighted_choice(rng, activity[src] * attention[dst], n_react)
        reactor, authored = src[edge], dst[edge]
        has_post = posts_of[authored] > 0
        reactor, authored = reactor[has_post], authored[has_post]
        which = first_post[authored] + (rng.random(len(authored)) * posts_of[authored]).astype(
            np.int64)
        delay = rng.exponential(6 * 3600.0, len(which))
        react_time = np.minimum(post_time[which] + delay, t0 + span - 1e-3)
        kinds = np.array([ACTIONS.index(k) for k in _REACTION_MIX])
        react_action = kinds[_weighted_choice(rng, np.array(list(_REACTION_MIX.values())),
                                              len(which))]
    else:
        reactor = authored = which = np.zeros(0, np.int64)
        react_time = np.zeros(0)
        react_action = np.zeros(0, np.int64)
    actor = np.concatenate([author, reactor])
    action = np.concatenate([np.zeros(n_posts, np.int64), react_action])
    target = np.concatenate([np.full(n_posts, -1), authored])
    post = np.concatenate([np.arange(n_posts), which])
    t = np.floor(np.concatenate([post_time, react_time]))  # whole seconds, as files store them
    return actor, action, target, post, t
