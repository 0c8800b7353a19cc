"""The ``api`` checks: the scorer contract of ``docs/plugins.md`` that every scorer must pass
(finite scores within ``scorer.bounds``, one per account, deterministic, no mutation,
invariant to account names and row order, empty and degenerate worlds, ``explain`` adds up)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from auditkit.checks.builders import _extend, _rebuild
from auditkit.checks.harness import (
    RTOL,
    _at_text,
    _for_all,
    _fresh,
    _score,
    _short,
    _shown,
    _values,
    _Violation,
    _width,
    _worlds_for,
)
from auditkit.checks.registry import CheckFailed, _register, scorer_label
from auditkit.checks.strategies import DEFAULT_START, accounts, describe_world
from auditkit.data.world import World
from auditkit.plugin.scorer import Scorer, Statement


@_register("api", "every score is a finite number within scorer.bounds, at any time")
def check_scores_finite_in_range(scorer: Scorer, *, max_examples: int | None = None,
                                 shrink: bool = True) -> None:
    """Scores are finite and within ``scorer.bounds`` on drawn worlds, at the world's end and at
    times before, inside and after it."""
    offsets = st.one_of(st.none(), st.integers(-5, 90))

    def body(example: tuple[World, int | None]) -> None:
        world, offset = example
        origin = world.start if world.start is not None else DEFAULT_START
        at = None if offset is None else origin + pd.Timedelta(days=offset)
        _values(scorer, world, at, _shown(world, f"scored {_at_text(at)}"))

    strategy = st.tuples(_worlds_for(scorer, created="time" in scorer.tags), offsets)
    _for_all(scorer, "check_scores_finite_in_range", strategy, body, max_examples, shrink)


@_register("api", "score() returns one value per account of the world, indexed by world.ids")
def check_scores_only_world_accounts(scorer: Scorer, *, max_examples: int | None = None,
                                     shrink: bool = True) -> None:
    """The result is a Series whose index equals ``world.ids`` (same accounts, same order):
    every account is scored and nothing else is."""

    def body(world: World) -> None:
        scores = _score(scorer, world, None, _shown(world))
        if not isinstance(scores, pd.Series):
            raise _Violation(f"score() returned {type(scores).__name__}, not a pandas Series",
                             describe_world(world))
        if not scores.index.equals(world.ids):
            extra = [a for a in scores.index if a not in set(world.ids)]
            missing = [a for a in world.ids if a not in set(scores.index)]
            what = (f"scored accounts not in the world {_short(extra)}" if extra else
                    f"left out accounts {_short(missing)}" if missing else
                    f"indexed the scores as {_short(list(scores.index))} instead of "
                    f"world.ids {_short(list(world.ids))}")
            raise _Violation(what, describe_world(world))

    _for_all(scorer, "check_scores_only_world_accounts", _worlds_for(scorer), body,
             max_examples, shrink)


@_register("api", "scoring the same world twice, or an equal copy of it, gives equal scores")
def check_deterministic(scorer: Scorer, *, max_examples: int | None = None,
                        shrink: bool = True) -> None:
    """``score`` is a pure function: the same world twice, and a rebuilt copy of it, give
    bit-for-bit the same scores."""

    def body(world: World) -> None:
        ex = _shown(world)
        first = _values(scorer, world, None, ex)
        second = _values(scorer, world, None, ex)
        copy = _values(scorer, _rebuild(world), None, ex)
        for name, other in (("a second call", second), ("an equal copy of the world", copy)):
            if not np.array_equal(first, other):
                i = int(np.flatnonzero(first != other)[0])
                raise _Violation(f"{name} scored account {world.ids[i]!r} {other[i]:.10g}, the "
                                 f"first call {first[i]:.10g}", ex())

    _for_all(scorer, "check_deterministic", _worlds_for(scorer), body, max_examples,
             shrink)


def _views(world: World) -> dict[str, Any]:
    return {"follow_codes": world.follow_codes, "event_codes": world.event_codes,
            "event_time_ns": world.event_time_ns, "in_degree": world.in_degree,
            "out_degree": world.out_degree}


@_register("api", "score() and explain() leave the world's tables and cached arrays unchanged")
def check_does_not_mutate_world(scorer: Scorer, *, max_examples: int | None = None,
                                shrink: bool = True) -> None:
    """The three tables and the cached numeric views (``follow_codes``, ``event_codes``, ...)
    are equal before and after ``score`` and ``explain``."""

    def body(world: World) -> None:
        tables = {"accounts": world.accounts.copy(deep=True),
                  "follows": world.follows.copy(deep=True),
                  "events": world.events.copy(deep=True)}
        views = {k: tuple(np.array(a, copy=True) for a in v) if isinstance(v, tuple)
                 else np.array(v, copy=True) for k, v in _views(world).items()}
        ex = _shown(world)
        scores = _score(scorer, world, None, ex)
        if len(world):
            account = str(world.ids[0])
            try:
                scorer.explain(world, account)
            except Exception as exc:
                raise _Violation(f"explain({account!r}) raised {type(exc).__name__}: {exc}",
                                 ex()) from None
        for name, before in tables.items():
            after = getattr(world, name)
            try:
                pd.testing.assert_frame_equal(after, before, check_exact=True)
            except AssertionError as exc:
                raise _Violation(f"the {name} table changed while scoring: "
                                 f"{str(exc).strip().splitlines()[0]}", ex()) from None
        for name, before in views.items():
            after = _views(world)[name]
            pairs = zip(after, before, strict=True) if isinstance(before, tuple) else \
                [(after, before)]
            if not all(np.array_equal(a, b) for a, b in pairs):
                raise _Violation(f"the cached array world.{name} changed while scoring",
                                 ex())
        del scores

    _for_all(scorer, "check_does_not_mutate_world", _worlds_for(scorer), body, max_examples,
             shrink)


@st.composite
def _relabelled(draw: st.DrawFn, base: st.SearchStrategy[World]) -> tuple[World, list[str]]:
    world = draw(base)
    new = draw(st.lists(accounts(), min_size=len(world), max_size=len(world), unique=True))
    return world, new


def _compare(scorer: Scorer, a: np.ndarray, b: np.ndarray) -> int | None:
    """Position of the first value that differs beyond the tolerance, or None."""
    close = np.isclose(a, b, rtol=RTOL, atol=RTOL * _width(scorer))
    return None if close.all() else int(np.flatnonzero(~close)[0])


@_register("api", "renaming every account consistently gives each renamed account its score")
def check_relabel_invariant(scorer: Scorer, *, max_examples: int | None = None,
                            shrink: bool = True) -> None:
    """Consistently renaming account ids (to drawn ids such as ``"7"``, ``"A.b"``) leaves every
    account's score unchanged (within a relative 1e-9)."""

    def body(example: tuple[World, list[str]]) -> None:
        world, new = example
        mapping = dict(zip(map(str, world.ids), new, strict=True))
        other = _rebuild(world, ids=new)
        ex = _shown(world, "renamed: " + ", ".join(f"{k} -> {v}" for k, v in mapping.items()))
        a = _values(scorer, world, None, ex)
        b = _values(scorer, other, None, ex)
        i = _compare(scorer, a, b)
        if i is not None:
            old = str(world.ids[i])
            raise _Violation(f"account {old!r} scored {a[i]:.10g}, but {b[i]:.10g} when "
                             f"renamed {mapping[old]!r}", ex())

    _for_all(scorer, "check_relabel_invariant", _relabelled(_worlds_for(scorer)), body,
             max_examples, shrink)


