"""The scorer contract: what every influence scorer, built-in or third-party, provides.

A scorer is a class with declared metadata and typed parameters, and two methods:

- :meth:`Scorer.score` returns one float per account of the world, within :attr:`Scorer.range`;
- :meth:`Scorer.explain` returns an itemised :class:`Statement` whose points add up to the score
  (Kred's "activity statement"; Klout never offered one).

Both must be pure functions of the world and ``at``: deterministic, and they must not mutate the
world. Use :func:`run_scorer` to call a scorer with its output checked against the contract.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pydantic

from auditkit.data.sealed import read_only_view
from auditkit.data.world import World
from auditkit.deadline import DeadlineExceeded, deadline
from auditkit.errors import ParameterError, ScorerError
from auditkit.plugin.params import Params, describe_param_errors
from auditkit.untrusted import excerpt

__all__ = ["Scorer", "Statement", "RandomWalk", "TAGS", "run_scorer", "statement_items"]

#: Capability tags a scorer may declare.
TAGS: dict[str, str] = {
    "events": "reads the events table (posts and reactions)",
    "follows": "reads the follow graph",
    "time": "depends on when things happened (windows, decay)",
    "counts": "reads observed profile counts (followers_count, ...)",
    "labels": "reads account labels (e.g. seed accounts)",
    "seeds": "needs trusted seed accounts",
    "external": "calls a program or service outside this process",
}

_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Statement:
    """An itemised account of one account's score.

    ``items`` has columns ``signal`` (what was counted), ``value`` (the raw measurement),
    ``points`` (its contribution to the score) and ``note``. The points add up to ``score``.
    """

    scorer: str
    account: str
    score: float
    items: pd.DataFrame
    at: pd.Timestamp | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> float:
        return float(self.items["points"].sum())

    def to_dict(self) -> dict[str, Any]:
        return {"scorer": self.scorer, "account": self.account, "score": self.score,
                "at": None if self.at is None else self.at.isoformat(),
                "items": self.items.to_dict(orient="records"), "notes": list(self.notes)}


@dataclass(frozen=True)
class RandomWalk:
    """The stationary distribution of a damped random walk over the follow graph, for scorers
    built on one (PageRank): ``vector`` (one value per account, summing to 1) and ``damping``
    (the probability of following an edge rather than teleporting)."""

    vector: np.ndarray
    damping: float


def statement_items(rows: list[tuple[str, float, float, str]]) -> pd.DataFrame:
    """Build a statement's item table from ``(signal, value, points, note)`` tuples."""
    return pd.DataFrame(rows, columns=["signal", "value", "points", "note"])


class Scorer(ABC):
    """Base class of every scorer. Subclasses set the class attributes and implement the methods.

    Class attributes
    ----------------
    id : str
        Stable identifier, lower-case (``klout``); used on the command line and in results.
    version : str
        Bumped whenever scores change for the same world and parameters.
    name : str
        Human name shown in reports.
    range : tuple[float, float]
        Inclusive bounds of every score.
    description : str
        One paragraph: what it measures and how.
    references : tuple[str, ...]
        Where its formula comes from.
    tags : frozenset[str]
        Capabilities from :data:`TAGS`.
    Params : type[Params]
        The typed parameters with their defaults.
    """

    id: ClassVar[str]
    version: ClassVar[str]
    name: ClassVar[str]
    range: ClassVar[tuple[float, float]]
    description: ClassVar[str]
    references: ClassVar[tuple[str, ...]] = ()
    tags: ClassVar[frozenset[str]] = frozenset()
    Params: ClassVar[type[Params]] = Params

    def __init__(self, **params: Any) -> None:
        try:
            self.params = self.Params(**params)
        except pydantic.ValidationError as exc:
            raise ParameterError("\n".join(
                describe_param_errors(f"scorer {self.id!r}", exc, self.Params))) from None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if any(getattr(getattr(cls, m, None), "__isabstractmethod__", False)
               for m in ("score", "explain")):
            return  # an intermediate base class; concrete scorers are checked
        missing = [a for a in ("id", "version", "name", "range", "description")
                   if not hasattr(cls, a)]
        if missing:
            raise TypeError(f"scorer class {cls.__name__} must set {', '.join(missing)}")
        if not _ID.match(cls.id):
            raise TypeError(f"scorer id {cls.id!r} of {cls.__name__} must be lower-case letters, "
                            "digits, '-' or '_', starting with a letter")
        unknown = set(cls.tags) - set(TAGS)
        if unknown:
            raise TypeError(f"scorer {cls.id!r} declares unknown tags {sorted(unknown)}; "
                            f"use {sorted(TAGS)}")

    @property
    def bounds(self) -> tuple[float, float]:
        """The score range for these parameters (defaults to the class's :attr:`range`)."""
        return self.range

    @abstractmethod
    def score(self, world: World, at: object = None) -> pd.Series:
        """One score per account of ``world`` as of ``at`` (default: the world's end)."""

    @abstractmethod
    def explain(self, world: World, account: str, at: object = None) -> Statement:
        """The itemised statement of ``account``'s score."""

    def random_walk(self, world: World, at: object = None) -> RandomWalk | None:
        """For a scorer whose scores order accounts as the stationary distribution of a damped
        random walk over follows (PageRank with uniform teleport), that distribution on
        ``world`` as of ``at``; ``None`` (the default) for any other scorer. The attack search
        uses it to state the closed-form link-farm bound beside the gain it measured."""
        return None

    @classmethod
    def spec(cls) -> dict[str, Any]:
        """Metadata of the class as plain data; parameters show their defaults (``required``
        when they have none, as a black-box adapter's program does)."""
        schema = cls.Params.model_json_schema()
        params = {}
        for pname, prop in schema.get("properties", {}).items():
            field = cls.Params.model_fields[pname]
            params[pname] = {"default": None if field.is_required()
                             else field.get_default(call_default_factory=True),
                             "required": field.is_required(),
                             "type": prop.get("type") or _any_of(prop),
                             "description": prop.get("description", "")}
        lo, hi = cls.range
        return {"id": cls.id, "version": cls.version, "name": cls.name,
                "range": [lo, hi], "tags": sorted(cls.tags), "description": cls.description,
                "references": list(cls.references), "params": params}

    def info(self) -> dict[str, Any]:
        """Metadata of this instance as plain data (for ``auditkit scorers --json`` and
        reports): the class's :meth:`spec` with these parameters and bounds."""
        info = self.spec()
        for pname, entry in info["params"].items():
            entry["default"] = getattr(self.params, pname)
        info["range"] = list(self.bounds)
        return info

    def __repr__(self) -> str:
        changed = self.params.model_dump(exclude_defaults=True)
        args = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"{type(self).__name__}({args})"


