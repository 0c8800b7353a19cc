"""The built-in probes: what an audit measures on each scorer.

Percentiles are ranks among the scenario's population (every base account and cohort member;
auxiliary accounts such as bought fakes are left out), 0 for the lowest and 100 for the highest.
A *gain* compares the treated world with the control world (the same scenario without the
treatment) at the same time, so it isolates the treatment from everything else that happened.

No probe turns "nothing to measure" into a number (``docs/verdicts.md``):

- **blind** (:class:`~auditkit.plugin.probe.Blind`): a probe that compares the treated world
  with the control world raises it when the scorer gives the accounts concerned exactly the
  same scores in both. Where the ideal answer is itself "no change" (bought followers, a quiet
  second network), a check names a ``sensitivity`` cohort that gets the genuine counterpart of
  the treatment (real followers who engage): a scorer that moves on it but not on the attack
  *resists*; one that moves on neither is blind.
- **degenerate** (:class:`~auditkit.plugin.probe.Degenerate`): the scores cannot answer the
  question. Policy (the same for every ranking probe): an answer is *decided by ties* when the
  accounts it is about share their score with more than half of the population (:data:`MAX_TIED`),
  when more than half of the pairs an AUC compares are ties, or when more than half of a top
  list is filled by accounts tied at its cut-off. Then the rank is where a tie-breaking rule put
  them, not where the scorer did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic
from scipy import stats

from auditkit.data.world import World
from auditkit.plugin.params import MAX_COUNT, MAX_DAYS, Params
from auditkit.plugin.probe import Blind, Degenerate, Measurement, NotApplicable, Probe
from auditkit.plugin.scorer import Scorer
from auditkit.plugin.spec import rebuild
from auditkit.scenario.run import Built, ScenarioRun
from auditkit.text import join_words, number, ordinal, percentile, plural, signed

__all__ = [
    "BUILT_IN_PROBES",
    "MAX_TIED",
    "ranked_scores",
    "require_ranking",
    "share_of_top",
    "tied_share",
    "top_decided_by_ties",
    "unchanged",
]

Statistic = Literal["median", "mean", "min", "max"]
_STAT: dict[str, Callable[[np.ndarray], Any]] = {
    "median": np.median,
    "mean": np.mean,
    "min": np.min,
    "max": np.max,
}

#: A ranking answer is decided by ties when the accounts it is about share one score with more
#: than this share of the population (policy; docs/verdicts.md "Degenerate").
MAX_TIED = 0.5


def _members(run: ScenarioRun, name: str, built: Built | None = None) -> np.ndarray:
    codes = run.members(name, built)
    if len(codes) == 0:
        raise NotApplicable(f"cohort {name!r} has no accounts")
    return codes


def _cohort(name: str) -> str:
    """A cohort as the subject of a sentence, whatever its name's number (``the squirrel
    cohort sits``, ``the sybils cohort holds``); ``the population``, ``the base population``."""
    if name == "population":
        return "the population"
    if name == "base":
        return "the base population"
    return f"the {name} cohort"


def _holds(world: World) -> str:
    have = [
        name for name, n in (("follows", len(world.follows)), ("events", len(world.events))) if n
    ]
    if any(c in world.accounts for c in ("followers_count", "following_count", "posts_count")):
        have.append("profile counts")
    return ", ".join(have) or "nothing a scorer reads"


def require_ranking(values: np.ndarray, scorer: Scorer, world: World) -> np.ndarray:
    """``values`` (scores of the population), or :class:`Degenerate` when they are all equal.

    A scorer that gives every account the same score (it reads nothing this world holds, e.g.
    PageRank without follows) has no ranking: an AUC of 0.5 or a rho of 0 would read as a
    finding about it.
    """
    if len(values) == 0 or np.ptp(values) == 0:
        reads = f"; {scorer.id} reads {', '.join(sorted(scorer.tags))}" if scorer.tags else ""
        raise Degenerate(
            f"constant scores: nothing to rank ({scorer.id} gives all "
            f"{len(values):,} accounts the same score; this world holds "
            f"{_holds(world)}{reads})"
        )
    return values


def ranked_scores(run: ScenarioRun, scorer: Scorer, at: pd.Timestamp | None = None) -> np.ndarray:
    """Scores of every account of the treated world at ``at`` (default: its end), after
    :func:`require_ranking` on the population's."""
    s = run.scores(scorer, at=at).to_numpy()
    require_ranking(s[run.population_mask()], scorer, run.world)
    return s


def tied_share(population: np.ndarray, value: float) -> float:
    """Share of ``population`` (scores) exactly equal to ``value``."""
    return float(np.mean(population == value)) if len(population) else 0.0


