"""Regenerate the bundled example world: ``python examples/make_world.py``.

A small world for trying the scorers: 300 ordinary accounts over 120 days, 3 spam bots that
post 40 times a day, 10 engaged conversationalists, and 2 accounts that bought 200 fake
followers each (their fakes are in the world too). Labels say who is who. The tests check that
``examples/world`` is exactly what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from auditkit import Registry
from auditkit.scenario.model import parse_scenario
from auditkit.scenario.run import ScenarioRun

SCENARIO = """\
id: example-world
flaw: F1
title: The bundled example world
acceptable: Not a check; a small world to score.
source: auditkit examples/make_world.py
population: {accounts: 300, days: 120, seed: 7}
cohorts:
  - {name: spam, behaviour: spam_bot, size: 3, params: {follows: 300, posts_per_day: 40}}
  - {name: engaged, behaviour: conversationalist, size: 10}
  - {name: buyer, behaviour: bought_followers, size: 2, params: {count: 200, padding: 5}}
checks:
  - {probe: cohort_percentile, cohort: spam, expect: {kind: minimum, at_most: 50}}
"""


def build():
    scenario, _ = parse_scenario(SCENARIO, "examples/make_world.py")
    return ScenarioRun(scenario, scenario.population.seed, Registry()).world


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "world"
    print(build().write(target))
