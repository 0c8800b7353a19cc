"""``auditkit export``: a scenario's worlds as world directories a person can open, edit and
score again.

:func:`export_run` writes the treated world (``treated/``) and the control world (``control/``,
the same scenario without any treatment) in the world format of ``docs/world-format.md``, each
with its ground-truth file (``truth.csv``: cohort, role and expected spread of every account;
:mod:`auditkit.data.truthfile`), and the scenario itself with the seed used
(``scenario.yaml``), so that ``auditkit audit DIR/scenario.yaml`` rebuilds the same worlds.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import yaml

from auditkit.data.truthfile import TRUTH_FILE, truth_table
from auditkit.errors import AuditkitError
from auditkit.files import atomic_directory
from auditkit.scenario.run import Built, ScenarioRun

__all__ = ["export_run", "write_built", "check_output_directory", "EXPORT_ENTRIES"]

#: What ``export_run`` writes into its directory.
EXPORT_ENTRIES = ("treated", "control", "scenario.yaml")


def check_output_directory(path: str | os.PathLike[str], ours: tuple[str, ...]) -> None:
    """Refuse to replace a directory that holds anything but what auditkit writes there
    (``ours``): the directory is replaced as a whole, and a person's files must not vanish."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise AuditkitError(f"{str(target)!r} is a file; give -o a directory to write")
    if target.is_dir():
        foreign = sorted(p.name for p in target.iterdir() if p.name not in ours)
        if foreign:
            raise AuditkitError(
                f"{str(target)!r} already holds {', '.join(foreign[:3])}"
                f"{' ...' if len(foreign) > 3 else ''}, which auditkit did not write there; "
                "choose another -o DIR or empty it (the directory is replaced as a whole)"
            )


def cohort_column(built: Built) -> list[str]:
    """The cohort of every account of ``built`` ("" for the ordinary population): members by
    their cohort, auxiliary accounts by the cohort whose behaviour added them."""
    names = [""] * len(built.world)
    for name, cohort in built.cohorts.items():
        for code in cohort.members:
            names[int(code)] = name
    codes = getattr(built, "codes", None)
    column = built.draft.column("cohort")
    for i in range(len(names)):
        if not names[i] and built.role[i] == "auxiliary":
            names[i] = str(column[codes[i] if codes is not None else i])
    return names


def write_built(built: Built, path: str | os.PathLike[str], *, format: str = "csv") -> Path:
    """Write one built world and its ``truth.csv`` to directory ``path``."""
    target = built.world.write(path, format=format)
    truth = built.truth
    table = truth_table(
        [str(a) for a in built.world.ids],
        cohort_column(built),
        [str(r) for r in built.role],
        [None if not np.isfinite(v) else float(v) for v in truth],
    )
    table.to_csv(target / TRUTH_FILE, index=False)
    return target


def export_run(
    run: ScenarioRun, path: str | os.PathLike[str], *, format: str = "csv"
) -> dict[str, Path]:
    """Write ``run``'s treated and control worlds, their ground truth and the scenario (with
    the run's seed) to directory ``path``, replacing it atomically. Returns what was written."""
    check_output_directory(path, EXPORT_ENTRIES)
    scenario = run.scenario.model_dump(mode="json", exclude_none=True)
    scenario["population"]["seed"] = run.seed
    if run.scenario.population.world and run.scenario.path:
        base = Path(run.scenario.path).parent / run.scenario.population.world
        scenario["population"]["world"] = os.path.relpath(base.resolve(), Path(path).resolve())
    with atomic_directory(path) as tmp:
        write_built(run.treated, tmp / "treated", format=format)
        write_built(run.control, tmp / "control", format=format)
        header = (
            f"# {run.scenario.id} exported by auditkit export with seed {run.seed}; "
            f"`auditkit audit` on this file rebuilds the worlds beside it.\n"
        )
        (tmp / "scenario.yaml").write_text(header + yaml.safe_dump(scenario, sort_keys=False))
    root = Path(path)
    return {
        "treated": root / "treated",
        "control": root / "control",
        "scenario": root / "scenario.yaml",
    }