@st.composite
def _reordered(draw: st.DrawFn, base: st.SearchStrategy[World]
               ) -> tuple[World, list[int], list[int]]:
    world = draw(base)
    f = draw(st.permutations(range(len(world.follows))))
    e = draw(st.permutations(range(len(world.events))))
    return world, list(f), list(e)


@_register("api", "shuffling the rows of the follows and events tables changes no score")
def check_row_order_invariant(scorer: Scorer, *, max_examples: int | None = None,
                              shrink: bool = True) -> None:
    """The order of rows in the follows and events tables does not matter (events are kept in
    time order by the world, so only events with equal times can change places)."""

    def body(example: tuple[World, list[int], list[int]]) -> None:
        world, f, e = example
        other = _rebuild(world, follow_rows=f, event_rows=e)
        ex = _shown(world, f"follows rows reordered {f}", f"events rows reordered {e}")
        a = _values(scorer, world, None, ex)
        b = _values(scorer, other, None, ex)
        i = _compare(scorer, a, b)
        if i is not None:
            raise _Violation(f"account {world.ids[i]!r} scored {a[i]:.10g}, but {b[i]:.10g} "
                             "with the rows in another order", ex())

    _for_all(scorer, "check_row_order_invariant", _reordered(_worlds_for(scorer)), body,
             max_examples, shrink)