def _any_of(prop: Mapping[str, Any]) -> str:
    options = prop.get("anyOf") or prop.get("enum") or []
    if "enum" in prop:
        return "one of " + ", ".join(map(str, prop["enum"]))
    kinds = [o.get("type", "?") if isinstance(o, Mapping) else str(o) for o in options]
    return " or ".join(kinds) if kinds else "any"


def run_scorer(scorer: Scorer, world: World, at: object = None, *,
               time_limit: float | None = None) -> pd.Series:
    """Call ``scorer.score`` and check the result against the contract.

    The scorer gets a read-only view of ``world`` (:func:`auditkit.data.sealed.read_only_view`),
    so whatever it does to it, the next scorer sees the same world. Raises
    :class:`ScorerError` naming the scorer when it fails (also by ``sys.exit``), runs past
    ``time_limit`` seconds (in any thread: :mod:`auditkit.deadline`), returns something other
    than one finite score per account, or leaves the declared range.
    """
    try:
        own = getattr(scorer, "score_within", None)
        if own is not None:  # it enforces the limit itself (a worker process it can kill)
            scores = own(read_only_view(world), at, time_limit)
        else:
            with deadline(time_limit):
                scores = scorer.score(read_only_view(world), at)
    except DeadlineExceeded:
        raise ScorerError(f"scorer {scorer.id!r} ran past the time limit of {time_limit:g} s "
                          "(raise it with --time-limit)") from None
    except ScorerError:
        raise
    except SystemExit as exc:  # a plugin calling sys.exit() must not end the audit
        raise ScorerError(f"scorer {scorer.id!r} called sys.exit({excerpt(exc.code)}) while "
                          "scoring; a scorer must return scores or raise") from None
    except Exception as exc:  # a third-party scorer's bug must not look like ours
        raise ScorerError(f"scorer {scorer.id!r} failed: {type(exc).__name__}: "
                          f"{excerpt(str(exc), 300)[1:-1]}") from exc
    if not isinstance(scores, pd.Series):
        raise ScorerError(f"scorer {scorer.id!r} returned {type(scores).__name__}; "
                          "score() must return a pandas Series indexed by account id")
    if len(scores) != len(world) or not scores.index.equals(world.ids):
        raise ScorerError(f"scorer {scorer.id!r} returned {len(scores)} scores for "
                          f"{len(world)} accounts; index them by world.ids, one per account")
    values = scores.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        bad = scores.index[~np.isfinite(values)][0]
        raise ScorerError(f"scorer {scorer.id!r} returned a non-finite score for account "
                          f"{bad!r}")
    lo, hi = scorer.bounds
    outside = (values < lo - 1e-9) | (values > hi + 1e-9)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise ScorerError(f"scorer {scorer.id!r} scored account {scores.index[i]!r} "
                          f"{values[i]:g}, outside its declared range {lo:g}..{hi:g}")
    return scores.astype(np.float64).rename(scorer.id)
