"""pytest integration: :func:`parametrize_with_checks`, one test per applicable ``(scorer,
check)``, with declared expected failures as strict xfails (scikit-learn's
``parametrize_with_checks``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from auditkit.checks.registry import CheckFailed, scorer_label
from auditkit.checks.suite import expected_failures, require_scorer, yield_checks
from auditkit.plugin.scorer import Scorer


def parametrize_with_checks(
    scorers: list[Scorer],
    *,
    expected_failed_checks: Mapping[str, Mapping[str, str]]
    | Callable[[Scorer], Mapping[str, str] | None]
    | None = None,
):
    """A ``pytest.mark.parametrize`` over ``(scorer, check)`` for every applicable check.

    Use it as scikit-learn's::

        @parametrize_with_checks([MyScorer()], expected_failed_checks={"my": {...}})
        def test_conformance(scorer, check):
            check(scorer)

    Test ids are ``<scorer label>-<check name>`` (``pytest -k check_deterministic`` works).
    ``expected_failed_checks`` is either ``{scorer label or id: {check: reason}}`` or a function
    of the scorer returning ``{check: reason}``; those checks are marked
    ``xfail(strict=True, raises=CheckFailed)`` with the reason, so a check that starts passing
    fails the run until its entry is removed. Expected failures run without shrinking (their
    counterexample is never shown); run :func:`check_scorer` to see it.
    """
    import pytest

    params = []
    for scorer in scorers:
        scorer = require_scorer(scorer)
        label = scorer_label(scorer)
        if callable(expected_failed_checks):
            declared = expected_failed_checks(scorer)
        elif expected_failed_checks is not None:
            declared = expected_failed_checks.get(label, expected_failed_checks.get(scorer.id))
        else:
            declared = None
        expected = expected_failures(scorer, declared)
        for check in yield_checks(scorer):
            reason = expected.get(check.__name__)
            marks = (
                [pytest.mark.xfail(strict=True, raises=CheckFailed, reason=reason)]
                if reason
                else []
            )
            params.append(
                pytest.param(
                    scorer,
                    _unshrunk(check) if reason else check,
                    marks=marks,
                    id=f"{label}-{check.__name__}",
                )
            )
    return pytest.mark.parametrize("scorer, check", params)


def _unshrunk(check: Callable[..., None]) -> Callable[..., None]:
    """``check`` without shrinking: an expected failure's counterexample is never shown, so
    finding one is enough (shrinking is most of a failing property check's time)."""

    @functools.wraps(check)
    def run(scorer: Scorer, *, max_examples: int | None = None, shrink: bool = False) -> None:
        check(scorer, max_examples=max_examples, shrink=shrink)

    return run
