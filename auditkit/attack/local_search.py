"""The search for the best attack on a budget (:func:`search`): pure and random allocations of
the budget first, then best-improvement hill climbing with a halving step; seeded."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from auditkit.attack.cost import KINDS, Composition
from auditkit.attack.worlds import Evaluation
from auditkit.errors import AuditkitError


@dataclass
class SearchResult:
    """The best attack found for one scorer, and how the search went."""

    scorer: str
    best: Evaluation
    evaluations: int
    seconds: float
    trail: list[Evaluation] = field(default_factory=list)  # each improvement of the best
    found_at: int = 0  # evaluation that found the best


class _Exhausted(Exception):
    pass


#: Slots of an allocation: one per kind, and the budget left unspent.
_SLOTS = len(KINDS) + 1
#: Price of one item of each kind, in slot order.
_COST = np.array([k.cost for k in KINDS], np.int64)


def _random_units(rng: np.random.Generator, budget: int) -> np.ndarray:
    """A random allocation: 1-3 kinds, budget split by a flat Dirichlet."""
    k = int(rng.integers(1, 4))
    chosen = rng.choice(len(KINDS), k, replace=False)
    w = rng.dirichlet(np.ones(k))
    units = np.zeros(_SLOTS, np.int64)
    units[chosen] = np.floor(w * budget).astype(np.int64)
    units[chosen[np.argmax(w)]] += budget - units.sum()
    return _canon(units)


def search(
    evaluate: Callable[[Composition], Evaluation],
    budget: int,
    *,
    max_evaluations: int = 300,
    seed: int = 0,
    scorer: str = "",
) -> SearchResult:
    """Search the allocations of ``budget`` units across :data:`KINDS` for the one whose
    attack ``evaluate`` scores best (:meth:`Evaluation.key`).

    Starts: every kind alone, sybils with half the budget on attack edges, then random
    allocations (a quarter of the evaluations). Then best-improvement hill climbing: a move
    shifts ``step`` units from one kind to another or to "unspent" (so that, once a scorer's
    ranking is saturated, the climb drops what does not help); when no move improves, the step
    halves (from a quarter of the budget down to 1 unit); a converged climb restarts from the best
    start not yet climbed from. Deterministic for a seed; stops after ``max_evaluations``
    distinct attacks and returns the best one evaluated (not a simplified one).
    """
    if budget < 1:
        raise AuditkitError(f"budget must be at least 1 unit, got {budget}")
    started = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(b"attack")]))
    seen: dict[Composition, Evaluation] = {}
    trail: list[Evaluation] = []
    best: list[Evaluation] = []
    found: list[int] = []

    def ev(units: np.ndarray) -> Evaluation:
        comp = Composition.from_units(units)  # type: ignore[arg-type]
        if comp in seen:
            return seen[comp]
        if len(seen) >= max_evaluations:
            raise _Exhausted
        seen[comp] = e = evaluate(comp)
        if not best or e.key() > best[0].key():
            best[:] = [e]
            trail.append(e)
            found.append(len(seen))
        return e

    starts: list[tuple[tuple, np.ndarray]] = []
    try:
        pure = [np.eye(_SLOTS, dtype=np.int64)[i] * budget for i in range(len(KINDS))]
        mixed = np.zeros(_SLOTS, np.int64)
        mixed[[_index("sybils"), _index("attack_edges")]] = [budget - budget // 2, budget // 2]
        for units in map(_canon, [*pure, mixed]):
            starts.append((ev(units).key(), units))
        for _ in range(max(1, max_evaluations // 4 - len(starts))):
            units = _random_units(rng, budget)
            starts.append((ev(units).key(), units))
        starts.sort(key=lambda s: s[0], reverse=True)
        for _, units in starts:
            _climb(ev, units, budget)
    except _Exhausted:
        pass
    return SearchResult(scorer, best[0], len(seen), time.perf_counter() - started, trail, found[-1])


def _index(name: str) -> int:
    return [k.name for k in KINDS].index(name)


def _canon(units: np.ndarray) -> np.ndarray:
    """Whole items only: what a kind's units cannot buy goes to the unspent slot."""
    out = units.copy()
    out[:-1] = units[:-1] // _COST * _COST
    out[-1] += int((units[:-1] - out[:-1]).sum())
    return out


def _move(units: np.ndarray, i: int, j: int, step: int) -> np.ndarray | None:
    """Shift about ``step`` units from slot ``i`` to slot ``j`` in whole items: at least one
    item of ``j`` is bought, at least one item of ``i`` released; None when ``i`` cannot pay."""
    give = _COST[i] if i < len(KINDS) else 1
    take = _COST[j] if j < len(KINDS) else 1
    d = -(-max(step, take) // give) * give  # whole items of i ...
    d = -(-d // take) * take if j < len(KINDS) else d  # ... that buy whole items of j
    d = min(d, int(units[i]))
    if d <= 0 or (j < len(KINDS) and d < take):
        return None
    moved = units.copy()
    moved[i] -= d
    moved[j] += d
    return _canon(moved)


def _climb(ev: Callable[[np.ndarray], Evaluation], units: np.ndarray, budget: int) -> None:
    current = _canon(units)
    here = ev(current)
    step = max(1, budget // 4)
    while True:
        best_move, best_eval = None, here
        for i in np.flatnonzero(current > 0):
            for j in range(_SLOTS):
                moved = None if j == i else _move(current, int(i), j, step)
                if moved is None:
                    continue
                e = ev(moved)
                if e.key() > best_eval.key():
                    best_move, best_eval = moved, e
        if best_move is not None:
            current, here = best_move, best_eval
        elif step > 1:
            step //= 2
        else:
            return
