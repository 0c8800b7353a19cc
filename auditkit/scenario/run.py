"""A scenario run: the worlds one scenario builds for one seed, and scores cached on them.

The *treated* world has every cohort's setup and treatment; the *control* world the same setup
without any treatment, drawn from the same random streams. Both are built lazily, once; the
treated world is built onto the control world (the treatments' rows merged into it, when they
only add rows: :meth:`~auditkit.data.draft.Draft.build`), and once both exist the drafts' events
are freed unless the run keeps them (``keep_events``).
Scores are cached per scorer (id and parameters), world and time, so probes that share a
measurement do not score twice.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from auditkit.data.draft import Draft
from auditkit.data.rows import PARALLEL_ROWS
from auditkit.data.simulation import simulate
from auditkit.data.synth import add_population
from auditkit.data.truth import expected_spread, shared_spread
from auditkit.data.world import World, read_world
from auditkit.errors import ScenarioError, ScorerError
from auditkit.plugin.behaviour import Behaviour, Cohort
from auditkit.plugin.probe import NotApplicable
from auditkit.plugin.scorer import Scorer, TruthScorer, run_scorer
from auditkit.scenario.budget import Budget
from auditkit.scenario.model import Scenario

__all__ = ["ScenarioRun", "Built", "average_ranks"]


@dataclass
class Built:
    """One built world with what the simulation knows about it."""

    world: World
    cohorts: dict[str, Cohort]
    #: role of each account: ``base``, ``member`` or ``auxiliary`` (fakes, bots bought, ...)
    role: np.ndarray
    draft: Draft
    real: bool = False
    #: the other world of the same scenario run (treated or control), once both exist
    twin: Built | None = None

    @cached_property
    def population(self) -> np.ndarray:
        """Whether each account is in the population (a base account or cohort member, not an
        auxiliary one); read-only."""
        mask = self.role != "auxiliary"
        mask.flags.writeable = False
        return mask

    @cached_property
    def base(self) -> np.ndarray:
        """Codes of the base accounts; read-only."""
        codes = np.flatnonzero(self.role == "base")
        codes.flags.writeable = False
        return codes

    @cached_property
    def truth(self) -> np.ndarray:
        """Expected spread of one post per account (NaN when the base is a real world)."""
        if self.real:
            return np.full(self.draft.n, np.nan)
        twin = self.twin
        if twin is not None and "truth" in twin.__dict__:
            shared = shared_spread(self.draft, twin.draft, twin.truth)
            if shared is not None:
                return shared
        return expected_spread(self.draft)


class ScenarioRun:
    """The worlds of ``scenario`` for ``seed``; see the module docstring."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        registry,
        *,
        time_limit: float | None = None,
        budget: Budget | None = None,
        keep_events: bool = False,
    ) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.registry = registry
        self.time_limit = time_limit
        #: bounds the rows of the worlds while they are built (auditkit.scenario.budget)
        self.budget = budget or Budget()
        #: keep the drafts' events once every world is built (by default they are freed: the
        #: worlds have their own, and a million-account draft holds 0.8 GB of them)
        self.keep_events = keep_events
        self._scores: dict[tuple, pd.Series | ScorerError] = {}

    # ---- worlds ----
    def _behaviours(self) -> list[tuple[Behaviour, Cohort]]:
        return [
            (self.registry.behaviours[c.behaviour](**c.params), Cohort(c.name, c.size))
            for c in self.scenario.cohorts
        ]

    def _simulate(self) -> tuple[Draft, list[tuple[Behaviour, Cohort]]]:
        """The draft up to (not including) the treatments: population, setup, organic
        simulation, finish. Treated and control worlds share it."""
        pop = self.scenario.population
        real = pop.world is not None
        if real:
            base = _read_base(Path(self.scenario.path or ".").parent / str(pop.world))
            if base.start is None:
                raise ScenarioError(
                    f"{self.scenario.path}: population.world {pop.world!r} has "
                    "no times; a base world needs timed events or follows"
                )
            start = base.start.floor("D")
            days = max(1.0, (base.end - start) / pd.Timedelta(days=1))
            draft = Draft(days=days, start=start, seed=self.seed)
            _add_real_world(draft, base)
            draft.row_limits = self.budget.row_limits()
        else:
            draft = Draft(days=pop.days, seed=self.seed)
            draft.row_limits = self.budget.row_limits()
            add_population(draft, pop.accounts, communities=pop.communities)
        pairs = self._behaviours()
        for behaviour, cohort in pairs:
            behaviour.setup(draft, cohort, draft.rng("setup", cohort.name))
        simulate(
            draft,
            follows_per_account=pop.follows_per_account,
            events_per_account=pop.events_per_account,
            communities_locality=pop.locality,
            reciprocity=pop.reciprocity,
            post_share=pop.post_share,
        )
        for behaviour, cohort in pairs:
            behaviour.finish(draft, cohort, draft.rng("finish", cohort.name))
        return draft, pairs

    def _built(
        self, draft: Draft, pairs: list[tuple[Behaviour, Cohort]], base: Built | None = None
    ) -> Built:
        world = draft.build(base=None if base is None else (base.draft, base.world))
        return Built(
            world,
            {c.name: c for _, c in pairs},
            draft.column("role"),
            draft,
            self.scenario.population.world is not None,
        )

    @cached_property
    def treated(self) -> Built:
        pretreated = self.__dict__.pop("_pretreated", None)
        draft, pairs = pretreated if pretreated is not None else self._simulate()
        if (
            pretreated is None
            and "control" not in self.__dict__
            and any(b.has_treatment for b, _ in pairs)
        ):
            # the control world is this draft without the treatments: keep a copy instead of
            # simulating the same population a second time (every stream is named, so the
            # copy is exactly what a second simulation would draw)
            self._untreated = copy.deepcopy((draft, pairs))
        for behaviour, cohort in pairs:
            behaviour.treat(draft, cohort, draft.rng("treat", cohort.name))
        # built onto the control world: the treatments' rows merged into it (Draft.build)
        return self._built(draft, pairs, base=self._control_world())

    def _control_world(self) -> Built | None:
        """The control world, built once, when it exists or its draft does."""
        if "_control" not in self.__dict__:
            untreated = self.__dict__.pop("_untreated", None)
            if untreated is None:
                return None
            self._control = self._built(*untreated)
        return self._control

    @cached_property
    def control(self) -> Built:
        if not any(b.has_treatment for b, _ in self._behaviours()):
            self._built_all(self.treated)
            return self.treated
        control = self._control_world()
        if control is None:
            draft, pairs = self._simulate()
            if "treated" not in self.__dict__:  # the treated world will start from a copy
                self._pretreated = copy.deepcopy((draft, pairs))
            control = self._control = self._built(draft, pairs)
        # twins: the ground truth of one shares the other's random draws (common random numbers)
        control.twin, self.treated.twin = self.treated, control
        self._built_all(control, self.treated)
        return control

    def _built_all(self, *built: Built) -> None:
        """Every world of the run exists: free the drafts' events unless asked to keep them."""
        if not self.keep_events:
            for b in built:
                b.draft.forget_events()

    @property
    def world(self) -> World:
        return self.treated.world

    def day(self, d: float) -> pd.Timestamp:
        """The time ``d`` days after the start of the scenario's worlds."""
        return self.treated.draft.start + pd.Timedelta(days=d)

    @property
    def end(self) -> pd.Timestamp:
        return self.day(self.days)

    @property
    def days(self) -> float:
        """Length of the scenario's worlds in days (a real base world sets its own)."""
        return self.treated.draft.days

    def members(self, name: str, built: Built | None = None) -> np.ndarray:
        """Account codes of a cohort, or of ``population`` (every base and member account)."""
        built = built or self.treated
        if name == "population":
            return np.flatnonzero(built.population)
        if name == "base":
            return built.base
        return built.cohorts[name].members

    def population_mask(self, built: Built | None = None) -> np.ndarray:
        """Whether each account is in the population (read-only)."""
        built = built or self.treated
        return built.population

    # ---- scores ----
    def scores(self, scorer: Scorer, *, control: bool = False, at: object = None) -> pd.Series:
        """Scores of every account of the treated (or control) world at ``at`` (default: end).

        A :class:`~auditkit.plugin.scorer.TruthScorer` (the oracle) is given the world's ground
        truth, the expected spread at the end of the period (:attr:`Built.truth`); no other
        scorer ever is. On a real world it is not applicable."""
        result = self._score(scorer, self.control if control else self.treated, at)
        if isinstance(result, ScorerError):
            raise result
        return result

    def scores_pair(self, scorer: Scorer, *, at: object = None) -> tuple[pd.Series, pd.Series]:
        """``(treated, control)`` scores at ``at``, for a probe that compares the two worlds.

        Large worlds (from :data:`~auditkit.data.rows.PARALLEL_ROWS` follows and events) are
        scored side by side in two threads when the scorer is
        :attr:`~auditkit.plugin.scorer.Scorer.concurrent`: each world's scores are still one
        call of the scorer, so they are the same as one after the other."""
        treated, control = self.treated, self.control  # both built here, not in the threads
        if (
            scorer.concurrent
            and not isinstance(scorer, TruthScorer)
            and treated is not control
            and len(treated.world.follows) + len(treated.world.events) >= PARALLEL_ROWS
        ):
            with ThreadPoolExecutor(2, thread_name_prefix="auditkit-pair") as pool:
                list(pool.map(lambda built: self._score(scorer, built, at), (treated, control)))
        return self.scores(scorer, at=at), self.scores(scorer, control=True, at=at)

    def _score(self, scorer: Scorer, built: Built, at: object) -> pd.Series | ScorerError:
        """The cached scores of ``built`` (or the scorer's error), computed on first use."""
        t = self.end if at is None else pd.Timestamp(at)
        # the control world may be the treated world itself (no cohort has a treatment)
        key = (scorer.id, repr(scorer.params), id(built), t.value)
        if key not in self._scores:
            truth = None
            if isinstance(scorer, TruthScorer):
                if built.real:
                    raise NotApplicable(
                        f"{scorer.id} scores by ground truth, which a real world does not have"
                    )
                truth = built.truth
            try:
                self._scores[key] = run_scorer(
                    scorer, built.world, t, time_limit=self.time_limit, truth=truth
                )
            except ScorerError as exc:
                self._scores[key] = exc
        return self._scores[key]

    def percentiles(self, scores: pd.Series, built: Built | None = None) -> np.ndarray:
        """Percentile rank (0-100, ties averaged) of every account among the population.

        Auxiliary accounts (fakes, bought followers) are not in the population; their entries
        are NaN.
        """
        mask = self.population_mask(built)
        values = scores.to_numpy()
        out = np.full(len(values), np.nan)
        ranks = average_ranks(values[mask])
        out[mask] = 100.0 * (ranks - 0.5) / max(mask.sum(), 1)
        return out


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, lowest value first, tied values sharing the average of their ranks, NaN
    left NaN: ``pd.Series(values).rank(method="average")``, in less than half its time for a
    million values (one sort, then a value per group of ties)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values)  # NaN last
    ordered = values[order]
    valid = len(values) - int(np.count_nonzero(np.isnan(ordered)))
    ordered = ordered[:valid]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # [0] when empty: no rows
    ends = np.r_[starts[1:], valid]
    ranks = np.full(len(values), np.nan)
    # the ranks start + 1 .. end of a group average to (start + 1 + end) / 2, exactly
    ranks[order[:valid]] = np.repeat((starts + 1 + ends) / 2.0, ends - starts)
    return ranks


