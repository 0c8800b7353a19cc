"""The harness the property checks run in: hypothesis settings (derandomized, no database),
shrinking with a fixed budget, violations turned into :class:`CheckFailed`, and scores
validated as one finite value per account within ``scorer.bounds``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from auditkit.checks.registry import CheckFailed, scorer_label
from auditkit.checks.strategies import describe_world, worlds
from auditkit.data.world import World
from auditkit.errors import AuditkitError
from auditkit.plugin.scorer import Scorer

#: Examples each property check draws unless ``max_examples`` says otherwise.
DEFAULT_MAX_EXAMPLES = 25
#: Relative (and, times the width of the score range, absolute) tolerance of equalities.
RTOL = 1e-9
#: Examples a property check may still run to shrink a failure once it has found one.
SHRINK_BUDGET = 150


class Violation(Exception):
    """Raised inside a property; becomes :class:`CheckFailed` after shrinking."""

    def __init__(self, detail: str, example: str) -> None:
        super().__init__(detail)
        self.detail, self.example = detail, example


def check_settings(max_examples: int | None, shrink: bool = True) -> settings:
    if max_examples is not None and (
        isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1
    ):
        raise AuditkitError(
            f"max_examples must be a whole number of at least 1, got {max_examples!r}"
        )
    n = DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples
    phases = (Phase.explicit, Phase.generate) + ((Phase.shrink,) if shrink else ())
    return settings(
        max_examples=n,
        derandomize=True,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=phases,
    )


def _key(example: Any) -> str:
    """A complete text form of an example (worlds as all their rows), to recognise it again."""
    if isinstance(example, World):
        drawn = getattr(example, "_drawn", None)
        return repr(drawn) if drawn is not None else describe_world(example, max_rows=10**9)
    if isinstance(example, tuple | list):
        return "(" + ", ".join(_key(e) for e in example) + ")"
    return repr(example)


class _Shrinking:
    """Bounds the cost of shrinking: after the first failure, at most :data:`SHRINK_BUDGET`
    more examples run the property; later ones count as passing unless they are failures
    already seen (hypothesis replays the minimal one). Deterministic, unlike hypothesis's own
    five-minute limit, so the counterexample is the same on every machine."""

    def __init__(self) -> None:
        self.left: int | None = None
        self.seen: dict[str, Violation] = {}

    def __call__(self, body: Callable[[Any], None], example: Any) -> None:
        if self.left is None:
            try:
                body(example)
            except Violation as v:
                self.left = SHRINK_BUDGET
                self.seen[_key(example)] = v
                raise
            return
        key = _key(example)
        if key in self.seen:
            raise self.seen[key]
        if self.left <= 0:
            return
        self.left -= 1
        try:
            body(example)
        except Violation as v:
            self.seen[key] = v
            raise


def for_all(
    scorer: Scorer,
    check: str,
    strategy: st.SearchStrategy,
    body: Callable[[Any], None],
    max_examples: int | None,
    shrink: bool,
) -> None:
    """Run ``body`` on examples of ``strategy``; a :class:`Violation` becomes CheckFailed
    (with the example shrunk unless ``shrink`` is false)."""
    shrinking = _Shrinking()

    @check_settings(max_examples, shrink)
    @given(strategy)
    def run(example: Any) -> None:
        shrinking(body, example)

    try:
        with _only_global_constants():
            run()
    except Violation as v:
        raise CheckFailed(scorer_label(scorer), check, v.detail, v.example) from None
    except Flaky as exc:
        found = _first_violation(exc)
        if found is None:
            raise
        raise CheckFailed(
            scorer_label(scorer),
            check,
            found.detail + " (this did not happen "
            "again when the same example was re-run: the scorer is not "
            "deterministic)",
            found.example,
        ) from None


@contextmanager
def _only_global_constants() -> Iterator[None]:
    """Hypothesis (6.131 and later) sometimes draws literals found in the source of every
    *local* module already imported (``hypothesis.internal.conjecture.providers``), so the
    examples of a derandomized run change with what else was imported, and with whether auditkit
    is installed editable (local) or not. The checks promise the same counterexample on every
    machine, so while they run hypothesis sees no local constants. (An internal of hypothesis:
    when it is absent, nothing is changed.)"""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - another hypothesis layout
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    empty = getattr(providers, "Constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if original is None or empty is None:  # pragma: no cover
        yield
        return
    constants = empty()
    providers._get_local_constants = lambda: constants
    if cache is not None:
        cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        if cache is not None:
            cache.cache.clear()


def _first_violation(exc: BaseException) -> Violation | None:
    if isinstance(exc, Violation):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _first_violation(inner)
        if found is not None:
            return found
    return None


def score_width(scorer: Scorer) -> float:
    lo, hi = scorer.bounds
    width = float(hi) - float(lo)
    return width if math.isfinite(width) and width > 0 else 1.0


def checked_scores(
    scorer: Scorer, world: World, at: object, example: Callable[[], str]
) -> pd.Series:
    """``scorer.score`` with any exception turned into a violation naming the example."""
    try:
        return scorer.score(world, at)
    except Exception as exc:
        raise Violation(f"score() raised {type(exc).__name__}: {exc}", example()) from None


def checked_values(
    scorer: Scorer, world: World, at: object, example: Callable[[], str]
) -> np.ndarray:
    """Scores as floats after checking they are one finite value per account within bounds."""
    scores = checked_scores(scorer, world, at, example)
    if not isinstance(scores, pd.Series):
        raise Violation(
            f"score() returned {type(scores).__name__}, not a pandas Series indexed by world.ids",
            example(),
        )
    if len(scores) != len(world) or not scores.index.equals(world.ids):
        raise Violation(
            f"score() returned {len(scores)} scores indexed "
            f"{short_list(list(scores.index))} for the {len(world)} accounts "
            f"{short_list(list(world.ids))}; index them by world.ids, in order",
            example(),
        )
    try:
        values = scores.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise Violation(
            f"score() returned values that are not numbers ({exc})", example()
        ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise Violation(
            f"score() gave account {world.ids[i]!r} the non-finite score {values[i]!r}", example()
        )
    lo, hi = scorer.bounds
    outside = (values < lo - 1e-9) | (values > hi + 1e-9)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise Violation(
            f"score() gave account {world.ids[i]!r} the score {values[i]:.10g}, "
            f"outside the declared bounds {lo:g}..{hi:g}",
            example(),
        )
    return values


def short_list(items: list, n: int = 6) -> str:
    shown = ", ".join(repr(x) for x in items[:n])
    return "[" + shown + (", ..." if len(items) > n else "") + "]"


def at_text(at: object) -> str:
    return "at the world's end" if at is None else f"at {pd.Timestamp(at).isoformat()}"


def shown(world: World, *notes: str) -> Callable[[], str]:
    return lambda: "\n".join([describe_world(world), *notes])


def fresh_id(world: World, stem: str) -> str:
    taken = set(map(str, world.ids))
    name, i = stem, 0
    while name in taken:
        i += 1
        name = f"{stem}-{i}"
    return name


def worlds_for(scorer: Scorer, **kw: Any) -> st.SearchStrategy[World]:
    """Drawn worlds with the columns the scorer's tags say it reads. For a scorer that reads
    profile counts, half the worlds have no follow edges: audiences known only from
    ``followers_count``, as in crawled data."""
    tags = set(scorer.tags)
    opts: dict[str, Any] = {
        "max_accounts": 12,
        "max_follows": 30,
        "max_events": 30,
        "labels": bool(tags & {"labels", "seeds"}),
        "counts": "counts" in tags,
    }
    opts |= kw
    if opts["counts"] and opts["max_follows"]:
        return st.one_of(worlds(**(opts | {"max_follows": 0})), worlds(**opts))
    return worlds(**opts)


def percentile_of(honest: np.ndarray, value: float, tol: float) -> float:
    below = float((honest < value - tol).sum())
    ties = float((np.abs(honest - value) <= tol).sum())
    return 100.0 * (below + 0.5 * ties) / max(len(honest), 1)
