"""Statistics over seeds: a distribution-free confidence interval for the median of a check's
per-seed values, and the verdict it gives against an acceptable region.

Why this interval (``docs/verdicts.md`` says it at length): a check is measured on a handful of
seeds (9 by default), and its per-seed values are often heavy-tailed or lumpy (a median
percentile of a small cohort, a half-life on a grid of days, a catastrophic seed among ordinary
ones). A t-interval assumes the mean of such values is near-normal, which a handful of skewed
values does not give; a bootstrap over ten values is unreliable in the tails. The order-statistic
interval for the median assumes nothing but independent seeds: the median lies between the k-th
smallest and the k-th largest of n values with probability

    1 - 2 * P(Binomial(n, 1/2) <= k - 1)

(e.g. Hollander, Wolfe and Chicken, *Nonparametric Statistical Methods*, 3rd ed., Wiley 2014,
section 3.6; Conover, *Practical Nonparametric Statistics*, 3rd ed., 1999, section 3.2). We take
the narrowest such interval whose probability is at least the level asked (95% by default); with
too few seeds for the level, the interval is the whole range and its own, lower, confidence is
reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Interval", "median_interval", "coverage", "judge", "seeds_for_level"]


@dataclass(frozen=True)
class Interval:
    """The median of some values and a confidence interval for it."""

    estimate: float
    low: float
    high: float
    #: the probability that the interval holds the median (at least the level asked, unless
    #: there were too few values for it)
    confidence: float
    #: how many values it is computed from
    n: int


def _binom_cdf_half(k: int, n: int) -> float:
    """P(Binomial(n, 1/2) <= k), exactly."""
    if k < 0:
        return 0.0
    return math.fsum(math.comb(n, i) for i in range(min(k, n) + 1)) / 2.0**n


def coverage(n: int, k: int) -> float:
    """Probability that [x_(k), x_(n-k+1)] (1-based order statistics of n independent values)
    holds their distribution's median."""
    return max(0.0, 1.0 - 2.0 * _binom_cdf_half(k - 1, n))


def seeds_for_level(level: float) -> int:
    """The fewest values whose full range reaches confidence ``level`` (6 for 95%)."""
    n = 1
    while coverage(n, 1) < level:
        n += 1
    return n


def median_interval(values: Sequence[float], level: float = 0.95) -> Interval:
    """The median of ``values`` and the narrowest symmetric order-statistic interval with
    confidence at least ``level`` (the full range when there are too few values)."""
    x = sorted(float(v) for v in values)
    n = len(x)
    if n == 0:
        raise ValueError("no values")
    if not 0 < level < 1:
        raise ValueError(f"level {level!r} is not between 0 and 1")
    k = 1
    while k + 1 <= (n + 1) // 2 and coverage(n, k + 1) >= level:
        k += 1
    mid = n // 2
    estimate = x[mid] if n % 2 else (x[mid - 1] + x[mid]) / 2
    return Interval(estimate, x[k - 1], x[n - k], coverage(n, k), n)


def judge(interval: Interval, low: float, high: float) -> str:
    """``pass`` when the interval lies inside the acceptable region ``[low, high]`` (bounds
    included; either may be infinite), ``fail`` when it lies wholly outside, ``inconclusive``
    when it straddles a bound."""
    if low <= interval.low and interval.high <= high:
        return "pass"
    if interval.high < low or interval.low > high:
        return "fail"
    return "inconclusive"
