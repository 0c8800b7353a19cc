"""SybilRank (Cao, Sirivianos, Yang, Pregueiro, NSDI 2012) over mutual follows.

Trust starts at a few vetted seed accounts and spreads over an undirected social graph by an
early-terminated power iteration; accounts are ranked by their trust divided by their degree.
A sybil region joined to the honest region by few attack edges receives little trust before
the iteration stops. See ``docs/scorers/sybilrank.md`` for what is published and what is our
choice.
"""

from __future__ import annotations

import math
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
from .sparse import contains_sorted, parallel_product

__all__ = ["SybilRank", "tie_graph", "early_terminated_trust", "default_iterations"]

#: Neighbours itemised by ``explain`` (the rest are summed in one line).
EXPLAIN_TOP = 10

Ties = Literal["mutual", "any"]


def tie_graph(
    src: np.ndarray,
    dst: np.ndarray,
    n: int,
    ties: Ties = "mutual",
    dtype: type = np.float64,
    ordered: bool | None = None,
) -> sp.csr_matrix:
    """The undirected social graph (symmetric 0/1 CSR, no self-loops) from follows
    ``src -> dst``: ``mutual``, a tie where both accounts follow each other; ``any``, a tie where
    either follows the other. ``ordered``: whether the follows are sorted by ``(src, dst)``
    without repeats (a world's ``follows_in_order``); ``None`` checks."""
    if not len(src):
        return sp.csr_matrix((n, n), dtype=dtype)
    # follows as sorted int64 keys src*n+dst (re-follows count once); (a, b) is a mutual tie
    # when the reverse key (b, a) is a key too. Sorted keys give the CSR rows directly.
    # (each int64 array built in place: a large world's graph is built within fewer copies)
    key = np.array(src, np.int64)
    key *= n
    key += dst
    if ordered is None:
        ordered = bool((key[1:] > key[:-1]).all())
    if not ordered:
        key = np.unique(key)  # World.follow_keys holds the same keys for a world's follows
        src, dst = key // n, key % n
    reverse = np.array(dst, np.int64)
    del dst
    reverse *= n
    reverse += src
    del src
    reverse.sort()
    if ties == "mutual":
        ties_key = reverse[contains_sorted(key, reverse)]  # closed under reversal
    else:
        ties_key = np.union1d(key, reverse)
    rows = ties_key // n
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    return sp.csr_matrix(
        (np.ones(len(ties_key), dtype), (ties_key % n).astype(np.int32), indptr), shape=(n, n)
    )


def default_iterations(n: int) -> int:
    """``ceil(log2 n)``: our concrete choice of SybilRank's O(log n) early termination (0 for a
    world of at most one account)."""
    return math.ceil(math.log2(n)) if n > 1 else 0


