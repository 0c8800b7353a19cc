"""The ``api`` checks: the scorer contract of ``docs/plugins.md`` that every scorer must pass
(finite scores within ``scorer.bounds``, one per account, deterministic, no mutation,
invariant to account names and row order, empty and degenerate worlds, ``explain`` adds up)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from auditkit.checks.builders import extend_world, rebuild_world
from auditkit.checks.harness import (
    RTOL,
    Violation,
    at_text,
    checked_scores,
    checked_values,
    for_all,
    fresh_id,
    score_width,
    short_list,
    shown,
    worlds_for,
)
from auditkit.checks.registry import CheckFailed, register_check, scorer_label
from auditkit.checks.strategies import DEFAULT_START, accounts, describe_world
from auditkit.data.world import World
from auditkit.plugin.scorer import Scorer, Statement


@register_check("api", "every score is a finite number within scorer.bounds, at any time")
def check_scores_finite_in_range(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """Scores are finite and within ``scorer.bounds`` on drawn worlds, at the world's end and at
    times before, inside and after it."""
    offsets = st.one_of(st.none(), st.integers(-5, 90))

    def body(example: tuple[World, int | None]) -> None:
        world, offset = example
        origin = world.start if world.start is not None else DEFAULT_START
        at = None if offset is None else origin + pd.Timedelta(days=offset)
        checked_values(scorer, world, at, shown(world, f"scored {at_text(at)}"))

    strategy = st.tuples(worlds_for(scorer, created="time" in scorer.tags), offsets)
    for_all(scorer, "check_scores_finite_in_range", strategy, body, max_examples, shrink)


@register_check("api", "score() returns one value per account of the world, indexed by world.ids")
def check_scores_only_world_accounts(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """The result is a Series whose index equals ``world.ids`` (same accounts, same order):
    every account is scored and nothing else is."""

    def body(world: World) -> None:
        scores = checked_scores(scorer, world, None, shown(world))
        if not isinstance(scores, pd.Series):
            raise Violation(
                f"score() returned {type(scores).__name__}, not a pandas Series",
                describe_world(world),
            )
        if not scores.index.equals(world.ids):
            extra = [a for a in scores.index if a not in set(world.ids)]
            missing = [a for a in world.ids if a not in set(scores.index)]
            what = (
                f"scored accounts not in the world {short_list(extra)}"
                if extra
                else f"left out accounts {short_list(missing)}"
                if missing
                else f"indexed the scores as {short_list(list(scores.index))} instead of "
                f"world.ids {short_list(list(world.ids))}"
            )
            raise Violation(what, describe_world(world))

    for_all(
        scorer, "check_scores_only_world_accounts", worlds_for(scorer), body, max_examples, shrink
    )


@register_check("api", "scoring the same world twice, or an equal copy of it, gives equal scores")
def check_deterministic(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """``score`` is a pure function: the same world twice, and a rebuilt copy of it, give
    bit-for-bit the same scores."""

    def body(world: World) -> None:
        ex = shown(world)
        first = checked_values(scorer, world, None, ex)
        second = checked_values(scorer, world, None, ex)
        copy = checked_values(scorer, rebuild_world(world), None, ex)
        for name, other in (("a second call", second), ("an equal copy of the world", copy)):
            if not np.array_equal(first, other):
                i = int(np.flatnonzero(first != other)[0])
                raise Violation(
                    f"{name} scored account {world.ids[i]!r} {other[i]:.10g}, the "
                    f"first call {first[i]:.10g}",
                    ex(),
                )

    for_all(scorer, "check_deterministic", worlds_for(scorer), body, max_examples, shrink)


def _views(world: World) -> dict[str, Any]:
    return {
        "follow_codes": world.follow_codes,
        "event_codes": world.event_codes,
        "event_time_ns": world.event_time_ns,
        "in_degree": world.in_degree,
        "out_degree": world.out_degree,
    }


@register_check("api", "score() and explain() leave the world's tables and cached arrays unchanged")
def check_does_not_mutate_world(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """The three tables and the cached numeric views (``follow_codes``, ``event_codes``, ...)
    are equal before and after ``score`` and ``explain``."""

    def body(world: World) -> None:
        tables = {
            "accounts": world.accounts.copy(deep=True),
            "follows": world.follows.copy(deep=True),
            "events": world.events.copy(deep=True),
        }
        views = {
            k: tuple(np.array(a, copy=True) for a in v)
            if isinstance(v, tuple)
            else np.array(v, copy=True)
            for k, v in _views(world).items()
        }
        ex = shown(world)
        scores = checked_scores(scorer, world, None, ex)
        if len(world):
            account = str(world.ids[0])
            try:
                scorer.explain(world, account)
            except Exception as exc:
                raise Violation(
                    f"explain({account!r}) raised {type(exc).__name__}: {exc}", ex()
                ) from None
        for name, before in tables.items():
            after = getattr(world, name)
            try:
                pd.testing.assert_frame_equal(after, before, check_exact=True)
            except AssertionError as exc:
                raise Violation(
                    f"the {name} table changed while scoring: {str(exc).strip().splitlines()[0]}",
                    ex(),
                ) from None
        for name, before in views.items():
            after = _views(world)[name]
            pairs = (
                zip(after, before, strict=True) if isinstance(before, tuple) else [(after, before)]
            )
            if not all(np.array_equal(a, b) for a, b in pairs):
                raise Violation(f"the cached array world.{name} changed while scoring", ex())
        del scores

    for_all(scorer, "check_does_not_mutate_world", worlds_for(scorer), body, max_examples, shrink)


@st.composite
def _relabelled(draw: st.DrawFn, base: st.SearchStrategy[World]) -> tuple[World, list[str]]:
    world = draw(base)
    new = draw(st.lists(accounts(), min_size=len(world), max_size=len(world), unique=True))
    return world, new


def _compare(scorer: Scorer, a: np.ndarray, b: np.ndarray) -> int | None:
    """Position of the first value that differs beyond the tolerance, or None."""
    close = np.isclose(a, b, rtol=RTOL, atol=RTOL * score_width(scorer))
    return None if close.all() else int(np.flatnonzero(~close)[0])


@register_check("api", "renaming every account consistently gives each renamed account its score")
def check_relabel_invariant(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """Consistently renaming account ids (to drawn ids such as ``"7"``, ``"A.b"``) leaves every
    account's score unchanged (within a relative 1e-9)."""

    def body(example: tuple[World, list[str]]) -> None:
        world, new = example
        mapping = dict(zip(map(str, world.ids), new, strict=True))
        other = rebuild_world(world, ids=new)
        ex = shown(world, "renamed: " + ", ".join(f"{k} -> {v}" for k, v in mapping.items()))
        a = checked_values(scorer, world, None, ex)
        b = checked_values(scorer, other, None, ex)
        i = _compare(scorer, a, b)
        if i is not None:
            old = str(world.ids[i])
            raise Violation(
                f"account {old!r} scored {a[i]:.10g}, but {b[i]:.10g} when "
                f"renamed {mapping[old]!r}",
                ex(),
            )

    for_all(
        scorer,
        "check_relabel_invariant",
        _relabelled(worlds_for(scorer)),
        body,
        max_examples,
        shrink,
    )


