"""Scorer specs: a scorer id with its parameters and, optionally, a name to report it under.

The grammar (the command line's ``--scorer``, ``auditkit diff --base/--candidate`` and the
pytest plugin's ``--auditkit-scorer`` all read it)::

    spec   ::= [name "="] id ["[" param ("," param)* "]"]
    param  ::= NAME "=" VALUE

``klout``, ``klout[window_days=30]``, ``cand=kred[follow_points=5, reaction_points=2]``. A value
is read as a YAML literal (:func:`~auditkit.plugin.params.parse_param_value`: numbers,
true/false, null, ``[1, 2]`` lists, or text); a comma inside brackets or quotes does not split
parameters. ``name`` follows the rules of a scorer id (lower-case letters, digits, ``-``, ``_``,
starting with a letter); it is what results, reports and diffs call the scorer, so the same
scorer can be audited twice in one audit, e.g. ``--scorer kred --scorer cand=kred[...]``.

Every mistake is a :class:`~auditkit.errors.ParameterError` (a user error) naming the spec,
the part at fault and the fix. Giving one parameter twice (in the brackets, or again with
``--param``) is an error, never "the last one wins".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditkit.errors import ParameterError
from auditkit.plugin.params import parse_param_value
from auditkit.plugin.scorer import Scorer

if TYPE_CHECKING:
    from auditkit.plugin.registry import Registry

__all__ = ["ScorerSpec", "parse_scorer_spec", "scorer_specs", "build_scorer", "rename", "rebuild"]

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXAMPLE = "cand=kred[follow_points=5]"


@dataclass(frozen=True)
class ScorerSpec:
    """One parsed spec: the registered ``scorer`` id, its ``params`` and the ``name`` it is
    reported under (None: its own id)."""

    scorer: str
    params: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    #: the text it was read from
    text: str = ""

    @property
    def label(self) -> str:
        """What results call it: the name, or the scorer's id."""
        return self.name or self.scorer


def _split_top_level(text: str) -> list[str]:
    """``text`` split on commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_scorer_spec(text: str, *, option: str = "--scorer") -> ScorerSpec:
    """Read one spec (see the module docstring); :class:`ParameterError` on a malformed one."""
    spec = text.strip()
    where = f"{option} {text!r}"
    if not spec:
        raise ParameterError(
            f"{where}: empty; give a scorer id, e.g. {option} klout or {option} {_EXAMPLE}"
        )
    head, bracket, rest = spec.partition("[")
    name: str | None = None
    if "=" in head:
        name, _, head = (p.strip() for p in head.partition("="))
        if not _NAME.match(name):
            raise ParameterError(
                f"{where}: the name {name!r} is not lower-case letters, digits, "
                "'-' or '_' starting with a letter; e.g. "
                f"{option} {_EXAMPLE}"
            )
    scorer = head.strip()
    if not scorer:
        raise ParameterError(
            f"{where}: no scorer id before '['; write ID[NAME=VALUE, ...], e.g. {option} {_EXAMPLE}"
        )
    if not _NAME.match(scorer):
        raise ParameterError(
            f"{where}: {scorer!r} is not a scorer id (lower-case letters, "
            f"digits, '-' or '_'); write [NAME=]ID[PARAM=VALUE, ...], e.g. "
            f"{option} {_EXAMPLE}"
        )
    params: dict[str, Any] = {}
    if bracket:
        if not rest.endswith("]"):
            raise ParameterError(
                f"{where}: the parameters are not closed by a final ']'; e.g. {option} {_EXAMPLE}"
            )
        inner = rest[:-1]
        if inner.strip():
            for part in _split_top_level(inner):
                key, eq, value = part.partition("=")
                key = key.strip()
                if not eq or not _PARAM_NAME.match(key):
                    raise ParameterError(
                        f"{where}: {part.strip()!r} is not NAME=VALUE; "
                        f"separate parameters with commas, e.g. "
                        f"{option} {_EXAMPLE}"
                    )
                if key in params:
                    raise ParameterError(
                        f"{where}: parameter {key!r} is given twice; give "
                        "each parameter once (to compare two settings, "
                        "name each: --scorer a=ID[...] --scorer b=ID[...])"
                    )
                params[key] = parse_param_value(value.strip())
    return ScorerSpec(scorer, params, name, text)


def scorer_specs(
    texts: Sequence[str],
    pairs: Sequence[str] = (),
    *,
    option: str = "--scorer",
    param_option: str = "--param",
) -> list[ScorerSpec]:
    """Specs from ``texts`` with the ``ID.NAME=VALUE`` ``pairs`` of ``param_option`` merged in
    (``ID`` is a spec's label: its name, or its scorer id; a bare ``NAME=VALUE`` applies when
    there is one spec). Two specs under one label, a pair naming no spec, or a parameter given
    twice raise :class:`ParameterError`."""
    specs = [parse_scorer_spec(t, option=option) for t in texts]
    seen: dict[str, ScorerSpec] = {}
    for s in specs:
        if s.label in seen and seen[s.label].text.strip() == s.text.strip():
            raise ParameterError(f"{option} {s.text!r} is given twice; give each scorer once")
        if s.label in seen:
            raise ParameterError(
                f"{option} {seen[s.label].text!r} and {option} {s.text!r} are both reported as "
                f"{s.label!r}; name one of them, e.g. {option} {s.label}-b={s.text.strip()}"
            )
        seen[s.label] = s
    labels = list(seen)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        label, dot, name = key.partition(".")
        if not dot and len(labels) == 1:
            label, name = labels[0], key
        if not sep or not label or not name:
            example = f"{labels[0] if labels else 'klout'}.window_days=60"
            raise ParameterError(
                f"{param_option} {pair!r} is not ID.NAME=VALUE, e.g. {param_option} {example}"
            )
        if label not in seen:
            raise ParameterError(
                f"{param_option} {pair!r} names scorer {label!r}, which is not "
                f"among the scorers given ({', '.join(labels) or 'none'}); "
                f"add it with {option} {label}"
            )
        spec = seen[label]
        if name in spec.params:
            raise ParameterError(
                f"{param_option} {pair!r}: {label}.{name} is already given "
                f"(in {option} {spec.text!r} or an earlier {param_option}); "
                "give each parameter once (to compare two settings, audit "
                "them under two names: --scorer a=ID[...] --scorer b=ID[...])"
            )
        spec.params[name] = parse_param_value(value.strip())
    return specs


def rename(scorer: Scorer, name: str) -> Scorer:
    """``scorer`` reported under ``name`` (its results, reports and diffs use it as the id)."""
    scorer.id = name  # type: ignore[misc]  # an instance's name shadows the class's id
    return scorer


def rebuild(scorer: Scorer, **params: Any) -> Scorer:
    """A scorer of the same class with ``params``, reported under the same name: what a probe
    or tool uses to score a variant of a (possibly renamed) scorer."""
    other = type(scorer)(**params)
    return rename(other, scorer.id) if other.id != scorer.id else other


def build_scorer(registry: Registry, spec: ScorerSpec | str, *, option: str = "--scorer") -> Scorer:
    """An instance of the scorer ``spec`` describes (a spec or its text), under its label."""
    if isinstance(spec, str):
        spec = parse_scorer_spec(spec, option=option)
    try:
        scorer = registry.scorer(spec.scorer, **spec.params)
    except ParameterError as exc:
        raise ParameterError(f"{option} {spec.text or spec.scorer!r}: {exc}") from None
    return rename(scorer, spec.name) if spec.name else scorer
