"""The resource budget: a scenario's worlds are sized up before they are built.

A scenario asks for worlds by parameters (accounts, follows and events per account, cohort sizes,
posts per day, fake followers bought ...). :func:`estimate` turns them into the rows the worlds
will hold, from the population and each cohort's and probe's
:meth:`~auditkit.plugin.behaviour.Behaviour.footprint`, and into the memory an audit of the
scenario takes (both worlds, the draft they are built from, scoring), with the per-row costs
measured by ``benchmarks/bench_budget.py``. :func:`check_budget` refuses a scenario whose
estimate exceeds the :class:`Budget` (by default :data:`DEFAULT_MEMORY`), at ``validate``
time, in milliseconds, naming the cohort or field that drives the cost and its line. The same
budget bounds the rows while a world is built (:attr:`auditkit.data.draft.Draft.row_limits`), so
an estimate that is too low still ends in a clean :class:`~auditkit.errors.BudgetError`.

``--budget 16GiB`` (``auditkit validate``, ``auditkit audit``) raises the budget deliberately.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditkit.errors import BudgetError
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.scenario.model import Located, Scenario, scenario_error

__all__ = [
    "Budget",
    "Estimate",
    "Part",
    "DEFAULT_MEMORY",
    "BYTES_PER_ACCOUNT",
    "BYTES_PER_FOLLOW",
    "BYTES_PER_EVENT",
    "estimate",
    "check_budget",
    "parse_size",
    "format_size",
]

#: The default budget: what an audit of one scenario may take. Every bundled scenario needs
#: less than a tenth of it; a laptop with 8 GB runs an audit within it.
DEFAULT_MEMORY = 4 * 2**30
#: Peak bytes of an audit per row of each of its worlds (the world, its share of the draft it is
#: built from and of the scorers' working arrays): benchmarks/bench_budget.py fitted 605, 65 and
#: 112 bytes (docs/reliability.md); these add a quarter for safety.
BYTES_PER_ACCOUNT = 750
BYTES_PER_FOLLOW = 80
BYTES_PER_EVENT = 140
#: Fixed cost of an audit of any scenario (the interpreter, pandas, the plugins).
BASE_MEMORY = 150 * 2**20
#: Organic follows drawn per requested follow (reciprocity and de-duplication overshoot).
_FOLLOW_OVERSHOOT = 1.1
#: Days assumed for a real base world when sizing cohorts on it (its span is not read).
_REAL_WORLD_DAYS = 365.0

_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


def parse_size(text: str) -> float:
    """``"4GiB"``, ``"16GB"``, ``"500M"``, ``"2e9"`` -> bytes; ValueError otherwise."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?(?:e[0-9]+)?)\s*([a-z]*)\s*", text.lower())
    if not match or match.group(2) not in _UNITS:
        raise ValueError(f"{text!r} is not a memory size; write e.g. 4GiB, 16GB or 500MB")
    value = float(match.group(1)) * _UNITS[match.group(2)]
    if not 0 < value < float("inf"):
        raise ValueError(f"{text!r} is not a positive memory size")
    return value


def format_size(value: float) -> str:
    """Bytes as people write them: ``1.5 GiB``, ``640 MiB``."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            amount = value / size
            return f"{amount:,.1f} {unit}" if amount < 100 else f"{amount:,.0f} {unit}"
    return f"{value:,.0f} bytes"


@dataclass(frozen=True)
class Budget:
    """How much memory an audit of one scenario may use (bytes)."""

    memory: float = DEFAULT_MEMORY

    def row_limits(self) -> tuple[float, float, float]:
        """The most accounts, follows and events a world may hold (each as if it alone took
        the whole budget): the guard a draft enforces while it builds."""
        room = max(self.memory - BASE_MEMORY, 0.0)
        return room / BYTES_PER_ACCOUNT, room / BYTES_PER_FOLLOW, room / BYTES_PER_EVENT


@dataclass(frozen=True)
class Part:
    """What one piece of a scenario (the population, a cohort, a check) adds."""

    label: str
    field: str
    line: int | None
    footprint: Footprint

    @property
    def memory(self) -> float:
        f = self.footprint
        return (
            f.accounts * BYTES_PER_ACCOUNT
            + f.follows * BYTES_PER_FOLLOW
            + f.events * BYTES_PER_EVENT
        )


@dataclass(frozen=True)
class Estimate:
    """The rows and memory a scenario's audit is expected to take."""

    accounts: float
    follows: float
    events: float
    memory: float
    parts: list[Part] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"about {self.accounts:,.0f} accounts, {self.follows:,.0f} follows and "
            f"{self.events:,.0f} events, {format_size(self.memory)} of memory"
        )


def _setting(scenario: Scenario) -> tuple[Setting, float]:
    """The population's setting and the rows of a real base world (accounts)."""
    pop = scenario.population
    if pop.world is None:
        return Setting(
            pop.accounts, pop.days, pop.follows_per_account, pop.events_per_account, pop.post_share
        ), 0.0
    rows = world_rows(Path(scenario.path or ".").parent / pop.world)
    return Setting(
        max(rows[0], 1.0),
        _REAL_WORLD_DAYS,
        pop.follows_per_account,
        pop.events_per_account,
        pop.post_share,
    ), rows[0]


