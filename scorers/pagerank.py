"""PageRank over the follow graph, plain or with the constants of Twitter's Tweepcred.

:func:`pagerank_vector` is the shared, vectorised power iteration (scipy.sparse); it reproduces
``networkx.pagerank`` with default arguments, and :mod:`auditkit.scorers.trustrank` reuses its
parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pydantic
import scipy.sparse as sp

from auditkit import Params, Scorer, Statement, World, hookimpl, statement_items
from auditkit.data.world import ACTIONS, NS_PER_DAY, REACTIONS
from auditkit.errors import ScorerError
from auditkit.plugin.scorer import RandomWalk

from .sparse import edge_matrix, parallel_product, reciprocal

__all__ = [
    "PageRank",
    "pagerank_vector",
    "interaction_weights",
    "tweepcred_mass",
    "tweepcred_post_adjust",
    "tweepcred_scale",
    "account_flags",
]

# ---- Tweepcred constants, as published in twitter/the-algorithm (2023) --------------------------
# src/scala/com/twitter/graph/batch/job/tweepcred/{WeightedPageRank,UserMass,Reputation}.scala
TWEEPCRED_DAMPING = 0.9  #: 1 - jumpprob (0.1)
TWEEPCRED_MAX_ITER = 20  #: maxiterations
TWEEPCRED_THRESHOLD = 1e-3  #: threshold on the total (L1) change between iterations
TWEEPCRED_BASE_MASS = 0.05  #: deviceWeightAdditive * 0.1: every account that is not verified
TWEEPCRED_DEVICE_MASS = 0.5  #: deviceWeightAdditive: added with a valid device
TWEEPCRED_RESTRICTED_FACTOR = 0.1  #: restrictedWeightMultiplicative
TWEEPCRED_VERIFIED_MASS = 100.0  #: the mass of a verified account
TWEEPCRED_MASS_FLOOR = 0.01
TWEEPCRED_MASS_FRIENDS = 500  #: threshAbsNumFriendsUMass
TWEEPCRED_MASS_RATIO = 0.6  #: threshFriendsToFollowersRatioUMass
TWEEPCRED_MASS_DIVISION = 5.0  #: constantDivisionFactorGt_threshFriendsToFollowersRatioUMass
TWEEPCRED_ADJUST_FRIENDS = 2500  #: threshAbsNumFriendsReps
TWEEPCRED_ADJUST_RATIO = 1.0
TWEEPCRED_ADJUST_DIVISION = 3.0
TWEEPCRED_ADJUST_MAX = 50.0  #: maxDivFactorReps
TWEEPCRED_OFFSET, TWEEPCRED_SLOPE = 130.0, 5.21  #: rint(130 + 5.21 ln PR)

#: Number of individual followers itemised by ``explain`` (the rest are summed in one line).
EXPLAIN_TOP = 10

_REACTION_CODES = np.array([ACTIONS.index(a) for a in REACTIONS], dtype=np.int8)


# ---------------------------------------------------------------------------------------------
# the shared power iteration


def _transition(
    src: np.ndarray,
    dst: np.ndarray,
    n: int,
    weights: np.ndarray | None = None,
    dtype: type = np.float64,
    ordered: bool | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """``P^T`` (CSR, or a CSC view of ``P``'s CSR) of the row-normalised graph ``src -> dst``,
    and the dangling mask.

    ``P[u, v] = w(u, v) / sum_v' w(u, v')``; row ``v`` of the returned matrix holds the
    in-links of ``v``, so ``P^T @ x`` moves the mass of every account along its out-links.
    Accounts whose out-weights sum to 0 are dangling (their row of ``P`` is all zero).
    """
    src = np.asarray(src, dtype=np.int32)
    dst = np.asarray(dst, dtype=np.int32)
    counts = None
    if weights is None:
        counts = np.bincount(src, minlength=n)
        out = counts.astype(np.float64)
        data = reciprocal(out, dtype)[src]  # one gather, in the matrix's dtype
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != src.shape:
            raise ScorerError(
                f"weights has {w.shape[0] if w.ndim else 0} values for "
                f"{len(src)} follow edges; give one weight per edge"
            )
        if len(w) and (not np.isfinite(w).all() or (w < 0).any()):
            raise ScorerError("edge weights must be finite and non-negative")
        out = np.bincount(src, weights=w, minlength=n).astype(float)
        data = w * reciprocal(out)[src]
    pt = edge_matrix(
        dst,
        src,
        data.astype(dtype, copy=False),
        n,
        rows_are_sources=False,
        ordered=ordered,
        source_counts=counts,
    )
    return pt, ~(out > 0)


def _distribution(values: np.ndarray | None, n: int, what: str) -> np.ndarray:
    if values is None:
        return np.full(n, 1.0 / n) if n else np.zeros(0)
    p = np.asarray(values, dtype=np.float64).ravel()
    if p.shape != (n,):
        raise ScorerError(f"{what} has {p.shape[0]} values for {n} accounts; give one per account")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ScorerError(f"{what} must be finite and non-negative")
    total = p.sum()
    if total <= 0:
        raise ScorerError(f"{what} sums to 0; give at least one account a positive value")
    return p / total


@dataclass(frozen=True)
class _Iteration:
    """The result of a power iteration: the final vector, the one before it, and how it ended."""

    x: np.ndarray
    x_last: np.ndarray
    iterations: int
    change: float
    converged: bool


def _power_iterate(
    pt: sp.csr_matrix,
    dangling: np.ndarray,
    *,
    damping: float,
    teleport: np.ndarray,
    dangling_to: np.ndarray | None,
    start: np.ndarray,
    max_iter: int,
    threshold: float,
    inclusive: bool = False,
) -> _Iteration:
    """``x <- d (P^T x + (sum of x over dangling) * dangling_to) + (1 - d) teleport``.

    Stops as soon as ``sum |x - x_last| < threshold`` (``<=`` with ``inclusive``, Tweepcred's
    rule) or after ``max_iter`` steps; never raises
    (networkx raises ``PowerIterationFailedConvergence``; a scorer returns the last iterate and
    says so in its statement). ``dangling_to=None`` drops the mass of dangling accounts.
    """
    x = start.astype(pt.dtype, copy=True)
    x_last = x
    dangling_idx = np.flatnonzero(dangling)
    base = (1.0 - damping) * teleport
    change, done, steps = math.inf, False, 0
    product = parallel_product(pt)
    while steps < max_iter and len(x):
        steps += 1
        x_last = x
        x = product(x_last)
        x *= damping
        x += base
        if dangling_to is not None and len(dangling_idx):
            x += (damping * x_last[dangling_idx].sum()) * dangling_to
        change = float(np.abs(x - x_last).sum())
        if change < threshold or (inclusive and change == threshold):
            done = True
            break
    return _Iteration(x, x_last, steps, change, done)


def _as_transition(graph, weights) -> tuple[sp.csr_matrix, np.ndarray, int]:
    if isinstance(graph, World):
        src, dst = graph.follow_codes
        n = len(graph)
        pt, dangling = _transition(src, dst, n, weights, ordered=graph.follows_in_order)
        return pt, dangling, n
    if sp.issparse(graph):
        if weights is not None:
            raise ScorerError("give weights either in the matrix or as weights=, not both")
        coo = sp.coo_matrix(graph)
        n = coo.shape[0]
        if coo.shape != (n, n):
            raise ScorerError(f"the adjacency matrix must be square, got {coo.shape}")
        pt, dangling = _transition(coo.row, coo.col, n, coo.data)
        return pt, dangling, n
    raise ScorerError(
        f"pagerank_vector takes a World or a scipy.sparse adjacency matrix, "
        f"not {type(graph).__name__}"
    )


def pagerank_vector(
    graph: World | sp.spmatrix,
    *,
    damping: float = 0.85,
    weights: np.ndarray | None = None,
    teleport: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> np.ndarray:
    """PageRank of every account over the follow edges ``follower -> followee``.

    Parameters
    ----------
    graph : World or scipy.sparse matrix
        A world (its active follow edges, ``world.follow_codes``) or an ``n x n`` adjacency
        matrix with ``A[i, j]`` the weight of the edge ``i -> j``.
    damping : float
        Probability of following an edge (networkx's ``alpha``).
    weights : array, optional
        One non-negative weight per edge of ``graph.follow_codes`` (World only); each row is
        normalised to sum 1, as networkx does with ``weight=``.
    teleport : array, optional
        Where the random surfer jumps (networkx's ``personalization``), normalised to sum 1;
        uniform by default. The mass of dangling accounts (no out-edges) goes there too.
    max_iter, tol : int, float
        Stop when ``sum |x - x_last| < n * tol`` (networkx's rule) or after ``max_iter``
        iterations; unlike networkx the last iterate is returned rather than raising.

    Returns
    -------
    numpy.ndarray
        One value per account (in ``world.ids`` order), summing to 1.

    Notes
    -----
    With the defaults this is ``networkx.pagerank(G, alpha=damping)`` of the follow graph,
    isolated accounts included, to floating-point rounding: the same start (uniform), the same
    dangling rule (redistribute along ``teleport``), the same stopping rule. The tolerance is
    scaled by ``n``: on a million accounts networkx's default ``tol=1e-6`` stops once the total
    change is below 1, after one step, hence auditkit's default of 1e-10.
    """
    pt, dangling, n = _as_transition(graph, weights)
    if n == 0:
        return np.zeros(0)
    p = _distribution(teleport, n, "teleport")
    start = np.full(n, 1.0 / n)
    result = _power_iterate(
        pt,
        dangling,
        damping=damping,
        teleport=p,
        dangling_to=p,
        start=start,
        max_iter=max_iter,
        threshold=n * tol,
    )
    return result.x


def interaction_weights(world: World, window_days: float, at: object = None) -> np.ndarray:
    """Per follow edge (in ``world.follow_codes`` order): 1 + the reactions along it.

    A reaction is a share, reply, mention or like whose actor is the follower and whose target
    is the followee, in the ``window_days`` before ``at`` (``at - window < time <= at``).
    ``world`` should already be the snapshot whose edges are scored.
    """
    src, dst = world.follow_codes
    weights = np.ones(len(src))
    t = world.resolve_at(at)
    if t is None or not len(src):
        return weights
    recent = world.window(window_days, t)
    actor, action, target = recent.event_codes
    keep = np.isin(action, _REACTION_CODES) & (target >= 0)
    if not keep.any():
        return weights
    n = np.int64(len(world))
    keys, counts = np.unique(actor[keep].astype(np.int64) * n + target[keep], return_counts=True)
    edge = src.astype(np.int64) * n + dst
    pos = np.minimum(np.searchsorted(keys, edge), len(keys) - 1)
    hit = keys[pos] == edge
    weights[hit] += counts[pos[hit]]
    return weights


# ---------------------------------------------------------------------------------------------
# Tweepcred arithmetic (module level so the published figures can be tested one by one)


def tweepcred_mass(
    followings: np.ndarray,
    followers: np.ndarray,
    age_days: np.ndarray | None = None,
    *,
    device: np.ndarray | None = None,
    verified: np.ndarray | None = None,
    restricted: np.ndarray | None = None,
    suspended: np.ndarray | None = None,
) -> np.ndarray:
    """Tweepcred's un-normalised user mass (teleport prior), ``UserMass.getUserMass``.

    As the Scala does it, in this order: a suspended account has mass 0 and a verified one
    100; any other starts from ``0.05`` (``deviceWeightAdditive * 0.1``), plus ``0.5`` with a
    valid device, times the age factor (1 above 30 days, else ``min(1, ln(1 + age/15))``),
    floored at 0.01, times 0.1 when restricted, clipped to [0, 1], times 100. Then every mass
    (verified and suspended ones too) is divided by ``exp(5 (r - 0.6))`` when
    ``followings > 500`` and ``r = (1 + followings) / (1 + followers) > 0.6``.

    ``device``, ``verified``, ``restricted`` and ``suspended`` are boolean arrays (the world's
    optional account flags); ``None`` means false for every account. Our choices, not the
    Scala's: ``age_days`` NaN (no ``created``) counts as old (factor 1), where the Scala's
    default age 0 would give the floor; negative ages (created after ``at``) count as 0 days.
    """
    fo = np.asarray(followings, dtype=np.float64)
    fe = np.asarray(followers, dtype=np.float64)
    n = len(fo)

    def flag(values: np.ndarray | None) -> np.ndarray:
        return np.zeros(n, bool) if values is None else np.asarray(values, dtype=bool)

    if age_days is None:
        factor = np.ones(n)
    else:
        age = np.maximum(np.asarray(age_days, dtype=np.float64), 0.0)
        factor = np.where(
            np.isnan(age) | (age > 30), 1.0, np.minimum(1.0, np.log1p(np.nan_to_num(age) / 15.0))
        )
    score = TWEEPCRED_BASE_MASS + np.where(flag(device), TWEEPCRED_DEVICE_MASS, 0.0)
    score = np.maximum(score * factor, TWEEPCRED_MASS_FLOOR)
    score = np.where(flag(restricted), score * TWEEPCRED_RESTRICTED_FACTOR, score)
    mass = np.clip(score, 0.0, 1.0) * 100.0
    mass = np.where(flag(verified), TWEEPCRED_VERIFIED_MASS, mass)
    mass = np.where(flag(suspended), 0.0, mass)
    ratio = (1.0 + fo) / (1.0 + fe)
    penal = (fo > TWEEPCRED_MASS_FRIENDS) & (ratio > TWEEPCRED_MASS_RATIO)
    exponent = TWEEPCRED_MASS_DIVISION * (ratio - TWEEPCRED_MASS_RATIO)
    return np.where(penal, mass * np.exp(-np.where(penal, exponent, 0.0)), mass)


def tweepcred_post_adjust(followings: np.ndarray, followers: np.ndarray) -> np.ndarray:
    """Tweepcred's post-adjustment divisor (``Reputation.adjustReputationsPostCalculation``).

    ``min(50, max(1, exp(3 (r - 1) ln(ln(followings)))))`` when ``followings > 2500``,
    with ``r = (1 + followings) / (1 + followers)``; 1 otherwise.
    """
    fo = np.asarray(followings, dtype=np.float64)
    fe = np.asarray(followers, dtype=np.float64)
    big = fo > TWEEPCRED_ADJUST_FRIENDS
    safe = np.where(big, fo, math.e * math.e)  # ln(ln(e^2)) = ln 2; keeps logs defined
    ratio = (1.0 + fo) / (1.0 + fe)
    exponent = TWEEPCRED_ADJUST_DIVISION * (ratio - TWEEPCRED_ADJUST_RATIO) * np.log(np.log(safe))
    exponent = np.clip(exponent, -1.0, math.log(TWEEPCRED_ADJUST_MAX) + 1.0)
    divisor = np.clip(np.exp(exponent), 1.0, TWEEPCRED_ADJUST_MAX)
    return np.where(big, divisor, 1.0)


def tweepcred_scale(pagerank: np.ndarray) -> np.ndarray:
    """Tweepcred's 0..100 scale (``Reputation.scaledReputation``): ``rint(130 + 5.21 ln PR)``.

    Clipped to [0, 100]; PR below 1e-20 scores 0. The constants map Twitter's largest PageRank
    (about 1.2e-3) to 95 and its smallest (about 2.6e-10) to 15.
    """
    pr = np.asarray(pagerank, dtype=np.float64)
    ok = pr >= 1e-20
    logs = np.log(np.where(ok, pr, 1.0))
    return np.where(ok, np.clip(np.rint(TWEEPCRED_OFFSET + TWEEPCRED_SLOPE * logs), 0, 100), 0.0)


def log_spread(pr: np.ndarray) -> np.ndarray:
    """``100 ln(PR / PR_min) / ln(PR_max / PR_min)``; all 0 when every value is the same."""
    if not len(pr):
        return np.zeros(0)
    lo, hi = float(pr.min()), float(pr.max())
    if not (lo > 0 and hi > lo * (1.0 + 1e-9)):
        return np.zeros(len(pr))
    return np.clip(100.0 * np.log(pr / lo) / math.log(hi / lo), 0.0, 100.0)


# ---------------------------------------------------------------------------------------------
# the scorer


@dataclass(frozen=True)
class _Run:
    """Everything one scoring run computed, kept for ``explain``."""

    snapshot: World
    pt: sp.csr_matrix
    dangling: np.ndarray
    damping: float
    teleport: np.ndarray
    dangling_to: np.ndarray
    iteration: _Iteration
    weights: np.ndarray | None
    divisor: np.ndarray  # Tweepcred post-adjust divisor (1 for standard)
    pr: np.ndarray  # the PageRank the scale maps (post-adjusted and re-normalised for tweepcred)
    scores: np.ndarray


class PageRank(Scorer):
    """PageRank over follow edges ``follower -> followee``, mapped to 0..100.

    .. math:: PR = d \\, (P^T PR + D \\cdot t) + (1 - d) \\, t

    where ``P`` is the row-normalised follow matrix (unit weights, or ``1 + reactions`` along the
    edge in the last ``window_days`` with ``weight="interactions"``), ``t`` the teleport vector
    and ``D`` the PageRank mass of dangling accounts (who follow no one).

    ``variant="standard"``: ``t`` uniform, dangling mass along ``t`` (``networkx.pagerank``),
    score ``100 ln(PR/PR_min) / ln(PR_max/PR_min)``: 0 for the lowest, 100 for the highest,
    all 0 when every account has the same PageRank (nobody stands out).

    ``variant="tweepcred"``: the constants of Twitter's open-sourced Tweepcred: damping 0.9,
    at most 20 iterations, stop when the total change is below 0.001, start from ``t``,
    dangling mass spread uniformly; ``t`` is the user mass (:func:`tweepcred_mass`, which reads
    the world's optional ``device``, ``verified``, ``restricted`` and ``suspended`` flags), PR is
    divided by :func:`tweepcred_post_adjust` and re-normalised, and the score is
    ``rint(130 + 5.21 ln PR)`` clipped to 0..100 (:func:`tweepcred_scale`). Those constants were
    fitted to Twitter's hundreds of millions of accounts: on a small world ``PR ~ 1/n`` is large
    and scores bunch at the top (median 88, minimum 79 on a generated world of 2,000 accounts;
    the top ones clip at 100). ``damping``, ``max_iter`` and ``tol`` keep Tweepcred's
    values unless given explicitly; ``tol`` is then an absolute L1 threshold.

    Notes
    -----
    A link farm of ``m`` accounts that all follow a target which follows them back gives the
    target ``x/(1-d^2) + d/(1+d) m/n`` (F9: 3.6x the external PageRank ``x`` at d = 0.85).
    Follows are free to make, so bought followers (F7) and follow-back rings (F8) count, weighted
    by the buyer's dilution; Tweepcred's mass and post-adjust penalise following far more
    accounts than follow you (F8) but not a sybil region (F9).

    References
    ----------
    .. [1] L. Page, S. Brin, R. Motwani, T. Winograd, "The PageRank Citation Ranking: Bringing
       Order to the Web", Stanford InfoLab, 1999.
    .. [2] Twitter, ``the-algorithm``, src/scala/com/twitter/graph/batch/job/tweepcred (2023).
    .. [3] Z. Gyöngyi, H. Garcia-Molina, "Link Spam Alliances", VLDB 2005; J. Leskovec,
       A. Rajaraman, J. Ullman, Mining of Massive Datasets, section 5.4.2.
    """

    id = "pagerank"
    concurrent = True  # keeps no state between calls
    version = "1.0"
    name = "PageRank (follow graph)"
    range = (0.0, 100.0)
    description = (
        "PageRank over follow edges (follower -> followee), damping 0.85, dangling mass "
        "redistributed like networkx.pagerank; optionally weighted by 1 + reactions along the "
        "edge in the last window_days. Standard: 100*ln(PR/PR_min)/ln(PR_max/PR_min). Tweepcred: "
        "Twitter's open-sourced constants (damping 0.9, 20 iterations, user-mass teleport, "
        "follow-ratio penalties, rint(130 + 5.21 ln PR) clipped to 0..100)."
    )
    references = (
        "Page, Brin, Motwani, Winograd. The PageRank Citation Ranking: Bringing Order to the Web. "
        "Stanford InfoLab 1999.",
        "Twitter. the-algorithm, src/scala/com/twitter/graph/batch/job/tweepcred (2023).",
        "Gyöngyi, Garcia-Molina. Link Spam Alliances. VLDB 2005.",
    )
    tags = frozenset({"follows", "events", "time"})

    class Params(Params):
        damping: float = pydantic.Field(
            0.85,
            ge=0.0,
            lt=1.0,
            description="probability of following an edge rather than "
            "teleporting (Tweepcred: 0.9 unless given)",
        )
        max_iter: int = pydantic.Field(
            100, ge=1, description="most power iterations (Tweepcred: 20 unless given)"
        )
        tol: float = pydantic.Field(
            1e-10,
            ge=0.0,
            description="stop when sum|x - x_last| < n*tol, networkx's rule "
            "(networkx's default 1e-6 stops after one step on a million accounts); Tweepcred: "
            "absolute threshold 0.001 unless given",
        )
        weight: Literal["none", "interactions"] = pydantic.Field(
            "none",
            description="edge weights: none (1 per follow) or interactions (1 + shares, "
            "replies, mentions and likes from follower to followee in the last window_days)",
        )
        window_days: float = pydantic.Field(
            90.0, gt=0, description="reaction window of weight=interactions, in days"
        )
        variant: Literal["standard", "tweepcred"] = pydantic.Field(
            "standard",
            description="standard (log spread 0..100) or tweepcred (Twitter's "
            "teleport mass, post-adjust and rint(130 + 5.21 ln PR) scale)",
        )
        dtype: Literal["float64", "float32"] = pydantic.Field(
            "float64",
            description="float type of the power iteration: float32 halves the "
            "memory of the transition matrix and the vectors on very large graphs (values "
            "differ from float64 by about 1e-7, relative)",
        )

    params: PageRank.Params

    def settings(self) -> tuple[float, int, float]:
        """``(damping, max_iter, tol)`` in effect: Tweepcred's values unless set explicitly."""
        p = self.params
        if p.variant != "tweepcred":
            return p.damping, p.max_iter, p.tol
        given = p.model_fields_set
        return (
            p.damping if "damping" in given else TWEEPCRED_DAMPING,
            p.max_iter if "max_iter" in given else TWEEPCRED_MAX_ITER,
            p.tol if "tol" in given else TWEEPCRED_THRESHOLD,
        )

    def random_walk(self, world: World, at: object = None) -> RandomWalk | None:
        """The standard variant's PageRank vector (uniform teleport, unweighted follows, as
        the link-farm bound assumes); ``None`` for Tweepcred and weighted variants."""
        p = self.params
        if p.variant != "standard" or p.weight != "none":
            return None
        t = world.resolve_at(at)
        snap = world if t is None else world.as_of(t)
        damping, max_iter, tol = self.settings()
        return RandomWalk(
            pagerank_vector(snap, damping=damping, max_iter=max_iter, tol=tol), damping
        )

    def _run(self, world: World, at: object) -> _Run:
        t = world.resolve_at(at)
        snap = world if t is None else world.as_of(t)
        n = len(snap)
        damping, max_iter, tol = self.settings()
        weights = (
            interaction_weights(snap, self.params.window_days, t)
            if self.params.weight == "interactions"
            else None
        )
        src, dst = snap.follow_codes
        pt, dangling = _transition(
            src, dst, n, weights, np.dtype(self.params.dtype).type, ordered=snap.follows_in_order
        )
        uniform = np.full(n, 1.0 / n) if n else np.zeros(0)
        if self.params.variant == "standard":
            teleport = uniform
            it = _power_iterate(
                pt,
                dangling,
                damping=damping,
                teleport=teleport,
                dangling_to=teleport,
                start=uniform,
                max_iter=max_iter,
                threshold=n * tol,
            )
            pr, divisor = it.x, np.ones(n)
            scores = log_spread(pr)
            return _Run(
                snap, pt, dangling, damping, teleport, teleport, it, weights, divisor, pr, scores
            )
        followers, followings = snap.in_degree, snap.out_degree
        mass = tweepcred_mass(followings, followers, _age_days(snap, t), **account_flags(snap))
        total = mass.sum()
        teleport = mass / total if total > 0 else uniform
        it = _power_iterate(
            pt,
            dangling,
            damping=damping,
            teleport=teleport,
            dangling_to=uniform,
            start=teleport,
            max_iter=max_iter,
            threshold=tol,
            inclusive=True,
        )
        divisor = tweepcred_post_adjust(followings, followers)
        adjusted = it.x / divisor
        total = adjusted.sum()
        pr = adjusted / total if total > 0 else adjusted
        return _Run(
            snap,
            pt,
            dangling,
            damping,
            teleport,
            uniform,
            it,
            weights,
            divisor,
            pr,
            tweepcred_scale(pr),
        )

    def score(self, world: World, at: object = None) -> pd.Series:
        run = self._run(world, at)
        return world.series(run.scores, name=self.id)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        code = world.code_of(account)
        run = self._run(world, at)
        it, d = run.iteration, run.damping
        score = float(run.scores[code])
        n = len(world)
        rows: list[tuple[str, float, str]] = [
            (
                "teleport",
                (1.0 - d) * float(run.teleport[code]),
                f"(1-d)*t: the random jump lands here (d = {d:g}, t = {run.teleport[code]:.3g})",
            ),
        ]
        if run.dangling.any():
            mass = float(it.x_last[run.dangling].sum())
            rows.append(
                (
                    "dangling",
                    d * mass * float(run.dangling_to[code]),
                    f"d*D*t: share of the PageRank {mass:.3g} held by {run.dangling.sum():,} "
                    "accounts who follow no one",
                )
            )
        rows.extend(_follower_rows(run.pt, it.x_last, d, code, world.ids, "PR", "follower"))
        raw = np.array([r[1] for r in rows])
        points = _share(score, raw)
        items = [(sig, val, pts, note) for (sig, val, note), pts in zip(rows, points, strict=True)]
        notes = [
            f"values are raw PageRank contributions from the last power-iteration step; "
            f"they add up to PR = {it.x[code]:.6g}. Points share the score "
            f"{score:.4g} out in proportion to them (a share, not a log decomposition).",
            f"{it.iterations} iterations, last total change {it.change:.3g}"
            + ("" if it.converged else " (stopped at max_iter before converging)"),
        ]
        if run.weights is not None:
            notes.append(
                f"edges weighted by 1 + reactions in the last "
                f"{self.params.window_days:g} days, rows normalised"
            )
        if self.params.variant == "tweepcred":
            items.append(
                (
                    "post-adjust divisor",
                    float(run.divisor[code]),
                    0.0,
                    "Tweepcred divides PR by this when followings > 2500, then re-normalises",
                )
            )
            items.append(
                (
                    "scaled PageRank",
                    float(run.pr[code]),
                    0.0,
                    f"score = clip(rint(130 + 5.21 ln PR), 0, 100) = {score:g}",
                )
            )
            notes.append(
                "Tweepcred's scale was fitted to Twitter's n (hundreds of millions); "
                f"with n = {n:,} PageRank is large and scores clip high"
            )
            flags = account_flags(run.snapshot)
            held = [k for k, v in flags.items() if v[code]]
            notes.append(
                "user mass (the teleport t) from UserMass.scala; flags of this "
                f"account: {', '.join(held) if held else 'none'} (columns in this "
                f"world: {', '.join(flags) if flags else 'none, so all false'})"
            )
        else:
            lo = float(run.pr.min()) if n else 0.0
            hi = float(run.pr.max()) if n else 0.0
            items.append(
                (
                    "log-scale mapping",
                    float(run.pr[code]),
                    0.0,
                    f"score = 100 ln(PR/{lo:.3g}) / ln({hi:.3g}/{lo:.3g}) = {score:.4g}",
                )
            )
        table = _balanced(statement_items(items), score)
        return Statement(self.id, account, score, table, world.resolve_at(at), tuple(notes))


def account_flags(world: World) -> dict[str, np.ndarray]:
    """The optional boolean account columns the world has (``device``, ``verified``,
    ``restricted``, ``suspended``) as numpy arrays; missing values are false."""
    out = {}
    for name in ("device", "verified", "restricted", "suspended"):
        if name in world.accounts:
            col = world.accounts[name]
            out[name] = col.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return out


def _age_days(world: World, t: pd.Timestamp | None) -> np.ndarray | None:
    """Whole days since ``created`` (Tweepcred's ``DateUtil.diffDays``); NaN where unknown."""
    if t is None or "created" not in world.accounts:
        return None
    created = world.accounts["created"]
    ns = created.array.asi8.astype(np.float64)
    ns[created.isna().to_numpy()] = np.nan
    return np.floor((t.value - ns) / NS_PER_DAY)


def _follower_rows(
    pt: sp.spmatrix,
    x_last: np.ndarray,
    damping: float,
    code: int,
    ids: pd.Index,
    unit: str,
    who: str,
) -> list[tuple[str, float, str]]:
    """The top followers' contributions ``d * x(u) * P[u, v]`` and one line for the rest."""
    pt = sp.csr_matrix(pt)
    lo, hi = pt.indptr[code], pt.indptr[code + 1]
    followers = pt.indices[lo:hi]
    contrib = damping * x_last[followers] * pt.data[lo:hi]
    order = np.lexsort((followers, -contrib))
    rows = []
    for j in order[:EXPLAIN_TOP]:
        u = int(followers[j])
        rows.append(
            (
                f"{who} {ids[u]}",
                float(contrib[j]),
                f"d*{unit}(u)*w/W(u) = {damping:g}*{x_last[u]:.3g}*{pt.data[lo + j]:.3g}",
            )
        )
    rest = order[EXPLAIN_TOP:]
    if len(rest):
        rows.append(
            (
                f"{len(rest):,} other {who}s",
                float(contrib[rest].sum()),
                f"the remaining {who}s' contributions, summed",
            )
        )
    return rows


def _balanced(items: pd.DataFrame, score: float) -> pd.DataFrame:
    """Round the points to multiples of ``ulp(score)`` so they add up to ``score`` exactly.

    Shares computed in floating point can miss the score by an ulp once pandas adds them up in
    its own order. As multiples of ``q = ulp(score)`` whose total is ``score`` (the rounding
    remainder goes to the largest line), every partial sum of these non-negative points is a
    multiple of ``q`` no larger than ``score``, hence exact, in any summation order.
    """
    if not len(items) or score <= 0 or not math.isfinite(score):
        return items
    q = float(np.spacing(score))
    units = np.rint(items["points"].to_numpy(dtype=np.float64) / q).astype(np.int64)
    units[int(np.argmax(units))] += int(round(score / q)) - int(units.sum())
    items["points"] = units.astype(np.float64) * q
    return items


def _share(total: float, raw: np.ndarray) -> np.ndarray:
    """Split ``total`` over ``raw`` in proportion (all on the first line when ``raw`` sums to 0).

    :func:`_balanced` then makes the shares add up to ``total`` exactly.
    """
    s = raw.sum()
    if s > 0:
        return total * raw / s
    points = np.zeros(len(raw))
    if len(raw):
        points[0] = total
    return points


@hookimpl
def register_scorers(register):
    register(PageRank)
