"""Delta debugging: the smallest subset of a list for which a test still holds.

:func:`ddmin` is Zeller and Hildebrandt's minimising delta debugging algorithm ("Simplifying
and Isolating Failure-Inducing Input", IEEE TSE 28(2), 2002). Given items for which ``test``
holds, it splits them into ``n`` chunks, keeps a chunk alone when the test holds on it, else
removes a chunk when the test holds without it, else doubles ``n``; it stops when the chunks
are single items and none can be removed. The result is *1-minimal*: removing any one item of it
makes the test fail. It is deterministic: the same items in the same order and the same test
give the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["ddmin", "Minimised"]

T = TypeVar("T")


@dataclass(frozen=True)
class Minimised(Generic[T]):
    """What :func:`ddmin` found: the ``items`` kept, the ``trials`` (test calls) it took, and
    whether it ``finished`` (false when it stopped at ``max_trials``: the items still pass the
    test but may not be 1-minimal)."""

    items: list[T]
    trials: int
    finished: bool


def ddmin(
    items: Sequence[T], test: Callable[[list[T]], bool], *, max_trials: int | None = None
) -> Minimised[T]:
    """A 1-minimal sublist of ``items`` (order kept) on which ``test`` still holds.

    ``test`` must hold on ``items`` itself (it is not called on it). The empty list is tried
    first: when the test holds without any item, nothing is kept. ``max_trials`` bounds the
    number of test calls; the result is then the smallest passing list found so far.
    """
    current = list(items)
    trials = 0

    def run(candidate: list[T]) -> bool:
        nonlocal trials
        trials += 1
        return test(candidate)

    if not current:
        return Minimised(current, 0, True)
    if run([]):
        return Minimised([], trials, True)
    n = 2
    while len(current) >= 2:
        if max_trials is not None and trials >= max_trials:
            return Minimised(current, trials, False)
        chunks = _split(current, n)
        reduced = False
        for chunk in chunks:  # reduce to a subset
            if len(chunk) < len(current) and run(chunk):
                current, n, reduced = chunk, 2, True
                break
            if max_trials is not None and trials >= max_trials:
                return Minimised(current, trials, False)
        if not reduced and n > 2:  # reduce to a complement (with n == 2 these are the subsets)
            for i in range(len(chunks)):
                complement = [x for j, c in enumerate(chunks) if j != i for x in c]
                if run(complement):
                    current, n, reduced = complement, max(n - 1, 2), True
                    break
                if max_trials is not None and trials >= max_trials:
                    return Minimised(current, trials, False)
        if not reduced:
            if n >= len(current):
                break
            n = min(len(current), 2 * n)
    return Minimised(current, trials, True)


def _split(items: list[T], n: int) -> list[list[T]]:
    """``items`` cut into ``n`` contiguous chunks of nearly equal size."""
    out, start = [], 0
    for i in range(n):
        stop = start + (len(items) - start) // (n - i)
        out.append(items[start:stop])
        start = stop
    return [c for c in out if c]
