"""The organic simulation: follows and events drawn from the hidden traits of a draft's accounts.

:func:`simulate` draws who follows whom (in proportion to sociability, activity and attention,
mostly inside communities, partly followed back) and who posts and reacts to whom (posts in
proportion to activity; reactions along follow edges, towards attractive authors), from one
named random stream of the :class:`~auditkit.data.draft.Draft`, so the same draft and seed draw
the same world. :func:`weighted_choice` is its weighted draw, exact and vectorised.

The ground truth (:mod:`auditkit.data.truth`) reads what the simulation knew from
``draft.organic_stats``; :mod:`auditkit.data.scale` draws worlds of the same shape in chunks,
for sizes a draft does not hold.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pandas as pd

from auditkit.data.draft import DAY, Draft
from auditkit.data.rows import PARALLEL_ROWS, two_at_a_time
from auditkit.data.world import ACTIONS

__all__ = ["simulate", "weighted_choice", "REACTION_MIX", "ATTENTION_EXPONENT"]

#: Shares of organic reactions by kind.
REACTION_MIX: dict[str, float] = {"like": 0.45, "share": 0.25, "reply": 0.18, "mention": 0.12}
#: How strongly a follower's chance of reacting to one post grows with the author's attention.
#: Followers already grow in proportion to attention, so reactions received grow as
#: attention ** (1 + ATTENTION_EXPONENT); 0.5 keeps engagement heavy-tailed without letting a
#: handful of accounts absorb nearly every reaction.
ATTENTION_EXPONENT = 0.5


#: Up to this many weights, :func:`weighted_choice` counts its draws without sorting them.
_FEW_WEIGHTS = 16


def weighted_choice(
    rng: np.random.Generator, weights: np.ndarray, size: int, *, ordered: bool = False
) -> np.ndarray:
    """Indices drawn with probability proportional to ``weights`` (zero weight: never drawn).

    ``ordered``: the same draws in ascending order, for a caller that would sort them; the
    generator is left exactly as after the unordered draws, so later draws do not change.
    """
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    if size == 0 or cdf[-1] <= 0:
        return np.zeros(0, np.int64)
    cdf /= cdf[-1]
    queries = rng.random(size)
    if len(cdf) <= _FEW_WEIGHTS:
        # few indices: count the queries below each cdf value directly (no sort)
        below = np.array([np.count_nonzero(queries < c) for c in cdf[:-1]] + [size])
        del queries
        picks = np.repeat(np.arange(len(cdf)), np.diff(below, prepend=0))
    elif not ordered and size >= PARALLEL_ROWS:
        # A shuffle makes the same swaps whatever it moves: shuffling the positions 0..size-1
        # (in one thread) while the sorted picks are counted (in another), then taking the
        # picks at the shuffled positions, gives exactly the shuffled picks.
        with ThreadPoolExecutor(1) as pool:
            shuffled = pool.submit(_shuffled_positions, rng, size)
            picks = _sorted_picks(cdf, queries)
            return picks[shuffled.result()]
    else:
        picks = _sorted_picks(cdf, queries)
    if ordered:
        # a shuffle draws the same numbers whatever it moves: shuffle bytes, cheaply
        rng.shuffle(np.zeros(size, np.uint8))
        return picks
    rng.shuffle(picks)
    return picks


def _shuffled_positions(rng: np.random.Generator, size: int) -> np.ndarray:
    positions = np.arange(size)
    rng.shuffle(positions)
    return positions


def _sorted_picks(cdf: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``np.sort(np.searchsorted(cdf, queries, side="right"))``, clipped to the last index
    (``queries`` is sorted in place)."""
    size = len(queries)
    # Each sorted uniform picks the first index whose cdf exceeds it (the last index at most;
    # weighted_choice shuffles the picks back into random order). Index j is picked by the
    # queries below cdf[j] and not below cdf[j-1]: one search per index in the queries (in two
    # threads, on halves of the cdf), not one per query in the cdf.
    queries.sort()
    halves = np.array_split(cdf, 2)
    below = np.concatenate(
        two_at_a_time(partial(np.searchsorted, queries, side="left"), halves, len(cdf))
    )
    del queries, halves
    below[-1] = size
    # The sorted pick at position p is how many indices have all their queries before p: a
    # count and a running sum (a repeat of each index by its count is several times slower).
    picks = np.bincount(below, minlength=size + 1)[:size]
    del below
    return np.cumsum(picks, out=picks)


