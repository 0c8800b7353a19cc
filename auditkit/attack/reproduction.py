"""The scenario that reproduces an attack with ``auditkit audit`` (:func:`attack_scenario`)
and its atomic writer (:func:`write_scenario`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from auditkit.attack.composite import CompositeAttack
from auditkit.attack.cost import Composition
from auditkit.files import atomic_write

if TYPE_CHECKING:  # worlds.py builds its scenarios with attack_scenario
    from auditkit.attack.worlds import AttackWorlds, Evaluation


#: Name of the target's cohort in the scenarios the search builds and writes.
COHORT = "target"


def attack_scenario(
    worlds: AttackWorlds,
    comp: Composition,
    *,
    scorer: str = "attack",
    budget: int | None = None,
    evaluations: int | None = None,
    found: Evaluation | None = None,
) -> dict[str, Any]:
    """The scenario (as a YAML-ready dict) that reruns ``comp`` on the target of ``worlds``."""
    pop = worlds.population
    what = comp.describe()
    spent = f"{comp.cost:,} units" if comp.items else "nothing"
    search = (
        f"auditkit attack --scorer {scorer} --budget {budget} --seed {worlds.seed} "
        f"--population {pop.accounts} --target-percentile {worlds.target_percentile:g}"
        + (f" ({evaluations} evaluations)" if evaluations is not None else "")
        if budget is not None
        else "auditkit attack"
    )
    if found is not None:
        search += f" found {found.gain:+.1f} percentile points on {scorer}"
    return {
        "id": f"attack-{scorer}-b{budget or comp.cost}-s{worlds.seed}".lower().replace(".", "-"),
        "flaw": comp.flaw(),
        "title": f"The strongest attack found on {scorer} for {spent} should not raise a score",
        "acceptable": (
            f"An ordinary account (traits at the {worlds.target_percentile:g}th "
            f"percentile) that buys {what} ({spent}) gains at most 5 percentile "
            "points."
        ),
        "source": (
            f"{search}; cost model and search in docs/attack.md; docs/flaws.md F5-F9; "
            "Gyöngyi & Garcia-Molina, Link Spam Alliances, VLDB 2005"
        ),
        "population": {"accounts": pop.accounts, "seed": worlds.seed},
        "cohorts": [
            {
                "name": COHORT,
                "behaviour": CompositeAttack.id,
                "size": 1,
                "params": worlds.params(comp),
            }
        ],
        "checks": [
            {
                "probe": "gain",
                "cohort": COHORT,
                "expect": {
                    "kind": "minimum",
                    "at_most": 5,
                    "rationale": "policy: P1 (docs/verdicts.md), half a decile for "
                    "a gain an account buys for itself; one-sided, the attacker "
                    "acts on its own account (P6)",
                },
            }
        ],
    }


def write_scenario(
    path: str | os.PathLike, scenario: dict[str, Any], *, rerun: str | None = None
) -> Path:
    """Write a scenario dict as YAML, atomically (a temporary file renamed into place), with
    the command that reruns it in a comment on top."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    rerun = rerun or f"auditkit audit {target.name}"
    text = f"# Written by `auditkit attack`; rerun with:\n#   {rerun}\n" + yaml.safe_dump(
        scenario, sort_keys=False, allow_unicode=True, width=100
    )
    atomic_write(target, text)
    return target
