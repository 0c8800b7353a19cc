"""``auditkit explain``: what a scenario does, what a scorer did with it, and the smallest world
that shows the same finding.

:func:`explain_scenario` measures one check of a scenario on the scorer explained (and on a
*contrast*: a scorer whose verdict differs, so the small world shows what a scorer that gets it
right sees), then shrinks the scenario's worlds while the finding still holds
(:mod:`auditkit.explain.shrink`). *The finding holds* in a small world when, re-measured there:

1. every scorer named gets the verdict it got on the full scenario (``fail`` stays ``fail``,
   ``pass`` stays ``pass``);
2. every scorer still ranks: it does not give the whole population one score, in the treated
   world nor in the control world (a scorer that sees nothing passes or fails by accident);
3. when the check compares accounts of its cohorts (``cohort`` and ``versus``, ``genuine`` and
   ``spam``...), no scorer ties them all in every world: the verdicts come from scores that
   tell them apart;
4. for probes that measure a number of days (a half-life, a recovery), the value is the same
   too (:data:`SAME_VALUE_UNITS`).

Conditions 2 to 4 keep the small world from being degenerate: without them a follower count
"outranks" an engaged person who lost every reaction, in a world where every other scorer ties
them at zero. The result is an :class:`Explanation`, plain data the report layer turns into a
document (``auditkit.report.explain``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from auditkit.auditing.engine import measure_check
from auditkit.data.world import World
from auditkit.errors import AuditkitError
from auditkit.explain.export import cohort_column
from auditkit.explain.shrink import Selection, SmallRun, Universe, shrink
from auditkit.plugin.probe import Probe
from auditkit.plugin.registry import Registry
from auditkit.plugin.scorer import Scorer, Statement
from auditkit.scenario.model import Check, Scenario
from auditkit.scenario.run import Built, ScenarioRun
from auditkit.text import number

__all__ = [
    "Explanation",
    "Judged",
    "AccountFacts",
    "explain_scenario",
    "Finding",
    "account_facts",
    "VERSUS_AUTO",
    "VERSUS_NONE",
]

#: Units of probes whose value must stay the same in the small world, not only the verdict.
#: Policy: these probes measure *when* something happens on a fixed grid of days (a half-life,
#: a recovery); a small world that gives the same verdict on another day shows another
#: mechanism (a reaction missed in the first week instead of a window forgetting after 90
#: days). Percentiles, shares and ratios are coarse in a world of a handful of accounts and
#: cannot be kept, so for them the verdict is the finding.
SAME_VALUE_UNITS = ("days",)
VERSUS_AUTO = "auto"
VERSUS_NONE = "none"
#: Most accounts of a check's cohorts whose statements an explanation prints.
MAX_STATEMENT_ACCOUNTS = 4


@dataclass(frozen=True)
class Judged:
    """One scorer's verdict on one check: ``verdict`` (pass, fail, skip, error), the measured
    ``value`` and the probe's ``text`` saying it in words."""

    scorer: str
    verdict: str
    value: float
    text: str


@dataclass(frozen=True)
class AccountFacts:
    """What one account is and did in a world, and how each scorer scored it."""

    account: str
    cohort: str
    role: str
    label: str
    followers: int
    following: int
    posts: int
    reactions_received: int
    reactions_made: int
    #: per scorer id: (score, rank); the rank is among the scenario's population (1 = the
    #: highest, accounts with equal scores share a rank; 0 for an auxiliary account, which is
    #: not ranked, as in the audit's percentiles)
    scores: dict[str, tuple[float, int]] = field(default_factory=dict)


