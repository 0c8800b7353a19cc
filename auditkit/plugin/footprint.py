"""What a cohort or a probe adds to the worlds it builds, estimated before anything is built.

``auditkit validate`` checks every scenario's estimated size against a budget
(:mod:`auditkit.scenario.budget`) so that a file asking for a billion events is refused in
milliseconds with the parameter to lower, instead of exhausting memory an hour into an audit.
Each behaviour (and each probe that builds worlds of its own) says what it adds through
:meth:`~auditkit.plugin.behaviour.Behaviour.footprint`; the default of a behaviour is its
``size`` organic members and nothing else. An estimate should err on the high side; the draft
enforces the same budget while it builds (:class:`~auditkit.data.draft.Draft`), so an estimate
that is too low still ends in a clean error, only later.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Setting", "Footprint"]


@dataclass(frozen=True)
class Setting:
    """What a footprint may depend on: the scenario's population and period."""

    #: ordinary accounts of the base population
    accounts: float
    #: length of the period in days
    days: float
    #: organic follows and events drawn per organic account
    follows_per_account: float = 12.0
    events_per_account: float = 20.0
    #: share of organic events that are posts
    post_share: float = 0.35


@dataclass(frozen=True)
class Footprint:
    """Rows a cohort (or a probe) adds, as upper estimates.

    ``accounts`` counts every account added (members and auxiliary ones such as bought fakes);
    ``organic`` how many of them take part in the organic simulation (each draws its share of
    the population's organic follows and events); ``follows`` and ``events`` the rows added
    besides the organic ones. ``levers`` names the parameters that drive the estimate, so the
    budget's message can say what to lower.
    """

    accounts: float = 0.0
    organic: float = 0.0
    follows: float = 0.0
    events: float = 0.0
    levers: tuple[str, ...] = ()

    def __add__(self, other: Footprint) -> Footprint:
        return Footprint(
            self.accounts + other.accounts,
            self.organic + other.organic,
            self.follows + other.follows,
            self.events + other.events,
            tuple(dict.fromkeys(self.levers + other.levers)),
        )
