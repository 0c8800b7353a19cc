"""The built-in probes: what an audit measures on each scorer.

Percentiles are ranks among the scenario's population (every base account and cohort member;
auxiliary accounts such as bought fakes are left out), 0 for the lowest and 100 for the highest.
A *gain* compares the treated world with the control world (the same scenario without the
treatment) at the same time, so it isolates the treatment from everything else that happened.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pydantic
from scipy import stats

from auditkit.data.world import World
from auditkit.plugin.params import MAX_COUNT, MAX_DAYS, Params
from auditkit.plugin.probe import Measurement, NotApplicable, Probe
from auditkit.plugin.scorer import Scorer
from auditkit.scenario.run import Built, ScenarioRun

__all__ = ["BUILT_IN_PROBES", "ranked_scores", "require_ranking", "share_of_top"]

Statistic = Literal["median", "mean", "min", "max"]
_STAT = {"median": np.median, "mean": np.mean, "min": np.min, "max": np.max}


def _ordinal(x: float) -> str:
    n = int(round(x))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _members(run: ScenarioRun, name: str, built: Built | None = None) -> np.ndarray:
    codes = run.members(name, built)
    if len(codes) == 0:
        raise NotApplicable(f"cohort {name!r} has no accounts")
    return codes


def _holds(world: World) -> str:
    have = [name for name, n in (("follows", len(world.follows)), ("events", len(world.events)))
            if n]
    if any(c in world.accounts for c in ("followers_count", "following_count", "posts_count")):
        have.append("profile counts")
    return ", ".join(have) or "nothing a scorer reads"


def require_ranking(values: np.ndarray, scorer: Scorer, world: World) -> np.ndarray:
    """``values`` (scores of the population), or :class:`NotApplicable` when they are all equal.

    A scorer that gives every account the same score (it reads nothing this world holds, e.g.
    PageRank without follows) has no ranking: an AUC of 0.5 or a rho of 0 would read as a
    finding about it.
    """
    if len(values) == 0 or np.ptp(values) == 0:
        reads = f"; {scorer.id} reads {', '.join(sorted(scorer.tags))}" if scorer.tags else ""
        raise NotApplicable(f"constant scores: nothing to rank ({scorer.id} gives all "
                            f"{len(values):,} accounts the same score; this world holds "
                            f"{_holds(world)}{reads})")
    return values


def ranked_scores(run: ScenarioRun, scorer: Scorer, at: pd.Timestamp | None = None
                  ) -> np.ndarray:
    """Scores of every account of the treated world at ``at`` (default: its end), after
    :func:`require_ranking` on the population's."""
    s = run.scores(scorer, at=at).to_numpy()
    require_ranking(s[run.population_mask()], scorer, run.world)
    return s


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


def _cohort_pct(run: ScenarioRun, scorer: Scorer, name: str, stat: str, *,
                control: bool = False, at=None) -> float:
    built = run.control if control else run.treated
    scores = run.scores(scorer, control=control, at=at)
    pct = run.percentiles(scores, built)
    return float(_STAT[stat](pct[_members(run, name, built)]))


def _treatment(run: ScenarioRun, name: str) -> str:
    cohort = run.treated.cohorts.get(name)
    spec = next((c for c in run.scenario.cohorts if c.name == name), None)
    what = spec.behaviour.replace("_", " ") if spec else name
    if cohort and cohort.cost:
        cost = ", ".join(f"{v:,.0f} {k.replace('_', ' ')}" for k, v in cohort.cost.items())
        return f"{what} ({cost})"
    return what


def _need_treatment(run: ScenarioRun, name: str) -> None:
    spec = run.scenario.cohort(name)
    if not run.registry.behaviours[spec.behaviour]().has_treatment:
        raise NotApplicable(f"cohort {name!r} ({spec.behaviour}) has no treatment to compare "
                            "with its control")


def _scores_at(run: ScenarioRun, scorer: Scorer, codes: np.ndarray, day: float,
               control: bool) -> np.ndarray:
    if day > run.days + 1e-9:
        raise NotApplicable(f"the world ends on day {run.days:g}, before day {day:g}; lengthen "
                            "population.days")
    return run.scores(scorer, control=control, at=run.day(day)).to_numpy()[codes]


