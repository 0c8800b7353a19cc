"""``auditkit attack``: search for the attack that lifts one ordinary account the most per budget.

An *attack* spends a budget of cost units on a mix of manipulations of one target account (the
kinds in :data:`KINDS`: bought fake followers, reactions bought from fake or real accounts,
follows made to harvest follow-backs, engagement-pod partners, a sybil farm behind attack edges,
celebrity reshares). The target is an ordinary account whose hidden traits sit at a chosen
percentile of a generated base population. Each candidate attack is built as the treated world of
a one-cohort scenario (behaviour :class:`CompositeAttack`, registered here through the
``register_behaviours`` hook) and compared with its control world, exactly as ``auditkit audit``
would; the best one is written out as a scenario that ``auditkit audit`` reproduces.

The search (:func:`search`) is a seeded optimiser over integer allocations of the budget: pure
and random allocations first, then best-improvement hill climbing that moves budget between kinds
with a halving step, restarted from the next-best start while evaluations remain. It keeps the
best attack it evaluated. It is a local search: it finds a good attack, not provably the worst.

For PageRank, :func:`pagerank_bound` states the closed form of the optimal link-spam farm
(Gyöngyi & Garcia-Molina, "Link Spam Alliances", VLDB 2005; Leskovec, Rajaraman, Ullman, *Mining
of Massive Datasets*, §5.4.2), ``y = x/(1-β²) + β/(1+β)·m/n``, beside the PageRank measured.
"""

from __future__ import annotations

import copy
import os
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import yaml
from pydantic import Field

from auditkit.behaviour import Behaviour, Cohort
from auditkit.behaviours import (
    BoughtFollowers,
    CelebrityEngagement,
    FollowBackFarm,
    _active_base,
    _base,
    _clip,
    _member_posts,
    _on_day,
    _reaction_codes,
    _trait,
    _TraitParams,
    _weighted_sample,
)
from auditkit.draft import DAY, Draft
from auditkit.errors import AuditkitError, ScenarioError
from auditkit.hookspecs import hookimpl
from auditkit.run import Built, ScenarioRun
from auditkit.scenario import Population, Scenario
from auditkit.scorer import Scorer, run_scorer
from auditkit.synth import add_population

__all__ = ["KINDS", "Kind", "Composition", "CompositeAttack", "Evaluation", "SearchResult",
           "AttackWorlds", "search", "target_traits", "farm_bound", "pagerank_bound",
           "attack_scenario", "write_scenario", "freeze_seeds", "run_attack", "AttackReport",
           "COHORT", "MAX_BUDGET"]

#: Name of the target's cohort in the scenarios the search builds and writes.
COHORT = "target"
#: Largest budget accepted: a unit can add an account, and worlds must stay small enough to
#: score a few hundred times.
MAX_BUDGET = 100_000
#: Reactions a pod partner or a bought reaction is drawn from (as EngagementPod's default).
REACTION_KINDS = ("like", "share", "reply")


# ---------------------------------------------------------------------------------------------
# the cost model


@dataclass(frozen=True)
class Kind:
    """One attack kind: the behaviour parameter it sets, its price and why."""

    name: str        # parameter of CompositeAttack
    cost: int        # units per item
    flaw: str        # flaws.md id it exercises
    label: str       # plural noun for reports
    why: str         # the reason for the price


#: The cost model, in units per item. The prices are relative: one bought follower is 1.
KINDS: tuple[Kind, ...] = (
    Kind("fake_followers", 1, "F7", "fake followers",
         "a bought follower is a fake account that follows the target; follower markets price "
         "per follower (Stringhini et al., IMC 2013), the unit of this model"),
    Kind("fake_reactions", 1, "F7", "reactions from fake accounts",
         "likes/shares/replies are sold per unit like followers; each comes from its own fake "
         "account"),
    Kind("real_reactions", 2, "F7", "reactions from real accounts",
         "reactions from real (compromised or pyramid-scheme) accounts are scarcer than from "
         "fakes (Stringhini et al.): twice the price"),
    Kind("follows", 1, "F8", "follows made to harvest follow-backs",
         "free in money but rate-limited and a suspension risk; one unit per follow made"),
    Kind("pod_partners", 3, "F6", "engagement-pod partners",
         "paid in kind: the target reacts to every post a partner makes after joining, about "
         "3 (a base account posts 2.7 times on average in the last 40% of the period)"),
    Kind("sybils", 2, "F9", "sybils in a link farm",
         "a fake account that follows the target (1) plus the target's follow back (1)"),
    Kind("attack_edges", 10, "F9", "attack edges",
         "a real account following a sybil needs social engineering or a compromised account: "
         "ten times a fake follower (an assumption)"),
    Kind("celebrity_reshares", 50, "F5", "celebrity reshares",
         "a reshare by the highest-attention account (20-90x the median account's followers in "
         "a generated population of 1,000); sponsored posts are priced by audience (an "
         "assumption)"),
)
_KIND = {k.name: k for k in KINDS}


