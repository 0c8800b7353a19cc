"""What the seeded scorers (``trustrank``, ``sybilrank``) share: their seed parameters, the label
oracle that vets seed candidates, and the proportional statement points.

Seeds come, in this order, from the ``seeds`` parameter (account ids, or the path of a file with
one id per line), from accounts labelled ``seed``, or from the scorer's own pick: candidates
ranked by the scorer's published heuristic and vetted by :func:`oracle`. The pick is made on the
world as it stood at ``seeds_as_of`` (default: the scoring time), so an attack added later
cannot make its target a seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic

from auditkit import World
from auditkit.errors import ParameterError, ScorerError

__all__ = [
    "SEED_LABEL",
    "TRUSTED_LABELS",
    "UNTRUSTED_LABELS",
    "Seeds",
    "labels_of",
    "oracle",
    "seed_ids_from",
    "parse_seeds_value",
    "parse_time_value",
    "resolve_given_seeds",
    "seed_snapshot",
    "top_with_ties",
    "proportional_points",
    "seeds_field",
    "seeds_as_of_field",
]

#: Accounts labelled ``seed`` are vetted seeds (used when the ``seeds`` parameter is not set).
SEED_LABEL = "seed"
#: Labels the oracle vouches for: a candidate with one of them may become a seed.
TRUSTED_LABELS = frozenset({"seed", "human", "institution", "celebrity"})
#: Labels the oracle rejects. Any other label, or none, is unknown and is not a seed either: an
#: oracle that cannot vouch for an account does not make it a seed.
UNTRUSTED_LABELS = frozenset({"bot", "spam", "fake", "sybil"})

SeedSource = Literal["param", "labels", "pick", "none"]


@dataclass(frozen=True)
class Seeds:
    """The seed accounts (codes, sorted), how they were chosen, and what the oracle was asked."""

    codes: np.ndarray
    source: SeedSource
    note: str
    #: accounts put to the oracle by the pick, best candidate first (empty otherwise)
    candidates: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: when the seeds were vetted (the snapshot the pick was made on), None for a timeless world
    as_of: pd.Timestamp | None = None


def labels_of(world: World) -> np.ndarray | None:
    """Lower-cased, stripped labels as an object array ('' where missing), or None without a
    ``label`` column."""
    if "label" not in world.accounts:
        return None
    # normalise each distinct label once, then spread (10 million accounts have a handful)
    codes, uniques = pd.factorize(world.accounts["label"])
    names = pd.Series(uniques).astype("string").fillna("").str.strip().str.lower()
    return np.append(names.to_numpy(dtype=object), "")[codes]  # code -1 (missing): ''


def oracle(world: World, codes: np.ndarray) -> np.ndarray:
    """The oracle's verdict on ``codes``: True where the account's label is trusted.

    TrustRank and SybilRank both have people vet seed candidates (an expert, Tuenti's staff);
    the world's ``label`` column stands in for them: ``seed``, ``human``, ``institution`` and
    ``celebrity`` are vouched for; ``bot``, ``spam``, ``fake``, ``sybil``, any other label and a
    missing label are not.
    """
    labels = labels_of(world)
    codes = np.asarray(codes, dtype=np.int64)
    if labels is None:
        return np.zeros(len(codes), bool)
    return np.isin(labels[codes], list(TRUSTED_LABELS))


def parse_seeds_value(value: Any) -> Any:
    """Pydantic before-validator of ``seeds``: a list of ids (numbers become their text), a
    path (a string), or None."""
    if value is None or isinstance(value, str | Path):
        return None if value is None else str(value)
    if isinstance(value, list | tuple):
        out = []
        for v in value:
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            out.append(str(v))
        return tuple(out)
    return value


def parse_time_value(value: Any) -> str | None:
    """Pydantic before-validator of ``seeds_as_of``: a time (ISO-8601 text, unix seconds, a
    date or datetime) as ISO-8601 UTC text."""
    if value is None:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            ts = pd.Timestamp(float(value), unit="s")
        else:
            ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"cannot read time {value!r}; write ISO-8601 (2024-05-01T12:00:00Z) or unix seconds"
        ) from exc
    if ts is pd.NaT:
        raise ValueError(f"cannot read time {value!r}")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.isoformat()


def seed_ids_from(scorer_id: str, value: tuple[str, ...] | str | None) -> tuple[str, ...] | None:
    """The seed ids a ``seeds`` value names: the list itself, or the ids in the file it names
    (one per line; blank lines, ``#`` comments and a first line ``account`` are skipped)."""
    if value is None or isinstance(value, tuple):
        return value
    path = Path(value)
    if not path.is_file():
        raise ParameterError(
            f"scorer {scorer_id!r} parameter 'seeds': {value!r} is not a file; give a list of "
            "account ids (seeds=[u1, u2]) or the path of a file with one id per line"
        )
    ids = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        text = line.split("#", 1)[0].strip()
        if not text or (i == 0 and text == "account"):
            continue
        ids.append(text)
    if not ids:
        raise ParameterError(
            f"scorer {scorer_id!r} parameter 'seeds': the file {value!r} "
            "names no account; write one account id per line"
        )
    return tuple(ids)


def resolve_given_seeds(scorer_id: str, world: World, ids: tuple[str, ...]) -> np.ndarray:
    """Codes of explicitly given seed ids (sorted, unique); :class:`ScorerError` naming the
    first id that is not in ``world``."""
    codes = world.ids.get_indexer(pd.Index(list(ids), dtype=object))
    if (codes < 0).any():
        bad = ids[int(np.flatnonzero(codes < 0)[0])]
        raise ScorerError(
            f"scorer {scorer_id!r} parameter 'seeds': account {bad!r} is not in "
            f"this world of {len(world):,} accounts; check the id (ids are "
            "case-sensitive strings)"
        )
    return np.unique(codes).astype(np.int64)


def seed_snapshot(
    world: World, at: pd.Timestamp | None, seeds_as_of: str | None
) -> tuple[World, pd.Timestamp | None]:
    """The world the seed pick is made on: as of ``seeds_as_of`` when given, else as of
    ``at`` (the scoring time); and that time."""
    t = pd.Timestamp(seeds_as_of) if seeds_as_of is not None else at
    if t is None:
        return world, None
    return world.as_of(t), t


def top_with_ties(values: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Codes of the ``k`` eligible accounts with the highest ``values``, best first; accounts
    tied with the ``k``-th are all included, so the pick never depends on table order."""
    codes = np.flatnonzero(eligible)
    if not len(codes) or k <= 0:
        return np.zeros(0, np.int64)
    if len(codes) > 4 * k + 64:  # only the candidates at or above the k-th value are ordered
        vals = values[codes]
        cut = np.partition(vals, len(vals) - k)[len(vals) - k]
        codes = codes[vals >= cut]
    order = codes[np.lexsort((codes, -values[codes]))]
    if len(order) <= k:
        return order.astype(np.int64)
    cut = values[order[k - 1]]
    return order[values[order] >= cut].astype(np.int64)


def proportional_points(total: float, raw: np.ndarray) -> np.ndarray:
    """Split ``total`` over ``raw`` in proportion (all on the first line when ``raw`` sums to
    0), rounded to multiples of ``ulp(total)`` whose sum is ``total`` exactly.

    As multiples of ``q = ulp(total)`` adding up to ``total`` (the rounding remainder goes to
    the largest line), every partial sum is a multiple of ``q`` no larger than ``total``, hence
    exact in floating point, in any summation order.
    """
    raw = np.asarray(raw, dtype=np.float64)
    s = raw.sum()
    if s > 0:
        points = total * raw / s
    else:
        points = np.zeros(len(raw))
        if len(raw):
            points[0] = total
    if not len(points) or total <= 0 or not math.isfinite(total):
        return points
    q = float(np.spacing(total))
    units = np.rint(points / q).astype(np.int64)
    units[int(np.argmax(units))] += int(round(total / q)) - int(units.sum())
    return units.astype(np.float64) * q


def seeds_field() -> Any:
    """The ``seeds`` parameter field, shared by the seeded scorers."""
    return pydantic.Field(
        None,
        description="trusted seed accounts: a list of account ids, or the path of a file "
        "with one id per line; default: accounts labelled 'seed', else the scorer's own pick "
        "vetted by the label oracle",
    )


def seeds_as_of_field() -> Any:
    """The ``seeds_as_of`` parameter field, shared by the seeded scorers."""
    return pydantic.Field(
        None,
        description="pick the seeds on the world as it stood at this time (ISO-8601 or "
        "unix seconds), so accounts an attack boosted later cannot become seeds; default: the "
        "scoring time",
    )