@st.composite
def _reordered(
    draw: st.DrawFn, base: st.SearchStrategy[World]
) -> tuple[World, list[int], list[int]]:
    world = draw(base)
    f = draw(st.permutations(range(len(world.follows))))
    e = draw(st.permutations(range(len(world.events))))
    return world, list(f), list(e)


@register_check("api", "shuffling the rows of the follows and events tables changes no score")
def check_row_order_invariant(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """The order of rows in the follows and events tables does not matter (events are kept in
    time order by the world, so only events with equal times can change places)."""

    def body(example: tuple[World, list[int], list[int]]) -> None:
        world, f, e = example
        other = rebuild_world(world, follow_rows=f, event_rows=e)
        ex = shown(world, f"follows rows reordered {f}", f"events rows reordered {e}")
        a = checked_values(scorer, world, None, ex)
        b = checked_values(scorer, other, None, ex)
        i = _compare(scorer, a, b)
        if i is not None:
            raise Violation(
                f"account {world.ids[i]!r} scored {a[i]:.10g}, but {b[i]:.10g} "
                "with the rows in another order",
                ex(),
            )

    for_all(
        scorer,
        "check_row_order_invariant",
        _reordered(worlds_for(scorer)),
        body,
        max_examples,
        shrink,
    )


@register_check("api", "a world without accounts gives an empty Series, with or without a time")
def check_empty_world(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """An empty world (no accounts, follows or events) scores to an empty Series, both at its
    (undefined) end and at an explicit time."""
    world = World()
    for at in (None, DEFAULT_START):
        try:
            checked_values(scorer, world, at, shown(world, f"scored {at_text(at)}"))
        except Violation as v:
            raise CheckFailed(
                scorer_label(scorer), "check_empty_world", v.detail, v.example
            ) from None


@register_check("api", "a world of one account, with or without a post, is scored")
def check_single_account(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """One account alone (no follows, no events), and one account with a single post, get a
    finite score within bounds."""
    alone = World(accounts={"account": ["solo"]})
    posted = World(
        events={"time": [DEFAULT_START], "actor": ["solo"], "action": ["post"], "post": ["p0"]}
    )
    for world in (alone, posted):
        for at in (None, DEFAULT_START + pd.Timedelta(days=1)):
            try:
                checked_values(scorer, world, at, shown(world, f"scored {at_text(at)}"))
            except Violation as v:
                raise CheckFailed(
                    scorer_label(scorer), "check_single_account", v.detail, v.example
                ) from None


@register_check("api", "accounts without follows or events get a finite score within bounds")
def check_isolated_accounts(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """Adding one to three accounts that nobody follows and that do nothing keeps every score
    finite and within bounds, and the isolated accounts are scored too."""

    def body(example: tuple[World, int]) -> None:
        world, k = example
        names = [fresh_id(world, f"isolated-{i}") for i in range(k)]
        grown = extend_world(world, new_accounts=names)
        checked_values(scorer, grown, None, shown(grown))

    for_all(
        scorer,
        "check_isolated_accounts",
        st.tuples(worlds_for(scorer), st.integers(1, 3)),
        body,
        max_examples,
        shrink,
    )


@register_check("api", "worlds with follows but no events, or events but no follows, are scored")
def check_accounts_without_events(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """The same drawn world with its events table emptied, and with its follows table emptied,
    scores finite values within bounds for every account."""

    def body(world: World) -> None:
        for other in (rebuild_world(world, event_rows=[]), rebuild_world(world, follow_rows=[])):
            checked_values(scorer, other, None, shown(other))

    for_all(scorer, "check_accounts_without_events", worlds_for(scorer), body, max_examples, shrink)


@register_check(
    "api",
    "explain()'s points add up to the score (after its stated factor; "
    "relative 1e-9) for a few accounts",
)
def check_explain_sums_to_score(
    scorer: Scorer, *, max_examples: int | None = None, shrink: bool = True
) -> None:
    """For the first, the last and the highest-scored account, ``explain`` returns a
    :class:`~auditkit.plugin.scorer.Statement` for that account whose points sum to its ``score``
    after the statement's stated normalisation (``offset + scale * total``; 0 and 1 unless the
    scorer normalises), which equals ``score()``'s value, within a relative 1e-9 (absolute:
    1e-9 of the range)."""
    tol = RTOL * score_width(scorer)

    def body(world: World) -> None:
        if not len(world):
            return
        ex = shown(world)
        values = checked_values(scorer, world, None, ex)
        picks = sorted({0, len(world) - 1, int(np.argmax(values))})
        for i in picks:
            account = str(world.ids[i])
            try:
                statement = scorer.explain(world, account)
            except Exception as exc:
                raise Violation(
                    f"explain({account!r}) raised {type(exc).__name__}: {exc}", ex()
                ) from None
            if not isinstance(statement, Statement):
                raise Violation(
                    f"explain({account!r}) returned {type(statement).__name__}, "
                    "not an auditkit.Statement",
                    ex(),
                )
            if statement.account != account:
                raise Violation(
                    f"explain({account!r}) returned the statement of {statement.account!r}", ex()
                )
            total = statement.total
            scale, offset = getattr(statement, "scale", 1.0), getattr(statement, "offset", 0.0)
            if not (math.isfinite(scale) and math.isfinite(offset)):
                raise Violation(
                    f"explain({account!r}): the statement's scale {scale!r} and "
                    f"offset {offset!r} must be finite numbers",
                    ex(),
                )
            stated = offset + scale * total
            if not math.isclose(stated, statement.score, rel_tol=RTOL, abs_tol=tol):
                how = (
                    f"the points add up to {total:.12g}"
                    if (scale, offset) == (1.0, 0.0)
                    else f"the points add up to {total:.12g}, and {offset:.12g} + "
                    f"{scale:.12g} x {total:.12g} = {stated:.12g}"
                )
                raise Violation(
                    f"explain({account!r}): {how}, but the statement's score is "
                    f"{statement.score:.12g} (difference "
                    f"{stated - statement.score:.3g})",
                    ex(),
                )
            if not math.isclose(statement.score, values[i], rel_tol=RTOL, abs_tol=tol):
                raise Violation(
                    f"explain({account!r}) states the score {statement.score:.12g}"
                    f", score() gives {values[i]:.12g}",
                    ex(),
                )

    for_all(scorer, "check_explain_sums_to_score", worlds_for(scorer), body, max_examples, shrink)