class _CohortParams(Params):
    cohort: str = pydantic.Field(description="the cohort measured")
    statistic: Statistic = pydantic.Field("median", description="how members are summarised")


class CohortPercentile(Probe):
    id = "cohort_percentile"
    unit = "percentile"
    description = ("Where a cohort lands in the ranking: the median (or other) percentile of its "
                   "members. Not applicable when the scorer gives every account the same score.")
    cohort_params = ("cohort",)
    Params = _CohortParams

    def measure(self, run, scorer):
        p = self.params
        ranked_scores(run, scorer)
        v = _cohort_pct(run, scorer, p.cohort, p.statistic)
        return Measurement(v, f"{p.cohort} accounts sit at the {_ordinal(v)} percentile "
                              f"({p.statistic})")


class PercentileGap(Probe):
    id = "percentile_gap"
    unit = "percentile points"
    description = ("How far a cohort ranks above (+) or below (-) another: difference of their "
                   "median percentiles.")
    cohort_params = ("cohort", "versus")

    class Params(_CohortParams):
        versus: str = pydantic.Field(description="the cohort compared with")

    def measure(self, run, scorer):
        p = self.params
        a = _cohort_pct(run, scorer, p.cohort, p.statistic)
        b = _cohort_pct(run, scorer, p.versus, p.statistic)
        return Measurement(a - b, f"{p.cohort} sit at the {_ordinal(a)} percentile, {p.versus} at "
                                  f"the {_ordinal(b)} ({a - b:+.1f} points)", {"a": a, "b": b})


class Auc(Probe):
    id = "auc"
    unit = "AUC"
    description = ("Probability that a random genuine account outranks a random spam account "
                   "(ties count half); 0.5 is chance, 1 is perfect. Not applicable when the "
                   "scorer gives every account the same score.")
    cohort_params = ("genuine", "spam")
    special_cohorts = ("population", "base")

    class Params(Params):
        genuine: str = pydantic.Field("base", description="the genuine accounts (a cohort or base)")
        spam: str = pydantic.Field(description="the spam accounts (a cohort)")

    def measure(self, run, scorer):
        p = self.params
        s = ranked_scores(run, scorer)
        g, b = s[_members(run, p.genuine)], s[_members(run, p.spam)]
        u = stats.mannwhitneyu(g, b, alternative="two-sided").statistic
        auc = float(u / (len(g) * len(b)))
        return Measurement(auc, f"a {p.genuine} account outranks a {p.spam} account with "
                                f"probability {auc:.2f} ({len(g):,} vs {len(b):,} accounts)")


class TopShare(Probe):
    id = "top_share"
    unit = "% of the top"
    description = ("Share of the top-k (or top percent) of the ranking held by a cohort; "
                   "accounts tied at the cut-off count in proportion. Not applicable when the "
                   "scorer gives every account the same score.")
    cohort_params = ("cohort",)

    class Params(Params):
        cohort: str = pydantic.Field(description="the cohort measured")
        top: int | None = pydantic.Field(None, ge=1, description="size of the top list "
                                         "(capped at the population)")
        top_percent: float | None = pydantic.Field(
            None, gt=0, le=100, description="size of the top list as a percent of the "
            "population (used when top is not given; default 1%)")

    def measure(self, run, scorer):
        p = self.params
        s = ranked_scores(run, scorer)
        pop = run.members("population")
        k = min(len(pop), p.top or max(1, int(round(len(pop) * (p.top_percent or 1.0) / 100))))
        member = np.isin(pop, _members(run, p.cohort))
        share = share_of_top(s[pop], member, k)
        base = 100.0 * float(member.mean())
        return Measurement(share, f"{p.cohort} hold {share:.1f}% of the top {k:,} "
                                  f"(they are {base:.1f}% of accounts)", {"base_share": base})


GainMeasure = Literal["percentile", "score", "relative"]


