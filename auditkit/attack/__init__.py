"""``auditkit attack``: search for the attack that lifts one ordinary account the most per budget.

An *attack* spends a budget of cost units on a mix of manipulations of one target account (the
kinds in :data:`KINDS`: bought fake followers, reactions bought from fake or real accounts,
follows made to harvest follow-backs, engagement-pod partners, a sybil farm behind attack edges,
celebrity reshares). The target is an ordinary account whose hidden traits sit at a chosen
percentile of a generated base population. Each candidate attack is built as the treated world of
a one-cohort scenario (behaviour :class:`CompositeAttack`, registered here through the
``register_behaviours`` hook) and compared with its control world, exactly as ``auditkit audit``
would; the best one is written out as a scenario that ``auditkit audit`` reproduces.

The search (:func:`search`) is a seeded optimiser over integer allocations of the budget: pure
and random allocations first, then best-improvement hill climbing that moves budget between kinds
with a halving step, restarted from the next-best start while evaluations remain. It keeps the
best attack it evaluated. It is a local search: it finds a good attack, not provably the worst.

For PageRank, :func:`pagerank_bound` states the closed form of the optimal link-spam farm
(Gyöngyi & Garcia-Molina, "Link Spam Alliances", VLDB 2005; Leskovec, Rajaraman, Ullman, *Mining
of Massive Datasets*, §5.4.2), ``y = x/(1-β²) + β/(1+β)·m/n``, beside the PageRank measured.
"""

from __future__ import annotations

# register_behaviours (the hook implementation) is re-exported because the entry point
# `attack = "auditkit.attack"` names this package; pluggy looks for it here.
from auditkit.attack.bound import farm_bound, pagerank_bound
from auditkit.attack.campaign import freeze_seeds, run_attack
from auditkit.attack.composite import REACTION_KINDS as REACTION_KINDS
from auditkit.attack.composite import CompositeAttack
from auditkit.attack.composite import register_behaviours as register_behaviours
from auditkit.attack.cost import KINDS, MAX_BUDGET, Composition, Kind
from auditkit.attack.local_search import SearchResult, search
from auditkit.attack.report import AttackReport
from auditkit.attack.reproduction import COHORT, attack_scenario, write_scenario
from auditkit.attack.worlds import AttackWorlds, Evaluation, target_traits

__all__ = [
    "KINDS",
    "Kind",
    "Composition",
    "CompositeAttack",
    "Evaluation",
    "SearchResult",
    "AttackWorlds",
    "search",
    "target_traits",
    "farm_bound",
    "pagerank_bound",
    "attack_scenario",
    "write_scenario",
    "freeze_seeds",
    "run_attack",
    "AttackReport",
    "COHORT",
    "MAX_BUDGET",
]
