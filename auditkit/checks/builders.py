"""Fast world builders for the property checks: a world extended with accounts, follows and
events, or rebuilt with renamed accounts or reordered rows, from integer codes
(``World.from_codes``) rather than by validating the tables again."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from auditkit.data.world import ACTIONS, World

Follow = tuple[str, str, pd.Timestamp]
Event = tuple[pd.Timestamp, str, str, "str | None", "str | None"]


def extend_validated(
    world: World, new_accounts: list[str], follows: list[Follow], events: list[Event]
) -> World:
    """A validated copy of ``world`` with accounts, follows and events appended."""
    t = world.tables()
    acc = t["accounts"]
    if new_accounts:
        acc = pd.concat([acc, pd.DataFrame({"account": list(new_accounts)})], ignore_index=True)
    fol = t["follows"]
    if follows:
        rows = pd.DataFrame(follows, columns=["follower", "followee", "time"])
        rows["time"] = pd.Series(rows["time"], dtype="datetime64[ns, UTC]")
        fol = pd.concat([fol, rows] if len(fol) else [rows], ignore_index=True)
    ev = t["events"]
    if events:
        rows = pd.DataFrame(events, columns=["time", "actor", "action", "target", "post"])
        rows["time"] = pd.Series(rows["time"], dtype="datetime64[ns, UTC]")
        ev = pd.concat([ev, rows] if len(ev) else [rows], ignore_index=True)
    return World(accounts=acc, follows=fol, events=ev)


def _naive(times: pd.Series | list) -> np.ndarray:
    """UTC times as naive ``datetime64[ns]`` (what ``World.from_codes`` reads)."""
    return pd.Series(times, dtype="datetime64[ns, UTC]").dt.tz_convert(None).to_numpy()


_CODED_FOLLOWS = {"follower", "followee", "time"}
_CODED_EVENTS = {"time", "actor", "action", "target", "post", "network"}


def _parts(world: World) -> dict[str, Any] | None:
    """The world as arrays for ``World.from_codes`` (None if it has columns that this does not
    carry, such as ``until`` or ``link``)."""
    f, e = world.follows, world.events
    if set(f.columns) - _CODED_FOLLOWS or set(e.columns) - _CODED_EVENTS:
        return None
    actor, action, target = world.event_codes
    return {
        "ids": [str(a) for a in world.ids],
        "extra": {
            c: world.accounts[c].reset_index(drop=True)
            for c in world.accounts.columns
            if c != "account"
        },
        "src": f["follower"].cat.codes.to_numpy(np.int64),
        "dst": f["followee"].cat.codes.to_numpy(np.int64),
        "ftime": _naive(f["time"]) if "time" in f else None,
        "etime": _naive(e["time"]),
        "actor": actor.astype(np.int64),
        "action": action.astype(np.int8),
        "target": target.astype(np.int64),
        "post": np.array(e["post"].tolist() if "post" in e else [None] * len(e), dtype=object),
        "network": list(e["network"]) if "network" in e else None,
    }


def _build(p: dict[str, Any]) -> World:
    n = len(p["ids"])
    extra = {c: v.reindex(range(n)) for c, v in p["extra"].items()}
    kw: dict[str, Any] = {}
    if len(p["src"]) or p["ftime"] is not None:
        kw.update(follower=p["src"], followee=p["dst"])
        if p["ftime"] is not None:
            kw["follow_time"] = p["ftime"]
    if len(p["actor"]):
        kw.update(
            event_time=p["etime"],
            actor=p["actor"],
            action=p["action"],
            target=p["target"],
            post=p["post"],
        )
        if p["network"] is not None:
            kw["events_extra"] = {"network": pd.Categorical(p["network"])}
    return World.from_codes(p["ids"], accounts_extra=extra, **kw)


def extend_world(
    world: World,
    *,
    new_accounts: list[str] | tuple[str, ...] = (),
    follows: list[Follow] | None = None,
    events: list[Event] | None = None,
) -> World:
    """A copy of ``world`` with accounts, follows and events appended (new ids must be new, new
    follows must not repeat old ones). Built from integer codes with ``World.from_codes``,
    several times faster than validating the tables again (the property checks build
    thousands of worlds); worlds with columns it does not carry (``until``, ``link``) take the
    validated path."""
    new_accounts, follows, events = list(new_accounts), follows or [], events or []
    p = _parts(world)
    if p is None:
        return extend_validated(world, new_accounts, follows, events)
    p["ids"] = p["ids"] + new_accounts
    code = {a: i for i, a in enumerate(p["ids"])}
    if follows:
        p["src"] = np.concatenate([p["src"], [code[a] for a, _, _ in follows]]).astype(np.int64)
        p["dst"] = np.concatenate([p["dst"], [code[b] for _, b, _ in follows]]).astype(np.int64)
        old = (
            p["ftime"]
            if p["ftime"] is not None
            else np.full(len(world.follows), np.datetime64("NaT", "ns"))
        )
        p["ftime"] = np.concatenate([old, _naive([t for *_, t in follows])])
    if events:
        p["etime"] = np.concatenate([p["etime"], _naive([x[0] for x in events])])
        p["actor"] = np.concatenate([p["actor"], [code[x[1]] for x in events]]).astype(np.int64)
        p["action"] = np.concatenate([p["action"], [ACTIONS.index(x[2]) for x in events]]).astype(
            np.int8
        )
        p["target"] = np.concatenate(
            [p["target"], [-1 if x[3] is None else code[x[3]] for x in events]]
        ).astype(np.int64)
        p["post"] = np.array(list(p["post"]) + [x[4] for x in events], dtype=object)
        if p["network"] is not None:
            p["network"] = p["network"] + [np.nan] * len(events)
    return _build(p)


def rebuild_world(
    world: World, *, ids: list[str] | None = None, follow_rows: Any = None, event_rows: Any = None
) -> World:
    """``world`` with its accounts renamed to ``ids`` (same order) and/or only the follow and
    event rows at the given positions, in that order (events are re-sorted by time, stably,
    as any world is)."""
    p = _parts(world)
    if p is None:  # the validated way
        t = world.tables()
        if ids is not None:
            mapping = dict(zip(map(str, world.ids), ids, strict=True))
            for name, cols in (
                ("accounts", ("account",)),
                ("follows", ("follower", "followee")),
                ("events", ("actor", "target")),
            ):
                for col in cols:
                    if col in t[name]:
                        t[name][col] = t[name][col].map(
                            lambda v: v if v is None or pd.isna(v) else mapping[str(v)]
                        )
        if follow_rows is not None:
            t["follows"] = t["follows"].iloc[list(follow_rows)]
        if event_rows is not None:
            t["events"] = t["events"].iloc[list(event_rows)]
        return World(**t)
    if ids is not None:
        p["ids"] = list(ids)
    if follow_rows is not None:
        rows = np.asarray(follow_rows, dtype=np.int64)
        p["src"], p["dst"] = p["src"][rows], p["dst"][rows]
        if p["ftime"] is not None:
            p["ftime"] = p["ftime"][rows]
    if event_rows is not None:
        rows = np.asarray(event_rows, dtype=np.int64)
        for key in ("etime", "actor", "action", "target", "post"):
            p[key] = p[key][rows]
        if p["network"] is not None:
            p["network"] = [p["network"][i] for i in rows]
    return _build(p)
