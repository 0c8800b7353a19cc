"""Shrinking a scenario run: the smallest worlds in which a finding still holds.

A scenario run has a treated and a control world that share most accounts, follows and events
(the treatment adds fakes and follows, or removes posts). :class:`Universe` lines up the two
worlds' rows, so that one *element* (an account, a follow, an event) is removed from both at
once, and builds a :class:`SmallRun` (a :class:`~auditkit.scenario.run.ScenarioRun` whose
worlds are subsets of the original ones) from a choice of elements. Removing an account removes
its follows and events with it.

:func:`shrink` runs delta debugging (:func:`~auditkit.explain.ddmin.ddmin`) over the accounts,
then the follows, then the events, and again while anything can still go, keeping only what the
``holds`` test needs. The test is always run on the small worlds themselves: the scorers score
them and the probe measures them again, so a finding on the small world is observed, never
assumed.

What the small worlds keep from the original run: every account's row (label, group, creation
time, profile counts), the cohorts (members that were kept), what each treatment cost and when
it ran, and the ground truth of the accounts kept (their expected spread in the *original*
world: the truth is a property of the simulated people, not recomputed on the subset).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from auditkit.data.world import World
from auditkit.explain.ddmin import ddmin
from auditkit.scenario.run import Built, ScenarioRun

__all__ = ["Universe", "SmallRun", "SmallBuilt", "Selection", "Shrunk", "shrink"]

#: Most test calls one shrink may make (every phase together); beyond it the smallest world
#: found so far is kept and said to be possibly not minimal. Policy: a bound on running time
#: (about a minute on a laptop for the bundled scenarios), not a property of any finding.
MAX_TRIALS = 3000


@dataclass
class SmallBuilt(Built):
    """A built world cut down from ``parent``: ``codes`` are the parent's codes of its
    accounts, in order."""

    parent: Built | None = None
    codes: np.ndarray | None = None

    @cached_property
    def truth(self) -> np.ndarray:
        """The parent's ground truth of the accounts kept (not recomputed; see the module)."""
        assert self.parent is not None and self.codes is not None
        return self.parent.truth[self.codes]


class SmallRun(ScenarioRun):
    """A scenario run whose treated and control worlds are given (cut down from ``parent``)."""

    def __init__(self, parent: ScenarioRun, treated: Built, control: Built) -> None:
        super().__init__(
            parent.scenario, parent.seed, parent.registry, time_limit=parent.time_limit
        )
        self.__dict__["treated"] = treated
        self.__dict__["control"] = control


@dataclass(frozen=True)
class Selection:
    """Which elements of a :class:`Universe` are kept: one boolean mask per kind."""

    accounts: np.ndarray
    follows: np.ndarray
    events: np.ndarray

    def with_kind(self, kind: str, mask: np.ndarray) -> Selection:
        return replace(self, **{kind: mask})

    def key(self) -> bytes:
        return b"|".join(
            np.packbits(m).tobytes() + len(m).to_bytes(8, "little")
            for m in (self.accounts, self.follows, self.events)
        )

    def counts(self) -> dict[str, int]:
        return {k: int(getattr(self, k).sum()) for k in ("accounts", "follows", "events")}


class _View:
    """One built world seen through the universe: its accounts', follows' and events' element
    numbers."""

    def __init__(
        self,
        built: Built,
        account_element: np.ndarray,
        follow_element: np.ndarray,
        event_element: np.ndarray,
    ) -> None:
        self.built = built
        self.account_element = account_element
        self.follow_element = follow_element
        self.event_element = event_element
        w = built.world
        self.src, self.dst = (
            w.follows[c].cat.codes.to_numpy(np.int64) for c in ("follower", "followee")
        )
        actor, action, target = w.event_codes
        self.actor, self.action, self.target = (
            actor.astype(np.int64),
            action,
            target.astype(np.int64),
        )