class _GainParams(_CohortParams):
    measure: GainMeasure = pydantic.Field(
        "percentile", description="percentile points, score points, or relative change of the "
        "score in %")


_GAIN_UNITS = {"percentile": "percentile points", "score": "score points", "relative": "%"}


def _gain(run: ScenarioRun, scorer: Scorer, name: str, stat: str, how: str):
    _need_treatment(run, name)
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
        raise NotApplicable(f"{name} score 0 without the treatment; a relative gain is undefined")
    return 100.0 * (after - before) / abs(before), before, after


class Gain(Probe):
    id = "gain"
    unit = "percentile points"
    description = ("What a cohort's treatment (an attack, a break, a merge) does to its members: "
                   "treated minus control, at the same time.")
    cohort_params = ("cohort",)
    Params = _GainParams

    def measure(self, run, scorer):
        p = self.params
        g, before, after = _gain(run, scorer, p.cohort, p.statistic, p.measure)
        what = _treatment(run, p.cohort)
        if p.measure == "percentile":
            text = (f"{what} moved {p.cohort} from the {_ordinal(before)} to the "
                    f"{_ordinal(after)} percentile ({g:+.1f} points)")
        elif p.measure == "score":
            text = f"{what} changed {p.cohort}'s score from {before:.3g} to {after:.3g} ({g:+.3g})"
        else:
            text = f"{what} changed {p.cohort}'s score from {before:.3g} to {after:.3g} ({g:+.1f}%)"
        return Measurement(g, text, {"before": before, "after": after})

    def unit_for_params(self) -> str:
        return _GAIN_UNITS[self.params.measure]


class GainPerCost(Probe):
    id = "gain_per_cost"
    unit = "percentile points per 100 units"
    description = ("Percentile points a treatment buys per `per` (default 100) units of its "
                   "cost (fakes, follows...).")
    cohort_params = ("cohort",)

    class Params(_CohortParams):
        per: float = pydantic.Field(100.0, gt=0, description="cost units per reported gain")

    def measure(self, run, scorer):
        p = self.params
        g, before, after = _gain(run, scorer, p.cohort, p.statistic, "percentile")
        cost = run.treated.cohorts[p.cohort].total_cost
        if cost <= 0:
            raise NotApplicable(f"cohort {p.cohort!r} declares no cost")
        v = g / cost * p.per
        return Measurement(v, f"{_treatment(run, p.cohort)} bought {v:+.2f} percentile points per "
                              f"{p.per:g} units ({g:+.1f} in all)", {"gain": g, "cost": cost})

    def unit_for_params(self) -> str:
        return f"percentile points per {self.params.per:g} units"


class GainRatio(Probe):
    id = "gain_ratio"
    unit = "x"
    description = ("A cohort's gain divided by another cohort's gain (e.g. a pod against the "
                   "same number of reactions from distinct outsiders).")
    cohort_params = ("cohort", "versus")

    class Params(_CohortParams):
        versus: str = pydantic.Field(description="the cohort whose gain is the yardstick")
        measure: GainMeasure = pydantic.Field("percentile", description="how each gain is "
                                              "measured (see gain)")
        floor: float = pydantic.Field(1.0, gt=0, description="gains below this (in the "
                                      "measure's unit) count as no gain")

    def measure(self, run, scorer):
        p = self.params
        a, *_ = _gain(run, scorer, p.cohort, p.statistic, p.measure)
        b, *_ = _gain(run, scorer, p.versus, p.statistic, p.measure)
        unit = _GAIN_UNITS[p.measure]
        if abs(a) < p.floor and abs(b) < p.floor:
            return Measurement(0.0, f"neither {p.cohort} ({a:+.1f}) nor {p.versus} ({b:+.1f}) "
                                    f"moved the score ({unit})", {"gain": a, "versus_gain": b})
        v = float(np.clip(a / max(b, p.floor), -99, 99))
        return Measurement(v, f"{p.cohort} gained {a:+.3g} against {b:+.3g} for {p.versus} "
                              f"({unit}; {v:.2f}x)", {"gain": a, "versus_gain": b})


