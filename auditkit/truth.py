"""Ground truth the simulation knows: how far an account's post really spreads.

No commercial score could measure this; a simulation can. Each organic follow edge ``v -> u``
(``v`` follows ``u``) carries the probability that ``v`` reshares one post of ``u``, as the
organic simulation draws it (:meth:`auditkit.draft.Draft.simulate`): reactions land on an edge
in proportion to ``activity[v] * attention[u]``, a quarter of them are shares, spread over the
posts ``u`` makes. A cascade is the independent-cascade model on these probabilities (Kempe,
Kleinberg, Tardos, KDD 2003). Fake, bought and scripted accounts have no organic activity, so
they never pass a post on, whatever they were scripted to click.

The expected cascade size is approximated by the sum of path probabilities up to ``depth`` hops,
``sum_k (P^k 1)``, which is exact on trees and an upper bound otherwise; with per-edge
probabilities of a few percent the two agree closely (``tests/test_truth.py`` compares it with a
Monte Carlo simulation).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from auditkit.draft import REACTION_MIX, Draft

__all__ = ["reshare_matrix", "expected_spread"]


def reshare_matrix(draft: Draft) -> sp.csr_matrix:
    """``P[u, v]``: probability that follower ``v`` reshares one post of ``u`` (CSR, n x n)."""
    n = draft.n
    stats = getattr(draft, "organic_stats", None)
    src, dst = draft.follow_arrays()
    if stats is None or not len(src):
        return sp.csr_matrix((n, n))
    organic = draft.column("organic").astype(bool)
    att = np.where(organic, draft.column("attention"), 0.0)
    act = np.where(organic, draft.column("activity"), 0.0)
    # expected posts per account in the organic simulation, at least one
    posts = np.maximum(stats["posts"] * act / max(act.sum(), 1e-300), 1.0)
    weight = act[src] * att[dst]
    z = stats["reaction_weight"]
    if z <= 0:
        return sp.csr_matrix((n, n))
    p = np.minimum(1.0, REACTION_MIX["share"] * stats["reactions"] * weight / z / posts[dst])
    keep = p > 0
    return sp.csr_matrix((p[keep], (dst[keep], src[keep])), shape=(n, n))


def expected_spread(draft: Draft, *, depth: int = 4) -> np.ndarray:
    """Expected number of accounts one post of each account reaches by resharing."""
    p = reshare_matrix(draft)
    ones = np.ones(draft.n)
    total = np.zeros(draft.n)
    term = ones
    for _ in range(depth):
        term = p @ term
        total += term
    return np.minimum(total, max(draft.n - 1, 0))