class Universe:
    """The elements of a run's treated and control worlds (see the module docstring)."""

    def __init__(self, run: ScenarioRun) -> None:
        self.run = run
        treated, control = run.treated, run.control
        self.same = control is treated
        ids = list(map(str, treated.world.ids))
        seen = set(ids)
        ids += [a for a in map(str, control.world.ids) if a not in seen]
        #: every account id of either world, treated first
        self.ids = np.array(ids, dtype=object)
        index = pd.Index(self.ids)
        builts = [treated] if self.same else [treated, control]
        acc = [index.get_indexer(list(map(str, b.world.ids))) for b in builts]
        follows = _union_rows([_follow_keys(b.world, a) for b, a in zip(builts, acc, strict=True)])
        events = _union_rows([_event_keys(b.world, a) for b, a in zip(builts, acc, strict=True)])
        self.views = [
            _View(b, a, f, e) for b, a, f, e in zip(builts, acc, follows[0], events[0], strict=True)
        ]
        self.n_follows, self.n_events = follows[1], events[1]

    def everything(self) -> Selection:
        return Selection(
            np.ones(len(self.ids), bool),
            np.ones(self.n_follows, bool),
            np.ones(self.n_events, bool),
        )

    def sizes(self) -> dict[str, int]:
        return {"accounts": len(self.ids), "follows": self.n_follows, "events": self.n_events}

    def live(self, selection: Selection, kind: str) -> np.ndarray:
        """The ``kind`` (``follows`` or ``events``) elements of ``selection`` whose accounts
        are all kept in some world (the others cannot appear in any small world)."""
        out = np.zeros(len(getattr(selection, kind)), bool)
        for view in self.views:
            keep = selection.accounts[view.account_element]
            if kind == "follows":
                ok = keep[view.src] & keep[view.dst]
                out[view.follow_element[ok]] = True
            else:
                ok = keep[view.actor] & ((view.target < 0) | keep[np.maximum(view.target, 0)])
                out[view.event_element[ok]] = True
        return out & getattr(selection, kind)

    def build(self, selection: Selection) -> SmallRun:
        """The run cut down to ``selection``: accounts kept, and the follows and events kept
        whose accounts are all kept."""
        small = [self._cut(view, selection) for view in self.views]
        return SmallRun(self.run, small[0], small[-1])

    def _cut(self, view: _View, sel: Selection) -> SmallBuilt:
        built = view.built
        world = built.world
        keep = sel.accounts[view.account_element]
        codes = np.flatnonzero(keep)
        new = np.full(len(world), -1, np.int64)
        new[codes] = np.arange(len(codes))
        f_rows = np.flatnonzero(sel.follows[view.follow_element] & keep[view.src] & keep[view.dst])
        has_target = view.target >= 0
        e_rows = np.flatnonzero(
            sel.events[view.event_element]
            & keep[view.actor]
            & (~has_target | keep[np.maximum(view.target, 0)])
        )
        small = _subworld(world, codes, new, view, f_rows, e_rows)
        cohorts = {
            name: replace(c, members=new[c.members][new[c.members] >= 0])
            for name, c in built.cohorts.items()
        }
        return SmallBuilt(
            small, cohorts, built.role[codes], built.draft, built.real, parent=built, codes=codes
        )


def _subworld(
    world: World,
    codes: np.ndarray,
    new: np.ndarray,
    view: _View,
    f_rows: np.ndarray,
    e_rows: np.ndarray,
) -> World:
    """The accounts ``codes`` of ``world`` with the follow rows ``f_rows`` and event rows
    ``e_rows`` (all of whose accounts are kept), built without re-validating what the world
    already validated."""
    acc = world.accounts
    ids = [str(world.ids[c]) for c in codes]
    extra = {
        col: acc[col].iloc[codes].reset_index(drop=True) for col in acc.columns if col != "account"
    }
    f = world.follows
    e = world.events
    kwargs: dict = {}
    if len(f_rows):
        kwargs.update(follower=new[view.src[f_rows]], followee=new[view.dst[f_rows]])
        if "time" in f:
            kwargs["follow_time"] = f["time"].array.asi8[f_rows].view("datetime64[ns]")
    if len(e_rows):
        kwargs.update(
            event_time=world.event_time_ns[e_rows].view("datetime64[ns]"),
            actor=new[view.actor[e_rows]],
            action=view.action[e_rows],
            target=np.where(view.target[e_rows] >= 0, new[np.maximum(view.target[e_rows], 0)], -1),
        )
        if "post" in e:
            kwargs["post"] = e["post"].to_numpy()[e_rows]
        kwargs["events_extra"] = {
            col: e[col].iloc[e_rows].reset_index(drop=True)
            for col in e.columns
            if col not in ("time", "actor", "action", "target", "post")
        }
    small = World.from_codes(ids, accounts_extra=extra, **kwargs)
    if "until" in f and len(f_rows):
        follows = small.tables()["follows"]
        follows["until"] = f["until"].iloc[f_rows].reset_index(drop=True)
        small = small.with_tables(follows=follows)
    return small


