"""The scorer contract: what every influence scorer, built-in or third-party, provides.

A scorer is a class with declared metadata and typed parameters, and two methods:

- :meth:`Scorer.score` returns one float per account of the world, within :attr:`Scorer.range`;
- :meth:`Scorer.explain` returns an itemised :class:`Statement` whose points add up, in the
  scorer's own units, to the score (Kred's "activity statement"; Klout never offered one); a
  final normalisation is stated as a factor, not as a line of points.

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

__all__ = [
    "Scorer",
    "TruthScorer",
    "Statement",
    "RandomWalk",
    "TAGS",
    "REFERENCES",
    "run_scorer",
    "statement_items",
]

#: Capability tags a scorer may declare.
TAGS: dict[str, str] = {
    "events": "reads the events table (posts and reactions)",
    "follows": "reads the follow graph",
    "time": "depends on when things happened (windows, decay)",
    "counts": "reads observed profile counts (followers_count, ...)",
    "labels": "reads account labels (e.g. seed accounts)",
    "seeds": "needs trusted seed accounts",
    "external": "calls a program or service outside this process",
    "truth": "reads the simulation's ground truth (the oracle; never an audited score)",
}
#: What a reference scorer is (``Scorer.reference``): a control built with or without one flaw,
#: or the oracle that scores by the simulation's ground truth. Reference scorers are left out of
#: default audits (``Registry.all``); ``auditkit audit --controls`` adds them.
REFERENCES = ("control", "oracle")

_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Statement:
    """An itemised account of one account's score.

    ``items`` has columns ``signal`` (what was counted), ``value`` (the raw measurement),
    ``points`` (its contribution, in the scorer's own units) and ``note``. The points add up to
    :attr:`total`, and the score is ``offset + scale * total``.

    Most scorers add points straight into the score (``scale`` 1, ``offset`` 0). A scorer that
    normalises its points at the end (Kred maps its points to 1-1000 against the top account)
    keeps the items in its own units and states the normalisation as a factor: ``scale`` and
    ``offset`` for this account, and ``transform``, the formula in words
    (``1 + 999 * ln(1 + 129) / ln(1 + 1995)``), so no line of invented points is needed.
    """

    scorer: str
    account: str
    score: float
    items: pd.DataFrame
    at: pd.Timestamp | None = None
    notes: tuple[str, ...] = field(default=())
    #: the factor the points are multiplied by to give the score (after ``offset``)
    scale: float = 1.0
    #: what the score is when the points are zero
    offset: float = 0.0
    #: how the points become the score, in words or as a formula ("" when they are the score)
    transform: str = ""

    @property
    def total(self) -> float:
        """The points added up, in the scorer's own units."""
        return float(self.items["points"].sum())

    @property
    def normalised(self) -> bool:
        """Whether the score is not simply the points added up (a factor or offset applies)."""
        return self.scale != 1.0 or self.offset != 0.0

    @property
    def stated_score(self) -> float:
        """``offset + scale * total``: the score the statement adds up to (it equals
        :attr:`score` for a correct statement; the conformance suite checks it)."""
        return self.offset + self.scale * self.total

    def to_dict(self) -> dict[str, Any]:
        return {
            "scorer": self.scorer,
            "account": self.account,
            "score": self.score,
            "at": None if self.at is None else self.at.isoformat(),
            "items": self.items.to_dict(orient="records"),
            "notes": list(self.notes),
            "total": self.total,
            "scale": self.scale,
            "offset": self.offset,
            "transform": self.transform,
        }


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
    reference : str
        ``""`` for a score under audit; ``"control"`` or ``"oracle"`` for a reference scorer
        (:data:`REFERENCES`), which default audits leave out.
    concurrent : bool
        ``score`` may run on two worlds at once, in two threads of one process (it keeps no
        state between calls, or guards it): large treated and control worlds are then scored
        side by side (:meth:`auditkit.scenario.run.ScenarioRun.scores_pair`). False unless
        declared (a subclass inherits its base's declaration).
    """

    id: ClassVar[str]
    version: ClassVar[str]
    name: ClassVar[str]
    range: ClassVar[tuple[float, float]]
    description: ClassVar[str]
    references: ClassVar[tuple[str, ...]] = ()
    tags: ClassVar[frozenset[str]] = frozenset()
    Params: ClassVar[type[Params]] = Params
    reference: ClassVar[str] = ""
    concurrent: ClassVar[bool] = False

    def __init__(self, **params: Any) -> None:
        try:
            self.params = self.Params(**params)
        except pydantic.ValidationError as exc:
            raise ParameterError(
                "\n".join(describe_param_errors(f"scorer {self.id!r}", exc, self.Params))
            ) from None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if any(getattr(getattr(cls, m, None), "__isabstractmethod__", False) for m in dir(cls)):
            return  # an intermediate base class; concrete scorers are checked
        missing = [
            a for a in ("id", "version", "name", "range", "description") if not hasattr(cls, a)
        ]
        if missing:
            raise TypeError(f"scorer class {cls.__name__} must set {', '.join(missing)}")
        if not _ID.match(cls.id):
            raise TypeError(
                f"scorer id {cls.id!r} of {cls.__name__} must be lower-case letters, "
                "digits, '-' or '_', starting with a letter"
            )
        unknown = set(cls.tags) - set(TAGS)
        if unknown:
            raise TypeError(
                f"scorer {cls.id!r} declares unknown tags {sorted(unknown)}; use {sorted(TAGS)}"
            )
        if cls.reference and cls.reference not in REFERENCES:
            raise TypeError(
                f"scorer {cls.id!r} declares reference {cls.reference!r}; use one "
                f"of {', '.join(REFERENCES)} or leave it empty"
            )
        if "truth" in cls.tags and not issubclass(cls, TruthScorer):
            raise TypeError(
                f"scorer {cls.id!r} declares the 'truth' tag; only a TruthScorer "
                "is given the ground truth"
            )

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
            params[pname] = {
                "default": None
                if field.is_required()
                else field.get_default(call_default_factory=True),
                "required": field.is_required(),
                "type": prop.get("type") or _any_of(prop),
                "description": prop.get("description", ""),
            }
        lo, hi = cls.range
        return {
            "id": cls.id,
            "version": cls.version,
            "name": cls.name,
            "range": [lo, hi],
            "tags": sorted(cls.tags),
            "description": cls.description,
            "references": list(cls.references),
            "params": params,
            "reference": cls.reference,
        }

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


class TruthScorer(Scorer):
    """A reference scorer that needs the simulation's ground truth (the oracle).

    The truth is never in a :class:`~auditkit.data.world.World`: no ordinary scorer can read it,
    by accident or otherwise. A scenario run (:class:`auditkit.scenario.run.ScenarioRun`) gives it
    only to a subclass of this class, through :meth:`score_truth`; called on a world alone
    (:meth:`score`, ``auditkit score``), it raises :class:`ScorerError`. Subclasses must declare
    ``reference = "oracle"`` and the ``truth`` tag.
    """

    reference: ClassVar[str] = "oracle"
    tags: ClassVar[frozenset[str]] = frozenset({"truth"})

    def score(self, world: World, at: object = None) -> pd.Series:
        raise ScorerError(
            f"scorer {self.id!r} scores by the simulation's ground truth, which "
            "only a simulated scenario knows; audit it on a scenario "
            "(auditkit audit --controls) instead of scoring a world"
        )

    @abstractmethod
    def score_truth(self, world: World, truth: np.ndarray, at: object = None) -> pd.Series:
        """One score per account of ``world`` from ``truth`` (one value per account, in the
        world's account order): what the simulation knows about each account's reach."""

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        raise ScorerError(f"scorer {self.id!r} has no statement outside a simulated scenario")


def _any_of(prop: Mapping[str, Any]) -> str:
    options = prop.get("anyOf") or prop.get("enum") or []
    if "enum" in prop:
        return "one of " + ", ".join(map(str, prop["enum"]))
    kinds = [o.get("type", "?") if isinstance(o, Mapping) else str(o) for o in options]
    return " or ".join(kinds) if kinds else "any"


def run_scorer(
    scorer: Scorer,
    world: World,
    at: object = None,
    *,
    time_limit: float | None = None,
    truth: np.ndarray | None = None,
) -> pd.Series:
    """Call ``scorer.score`` and check the result against the contract.

    ``truth`` (a simulated world's ground truth) is passed to a :class:`TruthScorer` and to no
    other scorer. The scorer gets a read-only view of ``world``
    (:func:`auditkit.data.sealed.read_only_view`), so whatever it does to it, the next scorer
    sees the same world. Raises :class:`ScorerError` naming the scorer when it fails (also by
    ``sys.exit``), runs past
    ``time_limit`` seconds (in any thread: :mod:`auditkit.deadline`), returns something other
    than one finite score per account, or leaves the declared range.
    """
    try:
        view = read_only_view(world)
        own = getattr(scorer, "score_within", None)
        if isinstance(scorer, TruthScorer) and truth is not None:
            with deadline(time_limit):
                scores = scorer.score_truth(view, truth, at)
        elif own is not None:  # it enforces the limit itself (a worker process it can kill)
            scores = own(view, at, time_limit)
        else:  # a TruthScorer without the truth says why (TruthScorer.score)
            with deadline(time_limit):
                scores = scorer.score(view, at)
    except DeadlineExceeded:
        raise ScorerError(
            f"scorer {scorer.id!r} ran past the time limit of {time_limit:g} s "
            "(raise it with --time-limit)"
        ) from None
    except ScorerError:
        raise
    except SystemExit as exc:  # a plugin calling sys.exit() must not end the audit
        raise ScorerError(
            f"scorer {scorer.id!r} called sys.exit({excerpt(exc.code)}) while "
            "scoring; a scorer must return scores or raise"
        ) from None
    except Exception as exc:  # a third-party scorer's bug must not look like ours
        raise ScorerError(
            f"scorer {scorer.id!r} failed: {type(exc).__name__}: {excerpt(str(exc), 300)[1:-1]}"
        ) from exc
    if not isinstance(scores, pd.Series):
        raise ScorerError(
            f"scorer {scorer.id!r} returned {type(scores).__name__}; "
            "score() must return a pandas Series indexed by account id"
        )
    if len(scores) != len(world) or not scores.index.equals(world.ids):
        raise ScorerError(
            f"scorer {scorer.id!r} returned {len(scores)} scores for "
            f"{len(world)} accounts; index them by world.ids, one per account"
        )
    values = scores.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        bad = scores.index[~np.isfinite(values)][0]
        raise ScorerError(f"scorer {scorer.id!r} returned a non-finite score for account {bad!r}")
    lo, hi = scorer.bounds
    outside = (values < lo - 1e-9) | (values > hi + 1e-9)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise ScorerError(
            f"scorer {scorer.id!r} scored account {scores.index[i]!r} "
            f"{values[i]:g}, outside its declared range {lo:g}..{hi:g}"
        )
    return scores.astype(np.float64).rename(scorer.id)