class _DecayParams(_CohortParams):
    pass


def _silence(run: ScenarioRun, name: str) -> tuple[float, float | None]:
    _need_treatment(run, name)
    c = run.treated.cohorts[name]
    if c.treatment_start is None:
        raise NotApplicable(f"cohort {name!r} has no treatment start (use an inactive cohort)")
    return c.treatment_start, c.treatment_end


def _ratio_at(run, scorer, codes, day, stat) -> float:
    treated = _scores_at(run, scorer, codes, day, control=False)
    control = _scores_at(run, scorer, codes, day, control=True)
    lo = scorer.bounds[0]
    base = _STAT[stat](control) - lo
    if base <= 0:
        raise NotApplicable("the cohort scores the minimum even without the silence")
    return float((_STAT[stat](treated) - lo) / base)


class Decay(Probe):
    id = "decay"
    unit = "% of the score"
    description = ("How much of their score (above the scorer's minimum) silent accounts lose "
                   "after some days, against the same accounts had they kept posting.")
    cohort_params = ("cohort",)

    class Params(_DecayParams):
        after_days: float = pydantic.Field(14, gt=0, le=MAX_DAYS, description="days of "
                                           "silence")

    def measure(self, run, scorer):
        p = self.params
        start, _ = _silence(run, p.cohort)
        codes = _members(run, p.cohort)
        drop = 100.0 * (1.0 - _ratio_at(run, scorer, codes, start + p.after_days, p.statistic))
        return Measurement(drop, f"after {p.after_days:g} silent days {p.cohort} lost "
                                 f"{drop:.0f}% of their score")


class HalfLife(Probe):
    id = "half_life"
    unit = "days"
    description = ("Days of silence until accounts keep half their score (against staying "
                   "active); horizon + 1 when it never halves within the horizon.")
    cohort_params = ("cohort",)

    class Params(_DecayParams):
        horizon: float = pydantic.Field(180, gt=0, le=MAX_DAYS, description="longest silence "
                                        "examined")

    def measure(self, run, scorer):
        p = self.params
        start, _ = _silence(run, p.cohort)
        codes = _members(run, p.cohort)
        days = [d for d in (7, 14, 30, 60, 90, 120, 150, 180, 270, 365)
                if d <= p.horizon] + [p.horizon]
        kept = {}  # the decay trajectory: share of the score kept after d silent days
        for d in sorted(set(days)):
            kept[d] = _ratio_at(run, scorer, codes, start + d, p.statistic)
            if kept[d] <= 0.5:
                trail = ", ".join(f"{k:g}d {100 * v:.0f}%" for k, v in kept.items())
                return Measurement(float(d), f"{p.cohort} lost half their score within {d:g} "
                                             f"silent days (kept {trail})", {"kept": kept})
        trail = ", ".join(f"{k:g}d {100 * v:.0f}%" for k, v in kept.items())
        # "never within the horizon" is reported as one day past it, so it fails an at_most
        return Measurement(float(p.horizon) + 1, f"{p.cohort} kept over half their score "
                                                 f"through {p.horizon:g} silent days "
                                                 f"(kept {trail})", {"never": True, "kept": kept})


class Recovery(Probe):
    id = "recovery"
    unit = "days"
    description = ("Days after a break until accounts are back within 5% of where they would "
                   "have been without it; horizon + 1 when they never are.")
    cohort_params = ("cohort",)

    class Params(_DecayParams):
        horizon: float = pydantic.Field(120, gt=0, le=MAX_DAYS, description="longest wait "
                                        "examined (days)")
        within: float = pydantic.Field(0.05, gt=0, lt=1, description="how close to the "
                                       "counterfactual score counts as recovered (a fraction)")

    def measure(self, run, scorer):
        p = self.params
        _, end = _silence(run, p.cohort)
        if end is None:
            raise NotApplicable(f"cohort {p.cohort!r} never comes back; give the silence a length")
        codes = _members(run, p.cohort)
        last = run.days - end
        for d in (0, 1, 3, 7, 14, 21, 30, 45, 60, 90, 120, 180):
            if d > min(p.horizon, last):
                break
            if _ratio_at(run, scorer, codes, end + d, p.statistic) >= 1 - p.within:
                return Measurement(float(d), f"{p.cohort} were back within "
                                             f"{100 * p.within:g}% {d:g} days after the break")
        h = float(min(p.horizon, last))
        return Measurement(h + 1, f"{p.cohort} had not recovered {h:g} days after the break",
                           {"never": True})


