"""Cohort behaviours: what a group of accounts in a scenario does.

A behaviour has two stages, both adding to a :class:`~auditkit.data.draft.Draft`:

- :meth:`Behaviour.setup` creates (or picks) the cohort's members and gives them their traits
  and scripted activity. It runs in every world of the scenario.
- :meth:`Behaviour.treat` applies the manipulation or event under study (buying followers,
  falling silent, joining a pod). It runs only in the *treated* world; the *control* world is
  the same scenario without it, drawn from the same random streams, so a probe can measure the
  treatment's effect on the same accounts at the same time.

``setup`` runs before the organic simulation (members take part in it according to their
traits); :meth:`Behaviour.finish` runs after it in every world (e.g. to turn a member's posts
into links); ``treat`` runs last. Behaviours are plugins: register them with the
``register_behaviours`` hook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pydantic

from auditkit.data.draft import Draft
from auditkit.errors import ScenarioError
from auditkit.plugin.footprint import Footprint, Setting
from auditkit.plugin.params import Params, describe_param_errors, params_info

__all__ = ["Behaviour", "Cohort"]


@dataclass
class Cohort:
    """A named group of accounts in a draft, as a behaviour builds it."""

    name: str
    size: int
    members: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: What the treatment bought or did, by unit (e.g. ``{"fake_accounts": 1000}``).
    cost: dict[str, float] = field(default_factory=dict)
    #: Days (from the start of the world) when the treatment begins and ends, if it has a span.
    treatment_start: float | None = None
    treatment_end: float | None = None
    #: Anything else a probe may need to know about what was done.
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def total_cost(self) -> float:
        return float(sum(self.cost.values()))


class Behaviour:
    """Base class of a cohort behaviour. Subclasses set the class attributes and override
    :meth:`setup` and, when there is a manipulation, :meth:`treat`.

    Class attributes: ``id`` (used as ``behaviour:`` in YAML), ``flaws`` (ids from
    ``docs/flaws.md`` it exercises), ``description`` (one paragraph), ``source`` (where the
    behaviour is documented), ``Params`` (typed parameters with defaults, unknown names
    rejected).
    """

    id: ClassVar[str]
    flaws: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str]
    source: ClassVar[str] = ""
    Params: ClassVar[type[Params]] = Params

    def __init__(self, **params: Any) -> None:
        try:
            self.params = self.Params(**params)
        except pydantic.ValidationError as exc:
            raise ScenarioError(
                "; ".join(describe_param_errors(repr(self.id), exc, self.Params))
            ) from None

    @property
    def has_treatment(self) -> bool:
        """Whether this behaviour changes the treated world beyond its setup."""
        return type(self).treat is not Behaviour.treat

    def setup(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        """Create or pick ``cohort.size`` members (set ``cohort.members``) and their activity."""
        cohort.members = draft.add_accounts(
            cohort.size, prefix=f"{cohort.name}-", cohort=cohort.name, role="member"
        )

    def finish(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        """Adjust the members' organic activity after the simulation (every world). The
        default does nothing."""

    def treat(self, draft: Draft, cohort: Cohort, rng: np.random.Generator) -> None:
        """Apply the manipulation (treated world only). The default does nothing."""

    def footprint(self, size: int, setting: Setting) -> Footprint:
        """An upper estimate of what a cohort of ``size`` adds to a world of ``setting``
        (:mod:`auditkit.plugin.footprint`), checked against the budget before anything is
        built. The default: ``size`` organic members and nothing else; override it when the
        behaviour adds accounts, follows or events of its own."""
        return Footprint(accounts=size, organic=size)

    @classmethod
    def info(cls) -> dict[str, Any]:
        return {
            "id": cls.id,
            "flaws": list(cls.flaws),
            "description": cls.description,
            "source": cls.source,
            "params": params_info(cls.Params),
            "treatment": cls.treat is not Behaviour.treat,
        }