def simulate(
    draft: Draft,
    *,
    follows_per_account: float = 12.0,
    events_per_account: float = 20.0,
    communities_locality: float = 0.8,
    reciprocity: float = 0.25,
    post_share: float = 0.35,
) -> None:
    """Draw organic follows and events from the traits of the accounts marked organic.

    Follows: a follower is drawn in proportion to ``sociability * sqrt(activity)``, a
    followee to ``attention``, inside the follower's group with probability
    ``communities_locality``; a share ``reciprocity`` is followed back. Events: posts in
    proportion to ``activity``, uniform over the period; a reaction picks a follow edge in
    proportion to the follower's activity times the followee's attention to the power
    :data:`ATTENTION_EXPONENT`, then one of the followee's posts, an exponential delay (mean
    6 h) after it. What the ground truth needs to know of it is left in
    ``draft.organic_stats``.
    """
    organic = draft.column("organic").astype(bool)
    n_org = int(organic.sum())
    if n_org == 0:
        return
    att = np.where(organic, draft.column("attention"), 0.0)
    act = np.where(organic, draft.column("activity"), 0.0)
    soc = np.where(organic, draft.column("sociability"), 0.0)
    group = draft.column("group")
    rng = draft.rng("organic")
    m = int(follows_per_account * n_org)
    draft.ensure_room(follows=2 * m, events=events_per_account * n_org)
    src, dst = _draw_follows(
        rng, m, group, att, soc * np.sqrt(act), communities_locality, reciprocity
    )
    created = draft.column("created")
    # a follow starts within 30 days of the later account's creation; accounts that existed
    # before the period have all their organic follows in place when it starts
    born = created[src]
    np.maximum(born, created[dst], out=born)
    ftime = rng.uniform(0, 30 * DAY, len(src))
    ftime += born
    np.minimum(ftime, draft.t0 - 1, out=ftime, where=born < draft.t0)
    del born
    np.floor(ftime, out=ftime)
    draft.add_follows(src, dst, ftime, attentive=True)
    n_events = int(events_per_account * n_org)
    _draw_events(draft, rng, n_events, src, dst, att, act, post_share)


