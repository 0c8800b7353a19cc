"""The scorer conformance suite: ``check_scorer`` and ``parametrize_with_checks``.

Modelled on scikit-learn's ``sklearn.utils.estimator_checks`` (``check_estimator``,
``parametrize_with_checks``, ``expected_failed_checks={"check": "reason"}``). Every check is a
plain function ``check_<property>(scorer)`` that returns ``None`` or raises :class:`CheckFailed`,
whose message names the scorer, the check and a minimal counterexample (shrunk by hypothesis and
printed with :func:`auditkit.checks.strategies.describe_world`). The scorer's capability tags decide
which checks apply (:data:`CHECKS`, :func:`yield_checks`).

Two kinds of checks:

- **api**: the contract of ``docs/plugins.md``; every scorer must pass them (finite scores within
  ``scorer.bounds``, one per account of the world, deterministic, no mutation, invariant to
  account names and table row order, empty and degenerate worlds, ``explain`` adds up);
- **behaviour**: properties an influence score should have (CheckList's directional and
  invariance tests, Ribeiro et al. ACL 2020). A failure is a finding about the scorer, so they
  are where ``expected_failed_checks`` documents a scorer's known flaws.

Property checks run hypothesis with ``derandomize=True`` and no example database: the same
scorer gets the same verdict on every machine, which strict expected failures need. They ignore
``HYPOTHESIS_PROFILE`` on purpose; ``max_examples`` (default :data:`DEFAULT_MAX_EXAMPLES`) is
the only knob.
"""

from __future__ import annotations

# api before behaviour: importing them registers the checks in CHECKS, in the order they run
from auditkit.checks.api import (
    check_accounts_without_events,
    check_deterministic,
    check_does_not_mutate_world,
    check_empty_world,
    check_explain_sums_to_score,
    check_isolated_accounts,
    check_relabel_invariant,
    check_row_order_invariant,
    check_scores_finite_in_range,
    check_scores_only_world_accounts,
    check_single_account,
)
from auditkit.checks.behavioural import (
    BOUGHT_FOLLOWERS_BOUND,
    SILENCE_DAYS,
    SPAM_GAP_BOUND,
    SYBIL_BOUND,
    check_bought_followers_bounded,
    check_monotone_in_engagement,
    check_no_rise_in_silence,
    check_spam_below_conversationalists,
    check_sybil_gain_bounded,
)
from auditkit.checks.builders import Event as Event  # type aliases, not in __all__
from auditkit.checks.builders import Follow as Follow
from auditkit.checks.harness import DEFAULT_MAX_EXAMPLES, RTOL, SHRINK_BUDGET
from auditkit.checks.parametrize import parametrize_with_checks
from auditkit.checks.registry import CHECKS, CheckFailed, CheckInfo, register_check, scorer_label
from auditkit.checks.report import STATUSES, CheckReport, CheckResult
from auditkit.checks.suite import check_scorer, expected_failures, require_scorer, yield_checks

__all__ = [
    "expected_failures",
    "register_check",
    "require_scorer",
    "BOUGHT_FOLLOWERS_BOUND",
    "CHECKS",
    "CheckFailed",
    "CheckInfo",
    "CheckReport",
    "CheckResult",
    "DEFAULT_MAX_EXAMPLES",
    "RTOL",
    "SHRINK_BUDGET",
    "SILENCE_DAYS",
    "SPAM_GAP_BOUND",
    "STATUSES",
    "SYBIL_BOUND",
    "check_accounts_without_events",
    "check_bought_followers_bounded",
    "check_deterministic",
    "check_does_not_mutate_world",
    "check_empty_world",
    "check_explain_sums_to_score",
    "check_isolated_accounts",
    "check_monotone_in_engagement",
    "check_no_rise_in_silence",
    "check_relabel_invariant",
    "check_row_order_invariant",
    "check_scorer",
    "check_scores_finite_in_range",
    "check_scores_only_world_accounts",
    "check_single_account",
    "check_spam_below_conversationalists",
    "check_sybil_gain_bounded",
    "parametrize_with_checks",
    "scorer_label",
    "yield_checks",
]