@_register("api", "a world without accounts gives an empty Series, with or without a time")
def check_empty_world(scorer: Scorer, *, max_examples: int | None = None,
                      shrink: bool = True) -> None:
    """An empty world (no accounts, follows or events) scores to an empty Series, both at its
    (undefined) end and at an explicit time."""
    world = World()
    for at in (None, DEFAULT_START):
        try:
            _values(scorer, world, at, _shown(world, f"scored {_at_text(at)}"))
        except _Violation as v:
            raise CheckFailed(scorer_label(scorer), "check_empty_world", v.detail,
                              v.example) from None


@_register("api", "a world of one account, with or without a post, is scored")
def check_single_account(scorer: Scorer, *, max_examples: int | None = None,
                         shrink: bool = True) -> None:
    """One account alone (no follows, no events), and one account with a single post, get a
    finite score within bounds."""
    alone = World(accounts={"account": ["solo"]})
    posted = World(events={"time": [DEFAULT_START], "actor": ["solo"], "action": ["post"],
                           "post": ["p0"]})
    for world in (alone, posted):
        for at in (None, DEFAULT_START + pd.Timedelta(days=1)):
            try:
                _values(scorer, world, at, _shown(world, f"scored {_at_text(at)}"))
            except _Violation as v:
                raise CheckFailed(scorer_label(scorer), "check_single_account", v.detail,
                                  v.example) from None


@_register("api", "accounts without follows or events get a finite score within bounds")
def check_isolated_accounts(scorer: Scorer, *, max_examples: int | None = None,
                            shrink: bool = True) -> None:
    """Adding one to three accounts that nobody follows and that do nothing keeps every score
    finite and within bounds, and the isolated accounts are scored too."""

    def body(example: tuple[World, int]) -> None:
        world, k = example
        names = [_fresh(world, f"isolated-{i}") for i in range(k)]
        grown = _extend(world, new_accounts=names)
        _values(scorer, grown, None, _shown(grown))

    _for_all(scorer, "check_isolated_accounts",
             st.tuples(_worlds_for(scorer), st.integers(1, 3)), body, max_examples, shrink)


@_register("api", "worlds with follows but no events, or events but no follows, are scored")
def check_accounts_without_events(scorer: Scorer, *, max_examples: int | None = None,
                                  shrink: bool = True) -> None:
    """The same drawn world with its events table emptied, and with its follows table emptied,
    scores finite values within bounds for every account."""

    def body(world: World) -> None:
        for other in (_rebuild(world, event_rows=[]), _rebuild(world, follow_rows=[])):
            _values(scorer, other, None, _shown(other))

    _for_all(scorer, "check_accounts_without_events", _worlds_for(scorer), body, max_examples,
             shrink)


@_register("api", "explain()'s points add up to the score (relative 1e-9) for a few accounts")
def check_explain_sums_to_score(scorer: Scorer, *, max_examples: int | None = None,
                                shrink: bool = True) -> None:
    """For the first, the last and the highest-scored account, ``explain`` returns a
    :class:`~auditkit.plugin.scorer.Statement` for that account whose points sum to its ``score``,
    which equals ``score()``'s value, within a relative 1e-9 (absolute: 1e-9 of the range)."""
    tol = RTOL * _width(scorer)

    def body(world: World) -> None:
        if not len(world):
            return
        ex = _shown(world)
        values = _values(scorer, world, None, ex)
        picks = sorted({0, len(world) - 1, int(np.argmax(values))})
        for i in picks:
            account = str(world.ids[i])
            try:
                statement = scorer.explain(world, account)
            except Exception as exc:
                raise _Violation(f"explain({account!r}) raised {type(exc).__name__}: {exc}",
                                 ex()) from None
            if not isinstance(statement, Statement):
                raise _Violation(f"explain({account!r}) returned {type(statement).__name__}, "
                                 "not an auditkit.Statement", ex())
            if statement.account != account:
                raise _Violation(f"explain({account!r}) returned the statement of "
                                 f"{statement.account!r}", ex())
            total = statement.total
            if not math.isclose(total, statement.score, rel_tol=RTOL, abs_tol=tol):
                raise _Violation(f"explain({account!r}): the points add up to {total:.12g}, "
                                 f"the statement's score is {statement.score:.12g} "
                                 f"(difference {total - statement.score:.3g})", ex())
            if not math.isclose(statement.score, values[i], rel_tol=RTOL, abs_tol=tol):
                raise _Violation(f"explain({account!r}) states the score {statement.score:.12g}"
                                 f", score() gives {values[i]:.12g}", ex())

    _for_all(scorer, "check_explain_sums_to_score", _worlds_for(scorer), body, max_examples,
             shrink)