class _CorrParams(Params):
    method: Literal["spearman", "kendall"] = pydantic.Field(
        "spearman", description="rank correlation: spearman or kendall")
    top_percent: float | None = pydantic.Field(
        None, gt=0, le=100, description="only the top percent by the reference measure")


def _reference(run: ScenarioRun, scorer: Scorer, versus: str) -> np.ndarray:
    if versus == "truth":
        t = run.treated.truth
        if np.isnan(t).all():
            raise NotApplicable("this world has no ground truth (a real world)")
        return t
    if versus == "log_followers":
        w = run.world
        if len(w.follows):
            return np.log1p(w.in_degree.astype(float))
        if "followers_count" not in w.accounts or not w.accounts["followers_count"].notna().any():
            raise NotApplicable("this world records no followers (no follow edges, no "
                                "followers_count)")
        return np.log1p(w.profile_count("followers_count"))
    if versus == scorer.id:
        raise NotApplicable("a scorer is not compared with itself")
    return run.scores(run.registry.scorer(versus)).to_numpy()


class RankCorrelation(Probe):
    id = "rank_correlation"
    unit = "rho"
    description = ("Rank correlation of the score with a reference: log(1 + followers) (follow "
                   "edges, else followers_count), the ground truth spread, or another scorer; "
                   "overall or among the top percent by the reference. Not applicable when the "
                   "score or the reference is the same for every account in that scope.")

    class Params(_CorrParams):
        versus: str = pydantic.Field("log_followers", description="log_followers, truth, or a "
                                     "scorer id")

    def measure(self, run, scorer):
        p = self.params
        s = ranked_scores(run, scorer)
        ref = _reference(run, scorer, p.versus)
        idx = np.flatnonzero(run.population_mask() & np.isfinite(ref))
        if p.top_percent:
            k = max(3, int(round(len(idx) * p.top_percent / 100)))
            idx = idx[np.argsort(-ref[idx], kind="stable")[:k]]
        scope = (f"the top {p.top_percent:g}% ({len(idx):,})" if p.top_percent
                 else f"all {len(idx):,} accounts")
        versus = p.versus.replace("_", " ")
        if len(idx) < 3:
            raise NotApplicable(f"a rank correlation needs 3 accounts; {scope} has {len(idx)}")
        a, b = s[idx], ref[idx]
        if np.ptp(b) == 0:
            raise NotApplicable(f"the reference ({versus}) is the same for {scope}: nothing to "
                                "correlate with")
        if np.ptp(a) == 0:
            raise NotApplicable(f"constant scores over {scope}: nothing to rank")
        f = stats.spearmanr if p.method == "spearman" else stats.kendalltau
        r = float(f(a, b).statistic)
        return Measurement(r, f"{p.method} correlation with {versus} over {scope} is {r:.2f}")


class SpreadGap(Probe):
    id = "spread_gap"
    unit = "percentile points"
    description = ("How a cohort's score percentile compares with its percentile in true spread "
                   "(ground truth): negative means the score under-ranks them.")
    cohort_params = ("cohort",)
    Params = _CohortParams

    def measure(self, run, scorer):
        p = self.params
        truth = _reference(run, scorer, "truth")
        codes = _members(run, p.cohort)
        pct_s = run.percentiles(run.scores(scorer))[codes]
        pct_t = run.percentiles(pd.Series(truth))[codes]
        a, b = float(_STAT[p.statistic](pct_s)), float(_STAT[p.statistic](pct_t))
        return Measurement(a - b, f"{p.cohort} rank at the {_ordinal(a)} percentile by score but "
                                  f"the {_ordinal(b)} by true spread ({a - b:+.1f} points)")