@dataclass(frozen=True)
class Composition:
    """How many items of each kind an attack buys (kinds absent are 0)."""

    items: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, **counts: int) -> Composition:
        unknown = set(counts) - set(_KIND)
        if unknown:
            raise AuditkitError(f"unknown attack kind(s) {sorted(unknown)}; kinds: "
                                f"{', '.join(_KIND)}")
        if counts.get("sybils", 0) <= 0:
            counts["attack_edges"] = 0   # an attack edge needs a sybil to point at
        return cls(tuple((k.name, int(counts[k.name])) for k in KINDS
                         if int(counts.get(k.name, 0)) > 0))

    @classmethod
    def from_units(cls, units: Sequence[int]) -> Composition:
        """The items bought with ``units[i]`` units on kind ``KINDS[i]`` (rounded down); a
        last, extra entry is budget left unspent."""
        return cls.of(**{k.name: int(u) // k.cost for k, u in zip(KINDS, units[:len(KINDS)],
                                                                   strict=True)})

    def count(self, name: str) -> int:
        return dict(self.items).get(name, 0)

    @property
    def cost(self) -> int:
        return sum(_KIND[k].cost * v for k, v in self.items)

    def units(self) -> dict[str, int]:
        """Cost units spent on each kind bought."""
        return {k: _KIND[k].cost * v for k, v in self.items}

    def describe(self) -> str:
        if not self.items:
            return "nothing"
        return ", ".join(f"{v:,} {_KIND[k].label}" for k, v in self.items)

    def flaw(self) -> str:
        """The flaw of the kind the most units went to (F7 when nothing is bought)."""
        units = self.units()
        if not units:
            return "F7"
        return _KIND[max(units, key=lambda k: (units[k], k))].flaw


# ---------------------------------------------------------------------------------------------
# the behaviour


class _AttackParams(_TraitParams):
    day: float | None = Field(None, ge=0, description="day the attack starts (default: 0.6 "
                              "of the period)")
    fake_followers: int = Field(0, ge=0, description="fake accounts that follow the target "
                                "(bought_followers' treatment)")
    padding: int = Field(20, ge=0, description="base accounts each fake follower also follows "
                         "to look real")
    fake_reactions: int = Field(0, ge=0, description="reactions to the target's posts, each "
                                "from its own new fake account")
    real_reactions: int = Field(0, ge=0, description="reactions to the target's posts from "
                                "active base accounts (distinct per post where possible)")
    follows: int = Field(0, ge=0, description="base accounts the target follows to harvest "
                         "follow-backs (follow_back_farm's treatment, with churn)")
    follow_back: float = Field(0.3, ge=0, le=1, description="probability a followed account "
                               "follows back")
    pod_partners: int = Field(0, ge=0, description="active base accounts in a pod with the "
                              "target: each reacts to every target post from `day`, and the "
                              "target reacts to each of theirs")
    sybils: int = Field(0, ge=0, description="sybils of a link farm: each follows only the "
                        "target, and the target follows each back")
    attack_edges: int = Field(0, ge=0, description="honest base accounts (drawn by "
                              "sociability) that follow one random sybil each")
    celebrity_reshares: int = Field(0, ge=0, description="target posts reshared by the "
                                    "highest-attention base account (celebrity_engagement's "
                                    "treatment)")

    @pydantic.model_validator(mode="after")
    def _edges_need_sybils(self) -> _AttackParams:
        if self.attack_edges and not self.sybils:
            raise ValueError("attack_edges need sybils to point at; set sybils > 0 or "
                             "attack_edges: 0")
        return self


