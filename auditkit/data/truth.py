"""Ground truth the simulation knows: how far an account's post really spreads.

No commercial score could measure this; a simulation can. Each organic follow edge ``v -> u``
(``v`` follows ``u``) carries the probability that ``v`` reshares one post of ``u``, as the
organic simulation draws it (:meth:`auditkit.data.draft.Draft.simulate`): reactions land on an edge
in proportion to ``activity[v] * attention[u] ** ATTENTION_EXPONENT``, a quarter of them are
shares, spread over the posts ``u`` makes. A cascade is the independent-cascade model on these
probabilities (Kempe, Kleinberg, Tardos, KDD 2003). Fake, bought and scripted accounts have no
organic activity, so they never pass a post on, whatever they were scripted to click.

The expected cascade size is estimated by Monte Carlo over live-edge samples (Kempe et al.
show a cascade reaches exactly what is reachable over edges kept with their probabilities);
``tests/test_truth.py`` checks it against a direct cascade simulation.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from auditkit.data.draft import ATTENTION_EXPONENT, REACTION_MIX, Draft

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
    weight = act[src] * att[dst] ** ATTENTION_EXPONENT
    z = stats["reaction_weight"]
    if z <= 0:
        return sp.csr_matrix((n, n))
    p = np.minimum(1.0, REACTION_MIX["share"] * stats["reactions"] * weight / z / posts[dst])
    keep = p > 0
    return sp.csr_matrix((p[keep], (dst[keep], src[keep])), shape=(n, n))


def expected_spread(draft: Draft, *, runs: int = 200) -> np.ndarray:
    """Expected number of accounts one post of each account reaches by resharing.

    Monte Carlo over ``runs`` live-edge samples of the independent-cascade model (each edge is
    live with its reshare probability; a post reaches everything reachable over live edges),
    drawn from the draft's own ``truth`` random stream, so the same seed gives the same truth.
    """
    p = reshare_matrix(draft).tocoo()
    n = draft.n
    total = np.zeros(n)
    if p.nnz == 0:
        return total
    rng = draft.rng("truth")
    for _ in range(runs):
        live = rng.random(p.nnz) < p.data
        if not live.any():
            continue
        rows, cols = p.row[live], p.col[live]
        graph = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        for source in np.unique(rows):
            total[source] += len(breadth_first_order(graph, source, directed=True,
                                                     return_predecessors=False)) - 1
    return total / runs
