"""A world under construction, with the latent truth the simulation knows.

A :class:`Draft` holds accounts with hidden traits (``attention``: how much others react to them
per post; ``activity``: how much they post and react; ``sociability``: how many they follow),
cohort membership, and follows and events as numpy chunks. Generators and behaviours add to it;
:func:`auditkit.data.simulation.simulate` draws the organic follows and events from the traits;
:meth:`Draft.build` makes the immutable :class:`~auditkit.data.world.World`. Scorers never see the
traits: they are the ground truth an audit compares scores with (see :mod:`auditkit.data.truth`).

Random streams are named (:meth:`Draft.rng`), so switching one cohort's treatment off does not
change what any other part of the world draws.
"""

from __future__ import annotations

import copy
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from auditkit.data.rows import (
    PARALLEL_ROWS,
    concatenate_columns,
    insert_rows,
    read_only,
    take_rows,
    two_at_a_time,
)
from auditkit.data.world import ACTIONS, World, stable_sort, times_from_array
from auditkit.errors import BudgetError, ScenarioError

__all__ = ["Draft", "DEFAULT_START", "DAY"]

#: Where generated time starts (UTC).
DEFAULT_START = pd.Timestamp("2024-01-01T00:00:00Z")
#: Seconds in a day.
DAY = 86_400.0


_SCALARS = (str, int, float, bool, type(None), np.generic)


def _immutable(items: object) -> bool:
    """Whether every item is an immutable scalar, judged by the distinct types (a million ids
    in a fraction of a second)."""
    return all(issubclass(t, _SCALARS) for t in set(map(type, items)))  # type: ignore[call-overload]


def _copy_value(value: object, memo: dict) -> object:
    """:func:`copy.deepcopy` of ``value``, without recursing into lists, dicts and object
    arrays of immutable scalars element by element; shared objects stay shared (``memo``)."""
    if id(value) in memo:
        return memo[id(value)]
    out: object
    if isinstance(value, np.ndarray):
        if value.dtype == object and not _immutable(value.flat):
            return copy.deepcopy(value, memo)
        out = read_only(value)
    elif isinstance(value, list):
        out = list(value) if _immutable(value) else [_copy_value(x, memo) for x in value]
    elif isinstance(value, dict):
        out = {k: _copy_value(v, memo) for k, v in value.items()}
    elif isinstance(value, tuple):
        out = tuple(_copy_value(v, memo) for v in value)
    elif isinstance(value, _Events):
        out = _Events(**{k: [read_only(a) for a in v] for k, v in vars(value).items()})
    else:
        return copy.deepcopy(value, memo)
    memo[id(value)] = out
    return out


@dataclass
class _Events:
    time: list[np.ndarray] = field(default_factory=list)
    actor: list[np.ndarray] = field(default_factory=list)
    action: list[np.ndarray] = field(default_factory=list)
    target: list[np.ndarray] = field(default_factory=list)
    post: list[np.ndarray] = field(default_factory=list)
    network: list[np.ndarray] = field(default_factory=list)
    link: list[np.ndarray] = field(default_factory=list)
    organic: list[np.ndarray] = field(default_factory=list)
    topic: list[np.ndarray] = field(default_factory=list)