class CompositeAttack(Behaviour):
    id = "composite_attack"
    flaws = ("F5", "F6", "F7", "F8", "F9")
    description = (
        "One ordinary account (size 1; traits as given, by default about the base "
        "population's median) that mounts several attacks at once from `day`: fake "
        "followers, reactions bought from fake or real accounts, mass-following for "
        "follow-backs, an engagement "
        "pod, a link farm of sybils (each follows only the target, the target follows them "
        "back, attack_edges honest accounts follow a sybil each: the optimal single-target "
        "farm of Gyöngyi & Garcia-Molina) and celebrity reshares. Fakes and sybils are "
        "auxiliary accounts (out of percentiles). Written by `auditkit attack`; each kind has "
        "its own random stream, so changing one kind does not redraw the others.")
    source = ("flaws.md F5-F9; Gyöngyi & Garcia-Molina, 'Link Spam Alliances', VLDB 2005; "
              "Stringhini et al., 'Follow the Green', IMC 2013; Weerasinghe et al., 'The Pod "
              "People', WWW 2020")
    Params = _AttackParams

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        if cohort.size != 1:
            raise ScenarioError(f"cohort {cohort.name!r}: behaviour {self.id!r} is one target "
                                f"account (its farm and pod are built around it); use size: 1, "
                                f"not {cohort.size}")
        cohort.members = draft.add_accounts(
            cohort.size, prefix=f"{cohort.name}-", cohort=cohort.name, role="member",
            label="human", attention=p.attention, activity=p.activity, sociability=p.sociability)

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        p = self.params
        day = _on_day(draft, p.day, 0.6)
        facts: dict[str, Any] = {"day": day}

        def stream(kind: str) -> np.random.Generator:
            return draft.rng("treat", cohort.name, kind)

        traits = {"attention": p.attention, "activity": p.activity,
                  "sociability": p.sociability}
        if p.fake_followers:
            BoughtFollowers(count=p.fake_followers, day=day, padding=p.padding,
                            **traits).treat(draft, cohort, stream("fake_followers"))
            facts["fake_followers"] = dict(cohort.facts)
        if p.sybils:
            facts["sybils"] = _link_farm(draft, cohort, stream("sybils"), p.sybils,
                                         p.attack_edges, day)
        if p.follows:
            cohort.facts = {}
            FollowBackFarm(follows=p.follows, follow_back=p.follow_back, day=day, churn=True,
                           **traits).treat(draft, cohort, stream("follows"))
            facts["follows"] = dict(cohort.facts)
        if p.celebrity_reshares:
            cohort.facts = {}
            CelebrityEngagement(count=p.celebrity_reshares, day=day, engager="top",
                                action="share", **traits).treat(draft, cohort,
                                                                stream("celebrity_reshares"))
            facts["celebrity_reshares"] = dict(cohort.facts)
        if p.fake_reactions or p.real_reactions or p.pod_partners:
            posts = _posts_to_react_to(draft, cohort.members, day, stream("posts"))
            if p.fake_reactions:
                facts["fake_reactions"] = _fake_reactions(
                    draft, cohort, stream("fake_reactions"), posts, p.fake_reactions)
            if p.real_reactions:
                facts["real_reactions"] = _real_reactions(
                    draft, stream("real_reactions"), posts, p.real_reactions)
            if p.pod_partners:
                facts["pod"] = _pod(draft, cohort, stream("pod_partners"), posts,
                                    p.pod_partners, day)
        counts = {k.name: getattr(p, k.name) for k in KINDS}
        comp = Composition.of(**counts)
        cohort.cost = {f"units_on_{k}": float(u) for k, u in comp.units().items()}
        cohort.treatment_start, cohort.treatment_end = day, draft.days
        cohort.facts = facts


