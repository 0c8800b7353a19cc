"""What ``auditkit attack`` found (:class:`AttackReport`) as plain data, and the ``auditkit
audit`` command that reruns a written scenario. Rendering it is the report layer's job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from auditkit.attack.cost import KINDS
from auditkit.attack.local_search import SearchResult
from auditkit.attack.worlds import AttackWorlds, Evaluation
from auditkit.plugin.scorer import Scorer


@dataclass
class AttackReport:
    """What ``auditkit attack`` found: one search per scorer, and each best attack measured on
    every scorer searched."""

    worlds: AttackWorlds
    budget: int
    results: list[SearchResult]
    cross: dict[str, dict[str, Evaluation]]  # attack of scorer -> scorer -> evaluation
    bounds: dict[str, dict[str, float]]  # scorer -> PageRank closed form
    scorers: list[Scorer] = field(default_factory=list)
    frozen: dict[str, list[str]] = field(default_factory=dict)  # scorer -> seeds vetted
    written: dict[str, str] = field(default_factory=dict)

    def rerun(self, path: str) -> str:
        """The ``auditkit audit`` command that measures a written scenario with the scorers
        (and the non-default parameters, frozen seeds included) this search used."""
        return rerun_command(path, self.scorers)

    def to_dict(self) -> dict[str, Any]:
        w = self.worlds
        return {
            "budget": self.budget,
            "seed": w.seed,
            "population": w.population.accounts,
            "target_percentile": w.target_percentile,
            "target_traits": w.traits,
            "scorers": {
                s.id: s.params.model_dump(mode="json", exclude_defaults=True) for s in self.scorers
            },
            "frozen_seeds": self.frozen,
            "cost_model": {k.name: {"units": k.cost, "why": k.why} for k in KINDS},
            "results": [
                {
                    "scorer": r.scorer,
                    "evaluations": r.evaluations,
                    "seconds": r.seconds,
                    "best_found_at_evaluation": r.found_at,
                    "best": r.best.to_dict(),
                    "flaw": r.best.composition.flaw(),
                    "same_attack_on": {s: e.to_dict() for s, e in self.cross[r.scorer].items()},
                    "pagerank_bound": self.bounds.get(r.scorer),
                    "scenario": self.written.get(r.scorer),
                    "rerun": self.rerun(self.written[r.scorer])
                    if r.scorer in self.written
                    else None,
                }
                for r in self.results
            ],
        }


def rerun_command(path: str, scorers: Sequence[Scorer]) -> str:
    parts = ["auditkit audit", str(path)]
    for s in scorers:
        parts.append(f"--scorer {s.id}")
    for s in scorers:
        for name, value in s.params.model_dump(mode="json", exclude_defaults=True).items():
            flow = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
            flow = flow.removesuffix("\n...").strip()
            parts.append(f"--param '{s.id}.{name}={flow}'")
    return " ".join(parts)
