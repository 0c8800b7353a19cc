"""Audits on real data: the checks a real world can answer, and nothing it cannot.

``auditkit audit --world DIR`` calls :func:`real_world_scenarios`, which inspects the world and
builds scenarios whose population is that world:

- **spam inflation** (F1) when labels hold both bot-like (``bot``, ``spam``, ``fake``,
  ``sybil``) and ``human`` accounts: ``auc``, the bots' ``top_share``, median
  ``cohort_percentile``;
- **follower correlation** (F17) when followers are known (follow edges or ``followers_count``):
  ``rank_correlation`` with log(1 + followers) overall and in the top 1%;
- **rank agreement** (F17): ``rank_correlation`` of each scorer with every other installed one;
- **observed decay** (F4) when events are timed: the score trajectory of accounts that fell
  silent, next to accounts that kept acting (observational: there is no counterfactual);
- **injected attacks** on the real base: bought followers (F7) when followers are known, a
  sybil region (F9) when the world has events or follows.

Every scenario's population is the real world (``population.world``), copied into the run with
its profile counts, so the core probes score it through :class:`~auditkit.scenario.run.ScenarioRun`.
The cohorts (``labelled``, ``went_silent``) only select existing accounts: they add none, so
the simulation draws no organic follows and a counts-only world stays counts-only. The probes
of :mod:`auditkit.probes.realdata` are those with no core equivalent: ``observed_decay`` and
the ``injected_*`` attacks, which extend the run's world. Figures and caveats:
``docs/real-data.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import yaml

from auditkit.data.accounts import BOT_LABELS, HUMAN_LABELS, known_followers
from auditkit.data.world import read_world
from auditkit.errors import ScenarioError
from auditkit.plugin.registry import Registry
from auditkit.scenario.model import Scenario, check_references, parse_scenario

__all__ = ["real_world_scenarios"]


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    return s if s and s[0].isalpha() else f"world-{s}"


def _expect_at_most(v: float) -> dict:
    return {"kind": "minimum", "at_most": round(float(v), 2)}


def real_world_scenarios(world_dir: str | Path, registry: Registry) -> list[Scenario]:
    """The scenarios whose checks this real world can answer (see the module docstring)."""
    root = Path(world_dir).resolve()
    world = read_world(root)
    if world.start is None:
        raise ScenarioError(
            f"{root}: the world has no times (no events, follow times or "
            "creation dates); a real-data audit needs at least one"
        )
    slug = _slug(root.name)
    source = f"real data: {root}"
    out: list[dict] = []
    labels = (
        world.accounts["label"].astype(object).dropna().to_numpy()
        if "label" in world.accounts
        else np.zeros(0, object)
    )
    bots = [x for x in BOT_LABELS if (labels == x).any()]
    humans = [x for x in HUMAN_LABELS if (labels == x).any()]
    n = len(world)
    if bots and humans:
        share = 100.0 * np.isin(labels, bots).sum() / n
        out.append(
            {
                "id": f"{slug}-spam",
                "flaw": "F1",
                "title": "Labelled bots should not outrank genuine accounts",
                "acceptable": "A genuine account outranks a bot with probability at least 0.8; "
                "bots hold no more of the top than their share of accounts and sit "
                "below the median.",
                "source": source,
                "cohorts": [
                    {"name": "bots", "behaviour": "labelled", "params": {"labels": bots}},
                    {"name": "humans", "behaviour": "labelled", "params": {"labels": humans}},
                ],
                "checks": [
                    {
                        "name": "genuine-outranks-bot",
                        "probe": "auc",
                        "genuine": "humans",
                        "spam": "bots",
                        "expect": {"kind": "minimum", "at_least": 0.8},
                    },
                    {
                        "name": "bots-in-top-1-percent",
                        "probe": "top_share",
                        "cohort": "bots",
                        "top_percent": 1,
                        "expect": _expect_at_most(share),
                    },
                    {
                        "name": "bots-in-top-100",
                        "probe": "top_share",
                        "cohort": "bots",
                        "top": 100,
                        "expect": _expect_at_most(share),
                    },
                    {
                        "name": "bots-median-percentile",
                        "probe": "cohort_percentile",
                        "cohort": "bots",
                        "expect": _expect_at_most(50),
                    },
                    {
                        "name": "humans-median-percentile",
                        "probe": "cohort_percentile",
                        "cohort": "humans",
                        "expect": {"kind": "minimum", "at_least": 50},
                    },
                ],
            }
        )
    has_followers = known_followers(world) is not None
    if has_followers:
        out.append(
            {
                "id": f"{slug}-followers",
                "flaw": "F17",
                "title": "A score should add something to a follower count",
                "acceptable": "Rank correlation with log(followers) at most 0.95 over all accounts "
                "and among the top 1%.",
                "source": source,
                "checks": [
                    {
                        "name": "all-accounts",
                        "probe": "rank_correlation",
                        "versus": "log_followers",
                        "expect": _expect_at_most(0.95),
                    },
                    {
                        "name": "top-1-percent",
                        "probe": "rank_correlation",
                        "versus": "log_followers",
                        "top_percent": 1,
                        "expect": _expect_at_most(0.95),
                    },
                ],
            }
        )
    others = [s.id for s in registry.all()]
    out.append(
        {
            "id": f"{slug}-agreement",
            "flaw": "F17",
            "title": "Rank agreement between scorers",
            "acceptable": "Two scorers that agree above 0.95 measure the same thing; report the "
            "agreement of each pair.",
            "source": source,
            "checks": [
                {
                    "name": f"versus-{o}",
                    "probe": "rank_correlation",
                    "versus": o,
                    "expect": _expect_at_most(0.95),
                }
                for o in others
            ],
        }
    )
    if len(world.events):
        out.append(
            {
                "id": f"{slug}-decay",
                "flaw": "F4",
                "title": "Accounts that fell silent: observed score trajectory",
                "acceptable": "Accounts keep at least half their score over the silence the data "
                "covers (observational: no counterfactual).",
                "source": source,
                "cohorts": [
                    {"name": "silent", "behaviour": "went_silent"},
                    {
                        "name": "active",
                        "behaviour": "went_silent",
                        "params": {"still_active": True},
                    },
                ],
                "checks": [
                    {
                        "name": "silent-score",
                        "probe": "observed_decay",
                        "cohort": "silent",
                        "expect": {"kind": "minimum", "at_least": -50},
                    },
                    {
                        "name": "silent-percentile",
                        "probe": "observed_decay",
                        "cohort": "silent",
                        "measure": "percentile",
                        "expect": {"kind": "minimum", "at_least": -25},
                    },
                    {
                        "name": "active-score",
                        "probe": "observed_decay",
                        "cohort": "active",
                        "expect": {"kind": "minimum", "at_least": -50},
                    },
                ],
            }
        )
    attacks = []
    if has_followers:
        attacks.append(
            {
                "name": "bought-1000-followers",
                "probe": "injected_followers",
                "expect": _expect_at_most(5),
            }
        )
    if len(world.events) or len(world.follows):
        attacks.append(
            {
                "name": "sybil-region-top-100",
                "probe": "injected_sybils",
                "expect": _expect_at_most(5),
            }
        )
    if attacks:
        out.append(
            {
                "id": f"{slug}-attacks",
                "flaw": "F7",
                "title": "Attacks injected into the real world",
                "acceptable": "1,000 bought followers lift a median account by at most 5 "
                "percentile points; 200 sybils with 3 attack edges hold at most 5% "
                "of the top 100.",
                "source": source,
                "checks": attacks,
            }
        )
    scenarios = []
    for data in out:
        data["population"] = {"world": str(root), "seed": 0}
        path = str(root / f"{data['id']}.yaml")
        text = yaml.safe_dump(data, sort_keys=False)
        scenario, located = parse_scenario(text, path)
        check_references(scenario, located, registry)
        scenarios.append(scenario)
    return scenarios