def _posts_to_react_to(draft: Draft, members: np.ndarray, day: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, author, post) of the members' posts from ``day`` on; a member without one makes
    one post within a day of ``day`` (the post the reactions are bought for)."""
    t = draft.time_of_day(day)
    ptime, author, post = _member_posts(draft, members, t)
    missing = np.setdiff1d(members, author)
    if len(missing):
        extra = draft.new_posts(len(missing))
        when = _clip(draft, t + rng.uniform(0, DAY, len(missing)))
        draft.add_events(when, missing, "post", post=extra)
        ptime, author, post = np.r_[ptime, when], np.r_[author, missing], np.r_[post, extra]
    return ptime, author, post


def _add_reactions(draft: Draft, rng: np.random.Generator, reactor: np.ndarray,
                   ptime: np.ndarray, author: np.ndarray, post: np.ndarray,
                   delay_s: float) -> None:
    kinds = _reaction_codes(REACTION_KINDS)[rng.integers(0, len(REACTION_KINDS), len(reactor))]
    when = _clip(draft, ptime + rng.uniform(1, delay_s, len(reactor)))
    draft.add_events(when, reactor, kinds, target=author, post=post)


def _fake_reactions(draft: Draft, cohort: Cohort, rng: np.random.Generator, posts, n: int):
    ptime, author, post = posts
    t0 = float(ptime.min())
    fakes = draft.add_accounts(
        n, prefix=f"{cohort.name}-liker-", cohort=cohort.name, role="auxiliary", label="fake",
        attention=0.0, activity=0.0, sociability=0.0, organic=False,
        created=np.floor(t0 - rng.uniform(DAY, 7 * DAY, n)))
    which = rng.integers(0, len(post), n)
    _add_reactions(draft, rng, fakes, ptime[which], author[which], post[which], 6 * 3600.0)
    return {"reactions": n, "fake_accounts": n, "posts": int(len(post))}


def _real_reactions(draft: Draft, rng: np.random.Generator, posts, n: int):
    ptime, author, post = posts
    pool = _active_base(draft)
    counts = rng.multinomial(n, np.full(len(post), 1.0 / len(post)))
    reactors = [rng.choice(pool, c, replace=bool(c > len(pool))) for c in counts]
    which = np.repeat(np.arange(len(post)), counts)
    _add_reactions(draft, rng, np.concatenate(reactors).astype(np.int64), ptime[which],
                   author[which], post[which], 6 * 3600.0)
    return {"reactions": n, "posts": int(len(post))}


def _pod(draft: Draft, cohort: Cohort, rng: np.random.Generator, posts, k: int, day: float):
    ptime, author, post = posts
    pool = _active_base(draft)
    partners = np.sort(rng.choice(pool, min(k, len(pool)), replace=False))
    # every target post gets one reaction from every partner, within 30 minutes
    reactor = np.tile(partners, len(post))
    rep = np.repeat(np.arange(len(post)), len(partners))
    _add_reactions(draft, rng, reactor, ptime[rep], author[rep], post[rep], 30 * 60.0)
    # the price: the target reacts to every partner post from `day` on
    qtime, qauthor, qpost = _member_posts(draft, partners, draft.time_of_day(day))
    target = np.resize(cohort.members, len(qpost))
    _add_reactions(draft, rng, target, qtime, qauthor, qpost, 30 * 60.0)
    return {"partners": int(len(partners)), "reactions_received": int(len(reactor)),
            "reactions_given": int(len(qpost))}


def _link_farm(draft: Draft, cohort: Cohort, rng: np.random.Generator, m: int, edges: int,
               day: float):
    """The optimal single-target farm: m sybils follow only the target, the target follows
    each back; ``edges`` honest base accounts (by sociability) follow one random sybil each."""
    t = draft.time_of_day(day)
    sybils = draft.add_accounts(
        m, prefix=f"{cohort.name}-sybil-", cohort=cohort.name, role="auxiliary", label="sybil",
        attention=0.0, activity=0.0, sociability=0.0, organic=False,
        created=np.floor(t - rng.uniform(DAY, 60 * DAY, m)))
    for member in cohort.members:
        draft.add_follows(sybils, np.full(m, member), _clip(draft, t + rng.uniform(0, DAY, m)))
        draft.add_follows(np.full(m, member), sybils,
                          _clip(draft, t + rng.uniform(DAY, 2 * DAY, m)))
    base = _base(draft)
    honest = base[_weighted_sample(rng, _trait(draft, "sociability", base), edges)]
    if len(honest):
        draft.add_follows(honest, sybils[rng.integers(0, m, len(honest))],
                          _clip(draft, t + rng.uniform(0, 2 * DAY, len(honest))))
    return {"sybils": m, "attack_edges": int(len(honest)),
            "attackers": [draft.ids[c] for c in honest]}


@hookimpl
def register_behaviours(register):
    register(CompositeAttack)


# ---------------------------------------------------------------------------------------------
# worlds and evaluations


def target_traits(population: Population, seed: int, percentile: float) -> dict[str, float]:
    """Traits of an ordinary account at ``percentile`` (0-100) of the base population that
    ``population`` generates with ``seed``: each trait's quantile, to 4 significant digits."""
    draft = Draft(days=population.days, seed=seed)
    add_population(draft, population.accounts, communities=population.communities)
    q = percentile / 100.0
    return {name: float(f"{np.quantile(draft.column(name), q):.4g}")
            for name in ("attention", "activity", "sociability")}


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
        return {"composition": dict(self.composition.items), "cost": self.cost,
                "units": self.composition.units(), "percentile_before": self.pct_before,
                "percentile_after": self.pct_after, "gain_percentile_points": self.gain,
                "score_before": self.score_before, "score_after": self.score_after,
                "gain_score_points": self.score_gain}