class Finding:
    """The finding to keep while shrinking: a check, its probe, and the verdict each scorer
    must keep (see the module docstring for the conditions)."""

    def __init__(
        self, check: Check, probe: Probe, verdicts: Sequence[tuple[Scorer, str, float]]
    ) -> None:
        self.check, self.probe = check, probe
        self.verdicts = list(verdicts)

    def judge(self, run: ScenarioRun, scorer: Scorer) -> Judged:
        row = measure_check(run, scorer, self.check, self.probe)
        text = str(row["finding"])
        prefix = f"{scorer.id}: "
        text = text[len(prefix) :] if text.startswith(prefix) else text
        text = text.split("; acceptable is ")[0]
        return Judged(scorer.id, str(row["verdict"]), float(row["value"]), text)

    def compared(self, run: ScenarioRun) -> np.ndarray:
        """Codes (in the treated world) of the accounts the check compares: the members of the
        cohorts its probe names."""
        names = [self.check.probe_params.get(f) for f in self.probe.cohort_fields()]
        probe_defaults = self.probe.params.model_dump()
        names = [
            n if n is not None else probe_defaults.get(f)
            for n, f in zip(names, self.probe.cohort_fields(), strict=True)
        ]
        codes: list[int] = []
        for name in names:
            if isinstance(name, str):
                try:
                    codes += run.members(name).tolist()
                except KeyError:
                    continue
        return np.unique(np.asarray(codes, dtype=np.int64))

    def holds(self, run: ScenarioRun) -> bool:
        for scorer, verdict, value in self.verdicts:
            judged = self.judge(run, scorer)
            if judged.verdict != verdict:
                return False
            if self.same_value and judged.value != value:
                return False
            if not self.tells_apart(run, scorer):
                return False
        return True

    @property
    def same_value(self) -> bool:
        """Whether the measured value itself must be kept (units of :data:`SAME_VALUE_UNITS`)."""
        return self.probe.unit_for_params() in SAME_VALUE_UNITS

    def tells_apart(self, run: ScenarioRun, scorer: Scorer) -> bool:
        """Conditions 2 and 3: the scorer ranks the population of each world, and does not tie
        all the accounts the check compares in every world."""
        worlds = [run.treated] if run.control is run.treated else [run.treated, run.control]
        compared = self.compared(run)
        tied = []
        for control, built in enumerate(worlds):
            scores = run.scores(scorer, control=bool(control)).to_numpy()
            population = scores[run.population_mask(built)]
            if len(population) < 2 or np.ptp(population) == 0:
                return False
            tied.append(len(compared) >= 2 and np.ptp(scores[compared]) == 0)
        return not all(tied)


@dataclass
class Explanation:
    """Everything ``auditkit explain`` says, as data."""

    scenario: Scenario
    seed: int
    check: Check
    probe: Probe
    #: the scorer explained first, then the contrast (if any)
    scorers: list[Scorer]
    #: how the contrast was chosen, in words
    contrast: str
    full: list[Judged]
    small: list[Judged]
    run: ScenarioRun
    small_run: SmallRun
    trials: int
    finished: bool
    #: the elements of the scenario's worlds kept (see :class:`~auditkit.explain.shrink.Universe`)
    selection: Selection
    #: whether conditions 2 and 3 held on the full scenario (else only verdicts were kept)
    strict: bool
    #: the scenario's other checks, by label
    other_checks: list[str]
    #: when the small world is shown (facts, scores, statements, picture), and why then
    at: pd.Timestamp = field(default_factory=lambda: pd.Timestamp(0, tz="UTC"))
    at_reason: str = ""
    statements: dict[str, list[Statement]] = field(default_factory=dict)
    control_statements: dict[str, list[Statement]] = field(default_factory=dict)

    @property
    def scorer(self) -> Scorer:
        return self.scorers[0]

    @property
    def versus(self) -> Scorer | None:
        return self.scorers[1] if len(self.scorers) > 1 else None

    @property
    def has_control(self) -> bool:
        return self.small_run.control is not self.small_run.treated

    def facts(self, control: bool = False) -> list[AccountFacts]:
        """What each account of the small world is and did as of :attr:`at`, with scores."""
        built = self.small_run.control if control else self.small_run.treated
        return account_facts(self.small_run, built, self.scorers, control=control, at=self.at)

    def compared(self) -> list[str]:
        """Ids of the small world's accounts the check compares (its cohorts' members)."""
        finding = Finding(self.check, self.probe, [])
        return [str(self.small_run.world.ids[c]) for c in finding.compared(self.small_run)]

    def sizes(self) -> dict[str, dict[str, int]]:
        """Accounts, follows and events of the full and small treated worlds."""

        def size(w: World) -> dict[str, int]:
            return {"accounts": len(w), "follows": len(w.follows), "events": len(w.events)}

        return {"full": size(self.run.world), "small": size(self.small_run.world)}


