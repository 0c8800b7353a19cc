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

__all__ = ["Params", "describe_param_errors", "parse_param_value", "params_info",
           "scorer_params"]


class Params(pydantic.BaseModel):
    """Base class of a plugin's parameters: typed, with defaults, unknown names rejected."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


def describe_param_errors(owner: str, exc: pydantic.ValidationError,
                          model: type[pydantic.BaseModel]) -> list[str]:
    """One sentence per problem in ``exc``: the parameter, what is wrong, and what exists."""
    known = ", ".join(model.model_fields) or "none"
    out = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            out.append(f"{owner} has no parameter {name!r}; its parameters are: {known}")
        else:
            got = repr(err.get("input"))
            got = got if len(got) <= 80 else got[:77] + "..."
            out.append(f"{owner} parameter {name!r}: {err['msg']} (got {got})")
    return out


def params_info(model: type[pydantic.BaseModel]) -> dict[str, dict[str, Any]]:
    """Every parameter as plain data: default (``None`` when required), required, description."""
    return {k: {"default": None if f.is_required() else f.get_default(call_default_factory=True),
                "required": f.is_required(), "description": f.description or ""}
            for k, f in model.model_fields.items()}


def parse_param_value(text: str) -> Any:
    """Read a ``--param`` value: YAML literals (numbers, true/false, null, lists) or text."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def scorer_params(pairs: Sequence[str], scorer_ids: Sequence[str], *, option: str = "--param",
                  scorer_option: str = "--scorer") -> dict[str, dict[str, Any]]:
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
            raise ParameterError(f"{option} {pair!r} is not ID.NAME=VALUE, e.g. "
                                 f"{option} {example}")
        if sid not in scorer_ids:
            raise ParameterError(f"{option} {pair!r} names scorer {sid!r}, which is not among "
                                 f"the scorers given ({', '.join(scorer_ids) or 'none'}); add "
                                 f"it with {scorer_option} {sid}")
        if name in out.get(sid, {}):
            raise ParameterError(f"{option} gives {sid}.{name} twice; give each parameter "
                                 "once (to compare two settings, audit them under two names)")
        out.setdefault(sid, {})[name] = parse_param_value(value)
    return out
