"""What the built-in behaviours share: helpers that pick accounts and add scripted posts and
reactions to a :class:`~auditkit.data.draft.Draft`, the trait parameters of ordinary accounts,
and :class:`OrganicBehaviour`, the base of behaviours whose members take part in the organic
simulation."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from auditkit.data.draft import Draft
from auditkit.data.simulation import REACTION_MIX
from auditkit.data.world import ACTIONS
from auditkit.plugin.behaviour import Behaviour, Cohort
from auditkit.plugin.footprint import Setting
from auditkit.plugin.params import MAX_TRAIT, Params

Reaction = Literal["share", "reply", "mention", "like"]
POST = ACTIONS.index("post")


# ---------------------------------------------------------------------------------------------
# helpers


def on_day(draft: Draft, day: float | None, share: float) -> float:
    """``day`` (or ``share`` of the period when None), clamped to ``[0, draft.days]``."""
    d = draft.days * share if day is None else float(day)
    return min(max(d, 0.0), draft.days)


def clip_times(draft: Draft, t: np.ndarray) -> np.ndarray:
    """Whole seconds, inside the period."""
    return np.floor(np.minimum(np.asarray(t, np.float64), draft.t_end - 1))


def base_accounts(draft: Draft) -> np.ndarray:
    """Codes of the base population."""
    return np.flatnonzero(draft.column("role") == "base")


def active_base(draft: Draft) -> np.ndarray:
    """Base accounts that act organically (activity > 0); all base accounts when none do (a
    real world copied in has no traits)."""
    base = base_accounts(draft)
    act = draft.column("activity")[base]
    organic = draft.column("organic").astype(bool)[base]
    active = base[organic & (act > 0)]
    return active if len(active) else base


def trait_of(draft: Draft, name: str, codes: np.ndarray) -> np.ndarray:
    """A trait of ``codes``; ones when it is zero everywhere (no traits known)."""
    w = draft.column(name)[codes].astype(np.float64)
    return w if w.sum() > 0 else np.ones(len(codes))


def index_of(draft: Draft, members: np.ndarray) -> np.ndarray:
    """For every account, its position among ``members`` or -1."""
    pos = np.full(draft.n, -1, np.int64)
    pos[members] = np.arange(len(members))
    return pos


def distinct_rows(rng: np.random.Generator, n: int, k: int, rows: int) -> np.ndarray:
    """``rows`` independent uniform samples of ``k`` distinct values of ``range(n)``, as a
    (rows, k) array. Small ``k``: Floyd's algorithm vectorised over rows; large ``k``: one
    ``choice`` per row (a handful of rows)."""
    k = min(int(k), int(n))
    if rows == 0 or k <= 0:
        return np.zeros((rows, max(k, 0)), np.int64)
    if k > 32:
        return np.stack([rng.choice(n, k, replace=False) for _ in range(rows)]).astype(np.int64)
    out = np.empty((rows, k), np.int64)
    for i, j in enumerate(range(n - k, n)):
        t = rng.integers(0, j + 1, rows)
        seen = (out[:, :i] == t[:, None]).any(axis=1)
        out[:, i] = np.where(seen, j, t)
    return out


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn one after another in proportion to ``weights``
    (Efraimidis-Spirakis keys); zero weights are never drawn."""
    w = np.asarray(weights, np.float64)
    keys = rng.exponential(1.0, len(w))
    with np.errstate(divide="ignore"):
        keys = np.where(w > 0, keys / np.where(w > 0, w, 1.0), np.inf)
    k = min(int(k), int((w > 0).sum()))
    if k <= 0:
        return np.zeros(0, np.int64)
    return np.argpartition(keys, k - 1)[:k] if k < len(w) else np.argsort(keys)[:k]


def reaction_codes(names) -> np.ndarray:
    return np.array([ACTIONS.index(a) for a in names], np.int8)


def member_posts(draft: Draft, members: np.ndarray, since: float):
    """(time, author, post) of the members' posts at or after unix time ``since``."""
    ev = draft.events(writable=False)
    if not len(ev["time"]):
        empty = np.zeros(0, np.int64)
        return np.zeros(0), empty, empty
    is_member = np.zeros(draft.n, bool)
    is_member[members] = True
    sel = (ev["action"] == POST) & is_member[ev["actor"].astype(np.int64)] & (ev["time"] >= since)
    return ev["time"][sel], ev["actor"][sel].astype(np.int64), ev["post"][sel].astype(np.int64)


