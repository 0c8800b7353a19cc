"""Probes: one measurement per scorer, on a scenario run.

A probe reads the run (the treated and control worlds, the cohorts, the ground truth) and a
scorer, and returns a :class:`Measurement`: a number in the probe's unit and a phrase a reviewer
can read. Scenarios pair each probe with an expectation. Probes are plugins: register them with
the ``register_probes`` hook.

A probe that has no number to give says why, by raising one of three exceptions, never by
returning a stand-in value (a 0 for "nothing moved" would pass every bound around 0):

- :class:`NotApplicable` (verdict ``skip``): the probe cannot ask its question of this scorer
  or world at all (no ground truth on a real world, no variant given for this scorer);
- :class:`Blind` (verdict ``blind``): the scorer did not respond at all to what the scenario
  did (treated and control worlds score the accounts concerned identically), so whether it
  *resists* the treatment cannot be told from whether it *never looked*;
- :class:`Degenerate` (verdict ``degenerate``): the scorer's scores cannot answer the question
  (every account tied, the cohorts' ranks decided by ties, no crossing rate to compare).

``Blind`` and ``Degenerate`` are subclasses of ``NotApplicable``, so code written against the
first contract keeps working. Neither is a pass: the audit counts them apart
(``docs/verdicts.md``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pydantic

from auditkit.errors import AuditkitError, ScenarioError
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.params import Params, describe_param_errors, params_info
from auditkit.plugin.scorer import Scorer

if TYPE_CHECKING:
    from auditkit.scenario.run import ScenarioRun

__all__ = ["Probe", "Measurement", "NotApplicable", "Blind", "Degenerate"]


class NotApplicable(AuditkitError):
    """The probe cannot measure this scorer on this run (the verdict is ``skip``)."""

    #: the verdict a probe raising this gets
    verdict = "skip"


class Blind(NotApplicable):
    """The scorer does not respond at all to what the scenario did: treated and control worlds
    score the accounts concerned identically (the verdict is ``blind``, never a pass)."""

    verdict = "blind"


class Degenerate(NotApplicable):
    """The scorer's scores are degenerate for the probe's question, e.g. the cohorts compared
    all tie, so a rank says nothing (the verdict is ``degenerate``, never a pass)."""

    verdict = "degenerate"


@dataclass(frozen=True)
class Measurement:
    """What a probe measured: ``value`` in the probe's unit, ``text`` saying it in words."""

    value: float
    text: str
    detail: dict[str, Any] = field(default_factory=dict)


class Probe(ABC):
    """Base class of a probe.

    Class attributes: ``id`` (used as ``probe:`` in YAML), ``unit`` (of the value, e.g.
    ``percentile points``), ``description``, ``Params``, ``cohort_params`` (names of parameters
    that hold cohort names, checked when a scenario loads) and ``special_cohorts`` (names that
    are not cohorts but are accepted there, e.g. ``population``).
    """

    id: ClassVar[str]
    unit: ClassVar[str] = ""
    description: ClassVar[str]
    Params: ClassVar[type[Params]] = Params
    cohort_params: ClassVar[tuple[str, ...]] = ()
    special_cohorts: ClassVar[tuple[str, ...]] = ("population",)

    def __init__(self, **params: Any) -> None:
        try:
            self.params = self.Params(**params)
        except pydantic.ValidationError as exc:
            raise ScenarioError(
                "; ".join(describe_param_errors(repr(self.id), exc, self.Params))
            ) from None

    def cohort_fields(self) -> tuple[str, ...]:
        return self.cohort_params

    def unit_for_params(self) -> str:
        """The unit of the value for these parameters (defaults to :attr:`unit`)."""
        return self.unit

    def footprint(self, setting: Setting) -> Footprint:
        """An upper estimate of the rows of any world the probe builds itself (an injected
        attack), for the budget (:mod:`auditkit.plugin.footprint`); the default, nothing."""
        return Footprint()

    @abstractmethod
    def measure(self, run: ScenarioRun, scorer: Scorer) -> Measurement:
        """Measure ``scorer`` on ``run``; raise :class:`NotApplicable`, :class:`Blind` or
        :class:`Degenerate` when there is no number to give (see the module docstring)."""

    @classmethod
    def info(cls) -> dict[str, Any]:
        return {
            "id": cls.id,
            "unit": cls.unit,
            "description": cls.description,
            "params": params_info(cls.Params),
        }