def _read_base(path: Path) -> World:
    """Read a base world once per process while its files are unchanged (worlds are
    immutable, and one real world is the base of several scenarios and of both their worlds)."""
    files = sorted(p for p in Path(path).glob("*") if p.is_file())
    stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _read_base_cached(str(Path(path).resolve()), stamp)


@lru_cache(maxsize=4)
def _read_base_cached(path: str, stamp: tuple) -> World:
    return read_world(path)


def _add_real_world(draft: Draft, world: World) -> None:
    """Copy a real world into a draft as scripted accounts, follows and events."""
    acc = world.accounts
    created = None
    if "created" in acc:
        created = acc["created"].array.asi8 / 1e9
        created = np.where(acc["created"].isna().to_numpy(), draft.t0 - 365 * 86_400.0, created)
    labels = acc["label"].astype(object).fillna("").to_numpy() if "label" in acc else None
    groups = acc["group"].astype(object).fillna("c0").to_numpy() if "group" in acc else None
    codes = draft.add_accounts(
        len(world),
        prefix="",
        cohort="",
        role="base",
        label=labels,
        group=groups,
        attention=0.0,
        activity=0.0,
        sociability=0.0,
        created=created,
        organic=False,
    )
    draft.ids[codes[0] : codes[-1] + 1] = list(world.ids)
    for column in ("followers_count", "following_count", "posts_count"):
        if column in acc:
            draft.set_counts(column, codes, acc[column].astype("float64").to_numpy())
    f = world.follows
    times = None
    if "time" in f and "until" not in f:
        t = f["time"].array.asi8 / 1e9
        times = np.where(f["time"].isna().to_numpy(), draft.t0 - 86_400.0, t)
    src, dst = world.follow_codes
    draft.add_follows(src, dst, times if times is not None and len(times) == len(src) else None)
    actor, action, target = world.event_codes
    draft.add_events(world.event_time_ns / 1e9, actor, action, target=target)