class ThresholdDisparity(Probe):
    id = "threshold_disparity"
    unit = "ratio"
    description = ("For a perk given to the top percent: the cohort's rate of crossing the "
                   "threshold divided by the reference cohort's (the 80% rule flags < 0.8).")
    cohort_params = ("cohort", "reference")

    class Params(Params):
        cohort: str = pydantic.Field(description="the cohort whose crossing rate is tested")
        reference: str = pydantic.Field(description="the cohort it is compared with")
        top_percent: float = pydantic.Field(20, gt=0, lt=100, description="who gets the perk")

    def measure(self, run, scorer):
        p = self.params
        pct = run.percentiles(run.scores(scorer))
        cut = 100 - p.top_percent
        a = float((pct[_members(run, p.cohort)] >= cut).mean())
        b = float((pct[_members(run, p.reference)] >= cut).mean())
        if b == 0:
            if a == 0:
                return Measurement(1.0, f"neither {p.cohort} nor {p.reference} reach the top "
                                        f"{p.top_percent:g}%")
            return Measurement(99.0, f"{a:.0%} of {p.cohort} reach the top {p.top_percent:g}%, "
                                     f"none of {p.reference}")
        v = a / b
        return Measurement(v, f"{a:.0%} of {p.cohort} reach the top {p.top_percent:g}% against "
                              f"{b:.0%} of {p.reference} (ratio {v:.2f})")


class BystanderShift(Probe):
    id = "bystander_shift"
    unit = "% of the range"
    description = ("How much the scores of accounts that did nothing different move when a "
                   "cohort's treatment happens elsewhere (95th percentile of the change).")
    cohort_params = ("cohort",)

    class Params(Params):
        cohort: str = pydantic.Field(description="the treated cohort")
        quantile: float = pydantic.Field(0.95, gt=0, le=1, description="which quantile of "
                                         "the bystanders' absolute changes is reported")

    def measure(self, run, scorer):
        p = self.params
        _need_treatment(run, p.cohort)
        codes = run.members("base")
        delta = np.abs(run.scores(scorer).to_numpy()[codes] -
                       run.scores(scorer, control=True).to_numpy()[codes])
        lo, hi = scorer.bounds
        v = float(100.0 * np.quantile(delta, p.quantile) / (hi - lo))
        return Measurement(v, f"when {_treatment(run, p.cohort)} happened, uninvolved accounts' "
                              f"scores moved by up to {v:.1f}% of the range "
                              f"({100 * p.quantile:g}th percentile)")


class VersionChurn(Probe):
    id = "version_churn"
    unit = "% of the top"
    description = ("How much of the top-k changes between a scorer's defaults and another "
                   "version or parameter set of it, with nobody's behaviour changed.")

    class Params(Params):
        variants: dict[str, dict] = pydantic.Field(
            description="per scorer id, the parameters of the other version")
        top: int = pydantic.Field(100, ge=1, le=MAX_COUNT, description="size of the top list "
                                  "compared")

    def measure(self, run, scorer):
        p = self.params
        if scorer.id not in p.variants:
            raise NotApplicable(f"no variant given for {scorer.id!r}")
        other = run.registry.scorer(scorer.id, **p.variants[scorer.id])
        mask = run.population_mask()
        pop = np.flatnonzero(mask)
        k = min(p.top, len(pop))

        def top(s):
            v = s.to_numpy()
            return set(pop[np.lexsort((pop, -v[pop]))][:k].tolist())

        churn = 100.0 * (1 - len(top(run.scores(scorer)) & top(run.scores(other))) / k)
        changed = ", ".join(f"{k2}={v!r}" for k2, v in p.variants[scorer.id].items())
        return Measurement(churn, f"changing to {changed} replaced {churn:.0f}% of the top {k}")


BUILT_IN_PROBES = (CohortPercentile, PercentileGap, Auc, TopShare, Gain, GainPerCost, GainRatio,
                   Decay, HalfLife, Recovery, RankCorrelation, SpreadGap, ThresholdDisparity,
                   BystanderShift, VersionChurn)

