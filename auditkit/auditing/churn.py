"""Rank churn between two scorers on the same simulated worlds: how much a scoring change
reorders the accounts, who moved most, and which bystanders moved.

:class:`ChurnTask` is one scenario and seed, like an audit task: it builds the scenario's
treated world once, scores it with the base and the candidate scorer, and gives

- one ``world`` row: Spearman's rho, Kendall's tau-b, the top-``k`` overlap and rank-biased
  overlap of the two rankings (:mod:`auditkit.auditing.ranks`), how many accounts changed rank,
  and the bystanders who moved;
- ``cohort`` rows: per cohort (and ``(base)``, the accounts in none), the median move in
  places and in percentile points;
- ``mover`` rows: the accounts whose rank moved most, with their cohort.

Accounts are ranked among the population (base accounts and cohort members); auxiliary
accounts a behaviour adds (bought followers, sybils) are left out, as the probes leave them out.

**Bystanders** (docs/flaws.md F13: accounts whose own actions did not change but whose score
did). Both scorers read the *same* world here, so no account's actions differ between the two
sides, and every move is the scoring change's doing. What is counted is the base accounts
(those in no cohort: the scenario gives them no behaviour of their own) whose percentile among
the population moved by at least :data:`BYSTANDER_POINTS` between the base and the candidate
scorer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from auditkit.auditing.ranks import (
    DEFAULT_K,
    DEFAULT_P,
    kendall_tau_b,
    rbo,
    spearman,
    top_k_overlap,
)
from auditkit.errors import ScorerError
from auditkit.plugin.scorer import Scorer
from auditkit.scenario.model import Scenario

__all__ = [
    "ChurnTask",
    "WORLD_COLUMNS",
    "MOVER_COLUMNS",
    "COHORT_COLUMNS",
    "BYSTANDER_POINTS",
    "MOVERS",
]

#: policy: a bystander "moved" when its percentile changed by at least 1 point (a fifth of the
#: tightest percentile bound of the bundled scenarios, 5 points): small enough to count every
#: visible move, large enough to ignore float noise and tie reshuffles of a few places.
BYSTANDER_POINTS = 1.0
#: accounts listed per world as the ones that moved most
MOVERS = 10
WORLD_COLUMNS = [
    "scenario",
    "flaw",
    "seed",
    "base",
    "candidate",
    "accounts",
    "spearman",
    "kendall_tau_b",
    "k",
    "top_k_overlap",
    "rbo",
    "p",
    "changed_rank",
    "largest_move",
    "bystanders",
    "bystanders_moved",
    "bystander_points",
    "error",
]
COHORT_COLUMNS = ["scenario", "seed", "cohort", "accounts", "places", "percentile_points"]
MOVER_COLUMNS = [
    "scenario",
    "seed",
    "account",
    "cohort",
    "base_rank",
    "candidate_rank",
    "places",
    "base_percentile",
    "candidate_percentile",
    "base_score",
    "candidate_score",
]


def _percentiles(values: np.ndarray) -> np.ndarray:
    """Percentile rank 0-100 (ties averaged), as the probes compute it."""
    from scipy import stats

    ranks = stats.rankdata(values, method="average")
    return 100.0 * (ranks - 0.5) / max(len(values), 1)


@dataclass(frozen=True)
class ChurnTask:
    """One scenario and seed, scored by ``base`` and ``candidate`` (see the module docstring).
    Runs through an executor like an audit task (it pickles; the world is built where it
    runs)."""

    scenario: Scenario
    seed: int
    base: Scorer
    candidate: Scorer
    time_limit: float | None = 60.0
    k: int = DEFAULT_K
    p: float = DEFAULT_P
    movers: int = MOVERS

    @property
    def label(self) -> str:
        return f"{self.scenario.id} (seed {self.seed}, rank churn)"

    def run(self, registry: Any) -> list[dict[str, Any]]:
        from auditkit.scenario.run import ScenarioRun

        run = ScenarioRun(self.scenario, self.seed, registry, time_limit=self.time_limit)
        world: dict[str, Any] = {
            "kind": "world",
            "scenario": self.scenario.id,
            "flaw": self.scenario.flaw,
            "seed": self.seed,
            "base": self.base.id,
            "candidate": self.candidate.id,
            "k": self.k,
            "p": self.p,
            "bystander_points": BYSTANDER_POINTS,
            "error": "",
        }
        try:
            a_all = run.scores(self.base).to_numpy(dtype=float)
            b_all = run.scores(self.candidate).to_numpy(dtype=float)
        except ScorerError as exc:
            return [world | {"error": str(exc)}]
        except Exception as exc:  # a scenario that cannot be built here: say so, go on
            return [world | {"error": f"{type(exc).__name__}: {exc}"}]
        built = run.treated
        pop = np.flatnonzero(built.population)
        a, b = a_all[pop], b_all[pop]
        cohort = np.full(len(built.role), "(base)", dtype=object)
        for name, c in built.cohorts.items():
            cohort[np.asarray(c.members, dtype=np.int64)] = name
        cohort = cohort[pop]
        rank_a = _rank(a)
        rank_b = _rank(b)
        places = rank_a - rank_b  # positive: moved up under the candidate
        pct_a, pct_b = _percentiles(a), _percentiles(b)
        is_bystander = built.role[pop] == "base"
        moved = np.abs(pct_b - pct_a) >= BYSTANDER_POINTS
        world |= {
            "accounts": len(pop),
            "spearman": spearman(a, b),
            "kendall_tau_b": kendall_tau_b(a, b),
            "top_k_overlap": top_k_overlap(a, b, self.k),
            "rbo": rbo(a, b, self.p),
            "changed_rank": int(np.count_nonzero(places)),
            "largest_move": float(np.max(np.abs(places))) if len(pop) else 0.0,
            "bystanders": int(is_bystander.sum()),
            "bystanders_moved": int((is_bystander & moved).sum()),
        }
        order = np.lexsort((pop, -np.abs(places)))[: self.movers]
        ids = built.world.ids
        rows: list[dict[str, Any]] = [world]
        for name in dict.fromkeys(["(base)", *built.cohorts]):
            in_cohort = cohort == name
            if in_cohort.any():
                rows.append(
                    {
                        "kind": "cohort",
                        "scenario": self.scenario.id,
                        "seed": self.seed,
                        "cohort": name,
                        "accounts": int(in_cohort.sum()),
                        "places": float(np.median(places[in_cohort])),
                        "percentile_points": float(np.median(pct_b[in_cohort] - pct_a[in_cohort])),
                    }
                )
        for i in order:
            if places[i] == 0:
                break
            rows.append(
                {
                    "kind": "mover",
                    "scenario": self.scenario.id,
                    "seed": self.seed,
                    "account": str(ids[pop[i]]),
                    "cohort": str(cohort[i]),
                    "base_rank": float(rank_a[i]),
                    "candidate_rank": float(rank_b[i]),
                    "places": float(places[i]),
                    "base_percentile": float(pct_a[i]),
                    "candidate_percentile": float(pct_b[i]),
                    "base_score": float(a[i]),
                    "candidate_score": float(b[i]),
                }
            )
        return rows


def _rank(values: np.ndarray) -> np.ndarray:
    """1-based rank, highest first, ties sharing their average rank."""
    from scipy import stats

    return stats.rankdata(-values, method="average")