class AttackWorlds:
    """The control world of the target and treated worlds for attacks, built as
    :class:`~auditkit.run.ScenarioRun` would build them for :func:`attack_scenario`.

    The control draft (after setup, organic simulation and finish) is built once; an attack's
    treated world is a copy of it with the attack's treatment applied, which is what a run of
    the written scenario computes (same seed, same named random streams).
    """

    def __init__(self, registry, *, accounts: int = 1000, seed: int = 0,
                 target_percentile: float = 50.0, day: float | None = None,
                 cache_size: int | None = None) -> None:
        if registry.behaviours.get(CompositeAttack.id) is not CompositeAttack:
            raise AuditkitError(f"behaviour {CompositeAttack.id!r} is not registered (it comes "
                                "from auditkit's entry point 'attack = \"auditkit.attack\"'); "
                                "reinstall auditkit with `pip install -e .`, or build the "
                                "registry with plugins=[('attack', auditkit.attack)]")
        self.registry = registry
        self.seed = int(seed)
        try:
            self.population = Population(accounts=accounts, seed=seed)
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            raise AuditkitError(f"population {err['loc'][0]} = {err.get('input')!r}: "
                                f"{err['msg']}") from None
        self.target_percentile = float(target_percentile)
        self.traits = target_traits(self.population, self.seed, self.target_percentile)
        self.day = day
        self.run = ScenarioRun(self.scenario(Composition()), self.seed, registry)
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


# ---------------------------------------------------------------------------------------------
# the search


@dataclass
class SearchResult:
    """The best attack found for one scorer, and how the search went."""

    scorer: str
    best: Evaluation
    evaluations: int
    seconds: float
    trail: list[Evaluation] = field(default_factory=list)   # each improvement of the best
    found_at: int = 0                                        # evaluation that found the best


class _Exhausted(Exception):
    pass


#: Slots of an allocation: one per kind, and the budget left unspent.
_SLOTS = len(KINDS) + 1
#: Price of one item of each kind, in slot order.
_COST = np.array([k.cost for k in KINDS], np.int64)


def _random_units(rng: np.random.Generator, budget: int) -> np.ndarray:
    """A random allocation: 1-3 kinds, budget split by a flat Dirichlet."""
    k = int(rng.integers(1, 4))
    chosen = rng.choice(len(KINDS), k, replace=False)
    w = rng.dirichlet(np.ones(k))
    units = np.zeros(_SLOTS, np.int64)
    units[chosen] = np.floor(w * budget).astype(np.int64)
    units[chosen[np.argmax(w)]] += budget - units.sum()
    return _canon(units)


