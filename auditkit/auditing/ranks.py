"""How much two scorings of the same accounts disagree on their order (rank churn).

Four measures, each with ties handled and said how:

- :func:`spearman`: Spearman's rho, the Pearson correlation of the two rankings, tied scores
  sharing their average rank (Spearman 1904; the usual tie correction);
- :func:`kendall_tau_b`: Kendall's tau-b, which corrects tau for ties in either ranking
  (Kendall 1945; computed by :func:`scipy.stats.kendalltau`);
- :func:`top_k_overlap`: the share of the top ``k`` of one ranking that is in the top ``k`` of
  the other;
- :func:`rbo`: rank-biased overlap (Webber, Moffat and Zobel, "A similarity measure for
  indefinite rankings", ACM TOIS 28(4), 2010), which weighs agreement at the top of the
  rankings more than below: the expected overlap an observer sees who reads both rankings
  down to depth ``d`` with probability ``(1 - p) p^(d-1)``.

Both rankings here cover the same accounts (one world, scored twice), highest score first.

Ties (our reading of Webber et al., section 4.3): a group of tied accounts enters a ranking's
prefix as a whole, at the first rank of the group ("competition" ranks 1, 2, 2, 4), so the
prefix at depth ``d`` may hold more than ``d`` accounts; the agreement at depth ``d`` is then
``2 X_d / (|S_:d| + |T_:d|)``, where ``X_d`` is the number of accounts in both prefixes, which
is ``X_d / d`` when nothing is tied. The top-``k`` overlap is this agreement at depth ``k``.
Nothing is broken by account order, so the measures do not depend on how accounts are listed.

RBO of two full rankings of the same ``n`` accounts is evaluated to depth ``n`` with the
paper's extrapolation (its equation 32, :math:`RBO_{EXT}`): the agreement beyond ``n`` is
taken to stay at its value at ``n``, which is 1 (both prefixes then hold every account).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = [
    "spearman",
    "kendall_tau_b",
    "top_k_overlap",
    "rbo",
    "agreements",
    "competition_ranks",
    "rbo_top_weight",
    "DEFAULT_P",
    "DEFAULT_K",
]

#: RBO's persistence. policy: 0.98 puts 85% of the weight on the top 50 ranks (the top list
#: compared, :data:`DEFAULT_K`) and 96% on the top 100 (:func:`rbo_top_weight`); the paper's
#: examples use 0.9 (86% on the top 10), too shallow for worlds of thousands of accounts.
DEFAULT_P = 0.98
#: Size of the top list compared. policy: 50, the top list a scoring engineer reads first.
DEFAULT_K = 50


def competition_ranks(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, highest score first, tied scores sharing the first rank of their group."""
    return stats.rankdata(-np.asarray(scores, dtype=float), method="min").astype(np.int64)


def agreements(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The agreement at every depth ``d = 1..n`` of the rankings of scores ``a`` and ``b`` (one
    value per account, the same accounts): ``2 X_d / (|S_:d| + |T_:d|)`` (module docstring)."""
    ra, rb = competition_ranks(a), competition_ranks(b)
    n = len(ra)
    both = np.cumsum(np.bincount(np.maximum(ra, rb), minlength=n + 1)[1:])
    in_a = np.cumsum(np.bincount(ra, minlength=n + 1)[1:])
    in_b = np.cumsum(np.bincount(rb, minlength=n + 1)[1:])
    return 2.0 * both / (in_a + in_b)


def top_k_overlap(a: np.ndarray, b: np.ndarray, k: int = DEFAULT_K) -> float:
    """The share of the top ``k`` shared by both rankings (the agreement at depth ``k``; a tie
    across the cut-off enters whole, module docstring). ``k`` above the number of accounts is
    the number of accounts."""
    n = len(a)
    if n == 0:
        return float("nan")
    return float(agreements(a, b)[min(int(k), n) - 1])


def rbo(a: np.ndarray, b: np.ndarray, p: float = DEFAULT_P) -> float:
    """Rank-biased overlap of the rankings of scores ``a`` and ``b`` (same accounts), 0 (no
    overlap at any depth) to 1 (same order), evaluated to the full depth with extrapolation
    (Webber et al. 2010, eq. 32): ``A_n p^n + (1 - p) / p * sum_d A_d p^d``."""
    if not 0 < p < 1:
        raise ValueError(f"RBO's persistence p={p!r} is not between 0 and 1")
    agree = agreements(a, b)
    n = len(agree)
    if n == 0:
        return float("nan")
    depth = np.arange(1, n + 1)
    weights = p ** depth.astype(float)
    return float(agree[-1] * p**n + (1 - p) / p * np.sum(agree * weights))


def rbo_top_weight(d: int, p: float = DEFAULT_P) -> float:
    """The share of RBO's weight on the first ``d`` ranks (Webber et al. 2010, eq. 21)."""
    tail = sum(p**i / i for i in range(1, d))
    return float(1 - p ** (d - 1) + (1 - p) / p * d * (np.log(1 / (1 - p)) - tail))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho (average ranks for ties); NaN when either scoring is constant."""
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(stats.spearmanr(a, b).statistic)


def kendall_tau_b(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall's tau-b (corrected for ties in either ranking); NaN when either is constant."""
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(stats.kendalltau(a, b, variant="b").statistic)