def account_facts(
    run: ScenarioRun,
    built: Built,
    scorers: Sequence[Scorer],
    *,
    control: bool = False,
    at: pd.Timestamp | None = None,
) -> list[AccountFacts]:
    """:class:`AccountFacts` of every account of ``built`` (a world of ``run``) as of ``at``
    (default: the run's end)."""
    at = run.end if at is None else at
    w = built.world.as_of(at)
    n = len(w)
    src, dst = w.follow_codes
    actor, action, target = (x.astype(np.int64) for x in w.event_codes)
    post = action == 0
    react = (~post) & (target >= 0) & (target != actor)
    counts = {
        "followers": np.bincount(dst, minlength=n),
        "following": np.bincount(src, minlength=n),
        "posts": np.bincount(actor[post], minlength=n),
        "received": np.bincount(target[react], minlength=n),
        "made": np.bincount(actor[react], minlength=n),
    }
    cohort = cohort_column(built)
    labels = (
        w.accounts["label"].astype(object).fillna("").to_numpy()
        if "label" in w.accounts
        else np.full(n, "", dtype=object)
    )
    ranked = {}
    population = run.population_mask(built)
    for scorer in scorers:
        values = run.scores(scorer, control=control, at=at).to_numpy()
        rank = np.zeros(n, np.int64)
        pop = values[population]
        # competition ranking among the population: 1 + how many score higher (ties share)
        ordered = np.sort(pop)
        rank[population] = 1 + len(pop) - np.searchsorted(ordered, pop, side="right")
        ranked[scorer.id] = (values, rank)
    return [
        AccountFacts(
            str(w.ids[i]),
            cohort[i],
            str(built.role[i]),
            str(labels[i]),
            int(counts["followers"][i]),
            int(counts["following"][i]),
            int(counts["posts"][i]),
            int(counts["received"][i]),
            int(counts["made"][i]),
            {sid: (float(v[i]), int(r[i])) for sid, (v, r) in ranked.items()},
        )
        for i in range(n)
    ]


def moment(
    run: ScenarioRun, check: Check, probe: Probe, judged: Judged
) -> tuple[pd.Timestamp, str]:
    """When to show the small world: the end of the scenario, except for the probes that
    measure a time after a cohort's treatment (``decay``: that many days into the silence;
    ``half_life``: the day the score had halved; ``recovery``: the day it was back, or the end
    of its horizon), where the end would show a later state than the finding's."""
    end = (run.end, f"the end of the scenario, day {run.days:g}")
    params = probe.params.model_dump()
    cohort = run.treated.cohorts.get(str(params.get("cohort", "")))
    if cohort is None or cohort.treatment_start is None:
        return end
    start, stop = cohort.treatment_start, cohort.treatment_end
    days = None
    if probe.id == "decay":
        days, since, what = float(params["after_days"]), start, "the silence"
    elif probe.id == "half_life" and judged.value <= float(params["horizon"]):
        days, since, what = judged.value, start, "the silence, when the score had halved"
    elif probe.id == "recovery" and stop is not None:
        days, since, what = min(judged.value, float(params["horizon"])), stop, "the return"
    if days is None or since + days > run.days:
        return end
    return run.day(since + days), (
        f"day {since + days:g}, {number(days)} days after the start of {what}"
        if since == start
        else f"day {since + days:g}, {number(days)} days after {what}"
    )


def explain_scenario(
    scenario: Scenario,
    scorer: Scorer,
    registry: Registry,
    *,
    check: str | None = None,
    seed: int | None = None,
    versus: str = VERSUS_AUTO,
    progress: Any = None,
) -> Explanation:
    """Explain ``scorer`` on one check of ``scenario`` (default: its first) with the seed
    ``seed`` (default: the scenario's). ``versus`` is a scorer id to contrast with,
    ``"auto"`` (the first built-in scorer, by id, whose verdict on the full scenario differs)
    or ``"none"``."""
    say = progress or (lambda _message: None)
    chosen = _pick_check(scenario, check)
    probe = registry.probes[chosen.probe](**chosen.probe_params)
    run = ScenarioRun(scenario, scenario.population.seed if seed is None else seed, registry)
    say(f"building {scenario.id} (seed {run.seed}) ...")
    finding = Finding(chosen, probe, [])
    mine = finding.judge(run, scorer)
    if mine.verdict not in ("pass", "fail"):
        raise AuditkitError(
            f"check {chosen.label!r} of scenario {scenario.id!r} is {mine.verdict} for "
            f"{scorer.id}: {mine.text}; there is no finding to explain. Choose another check "
            f"with --check ({', '.join(c.label for c in scenario.checks)})"
        )
    contrast, how = _pick_contrast(run, finding, scorer, mine, registry, versus)
    scorers = [scorer] + ([contrast] if contrast is not None else [])
    full = [mine] + ([finding.judge(run, contrast)] if contrast is not None else [])
    target = Finding(
        chosen, probe, [(s, j.verdict, j.value) for s, j in zip(scorers, full, strict=True)]
    )
    strict = all(target.tells_apart(run, s) for s in scorers)
    if not strict:  # the full scenario itself is degenerate for a scorer: keep verdicts only
        target = _VerdictsOnly(chosen, probe, target.verdicts)
    say(f"shrinking {scenario.id} while the finding holds ...")
    shrunk = shrink(Universe(run), target.holds)
    small = [target.judge(shrunk.run, s) for s in scorers]
    explanation = Explanation(
        scenario=scenario,
        seed=run.seed,
        check=chosen,
        probe=probe,
        scorers=scorers,
        contrast=how,
        full=full,
        small=small,
        run=run,
        small_run=shrunk.run,
        trials=shrunk.trials,
        finished=shrunk.finished,
        selection=shrunk.selection,
        strict=strict,
        other_checks=[c.label for c in scenario.checks if c is not chosen],
    )
    explanation.at, explanation.at_reason = moment(shrunk.run, chosen, probe, small[0])
    _add_statements(explanation)
    return explanation


