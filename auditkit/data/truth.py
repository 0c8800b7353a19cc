"""Ground truth the simulation knows: how far an account's post really spreads.

No commercial score could measure this; a simulation can. Each attentive follow edge ``v -> u``
(``v`` follows ``u``; the organic simulation's follows, and scripted followers a behaviour makes
react, :meth:`auditkit.data.draft.Draft.add_follows`) in place at the end of the period carries
the probability that ``v`` reshares one post of ``u``, as the organic simulation draws it
(:func:`auditkit.data.simulation.simulate`): reactions land on an edge in proportion to
``activity[v] * attention[u] ** ATTENTION_EXPONENT``, a quarter of them are shares, spread over
the posts ``u`` makes. A cascade is the independent-cascade model on these probabilities
(Kempe, Kleinberg, Tardos, KDD 2003). Fake, bought and scripted accounts have no organic
activity, so they never pass a post on, whatever they were scripted to click; and a scripted
follow that never engages (a bought fake, a harvested follow-back, a brand's habit-follower)
carries no reshare probability, exactly as the simulation never draws a reaction on it.

The expected cascade size is estimated by Monte Carlo over live-edge samples (Kempe et al.
show a cascade reaches exactly what is reachable over edges kept with their probabilities);
``tests/test_truth.py`` checks it against a direct cascade simulation. What each sample reaches
is counted for every account at once, by the transitive closure of the sample's live edges
(repeated squaring of a sparse block-diagonal reachability matrix over a batch of samples).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from auditkit.data.draft import Draft
from auditkit.data.simulation import ATTENTION_EXPONENT, REACTION_MIX

__all__ = ["reshare_matrix", "expected_spread", "reach_counts", "edge_uniforms", "shared_spread"]


def reshare_matrix(draft: Draft) -> sp.csr_matrix:
    """``P[u, v]``: probability that follower ``v`` reshares one post of ``u`` (CSR, n x n)."""
    n = draft.n
    stats = draft.organic_stats
    src, dst = draft.attentive_follows()
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


def expected_spread(draft: Draft, *, runs: int = 200, batch: int = 50) -> np.ndarray:
    """Expected number of accounts one post of each account reaches by resharing.

    Monte Carlo over ``runs`` live-edge samples of the independent-cascade model (each edge is
    live with its reshare probability; a post reaches everything reachable over live edges).
    Whether an edge is live in sample ``r`` is decided by a hash of the draft's seed, ``r`` and
    the edge's two accounts (:func:`edge_uniforms`): common random numbers, so the treated and
    control worlds of a scenario, which share their accounts' codes, draw the same live edges
    wherever they share the edge, and their truths differ only where the worlds do. The same
    seed gives the same truth.
    """
    p = reshare_matrix(draft).tocoo()
    n = draft.n
    total = np.zeros(n)
    if p.nnz == 0:
        return total
    keys = p.row.astype(np.uint64) * np.uint64(2**32) + p.col.astype(np.uint64)
    salt = int(draft.rng("truth").integers(0, 2**63))
    for first in range(0, runs, batch):
        k = min(batch, runs - first)
        live = [edge_uniforms(keys, salt, first + i) < p.data for i in range(k)]
        rows = np.concatenate([p.row[m] + i * n for i, m in enumerate(live)])
        cols = np.concatenate([p.col[m] + i * n for i, m in enumerate(live)])
        total += reach_counts(rows, cols, k * n).reshape(k, n).sum(axis=0)
    return total / runs


def shared_spread(draft: Draft, other: Draft, other_spread: np.ndarray) -> np.ndarray | None:
    """``other_spread`` (the expected spread of ``other``), extended with zeros to ``draft``'s
    accounts, when :func:`expected_spread` of ``draft`` is certain to equal it: the same seed
    (so the same live-edge numbers) and the same reshare probabilities, with none on accounts
    ``other`` does not have. ``None`` otherwise. A scenario's treated and control worlds often
    differ only in accounts and events that carry no reshare probability (bought fakes, spam,
    a silence), so their truth is computed once."""
    if draft.seed != other.seed or draft.n < other.n:
        return None
    a, b = reshare_matrix(draft).tocsr(), reshare_matrix(other).tocsr()
    if a.nnz != b.nnz:
        return None
    inner = a[: other.n, : other.n]
    if inner.nnz != a.nnz or (inner != b).nnz:
        return None
    return np.r_[other_spread, np.zeros(draft.n - other.n)]


_M1, _M2, _GOLDEN = (
    np.uint64(0xBF58476D1CE4E5B9),
    np.uint64(0x94D049BB133111EB),
    np.uint64(0x9E3779B97F4A7C15),
)


def edge_uniforms(keys: np.ndarray, salt: int, sample: int) -> np.ndarray:
    """A uniform number in [0, 1) for every edge key in ``sample``: the splitmix64 finaliser of
    the key, the salt and the sample number (Steele, Lea, Flood, OOPSLA 2014), so an edge gets
    the same number in every world that holds it."""
    with np.errstate(over="ignore"):
        x = keys * _GOLDEN + np.uint64(salt % 2**64) + np.uint64(sample) * _M2
        x ^= x >> np.uint64(30)
        x *= _M1
        x ^= x >> np.uint64(27)
        x *= _M2
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def reach_counts(rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    """For every node of the directed graph with edges ``rows -> cols`` on ``n`` nodes, how many
    other nodes it reaches (the row sizes of the transitive closure, the node itself left out).

    Repeated squaring, ``R <- R + R R`` until nothing is added: ceil(log2(depth)) sparse products.
    """
    if not len(rows):
        return np.zeros(n)
    reach = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    reach.data[:] = 1
    while True:
        grown = reach + reach @ reach
        grown.data[:] = 1
        if grown.nnz == reach.nnz:
            break
        reach = grown
    reach = reach.tocsr()
    counts = np.diff(reach.indptr).astype(np.float64)
    counts -= reach.diagonal() > 0  # a cycle back to oneself is not another account reached
    return counts