def _draw_events(draft: Draft, rng, n_events, src, dst, att, act, post_share) -> None:
    n = draft.n
    n_posts = int(n_events * post_share)
    author = weighted_choice(rng, act, n_posts, ordered=True)
    n_posts = len(author)
    post_time = np.floor(draft.t0 + rng.uniform(0, draft.days * DAY, n_posts))
    post_ids = draft.new_posts(n_posts)
    n_react = n_events - n_posts
    if not len(src) or n_react <= 0 or n_posts == 0:
        # (the arrays given to add_events are only read from here on: not copied)
        draft.add_events(post_time, author, "post", post=post_ids, organic=True, copy=False)
        return
    first = np.searchsorted(author, np.arange(n))
    count = np.bincount(author, minlength=n)
    # one gather per end of an edge (multiplying by 0 or 1 first is exact)
    weight = act[src]
    weight *= ((att**ATTENTION_EXPONENT) * (count > 0))[dst]
    # what the ground truth (auditkit.data.truth) needs to know about this simulation
    draft.organic_stats = {
        "posts": float(n_posts),
        "reactions": float(n_react),
        "reaction_weight": float(weight.sum()),
    }
    edge = weighted_choice(rng, weight, n_react)
    del weight
    size = len(edge)
    # The posts, then the reactions, in one array per field: the draft holds one piece each,
    # which a copy of it shares without joining pieces (Draft.__deepcopy__). The reactions'
    # fields are gathered straight into their rows (mode="clip": every index is in range, and
    # take buffers its output in the default mode).
    rows = n_posts + size
    time = np.empty(rows)
    actor = np.empty(rows, np.int64)
    action = np.empty(rows, np.int8)
    target = np.empty(rows, np.int64)
    post = np.empty(rows, np.int64)
    time[:n_posts], actor[:n_posts], post[:n_posts] = post_time, author, post_ids
    action[:n_posts] = ACTIONS.index("post")
    target[:n_posts] = -1
    del author
    reactor, authored = actor[n_posts:], target[n_posts:]

    def rest_of_the_stream() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # which post, how long after it, and how: the same draws in the same order
        offset = rng.random(size)
        delay = rng.exponential(6 * 3600.0, size)
        mix = np.array(list(REACTION_MIX.values()))
        return offset, delay, weighted_choice(rng, mix, size)

    # A large world's last draws are made in a second thread while this one gathers the
    # reactions' ends. In place from here: the same arithmetic, fewer arrays of 13M rows.
    with ThreadPoolExecutor(1) as pool:
        drawn = pool.submit(rest_of_the_stream) if size >= PARALLEL_ROWS else None
        two_at_a_time(partial(_take_into, edge), [(src, reactor), (dst, authored)], size)
        del edge
        posts_of_author = count.astype(np.float64)[authored]
        offset, when, kind = drawn.result() if drawn else rest_of_the_stream()
    offset *= posts_of_author
    del posts_of_author
    which = offset.astype(np.int64)
    del offset
    which += first[authored]
    when += post_time[which]
    np.floor(np.minimum(when, draft.t_end - 1, out=when), out=time[n_posts:])
    del when
    reaction_codes = np.array([ACTIONS.index(k) for k in REACTION_MIX], np.int8)
    _take_into(kind, (reaction_codes, action[n_posts:]))
    del kind
    _take_into(which, (post_ids, post[n_posts:]))
    del which
    draft.add_events(time, actor, action, target=target, post=post, organic=True, copy=False)


def _draw_follows(rng, m, group, attention, out_weight, locality, reciprocity):
    n = len(group)
    group, _ = pd.factorize(group)
    base = int(m / (1.0 + reciprocity) * 1.08) + 8
    follower = weighted_choice(rng, out_weight, base)
    followee = np.empty(len(follower), np.int64)
    local = rng.random(len(follower)) < locality
    followee[~local] = weighted_choice(rng, attention, int((~local).sum()))
    # the local followers' positions, group by group (each group's in ascending order)
    at = np.flatnonzero(local)
    groups = int(group.max()) + 1 if n else 0
    small = np.int16 if groups < 2**15 else np.int64
    follower_group = group.astype(small)[follower[at]]
    at = at[np.argsort(follower_group, kind="stable")]
    bounds = np.r_[0, np.bincount(follower_group, minlength=groups).cumsum()]
    del follower_group
    for g in range(groups):
        pick = at[bounds[g] : bounds[g + 1]]
        if len(pick):
            members = np.flatnonzero(group == g)
            w = attention[members]
            if w.sum() > 0:
                followee[pick] = members[weighted_choice(rng, w, len(pick))]
            else:
                followee[pick] = weighted_choice(rng, attention, len(pick))
    del at
    back = rng.random(len(follower)) < reciprocity
    # each drawn pair and, where followed back, its reverse, as a key src * n + dst (built in
    # place: fewer arrays of 12M rows at 1M accounts); the unique keys without self-follows,
    # whose keys are the multiples of n + 1
    drawn = len(follower)
    key = np.empty(drawn + int(back.sum()), np.int64)
    np.multiply(follower, n, out=key[:drawn])
    key[:drawn] += followee
    np.multiply(followee[back], n, out=key[drawn:])
    key[drawn:] += follower[back]
    del follower, followee, back
    key.sort()
    if len(key):
        keep = np.r_[True, key[1:] != key[:-1]]
        keep &= key % (n + 1) != 0
        key = key[keep]
        del keep
    if len(key) > m:
        key = np.sort(rng.choice(key, size=m, replace=False))
    return np.divmod(key, n)


def _take_into(index: np.ndarray, ends: tuple[np.ndarray, np.ndarray]) -> None:
    """``ends[1][:] = ends[0][index]`` without a temporary (every index is in range)."""
    np.take(ends[0], index, out=ends[1], mode="clip")