class _VerdictsOnly(Finding):
    def holds(self, run: ScenarioRun) -> bool:
        for scorer, verdict, value in self.verdicts:
            judged = self.judge(run, scorer)
            if judged.verdict != verdict or (self.same_value and judged.value != value):
                return False
        return True


def _pick_check(scenario: Scenario, name: str | None) -> Check:
    if name is None:
        return scenario.checks[0]
    for c in scenario.checks:
        if c.label == name:
            return c
    raise AuditkitError(
        f"scenario {scenario.id!r} has no check {name!r}; its checks are "
        f"{', '.join(c.label for c in scenario.checks)}"
    )


def _pick_contrast(
    run: ScenarioRun,
    finding: Finding,
    scorer: Scorer,
    mine: Judged,
    registry: Registry,
    versus: str,
) -> tuple[Scorer | None, str]:
    if versus == VERSUS_NONE:
        return None, "none (--versus none)"
    if versus != VERSUS_AUTO:
        other = registry.scorer(versus)
        if other.id == scorer.id:
            raise AuditkitError(
                f"--versus {versus} is the scorer explained; name another scorer, auto or none"
            )
        judged = finding.judge(run, other)
        if judged.verdict not in ("pass", "fail"):
            raise AuditkitError(
                f"--versus {versus}: the check is {judged.verdict} for it "
                f"({judged.text}); choose another scorer, auto or none"
            )
        return other, f"{other.id} (given with --versus)"
    for sid in registry.built_in_scorers():
        if sid == scorer.id:
            continue
        other = registry.scorer(sid)
        judged = finding.judge(run, other)
        if judged.verdict in ("pass", "fail") and judged.verdict != mine.verdict:
            return other, (
                f"{other.id}, the first built-in scorer (by id) whose verdict "
                f"differs ({judged.verdict})"
            )
    return None, "none: no built-in scorer's verdict differs"


def _add_statements(e: Explanation) -> None:
    """Statements of the compared accounts (at most :data:`MAX_STATEMENT_ACCOUNTS`, the first
    of each cohort first) under every scorer, at the end of the scenario."""
    small = e.small_run
    compared = e.compared()
    by_cohort: dict[str, list[str]] = {}
    facts = {f.account: f for f in e.facts()}
    if e.has_control:  # the accounts the treatment moved most come first
        before = {f.account: f for f in e.facts(control=True)}

        def moved(account: str) -> tuple[float, ...]:
            if account not in before:
                return (0.0,) * len(e.scorers)
            return tuple(
                -abs(facts[account].scores[s.id][0] - before[account].scores[s.id][0])
                for s in e.scorers
            )

        compared = sorted(compared, key=lambda a: (*moved(a), a))
    for account in compared:
        by_cohort.setdefault(facts[account].cohort, []).append(account)
    chosen: list[str] = []
    depth = 0
    while len(chosen) < min(MAX_STATEMENT_ACCOUNTS, len(compared)):
        for accounts in by_cohort.values():
            if depth < len(accounts) and len(chosen) < MAX_STATEMENT_ACCOUNTS:
                chosen.append(accounts[depth])
        depth += 1
    for account in chosen:
        e.statements[account] = [s.explain(small.world, account, e.at) for s in e.scorers]
        if e.has_control and account in set(map(str, small.control.world.ids)):
            e.control_statements[account] = [
                s.explain(small.control.world, account, e.at) for s in e.scorers
            ]
