"""Hypothesis strategies for property-based tests of scorers: worlds, ids, attacks, scenarios.

The strategies draw *small* inputs that still look like a social network, so that a failing
property shrinks to a world a person can read in a few lines:

- :func:`worlds`: accounts, follows and events with a heavy-tailed in-degree (preferential
  choice of whom to follow), reciprocity, timestamps inside a window, and reactions that target
  an existing post of another account;
- :func:`accounts`: account ids as the world format allows them (non-empty strings);
- :func:`attacks`: cohort specifications ``{name, behaviour, size, params}`` of the built-in
  manipulations, with small sizes;
- :func:`scenarios`: valid :class:`~auditkit.scenario.model.Scenario` objects with small
  populations.

Worlds drawn here print as their rows (see :func:`describe_world`), so hypothesis's
"Falsifying example" is the counterexample itself. Built with ``st.composite`` as in
hypothesis's own ``strategies/_internal/core.py``; like hypothesis, every docstring ends with how
examples shrink.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from auditkit.data.world import ACTIONS, World
from auditkit.errors import AuditkitError
from auditkit.scenario.model import Scenario

__all__ = [
    "ATTACK_BEHAVIOURS",
    "DEFAULT_START",
    "ID_ALPHABET",
    "LABELS",
    "accounts",
    "attacks",
    "describe_world",
    "scenarios",
    "worlds",
]

#: Time 0 of drawn worlds (UTC); times are drawn as seconds after it.
DEFAULT_START = pd.Timestamp("2024-01-01T00:00:00Z")
#: Labels a drawn account may carry with ``labels=True`` (None, no label, is what they shrink to).
LABELS: tuple[str | None, ...] = (None, "human", "seed", "bot", "spam", "sybil", "fake")
#: Characters of drawn account ids: no whitespace or commas, so ids survive CSV round trips.
ID_ALPHABET = string.ascii_letters + string.digits + "_-.@"
#: Worlds with at most this many rows per table print every row.
_SHOW_ROWS = 40

_STRATEGIES: set[str] = set()
_F = TypeVar("_F", bound=Callable[..., Any])


def _defines_strategy(fn: _F) -> _F:
    """Record a public strategy (hypothesis's ``defines_strategy``; the export test reads it)."""
    _STRATEGIES.add(fn.__name__)
    return fn


class _BadArgument(AuditkitError, InvalidArgument):
    """A strategy was called with an invalid argument (both an auditkit and a hypothesis error)."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise _BadArgument(message)


def _check_int(name: str, value: object, low: int = 0) -> int:
    _require(
        isinstance(value, int | np.integer) and not isinstance(value, bool),
        f"{name} must be an integer, got {value!r}",
    )
    _require(int(value) >= low, f"{name} must be at least {low}, got {value!r}")  # type: ignore[call-overload]
    return int(value)  # type: ignore[call-overload]


# ---------------------------------------------------------------------------------------------
# reading a world


class _ShownWorld(World):
    """A drawn world: an ordinary :class:`World` whose repr lists its rows."""

    _drawn: tuple | None = None

    def __repr__(self) -> str:
        return describe_world(self)


def _day(t: pd.Timestamp, origin: pd.Timestamp) -> str:
    return f"{(t - origin) / pd.Timedelta(days=1):.4g}"


def describe_world(world: World, *, max_rows: int = _SHOW_ROWS) -> str:
    """A world as text a person can read: one line per account with columns, follow and event.

    Times are days after the world's start (given in the first line); tables longer than
    ``max_rows`` are cut with a count of what was left out. Used for the ``repr`` of every world
    these strategies draw and in the messages of :mod:`auditkit.checks`.
    """
    acc, fol, ev = world.accounts, world.follows, world.events
    origin = world.start
    head = f"World: {len(acc)} accounts, {len(fol)} follows, {len(ev)} events"
    lines = [head + (f"; times are days after {origin.isoformat()}" if origin is not None else "")]
    extra = [c for c in acc.columns if c != "account"]
    ids = [str(a) for a in acc["account"]]
    if not extra:
        shown = ids[: max_rows * 4]
        more = f" ... and {len(ids) - len(shown)} more" if len(ids) > len(shown) else ""
        lines.append("accounts: " + (", ".join(shown) if shown else "(none)") + more)
    else:
        lines.append(f"accounts ({', '.join(['account', *extra])}):")
        for i, row in enumerate(acc.head(max_rows).itertuples(index=False)):
            cells = [ids[i]]
            for col, value in zip(extra, row[1:], strict=True):
                if pd.isna(value):
                    cells.append("-")
                elif col == "created" and origin is not None:
                    cells.append(f"day {_day(value, origin)}")
                else:
                    cells.append(f"{value:g}" if isinstance(value, float) else str(value))
            lines.append("  " + "  ".join(cells))
        if len(acc) > max_rows:
            lines.append(f"  ... and {len(acc) - max_rows} more accounts")
    if len(fol):
        cols = [c for c in ("time", "until") if c in fol]
        lines.append("follows (follower -> followee" + "".join(f", {c}" for c in cols) + "):")
        for row in fol.head(max_rows).itertuples(index=False):
            r = row._asdict()
            cells = [f"{r['follower']} -> {r['followee']}"]
            for c in cols:
                cells.append("-" if pd.isna(r[c]) else f"day {_day(r[c], origin)}")
            lines.append("  " + "  ".join(cells))
        if len(fol) > max_rows:
            lines.append(f"  ... and {len(fol) - max_rows} more follows")
    if len(ev):
        cols = [c for c in ("post", "network", "link") if c in ev]
        lines.append("events (day, actor, action, target" + "".join(f", {c}" for c in cols) + "):")
        for row in ev.head(max_rows).itertuples(index=False):
            r = row._asdict()
            target = "-" if pd.isna(r["target"]) else str(r["target"])
            cells = [f"day {_day(r['time'], origin)}", str(r["actor"]), str(r["action"]), target]
            cells += ["-" if pd.isna(r[c]) else str(r[c]) for c in cols]
            lines.append("  " + "  ".join(cells))
        if len(ev) > max_rows:
            lines.append(f"  ... and {len(ev) - max_rows} more events")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# strategies


@_defines_strategy
def accounts(
    *, min_size: int = 1, max_size: int = 8, alphabet: str = ID_ALPHABET
) -> st.SearchStrategy[str]:
    """Account ids: non-empty strings of ``alphabet`` (letters, digits, ``_-.@`` by default).

    The world format compares ids as case-sensitive strings, so ``"7"``, ``"07"`` and ``"A"``
    are three accounts. Pass ``alphabet=`` to draw stranger ids (any non-empty string is
    valid; whitespace and commas complicate CSV files). Use it to relabel a world
    (``worlds(ids=accounts())``) and test that a scorer ignores the names.

    Examples shrink towards shorter ids made of the alphabet's first characters (``"a"``).
    """
    _check_int("min_size", min_size, 1)
    _check_int("max_size", max_size, 1)
    _require(max_size >= min_size, f"max_size={max_size} is below min_size={min_size}")
    _require(
        isinstance(alphabet, str) and len(alphabet) > 0,
        f"alphabet must be a non-empty string of characters, got {alphabet!r}",
    )
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


@dataclass(frozen=True)
class _WorldOptions:
    min_accounts: int
    max_accounts: int
    max_follows: int
    max_events: int
    with_times: bool
    created: bool
    labels: bool
    counts: bool
    groups: bool
    networks: bool
    ids: st.SearchStrategy[str] | None
    horizon: int
    origin: pd.Timestamp


@_defines_strategy
def worlds(
    *,
    min_accounts: int = 0,
    max_accounts: int = 30,
    max_follows: int = 60,
    max_events: int = 60,
    with_times: bool = True,
    created: bool = False,
    labels: bool = False,
    counts: bool = False,
    groups: bool = False,
    networks: bool = False,
    ids: st.SearchStrategy[str] | None = None,
    days: float = 30.0,
    start: pd.Timestamp | str = DEFAULT_START,
) -> st.SearchStrategy[World]:
    """Small, social-network-shaped :class:`~auditkit.data.world.World` objects.

    Parameters (keyword-only)
    -------------------------
    min_accounts, max_accounts : int
        How many accounts (ids ``u0``, ``u1``, ... unless ``ids`` is given).
    max_follows, max_events : int
        Most rows of the follows and events tables.
    with_times : bool
        Give follows a ``time`` column. Events always have times (the world format requires
        them); all times lie in ``[start, start + days]``.
    created : bool
        Give accounts a ``created`` time, up to a year before ``start``.
    labels, counts, groups, networks : bool
        Add the optional ``label`` (from :data:`LABELS`), profile counts, ``group`` and event
        ``network`` columns. Profile counts are a drawn ``followers_count`` (log-uniform up to
        99,999: the observed audience, which need not match the follow edges, as in crawled
        data) with
        ``following_count`` and ``posts_count`` counted from the drawn follows and posts.
    ids : strategy of str, optional
        Draw unique account ids from this strategy (e.g. :func:`accounts`) instead of ``u<i>``.
    days, start : float, timestamp
        The time window.

    Shape: each follow picks its followee either uniformly or, with preferential choice, from
    the followees of earlier follows (a Polya urn: in-degree is heavy-tailed); a follow may be
    followed back an hour later (reciprocity). An event is a post or a reaction (share, reply,
    mention, like); a reaction targets an earlier post of another account (preferring posts that
    already drew reactions) and is timed after it; a reaction drawn before any post exists is a
    mention of another account. Self-follows, duplicate follows and self-reactions are never
    drawn. The worlds print as their rows (:func:`describe_world`).

    Examples shrink towards fewer accounts, fewer follows and events, followees and reaction
    targets among the first accounts, no reciprocity, earlier times and no labels or counts.
    """
    _check_int("min_accounts", min_accounts)
    _check_int("max_accounts", max_accounts)
    _require(
        max_accounts >= min_accounts,
        f"max_accounts={max_accounts} is below min_accounts={min_accounts}",
    )
    _check_int("max_follows", max_follows)
    _check_int("max_events", max_events)
    _require(
        isinstance(days, int | float) and not isinstance(days, bool) and days > 0,
        f"days must be a positive number, got {days!r}",
    )
    _require(
        ids is None or isinstance(ids, st.SearchStrategy),
        f"ids must be a hypothesis strategy of strings such as accounts(), got {ids!r}",
    )
    try:
        origin = pd.Timestamp(start)
    except (TypeError, ValueError) as exc:
        raise _BadArgument(
            f"start must be a time such as '2024-01-01T00:00:00Z', got {start!r}"
        ) from exc
    origin = origin.tz_localize("UTC") if origin.tzinfo is None else origin.tz_convert("UTC")
    return _worlds(
        _WorldOptions(
            min_accounts,
            max_accounts,
            max_follows,
            max_events,
            bool(with_times),
            bool(created),
            bool(labels),
            bool(counts),
            bool(groups),
            bool(networks),
            ids,
            int(days * 86_400),
            origin,
        )
    )


def _draw_follows(draw: st.DrawFn, n: int, o: _WorldOptions) -> list[tuple[int, int, int]]:
    """``(follower, followee, seconds)``: preferential choice of followees, reciprocity."""
    follows: list[tuple[int, int, int]] = []
    if n < 2 or not o.max_follows:
        return follows
    genes = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, o.max_follows),
                st.integers(0, 3),
                st.integers(0, o.horizon),
            ),
            max_size=o.max_follows,
        ),
        label="follows",
    )
    seen: set[tuple[int, int]] = set()
    urn: list[int] = []  # followees of earlier follows, once per follow: preferential choice
    for follower, pick, how, t in genes:
        preferential, back = bool(how & 1), bool(how & 2)
        followee = urn[pick % len(urn)] if preferential and urn else pick % n
        if followee == follower:
            followee = (followee + 1) % n
        edges = [((follower, followee), t)]
        if back:
            edges.append(((followee, follower), min(t + 3600, o.horizon)))
        for edge, when in edges:
            if len(follows) < o.max_follows and edge not in seen:
                seen.add(edge)
                urn.append(edge[1])
                follows.append((*edge, when))
    return follows


def _draw_events(
    draw: st.DrawFn, n: int, o: _WorldOptions
) -> list[tuple[int, int, str, int, str | None]]:
    """``(seconds, actor, action, target or -1, post id)``: reactions to earlier posts."""
    events: list[tuple[int, int, str, int, str | None]] = []
    if n < 1 or not o.max_events:
        return events
    genes = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.sampled_from(ACTIONS),
                st.integers(0, o.max_events),
                st.booleans(),
                st.integers(0, o.horizon),
            ),
            max_size=o.max_events,
        ),
        label="events",
    )
    posts: list[tuple[str, int, int]] = []  # (post id, author, time)
    popular: list[int] = []  # indices into posts, once per reaction drawn
    for actor, action, pick, preferential, t in genes:
        if action == "post":
            post_id = f"p{len(posts)}"
            posts.append((post_id, actor, t))
            events.append((t, actor, "post", -1, post_id))
        elif n < 2:
            continue
        elif posts:
            k = popular[pick % len(popular)] if preferential and popular else pick % len(posts)
            post_id, author, posted = posts[k]
            if actor == author:
                actor = (author + 1) % n
            popular.append(k)
            events.append((max(t, posted), actor, action, author, post_id))
        else:
            target = pick % n
            if target == actor:
                target = (target + 1) % n
            events.append((t, actor, "mention", target, None))
    return events


@st.composite
def _worlds(draw: st.DrawFn, o: _WorldOptions) -> World:
    n = draw(st.integers(o.min_accounts, o.max_accounts), label="accounts")
    if o.ids is None:
        names = [f"u{i}" for i in range(n)]
    else:
        names = draw(st.lists(o.ids, min_size=n, max_size=n, unique=True), label="ids")

    def column(strategy: st.SearchStrategy, label: str) -> list:
        return draw(st.lists(strategy, min_size=n, max_size=n), label=label)

    extra: dict[str, Any] = {}
    if o.created:
        extra["created"] = pd.Series(
            [o.origin - pd.Timedelta(days=d) for d in column(st.integers(0, 365), "created")],
            dtype="datetime64[ns, UTC]",
        )
    if o.labels:
        extra["label"] = pd.array(column(st.sampled_from(LABELS), "labels"), dtype="string")
    if o.groups:
        extra["group"] = pd.array(
            column(st.sampled_from(("g0", "g1", "g2")), "groups"), dtype="string"
        )
    # log-uniform 0..99,999 (audiences are heavy-tailed), shrinking towards 0
    followers_count = (
        column(st.integers(0, 50).map(lambda k: int(10 ** (k / 10)) - 1), "counts")
        if o.counts
        else None
    )
    follows = _draw_follows(draw, n, o)
    events = _draw_events(draw, n, o)
    if followers_count is not None:
        following = np.bincount([a for a, _, _ in follows], minlength=n)
        posted = np.bincount([e[1] for e in events if e[2] == "post"], minlength=n)
        extra["followers_count"] = pd.array(followers_count, dtype="Float64")
        extra["following_count"] = pd.array(following.astype(float), dtype="Float64")
        extra["posts_count"] = pd.array(posted.astype(float), dtype="Float64")

    # World.from_codes: the rows are valid by construction, so skip per-row validation (a
    # validated build costs ~10 ms per example, most of a property test's time)
    t0 = o.origin.value / 1e9
    kw: dict[str, Any] = {}
    if follows or o.with_times:  # with times, even an empty follows table has the column
        f = np.array(follows, dtype=np.int64).reshape(-1, 3)
        kw.update(follower=f[:, 0], followee=f[:, 1])
        if o.with_times:
            kw["follow_time"] = t0 + f[:, 2].astype(np.float64)
    networks: list[str] = []
    if events:
        kw.update(
            event_time=t0 + np.array([e[0] for e in events], dtype=np.float64),
            actor=np.array([e[1] for e in events]),
            action=np.array([ACTIONS.index(e[2]) for e in events]),
            target=np.array([e[3] for e in events]),
            post=np.array([e[4] for e in events], dtype=object),
        )
        if o.networks:
            networks = draw(
                st.lists(
                    st.sampled_from(("twitter", "linkedin")),
                    min_size=len(events),
                    max_size=len(events),
                )
            )
            kw["events_extra"] = {"network": pd.Categorical(networks)}
    world = _ShownWorld.from_codes(names, accounts_extra=extra, **kw)
    # a complete, cheap identity of the drawn world (auditkit.checks recognises examples by it)
    world._drawn = (  # type: ignore[attr-defined]
        tuple(names),
        tuple(follows),
        tuple(events),
        tuple(networks),
        tuple(followers_count or ()),
        tuple((k, tuple(map(str, v))) for k, v in extra.items()),
        o.with_times,
    )
    return world


# ---- attacks ----------------------------------------------------------------------------------


def _day_param(days: int) -> st.SearchStrategy[float | None]:
    return st.one_of(st.none(), st.integers(0, days).map(float))


def _attack_params(
    max_size: int,
) -> dict[str, tuple[st.SearchStrategy[int], st.SearchStrategy[dict]]]:
    """(size, params) strategies of each manipulation behaviour, small enough for tests."""
    size = st.integers(1, max_size)
    reaction = st.sampled_from(("share", "reply", "mention", "like"))
    reactions = st.lists(reaction, min_size=1, max_size=4, unique=True).map(tuple)
    share = st.sampled_from((0.0, 0.1, 0.5, 1.0))
    day = _day_param(30)
    return {
        "bought_followers": (
            size,
            st.fixed_dictionaries(
                {"count": st.integers(0, 50), "padding": st.integers(0, 3), "day": day}
            ),
        ),
        "spam_bot": (
            size,
            st.fixed_dictionaries(
                {
                    "posts_per_day": st.integers(0, 50).map(float),
                    "follows": st.integers(0, 50),
                    "follow_back": share,
                    "mentions_per_day": st.integers(0, 5).map(float),
                    "link_share": share,
                }
            ),
        ),
        "follow_back_farm": (
            size,
            st.fixed_dictionaries(
                {
                    "follows": st.integers(0, 50),
                    "follow_back": share,
                    "day": day,
                    "unfollow_after_days": st.integers(1, 14).map(float),
                    "churn": st.booleans(),
                }
            ),
        ),
        "follow_churn": (
            size,
            st.fixed_dictionaries(
                {
                    "follows": st.integers(0, 50),
                    "follow_back": share,
                    "day": day,
                    "cycles": st.integers(1, 3),
                    "cycle_days": st.integers(1, 10).map(float),
                }
            ),
        ),
        "engagement_pod": (
            st.integers(min(2, max_size), max_size),
            st.fixed_dictionaries({"reactions": reactions, "day": day}),
        ),
        "outsider_engagement": (
            size,
            st.fixed_dictionaries(
                {"per_post": st.integers(0, 5), "reactions": reactions, "day": day}
            ),
        ),
        "sybil_region": (
            st.integers(min(2, max_size), max(max_size, 20)),
            st.fixed_dictionaries(
                {
                    "degree": st.integers(0, 5),
                    "posts_per_day": st.integers(0, 2).map(float),
                    "reactions_per_post": st.integers(0, 3),
                    "attack_edges": st.integers(0, 3),
                }
            ),
        ),
        "celebrity_engagement": (
            size,
            st.fixed_dictionaries(
                {
                    "engager": st.sampled_from(("top", "median")),
                    "action": reaction,
                    "count": st.integers(1, 3),
                    "day": day,
                }
            ),
        ),
        "high_volume_poster": (
            size,
            st.fixed_dictionaries(
                {
                    "extra_posts_per_day": st.integers(0, 30).map(float),
                    "reactions_per_post": st.sampled_from((0.0, 0.5, 1.0)),
                    "day": day,
                }
            ),
        ),
        "link_broadcaster": (
            size,
            st.fixed_dictionaries(
                {
                    "posts_per_day": st.integers(0, 10).map(float),
                    "reactions_per_post": st.sampled_from((0.0, 0.5)),
                }
            ),
        ),
    }


#: The manipulations :func:`attacks` draws from (built-in behaviour ids).
ATTACK_BEHAVIOURS: tuple[str, ...] = tuple(_attack_params(1))


@_defines_strategy
def attacks(
    *, behaviours: Iterable[str] | None = None, max_size: int = 5
) -> st.SearchStrategy[dict[str, Any]]:
    """Cohort specifications of built-in manipulations: ``{name, behaviour, size, params}``.

    Each is a valid ``cohorts:`` entry of a scenario (:class:`~auditkit.scenario.model.CohortSpec`),
    drawn from :data:`ATTACK_BEHAVIOURS` (``bought_followers``, ``spam_bot``,
    ``follow_back_farm``, ``follow_churn``, ``engagement_pod``, ``outsider_engagement``,
    ``sybil_region``, ``celebrity_engagement``, ``high_volume_poster``, ``link_broadcaster``) or
    the subset named by ``behaviours``, with at most ``max_size`` members (a sybil region up to
    20) and small parameters (at most 50 fakes or follows per member). ``name`` is the behaviour
    id; rename cohorts when a scenario has two of one kind.

    Examples shrink towards behaviours with few parameters, one member and parameters at their
    smallest (no fakes, no follows, the default day).
    """
    _check_int("max_size", max_size, 1)
    table = _attack_params(max_size)
    chosen = list(table) if behaviours is None else list(behaviours)
    _require(len(chosen) > 0, "behaviours is empty; name at least one of " + ", ".join(table))
    for b in chosen:
        _require(b in table, f"attacks() has no behaviour {b!r}; choose among {', '.join(table)}")
    return st.one_of([st.tuples(st.just(b), *table[b]) for b in chosen]).map(
        lambda t: {"name": t[0].replace("_", "-"), "behaviour": t[0], "size": t[1], "params": t[2]}
    )


# ---- scenarios --------------------------------------------------------------------------------

_FLAWS = {
    "bought_followers": "F7",
    "spam_bot": "F1",
    "follow_back_farm": "F8",
    "follow_churn": "F8",
    "engagement_pod": "F6",
    "outsider_engagement": "F6",
    "sybil_region": "F9",
    "celebrity_engagement": "F5",
    "high_volume_poster": "F2",
    "link_broadcaster": "F2",
}
_NO_TREATMENT = frozenset({"spam_bot", "sybil_region", "link_broadcaster"})


@_defines_strategy
def scenarios(
    *,
    behaviours: Iterable[str] | None = None,
    max_cohorts: int = 2,
    min_accounts: int = 10,
    max_accounts: int = 60,
    max_days: int = 60,
) -> st.SearchStrategy[Scenario]:
    """Valid :class:`~auditkit.scenario.model.Scenario` objects with small populations.

    One to ``max_cohorts`` cohorts from :func:`attacks` (named ``<behaviour>-<i>``), optionally
    a ``conversationalist`` baseline cohort ``honest``, a population of ``min_accounts`` to
    ``max_accounts`` generated accounts over 7 to ``max_days`` days, and checks every
    registered probe set accepts: the ``cohort_percentile`` of each cohort, and the ``gain`` of
    each cohort whose behaviour has a treatment. Run one with
    ``ScenarioRun(scenario, scenario.population.seed, registry)``.

    Examples shrink towards one small cohort of a behaviour with few parameters, the smallest
    population, the shortest period, seed 0 and no baseline cohort.
    """
    _check_int("max_cohorts", max_cohorts, 1)
    _check_int("min_accounts", min_accounts, 10)
    _check_int("max_accounts", max_accounts, 10)
    _require(
        max_accounts >= min_accounts,
        f"max_accounts={max_accounts} is below min_accounts={min_accounts}",
    )
    _check_int("max_days", max_days, 7)
    cohorts = attacks(behaviours=behaviours)  # validates behaviours
    return _scenarios(cohorts, max_cohorts, min_accounts, max_accounts, max_days)


@st.composite
def _scenarios(
    draw: st.DrawFn,
    cohorts: st.SearchStrategy[dict],
    max_cohorts: int,
    min_accounts: int,
    max_accounts: int,
    max_days: int,
) -> Scenario:
    specs = draw(st.lists(cohorts, min_size=1, max_size=max_cohorts), label="cohorts")
    specs = [s | {"name": f"{s['name']}-{i}"} for i, s in enumerate(specs)]
    if draw(st.booleans(), label="baseline"):
        specs.append(
            {
                "name": "honest",
                "behaviour": "conversationalist",
                "size": draw(st.integers(1, 5)),
                "params": {},
            }
        )
    checks: list[dict[str, Any]] = []
    for s in specs:
        checks.append(
            {
                "probe": "cohort_percentile",
                "cohort": s["name"],
                "name": f"percentile-{s['name']}",
                "expect": {"kind": "minimum", "at_least": 0, "at_most": 100},
            }
        )
        if s["behaviour"] in _FLAWS and s["behaviour"] not in _NO_TREATMENT:
            checks.append(
                {
                    "probe": "gain",
                    "cohort": s["name"],
                    "name": f"gain-{s['name']}",
                    "expect": {
                        "kind": "minimum",
                        "at_most": draw(st.integers(0, 50), label="bound"),
                    },
                }
            )
    first = specs[0]["behaviour"]
    population = {
        "accounts": draw(st.integers(min_accounts, max_accounts)),
        "days": draw(st.integers(7, max_days)),
        "communities": draw(st.integers(1, 3)),
        "follows_per_account": draw(st.integers(0, 12)),
        "events_per_account": draw(st.integers(0, 20)),
        "seed": draw(st.integers(0, 2**16)),
    }
    return Scenario.model_validate(
        {
            "id": f"drawn-{first.replace('_', '-')}",
            "flaw": _FLAWS.get(first, "F1"),
            "title": f"Drawn scenario: {', '.join(s['behaviour'] for s in specs)}",
            "acceptable": "Drawn by auditkit.checks.strategies.scenarios() for property tests.",
            "source": "auditkit.checks.strategies",
            "population": population,
            "cohorts": specs,
            "checks": checks,
        }
    )