def world_rows(path: Path) -> tuple[float, float, float]:
    """Rows of the accounts, follows and events tables of a world directory, read from the
    files' line counts or Parquet metadata (a compressed CSV: estimated from its size)."""
    out = []
    for name in ("accounts", "follows", "events"):
        rows = 0.0
        for ext in (".csv", ".csv.gz", ".parquet"):
            p = path / f"{name}{ext}"
            if not p.is_file():
                continue
            if ext == ".csv":
                with open(p, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        rows += chunk.count(b"\n")
            elif ext == ".csv.gz":
                rows = p.stat().st_size * 8 / 40  # about 8x compression, 40 bytes a row
            else:
                try:
                    import pyarrow.parquet as pq

                    rows = float(pq.ParquetFile(p).metadata.num_rows)
                except Exception:  # unreadable: read_world will say why
                    rows = p.stat().st_size / 10
        out.append(rows)
    return out[0], out[1], out[2]


def _scaled(fp: Footprint, k: float) -> Footprint:
    return Footprint(fp.accounts * k, fp.organic * k, fp.follows * k, fp.events * k, fp.levers)


def estimate(scenario: Scenario, registry: Any, located: Located | None = None) -> Estimate:
    """The rows and memory of an audit of ``scenario`` (see the module docstring).

    Cohorts with the same behaviour and parameters are sized once (a file of 50,000 identical
    cohorts is estimated in milliseconds) and reported together."""
    located = located or Located(None)
    setting, real_accounts = _setting(scenario)
    pop = scenario.population
    treated = False
    # cohorts grouped by behaviour and parameters: (first index, sizes)
    groups: dict[tuple[str, str], tuple[int, list[int]]] = {}
    for i, cohort in enumerate(scenario.cohorts):
        key = (cohort.behaviour, repr(sorted(cohort.params.items())))
        groups.setdefault(key, (i, []))[1].append(cohort.size)
    parts: list[Part] = []
    for (behaviour_id, _), (first, sizes) in groups.items():
        cohort = scenario.cohorts[first]
        behaviour = registry.behaviours[behaviour_id](**cohort.params)
        treated = treated or behaviour.has_treatment
        fp = Footprint()
        for size, k in Counter(sizes).items():
            one = behaviour.footprint(size, setting)
            organic = Footprint(
                follows=one.organic * pop.follows_per_account * _FOLLOW_OVERSHOOT,
                events=one.organic * pop.events_per_account,
            )
            fp = fp + _scaled(one + organic, k)
        fp = Footprint(
            fp.accounts,
            fp.organic,
            fp.follows,
            fp.events,
            ("size", *behaviour.footprint(1, setting).levers),
        )
        label = (
            f"cohort {cohort.name!r} ({behaviour_id}, size {cohort.size:,})"
            if len(sizes) == 1
            else f"the {len(sizes):,} cohorts with behaviour {behaviour_id!r} and these "
            f"parameters (cohorts[{first}] and the like)"
        )
        parts.append(Part(label, f"cohorts[{first}]", located.line(("cohorts", first)), fp))
    base = 0.0 if pop.world is not None else float(pop.accounts)
    base_fp = Footprint(
        accounts=base + real_accounts,
        organic=base,
        follows=base * pop.follows_per_account * _FOLLOW_OVERSHOOT,
        events=base * pop.events_per_account,
        levers=("accounts", "follows_per_account", "events_per_account"),
    )
    if pop.world is not None:
        rows = world_rows(Path(scenario.path or ".").parent / pop.world)
        base_fp = base_fp + Footprint(follows=rows[1], events=rows[2])
    parts.insert(0, Part("the population", "population", located.line(("population",)), base_fp))
    for i, check in enumerate(scenario.checks):
        probe_cls = registry.probes.get(check.probe)
        if probe_cls is None:
            continue
        fp = probe_cls(**check.probe_params).footprint(setting)
        if fp.accounts or fp.follows or fp.events:
            parts.append(
                Part(
                    f"check {check.label!r} ({check.probe})",
                    f"checks[{i}]",
                    located.line(("checks", i)),
                    fp,
                )
            )
    total = Footprint()
    for part in parts:
        total = total + part.footprint
    worlds = 2.0 if treated else 1.0  # the treated and the control world are both kept
    memory = BASE_MEMORY + worlds * sum(p.memory for p in parts)
    return Estimate(total.accounts, total.follows, total.events, memory, parts)


def check_budget(
    scenario: Scenario, registry: Any, located: Located | None = None, budget: Budget | None = None
) -> Estimate:
    """:func:`estimate`, refused with :class:`~auditkit.errors.BudgetError` when it exceeds
    ``budget``: the message names the largest part, its line and the parameters to lower."""
    budget = budget or Budget()
    est = estimate(scenario, registry, located)
    if est.memory <= budget.memory:
        return est
    worst = max(est.parts, key=lambda p: p.memory)
    levers = ", ".join(worst.footprint.levers)
    need = format_size(est.memory * 1.25)
    message = (
        f"this scenario would build worlds of {est.describe()}; the budget is "
        f"{format_size(budget.memory)}. Most of it ({format_size(worst.memory)} a world) "
        f"comes from {worst.label}: lower its {levers}, or, if this machine has the "
        f"memory, raise the budget with --budget {need.replace(' ', '')}"
    )
    raise BudgetError(
        str(scenario_error(scenario.path or "<string>", worst.line, worst.field, message))
    )