class Draft:
    """A mutable world under construction. See the module docstring."""

    def __init__(
        self,
        *,
        days: float = 120.0,
        start: pd.Timestamp | str = DEFAULT_START,
        seed: int = 0,
        network: str | None = None,
    ) -> None:
        start = pd.Timestamp(start)
        self.start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
        self.days = float(days)
        self.seed = int(seed)
        self.t0 = self.start.value / 1e9
        self.t_end = self.t0 + self.days * DAY
        self.default_network = network
        self.ids: list[str] = []
        self._cols: dict[str, list] = {
            k: []
            for k in (
                "created",
                "group",
                "label",
                "cohort",
                "role",
                "attention",
                "activity",
                "sociability",
                "organic",
            )
        }
        self._f_src: list[np.ndarray] = []
        self._f_dst: list[np.ndarray] = []
        self._f_time: list[np.ndarray] = []
        self._f_until: list[np.ndarray | None] = []  # None: none of the piece's rows ends
        self._f_attentive: list[np.ndarray] = []
        self._ev = _Events()
        self._next_post = 0
        self._networks: list[str] = [""]
        self._topics: list[str] = [""]  # code 0: no topic
        #: observed profile counts (followers_count, ...) of some accounts, e.g. a real base
        self._counts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._drops: list[np.ndarray] = []  # boolean masks over concatenated events, or callables
        self._silences: list[tuple[np.ndarray, float, float]] = []
        #: the most accounts, follows and events this draft may hold (None: no limit); set by
        #: the scenario run from its budget (auditkit.scenario.budget)
        self.row_limits: tuple[float, float, float] | None = None
        self._rows = [0, 0, 0]
        #: what the organic simulation (auditkit.data.simulation) knows about its reactions,
        #: for the ground truth: ``posts``, ``reactions``, ``reaction_weight``; None before it
        self.organic_stats: dict[str, float] | None = None

    def __deepcopy__(self, memo: dict) -> Draft:
        """An independent copy, made without copying rows: the two drafts share their arrays,
        made read-only, and whichever edits rows first copies what it edits (no method of a
        draft writes into an array it may share; :meth:`events` gives its own arrays). Lists
        of immutable scalars (the account ids) are copied without visiting each element
        through :func:`copy.deepcopy`. A million-account scenario keeps its untreated draft
        this way in no extra memory (a full copy held 1.2 GB and took seconds)."""
        self.events(writable=False)  # one array per field, so that a later read copies nothing
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.__dict__.update({k: _copy_value(v, memo) for k, v in self.__dict__.items()})
        return new

    @property
    def _ev(self) -> _Events:
        rows = self._event_rows
        if rows is None:
            raise ScenarioError(
                "this draft's events were freed once its world was built (a scenario run "
                "frees them when both its worlds exist); make the run with "
                "ScenarioRun(..., keep_events=True) to read, copy or rebuild them afterwards"
            )
        return rows

    @_ev.setter
    def _ev(self, rows: _Events) -> None:
        self._event_rows: _Events | None = rows

    def forget_events(self) -> None:
        """Free the rows of the events, for a draft whose world is built and whose events
        nobody reads again; :meth:`events`, :meth:`build` and a copy then fail, saying so.
        Traits, follows and what the simulation knows stay (the ground truth needs them)."""
        self._event_rows = None

    # ---- the budget ----
    def ensure_room(self, *, accounts: float = 0, follows: float = 0, events: float = 0) -> None:
        """Raise :class:`~auditkit.errors.BudgetError` if adding this many rows would exceed
        :attr:`row_limits`. Adding rows checks it too; call it before allocating arrays for
        rows about to be added, so that an oversized request fails before it takes memory."""
        if self.row_limits is None:
            return
        for i, (kind, extra) in enumerate(
            (("accounts", accounts), ("follows", follows), ("events", events))
        ):
            if self._rows[i] + float(extra) > self.row_limits[i]:
                raise BudgetError(
                    f"building this scenario's world would take more than "
                    f"{self.row_limits[i]:,.0f} {kind} (the budget's limit; "
                    f"{self._rows[i]:,} so far, {float(extra):,.0f} more asked for); lower the "
                    "cohort sizes or parameters that add them, or raise the budget (--budget)"
                )

    def _grow(self, kind: int, count: int) -> None:
        if self.row_limits is not None:
            self.ensure_room(**{("accounts", "follows", "events")[kind]: count})
        self._rows[kind] += count

    # ---- randomness ----
    def rng(self, *names: object) -> np.random.Generator:
        """A generator seeded by the draft's seed and ``names`` (stable across runs and edits)."""
        keys = [zlib.crc32(str(n).encode()) for n in names]
        return np.random.default_rng(np.random.SeedSequence([self.seed, *keys]))

    # ---- time ----
    def time_of_day(self, day: float) -> float:
        """Unix seconds of ``day`` days after the start."""
        return self.t0 + float(day) * DAY

    # ---- accounts ----
    @property
    def n(self) -> int:
        return len(self.ids)

    def add_accounts(
        self,
        count: int,
        *,
        prefix: str,
        cohort: str = "",
        role: str = "base",
        label: str | None = None,
        group=None,
        attention=1.0,
        activity=1.0,
        sociability=1.0,
        created=None,
        organic: bool = True,
    ) -> np.ndarray:
        """Append ``count`` accounts and return their codes.

        ``attention``, ``activity`` and ``sociability`` (scalars or arrays) are the hidden
        traits; ``organic=False`` keeps the accounts out of the organic simulation (they act
        only through scripted events and follows). ``created`` is unix seconds (default: a
        year before the start).
        """
        count = int(count)
        self._grow(0, count)
        first = self.n
        width = len(str(max(count - 1, 0)))
        # one prefix and distinct numbers: the new ids are distinct among themselves
        new = (
            [f"{prefix}{i:0{width}d}" for i in range(count)]
            if cohort
            else [prefix + i for i in map(str, range(count))]
        )
        if first and not set(new).isdisjoint(self.ids):
            raise ValueError(f"account prefix {prefix!r} collides with existing ids")
        self.ids.extend(new)

        def full(value, dtype=np.float64):
            arr = np.asarray(value)
            return (
                np.full(count, value, dtype=dtype if arr.dtype != object else object)
                if arr.ndim == 0
                else arr.astype(dtype if arr.dtype != object else object)
            )

        self._cols["created"].append(full(self.t0 - 365 * DAY if created is None else created))
        self._cols["group"].append(full("c0" if group is None else group, object))
        self._cols["label"].append(full(label, object))
        self._cols["cohort"].append(full(cohort, object))
        self._cols["role"].append(full(role, object))
        self._cols["attention"].append(full(attention))
        self._cols["activity"].append(full(activity))
        self._cols["sociability"].append(full(sociability))
        self._cols["organic"].append(full(organic, bool))
        return np.arange(first, self.n, dtype=np.int64)

    def set_counts(self, name: str, codes: np.ndarray, values: np.ndarray) -> None:
        """Record an observed profile count column (``followers_count`` ...) for some accounts;
        the others get no value (NaN) in the built world."""
        self._counts[name] = (np.asarray(codes, np.int64), np.asarray(values, np.float64))

    def column(self, name: str) -> np.ndarray:
        """A trait or account column over all accounts so far (a copy)."""
        parts = self._cols[name]
        if not parts:
            return np.zeros(0)
        return np.concatenate(parts)

    def set_trait(self, name: str, codes: np.ndarray, values) -> None:
        """Overwrite a trait (or label/group/cohort/role) for some accounts."""
        full = self.column(name)
        full[np.asarray(codes, dtype=np.int64)] = values
        self._cols[name] = [full]

    # ---- follows and events ----
    def add_follows(self, src, dst, time=None, until=None, *, attentive: bool = False) -> None:
        """Append follow edges (codes); ``time``/``until`` in unix seconds (NaN: unknown/never).

        ``attentive`` edges are followers who read and react to what they follow: the organic
        simulation's own follows, and scripted followers a behaviour makes react. Only they carry
        reshare probability in the ground truth (:mod:`auditkit.data.truth`); a scripted follow
        that never engages (a bought fake, a follow-back, a habit-follower) is not audience.
        """
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        self._grow(1, len(src))
        self._f_src.append(src)
        self._f_dst.append(dst)
        self._f_attentive.append(np.full(len(src), bool(attentive)))
        self._f_time.append(
            np.full(len(src), self.t0 - DAY)
            if time is None
            else np.broadcast_to(np.asarray(time, np.float64), src.shape).copy()
        )
        self._f_until.append(
            None
            if until is None
            else np.broadcast_to(np.asarray(until, np.float64), src.shape).copy()
        )

    def new_posts(self, count: int) -> np.ndarray:
        """Fresh post ids."""
        ids = np.arange(self._next_post, self._next_post + int(count), dtype=np.int64)
        self._next_post += int(count)
        return ids

    def add_events(
        self,
        time,
        actor,
        action,
        target=None,
        post=None,
        network=None,
        link=None,
        *,
        organic: bool = False,
        topic: str | None = None,
        copy: bool = True,
    ) -> None:
        """Append events. ``action`` is a name or codes into :data:`ACTIONS`; ``target`` -1 or
        absent for posts; ``post`` ids default to fresh ids for posts and -1 otherwise;
        ``topic`` (one name for all of them) is what they are about (none by default).
        ``copy=False``: arrays of one value per event, of the stored type, that the caller
        gives away (made for these events, never written again) are kept without a copy."""
        time = np.asarray(time, dtype=np.float64)
        k = len(time)
        self._grow(2, k)

        def column(values: object, dtype: type) -> np.ndarray:
            array: np.ndarray = np.asarray(values, dtype)
            if not copy and array.shape == (k,):
                return array
            return np.broadcast_to(array, (k,)).copy()

        actor = column(actor, np.int64)
        if isinstance(action, str):
            action = np.full(k, ACTIONS.index(action), np.int8)
        action = column(action, np.int8)
        target = np.full(k, -1, np.int64) if target is None else column(target, np.int64)
        if post is None:
            post = np.full(k, -1, np.int64)
            is_post = action == 0
            post[is_post] = self.new_posts(int(is_post.sum()))
        post = column(post, np.int64)
        network = self._network_codes(network, k)
        link = np.zeros(k, bool) if link is None else column(link, bool)
        ev = self._ev
        for store, value in (
            (ev.time, time),
            (ev.actor, actor),
            (ev.action, action),
            (ev.target, target),
            (ev.post, post),
            (ev.network, network),
            (ev.link, link),
            (ev.organic, np.full(k, organic)),
            (ev.topic, np.full(k, self.topic_code(topic), np.int16)),
        ):
            store.append(value)

    def topic_code(self, name: str | None) -> int:
        """The code of a topic name in :meth:`events` (0 for none; registering it if new)."""
        if not name:
            return 0
        if name not in self._topics:
            self._topics.append(str(name))
        return self._topics.index(name)

    def _network_codes(self, network, k: int) -> np.ndarray:
        if network is None:
            network = self.default_network or ""
        if np.ndim(network) == 0:
            if network not in self._networks:
                self._networks.append(network)
            return np.full(k, self._networks.index(network), np.int16)
        return np.array([self._network_codes(x, 1)[0] for x in network], np.int16)

    def events(self, *, writable: bool = True) -> dict[str, np.ndarray]:
        """All events so far as one dict of arrays, which later edits act on.

        Keys: ``time`` (unix s), ``actor``, ``action`` (codes into ACTIONS), ``target`` (-1 for
        none), ``post``, ``network`` (codes), ``link``, ``organic``, ``topic`` (codes, 0 for
        none; :meth:`topic_code`). Edit them with
        :meth:`keep_events` and :meth:`update_events`. ``writable=False`` is for reading: the
        arrays may then be shared with a copy of this draft (and read-only), and nothing is
        copied; by default every array is this draft's own.
        """
        pieces = vars(self._ev)
        if not (pieces["time"] and all(len(v) == 1 for v in pieces.values())):
            ev = self.event_arrays()
            if not len(ev["time"]):
                self._ev = _Events()
                return ev
            self._ev = _Events(**{k: [v] for k, v in ev.items()})
        ev = {k: v[0] for k, v in vars(self._ev).items()}  # one array each: no copy
        if writable:
            for key, value in ev.items():
                if not value.flags.writeable:
                    ev[key] = getattr(self._ev, key)[0] = value.copy()
        return ev

    def keep_events(self, mask: np.ndarray) -> None:
        """Keep only the events where ``mask`` (over :meth:`events`) is true."""
        ev = self.events(writable=False)
        if len(ev["time"]):
            self._ev = _Events(**{k: [v[mask]] for k, v in ev.items()})

    def update_events(self, mask: np.ndarray, **fields) -> None:
        """Set fields (e.g. ``link=True``) of the events where ``mask`` is true."""
        ev = self.events(writable=False)
        for key, value in fields.items():
            if key == "network":
                value = self._network_codes(value, 1)[0]
            elif key == "topic":
                value = self.topic_code(value)
            if not ev[key].flags.writeable:
                ev[key] = ev[key].copy()  # shared with a copy of this draft
            ev[key][mask] = value
        self._ev = _Events(**{k: [v] for k, v in ev.items()})

    def network_code(self, name: str) -> int:
        """The code of a network name in :meth:`events` (registering it if new)."""
        return int(self._network_codes(name, 1)[0])

    def silence(self, codes, start_day: float, end_day: float) -> None:
        """Remove everything ``codes`` do between two days, and reactions to posts they would
        have made then. Applied at :meth:`build`, after every event exists."""
        self._silences.append(
            (np.asarray(codes, np.int64), self.time_of_day(start_day), self.time_of_day(end_day))
        )

    def follow_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """All follow edges so far as (src, dst) codes."""
        if not self._f_src:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(self._f_src), np.concatenate(self._f_dst)

    def attentive_follows(self, at: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The attentive follow edges (see :meth:`add_follows`) in place at unix time ``at``
        (default: the end of the period) as (src, dst) codes: started by then and not ended."""
        if not self._f_src:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        at = self.t_end if at is None else float(at)
        src, dst = self.follow_arrays()
        keep = np.concatenate(self._f_attentive)
        keep &= np.concatenate(self._f_time) <= at
        until = self._until()
        keep &= ~(until <= at)  # NaN (never unfollowed) compares False
        return src[keep], dst[keep]

    def event_arrays(self) -> dict[str, np.ndarray]:
        """All events so far, concatenated."""
        ev = self._ev
        if not ev.time:
            return {k: np.zeros(0) for k in ("time", "actor", "action", "target", "post")}
        names = ("time", "actor", "action", "target", "post", "network", "link", "organic", "topic")
        joined = two_at_a_time(
            lambda k: np.concatenate(getattr(ev, k)), names, sum(len(t) for t in ev.time)
        )
        return dict(zip(names, joined, strict=True))

    # ---- the result ----
    def build(self, *, base: tuple[Draft, World] | None = None) -> World:
        """The immutable world: silences applied, events sorted, ids and times validated.

        ``base`` is a draft this one was copied from and the world built from it. When this
        draft has only added accounts, follows and events since (a scenario's treatments
        usually do), the world is ``base``'s with the new rows merged in: the same world,
        built in a fraction of the time for a large one. Otherwise it is built in full.
        """
        if base is not None:
            world = self._build_onto(*base)
            if world is not None:
                return world
        # one array per field: read, never written; else concatenated (the draft keeps its
        # pieces). Every array this method holds is let go of as soon as it is not needed
        # (del, pop): a million-account world is built within a few hundred MB of its size.
        ev = concatenate_columns({k: v for k, v in vars(self._ev).items() if k != "organic" and v})
        if not ev:
            ev = self.event_arrays()  # no events: empty columns

        def accounts_and_follows() -> tuple[dict[str, object], tuple]:
            return self._account_columns(), self._follow_rows()

        with ThreadPoolExecutor(1) as pool:
            # the accounts' columns and the follow rows do not depend on the events: for a
            # large world they are made in a second thread while the events are filtered
            rows = len(ev["time"]) + sum(len(s) for s in self._f_src)
            side = pool.submit(accounts_and_follows) if rows >= PARALLEL_ROWS else None
            ev = self._kept_events(ev)
            accounts_extra, (src, dst, f_time, f_until) = (
                side.result() if side else accounts_and_follows()
            )
        events_extra = {}
        if "network" in ev and len(self._networks) > 1 and ev["network"].any():
            names = np.array(
                [x or (self.default_network or "main") for x in self._networks], dtype=object
            )
            events_extra["network"] = pd.Categorical(
                names[ev["network"].astype(np.int64)], categories=pd.unique(names)
            )
        if "link" in ev and ev["link"].any():
            events_extra["link"] = ev["link"].astype(bool)
        if "topic" in ev and ev["topic"].any():
            names = np.array([None, *self._topics[1:]], dtype=object)
            events_extra["topic"] = pd.Categorical(
                names[ev["topic"].astype(np.int64)], categories=self._topics[1:]
            )
        has_events = len(ev["time"]) > 0
        world = World.from_codes(
            self.ids,
            follower=src if len(src) else None,
            followee=dst,
            follow_time=f_time,
            event_time=ev.pop("time"),
            actor=ev.pop("actor") if has_events else None,
            action=ev.pop("action"),
            target=ev.pop("target"),
            post=ev.pop("post") if has_events else None,
            accounts_extra=accounts_extra,
            events_extra=events_extra,
        )
        if f_until is not None:
            follows = world.follows.copy()
            follows["until"] = pd.to_datetime(f_until, unit="s", utc=True).astype(
                "datetime64[ns, UTC]"
            )
            world = World._trusted(world.accounts, follows, world.events, world.ids)
        return world

    def _kept_events(self, ev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The events a full :meth:`build` keeps: none silenced, none before an account it
        involves exists."""
        keep = np.ones(len(ev["time"]), bool)
        for codes, lo, hi in self._silences:
            member = np.zeros(self.n, bool)
            member[codes] = True
            during = (ev["time"] >= lo) & (ev["time"] < hi)
            own = member[ev["actor"].astype(np.int64)] & during
            silenced_posts = ev["post"][own & (ev["action"] == 0)]
            reacts_to = np.isin(ev["post"], silenced_posts) & (ev["action"] != 0)
            keep &= ~own & ~reacts_to
        if len(keep):
            # nobody acts, or is acted on, before the account exists
            created = self.column("created")
            keep &= ev["time"] >= created[ev["actor"]]
            tgt = ev["target"]
            keep &= (tgt < 0) | (ev["time"] >= created[np.maximum(tgt, 0)])
            del tgt
        if not keep.all():
            ev = {k: v[keep] for k, v in ev.items()}
        del keep
        return ev

    def _account_columns(self) -> dict[str, object]:
        """The accounts table's columns besides the id."""
        columns: dict[str, object] = {
            "created": pd.to_datetime(np.floor(self.column("created")), unit="s", utc=True).astype(
                "datetime64[ns, UTC]"
            ),
            "label": pd.array(self.column("label"), dtype="string"),
            "group": pd.array(self.column("group"), dtype="string"),
        }
        for name, (codes, values) in self._counts.items():
            full = np.full(self.n, np.nan)
            full[codes] = values
            columns[name] = pd.array(full, dtype="Float64")
        return columns

    def _added_since(self, base: Draft) -> dict[str, list] | None:
        """The pieces of rows this draft added to ``base`` (a draft it was copied from), by
        field; None when it changed anything else (an edit replaces a shared piece, so shared
        pieces that are still the very same arrays are unchanged), or when either has what a
        merge does not handle (silences, follows that end)."""
        if (
            self._silences
            or base._silences
            or self._drops
            or base._drops
            or self._networks != base._networks
            or self._topics != base._topics
            or self.default_network != base.default_network
            or self._counts.keys() != base._counts.keys()
            or any(
                a is not b
                for k in self._counts
                for a, b in zip(self._counts[k], base._counts[k], strict=True)
            )
            or any(u is not None for u in self._f_until + base._f_until)
            or self.n < base.n
            or self.ids[: base.n] != base.ids
        ):
            return None
        pieces = {
            "src": (self._f_src, base._f_src),
            "dst": (self._f_dst, base._f_dst),
            "follow_time": (self._f_time, base._f_time),
            **{k: (self._cols[k], base._cols[k]) for k in ("created", "label", "group")},
            **{k: (getattr(self._ev, k), getattr(base._ev, k)) for k in vars(self._ev)},
        }
        added = {}
        for name, (mine, theirs) in pieces.items():
            if len(mine) >= len(theirs) and all(
                a is b for a, b in zip(theirs, mine[: len(theirs)], strict=True)
            ):
                added[name] = mine[len(theirs) :]
                continue
            # replaced pieces may still start with the same rows (a read joined the pieces)
            whole, old = (np.concatenate(p) if p else np.zeros(0) for p in (mine, theirs))
            if len(whole) < len(old) or not np.array_equal(
                whole[: len(old)], old, equal_nan=whole.dtype.kind == "f" == old.dtype.kind
            ):
                return None
            added[name] = [whole[len(old) :]]
        return added

    def _build_onto(self, base: Draft, world: World) -> World | None:
        """:meth:`build` by merging the rows this draft added to ``base`` into ``world`` (built
        from ``base``); None when it cannot (:meth:`_added_since`). The merge keeps the
        full build's order: events by time, a new event after the old ones at the same time;
        follows by pair, one row per pair with its earliest start."""
        added = self._added_since(base)
        events, follows = world.events, world.follows
        if (
            added is None
            or list(events.columns) != ["time", "actor", "action", "target", "post"]
            or list(follows.columns) != ["follower", "followee", "time"]
        ):
            return None

        def joined(name: str, dtype) -> np.ndarray:
            return np.concatenate(added[name]).astype(dtype) if added[name] else np.zeros(0, dtype)

        # the added events, as a full build would keep and order them
        time = joined("time", np.float64)
        actor, target = joined("actor", np.int64), joined("target", np.int64)
        if joined("network", np.int16).any() or joined("link", bool).any():
            return None
        if joined("topic", np.int16).any():
            return None
        created = self.column("created")
        keep = time >= created[actor]
        keep &= (target < 0) | (time >= created[np.maximum(target, 0)])
        ns, order = stable_sort(times_from_array(time[keep]).array.asi8)
        new = {
            "ns": ns,
            "actor": actor[keep][order],
            "action": joined("action", np.int8)[keep][order],
            "target": target[keep][order],
            "post": joined("post", np.int64)[keep][order],
        }
        at = np.searchsorted(world.event_time_ns, new["ns"], side="right")
        old_actor, old_action, old_target = world.event_codes
        # the added follows: one row per pair with its earliest time, merged into the old
        n = max(self.n, 1)
        src, dst = world.follow_codes
        f_ns = follows["time"].array.asi8
        a_src, a_dst = joined("src", np.int64), joined("dst", np.int64)
        if len(a_src):
            key, a_time = _earliest_per_key(a_src * n + a_dst, joined("follow_time", np.float64))
            a_ns = times_from_array(a_time).array.asi8
            old_key = src.astype(np.int64) * n + dst
            where = np.searchsorted(old_key, key)
            there = where < len(old_key)
            there[there] = old_key[where[there]] == key[there]
            f_ns = f_ns.copy()
            missing = np.iinfo(np.int64).min  # NaT: an unknown time, the earliest wins
            old, now = f_ns[where[there]], a_ns[there]
            f_ns[where[there]] = np.where(
                old == missing, now, np.where(now == missing, old, np.minimum(old, now))
            )
            fresh = ~there
            pair_at, pair = where[fresh], key[fresh]
            src, dst, f_ns = two_at_a_time(
                lambda column: insert_rows(column[0], pair_at, column[1]),
                [(src, pair // n), (dst, pair % n), (f_ns, a_ns[fresh])],
                len(f_ns),
            )
        ev_ns, actor, action, target, post = two_at_a_time(
            lambda column: insert_rows(column[0], at, new[column[1]]),
            [
                (world.event_time_ns, "ns"),
                (old_actor, "actor"),
                (old_action, "action"),
                (old_target, "target"),
                (events["post"].to_numpy(), "post"),
            ],
            len(events),
        )
        return World.from_codes(
            self.ids,
            follower=src if len(src) else None,
            followee=dst,
            follow_time=f_ns.view("datetime64[ns]"),
            event_time=ev_ns.view("datetime64[ns]"),
            actor=actor,
            action=action,
            target=target,
            post=post,
            accounts_extra=self._account_columns(),
            # the merged arrays are new, or the base world's own (read-only, never written)
            copy=False,
        )

    def _until(self) -> np.ndarray:
        """When each follow ends (unix s; NaN: never), over all follows so far."""
        return np.concatenate(
            [
                np.full(len(src), np.nan) if until is None else until
                for src, until in zip(self._f_src, self._f_until, strict=True)
            ]
        )

    def _follow_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """The world's follow rows (src, dst, time, until): with an end time (``until``) kept
        as they are, ordered by pair and start; without, one row per pair with its earliest
        time (unknown times last) and ``until`` None."""
        src, dst = self.follow_arrays()
        f_time = np.concatenate(self._f_time) if self._f_time else np.zeros(0)
        if any(u is not None and np.isfinite(u).any() for u in self._f_until):
            f_until = self._until()
            order = np.lexsort((f_time, src * max(self.n, 1) + dst))
            return src[order], dst[order], f_time[order], f_until[order]
        if len(src):
            _, f_time, src, dst = _earliest_per_key(src * max(self.n, 1) + dst, f_time, src, dst)
        return src, dst, f_time, None


def _earliest_per_key(
    key: np.ndarray, time: np.ndarray, *along: np.ndarray
) -> tuple[np.ndarray, ...]:
    """One row per key, in key order, with the key's earliest ``time`` (NaN loses): ``(key,
    time, *along)``, the ``along`` arrays taken with the first row of each key. Keys are sorted
    stably (several times faster on keys mostly in order already, as rows added after the
    simulation's leave them)."""
    if not (key[1:] >= key[:-1]).all():
        order = np.argsort(key, kind="stable")
        key, time, *along = take_rows(order, key, time, *along)  # type: ignore[assignment]
        del order
    repeats = key[1:] == key[:-1]
    if not repeats.any():  # one row per key already
        return key, time, *along
    starts = np.flatnonzero(np.r_[True, ~repeats])
    del repeats
    return key[starts], np.fmin.reduceat(time, starts), *(a[starts] for a in along)
