"""Typed parameters, shared by every kind of plugin (scorers, behaviours, probes).

A plugin class declares a nested ``class Params(auditkit.Params)`` of pydantic fields with
defaults; unknown names are rejected and every error says which parameters exist. Type the
instance attribute with the nested class (``params: Params`` in the class body) so that type
checkers know the fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pydantic

from auditkit.errors import ParameterError
from auditkit.untrusted import Limits, excerpt, load_yaml

__all__ = [
    "Params",
    "describe_param_errors",
    "parse_param_value",
    "params_info",
    "scorer_params",
    "MAX_MAGNITUDE",
    "MAX_COUNT",
    "MAX_DAYS",
    "MAX_RATE",
    "MAX_TRAIT",
]

#: No number in any plugin's parameters may exceed this magnitude (nor be NaN or infinite):
#: beyond it floats lose whole numbers and int64 arithmetic overflows.
MAX_MAGNITUDE = 1e15
#: Upper bounds the built-in plugins use for their parameters (docs/scenarios.md, "Limits"):
#: counts of accounts, follows or reactions per member; spans in days; rates per day or per
#: post; traits relative to the population's median of 1-2.
MAX_COUNT = 100_000_000
MAX_DAYS = 36_500.0
MAX_RATE = 1_000_000.0
MAX_TRAIT = 1_000_000.0


def _too_large(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return abs(value) > MAX_MAGNITUDE
    if isinstance(value, list | tuple | set | frozenset):
        return any(_too_large(v) for v in value)
    if isinstance(value, dict):
        return any(_too_large(v) for v in value.values())
    return False


class Params(pydantic.BaseModel):
    """Base class of a plugin's parameters: typed, with defaults, unknown names rejected,
    numbers finite and at most :data:`MAX_MAGNITUDE` in size."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @pydantic.field_validator("*", mode="after")
    @classmethod
    def _within_magnitude(cls, value: Any) -> Any:
        if _too_large(value):
            raise ValueError(f"numbers may be at most {MAX_MAGNITUDE:.0e} in size")
        return value


def describe_param_errors(
    owner: str, exc: pydantic.ValidationError, model: type[pydantic.BaseModel]
) -> list[str]:
    """One sentence per problem in ``exc``: the parameter, what is wrong, and what exists."""
    known = ", ".join(model.model_fields) or "none"
    out = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            out.append(f"{owner} has no parameter {name!r}; its parameters are: {known}")
        else:
            got = excerpt(err.get("input"))
            out.append(f"{owner} parameter {name!r}: {err['msg']} (got {got})")
    return out


def params_info(model: type[pydantic.BaseModel]) -> dict[str, dict[str, Any]]:
    """Every parameter as plain data: default (``None`` when required), required, description."""
    return {
        k: {
            "default": None if f.is_required() else f.get_default(call_default_factory=True),
            "required": f.is_required(),
            "description": f.description or "",
        }
        for k, f in model.model_fields.items()
    }


_PARAM_LIMITS = Limits(max_bytes=1_000_000, max_depth=16, max_nodes=100_000)


def parse_param_value(text: str) -> Any:
    """Read a ``--param`` value: YAML literals (numbers, true/false, null, lists) or text."""
    try:
        return load_yaml(text, "--param", limits=_PARAM_LIMITS, error=ParameterError)[0]
    except ParameterError:
        return text


def scorer_params(
    pairs: Sequence[str],
    scorer_ids: Sequence[str],
    *,
    option: str = "--param",
    scorer_option: str = "--scorer",
) -> dict[str, dict[str, Any]]:
    """Parameters per scorer from ``ID.NAME=VALUE`` pairs (as the command line gives them).

    A bare ``NAME=VALUE`` is accepted when exactly one scorer is named. A pair that names a
    scorer not in ``scorer_ids``, or the same parameter twice, raises :class:`ParameterError`.
    """
    out: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        sid, dot, name = key.partition(".")
        if not dot and len(scorer_ids) == 1:
            sid, name = scorer_ids[0], key
        if not sep or not sid or not name:
            example = f"{scorer_ids[0] if scorer_ids else 'klout'}.window_days=60"
            raise ParameterError(f"{option} {pair!r} is not ID.NAME=VALUE, e.g. {option} {example}")
        if sid not in scorer_ids:
            raise ParameterError(
                f"{option} {pair!r} names scorer {sid!r}, which is not among "
                f"the scorers given ({', '.join(scorer_ids) or 'none'}); add "
                f"it with {scorer_option} {sid}"
            )
        if name in out.get(sid, {}):
            raise ParameterError(
                f"{option} gives {sid}.{name} twice; give each parameter "
                "once (to compare two settings, audit them under two names)"
            )
        out.setdefault(sid, {})[name] = parse_param_value(value)
    return out
