"""Numbers in what a person reads: attack and check reports, and the sybil check's
counterexample message (no "42.2th percentile", no "1e+03", no "1 checks"; a counterexample
leads with the bound it broke)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from auditkit import Scorer, Statement, World, get_registry, statement_items
from auditkit.attack import run_attack
from auditkit.checks import CHECKS, CheckFailed
from auditkit.report import render
from auditkit.text import number, ordinal, percentile, plural, signed


def _no_bad_numbers(text: str) -> None:
    for pattern in (
        r"\d+\.\d+(st|nd|rd|th)\b",
        r"\d[eE][+-]\d\d",
        r"\b1 (checks|scorers|"
        r"evaluations|accounts|units|trials)\b",
        r"\w\(s\)",
    ):
        found = re.search(pattern, text)
        assert found is None, f"{found.group(0)!r} in:\n{text}"


def test_the_text_helpers():
    assert ordinal(42.2) == "42nd" and ordinal(11) == "11th" and ordinal(101) == "101st"
    assert percentile(99.8) == "the 100th percentile"
    assert number(1000.0) == "1,000" and number(319.4) == "319" and number(0.01234) == "0.0123"
    assert signed(609.2) == "+609" and signed(-0.04) == "-0.04"
    assert plural(1, "check") == "1 check" and plural(2, "check") == "2 checks"


@pytest.fixture(scope="module")
def attack_text():
    registry = get_registry()
    scorers = [registry.scorer("followers"), registry.scorer("kred")]
    report = run_attack(registry, scorers, 300, accounts=200, seed=0, max_evaluations=12)
    return render(report, "table"), report


def test_attack_report_numbers_are_human(attack_text):
    text, report = attack_text
    _no_bad_numbers(text)
    assert re.search(
        r"gain: +from the \d+(st|nd|rd|th) to the \d+(st|nd|rd|th) "
        r"percentile \([+-]?[\d.,]+ points\); score [\d.,]+ -> [\d.,]+",
        text,
    )
    assert "at the 50th percentile of traits" in text
    kred = next(r for r in report.results if r.scorer == "kred")
    assert number(kred.best.score_after) in text  # e.g. 1,000, never 1e+03


class _LogFollowers(Scorer):
    """Follower count on a log scale (the counterexample of the issue)."""

    id = "log-followers"
    version = "1"
    name = "log followers"
    range = (0.0, 100.0)
    description = "100 ln(1 + followers) / ln(1 + 10^8)"
    tags = frozenset({"follows"})

    def score(self, world, at=None):
        t = world.resolve_at(at)
        snap = world if t is None else world.as_of(t)
        return world.series(100 * np.log1p(snap.in_degree) / np.log1p(1e8), name=self.id)

    def explain(self, world, account, at=None):
        s = float(self.score(world, at)[account])
        return Statement(self.id, account, s, statement_items([("followers", 0, s, "")]))


def test_sybil_counterexample_leads_with_the_bound_it_broke():
    """A log follower count fails by its score's rise while the target already outranks every
    honest account: the message must say so, not 'moved from the 100.0th to the 100.0th'."""
    with pytest.raises(CheckFailed) as info:
        CHECKS["check_sybil_gain_bounded"].func(_LogFollowers(), max_examples=25)
    text = str(info.value)
    first = text.splitlines()[0]
    _no_bad_numbers(first)
    rose = re.search(
        r"raised sybil-target's score from ([\d.,]+) to ([\d.,]+) \(\+([\d.]+)% "
        r"of the score range; the bound is (\d+)\)",
        first,
    )
    assert rose, first
    assert float(rose.group(3)) > float(rose.group(4))  # the broken bound is the one named
    moved = re.search(r"from the (\d+)\w\w percentile to the (\d+)\w\w percentile", first)
    if moved and moved.group(1) == moved.group(2):
        pytest.fail(f"an unchanged percentile is reported as a move: {first}")
    if "could not show it" in first:
        assert "already outranked all" in first


def test_check_report_counts_are_human():
    from auditkit.checks import check_scorer

    report = check_scorer(_LogFollowers(), max_examples=5)
    text = render(report, "table")
    _no_bad_numbers(text)


def test_a_world_for_the_log_follower_toy_is_scored():
    w = World(follows={"follower": ["a"], "followee": ["b"]})
    assert _LogFollowers().score(w)["b"] > 0