def early_terminated_trust(
    graph: sp.csr_matrix, seeds: np.ndarray, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """SybilRank's power iteration: ``T_i(v) = sum over neighbours u of T_{i-1}(u)/deg(u)``
    from a total trust of 1 split evenly over the seeds; returns ``(T_w, T_{w-1})``.

    No teleport: trust only moves along ties. A seed without ties keeps nothing after the first
    step (its trust has nowhere to go).
    """
    n = graph.shape[0]
    deg = np.asarray(graph.sum(axis=1)).ravel()
    t = np.zeros(n, graph.dtype)
    if len(seeds):
        t[np.asarray(seeds, np.int64)] = 1.0 / len(seeds)
    inv = np.divide(1.0, deg, out=np.zeros(n, graph.dtype), where=deg > 0)
    last = t
    product = parallel_product(graph)
    for _ in range(iterations):
        last = t
        t = product(t * inv)
    return t, last


@dataclass(frozen=True)
class _Run:
    snapshot: World
    seeds: Seeds
    graph: sp.csr_matrix
    degree: np.ndarray
    iterations: int
    trust: np.ndarray
    trust_last: np.ndarray
    ranked: np.ndarray
    scores: np.ndarray


class SybilRank(Scorer):
    """SybilRank (Cao, Sirivianos, Yang, Pregueiro, NSDI 2012), 0..100.

    .. math::

        T_0(v) = \\frac{1}{|S|} [v \\in S], \\qquad
        T_i(v) = \\sum_{u \\sim v} \\frac{T_{i-1}(u)}{\\deg(u)}, \\qquad
        score = 100 \\, \\frac{T_w(v)/\\deg(v)}{\\max_u T_w(u)/\\deg(u)}

    Published (the paper): an undirected social graph; trust seeded on several verified
    honest accounts; power iteration without teleport, terminated early after ``O(log n)``
    iterations (before it converges to the degree-proportional stationary distribution);
    accounts ranked by degree-normalised trust ``T(v)/deg(v)``, the lowest being the likely
    fakes; seeds spread over communities and verified by hand.

    Our choices: undirected ties are **mutual follows** by default (``ties="mutual"``): on
    Tuenti a friendship needs both people to agree, so an attack edge needs an honest account
    to accept; a follow back is the closest analogue, while with ``ties="any"`` a fake makes an
    attack edge alone by following someone. ``w = ceil(log2 n)`` with ``n`` the accounts of the
    world (``iterations`` overrides it); total trust 1 (the ranking does not depend on it); an
    account without ties scores 0; seeds: the ``seeds`` parameter (ids or a file), else
    accounts labelled ``seed``, else in every community (the ``group`` column; one community
    without it) the ``candidates_per_community`` accounts with most ties, vetted by the label
    oracle (``seed``, ``human``, ``institution``, ``celebrity``), picked on the world as of
    ``seeds_as_of``; the score is the share of the highest degree-normalised trust.

    Notes
    -----
    Resists sybil regions (F9) and one-sided fake followers (F7): a fake follower that is not
    followed back makes no tie, so it neither lifts nor sinks anyone (with ``ties="any"`` it
    dilutes its target's degree-normalised trust: the target sinks). Accounts far from every
    seed within ``w`` steps score 0 whatever their audience (F3, F14). Without mutual follows,
    or without an oracle and without ``seeds``, every account scores 0.

    References
    ----------
    .. [1] Q. Cao, M. Sirivianos, X. Yang, T. Pregueiro, "Aiding the Detection of Fake Accounts
       in Large Scale Social Online Services", NSDI 2012 (section 4, the SybilRank design).
    """

    id = "sybilrank"
    concurrent = True  # keeps no state between calls
    version = "1.0"
    name = "SybilRank (early-terminated trust over mutual follows)"
    range = (0.0, 100.0)
    description = (
        "SybilRank as published (Cao, Sirivianos, Yang, Pregueiro, NSDI 2012): trust from "
        "vetted seeds spread over an undirected graph of mutual follows by a power iteration "
        "without teleport, stopped after ceil(log2 n) steps, ranked by trust divided by the "
        "number of ties. Seeds: the seeds parameter (ids or a file), else accounts labelled "
        "'seed', else the best-connected accounts of every community vouched for by the label "
        "oracle, picked on the world as of seeds_as_of. Score: share of the highest ranked "
        "trust, 0..100; no ties scores 0."
    )
    references = (
        "Cao, Sirivianos, Yang, Pregueiro. Aiding the Detection of Fake Accounts in Large "
        "Scale Social Online Services. NSDI 2012.",
    )
    tags = frozenset({"follows", "labels", "seeds", "time"})

    class Params(Params):
        seeds: tuple[str, ...] | str | None = seeds_field()
        seeds_as_of: str | None = seeds_as_of_field()
        ties: Ties = pydantic.Field(
            "mutual",
            description="how follows become undirected ties: mutual (both follow "
            "each other, the analogue of an accepted friendship) or any (either follows the "
            "other)",
        )
        iterations: int | None = pydantic.Field(
            None,
            ge=0,
            description="power-iteration steps; default ceil(log2 n) (the paper's "
            "O(log n) early termination)",
        )
        candidates_per_community: int = pydantic.Field(
            5,
            ge=1,
            description="accounts with most ties in each community (group) put to the "
            "label oracle by the default pick; accounts tied with the last are asked too",
        )
        dtype: Literal["float64", "float32"] = pydantic.Field(
            "float64",
            description="float type of the power iteration: float32 halves the "
            "memory of the tie graph and the vectors on very large graphs (values differ from "
            "float64 by about 1e-7, relative)",
        )

        @pydantic.field_validator("seeds", mode="before")
        @classmethod
        def _seeds_value(cls, v: Any) -> Any:
            return parse_seeds_value(v)

        @pydantic.field_validator("seeds_as_of", mode="before")
        @classmethod
        def _as_of_value(cls, v: Any) -> Any:
            return parse_time_value(v)

    params: SybilRank.Params

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        #: the seed ids given (read from the file when ``seeds`` names one), or None
        self.seed_ids = seed_ids_from(self.id, self.params.seeds)

    # ---- seeds ----
    def seeds(self, world: World, at: object = None) -> Seeds:
        """The seed accounts for scoring ``world`` as of ``at``, and how they were chosen."""
        return self._seeds(world, world.resolve_at(at))

    def _seeds(
        self, world: World, t: pd.Timestamp | None, graph: sp.csr_matrix | None = None
    ) -> Seeds:
        """The seeds; ``graph`` is the tie graph of the scoring snapshot, reused for the pick
        when it is made on that snapshot (``seeds_as_of`` not set)."""
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
        if graph is None or p.seeds_as_of is not None:
            graph = tie_graph(*snap.follow_codes, n, p.ties, ordered=snap.follows_in_order)
        degree = np.asarray(graph.sum(axis=1)).ravel()
        tied = degree > 0
        if not tied.any():
            return Seeds(
                np.zeros(0, np.int64),
                "none",
                f"no seeds: no account has a tie ({p.ties} follows){stamp}; give "
                "seeds=[...] (ids or a file)",
                as_of=when,
            )
        if "group" in world.accounts:
            community, _ = pd.factorize(world.accounts["group"], use_na_sentinel=False)
        else:
            community = np.zeros(n, np.int64)
        candidates = np.concatenate(
            [
                top_with_ties(degree, tied & (community == c), p.candidates_per_community)
                for c in np.unique(community)
            ]
        )
        good = oracle(world, candidates)
        codes = np.sort(candidates[good])
        k = len(np.unique(community[candidates])) if len(candidates) else 0
        if not len(codes):
            why = (
                "this world has no label column to vouch for anyone"
                if labels is None
                else "none of them carries a trusted label"
            )
            return Seeds(
                codes,
                "none",
                f"no seeds: the oracle was asked about the {len(candidates)} "
                f"best-connected accounts of {k} communities{stamp}, and {why}; give "
                "seeds=[...] (ids or a file) or label trusted accounts",
                candidates,
                when,
            )
        return Seeds(
            codes,
            "pick",
            f"{len(codes)} of the {len(candidates)} best-connected accounts of {k} "
            f"communities{stamp} vouched for by the label oracle",
            candidates,
            when,
        )

    # ---- propagation ----
    def _run(self, world: World, at: object) -> _Run:
        t = world.resolve_at(at)
        snap = world if t is None else world.as_of(t)
        n = len(snap)
        graph = tie_graph(
            *snap.follow_codes,
            n,
            self.params.ties,
            np.dtype(self.params.dtype).type,
            ordered=snap.follows_in_order,
        )
        seeds = self._seeds(world, t, graph)
        degree = np.asarray(graph.sum(axis=1)).ravel()
        w = self.params.iterations if self.params.iterations is not None else default_iterations(n)
        trust, last = early_terminated_trust(graph, seeds.codes, w)
        ranked = np.divide(trust, degree, out=np.zeros(n), where=degree > 0)
        top = ranked.max() if n else 0.0
        scores = np.clip(100.0 * ranked / top, 0.0, 100.0) if top > 0 else np.zeros(n)
        return _Run(snap, seeds, graph, degree, w, trust, last, ranked, scores)

    def trust(self, world: World, at: object = None) -> np.ndarray:
        """The trust ``T_w`` of every account (in ``world.ids`` order), before the division by
        degree."""
        return self._run(world, at).trust

    def score(self, world: World, at: object = None) -> pd.Series:
        return world.series(self._run(world, at).scores, name=self.id)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        code = world.code_of(account)
        run = self._run(world, at)
        score = float(run.scores[code])
        rows: list[tuple[str, float, str]] = []
        if run.iterations == 0:
            rows.append(("seed", float(run.trust[code]), "no iteration: the initial trust"))
        else:
            lo, hi = run.graph.indptr[code], run.graph.indptr[code + 1]
            neighbours = run.graph.indices[lo:hi]
            contrib = run.trust_last[neighbours] / run.degree[neighbours]
            order = np.lexsort((neighbours, -contrib))
            for j in order[:EXPLAIN_TOP]:
                u = int(neighbours[j])
                rows.append(
                    (
                        f"tie {world.ids[u]}",
                        float(contrib[j]),
                        f"T(u)/deg(u) = {run.trust_last[u]:.3g}/{run.degree[u]:g}",
                    )
                )
            rest = order[EXPLAIN_TOP:]
            if len(rest):
                rows.append(
                    (
                        f"{len(rest):,} other ties",
                        float(contrib[rest].sum()),
                        "the remaining neighbours' trust, summed",
                    )
                )
            if not len(neighbours):
                rows.append(
                    (
                        "no ties",
                        0.0,
                        f"no {self.params.ties} follows: no trust arrives and the score is 0",
                    )
                )
        points = proportional_points(score, np.array([r[1] for r in rows]))
        items = [
            (sig, val, float(pts), note) for (sig, val, note), pts in zip(rows, points, strict=True)
        ]
        top = float(run.ranked.max()) if len(run.ranked) else 0.0
        items.append(
            (
                "degree",
                float(run.degree[code]),
                0.0,
                "trust is divided by the number of ties (SybilRank's degree normalisation)",
            )
        )
        items.append(
            (
                "share of the top",
                float(run.ranked[code]),
                0.0,
                f"score = 100 * {run.ranked[code]:.4g} / {top:.4g} = {score:.4g}",
            )
        )
        notes = (
            f"seeds: {run.seeds.note}",
            f"trust after {run.iterations} power-iteration steps over {self.params.ties} "
            f"follows; values are the trust arriving in the last step and add up to "
            f"T = {run.trust[code]:.6g}; points share the score out in proportion to them",
        )
        return Statement(
            self.id, account, score, statement_items(items), world.resolve_at(at), notes
        )


@hookimpl
def register_scorers(register):
    register(SybilRank)
