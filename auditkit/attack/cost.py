"""The cost model of ``auditkit attack``: the attack kinds (:data:`KINDS`) with their prices in
cost units, and :class:`Composition`, how many items of each kind an attack buys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditkit.errors import AuditkitError

#: Largest budget accepted: a unit can add an account, and worlds must stay small enough to
#: score a few hundred times.
MAX_BUDGET = 100_000


@dataclass(frozen=True)
class Kind:
    """One attack kind: the behaviour parameter it sets, its price and why."""

    name: str  # parameter of CompositeAttack
    cost: int  # units per item
    flaw: str  # docs/flaws.md id it exercises
    label: str  # plural noun for reports
    why: str  # the reason for the price


#: The cost model, in units per item. The prices are relative: one bought follower is 1.
KINDS: tuple[Kind, ...] = (
    Kind(
        "fake_followers",
        1,
        "F7",
        "fake followers",
        "a bought follower is a fake account that follows the target; follower markets price "
        "per follower (Stringhini et al., IMC 2013), the unit of this model",
    ),
    Kind(
        "fake_reactions",
        1,
        "F7",
        "reactions from fake accounts",
        "likes/shares/replies are sold per unit like followers; each comes from its own fake "
        "account",
    ),
    Kind(
        "real_reactions",
        2,
        "F7",
        "reactions from real accounts",
        "reactions from real (compromised or pyramid-scheme) accounts are scarcer than from "
        "fakes (Stringhini et al.): twice the price",
    ),
    Kind(
        "follows",
        1,
        "F8",
        "follows made to harvest follow-backs",
        "free in money but rate-limited and a suspension risk; one unit per follow made",
    ),
    Kind(
        "pod_partners",
        3,
        "F6",
        "engagement-pod partners",
        "paid in kind: the target reacts to every post a partner makes after joining, about "
        "3 (a base account posts 2.7 times on average in the last 40% of the period)",
    ),
    Kind(
        "sybils",
        2,
        "F9",
        "sybils in a link farm",
        "a fake account that follows the target (1) plus the target's follow back (1)",
    ),
    Kind(
        "attack_edges",
        10,
        "F9",
        "attack edges",
        "a real account following a sybil needs social engineering or a compromised account: "
        "ten times a fake follower (an assumption)",
    ),
    Kind(
        "celebrity_reshares",
        50,
        "F5",
        "celebrity reshares",
        "a reshare by the highest-attention account (20-90x the median account's followers in "
        "a generated population of 1,000); sponsored posts are priced by audience (an "
        "assumption)",
    ),
)
KIND_BY_NAME = {k.name: k for k in KINDS}


@dataclass(frozen=True)
class Composition:
    """How many items of each kind an attack buys (kinds absent are 0)."""

    items: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, **counts: int) -> Composition:
        unknown = set(counts) - set(KIND_BY_NAME)
        if unknown:
            raise AuditkitError(
                f"unknown attack kind(s) {sorted(unknown)}; kinds: {', '.join(KIND_BY_NAME)}"
            )
        if counts.get("sybils", 0) <= 0:
            counts["attack_edges"] = 0  # an attack edge needs a sybil to point at
        return cls(
            tuple((k.name, int(counts[k.name])) for k in KINDS if int(counts.get(k.name, 0)) > 0)
        )

    @classmethod
    def from_units(cls, units: Sequence[int]) -> Composition:
        """The items bought with ``units[i]`` units on kind ``KINDS[i]`` (rounded down); a
        last, extra entry is budget left unspent."""
        return cls.of(
            **{k.name: int(u) // k.cost for k, u in zip(KINDS, units[: len(KINDS)], strict=True)}
        )

    def count(self, name: str) -> int:
        return dict(self.items).get(name, 0)

    @property
    def cost(self) -> int:
        return sum(KIND_BY_NAME[k].cost * v for k, v in self.items)

    def units(self) -> dict[str, int]:
        """Cost units spent on each kind bought."""
        return {k: KIND_BY_NAME[k].cost * v for k, v in self.items}

    def describe(self) -> str:
        if not self.items:
            return "nothing"
        return ", ".join(f"{v:,} {KIND_BY_NAME[k].label}" for k, v in self.items)

    def flaw(self) -> str:
        """The flaw of the kind the most units went to (F7 when nothing is bought)."""
        units = self.units()
        if not units:
            return "F7"
        return KIND_BY_NAME[max(units, key=lambda k: (units[k], k))].flaw