def _representative(values: np.ndarray, stat: str) -> float:
    """The score of the member a statistic of percentiles describes (the lower middle member
    for median and mean; the lowest or highest for min and max)."""
    v = np.sort(values)
    if stat == "min":
        return float(v[0])
    if stat == "max":
        return float(v[-1])
    return float(v[(len(v) - 1) // 2])


def _tied_with(
    run: ScenarioRun, scores: np.ndarray, codes: np.ndarray, stat: str, built: Built | None = None
) -> tuple[float, float]:
    """(score, share of the population sharing it) of the cohort's representative member."""
    pop = scores[run.population_mask(built)]
    value = _representative(scores[codes], stat)
    return value, tied_share(pop, value)


def _tie_text(scorer: Scorer, value: float, share: float, who: str) -> str:
    return (
        f"{scorer.id} gives {who} the score {number(value)}, shared with "
        f"{100 * share:.0f}% of the population: their rank is decided by ties"
    )


def top_decided_by_ties(values: np.ndarray, k: int) -> tuple[int, int]:
    """(accounts strictly above the k-th value, accounts tied at it). More than half of the
    top ``k`` filled from the tie means the list is a tie-break, not a ranking."""
    n = len(values)
    k = min(int(k), n)
    cut = np.partition(values, n - k)[n - k]
    return int((values > cut).sum()), int((values == cut).sum())


def _require_top(values: np.ndarray, k: int, scorer: Scorer) -> None:
    above, tied = top_decided_by_ties(values, k)
    k = min(int(k), len(values))
    if above < k / 2 and above + tied > k:  # a tie-break chooses who of the tied gets in
        raise Degenerate(
            f"only {plural(above, 'account')} of the top {k:,} score above the "
            f"cut-off; {scorer.id} ties {tied:,} accounts there, so the top list "
            "is decided by ties"
        )


def share_of_top(values: np.ndarray, member: np.ndarray, k: int) -> float:
    """Percent of the top ``k`` of ``values`` held by accounts where ``member`` is true.

    Accounts tied at the cut-off count in proportion: when 2 of 4 accounts tied at the k-th
    value fit in the top, each counts for half, so the order of the input (file order, account
    codes) cannot bias the share. ``k`` is capped at the number of accounts.
    """
    n = len(values)
    k = min(int(k), n)
    if k < 1:
        raise NotApplicable("no accounts to rank")
    cut = np.partition(values, n - k)[n - k]
    above = values > cut
    tied = values == cut
    need = k - int(above.sum())
    held = member[above].sum() + need * member[tied].sum() / int(tied.sum())
    return 100.0 * float(held) / k


def unchanged(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two score vectors are the same, up to rounding: no entry differs by more than a
    billionth of the largest magnitude among them."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) != len(b):
        return False
    if not len(a):
        return True
    tol = 1e-9 * max(float(np.abs(a).max()), float(np.abs(b).max()))
    return bool(np.all(np.abs(a - b) <= tol))


def _cohort_pct(
    run: ScenarioRun, scorer: Scorer, name: str, stat: str, *, control: bool = False, at=None
) -> float:
    built = run.control if control else run.treated
    scores = run.scores(scorer, control=control, at=at)
    pct = run.percentiles(scores, built)
    return float(_STAT[stat](pct[_members(run, name, built)]))


def _treatment(run: ScenarioRun, name: str) -> str:
    cohort = run.treated.cohorts.get(name)
    spec = next((c for c in run.scenario.cohorts if c.name == name), None)
    what = spec.behaviour.replace("_", " ") if spec else name
    if cohort and cohort.cost:
        cost = ", ".join(f"{number(v)} {k.replace('_', ' ')}" for k, v in cohort.cost.items())
        return f"{what} ({cost})"
    return what


def _need_treatment(run: ScenarioRun, name: str) -> None:
    spec = run.scenario.cohort(name)
    if not run.registry.behaviours[spec.behaviour]().has_treatment:
        raise NotApplicable(
            f"cohort {name!r} ({spec.behaviour}) has no treatment to compare with its control"
        )


def _moved(run: ScenarioRun, scorer: Scorer, name: str, at=None) -> bool:
    """Whether the treatment changed any member's score (treated against control)."""
    codes = _members(run, name)
    treated, control = (s.to_numpy()[codes] for s in run.scores_pair(scorer, at=at))
    return not unchanged(treated, control)


def _scores_at(
    run: ScenarioRun, scorer: Scorer, codes: np.ndarray, day: float, control: bool
) -> np.ndarray:
    if day > run.days + 1e-9:
        raise NotApplicable(
            f"the world ends on day {run.days:g}, before day {day:g}; lengthen population.days"
        )
    return run.scores(scorer, control=control, at=run.day(day)).to_numpy()[codes]


def _require_cohort_ranks(
    run: ScenarioRun, scorer: Scorer, names: list[str], stat: str, *, control: bool = False, at=None
) -> None:
    """:class:`Degenerate` when every named cohort's representative member is tied with more
    than half of the population (at one score: their order is decided by ties)."""
    built = run.control if control else run.treated
    scores = run.scores(scorer, control=control, at=at).to_numpy()
    require_ranking(scores[run.population_mask(built)], scorer, built.world)
    found = [_tied_with(run, scores, _members(run, n, built), stat, built) for n in names]
    values = {v for v, _ in found}
    if len(values) == 1 and all(share > MAX_TIED for _, share in found):
        value, share = found[0]
        raise Degenerate(_tie_text(scorer, value, share, join_words(names)))


class _CohortParams(Params):
    cohort: str = pydantic.Field(description="the cohort measured")
    statistic: Statistic = pydantic.Field("median", description="how members are summarised")


class CohortPercentile(Probe):
    id = "cohort_percentile"
    unit = "percentile"
    description = (
        "Where a cohort lands in the ranking: the median (or other) percentile of its "
        "members. Degenerate when the scorer gives every account the same score, or "
        "gives the member the statistic describes a score shared by more than half "
        "of the population."
    )
    cohort_params = ("cohort",)
    Params = _CohortParams

    params: _CohortParams

    def measure(self, run, scorer):
        p = self.params
        _require_cohort_ranks(run, scorer, [p.cohort], p.statistic)
        v = _cohort_pct(run, scorer, p.cohort, p.statistic)
        return Measurement(
            v, f"the {p.statistic} member of {_cohort(p.cohort)} sits at {percentile(v)}"
        )


class PercentileGap(Probe):
    id = "percentile_gap"
    unit = "percentile points"
    description = (
        "How far a cohort ranks above (+) or below (-) another: difference of their "
        "median percentiles. Degenerate when both cohorts' median members share one "
        "score with more than half of the population."
    )
    cohort_params = ("cohort", "versus")

    class Params(_CohortParams):
        versus: str = pydantic.Field(description="the cohort compared with")

    params: PercentileGap.Params

    def measure(self, run, scorer):
        p = self.params
        _require_cohort_ranks(run, scorer, [p.cohort, p.versus], p.statistic)
        a = _cohort_pct(run, scorer, p.cohort, p.statistic)
        b = _cohort_pct(run, scorer, p.versus, p.statistic)
        return Measurement(
            a - b,
            f"{_cohort(p.cohort)} sits at {percentile(a)}, "
            f"{_cohort(p.versus)} at the {ordinal(b)} "
            f"({signed(a - b)} points)",
            {"a": a, "b": b},
        )


class Auc(Probe):
    id = "auc"
    unit = "AUC"
    description = (
        "Probability that a random genuine account outranks a random spam account "
        "(ties count half); 0.5 is chance, 1 is perfect. Degenerate when the scorer "
        "gives every account the same score or when more than half of the pairs "
        "compared are ties."
    )
    cohort_params = ("genuine", "spam")
    special_cohorts = ("population", "base")

    class Params(Params):
        genuine: str = pydantic.Field("base", description="the genuine accounts (a cohort or base)")
        spam: str = pydantic.Field(description="the spam accounts (a cohort)")

    params: Auc.Params

    def measure(self, run, scorer):
        p = self.params
        s = ranked_scores(run, scorer)
        g, b = s[_members(run, p.genuine)], s[_members(run, p.spam)]
        u = stats.mannwhitneyu(g, b, alternative="two-sided").statistic
        auc = float(u / (len(g) * len(b)))
        values, counts = np.unique(g, return_counts=True)
        spam_counts = np.array([(b == v).sum() for v in values])
        ties = float((counts * spam_counts).sum()) / (len(g) * len(b))
        if ties > MAX_TIED:
            raise Degenerate(
                f"{100 * ties:.0f}% of the {p.genuine}/{p.spam} pairs tie under "
                f"{scorer.id}: an AUC of {auc:.2f} would be mostly ties counted half"
            )
        return Measurement(
            auc,
            f"an account of {_cohort(p.genuine)} outranks one of "
            f"{_cohort(p.spam)} with probability {auc:.2f} "
            f"({len(g):,} against {len(b):,} accounts)",
            {"tied_pairs": ties},
        )


class TopShare(Probe):
    id = "top_share"
    unit = "% of the top"
    description = (
        "Share of the top-k (or top percent) of the ranking held by a cohort; "
        "accounts tied at the cut-off count in proportion. Degenerate when the "
        "scorer gives every account the same score or fills more than half of the "
        "top list from accounts tied at its cut-off."
    )
    cohort_params = ("cohort",)

    class Params(Params):
        cohort: str = pydantic.Field(description="the cohort measured")
        top: int | None = pydantic.Field(
            None, ge=1, description="size of the top list (capped at the population)"
        )
        top_percent: float | None = pydantic.Field(
            None,
            gt=0,
            le=100,
            description="size of the top list as a percent of the "
            "population (used when top is not given; default 1%)",
        )

    params: TopShare.Params

    def measure(self, run, scorer):
        p = self.params
        s = ranked_scores(run, scorer)
        pop = run.members("population")
        k = min(len(pop), p.top or max(1, int(round(len(pop) * (p.top_percent or 1.0) / 100))))
        _require_top(s[pop], k, scorer)
        member = np.isin(pop, _members(run, p.cohort))
        share = share_of_top(s[pop], member, k)
        base = 100.0 * float(member.mean())
        return Measurement(
            share,
            f"{_cohort(p.cohort)} holds {number(share)}% of the top "
            f"{k:,} (it is {number(base)}% of the accounts)",
            {"base_share": base},
        )


GainMeasure = Literal["percentile", "score", "relative"]


class _GainParams(_CohortParams):
    measure: GainMeasure = pydantic.Field(
        "percentile",
        description="percentile points, score points, or relative change of the score in %",
    )
    sensitivity: str | None = pydantic.Field(
        None,
        description="a cohort given the genuine counterpart of the treatment (e.g. real "
        "followers who engage): when the measured cohort's scores do not move at all, the "
        "scorer resists if this cohort's scores move, and is blind if neither moves",
    )


_GAIN_UNITS = {"percentile": "percentile points", "score": "score points", "relative": "%"}


def _gain(run: ScenarioRun, scorer: Scorer, name: str, stat: str, how: str):
    _need_treatment(run, name)
    run.scores_pair(scorer)  # both worlds scored (side by side when they are large)
    if how == "percentile":
        before = _cohort_pct(run, scorer, name, stat, control=True)
        after = _cohort_pct(run, scorer, name, stat)
        return after - before, before, after
    codes = _members(run, name)
    before = float(_STAT[stat](run.scores(scorer, control=True).to_numpy()[codes]))
    after = float(_STAT[stat](run.scores(scorer).to_numpy()[codes]))
    if how == "score":
        return after - before, before, after
    if before == 0:
        raise Degenerate(f"{name} score 0 without the treatment; a relative gain is undefined")
    return 100.0 * (after - before) / abs(before), before, after


def _require_response(
    run: ScenarioRun, scorer: Scorer, names: list[str], sensitivity: str | None = None
) -> bool:
    """Whether the treatment moved any of the ``names`` cohorts' scores. When it moved none:
    :class:`Blind`, unless a ``sensitivity`` cohort is given and its scores moved (then the
    scorer resisted, and this returns False)."""
    if any(_moved(run, scorer, n) for n in names):
        return True
    what = join_words([_treatment(run, n) for n in names])
    if sensitivity is None:
        raise Blind(
            f"{scorer.id} gives {join_words(names)} exactly the same scores with and without {what}"
        )
    _need_treatment(run, sensitivity)
    if not _moved(run, scorer, sensitivity):
        raise Blind(
            f"{scorer.id} moved neither {join_words(names)} ({what}) nor {sensitivity} "
            f"({_treatment(run, sensitivity)}): it does not read what the scenario "
            "changed"
        )
    return False


def _resisted(run: ScenarioRun, scorer: Scorer, name: str, sensitivity: str) -> Measurement:
    """The measurement of a scorer that left the cohort's scores exactly as they were while the
    sensitivity cohort's moved: no gain at all (rank drift from other accounts is not the
    cohort's gain)."""
    return Measurement(
        0.0,
        f"{_treatment(run, name)} left {name}'s scores exactly as they "
        f"were, while {_treatment(run, sensitivity)} moved {sensitivity}'s: "
        "it resisted",
        {"resisted": True},
    )


def _require_gain_ranks(run: ScenarioRun, scorer: Scorer, name: str, stat: str) -> None:
    """Percentile gains: :class:`Degenerate` when the cohort's representative member is tied
    with more than half of the population in both worlds."""
    shares = []
    for control in (True, False):
        built = run.control if control else run.treated
        scores = run.scores(scorer, control=control).to_numpy()
        value, share = _tied_with(run, scores, _members(run, name, built), stat, built)
        shares.append((value, share))
    if all(share > MAX_TIED for _, share in shares):
        value, share = shares[1]
        raise Degenerate(
            _tie_text(scorer, value, share, f"{name} (with and without the treatment)")
        )


class Gain(Probe):
    id = "gain"
    unit = "percentile points"
    description = (
        "What a cohort's treatment (an attack, a break, a merge) does to its members: "
        "treated minus control, at the same time. Blind when the treatment leaves "
        "the members' scores exactly unchanged (and, with `sensitivity`, the "
        "sensitivity cohort's too)."
    )
    cohort_params = ("cohort", "sensitivity")
    Params = _GainParams

    params: _GainParams

    def measure(self, run, scorer):
        p = self.params
        _need_treatment(run, p.cohort)
        if not _require_response(run, scorer, [p.cohort], p.sensitivity):
            return _resisted(run, scorer, p.cohort, str(p.sensitivity))
        if p.measure == "percentile":
            _require_gain_ranks(run, scorer, p.cohort, p.statistic)
        g, before, after = _gain(run, scorer, p.cohort, p.statistic, p.measure)
        what = _treatment(run, p.cohort)
        if p.measure == "percentile":
            text = (
                f"{what} moved {_cohort(p.cohort)} from {percentile(before)} to the "
                f"{ordinal(after)} ({signed(g)} points)"
            )
        elif p.measure == "score":
            text = (
                f"{what} changed {p.cohort}'s score from {number(before)} to "
                f"{number(after)} ({signed(g)})"
            )
        else:
            text = (
                f"{what} changed {p.cohort}'s score from {number(before)} to "
                f"{number(after)} ({signed(g)}%)"
            )
        return Measurement(g, text, {"before": before, "after": after})

    def unit_for_params(self) -> str:
        return _GAIN_UNITS[self.params.measure]


class GainPerCost(Probe):
    id = "gain_per_cost"
    unit = "percentile points per 100 units"
    description = (
        "Percentile points a treatment buys per `per` (default 100) units of its "
        "cost (fakes, follows...); the finding also states the whole gain, so one "
        "row reports both. Use it where the cost is not the cohort's own size, or "
        "its value repeats the gain's."
    )
    cohort_params = ("cohort", "sensitivity")

    class Params(_CohortParams):
        per: float = pydantic.Field(100.0, gt=0, description="cost units per reported gain")
        sensitivity: str | None = pydantic.Field(None, description="as for gain")

    params: GainPerCost.Params

    def measure(self, run, scorer):
        p = self.params
        _need_treatment(run, p.cohort)
        if not _require_response(run, scorer, [p.cohort], p.sensitivity):
            return _resisted(run, scorer, p.cohort, str(p.sensitivity))
        _require_gain_ranks(run, scorer, p.cohort, p.statistic)
        g, before, after = _gain(run, scorer, p.cohort, p.statistic, "percentile")
        cost = run.treated.cohorts[p.cohort].total_cost
        if cost <= 0:
            raise NotApplicable(f"cohort {p.cohort!r} declares no cost")
        v = g / cost * p.per
        return Measurement(
            v,
            f"{_treatment(run, p.cohort)} bought {signed(v)} percentile "
            f"points per {number(p.per)} units ({signed(g)} in all)",
            {"gain": g, "cost": cost},
        )

    def unit_for_params(self) -> str:
        return f"percentile points per {self.params.per:g} units"


class _TwoGainParams(_CohortParams):
    versus: str = pydantic.Field(description="the cohort whose gain is the yardstick")
    measure: GainMeasure = pydantic.Field(
        "percentile", description="how each gain is measured (see gain)"
    )


def _two_gains(run: ScenarioRun, scorer: Scorer, p: _TwoGainParams) -> tuple[float, float]:
    """The gains of ``p.cohort`` and of its yardstick ``p.versus``, each treated and moved."""
    _need_treatment(run, p.cohort)
    _need_treatment(run, p.versus)
    _require_response(run, scorer, [p.cohort, p.versus])
    a, *_ = _gain(run, scorer, p.cohort, p.statistic, p.measure)
    b, *_ = _gain(run, scorer, p.versus, p.statistic, p.measure)
    return a, b


class ExcessGain(Probe):
    id = "excess_gain"
    unit = "percentile points"
    description = (
        "How much more a cohort gained than `ratio` times another cohort's gain "
        "(its yardstick): gain(cohort) - ratio x gain(versus). 'At most 0' is 'gains "
        "at most ratio times the yardstick' (a pod at most half of what strangers "
        "give: ratio 0.5), without dividing by a yardstick that may be near 0. Blind "
        "when neither cohort's scores move at all."
    )
    cohort_params = ("cohort", "versus")

    class Params(_TwoGainParams):
        ratio: float = pydantic.Field(
            1.0, ge=0, description="how many times the yardstick's gain the cohort may gain"
        )

    params: ExcessGain.Params

    def measure(self, run, scorer):
        p = self.params
        a, b = _two_gains(run, scorer, p)
        v = a - p.ratio * b
        unit = _GAIN_UNITS[p.measure]
        return Measurement(
            v,
            f"{p.cohort} gained {signed(a)} against {signed(b)} for "
            f"{p.versus} ({unit}): {signed(v)} beyond {number(p.ratio)} times "
            "the yardstick",
            {"gain": a, "versus_gain": b},
        )

    def unit_for_params(self) -> str:
        return _GAIN_UNITS[self.params.measure]


class GainRatio(Probe):
    id = "gain_ratio"
    unit = "x"
    description = (
        "A cohort's gain divided by another cohort's gain (e.g. a pod against the "
        "same number of reactions from distinct outsiders). Blind when neither "
        "cohort's scores move at all; degenerate when the yardstick does not rise by "
        "`floor` (no ratio). excess_gain asks the same without the division."
    )
    cohort_params = ("cohort", "versus")

    class Params(_TwoGainParams):
        floor: float = pydantic.Field(
            1.0,
            gt=0,
            description="the smallest yardstick gain (in the measure's unit) a ratio is taken of",
        )

    params: GainRatio.Params

    def measure(self, run, scorer):
        p = self.params
        a, b = _two_gains(run, scorer, p)
        unit = _GAIN_UNITS[p.measure]
        if b < p.floor:
            raise Degenerate(
                f"{p.versus} gained {signed(b)} {unit}, below the floor of "
                f"{number(p.floor)}: no yardstick to divide {p.cohort}'s "
                f"{signed(a)} by (excess_gain compares them without dividing)"
            )
        v = a / b
        return Measurement(
            v,
            f"{p.cohort} gained {signed(a)} against {signed(b)} for "
            f"{p.versus} ({unit}; {number(v)}x)",
            {"gain": a, "versus_gain": b},
        )


def _silence(run: ScenarioRun, name: str) -> tuple[float, float | None]:
    _need_treatment(run, name)
    c = run.treated.cohorts[name]
    if c.treatment_start is None:
        raise NotApplicable(f"cohort {name!r} has no treatment start (use an inactive cohort)")
    return c.treatment_start, c.treatment_end


def _ratio_at(run, scorer, codes, day, stat) -> float:
    if day <= run.days + 1e-9:  # else _scores_at says why not
        run.scores_pair(scorer, at=run.day(day))  # side by side when the worlds are large
    treated = _scores_at(run, scorer, codes, day, control=False)
    control = _scores_at(run, scorer, codes, day, control=True)
    lo = scorer.bounds[0]
    base = _STAT[stat](control) - lo
    if base <= 0:
        raise Degenerate(
            f"{scorer.id} gives the cohort its minimum score even without the "
            "silence: there is nothing to lose"
        )
    return float((_STAT[stat](treated) - lo) / base)


def _require_silence_seen(run: ScenarioRun, scorer: Scorer, name: str, days: list[float]) -> None:
    """:class:`Blind` when the silence leaves the members' scores unchanged on the ``days``
    given and at the end of the world. A few days suffice: one in the silence or right after it,
    where any scorer that reads activity differs, and the end, for a scorer that lags."""
    codes = _members(run, name)
    for d in [*days, run.days]:
        if d > run.days + 1e-9:
            continue
        if not unchanged(
            _scores_at(run, scorer, codes, d, False), _scores_at(run, scorer, codes, d, True)
        ):
            return
    raise Blind(
        f"{scorer.id} gives {name} exactly the same scores silent and active, on every "
        "day examined and at the end"
    )


class _DecayParams(_CohortParams):
    pass


class Decay(Probe):
    id = "decay"
    unit = "% of the score"
    description = (
        "How much of their score (above the scorer's minimum) silent accounts lose "
        "after some days, against the same accounts had they kept posting. Blind "
        "when the silence changes no member's score; degenerate when they score the "
        "minimum even without it."
    )
    cohort_params = ("cohort",)

    class Params(_DecayParams):
        after_days: float = pydantic.Field(14, gt=0, le=MAX_DAYS, description="days of silence")

    params: Decay.Params

    def measure(self, run, scorer):
        p = self.params
        start, _ = _silence(run, p.cohort)
        codes = _members(run, p.cohort)
        _require_silence_seen(run, scorer, p.cohort, [start + p.after_days])
        drop = 100.0 * (1.0 - _ratio_at(run, scorer, codes, start + p.after_days, p.statistic))
        return Measurement(
            drop,
            f"after {plural(p.after_days, 'silent day')} {_cohort(p.cohort)} "
            f"lost {number(drop)}% of its score",
        )


class HalfLife(Probe):
    id = "half_life"
    unit = "days"
    description = (
        "Days of silence until accounts keep half their score (against staying "
        "active); horizon + 1 when it never halves within the horizon. Blind when "
        "the silence changes no member's score."
    )
    cohort_params = ("cohort",)

    class Params(_DecayParams):
        horizon: float = pydantic.Field(
            180, gt=0, le=MAX_DAYS, description="longest silence examined"
        )

    params: HalfLife.Params

    def measure(self, run, scorer):
        p = self.params
        start, _ = _silence(run, p.cohort)
        codes = _members(run, p.cohort)
        days = sorted(
            {d for d in (7, 14, 30, 60, 90, 120, 150, 180, 270, 365) if d <= p.horizon}
            | {p.horizon}
        )
        _require_silence_seen(run, scorer, p.cohort, [start + days[-1]])
        kept = {}  # the decay trajectory: share of the score kept after d silent days
        for d in days:
            kept[d] = _ratio_at(run, scorer, codes, start + d, p.statistic)
            if kept[d] <= 0.5:
                trail = ", ".join(f"{k:g}d {100 * v:.0f}%" for k, v in kept.items())
                return Measurement(
                    float(d),
                    f"{_cohort(p.cohort)} lost half its score within "
                    f"{plural(d, 'silent day')} (kept {trail})",
                    {"kept": kept},
                )
        trail = ", ".join(f"{k:g}d {100 * v:.0f}%" for k, v in kept.items())
        # "never within the horizon" is reported as one day past it, so it fails an at_most
        return Measurement(
            float(p.horizon) + 1,
            f"{_cohort(p.cohort)} kept over half its score "
            f"through {plural(p.horizon, 'silent day')} "
            f"(kept {trail})",
            {"never": True, "kept": kept},
        )


_RECOVERY_DAYS = (0, 1, 3, 7, 14, 21, 30, 45, 60, 90, 120, 180)


class Recovery(Probe):
    id = "recovery"
    unit = "days"
    description = (
        "Days after a break until accounts are back within 5% of where they would "
        "have been without it; horizon + 1 when they never are. Blind when the "
        "break changes no member's score."
    )
    cohort_params = ("cohort",)

    class Params(_DecayParams):
        horizon: float = pydantic.Field(
            120, gt=0, le=MAX_DAYS, description="longest wait examined (days)"
        )
        within: float = pydantic.Field(
            0.05,
            gt=0,
            lt=1,
            description="how close to the counterfactual score counts as recovered (a fraction)",
        )

    params: Recovery.Params

    def measure(self, run, scorer):
        p = self.params
        start, end = _silence(run, p.cohort)
        if end is None:
            raise NotApplicable(f"cohort {p.cohort!r} never comes back; give the silence a length")
        codes = _members(run, p.cohort)
        last = run.days - end
        days = [d for d in _RECOVERY_DAYS if d <= min(p.horizon, last)]
        _require_silence_seen(run, scorer, p.cohort, [(start + end) / 2, end])
        for d in days:
            if _ratio_at(run, scorer, codes, end + d, p.statistic) >= 1 - p.within:
                when = (
                    "on the day they came back" if d == 0 else f"{plural(d, 'day')} after the break"
                )
                return Measurement(
                    float(d), f"{p.cohort} were back within {100 * p.within:g}% {when}"
                )
        h = float(min(p.horizon, last))
        return Measurement(
            h + 1,
            f"{p.cohort} had not recovered {plural(h, 'day')} after the break",
            {"never": True},
        )


class _CorrParams(Params):
    method: Literal["spearman", "kendall"] = pydantic.Field(
        "spearman", description="rank correlation: spearman or kendall"
    )
    top_percent: float | None = pydantic.Field(
        None, gt=0, le=100, description="only the top percent by the reference measure"
    )


def _reference(run: ScenarioRun, scorer: Scorer, versus: str) -> np.ndarray:
    if versus == "truth":
        return _truth(run)
    if versus == "log_followers":
        w = run.world
        if len(w.follows):
            return np.log1p(w.in_degree.astype(float))
        if "followers_count" not in w.accounts or not w.accounts["followers_count"].notna().any():
            raise NotApplicable(
                "this world records no followers (no follow edges, no followers_count)"
            )
        return np.log1p(w.profile_count("followers_count"))
    if versus == scorer.id:
        raise NotApplicable("a scorer is not compared with itself")
    return run.scores(run.registry.scorer(versus)).to_numpy()


class RankCorrelation(Probe):
    id = "rank_correlation"
    unit = "rho"
    description = (
        "Rank correlation of the score with a reference: log(1 + followers) (follow "
        "edges, else followers_count), the ground truth spread, or another scorer; "
        "overall or among the top percent by the reference. Not applicable when the "
        "reference is the same for every account in that scope; degenerate when more "
        "than half of the accounts in scope share one score."
    )

    class Params(_CorrParams):
        versus: str = pydantic.Field(
            "log_followers", description="log_followers, truth, or a scorer id"
        )

    params: RankCorrelation.Params

    def measure(self, run, scorer):
        p = self.params
        s = ranked_scores(run, scorer)
        ref = _reference(run, scorer, p.versus)
        idx = np.flatnonzero(run.population_mask() & np.isfinite(ref))
        if p.top_percent:
            k = max(3, int(round(len(idx) * p.top_percent / 100)))
            idx = idx[np.argsort(-ref[idx], kind="stable")[:k]]
        scope = (
            f"the top {p.top_percent:g}% ({len(idx):,})"
            if p.top_percent
            else f"all {len(idx):,} accounts"
        )
        versus = p.versus.replace("_", " ")
        if len(idx) < 3:
            raise NotApplicable(f"a rank correlation needs 3 accounts; {scope} has {len(idx)}")
        a, b = s[idx], ref[idx]
        if np.ptp(b) == 0:
            raise NotApplicable(
                f"the reference ({versus}) is the same for {scope}: nothing to correlate with"
            )
        if np.ptp(a) == 0:
            raise Degenerate(f"constant scores over {scope}: nothing to rank")
        values, counts = np.unique(a, return_counts=True)
        if counts.max() > MAX_TIED * len(a):
            raise Degenerate(
                f"{scorer.id} gives {100 * counts.max() / len(a):.0f}% of {scope} "
                f"the same score ({number(float(values[counts.argmax()]))}): a "
                "rank correlation over them is decided by ties"
            )
        f = stats.spearmanr if p.method == "spearman" else stats.kendalltau
        r = float(f(a, b).statistic)
        return Measurement(
            r, f"{p.method.capitalize()} correlation with {versus} over {scope} is {r:.2f}"
        )


class SpreadGap(Probe):
    id = "spread_gap"
    unit = "percentile points"
    description = (
        "How a cohort's score percentile compares with its percentile in true spread "
        "(ground truth): negative means the score under-ranks them. Degenerate when "
        "the cohort's median member shares its score with more than half of the "
        "population."
    )
    cohort_params = ("cohort",)
    Params = _CohortParams

    params: _CohortParams

    def measure(self, run, scorer):
        p = self.params
        truth = _reference(run, scorer, "truth")
        _require_cohort_ranks(run, scorer, [p.cohort], p.statistic)
        codes = _members(run, p.cohort)
        pct_s = run.percentiles(run.scores(scorer))[codes]
        pct_t = run.percentiles(pd.Series(truth))[codes]
        a, b = float(_STAT[p.statistic](pct_s)), float(_STAT[p.statistic](pct_t))
        return Measurement(
            a - b,
            f"{_cohort(p.cohort)} ranks at {percentile(a)} by score but the "
            f"{ordinal(b)} by true spread ({signed(a - b)} points)",
        )


def _truth(run: ScenarioRun) -> np.ndarray:
    t = run.treated.truth
    if np.isnan(t).all():
        raise NotApplicable("this world has no ground truth (a real world)")
    return t


def _matched_rate(
    run: ScenarioRun,
    crossed: np.ndarray,
    cohort: np.ndarray,
    reference: np.ndarray,
    match: str,
    band: float,
) -> float:
    """The reference's crossing rate, matched to the cohort on true standing: for each cohort
    member, the crossing rate of the reference accounts whose truth percentile (over the
    population, or within each account's own group) is within ``band`` points of its own (the
    five nearest when none is), averaged over the cohort."""
    truth = _truth(run)
    pop = run.population_mask()
    frame = pd.DataFrame({"t": np.where(pop, truth, np.nan)})
    if match == "truth_within_group":
        group = run.world.accounts["group"].astype(object).fillna("").to_numpy()
        frame["g"] = np.where(pop, group, "")
    else:
        frame["g"] = ""
    ranks = frame.groupby("g")["t"].rank(method="average")
    sizes = frame.groupby("g")["t"].transform("count")
    pct = (100.0 * (ranks - 0.5) / sizes).to_numpy()
    gap = np.abs(pct[reference][None, :] - pct[cohort][:, None])  # (cohort, reference)
    near = gap <= band
    none = ~near.any(axis=1)
    if none.any():
        nearest = np.argsort(gap[none], axis=1, kind="stable")[:, :5]
        rows = np.zeros((int(none.sum()), len(reference)), bool)
        np.put_along_axis(rows, nearest, True, axis=1)
        near[none] = rows
    hits = near.astype(np.float64) @ crossed[reference].astype(np.float64)
    return float(np.mean(hits / near.sum(axis=1)))


class ThresholdDisparity(Probe):
    id = "threshold_disparity"
    unit = "ratio"
    description = (
        "For a perk given to the top percent: the impact ratio of the four-fifths "
        "rule (29 CFR 1607.4(D)), the cohort's rate of crossing the threshold divided "
        "by the higher of its own and the reference's rate (1 when the cohort crosses "
        "at least as often; the rule flags < 0.8). With `match`, the reference rate "
        "is that of reference accounts of the same true standing as each member "
        "(truth percentile over the population, or within each account's own "
        "community). Degenerate when neither crosses."
    )
    cohort_params = ("cohort", "reference")
    special_cohorts = ("population", "base")

    class Params(Params):
        cohort: str = pydantic.Field(description="the cohort whose crossing rate is tested")
        reference: str = pydantic.Field(description="the cohort (or base) it is compared with")
        top_percent: float = pydantic.Field(20, gt=0, lt=100, description="who gets the perk")
        match: Literal["none", "truth", "truth_within_group"] = pydantic.Field(
            "none",
            description="compare each member with reference accounts of the same "
            "truth percentile: over the population (truth) or within each account's group "
            "(truth_within_group); none compares the cohorts' rates as they are",
        )
        band: float = pydantic.Field(
            5.0,
            gt=0,
            le=50,
            description="with match: how many percentile points of standing count as the same",
        )

    params: ThresholdDisparity.Params

    def measure(self, run, scorer):
        p = self.params
        scores = run.scores(scorer).to_numpy()
        require_ranking(scores[run.population_mask()], scorer, run.world)
        pct = run.percentiles(run.scores(scorer))
        crossed = pct >= 100 - p.top_percent
        cohort, reference = _members(run, p.cohort), _members(run, p.reference)
        a = float(crossed[cohort].mean())
        if p.match == "none":
            b = float(crossed[reference].mean())
            whom = p.reference
        else:
            b = _matched_rate(run, crossed, cohort, reference, p.match, p.band)
            where = "in their own community" if p.match == "truth_within_group" else "overall"
            whom = f"{p.reference} accounts who stand as high {where}"
        if a == 0 and b == 0:
            raise Degenerate(
                f"neither {p.cohort} nor {whom} reach the top {p.top_percent:g}% "
                f"under {scorer.id}: no crossing rate to compare"
            )
        v = a / max(a, b)
        return Measurement(
            v,
            f"{a:.0%} of {p.cohort} reach the top {p.top_percent:g}% against "
            f"{b:.0%} of {whom} (impact ratio {v:.2f})",
            {"rate": a, "reference_rate": b},
        )


class BystanderShift(Probe):
    id = "bystander_shift"
    unit = "% of the range"
    description = (
        "How much the scores of accounts that did nothing different move when a "
        "cohort's treatment happens elsewhere (95th percentile of the change). Blind "
        "when the treatment moves nobody's score, the treated cohort's included."
    )
    cohort_params = ("cohort",)

    class Params(Params):
        cohort: str = pydantic.Field(description="the treated cohort")
        quantile: float = pydantic.Field(
            0.95,
            gt=0,
            le=1,
            description="which quantile of the bystanders' absolute changes is reported",
        )

    params: BystanderShift.Params

    def measure(self, run, scorer):
        p = self.params
        _need_treatment(run, p.cohort)
        pop = run.members("population", run.control)
        treated, control = run.scores_pair(scorer)
        if unchanged(treated.to_numpy()[pop], control.to_numpy()[pop]):
            raise Blind(
                f"{_treatment(run, p.cohort)} moved nobody's score under {scorer.id}, "
                f"{p.cohort} included"
            )
        codes = run.members("base")
        delta = np.abs(treated.to_numpy()[codes] - control.to_numpy()[codes])
        lo, hi = scorer.bounds
        v = float(100.0 * np.quantile(delta, p.quantile) / (hi - lo))
        return Measurement(
            v,
            f"when {_treatment(run, p.cohort)} happened, uninvolved accounts' "
            f"scores moved by up to {v:.1f}% of the range "
            f"({ordinal(100 * p.quantile)} percentile)",
        )


class VersionChurn(Probe):
    id = "version_churn"
    unit = "% of the top"
    description = (
        "How much of the top-k changes between a scorer's defaults and another "
        "version or parameter set of it, with nobody's behaviour changed. Degenerate "
        "when either version fills more than half of the top-k from accounts tied "
        "at its cut-off."
    )

    class Params(Params):
        variants: dict[str, dict] = pydantic.Field(
            description="per scorer id, the parameters of the other version"
        )
        top: int = pydantic.Field(
            100, ge=1, le=MAX_COUNT, description="size of the top list compared"
        )

    params: VersionChurn.Params

    def measure(self, run, scorer):
        p = self.params
        key = scorer.id if scorer.id in p.variants else type(scorer).id
        if key not in p.variants:
            raise NotApplicable(f"no variant given for {scorer.id!r}")
        other = rebuild(scorer, **p.variants[key])
        mask = run.population_mask()
        pop = np.flatnonzero(mask)
        k = min(p.top, len(pop))

        def top(s):
            v = s.to_numpy()
            _require_top(v[pop], k, scorer)
            return set(pop[np.lexsort((pop, -v[pop]))][:k].tolist())

        churn = 100.0 * (1 - len(top(run.scores(scorer)) & top(run.scores(other))) / k)
        changed = ", ".join(f"{k2}={v!r}" for k2, v in p.variants[key].items())
        return Measurement(churn, f"changing to {changed} replaced {churn:.0f}% of the top {k}")


class MisattributedTopics(Probe):
    id = "misattributed_topics"
    unit = "% of attributed topics"
    description = (
        "How often a topic-aware scorer makes a cohort's members influential about "
        "a topic they never post about (F16). The scorer must have a `topic` "
        "parameter: it is scored once per topic of the world's events. A member is "
        "attributed a topic when its score on that topic is above the scorer's "
        "lowest score; at most its `top` highest topics count. The value is the "
        "share of the attributed (member, topic) pairs where the member made no post "
        "with that topic up to the scoring time. Not applicable to scorers without "
        "topics, to worlds without topics, or when no topic is attributed to anyone."
    )
    cohort_params = ("cohort",)

    class Params(Params):
        cohort: str = pydantic.Field(description="the cohort whose attributed topics are checked")
        top: int = pydantic.Field(
            3,
            ge=1,
            description="topics attributed per member at most, "
            "its highest-scored (Klout showed three on a profile)",
        )

    params: MisattributedTopics.Params

    def measure(self, run, scorer):
        if "topic" not in type(scorer).Params.model_fields:
            raise NotApplicable(f"{scorer.id} has no topic parameter: it attributes no topics")
        world = run.world
        ev = world.events
        if "topic" not in ev or not ev["topic"].notna().any():
            raise NotApplicable("the world's events carry no topic")
        members = _members(run, self.params.cohort)
        topics = sorted({str(t) for t in ev["topic"].dropna().unique()})
        base = scorer.params.model_dump(exclude_defaults=True)
        floor = scorer.bounds[0]
        table = np.column_stack(
            [
                run.scores(rebuild(scorer, **(base | {"topic": t}))).to_numpy()[members]
                for t in topics
            ]
        )  # (members, topics)
        at = run.end
        posts = ev[(ev["action"] == "post") & ev["topic"].notna() & (ev["time"] <= at)]
        actor = posts["actor"].cat.codes.to_numpy(np.int64)
        produced = set(zip(actor.tolist(), posts["topic"].astype(str).tolist(), strict=True))
        pairs = wrong = 0
        example = None
        for i, code in enumerate(members):
            scored = [(table[i, j], t) for j, t in enumerate(topics) if table[i, j] > floor + 1e-9]
            scored.sort(key=lambda x: (-x[0], x[1]))
            for _, t in scored[: self.params.top]:
                pairs += 1
                if (int(code), t) not in produced:
                    wrong += 1
                    example = example or (world.ids[code], t)
        if not pairs:
            raise NotApplicable(
                f"{scorer.id} attributes no topic to any member of {self.params.cohort!r}"
            )
        share = 100.0 * wrong / pairs
        text = (
            f"{wrong} of the {pairs} topics attributed to {self.params.cohort} "
            f"({share:.0f}%) are topics the member never posted about"
        )
        if example:
            text += f" (e.g. {example[1]!r} for {example[0]})"
        return Measurement(
            share, text, {"attributed": pairs, "misattributed": wrong, "topics": topics}
        )


BUILT_IN_PROBES = (
    CohortPercentile,
    PercentileGap,
    Auc,
    TopShare,
    Gain,
    GainPerCost,
    ExcessGain,
    GainRatio,
    Decay,
    HalfLife,
    Recovery,
    RankCorrelation,
    SpreadGap,
    ThresholdDisparity,
    BystanderShift,
    VersionChurn,
    MisattributedTopics,
)
