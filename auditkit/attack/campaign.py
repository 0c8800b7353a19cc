"""The command's work (:func:`run_attack`): a search per scorer, each best attack measured on
every scorer, the PageRank bound and the written reproductions; and :func:`freeze_seeds`."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from auditkit.attack.bound import pagerank_bound
from auditkit.attack.cost import MAX_BUDGET
from auditkit.attack.local_search import SearchResult, search
from auditkit.attack.report import AttackReport, rerun_command
from auditkit.attack.reproduction import attack_scenario, write_scenario
from auditkit.attack.worlds import AttackWorlds
from auditkit.errors import AuditkitError
from auditkit.plugin.scorer import Scorer
from auditkit.plugin.spec import rebuild
from auditkit.scenario.model import Scenario


def freeze_seeds(registry, scorer: Scorer, worlds: AttackWorlds) -> tuple[Scorer, list[str]]:
    """``scorer`` with its seeds fixed to those its default pick chooses on the control world.

    A seeded scorer (a ``seeds`` parameter and a ``seeds(world, at)`` method, as trustrank)
    that picks its seeds on the attacked world can pick the attacker: an oracle vets seeds
    before any attack (TrustRank, VLDB 2004). Scorers without seeds, or whose seeds are given,
    are returned unchanged (with no seeds listed).
    """
    fields = type(scorer).Params.model_fields
    if (
        "seeds" not in fields
        or getattr(scorer.params, "seeds", None) is not None
        or not callable(getattr(scorer, "seeds", None))
    ):
        return scorer, []
    picked = scorer.seeds(worlds.control.world, worlds.end)  # type: ignore[attr-defined]
    ids = [str(worlds.control.world.ids[c]) for c in picked.codes]
    if not ids:
        return scorer, []
    params = scorer.params.model_dump(exclude_defaults=True) | {"seeds": tuple(ids)}
    return rebuild(scorer, **params), ids


def run_attack(
    registry,
    scorers: Sequence[Scorer],
    budget: int,
    *,
    accounts: int = 1000,
    seed: int = 0,
    target_percentile: float = 50.0,
    max_evaluations: int = 300,
    frozen_seeds: bool = True,
    output: str | os.PathLike | None = None,
    progress: Callable[[str], None] | None = None,
) -> AttackReport:
    """Search the worst attack for every scorer; measure each best attack on every scorer;
    state the PageRank closed form for ``pagerank`` scorers (standard variant); write the
    reproductions when ``output`` is given (one scorer: that path; several: ``<stem>-<id>``).
    ``frozen_seeds`` (the default) fixes seeded scorers' seeds on the control world
    (:func:`freeze_seeds`), so an attack cannot make its own target a seed; pass False to let
    them re-pick their seeds on every attacked world."""
    if not 1 <= budget <= MAX_BUDGET:
        raise AuditkitError(
            f"--budget {budget}: give 1 to {MAX_BUDGET:,} units (each unit can "
            "add an account to a world that is scored hundreds of times)"
        )
    if not 0 <= target_percentile <= 100:
        raise AuditkitError(
            f"--target-percentile {target_percentile:g}: give a percentile from 0 to 100"
        )
    ids = [s.id for s in scorers]
    if len(set(ids)) != len(ids):
        raise AuditkitError(
            f"scorer {next(i for i in ids if ids.count(i) > 1)!r} is given "
            "twice; name each scorer once"
        )
    worlds = AttackWorlds(
        registry, accounts=accounts, seed=seed, target_percentile=target_percentile
    )
    frozen: dict[str, list[str]] = {}
    if frozen_seeds:
        scorers = list(scorers)
        for i, scorer in enumerate(scorers):
            scorers[i], seeds = freeze_seeds(registry, scorer, worlds)
            if seeds:
                frozen[scorer.id] = seeds
    results: list[SearchResult] = []
    for scorer in scorers:
        if progress:
            progress(f"searching attacks on {scorer.id} ...")
        results.append(
            search(
                lambda comp, s=scorer: worlds.evaluate(s, comp),  # type: ignore[misc]
                budget,
                max_evaluations=max_evaluations,
                seed=seed,
                scorer=scorer.id,
            )
        )
    cross = {
        r.scorer: {s.id: worlds.evaluate(s, r.best.composition) for s in scorers} for r in results
    }
    bounds: dict[str, dict[str, float]] = {}
    for scorer, r in zip(scorers, results, strict=True):
        bound = pagerank_bound(worlds, worlds.treated(r.best.composition), scorer)
        if bound is not None:
            bounds[scorer.id] = bound
    report = AttackReport(worlds, budget, results, cross, bounds, list(scorers), frozen)
    if output is not None:
        out = Path(output)
        for r in results:
            path = (
                out
                if len(results) == 1
                else out.with_name(f"{out.stem}-{r.scorer}{out.suffix or '.yaml'}")
            )
            scenario = attack_scenario(
                worlds,
                r.best.composition,
                scorer=r.scorer,
                budget=budget,
                evaluations=r.evaluations,
                found=r.best,
            )
            Scenario.model_validate(scenario)  # never write what `auditkit audit` rejects
            report.written[r.scorer] = str(
                write_scenario(path, scenario, rerun=rerun_command(path.name, scorers))
            )
    return report
