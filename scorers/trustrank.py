"""TrustRank / SybilRank: trust propagated from known-good seed accounts along follows.

The manipulation-resistant reference scorer: an account earns trust only when trusted accounts
follow it, so a sybil region joined to the honest region by few attack edges receives at most
what flows through those edges, however large it grows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pydantic
import scipy.sparse as sp
from auditkit.scorers.pagerank import (
    _balanced,
    _follower_rows,
    _power_iterate,
    _share,
    _transition,
)

from auditkit import Params, Scorer, Statement, World, hookimpl, statement_items
from auditkit.errors import ScorerError

__all__ = ["TrustRank", "SEED_LABEL", "EXCLUDED_LABELS"]

#: Accounts with this label are the seeds, when any account has it.
SEED_LABEL = "seed"
#: Labels that keep an account out of the default seed pick (standing in for TrustRank's oracle).
EXCLUDED_LABELS = frozenset({"bot", "spam", "sybil", "fake"})
#: Power-iteration steps of the inverse PageRank behind the default seed pick.
INVERSE_PAGERANK_STEPS = 20


@dataclass(frozen=True)
class Seeds:
    """The seed accounts (codes, sorted) and how they were chosen."""

    codes: np.ndarray
    source: Literal["labels", "param", "inverse-pagerank", "none"]
    note: str


@dataclass(frozen=True)
class _Run:
    snapshot: World
    seeds: Seeds
    pt: sp.csr_matrix
    iterations: int
    trust: np.ndarray
    trust_last: np.ndarray
    divisor: np.ndarray
    ranked: np.ndarray
    scores: np.ndarray


class TrustRank(Scorer):
    """Trust propagated from seed accounts along follows (TrustRank, SybilRank), 0..100.

    .. math::

        T_0 = s, \\qquad T_{k+1} = d \\, P^T T_k + (1 - d) \\, s, \\qquad
        score = 100 \\, \\frac{T_K(v) / (f(v) + 1)}{\\max_u T_K(u) / (f(u) + 1)}

    where ``s`` puts ``1/|S|`` on each seed, ``P`` is the follow matrix with each follower's row
    divided by the accounts it follows (trust flows from follower to followee), ``d`` the
    damping, ``K`` the number of iterations (default ``ceil(log2 n)``, SybilRank's early
    termination) and ``f(v)`` the number of followers (``normalise="degree"``, SybilRank's
    degree-normalised trust; ``normalise="none"`` ranks by ``T`` itself, plain TrustRank).
    Trust that reaches an account who follows no one stays there: it is not redistributed (that
    would leak trust to sybils). All scores are 0 when no trust reaches anyone (no seeds).

    Seeds are the accounts labelled ``seed`` if any; else the ``seeds`` parameter; else, among
    the ``candidate_pool`` accounts with most followers (at most ``pool_fraction`` of the world,
    accounts labelled bot, spam, sybil or fake left out), the ``n_seeds`` with the highest
    inverse PageRank (PageRank of the reversed graph, TrustRank's seed heuristic).

    Notes
    -----
    Resists sybil regions (F9): with the attack edges fixed, the trust of a sybil region does not
    grow with its size. Bought followers (F7) and follow-back rings (F8) gain only the trust of
    the honest accounts that follow them. It depends on its seeds: an account far from every
    seed scores near 0 whatever its audience (F3, F14), and the default seed pick favours
    popular accounts (F10).

    References
    ----------
    .. [1] Z. Gyöngyi, H. Garcia-Molina, J. Pedersen, "Combating Web Spam with TrustRank",
       VLDB 2004.
    .. [2] Q. Cao, M. Sirivianos, X. Yang, T. Pregueiro, "Aiding the Detection of Fake Accounts
       in Large Scale Social Online Services", NSDI 2012 (SybilRank).
    """

    id = "trustrank"
    version = "1.0"
    name = "TrustRank / SybilRank (seeded trust)"
    range = (0.0, 100.0)
    description = (
        "Trust spread from seed accounts along follows (follower -> followee) by a TrustRank "
        "biased PageRank, damping 0.85, stopped after ceil(log2 n) iterations as in SybilRank; "
        "mass at accounts who follow no one is not redistributed. Ranked by trust per follower "
        "(trust/(followers+1)) or raw trust, as a share of the highest, 0..100. Seeds: accounts "
        "labelled 'seed', else the seeds parameter, else the top inverse-PageRank accounts among "
        "the most-followed (bot/spam/sybil/fake labels excluded)."
    )
    references = (
        "Gyöngyi, Garcia-Molina, Pedersen. Combating Web Spam with TrustRank. VLDB 2004.",
        "Cao, Sirivianos, Yang, Pregueiro. Aiding the Detection of Fake Accounts in Large Scale "
        "Social Online Services. NSDI 2012.",
    )
    tags = frozenset({"follows", "labels", "seeds", "time"})

    class Params(Params):
        seeds: tuple[str, ...] | None = pydantic.Field(
            None, min_length=1, description="ids of trusted seed accounts (used when no account "
            "is labelled 'seed'); default: picked by inverse PageRank")
        n_seeds: int = pydantic.Field(
            20, ge=1, description="seeds of the default pick (capped to the candidate pool)")
        candidate_pool: int = pydantic.Field(
            100, ge=1, description="the default pick chooses among this many most-followed "
            "accounts")
        pool_fraction: float = pydantic.Field(
            0.1, gt=0.0, le=1.0, description="...and at most this share of all accounts "
            "(rounded up)")
        damping: float = pydantic.Field(
            0.85, ge=0.0, lt=1.0, description="share of trust passed on per hop; the rest "
            "returns to the seeds")
        iterations: int | None = pydantic.Field(
            None, ge=0, description="propagation steps; default ceil(log2 n) (SybilRank's "
            "early termination)")
        normalise: Literal["degree", "none"] = pydantic.Field(
            "degree", description="degree: rank by trust/(followers+1) (SybilRank); none: by "
            "trust (TrustRank)")

    # ---- seeds ----
    def seeds(self, world: World, at: object = None) -> Seeds:
        """The seed accounts for ``world`` as of ``at``, and how they were chosen."""
        t = world.resolve_at(at)
        return self._seeds(world if t is None else world.as_of(t))

    def _seeds(self, snap: World) -> Seeds:
        n = len(snap)
        labels = _labels(snap)
        if labels is not None:
            labelled = np.flatnonzero(labels == SEED_LABEL)
            if len(labelled):
                ignored = " (the seeds parameter is ignored)" if self.params.seeds else ""
                return Seeds(labelled, "labels",
                             f"{len(labelled)} accounts labelled {SEED_LABEL!r}{ignored}")
        if self.params.seeds is not None:
            codes = snap.ids.get_indexer(list(self.params.seeds))
            if (codes < 0).any():
                bad = self.params.seeds[int(np.flatnonzero(codes < 0)[0])]
                raise ScorerError(f"scorer 'trustrank' parameter 'seeds': account {bad!r} is not "
                                  f"in this world of {n:,} accounts; check the id (ids are "
                                  "case-sensitive strings)")
            codes = np.unique(codes)
            return Seeds(codes, "param", f"{len(codes)} seeds given by the seeds parameter")
        if n == 0:
            return Seeds(np.zeros(0, np.int64), "none", "empty world: no seeds")
        followers = snap.in_degree
        eligible = np.ones(n, bool)
        if labels is not None:
            eligible &= ~np.isin(labels, list(EXCLUDED_LABELS))
        pool_size = min(self.params.candidate_pool,
                        max(1, math.ceil(self.params.pool_fraction * n)))
        by_followers = np.lexsort((np.arange(n), -followers))
        pool = by_followers[eligible[by_followers]][:pool_size]
        if not len(pool):
            return Seeds(np.zeros(0, np.int64), "none",
                         "no eligible seed candidate (every account carries an excluded label)")
        src, dst = snap.follow_codes
        inverse = _inverse_pagerank(src, dst, n, self.params.damping)
        order = np.lexsort((pool, -followers[pool], -inverse[pool]))
        chosen = np.sort(pool[order[: self.params.n_seeds]])
        return Seeds(chosen, "inverse-pagerank",
                     f"{len(chosen)} seeds with the highest inverse PageRank among the "
                     f"{len(pool)} most-followed eligible accounts")

    # ---- propagation ----
    def _run(self, world: World, at: object) -> _Run:
        t = world.resolve_at(at)
        snap = world if t is None else world.as_of(t)
        n = len(snap)
        seeds = self._seeds(snap)
        src, dst = snap.follow_codes
        pt, dangling = _transition(src, dst, n)
        iterations = (self.params.iterations if self.params.iterations is not None
                      else max(1, math.ceil(math.log2(n))) if n > 1 else 1)
        s = np.zeros(n)
        if len(seeds.codes):
            s[seeds.codes] = 1.0 / len(seeds.codes)
            it = _power_iterate(pt, dangling, damping=self.params.damping, teleport=s,
                                dangling_to=None, start=s, max_iter=iterations, threshold=0.0)
            trust, trust_last, steps = it.x, it.x_last, it.iterations
        else:
            trust, trust_last, steps = s, s, 0
        divisor = (snap.in_degree + 1.0 if self.params.normalise == "degree" else np.ones(n))
        ranked = trust / divisor
        top = ranked.max() if n else 0.0
        scores = np.clip(100.0 * ranked / top, 0.0, 100.0) if top > 0 else np.zeros(n)
        return _Run(snap, seeds, pt, steps, trust, trust_last, divisor, ranked, scores)

    def trust(self, world: World, at: object = None) -> np.ndarray:
        """The raw trust ``T_K`` of every account (in ``world.ids`` order), before ranking."""
        return self._run(world, at).trust

    def score(self, world: World, at: object = None) -> pd.Series:
        return world.series(self._run(world, at).scores, name=self.id)

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        code = world.code_of(account)
        run = self._run(world, at)
        d = self.params.damping
        score = float(run.scores[code])
        is_seed = bool(np.isin(code, run.seeds.codes))
        seed_share = 1.0 / len(run.seeds.codes) if is_seed else 0.0
        rows: list[tuple[str, float, str]] = []
        if run.iterations == 0:
            rows.append(("seed", float(run.trust[code]), "no propagation step: trust = s"))
        else:
            what = f"a seed, s = 1/|S| = {seed_share:.3g}" if is_seed else "not a seed, s = 0"
            rows.append(("seed teleport", (1.0 - d) * seed_share, f"(1-d)*s: {what}"))
            rows.extend(_follower_rows(run.pt, run.trust_last, d, code, world.ids, "T",
                                       "follower"))
        raw = np.array([r[1] for r in rows])
        points = _share(score, raw)
        items = [(sig, val, pts, note) for (sig, val, note), pts in zip(rows, points, strict=True)]
        top = float(run.ranked.max()) if len(run.ranked) else 0.0
        if self.params.normalise == "degree":
            items.append(("followers + 1", float(run.divisor[code]), 0.0,
                          "trust is divided by this (SybilRank's degree normalisation)"))
        items.append(("share of the top", float(run.ranked[code]), 0.0,
                      f"score = 100 * {run.ranked[code]:.4g} / {top:.4g} = {score:.4g}"))
        notes = (f"seeds: {run.seeds.note}",
                 f"trust after {run.iterations} iterations (damping {d:g}); values are the raw "
                 f"trust arriving in the last step and add up to T = {run.trust[code]:.6g}. "
                 f"Points share the score out in proportion to them.")
        return Statement(self.id, account, score, _balanced(statement_items(items), score),
                         world.resolve_at(at), notes)


def _labels(world: World) -> np.ndarray | None:
    """Lower-cased labels as an object array ('' where missing), or None without a column."""
    if "label" not in world.accounts:
        return None
    col = world.accounts["label"]
    return col.astype("string").fillna("").str.strip().str.lower().to_numpy(dtype=object)


def _inverse_pagerank(src: np.ndarray, dst: np.ndarray, n: int, damping: float) -> np.ndarray:
    """PageRank of the reversed follow graph (followee -> follower) after a fixed 20 steps.

    Uniform teleport and dangling mass as in networkx; a fixed number of steps because
    networkx's ``n * tol`` stopping rule ends after one step on large worlds, which would make
    the pick a weighted out-degree.
    """
    pt, dangling = _transition(dst, src, n)
    uniform = np.full(n, 1.0 / n)
    return _power_iterate(pt, dangling, damping=damping, teleport=uniform, dangling_to=uniform,
                          start=uniform, max_iter=INVERSE_PAGERANK_STEPS, threshold=0.0).x


@hookimpl
def register_scorers(register):
    register(TrustRank)