def _follow_keys(world: World, account_element: np.ndarray) -> pd.DataFrame:
    f = world.follows
    keys = {
        "follower": account_element[f["follower"].cat.codes.to_numpy(np.int64)],
        "followee": account_element[f["followee"].cat.codes.to_numpy(np.int64)],
    }
    for col in ("time", "until"):
        if col in f:
            keys[col] = f[col].array.asi8
    return pd.DataFrame(keys)


def _event_keys(world: World, account_element: np.ndarray) -> pd.DataFrame:
    actor, action, target = world.event_codes
    target = target.astype(np.int64)
    keys = {
        "time": world.event_time_ns,
        "actor": account_element[actor.astype(np.int64)],
        "action": action,
        "target": np.where(target >= 0, account_element[np.maximum(target, 0)], -1),
    }
    if "post" in world.events:
        keys["post"] = world.events["post"].astype(str).to_numpy()
    return pd.DataFrame(keys)


def _union_rows(frames: list[pd.DataFrame]) -> tuple[list[np.ndarray], int]:
    """The element number of every row of each frame: equal rows of different frames are one
    element (the k-th copy of a row in one frame matches the k-th copy in another)."""
    if len(frames) == 1:
        return [np.arange(len(frames[0]), dtype=np.int64)], len(frames[0])
    numbered = []
    for frame in frames:
        cols = list(frame.columns)
        frame = frame.copy()
        frame["copy"] = (
            frame.groupby(cols, sort=False, dropna=False).cumcount() if cols and len(frame) else 0
        )
        numbered.append(frame)
    both = pd.concat(numbered, ignore_index=True)
    if not len(both):
        return [np.zeros(0, np.int64) for _ in frames], 0
    groups = both.groupby(list(both.columns), sort=False, dropna=False).ngroup().to_numpy()
    out, start = [], 0
    for frame in frames:
        out.append(groups[start : start + len(frame)].astype(np.int64))
        start += len(frame)
    return out, int(groups.max()) + 1


@dataclass(frozen=True)
class Shrunk:
    """The result of :func:`shrink`: the small run, what was kept, how many trials it took,
    and whether the search finished (else the world may not be 1-minimal)."""

    run: SmallRun
    selection: Selection
    trials: int
    finished: bool


def shrink(
    universe: Universe,
    holds: Callable[[SmallRun], bool],
    *,
    max_trials: int = MAX_TRIALS,
    rounds: int = 3,
) -> Shrunk:
    """The smallest selection found by delta debugging on which ``holds`` is true of the small
    run (``holds`` must be true of the full run). Accounts first (their rows go with them),
    then follows, then events, repeated up to ``rounds`` times while something was removed."""
    cache: dict[bytes, bool] = {}
    best = universe.everything()
    trials = 0

    def test(sel: Selection) -> bool:
        key = sel.key()
        if key not in cache:
            cache[key] = bool(holds(universe.build(sel)))
        return cache[key]

    finished = True
    for _ in range(rounds):
        before = best.counts()
        for kind in ("accounts", "follows", "events"):
            mask = getattr(best, kind) if kind == "accounts" else universe.live(best, kind)
            best = best.with_kind(kind, mask)
            items = np.flatnonzero(mask).tolist()
            if not items:
                continue

            def test_kind(kept: list[int], kind: str = kind, base: Selection = best) -> bool:
                m = np.zeros(len(getattr(base, kind)), bool)
                m[kept] = True
                return test(base.with_kind(kind, m))

            found = ddmin(items, test_kind, max_trials=max(1, max_trials - trials))
            trials += found.trials
            m = np.zeros(len(mask), bool)
            m[found.items] = True
            best = best.with_kind(kind, m)
            if not found.finished:
                finished = False
                break
        if not finished or best.counts() == before:
            break
    return Shrunk(universe.build(best), best, trials, finished)
