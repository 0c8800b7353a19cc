"""What ``auditkit attack`` found (:class:`AttackReport`): as a dict for JSON, as text, and the
``auditkit audit`` command that reruns a written scenario."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from auditkit.attack.bound import _bound_text
from auditkit.attack.cost import _KIND, KINDS
from auditkit.attack.local_search import SearchResult
from auditkit.attack.worlds import AttackWorlds, Evaluation
from auditkit.scorer import Scorer


@dataclass
class AttackReport:
    """What ``auditkit attack`` found: one search per scorer, and each best attack measured on
    every scorer searched."""

    worlds: AttackWorlds
    budget: int
    results: list[SearchResult]
    cross: dict[str, dict[str, Evaluation]]       # attack of scorer -> scorer -> evaluation
    bounds: dict[str, dict[str, float]]           # scorer -> PageRank closed form
    scorers: list[Scorer] = field(default_factory=list)
    frozen: dict[str, list[str]] = field(default_factory=dict)  # scorer -> seeds vetted
    written: dict[str, str] = field(default_factory=dict)

    def rerun(self, path: str) -> str:
        """The ``auditkit audit`` command that measures a written scenario with the scorers
        (and the non-default parameters, frozen seeds included) this search used."""
        return _rerun_command(path, self.scorers)

    def to_dict(self) -> dict[str, Any]:
        w = self.worlds
        return {
            "budget": self.budget, "seed": w.seed, "population": w.population.accounts,
            "target_percentile": w.target_percentile, "target_traits": w.traits,
            "scorers": {s.id: s.params.model_dump(mode="json", exclude_defaults=True)
                        for s in self.scorers},
            "frozen_seeds": self.frozen,
            "cost_model": {k.name: {"units": k.cost, "why": k.why} for k in KINDS},
            "results": [{
                "scorer": r.scorer, "evaluations": r.evaluations, "seconds": r.seconds,
                "best_found_at_evaluation": r.found_at,
                "best": r.best.to_dict(), "flaw": r.best.composition.flaw(),
                "same_attack_on": {s: e.to_dict() for s, e in self.cross[r.scorer].items()},
                "pagerank_bound": self.bounds.get(r.scorer),
                "scenario": self.written.get(r.scorer),
                "rerun": self.rerun(self.written[r.scorer]) if r.scorer in self.written
                else None,
            } for r in self.results],
        }

    def render(self) -> str:
        from tabulate import tabulate

        w = self.worlds
        t = w.traits
        lines = [f"Attack search: budget {self.budget:,} units; population "
                 f"{w.population.accounts:,} accounts (seed {w.seed}); target: an ordinary "
                 f"account at the {w.target_percentile:g}th percentile of traits (attention "
                 f"{t['attention']:g}, activity {t['activity']:g}, sociability "
                 f"{t['sociability']:g})",
                 "Cost model (units each): " + ", ".join(f"{k.label} {k.cost}" for k in KINDS)]
        for sid, seeds in self.frozen.items():
            lines.append(f"{sid}: seeds frozen on the control world (vetted before the attack): "
                         + ", ".join(seeds))
        lines.append("")
        for r in self.results:
            b = r.best
            lines += [f"{r.scorer}: best attack found at evaluation {r.found_at} of "
                      f"{r.evaluations} ({r.seconds:.1f} s)",
                      f"  attack:  {b.composition.describe()}",
                      f"  cost:    {b.cost:,} of {self.budget:,} units ("
                      + ", ".join(f"{_KIND[k].label} {u:,}" for k, u in
                                  b.composition.units().items()) + ")",
                      f"  gain:    {b.pct_before:.1f}th -> {b.pct_after:.1f}th percentile "
                      f"({b.gain:+.1f} points); score {b.score_before:.3g} -> "
                      f"{b.score_after:.3g} ({b.score_gain:+.3g})"]
            if r.scorer in self.bounds:
                lines.append("  bound:   " + _bound_text(self.bounds[r.scorer]))
            if r.scorer in self.written:
                lines.append(f"  wrote:   {self.written[r.scorer]} (flaw "
                             f"{b.composition.flaw()}); rerun: "
                             f"{self.rerun(self.written[r.scorer])}")
            lines.append("")
        if len(self.results) > 1:
            ids = [r.scorer for r in self.results]
            rows = [[r.scorer, r.best.composition.describe(), r.best.cost,
                     f"{r.best.gain:+.1f}", f"{r.best.score_gain:+.3g}",
                     *[f"{self.cross[r.scorer][s].gain:+.1f}" for s in ids]]
                    for r in self.results]
            lines += ["Comparison on the same budget (gain in percentile points; the last "
                      "columns: the same attack measured on each scorer)",
                      tabulate(rows, headers=["scorer", "best attack", "cost", "gain",
                                              "score gain", *[f"on {s}" for s in ids]],
                               disable_numparse=True), ""]
        return "\n".join(lines)


def _rerun_command(path: str, scorers: Sequence[Scorer]) -> str:
    parts = ["auditkit audit", str(path)]
    for s in scorers:
        parts.append(f"--scorer {s.id}")
    for s in scorers:
        for name, value in s.params.model_dump(mode="json", exclude_defaults=True).items():
            flow = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
            flow = flow.removesuffix("\n...").strip()
            parts.append(f"--param '{s.id}.{name}={flow}'")
    return " ".join(parts)
