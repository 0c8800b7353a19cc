"""TrustRank (Gyöngyi, Garcia-Molina, Pedersen, VLDB 2004) over the follow graph.

Trust starts at a few vetted seed accounts and flows along follows, from follower to followee,
as a PageRank whose random jump lands only on the seeds. An account earns trust only when
trusted accounts follow it, so bought followers and a sybil region behind few attack edges
gain little. See ``docs/scorers/trustrank.md`` for what is published and what is our choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic
import scipy.sparse as sp

from auditkit import Params, Scorer, Statement, World, hookimpl, statement_items

from .common import (
    SEED_LABEL,
    Seeds,
    labels_of,
    oracle,
    parse_seeds_value,
    parse_time_value,
    proportional_points,
    resolve_given_seeds,
    seed_ids_from,
    seed_snapshot,
    seeds_as_of_field,
    seeds_field,
    top_with_ties,
)
from .sparse import edge_matrix, parallel_product, reciprocal

__all__ = ["TrustRank", "inverse_pagerank", "trust_vector"]

#: Followers itemised by ``explain`` (the rest are summed in one line).
EXPLAIN_TOP = 10


def _out_matrix(
    src: np.ndarray,
    dst: np.ndarray,
    n: int,
    dtype: type = np.float64,
    ordered: bool | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """TrustRank's transition matrix ``T`` (CSR): ``T[p, q] = 1/outdeg(q)`` when ``q`` follows
    ``p``; and the out-degrees. Row ``p`` holds the accounts that follow ``p``."""
    out = np.bincount(src, minlength=n).astype(np.float64)
    # 1/outdeg per account, then per edge: one gather of n values, in the matrix's dtype
    data = reciprocal(out, dtype)[src]
    matrix = edge_matrix(
        dst, src, data, n, rows_are_sources=False, ordered=ordered, source_counts=out
    )
    return matrix, out


def trust_vector(
    src: np.ndarray, dst: np.ndarray, n: int, seeds: np.ndarray, *, damping: float, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """TrustRank's biased PageRank: ``t <- a T t + (1 - a) d`` from ``t = d``, ``iterations``
    times, ``d`` = 1/|seeds| on each seed. Returns ``(t, t before the last step)``.

    ``T`` has an all-zero column for an account that follows no one, as in the paper's
    definition, so trust that reaches such an account leaves the computation: it is not kept
    there and not redistributed. With no seeds every value is 0.
    """
    t_mat, _ = _out_matrix(np.asarray(src, np.int64), np.asarray(dst, np.int64), n)
    return _propagate(t_mat, seeds, damping, iterations)


def _propagate(
    t_mat: sp.csr_matrix, seeds: np.ndarray, damping: float, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    n = t_mat.shape[0]
    d = np.zeros(n, t_mat.dtype)
    if len(seeds):
        d[np.asarray(seeds, dtype=np.int64)] = 1.0 / len(seeds)
    t = d.copy()
    last = t
    product = parallel_product(t_mat)
    for _ in range(iterations):
        last = t
        t = damping * product(t) + (1.0 - damping) * d
    return t, last


def inverse_pagerank(
    src: np.ndarray,
    dst: np.ndarray,
    n: int,
    *,
    damping: float,
    iterations: int,
    dtype: type = np.float64,
    ordered: bool | None = None,
) -> np.ndarray:
    """TrustRank's seed desirability: PageRank on the inverse graph, ``s <- a U s + (1-a)/n``.

    ``U[p, q] = 1/indeg(q)`` when ``p`` follows ``q`` (the paper's inverse transition matrix),
    so an account collects from the accounts it follows: those from which trust would reach
    many others rank first. Starts from the uniform vector; an account nobody follows has an
    all-zero column, and its score leaks as in the paper's formula.
    """
    if n == 0:
        return np.zeros(0)
    indeg = np.bincount(dst, minlength=n).astype(np.float64)
    data = reciprocal(indeg, dtype)[dst]
    u = edge_matrix(src, dst, data, n, rows_are_sources=True, ordered=ordered)
    s: np.ndarray = np.full(n, 1.0 / n, dtype)
    product = parallel_product(u)
    for _ in range(iterations):
        s = damping * product(s) + (1.0 - damping) / n
    return s


@dataclass(frozen=True)
class _Run:
    snapshot: World
    seeds: Seeds
    t_mat: sp.csr_matrix
    out: np.ndarray
    trust: np.ndarray
    trust_last: np.ndarray
    scores: np.ndarray


class TrustRank(Scorer):
    """TrustRank (Gyöngyi, Garcia-Molina, Pedersen, VLDB 2004), 0..100.

    .. math::

        t_0 = d, \\qquad t_{k+1} = \\alpha_B \\, T t_k + (1 - \\alpha_B) \\, d, \\qquad
        score = 100 \\, t_{M_B}(v) / \\max_u t_{M_B}(u)

    Published (the paper): ``T[p, q] = 1/ω(q)`` when ``q`` links to ``p`` (here: ``q`` follows
    ``p``; trust flows from follower to followee); ``d`` is 1/|S| on each good seed;
    ``α_B = 0.85`` and ``M_B = 20`` iterations; pages (accounts) are ranked by ``t``. Seeds:
    candidates are ranked by inverse PageRank (``s = α U s + (1-α)/N``, ``U[p, q] = 1/ι(q)``
    when ``p`` links to ``q``; α = 0.85, 20 iterations), the top ``L`` are put to an oracle
    (a human expert) and the good ones become seeds. ``T`` has an all-zero column for an
    account that follows no one, so trust reaching such a dead end leaves the computation, as
    the paper's formula implies (it is neither kept there nor redistributed).

    Our choices: the oracle is the world's ``label`` column (``seed``, ``human``,
    ``institution``, ``celebrity`` are good; anything else, or no label, is not a seed); an
    explicit ``seeds`` list or file, then ``seed`` labels, take precedence over the pick;
    ``L = 20`` by default (the paper put 1,250 of 31 million sites to its expert); candidates
    who follow no one are not put to the oracle (they cannot pass trust on), and accounts tied
    at the ``L``-th candidate are all asked; the pick is made on the world as of
    ``seeds_as_of`` (default: the scoring time); the inverse PageRank starts from the uniform
    vector; the score is the share of the highest trust (all 0 when no trust is left, e.g.
    without seeds).

    Notes
    -----
    Resists sybil regions (F9) and bought followers (F7): a follower passes on only the trust
    it holds, and fakes hold none, so buying followers neither lifts nor sinks an account. It
    depends on its seeds: accounts far from every seed score near 0 whatever their audience
    (F3, F14), and inverse PageRank favours accounts that follow many (F8: a follow-back farmer
    is a strong candidate unless ``seeds_as_of`` predates the farming). Without follow edges,
    or without an oracle (no ``label`` column) and no ``seeds``, no seed is picked and every
    account scores 0: probes report such constant scores as not applicable.

    References
    ----------
    .. [1] Z. Gyöngyi, H. Garcia-Molina, J. Pedersen, "Combating Web Spam with TrustRank",
       VLDB 2004, pp. 576-587 (sections 2, 4 and 5; Figures of the TrustRank and SelectSeed
       functions).
    """

    id = "trustrank"
    concurrent = True  # keeps no state between calls
    version = "2.0"
    name = "TrustRank (seeded biased PageRank)"
    range = (0.0, 100.0)
    description = (
        "TrustRank as published (Gyöngyi, Garcia-Molina, Pedersen, VLDB 2004): trust spread "
        "from vetted seeds along follows (follower -> followee) by a PageRank whose jump lands "
        "only on the seeds, alpha 0.85, 20 iterations; trust reaching an account that follows "
        "no one leaves the computation. Seeds: the seeds parameter (ids or a file), else "
        "accounts labelled 'seed', else the top inverse-PageRank candidates that the label "
        "oracle vouches for (human, institution, celebrity, seed), picked on the world as of "
        "seeds_as_of. Score: 100 * trust / highest trust."
    )
    references = (
        "Gyöngyi, Garcia-Molina, Pedersen. Combating Web Spam with TrustRank. VLDB 2004, "
        "pp. 576-587.",
    )
    tags = frozenset({"follows", "labels", "seeds", "time"})

    class Params(Params):
        seeds: tuple[str, ...] | str | None = seeds_field()
        seeds_as_of: str | None = seeds_as_of_field()
        oracle_calls: int = pydantic.Field(
            20,
            ge=1,
            description="L: candidates (highest inverse PageRank) put to the label "
            "oracle by the default pick; accounts tied with the L-th are asked too (our "
            "default; the paper asked about 1,250 of 31 million sites)",
        )
        damping: float = pydantic.Field(
            0.85,
            ge=0.0,
            lt=1.0,
            description="alpha_B: share of trust passed on per step; the "
            "rest jumps back to the seeds (paper: 0.85)",
        )
        iterations: int = pydantic.Field(
            20, ge=0, description="M_B: biased PageRank iterations (paper: 20)"
        )
        inverse_damping: float = pydantic.Field(
            0.85,
            ge=0.0,
            lt=1.0,
            description="alpha_I: damping of the inverse PageRank that "
            "ranks seed candidates (paper: 0.85)",
        )
        inverse_iterations: int = pydantic.Field(
            20, ge=0, description="M_I: inverse PageRank iterations (paper: 20)"
        )
        dtype: Literal["float64", "float32"] = pydantic.Field(
            "float64",
            description="float type of the power iteration: float32 halves the "
            "memory of the transition matrix and the vectors on very large graphs (values "
            "differ from float64 by about 1e-7, relative)",
        )

        @pydantic.field_validator("seeds", mode="before")
        @classmethod
        def _seeds_value(cls, v: Any) -> Any:
            return parse_seeds_value(v)

        @pydantic.field_validator("seeds_as_of", mode="before")
        @classmethod
        def _as_of_value(cls, v: Any) -> Any:
            return parse_time_value(v)

    params: TrustRank.Params

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        #: the seed ids given (read from the file when ``seeds`` names one), or None
        self.seed_ids = seed_ids_from(self.id, self.params.seeds)

    # ---- seeds ----
    def seeds(self, world: World, at: object = None) -> Seeds:
        """The seed accounts for scoring ``world`` as of ``at``, and how they were chosen."""
        return self._seeds(world, world.resolve_at(at))

    def _seeds(self, world: World, t: pd.Timestamp | None) -> Seeds:
        p = self.params
        if self.seed_ids is not None:
            codes = resolve_given_seeds(self.id, world, self.seed_ids)
            return Seeds(codes, "param", f"{len(codes)} seeds given by the seeds parameter")
        labels = labels_of(world)
        if labels is not None and (labels == SEED_LABEL).any():
            codes = np.flatnonzero(labels == SEED_LABEL).astype(np.int64)
            return Seeds(codes, "labels", f"{len(codes)} accounts labelled {SEED_LABEL!r}")
        snap, when = seed_snapshot(world, t, p.seeds_as_of)
        stamp = "" if when is None else f" as of {when:%Y-%m-%d %H:%M UTC}"
        n = len(snap)
        src, dst = snap.follow_codes
        follows_someone = np.bincount(src, minlength=n) > 0
        if not follows_someone.any():
            return Seeds(
                np.zeros(0, np.int64),
                "none",
                f"no seeds: no account follows anyone{stamp}, so no candidate can "
                "pass trust on; give seeds=[...] (ids or a file)",
                as_of=when,
            )
        desirability = inverse_pagerank(
            src,
            dst,
            n,
            damping=p.inverse_damping,
            iterations=p.inverse_iterations,
            dtype=np.dtype(p.dtype).type,
            ordered=snap.follows_in_order,
        )
        candidates = top_with_ties(desirability, follows_someone, p.oracle_calls)
        good = oracle(world, candidates)
        codes = np.sort(candidates[good])
        if not len(codes):
            why = (
                "this world has no label column to vouch for anyone"
                if labels is None
                else "none of them carries a trusted label"
            )
            return Seeds(
                codes,
                "none",
                f"no seeds: the oracle was asked about the {len(candidates)} accounts "
                f"with the highest inverse PageRank{stamp}, and {why}; give "
                "seeds=[...] (ids or a file) or label trusted accounts",
                candidates,
                when,
            )
        return Seeds(
            codes,
            "pick",
            f"{len(codes)} of the {len(candidates)} accounts with the highest inverse "
            f"PageRank{stamp} vouched for by the label oracle",
            candidates,
            when,
        )

    # ---- propagation ----
    def _run(self, world: World, at: object) -> _Run:
        t = world.resolve_at(at)
        snap = world if t is None else world.as_of(t)
        n = len(snap)
        seeds = self._seeds(world, t)
        src, dst = snap.follow_codes
        t_mat, out = _out_matrix(
            src, dst, n, np.dtype(self.params.dtype).type, ordered=snap.follows_in_order
        )
        trust, last = _propagate(t_mat, seeds.codes, self.params.damping, self.params.iterations)
        top = trust.max() if n else 0.0
        scores = np.clip(100.0 * trust / top, 0.0, 100.0) if top > 0 else np.zeros(n)
        return _Run(snap, seeds, t_mat, out, trust, last, scores)

    def trust(self, world: World, at: object = None) -> np.ndarray:
        """The trust ``t`` of every account (in ``world.ids`` order) after ``iterations``."""
        return self._run(world, at).trust

    def score(self, world: World, at: object = None) -> pd.Series:
        return world.series(self._run(world, at).scores, name=self.id)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        code = world.code_of(account)
        run = self._run(world, at)
        a = self.params.damping
        score = float(run.scores[code])
        is_seed = bool(np.isin(code, run.seeds.codes))
        share = 1.0 / len(run.seeds.codes) if is_seed else 0.0
        rows: list[tuple[str, float, str]] = []
        if self.params.iterations == 0:
            rows.append(("seed", float(run.trust[code]), "no iteration: t = d"))
        else:
            what = f"a seed, d = 1/|S| = {share:.3g}" if is_seed else "not a seed, d = 0"
            rows.append(("seed jump", (1.0 - a) * share, f"(1-alpha)*d: {what}"))
            t_mat = sp.csr_matrix(run.t_mat)
            lo, hi = t_mat.indptr[code], t_mat.indptr[code + 1]
            followers = t_mat.indices[lo:hi]
            contrib = a * run.trust_last[followers] * t_mat.data[lo:hi]
            order = np.lexsort((followers, -contrib))
            for j in order[:EXPLAIN_TOP]:
                u = int(followers[j])
                rows.append(
                    (
                        f"follower {world.ids[u]}",
                        float(contrib[j]),
                        f"alpha*t(u)/outdeg(u) = {a:g}*{run.trust_last[u]:.3g}/{run.out[u]:g}",
                    )
                )
            rest = order[EXPLAIN_TOP:]
            if len(rest):
                rows.append(
                    (
                        f"{len(rest):,} other followers",
                        float(contrib[rest].sum()),
                        "the remaining followers' trust, summed",
                    )
                )
        points = proportional_points(score, np.array([r[1] for r in rows]))
        items = [
            (sig, val, float(pts), note) for (sig, val, note), pts in zip(rows, points, strict=True)
        ]
        top = float(run.trust.max()) if len(run.trust) else 0.0
        items.append(
            (
                "share of the top",
                float(run.trust[code]),
                0.0,
                f"score = 100 * {run.trust[code]:.4g} / {top:.4g} = {score:.4g}",
            )
        )
        notes = (
            f"seeds: {run.seeds.note}",
            f"trust after {self.params.iterations} iterations (alpha {a:g}); values are "
            f"the trust arriving in the last step and add up to t = "
            f"{run.trust[code]:.6g}; points share the score out in proportion to them. "
            "Trust reaching an account that follows no one leaves the computation "
            f"({float(run.trust.sum()):.4g} of 1 is left).",
        )
        return Statement(
            self.id, account, score, statement_items(items), world.resolve_at(at), notes
        )


@hookimpl
def register_scorers(register):
    register(TrustRank)