def posts_over(
    draft: Draft,
    rng,
    members: np.ndarray,
    per_day: float,
    start_day: float,
    network=None,
    link=None,
):
    """Each member posts ``per_day`` times a day, at uniform times from ``start_day`` to the
    end. Returns (time, author, post)."""
    k = int(round(per_day * (draft.days - start_day)))
    draft.ensure_room(events=k * len(members))
    actor = np.repeat(members, k)
    lo = draft.time_of_day(start_day)
    time = clip_times(draft, rng.uniform(lo, draft.t_end, len(actor)))
    post = draft.new_posts(len(actor))
    if len(actor):
        draft.add_events(
            time,
            actor,
            "post",
            post=post,
            network=network,
            link=None if link is None else link(len(actor)),
        )
    return time, actor, post


def audience_reactions(
    draft: Draft, rng, time: np.ndarray, author: np.ndarray, post: np.ndarray, per_post: float
) -> int:
    """Give each post a Poisson(``per_post``) number of reactions from the author's attentive
    followers (random active base accounts for an author nobody follows), in the organic mix of
    kinds, an exponential delay (mean 6 h) after the post. Returns how many were added."""
    if per_post <= 0 or not len(post):
        return 0
    draft.ensure_room(events=per_post * len(post))
    counts = rng.poisson(per_post, len(post))
    which = np.repeat(np.arange(len(post)), counts)
    if not len(which):
        return 0
    src, dst = draft.attentive_follows()  # followers who engage (not fakes, not habit)
    order = np.argsort(dst, kind="stable")
    fans = src[order]
    start = np.searchsorted(dst[order], np.arange(draft.n))
    degree = np.bincount(dst, minlength=draft.n)
    a = author[which]
    pick = start[a] + (rng.random(len(which)) * np.maximum(degree[a], 1)).astype(np.int64)
    pool = active_base(draft)
    fallback = pool[rng.integers(0, len(pool), len(which))]
    reactor = np.where(
        degree[a] > 0,
        fans[np.minimum(pick, max(len(fans) - 1, 0))] if len(fans) else fallback,
        fallback,
    )
    keep = reactor != a
    kinds = reaction_codes(list(REACTION_MIX))
    action = kinds[
        np.searchsorted(
            np.cumsum(list(REACTION_MIX.values())),
            rng.random(int(keep.sum())) * sum(REACTION_MIX.values()),
        )
    ]
    delay = rng.exponential(6 * 3600.0, int(keep.sum()))
    draft.add_events(
        clip_times(draft, time[which][keep] + delay),
        reactor[keep],
        action,
        target=a[keep],
        post=post[which][keep],
    )
    return int(keep.sum())


# ---------------------------------------------------------------------------------------------
# organic members


class TraitParams(Params):
    """An ordinary account: attention and activity about the population's medians."""

    attention: float = Field(
        2.0,
        ge=0,
        description="how much others react to one post "
        "(base population: median about 1.9, 99th percentile about 65)",
    )
    activity: float = Field(
        1.0,
        ge=0,
        description="how much they post and react (base population: log-normal, median 1)",
    )
    sociability: float = Field(
        1.6, ge=0, description="how many accounts they follow (base population: median about 1.6)"
    )

    @field_validator("attention", "activity", "sociability", check_fields=False)
    @classmethod
    def _bounded_trait(cls, value: float) -> float:
        if value > MAX_TRAIT:
            raise ValueError(
                f"a trait is at most {MAX_TRAIT:,.0f} (the population's median "
                "is about 1-2; beyond that one account takes every draw)"
            )
        return value


class ConversationalParams(TraitParams):
    """An engaged, conversational account."""

    attention: float = Field(
        8.0,
        ge=0,
        description="how much others react to one post "
        "(base population: median about 1.9, 99th percentile about 65)",
    )
    activity: float = Field(
        1.5,
        ge=0,
        description="how much they post and react (base population: log-normal, median 1)",
    )
    sociability: float = Field(
        3.0, ge=0, description="how many accounts they follow (base population: median about 1.6)"
    )


def organic_posts(size: int, setting: Setting, activity: float = 1.0) -> float:
    """An upper estimate of the posts ``size`` organic members of ``activity`` make over the
    period (the population's mean activity is about 2; this assumes 1)."""
    return size * setting.events_per_account * setting.post_share * max(activity, 1.0)


class OrganicBehaviour(Behaviour):
    """Members that take part in the organic simulation with the traits of their params."""

    label: str = "human"
    params: TraitParams

    def _extra(self, draft: Draft) -> dict:
        return {}

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        cohort.members = draft.add_accounts(
            cohort.size,
            prefix=f"{cohort.name}-",
            cohort=cohort.name,
            role="member",
            label=self.label,
            attention=p.attention,
            activity=p.activity,
            sociability=p.sociability,
            **self._extra(draft),
        )
