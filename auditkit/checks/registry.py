"""The catalogue of conformance checks: :data:`CHECKS`, the decorator that fills it, the
:class:`CheckFailed` a check raises, and :func:`scorer_label` (how scorers are named in
reports)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from auditkit.errors import AuditkitError
from auditkit.plugin.scorer import Scorer


class CheckFailed(AuditkitError):
    """A scorer failed a conformance check.

    ``scorer`` is the scorer's label (its id, with non-default parameters), ``check`` the check's
    name, ``detail`` what went wrong and ``example`` the minimal counterexample as text.
    """

    def __init__(self, scorer: str, check: str, detail: str, example: str | None = None) -> None:
        self.scorer, self.check, self.detail, self.example = scorer, check, detail, example
        text = f"scorer {scorer} failed {check}: {detail}"
        if example:
            text += "\nminimal counterexample:\n" + textwrap.indent(example, "    ")
        super().__init__(text)


@dataclass(frozen=True)
class CheckInfo:
    """A check of the suite: its function, kind (``api``/``behaviour``), the tags it needs
    (any one of them; empty: every scorer) and the one sentence it asserts."""

    name: str
    func: Callable[..., None]
    kind: str
    needs: frozenset[str]
    asserts: str

    def applies_to(self, scorer: Scorer) -> bool:
        return not self.needs or bool(self.needs & set(scorer.tags))


#: Every check, in the order they run, by name.
CHECKS: dict[str, CheckInfo] = {}


def scorer_label(scorer: Scorer) -> str:
    """The scorer's id, with its non-default parameters: ``kred[measure=outreach]``."""
    changed = scorer.params.model_dump(exclude_defaults=True)
    if not changed:
        return scorer.id
    return f"{scorer.id}[{','.join(f'{k}={v}' for k, v in sorted(changed.items()))}]"


def register_check(
    kind: str, asserts: str, needs: tuple[str, ...] = ()
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def deco(fn: Callable[..., None]) -> Callable[..., None]:
        CHECKS[fn.__name__] = CheckInfo(fn.__name__, fn, kind, frozenset(needs), asserts)
        return fn

    return deco
