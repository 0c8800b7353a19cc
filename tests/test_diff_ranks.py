"""Rank churn measures (auditkit.auditing.ranks) against hand-computed cases and an independent
transcription of rank-biased overlap (Webber, Moffat and Zobel 2010, eq. 32, with ties entering
the prefix whole)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditkit.auditing.ranks import kendall_tau_b, rbo, rbo_top_weight, spearman, top_k_overlap


def rbo_reference(a, b, p):
    """Independent transcription: walk the depths with explicit sets; an item is in the prefix
    at depth d when fewer than d items score strictly higher (its tie group enters whole)."""
    n = len(a)

    def prefix(scores, d):
        return {i for i in range(n) if sum(1 for j in range(n) if scores[j] > scores[i]) < d}

    total = 0.0
    agreement = 0.0
    for d in range(1, n + 1):
        s, t = prefix(a, d), prefix(b, d)
        agreement = 2 * len(s & t) / (len(s) + len(t))
        total += agreement * p**d
    return agreement * p**n + (1 - p) / p * total


def test_rbo_hand_computed_swap():
    # S = a b c, T = b a c: agreements 0, 1, 1 -> 0.125 + (0 + 0.25 + 0.125) = 0.5 at p = 0.5
    assert rbo(np.array([3.0, 2, 1]), np.array([2.0, 3, 1]), p=0.5) == pytest.approx(0.5)


def test_rbo_hand_computed_tie():
    # x, y tied first in S; T = x y z. Depth 1: S holds {x, y}, T {x}: 2*1/(2+1) = 2/3;
    # depths 2, 3: 1. At p = 0.5: 0.125 + (1/3 + 0.25 + 0.125) = 0.8333...
    assert rbo(np.array([2.0, 2, 1]), np.array([3.0, 2, 1]), p=0.5) == pytest.approx(5 / 6)


def test_rbo_identical_and_reversed():
    a = np.arange(20.0)
    assert rbo(a, a) == pytest.approx(1.0)
    assert rbo(a, a + 100) == pytest.approx(1.0)  # only the order counts
    assert rbo(a, -a) < rbo(a, a)


@pytest.mark.parametrize("seed", range(6))
def test_rbo_matches_the_transcription(seed):
    rng = np.random.default_rng(seed)
    n = 25
    a = rng.integers(0, 8, n).astype(float)  # many ties
    b = a + rng.normal(0, 2, n).round()
    for p in (0.5, 0.9, 0.98):
        assert rbo(a, b, p) == pytest.approx(rbo_reference(list(a), list(b), p))


def test_rbo_does_not_depend_on_listing_order():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 5, 40).astype(float)
    b = rng.integers(0, 5, 40).astype(float)
    perm = rng.permutation(40)
    assert rbo(a, b) == pytest.approx(rbo(a[perm], b[perm]))
    assert top_k_overlap(a, b, 10) == pytest.approx(top_k_overlap(a[perm], b[perm], 10))


def test_top_weight_matches_the_paper():
    # Webber et al. 2010: with p = 0.9 the top 10 ranks carry about 86% of the weight
    assert rbo_top_weight(10, 0.9) == pytest.approx(0.8556, abs=1e-4)


def test_top_k_overlap():
    a = np.array([10.0, 9, 8, 7, 6, 5])
    b = np.array([10.0, 9, 1, 7, 6, 5])  # the third falls out of the top 3
    assert top_k_overlap(a, b, 3) == pytest.approx(2 / 3)
    assert top_k_overlap(a, a, 3) == 1.0
    assert top_k_overlap(a, b, 100) == 1.0  # k beyond the accounts: everyone


def test_spearman_and_kendall_by_hand():
    a = np.array([1.0, 2, 3, 4])
    b = np.array([1.0, 3, 2, 4])
    # d = (0, 1, -1, 0): rho = 1 - 6 * 2 / (4 * 15) = 0.8; tau: 5 concordant, 1 discordant
    assert spearman(a, b) == pytest.approx(0.8)
    assert kendall_tau_b(a, b) == pytest.approx(4 / 6)
    # tau-b with a tie in one ranking: n0 = 6, n1 = 0, n2 = 1; concordant 5, discordant 0
    c = np.array([1.0, 2, 2, 4])
    assert kendall_tau_b(a, c) == pytest.approx(5 / math.sqrt(6 * 5))
    assert math.isnan(spearman(a, np.ones(4)))
    assert math.isnan(kendall_tau_b(np.ones(4), a))
