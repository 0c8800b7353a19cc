"""The worlds an attack is measured on: the target's traits (:func:`target_traits`), the
control and treated worlds (:class:`AttackWorlds`) and one attack measured on one scorer
(:class:`Evaluation`)."""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pydantic

from auditkit.attack.composite import CompositeAttack
from auditkit.attack.cost import Composition
from auditkit.attack.reproduction import COHORT, attack_scenario
from auditkit.data.draft import Draft
from auditkit.data.synth import add_population
from auditkit.errors import AuditkitError
from auditkit.plugin.scorer import Scorer, run_scorer
from auditkit.scenario.model import Population, Scenario
from auditkit.scenario.run import Built, ScenarioRun


def target_traits(population: Population, seed: int, percentile: float) -> dict[str, float]:
    """Traits of an ordinary account at ``percentile`` (0-100) of the base population that
    ``population`` generates with ``seed``: each trait's quantile, to 4 significant digits."""
    draft = Draft(days=population.days, seed=seed)
    add_population(draft, population.accounts, communities=population.communities)
    q = percentile / 100.0
    return {
        name: float(f"{np.quantile(draft.column(name), q):.4g}")
        for name in ("attention", "activity", "sociability")
    }


@dataclass(frozen=True)
class Evaluation:
    """One attack measured on one scorer: the target in the control and the treated world."""

    composition: Composition
    pct_before: float
    pct_after: float
    score_before: float
    score_after: float

    @property
    def gain(self) -> float:
        """Percentile points."""
        return self.pct_after - self.pct_before

    @property
    def score_gain(self) -> float:
        return self.score_after - self.score_before

    @property
    def cost(self) -> int:
        return self.composition.cost

    def key(self) -> tuple[float, float, int]:
        """What the search maximises: percentile gain, then score gain, then lower cost."""
        return (round(self.gain, 9), round(self.score_gain, 9), -self.cost)

    def to_dict(self) -> dict[str, Any]:
        return {
            "composition": dict(self.composition.items),
            "cost": self.cost,
            "units": self.composition.units(),
            "percentile_before": self.pct_before,
            "percentile_after": self.pct_after,
            "gain_percentile_points": self.gain,
            "score_before": self.score_before,
            "score_after": self.score_after,
            "gain_score_points": self.score_gain,
        }


class AttackWorlds:
    """The control world of the target and treated worlds for attacks, built as
    :class:`~auditkit.scenario.run.ScenarioRun` would build them for :func:`attack_scenario`.

    The control draft (after setup, organic simulation and finish) is built once; an attack's
    treated world is a copy of it with the attack's treatment applied, which is what a run of
    the written scenario computes (same seed, same named random streams).
    """

    def __init__(
        self,
        registry,
        *,
        accounts: int = 1000,
        seed: int = 0,
        target_percentile: float = 50.0,
        day: float | None = None,
        cache_size: int | None = None,
    ) -> None:
        if registry.behaviours.get(CompositeAttack.id) is not CompositeAttack:
            raise AuditkitError(
                f"behaviour {CompositeAttack.id!r} is not registered (it comes "
                "from auditkit's entry point 'attack = \"auditkit.attack\"'); "
                "reinstall auditkit with `pip install -e .`, or build the "
                "registry with plugins=[('attack', auditkit.attack)]"
            )
        self.registry = registry
        self.seed = int(seed)
        try:
            self.population = Population(accounts=accounts, seed=seed)
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            raise AuditkitError(
                f"population {err['loc'][0]} = {err.get('input')!r}: {err['msg']}"
            ) from None
        self.target_percentile = float(target_percentile)
        self.traits = target_traits(self.population, self.seed, self.target_percentile)
        self.day = day
        # the treated worlds start from a copy of the control draft: keep its events
        self.run = ScenarioRun(self.scenario(Composition()), self.seed, registry, keep_events=True)
        self.control: Built = self.run.control
        draft = self.control.draft
        self.end = draft.start + pd.Timedelta(days=draft.days)
        self.target = int(self.control.cohorts[COHORT].members[0])
        self._worlds: OrderedDict[Composition, Built] = OrderedDict()
        self._control_scores: dict[tuple[str, str], tuple[float, float]] = {}
        # treated worlds kept for reuse across scorers: 64 of 1,000 accounts, fewer when larger
        self.cache_size = cache_size or max(2, min(64, 64_000 // accounts))
        self.builds = 0

    def params(self, comp: Composition) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.traits)
        if self.day is not None:
            out["day"] = self.day
        return out | dict(comp.items)

    def scenario(self, comp: Composition, **fields: Any) -> Scenario:
        return Scenario.model_validate(attack_scenario(self, comp, **fields))

    def treated(self, comp: Composition) -> Built:
        if not comp.items:
            return self.control
        if comp in self._worlds:
            self._worlds.move_to_end(comp)
            return self._worlds[comp]
        draft = copy.deepcopy(self.control.draft)
        cohort = copy.deepcopy(self.control.cohorts[COHORT])
        behaviour = CompositeAttack(**self.params(comp))
        behaviour.treat(draft, cohort, draft.rng("treat", COHORT))
        built = Built(draft.build(), {COHORT: cohort}, draft.column("role"), draft)
        self.builds += 1
        self._worlds[comp] = built
        if len(self._worlds) > self.cache_size:
            self._worlds.popitem(last=False)
        return built

    def _target(self, scorer: Scorer, built: Built) -> tuple[float, float]:
        scores = run_scorer(scorer, built.world, self.end)
        pct = self.run.percentiles(scores, built)
        return float(pct[self.target]), float(scores.iloc[self.target])

    def evaluate(self, scorer: Scorer, comp: Composition) -> Evaluation:
        key = (scorer.id, repr(scorer.params))
        if key not in self._control_scores:
            self._control_scores[key] = self._target(scorer, self.control)
        before = self._control_scores[key]
        after = before if not comp.items else self._target(scorer, self.treated(comp))
        return Evaluation(comp, before[0], after[0], before[1], after[1])
