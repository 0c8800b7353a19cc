"""Kred-like Influence (1-1000, points normalised to the top account) and Outreach Level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pydantic

from auditkit import (
    ACTIONS,
    Scorer,
    Statement,
    World,
    hookimpl,
    statement_items,
)
from auditkit import (
    Params as PluginParams,
)
from auditkit.data.partitioned import account_array, task_shuffles
from auditkit.errors import ScorerError

__all__ = ["KredLike", "OUTREACH_THRESHOLDS", "outreach_level"]

_REACTION_NAMES = ("share", "reply", "mention", "like")
_CODE = {a: ACTIONS.index(a) for a in ACTIONS}
_PLURAL = {"share": "shares", "reply": "replies", "mention": "mentions", "like": "likes"}
_WINDOWS = (30, 60, 90)

#: Outreach points needed for levels 1..100: 100 and 270 are Kred's published thresholds; each
#: further increment is 1.7 times the previous (our choice): 100, +170, +289, +491.3, ...
#: rounded to whole points. Level 12, the highest reached by June 2012, needs about 83k points.
OUTREACH_THRESHOLDS: np.ndarray = np.round(
    100.0 + np.concatenate([[0.0], np.cumsum(170.0 * 1.7 ** np.arange(99))])
)


def outreach_level(points: np.ndarray | float) -> np.ndarray:
    """The Outreach Level reached with ``points`` (0 below 100 points, at most 100)."""
    return np.searchsorted(
        OUTREACH_THRESHOLDS, np.asarray(points, dtype=np.float64), side="right"
    ).astype(np.float64)


@dataclass(frozen=True)
class KredPoints:
    """Itemised Kred points per account (arrays aligned with ``world.ids``)."""

    counts: dict[str, np.ndarray]  # events per action type (received or made)
    big_actor: np.ndarray  # reactions received from accounts above the threshold
    follows: np.ndarray  # followers gained (influence only)
    total: np.ndarray  # points
    at: pd.Timestamp | None


class KredLike(Scorer):
    """Kred's published point rules: Influence (1-1000) and Outreach Level.

    Influence points, from what others do because of you in the window (default: all history):

    .. math::

        p = 10 \\cdot (\\#\\text{shares} + \\#\\text{replies} + \\#\\text{mentions}
        [+ \\#\\text{likes}]) + b \\cdot \\#\\text{reactions from accounts with} > 10^4
        \\text{ followers} + f \\cdot \\#\\text{followers gained}

        s = 1 + 999 \\cdot \\ln(1 + p) / \\ln(1 + p_{max})

    so the top account (globally, or in its ``group`` with ``per_group``) scores exactly 1000.
    Outreach (``measure="outreach"``) is 10 points per share, reply or mention you make of
    others over all history up to ``at``; the score is the level reached: level 1 at 100
    points, level 2 at 270, each further increment 1.7 times the previous.

    Community scores (``community``), as published: influence in a community is driven by
    interactions with its members, so only actions by members (Outreach: towards members) earn
    points, every account is scored and the top one is 1000 (Kred's example: Stephen Colbert
    high in "Students"). Membership is the world's ``group`` column (our stand-in for Kred's
    bios, hashtags and keywords over 1,000 days).

    Notes
    -----
    Kred published the 10 points, that accounts with more than 10,000 followers give more, that
    follows count, and the 100/270 thresholds; the bonus, the follow value, the level curve and
    the points-to-score map were published only as images, so ours are documented choices.
    Structural weaknesses (derived from the rules): no discount for repeats by one actor (F6),
    follows score directly (F7, F8), the big-actor bonus rewards borrowed influence (F5),
    Outreach rewards volume and never decays (F2, F4), and normalising to the top account makes
    everyone move when the top changes (F13).

    References
    ----------
    .. [1] Kred, score.kred/rules and docs.score.kred (scoring-influence, scoring-outreach).
    .. [2] Kred blog, "How we calculate Kred Outreach" (Dec 2011).
    .. [3] PeopleBrowsr blog, "How we calculate Kred Influence" (Jan 2015).
    """

    id = "kred"
    concurrent = True  # keeps no state between calls
    version = "1.0"
    name = "Kred-like (Influence points, Outreach Level)"
    range = (1.0, 1000.0)
    description = (
        "Kred's point rules: 10 points per share, reply or mention received (likes optional), "
        "extra points when the actor has more than 10,000 followers, points per follower gained; "
        "Influence maps points to 1-1000 by 1 + 999*ln(1+p)/ln(1+p_max) so the top account "
        "(globally or per group) is 1000. measure=outreach scores the Outreach Level (0-100) "
        "from your own shares, replies and mentions of others: level 1 at 100 points, 2 at 270, "
        "never decreasing. No discount for repeated actions by one account. community=NAME "
        "scores influence in one community (the group column): only actions by its members "
        "earn points."
    )
    references = (
        "Kred scoring rules: score.kred/rules; docs.score.kred (scoring-influence, "
        "scoring-outreach, scoring-overview).",
        "Kred blog, 'How we calculate Kred Outreach', Dec 2011.",
        "PeopleBrowsr blog, 'How we calculate Kred Influence', Jan 2015.",
    )
    tags = frozenset({"events", "follows", "time", "counts"})

    class Params(PluginParams):
        measure: Literal["influence", "outreach"] = pydantic.Field(
            "influence",
            description="influence (1-1000, what others do because of you) or "
            "outreach (the Outreach Level 0-100, what you do for others)",
        )
        window_days: int | None = pydantic.Field(
            None,
            description="Influence window: 30, 60 or 90 days, or null for all history "
            "(the windows Kred's API offered); Outreach always uses all history",
        )
        reaction_points: float = pydantic.Field(
            10.0, ge=0, description="points per share, reply or mention (Kred: 10)"
        )
        big_actor_bonus: float = pydantic.Field(
            20.0,
            ge=0,
            description="extra points per reaction from an account with more than "
            "big_actor_threshold followers (Kred: 'more points', value unpublished; our choice)",
        )
        big_actor_threshold: int = pydantic.Field(
            10_000,
            ge=0,
            description="followers above which an actor earns the bonus (Kred: 10,000)",
        )
        follow_points: float = pydantic.Field(
            1.0,
            ge=0,
            description="Influence points per follower gained in the window "
            "(value unpublished; our choice)",
        )
        count_likes: bool = pydantic.Field(
            False, description="also give reaction_points for likes (Kred counted Facebook likes)"
        )
        per_group: bool = pydantic.Field(
            False,
            description="normalise Influence within each account's own group, points "
            "from everyone (our approximation; the published per-community score is "
            "'community')",
        )
        community: str | None = pydantic.Field(
            None,
            description="Kred's community score: only actions by members of this "
            "community (the group column) earn Influence points, and only your actions towards "
            "its members earn Outreach points; every account is scored, the top one is 1000",
        )

        @pydantic.field_validator("window_days")
        @classmethod
        def _kred_window(cls, v: int | None) -> int | None:
            if v is not None and v not in _WINDOWS:
                raise ValueError("Kred's windows are 30, 60 or 90 days, or null for all history")
            return v

    params: KredLike.Params

    @property
    def bounds(self) -> tuple[float, float]:
        return (0.0, 100.0) if self.params.measure == "outreach" else self.range

    # ---- points ----
    def _counted(self) -> tuple[str, ...]:
        return _REACTION_NAMES if self.params.count_likes else _REACTION_NAMES[:3]

    def points(self, world: World, at: object = None) -> KredPoints:
        """Kred points of every account for the chosen measure."""
        n = len(world)
        t = world.resolve_at(at)
        p = self.params
        outreach = p.measure == "outreach"
        if world.lazy_events is not None:
            with task_shuffles():
                return self._points_lazy(world, t)
        times = world.event_time_ns
        lo, hi = 0, len(times)
        if t is not None:
            hi = int(np.searchsorted(times, t.value, side="right"))
            if p.window_days is not None and not outreach:
                start = t - pd.Timedelta(days=p.window_days)
                lo = int(np.searchsorted(times, start.value, side="right"))
        actor, action, target = (x[lo:hi] for x in world.event_codes)
        react = (action != _CODE["post"]) & (target >= 0) & (target != actor)
        member = self.members(world)
        if member is not None:  # only actions by (influence) or towards (outreach) members
            react &= member[target] if outreach else member[actor]
        who = actor if outreach else target
        key = action[react].astype(np.int64) * n + who[react]
        by_action = np.bincount(key, minlength=len(ACTIONS) * n).reshape(len(ACTIONS), n)
        counts = {a: by_action[_CODE[a]].astype(np.float64) for a in _REACTION_NAMES}
        counted = self._counted()
        total = p.reaction_points * sum(counts[a] for a in counted)
        zeros = np.zeros(n)
        if outreach:
            return KredPoints(counts, zeros, zeros, total, t)
        followers = _followers(world, t)
        # a lookup table (one pass, unlike np.isin); its extra last slot answers a code of -1
        is_counted = np.zeros(len(ACTIONS) + 1, bool)
        is_counted[[_CODE[a] for a in counted]] = True
        big = react & is_counted[action]
        big &= followers[actor] > p.big_actor_threshold
        big_actor = np.bincount(target[big], minlength=n).astype(np.float64)
        gained = self._followers_gained(world, t, member)
        total = total + p.big_actor_bonus * big_actor + p.follow_points * gained
        return KredPoints(counts, big_actor, gained, total, t)

    def _points_lazy(self, world: World, t: pd.Timestamp | None) -> KredPoints:
        """:meth:`points` of a world whose events are read lazily: the same counts, as
        group-bys on a Dask DataFrame (:mod:`auditkit.data.partitioned`)."""
        import dask

        n = len(world)
        p = self.params
        outreach = p.measure == "outreach"
        lazy = world.lazy_events
        assert lazy is not None
        lo = None
        if t is not None and p.window_days is not None and not outreach:
            lo = t - pd.Timedelta(days=p.window_days)
        ev = lazy.between(lo, t).frame(["actor", "action", "target"])
        if "target" not in ev.columns:
            ev = ev.assign(target=ev["actor"].where(ev["actor"].isna()))
        react = (
            (ev["action"] != "post")
            & ~ev["target"].isna()
            & (ev["target"] != ev["actor"]).fillna(False)
        )
        member = self.members(world)
        if member is not None:
            member_ids = list(world.ids[member])
            react = react & (ev["target"] if outreach else ev["actor"]).isin(member_ids)
        who = "actor" if outreach else "target"
        counted = self._counted()
        wanted = [ev[react].groupby([who, "action"]).size()]
        if not outreach:
            followers = _followers(world, t)
            big_ids = list(world.ids[followers > p.big_actor_threshold])
            big = react & ev["action"].isin(list(counted)) & ev["actor"].isin(big_ids)
            wanted.append(ev[big].groupby("target").size())
        results = dask.compute(*wanted)
        by_action = results[0]
        counts = {}
        for a in _REACTION_NAMES:
            rows = by_action[by_action.index.get_level_values(1) == a]
            counts[a] = account_array(rows.droplevel(1), world.ids)
        total = p.reaction_points * np.sum([counts[a] for a in counted], axis=0)
        zeros = np.zeros(n)
        if outreach:
            return KredPoints(counts, zeros, zeros, total, t)
        big_actor = account_array(results[1], world.ids)
        gained = self._followers_gained(world, t, member)
        total = total + p.big_actor_bonus * big_actor + p.follow_points * gained
        return KredPoints(counts, big_actor, gained, total, t)

    def members(self, world: World) -> np.ndarray | None:
        """Membership of the ``community`` (the ``group`` column), or None without one.

        :class:`ScorerError` when the world has no ``group`` column or nobody in it."""
        c = self.params.community
        if c is None:
            return None
        if "group" not in world.accounts:
            raise ScorerError(
                f"scorer 'kred' parameter 'community': {c!r} needs a 'group' "
                "column (the accounts' communities); this world has none, so "
                "score it without community"
            )
        group = world.accounts["group"].astype("string").fillna("").to_numpy(dtype=object)
        member = group == c
        if len(world) and not member.any():
            known = ", ".join(sorted({g for g in group if g})[:10])
            raise ScorerError(
                f"scorer 'kred' parameter 'community': no account is in "
                f"community {c!r}; the groups of this world include: {known}"
            )
        return member

    def _followers_gained(
        self, world: World, t: pd.Timestamp | None, member: np.ndarray | None = None
    ) -> np.ndarray:
        """Followers gained in the window (all current followers without a window or times);
        with ``member``, only followers who are members count."""
        n = len(world)
        if not len(world.follows):
            if member is not None:  # counts say nothing about who the followers are
                return np.zeros(n)
            return world.profile_count("followers_count")  # no edges: the observed count
        f = (world if t is None else world.as_of(t)).follows
        days = self.params.window_days
        windowed = days is not None and t is not None and "time" in f
        if member is None and not windowed:
            return _followers(world, t)
        src = f["follower"].cat.codes.to_numpy().astype(np.int64)
        dst = f["followee"].cat.codes.to_numpy().astype(np.int64)
        if windowed:
            assert t is not None and days is not None
            start = (t - pd.Timedelta(days=days)).value
            keep = (f["time"].array.asi8 > start) | f["time"].isna().to_numpy()  # NaT counts
            src, dst = src[keep], dst[keep]
        if member is not None:
            src, dst = src[member[src]], dst[member[src]]
        if "until" in f:  # a re-follow is one follower
            pairs = np.unique(src * n + dst)
            dst = pairs % n
        return np.bincount(dst, minlength=n).astype(np.float64)

    def _normalise(self, world: World, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores 1-1000 and the top points each account is normalised against."""
        logp = np.log1p(total)
        if self.params.per_group and "group" in world.accounts and len(world):
            codes, _ = pd.factorize(world.accounts["group"], use_na_sentinel=False)
            top = pd.Series(logp).groupby(codes).transform("max").to_numpy()
        else:
            top = np.full(len(logp), logp.max() if len(logp) else 0.0)
        ratio = np.where(top > 0, logp / np.where(top > 0, top, 1.0), 0.0)
        return np.clip(1.0 + 999.0 * ratio, 1.0, 1000.0), np.expm1(top)

    # ---- the contract ----
    def score(self, world: World, at: object = None) -> pd.Series:
        pts = self.points(world, at)
        if self.params.measure == "outreach":
            return world.series(outreach_level(pts.total), name=self.id)
        return world.series(self._normalise(world, pts.total)[0], name=self.id)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        i = world.code_of(account)
        p = self.params
        pts = self.points(world, at)
        counted = self._counted()
        outreach = p.measure == "outreach"
        verb = "made (of others)" if outreach else "received"
        rows = []
        for a in _REACTION_NAMES:
            c = float(pts.counts[a][i])
            on = a in counted
            rows.append(
                (
                    f"{_PLURAL[a]} {verb}",
                    c,
                    p.reaction_points * c if on else 0.0,
                    _each(p.reaction_points) if on else "not counted (count_likes is false)",
                )
            )
        total = float(pts.total[i])
        if outreach:
            level = float(outreach_level(total))
            k = int(level)
            reached = (
                f"level {k} from {OUTREACH_THRESHOLDS[k - 1]:g} points"
                if k
                else "below level 1 (100 points)"
            )
            nxt = (
                f"; level {k + 1} at {OUTREACH_THRESHOLDS[k]:g}"
                if k < len(OUTREACH_THRESHOLDS)
                else ""
            )
            score = level
            scale, offset = (level / total if total else 0.0), 0.0
            transform = f"the Outreach Level reached with {total:g} points: {reached}{nxt}"
            notes: tuple[str, ...] = (
                "Outreach counts all history up to the scoring time and never goes down",
            )
        else:
            rows.append(
                (
                    f"bonus: reactions from accounts with more than "
                    f"{p.big_actor_threshold:,} followers",
                    float(pts.big_actor[i]),
                    p.big_actor_bonus * float(pts.big_actor[i]),
                    "extra: " + _each(p.big_actor_bonus),
                )
            )
            rows.append(
                (
                    "followers gained",
                    float(pts.follows[i]),
                    p.follow_points * float(pts.follows[i]),
                    _each(p.follow_points),
                )
            )
            scores, top = self._normalise(world, pts.total)
            score = float(scores[i])
            where = "in its group" if p.per_group and "group" in world.accounts else "overall"
            # the points stay Kred points; the normalisation to 1-1000 is a factor
            scale, offset = ((score - 1.0) / total if total else 0.0), 1.0
            transform = (
                f"normalised to 1-1000: 1 + 999 * ln(1 + {total:,g}) / "
                f"ln(1 + {top[i]:,g}), {top[i]:,g} being the top points {where}"
            )
            span = "all history" if p.window_days is None else f"the {p.window_days} days"
            notes = (
                f"window: {span} up to {pts.at}",
                "no discount for repeated actions by the same account (Kred's rules)",
            )
        if p.community is not None:
            towards = "towards" if outreach else "by"
            notes = (
                *notes,
                f"community {p.community!r}: only actions {towards} its members "
                "(group column) count",
            )
        return Statement(
            self.id,
            account,
            score,
            statement_items(rows),
            pts.at,
            notes,
            scale=scale,
            offset=offset,
            transform=transform,
        )


def _each(points: float) -> str:
    return f"{points:g} point{'' if points == 1 else 's'} each"


def _followers(world: World, t: pd.Timestamp | None) -> np.ndarray:
    """Followers per account as of ``t`` (follow edges, else ``followers_count``)."""
    if not len(world.follows):
        return world.profile_count("followers_count")
    snapshot = world if t is None else world.as_of(t)
    # a snapshot that keeps every edge shares the world's table: reuse the world's cache
    source = world if snapshot.follows is world.follows else snapshot
    return source.in_degree.astype(np.float64)


@hookimpl
def register_scorers(register):
    register(KredLike)