def search(evaluate: Callable[[Composition], Evaluation], budget: int, *,
           max_evaluations: int = 300, seed: int = 0, scorer: str = "") -> SearchResult:
    """Search the allocations of ``budget`` units across :data:`KINDS` for the one whose
    attack ``evaluate`` scores best (:meth:`Evaluation.key`).

    Starts: every kind alone, sybils with half the budget on attack edges, then random
    allocations (a quarter of the evaluations). Then best-improvement hill climbing: a move
    shifts ``step`` units from one kind to another or to "unspent" (so that, once a scorer's
    ranking is saturated, the climb drops what does not help); when no move improves, the step
    halves (from a quarter of the budget down to 1 unit); a converged climb restarts from the best
    start not yet climbed from. Deterministic for a seed; stops after ``max_evaluations``
    distinct attacks and returns the best one evaluated (not a simplified one).
    """
    if budget < 1:
        raise AuditkitError(f"budget must be at least 1 unit, got {budget}")
    started = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(b"attack")]))
    seen: dict[Composition, Evaluation] = {}
    trail: list[Evaluation] = []
    best: list[Evaluation] = []
    found: list[int] = []

    def ev(units: np.ndarray) -> Evaluation:
        comp = Composition.from_units(units)
        if comp in seen:
            return seen[comp]
        if len(seen) >= max_evaluations:
            raise _Exhausted
        seen[comp] = e = evaluate(comp)
        if not best or e.key() > best[0].key():
            best[:] = [e]
            trail.append(e)
            found.append(len(seen))
        return e

    starts: list[tuple[tuple, np.ndarray]] = []
    try:
        pure = [np.eye(_SLOTS, dtype=np.int64)[i] * budget for i in range(len(KINDS))]
        mixed = np.zeros(_SLOTS, np.int64)
        mixed[[_index("sybils"), _index("attack_edges")]] = [budget - budget // 2, budget // 2]
        for units in map(_canon, [*pure, mixed]):
            starts.append((ev(units).key(), units))
        for _ in range(max(1, max_evaluations // 4 - len(starts))):
            units = _random_units(rng, budget)
            starts.append((ev(units).key(), units))
        starts.sort(key=lambda s: s[0], reverse=True)
        for _, units in starts:
            _climb(ev, units, budget)
    except _Exhausted:
        pass
    return SearchResult(scorer, best[0], len(seen), time.perf_counter() - started, trail,
                        found[-1])


def _index(name: str) -> int:
    return [k.name for k in KINDS].index(name)


def _canon(units: np.ndarray) -> np.ndarray:
    """Whole items only: what a kind's units cannot buy goes to the unspent slot."""
    out = units.copy()
    out[:-1] = units[:-1] // _COST * _COST
    out[-1] += int((units[:-1] - out[:-1]).sum())
    return out


def _move(units: np.ndarray, i: int, j: int, step: int) -> np.ndarray | None:
    """Shift about ``step`` units from slot ``i`` to slot ``j`` in whole items: at least one
    item of ``j`` is bought, at least one item of ``i`` released; None when ``i`` cannot pay."""
    give = _COST[i] if i < len(KINDS) else 1
    take = _COST[j] if j < len(KINDS) else 1
    d = -(-max(step, take) // give) * give                  # whole items of i ...
    d = -(-d // take) * take if j < len(KINDS) else d       # ... that buy whole items of j
    d = min(d, int(units[i]))
    if d <= 0 or (j < len(KINDS) and d < take):
        return None
    moved = units.copy()
    moved[i] -= d
    moved[j] += d
    return _canon(moved)


def _climb(ev: Callable[[np.ndarray], Evaluation], units: np.ndarray, budget: int) -> None:
    current = _canon(units)
    here = ev(current)
    step = max(1, budget // 4)
    while True:
        best_move, best_eval = None, here
        for i in np.flatnonzero(current > 0):
            for j in range(_SLOTS):
                moved = None if j == i else _move(current, int(i), j, step)
                if moved is None:
                    continue
                e = ev(moved)
                if e.key() > best_eval.key():
                    best_move, best_eval = moved, e
        if best_move is not None:
            current, here = best_move, best_eval
        elif step > 1:
            step //= 2
        else:
            return


# ---------------------------------------------------------------------------------------------
# the PageRank closed form


def farm_bound(pr: np.ndarray, src: np.ndarray, dst: np.ndarray, target: int,
               farm: np.ndarray, damping: float) -> dict[str, float]:
    """The optimal-farm closed form for ``target`` beside its PageRank ``pr[target]``.

    ``y = x/(1-β²) + β/(1+β)·m/n`` (MMDS §5.4.2), with ``m`` farm accounts (``farm``, a mask),
    ``n`` accounts, and ``x`` the PageRank reaching the target from outside the farm: its own
    teleport share, what others pass it directly, and β times what others pass the farm (attack
    edges), all measured on ``pr`` over the edges ``src -> dst``. The teleport share ``(1-β)/n``
    is ``τ = (1-β+βD)/n`` here, which adds the dangling mass ``D`` spread uniformly (without
    dangling mass it is the textbook form). The form is exact for the optimal farm (the target
    follows only farm accounts, each farm account follows only the target) and an upper bound
    for any other structure with the same ``m`` and ``x``.
    """
    n = len(pr)
    src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
    out = np.bincount(src, minlength=n).astype(np.float64)
    b = float(damping)
    m = int(np.count_nonzero(farm))
    dangling = float(pr[out == 0].sum())
    tau = ((1 - b) + b * dangling) / n
    share = pr[src] / np.maximum(out[src], 1)
    outside = ~farm[src] & (src != target)
    direct = b * float(share[outside & (dst == target)].sum())
    via_farm = b * float(share[outside & farm[dst]].sum())
    x = tau + direct + b * via_farm
    bound = x / (1 - b * b) + b / (1 + b) * m * tau / (1 - b)
    return {"damping": b, "n": n, "m": m, "x": x, "dangling_mass": dangling,
            "amplification": 1 / (1 - b * b), "c": b / (1 + b), "bound": bound,
            "measured": float(pr[target]), "bound_per_avg": bound * n,
            "measured_per_avg": float(pr[target]) * n, "x_per_avg": x * n}


def pagerank_bound(worlds: AttackWorlds, built: Built, damping: float, *,
                   max_iter: int = 100, tol: float = 1e-10) -> dict[str, float]:
    """:func:`farm_bound` for the target of ``worlds`` in ``built`` (as of the end), the farm
    being the attacker's accounts that follow the target (fake followers and sybils), with the
    target's PageRank in the control world beside it (``control``, ``control_per_avg``)."""
    from scorers.pagerank import pagerank_vector

    snap = built.world.as_of(worlds.end)
    src, dst = (np.asarray(c, np.int64) for c in snap.follow_codes)
    pr = pagerank_vector(snap, damping=damping, max_iter=max_iter, tol=tol)
    t = worlds.target
    attacker = (built.draft.column("cohort") == COHORT) & (built.role == "auxiliary")
    farm = np.zeros(len(pr), bool)
    farm[src[(dst == t) & attacker[src]]] = True
    control = pagerank_vector(worlds.control.world.as_of(worlds.end), damping=damping,
                              max_iter=max_iter, tol=tol)
    return farm_bound(pr, src, dst, t, farm, damping) | {
        "control": float(control[t]), "control_per_avg": float(control[t]) * len(control)}


def _bound_text(b: dict[str, float]) -> str:
    return (f"PageRank closed form of the optimal farm (Gyöngyi & Garcia-Molina 2005; MMDS "
            f"5.4.2): y = x/(1-β²) + β/(1+β)·m/n with β = {b['damping']:g} "
            f"(amplification {b['amplification']:.2f}, c = {b['c']:.2f}), m = {b['m']:,} "
            f"attacker accounts following the target, n = {b['n']:,}, x = {b['x_per_avg']:.2f}/n "
            f"external: bound y = {b['bound_per_avg']:.2f}/n; measured y = "
            f"{b['measured_per_avg']:.2f}/n (control {b['control_per_avg']:.2f}/n), "
            f"{100 * b['measured'] / b['bound']:.0f}% of the bound")


# ---------------------------------------------------------------------------------------------
# the reproduction


def attack_scenario(worlds: AttackWorlds, comp: Composition, *, scorer: str = "attack",
                    budget: int | None = None, evaluations: int | None = None,
                    found: Evaluation | None = None) -> dict[str, Any]:
    """The scenario (as a YAML-ready dict) that reruns ``comp`` on the target of ``worlds``."""
    pop = worlds.population
    what = comp.describe()
    spent = f"{comp.cost:,} units" if comp.items else "nothing"
    search = (f"auditkit attack --scorer {scorer} --budget {budget} --seed {worlds.seed} "
              f"--population {pop.accounts} --target-percentile {worlds.target_percentile:g}"
              + (f" ({evaluations} evaluations)" if evaluations is not None else "")
              if budget is not None else "auditkit attack")
    if found is not None:
        search += f" found {found.gain:+.1f} percentile points on {scorer}"
    return {
        "id": f"attack-{scorer}-b{budget or comp.cost}-s{worlds.seed}".lower().replace(".", "-"),
        "flaw": comp.flaw(),
        "title": f"The strongest attack found on {scorer} for {spent} should not raise a score",
        "acceptable": (f"An ordinary account (traits at the {worlds.target_percentile:g}th "
                       f"percentile) that buys {what} ({spent}) gains at most 5 percentile "
                       "points."),
        "source": (f"{search}; cost model and search in docs/attack.md; flaws.md F5-F9; "
                   "Gyöngyi & Garcia-Molina, Link Spam Alliances, VLDB 2005"),
        "population": {"accounts": pop.accounts, "seed": worlds.seed},
        "cohorts": [{"name": COHORT, "behaviour": CompositeAttack.id, "size": 1,
                     "params": worlds.params(comp)}],
        "checks": [{"probe": "gain", "cohort": COHORT,
                    "expect": {"kind": "minimum", "at_most": 5}}],
    }


def write_scenario(path: str | os.PathLike, scenario: dict[str, Any], *,
                   rerun: str | None = None) -> Path:
    """Write a scenario dict as YAML, atomically (a temporary file renamed into place), with
    the command that reruns it in a comment on top."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    rerun = rerun or f"auditkit audit {target.name}"
    text = (f"# Written by `auditkit attack`; rerun with:\n#   {rerun}\n"
            + yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True, width=100))
    # a hidden sibling created exclusively (mode from the umask, unlike mkstemp's 0600)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


# ---------------------------------------------------------------------------------------------
# the command's work


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


def freeze_seeds(registry, scorer: Scorer, worlds: AttackWorlds) -> tuple[Scorer, list[str]]:
    """``scorer`` with its seeds fixed to those its default pick chooses on the control world.

    A seeded scorer (a ``seeds`` parameter and a ``seeds(world, at)`` method, as trustrank)
    that picks its seeds on the attacked world can pick the attacker: an oracle vets seeds
    before any attack (TrustRank, VLDB 2004). Scorers without seeds, or whose seeds are given,
    are returned unchanged (with no seeds listed).
    """
    fields = type(scorer).Params.model_fields
    if "seeds" not in fields or getattr(scorer.params, "seeds", None) is not None or \
            not callable(getattr(scorer, "seeds", None)):
        return scorer, []
    picked = scorer.seeds(worlds.control.world, worlds.end)
    ids = [str(worlds.control.world.ids[c]) for c in picked.codes]
    if not ids:
        return scorer, []
    params = scorer.params.model_dump(exclude_defaults=True) | {"seeds": tuple(ids)}
    return registry.scorer(scorer.id, **params), ids


def run_attack(registry, scorers: Sequence[Scorer], budget: int, *, accounts: int = 1000,
               seed: int = 0, target_percentile: float = 50.0, max_evaluations: int = 300,
               frozen_seeds: bool = False, output: str | os.PathLike | None = None,
               progress: Callable[[str], None] | None = None) -> AttackReport:
    """Search the worst attack for every scorer; measure each best attack on every scorer;
    state the PageRank closed form for ``pagerank`` scorers (standard variant); write the
    reproductions when ``output`` is given (one scorer: that path; several: ``<stem>-<id>``).
    ``frozen_seeds`` fixes seeded scorers' seeds on the control world (:func:`freeze_seeds`)."""
    if not 1 <= budget <= MAX_BUDGET:
        raise AuditkitError(f"--budget {budget}: give 1 to {MAX_BUDGET:,} units (each unit can "
                            "add an account to a world that is scored hundreds of times)")
    if not 0 <= target_percentile <= 100:
        raise AuditkitError(f"--target-percentile {target_percentile:g}: give a percentile "
                            "from 0 to 100")
    ids = [s.id for s in scorers]
    if len(set(ids)) != len(ids):
        raise AuditkitError(f"scorer {next(i for i in ids if ids.count(i) > 1)!r} is given "
                            "twice; name each scorer once")
    worlds = AttackWorlds(registry, accounts=accounts, seed=seed,
                          target_percentile=target_percentile)
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
        results.append(search(lambda comp, s=scorer: worlds.evaluate(s, comp), budget,
                              max_evaluations=max_evaluations, seed=seed, scorer=scorer.id))
    cross = {r.scorer: {s.id: worlds.evaluate(s, r.best.composition) for s in scorers}
             for r in results}
    bounds: dict[str, dict[str, float]] = {}
    for scorer, r in zip(scorers, results, strict=True):
        if scorer.id == "pagerank" and getattr(scorer.params, "variant", "") == "standard":
            damping, max_iter, tol = scorer.settings()
            bounds[scorer.id] = pagerank_bound(worlds, worlds.treated(r.best.composition),
                                               damping, max_iter=max_iter, tol=tol)
    report = AttackReport(worlds, budget, results, cross, bounds, list(scorers), frozen)
    if output is not None:
        out = Path(output)
        for r in results:
            path = out if len(results) == 1 else out.with_name(f"{out.stem}-{r.scorer}"
                                                                f"{out.suffix or '.yaml'}")
            scenario = attack_scenario(worlds, r.best.composition, scorer=r.scorer,
                                       budget=budget, evaluations=r.evaluations, found=r.best)
            Scenario.model_validate(scenario)   # never write what `auditkit audit` rejects
            report.written[r.scorer] = str(write_scenario(
                path, scenario, rerun=_rerun_command(path.name, scorers)))
    return report

