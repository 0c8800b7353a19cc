"""The scorer conformance suite: ``check_scorer`` and ``parametrize_with_checks``.

Modelled on scikit-learn's ``sklearn.utils.estimator_checks`` (``check_estimator``,
``parametrize_with_checks``, ``expected_failed_checks={"check": "reason"}``). Every check is a
plain function ``check_<property>(scorer)`` that returns ``None`` or raises :class:`CheckFailed`,
whose message names the scorer, the check and a minimal counterexample (shrunk by hypothesis and
printed with :func:`auditkit.strategies.describe_world`). The scorer's capability tags decide
which checks apply (:data:`CHECKS`, :func:`yield_checks`).

Two kinds of checks:

- **api**: the contract of ``docs/plugins.md``; every scorer must pass them (finite scores within
  ``scorer.bounds``, one per account of the world, deterministic, no mutation, invariant to
  account names and table row order, empty and degenerate worlds, ``explain`` adds up);
- **behaviour**: properties an influence score should have (CheckList's directional and
  invariance tests, Ribeiro et al. ACL 2020). A failure is a finding about the scorer, so they
  are where ``expected_failed_checks`` documents a scorer's known flaws.

Property checks run hypothesis with ``derandomize=True`` and no example database: the same
scorer gets the same verdict on every machine, which strict expected failures need. They ignore
``HYPOTHESIS_PROFILE`` on purpose; ``max_examples`` (default :data:`DEFAULT_MAX_EXAMPLES`) is
the only knob.
"""

from __future__ import annotations

import functools
import math
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import yaml
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from tabulate import tabulate

from auditkit.errors import AuditkitError
from auditkit.scorer import Scorer, Statement
from auditkit.strategies import DEFAULT_START, accounts, describe_world, worlds
from auditkit.world import ACTIONS, REACTIONS, World

__all__ = [
    "BOUGHT_FOLLOWERS_BOUND",
    "CHECKS",
    "CheckFailed",
    "CheckInfo",
    "CheckReport",
    "CheckResult",
    "DEFAULT_MAX_EXAMPLES",
    "RTOL",
    "SHRINK_BUDGET",
    "SILENCE_DAYS",
    "SPAM_GAP_BOUND",
    "STATUSES",
    "SYBIL_BOUND",
    "check_accounts_without_events",
    "check_bought_followers_bounded",
    "check_deterministic",
    "check_does_not_mutate_world",
    "check_empty_world",
    "check_explain_sums_to_score",
    "check_isolated_accounts",
    "check_monotone_in_engagement",
    "check_no_rise_in_silence",
    "check_relabel_invariant",
    "check_row_order_invariant",
    "check_scorer",
    "check_scores_finite_in_range",
    "check_scores_only_world_accounts",
    "check_single_account",
    "check_spam_below_conversationalists",
    "check_sybil_gain_bounded",
    "parametrize_with_checks",
    "scorer_label",
    "yield_checks",
]

#: Examples each property check draws unless ``max_examples`` says otherwise.
DEFAULT_MAX_EXAMPLES = 25
#: Most percentile points (and % of the score range) a target fed by a sybil region may gain as
#: the region grows from 1 to up to 40 accounts behind the same attack edges (SybilRank's bound:
#: trust entering a region is limited by its attack edges, not its size; Cao et al., NSDI 2012).
SYBIL_BOUND = 10.0
#: Most percentile points (median member, mean over seeds) that 100 bought dead followers may
#: add: the ``bought-followers`` scenario's acceptable gain (flaw F7).
BOUGHT_FOLLOWERS_BOUND = 5.0
#: Spam accounts' median percentile minus conversationalists' must be at most this (flaw F1,
#: the ``spam-squirrel`` scenario).
SPAM_GAP_BOUND = 0.0
#: Relative (and, times the width of the score range, absolute) tolerance of equalities.
RTOL = 1e-9
#: Examples a property check may still run to shrink a failure once it has found one.
SHRINK_BUDGET = 150

_CHECK_SEEDS = (0, 1, 2)


# ---------------------------------------------------------------------------------------------
# errors and results


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

STATUSES = ("pass", "fail", "xfail", "xpass", "skip")


@dataclass(frozen=True)
class CheckResult:
    """One row of a :class:`CheckReport`."""

    scorer: str
    check: str
    kind: str
    status: str
    message: str
    reason: str = ""
    seconds: float = 0.0


class CheckReport:
    """The verdicts of :func:`check_scorer`: one :class:`CheckResult` per check.

    ``status`` is ``pass``, ``fail`` (an unexpected failure), ``xfail`` (failed as declared in
    ``expected_failed_checks``), ``xpass`` (declared to fail but passed: the declaration is out
    of date) or ``skip`` (the scorer lacks the tags the check needs). :attr:`ok` is false when
    any check is ``fail`` or ``xpass``.
    """

    def __init__(self, scorer: str, results: list[CheckResult]) -> None:
        self.scorer = scorer
        self.results = list(results)

    @property
    def ok(self) -> bool:
        return not any(r.status in ("fail", "xpass") for r in self.results)

    @property
    def unexpected(self) -> list[CheckResult]:
        """The ``fail`` and ``xpass`` rows."""
        return [r for r in self.results if r.status in ("fail", "xpass")]

    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.results) for s in STATUSES}

    def to_frame(self) -> pd.DataFrame:
        """One row per check: scorer, check, kind, status, message, reason, seconds."""
        return pd.DataFrame([r.__dict__ for r in self.results],
                            columns=["scorer", "check", "kind", "status", "message", "reason",
                                     "seconds"])

    def to_dict(self) -> dict[str, Any]:
        return {"format": "auditkit-check-report", "version": 1, "scorer": self.scorer,
                "ok": self.ok, "counts": self.counts(),
                "checks": [r.__dict__ for r in self.results]}

    def render(self, fmt: str = "table") -> str:
        """The report as text: ``table`` (a verdict per check, then the counterexamples) or
        ``json``."""
        if fmt == "json":
            import json

            return json.dumps(self.to_dict(), indent=2) + "\n"
        if fmt != "table":
            raise AuditkitError(f"unknown report format {fmt!r}; use 'table' or 'json'")
        rows = [[r.check, r.kind, r.status.upper() if r.status in ("fail", "xpass") else r.status,
                 _verdict(r)] for r in self.results]
        out = [f"Conformance checks of scorer {self.scorer}", "",
               tabulate(rows, headers=["check", "kind", "status", "verdict"],
                        disable_numparse=True, maxcolwidths=[None, None, None, 64]), ""]
        details = [r for r in self.results if r.status in ("fail", "xfail", "xpass")]
        for r in details:
            out += [f"--- {r.check} ({r.status})"]
            if r.reason:
                out.append(f"expected to fail: {r.reason}")
            out += [r.message, ""]
        counts = self.counts()
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        out.append(f"{self.scorer}: {summary}; "
                   + ("ok" if self.ok else f"NOT OK ({len(self.unexpected)} unexpected)"))
        return "\n".join(out) + "\n"

    def __repr__(self) -> str:
        return f"<CheckReport {self.scorer}: {self.counts()}, ok={self.ok}>"


def _verdict(r: CheckResult) -> str:
    if r.status == "pass":
        return CHECKS[r.check].asserts
    if r.status == "skip":
        return r.message
    if r.status == "xpass":
        return r.message
    first = r.message.split("\n", 1)[0]
    prefix = f"scorer {r.scorer} failed {r.check}: "
    return first[len(prefix):] if first.startswith(prefix) else first


# ---------------------------------------------------------------------------------------------
# helpers


def scorer_label(scorer: Scorer) -> str:
    """The scorer's id, with its non-default parameters: ``kred[measure=outreach]``."""
    changed = scorer.params.model_dump(exclude_defaults=True)
    if not changed:
        return scorer.id
    return f"{scorer.id}[{','.join(f'{k}={v}' for k, v in sorted(changed.items()))}]"


def _register(kind: str, asserts: str, needs: tuple[str, ...] = ()
              ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def deco(fn: Callable[..., None]) -> Callable[..., None]:
        CHECKS[fn.__name__] = CheckInfo(fn.__name__, fn, kind, frozenset(needs), asserts)
        return fn
    return deco


class _Violation(Exception):
    """Raised inside a property; becomes :class:`CheckFailed` after shrinking."""

    def __init__(self, detail: str, example: str) -> None:
        super().__init__(detail)
        self.detail, self.example = detail, example


def _settings(max_examples: int | None, shrink: bool = True) -> settings:
    if max_examples is not None and (isinstance(max_examples, bool)
                                     or not isinstance(max_examples, int) or max_examples < 1):
        raise AuditkitError(f"max_examples must be a whole number of at least 1, got "
                            f"{max_examples!r}")
    n = DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples
    phases = (Phase.explicit, Phase.generate) + ((Phase.shrink,) if shrink else ())
    return settings(max_examples=n, derandomize=True, database=None, deadline=None,
                    verbosity=Verbosity.quiet, report_multiple_bugs=False,
                    suppress_health_check=list(HealthCheck), phases=phases)


def _key(example: Any) -> str:
    """A complete text form of an example (worlds as all their rows), to recognise it again."""
    if isinstance(example, World):
        drawn = getattr(example, "_drawn", None)
        return repr(drawn) if drawn is not None else describe_world(example, max_rows=10**9)
    if isinstance(example, tuple | list):
        return "(" + ", ".join(_key(e) for e in example) + ")"
    return repr(example)


class _Shrinking:
    """Bounds the cost of shrinking: after the first failure, at most :data:`SHRINK_BUDGET`
    more examples run the property; later ones count as passing unless they are failures
    already seen (hypothesis replays the minimal one). Deterministic, unlike hypothesis's own
    five-minute limit, so the counterexample is the same on every machine."""

    def __init__(self) -> None:
        self.left: int | None = None
        self.seen: dict[str, _Violation] = {}

    def __call__(self, body: Callable[[Any], None], example: Any) -> None:
        if self.left is None:
            try:
                body(example)
            except _Violation as v:
                self.left = SHRINK_BUDGET
                self.seen[_key(example)] = v
                raise
            return
        key = _key(example)
        if key in self.seen:
            raise self.seen[key]
        if self.left <= 0:
            return
        self.left -= 1
        try:
            body(example)
        except _Violation as v:
            self.seen[key] = v
            raise


def _for_all(scorer: Scorer, check: str, strategy: st.SearchStrategy,
             body: Callable[[Any], None], max_examples: int | None, shrink: bool) -> None:
    """Run ``body`` on examples of ``strategy``; a :class:`_Violation` becomes CheckFailed
    (with the example shrunk unless ``shrink`` is false)."""
    shrinking = _Shrinking()

    @_settings(max_examples, shrink)
    @given(strategy)
    def run(example: Any) -> None:
        shrinking(body, example)

    try:
        run()
    except _Violation as v:
        raise CheckFailed(scorer_label(scorer), check, v.detail, v.example) from None
    except Flaky as exc:
        found = _first_violation(exc)
        if found is None:
            raise
        raise CheckFailed(scorer_label(scorer), check, found.detail + " (this did not happen "
                          "again when the same example was re-run: the scorer is not "
                          "deterministic)", found.example) from None


def _first_violation(exc: BaseException) -> _Violation | None:
    if isinstance(exc, _Violation):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _first_violation(inner)
        if found is not None:
            return found
    return None


def _width(scorer: Scorer) -> float:
    lo, hi = scorer.bounds
    width = float(hi) - float(lo)
    return width if math.isfinite(width) and width > 0 else 1.0


def _score(scorer: Scorer, world: World, at: object, example: Callable[[], str]) -> pd.Series:
    """``scorer.score`` with any exception turned into a violation naming the example."""
    try:
        return scorer.score(world, at)
    except Exception as exc:
        raise _Violation(f"score() raised {type(exc).__name__}: {exc}", example()) from None


def _values(scorer: Scorer, world: World, at: object, example: Callable[[], str]
            ) -> np.ndarray:
    """Scores as floats after checking they are one finite value per account within bounds."""
    scores = _score(scorer, world, at, example)
    if not isinstance(scores, pd.Series):
        raise _Violation(f"score() returned {type(scores).__name__}, not a pandas Series "
                         "indexed by world.ids", example())
    if len(scores) != len(world) or not scores.index.equals(world.ids):
        raise _Violation(f"score() returned {len(scores)} scores indexed "
                         f"{_short(list(scores.index))} for the {len(world)} accounts "
                         f"{_short(list(world.ids))}; index them by world.ids, in order",
                         example())
    try:
        values = scores.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise _Violation(f"score() returned values that are not numbers ({exc})",
                         example()) from None
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _Violation(f"score() gave account {world.ids[i]!r} the non-finite score "
                         f"{values[i]!r}", example())
    lo, hi = scorer.bounds
    outside = (values < lo - 1e-9) | (values > hi + 1e-9)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise _Violation(f"score() gave account {world.ids[i]!r} the score {values[i]:.10g}, "
                         f"outside the declared bounds {lo:g}..{hi:g}", example())
    return values


def _short(items: list, n: int = 6) -> str:
    shown = ", ".join(repr(x) for x in items[:n])
    return "[" + shown + (", ..." if len(items) > n else "") + "]"


def _at_text(at: object) -> str:
    return "at the world's end" if at is None else f"at {pd.Timestamp(at).isoformat()}"


def _shown(world: World, *notes: str) -> Callable[[], str]:
    return lambda: "\n".join([describe_world(world), *notes])


def _fresh(world: World, stem: str) -> str:
    taken = set(map(str, world.ids))
    name, i = stem, 0
    while name in taken:
        i += 1
        name = f"{stem}-{i}"
    return name


Follow = tuple[str, str, pd.Timestamp]
Event = tuple[pd.Timestamp, str, str, "str | None", "str | None"]


def _extend_validated(world: World, new_accounts: list[str], follows: list[Follow],
                      events: list[Event]) -> World:
    """A validated copy of ``world`` with accounts, follows and events appended."""
    t = world.tables()
    acc = t["accounts"]
    if new_accounts:
        acc = pd.concat([acc, pd.DataFrame({"account": list(new_accounts)})],
                        ignore_index=True)
    fol = t["follows"]
    if follows:
        rows = pd.DataFrame(follows, columns=["follower", "followee", "time"])
        rows["time"] = pd.Series(rows["time"], dtype="datetime64[ns, UTC]")
        fol = pd.concat([fol, rows] if len(fol) else [rows], ignore_index=True)
    ev = t["events"]
    if events:
        rows = pd.DataFrame(events, columns=["time", "actor", "action", "target", "post"])
        rows["time"] = pd.Series(rows["time"], dtype="datetime64[ns, UTC]")
        ev = pd.concat([ev, rows] if len(ev) else [rows], ignore_index=True)
    return World(accounts=acc, follows=fol, events=ev)


def _naive(times: pd.Series | list) -> np.ndarray:
    """UTC times as naive ``datetime64[ns]`` (what ``World.from_codes`` reads)."""
    return pd.Series(times, dtype="datetime64[ns, UTC]").dt.tz_convert(None).to_numpy()


_CODED_FOLLOWS = {"follower", "followee", "time"}
_CODED_EVENTS = {"time", "actor", "action", "target", "post", "network"}


def _parts(world: World) -> dict[str, Any] | None:
    """The world as arrays for ``World.from_codes`` (None if it has columns that this does not
    carry, such as ``until`` or ``link``)."""
    f, e = world.follows, world.events
    if set(f.columns) - _CODED_FOLLOWS or set(e.columns) - _CODED_EVENTS:
        return None
    actor, action, target = world.event_codes
    return {
        "ids": [str(a) for a in world.ids],
        "extra": {c: world.accounts[c].reset_index(drop=True)
                  for c in world.accounts.columns if c != "account"},
        "src": f["follower"].cat.codes.to_numpy(np.int64),
        "dst": f["followee"].cat.codes.to_numpy(np.int64),
        "ftime": _naive(f["time"]) if "time" in f else None,
        "etime": _naive(e["time"]), "actor": actor.astype(np.int64),
        "action": action.astype(np.int8), "target": target.astype(np.int64),
        "post": np.array(e["post"].tolist() if "post" in e else [None] * len(e), dtype=object),
        "network": list(e["network"]) if "network" in e else None}


def _build(p: dict[str, Any]) -> World:
    n = len(p["ids"])
    extra = {c: v.reindex(range(n)) for c, v in p["extra"].items()}
    kw: dict[str, Any] = {}
    if len(p["src"]) or p["ftime"] is not None:
        kw.update(follower=p["src"], followee=p["dst"])
        if p["ftime"] is not None:
            kw["follow_time"] = p["ftime"]
    if len(p["actor"]):
        kw.update(event_time=p["etime"], actor=p["actor"], action=p["action"],
                  target=p["target"], post=p["post"])
        if p["network"] is not None:
            kw["events_extra"] = {"network": pd.Categorical(p["network"])}
    return World.from_codes(p["ids"], accounts_extra=extra, **kw)


def _extend(world: World, *, new_accounts: list[str] | tuple[str, ...] = (),
            follows: list[Follow] | None = None, events: list[Event] | None = None) -> World:
    """A copy of ``world`` with accounts, follows and events appended (new ids must be new, new
    follows must not repeat old ones). Built from integer codes with ``World.from_codes``,
    several times faster than validating the tables again (the property checks build
    thousands of worlds); worlds with columns it does not carry (``until``, ``link``) take the
    validated path."""
    new_accounts, follows, events = list(new_accounts), follows or [], events or []
    p = _parts(world)
    if p is None:
        return _extend_validated(world, new_accounts, follows, events)
    p["ids"] = p["ids"] + new_accounts
    code = {a: i for i, a in enumerate(p["ids"])}
    if follows:
        p["src"] = np.concatenate([p["src"], [code[a] for a, _, _ in follows]]).astype(np.int64)
        p["dst"] = np.concatenate([p["dst"], [code[b] for _, b, _ in follows]]).astype(np.int64)
        old = p["ftime"] if p["ftime"] is not None else \
            np.full(len(world.follows), np.datetime64("NaT", "ns"))
        p["ftime"] = np.concatenate([old, _naive([t for *_, t in follows])])
    if events:
        p["etime"] = np.concatenate([p["etime"], _naive([x[0] for x in events])])
        p["actor"] = np.concatenate([p["actor"], [code[x[1]] for x in events]]).astype(np.int64)
        p["action"] = np.concatenate([p["action"], [ACTIONS.index(x[2]) for x in events]]
                                     ).astype(np.int8)
        p["target"] = np.concatenate([p["target"], [-1 if x[3] is None else code[x[3]]
                                                    for x in events]]).astype(np.int64)
        p["post"] = np.array(list(p["post"]) + [x[4] for x in events], dtype=object)
        if p["network"] is not None:
            p["network"] = p["network"] + [np.nan] * len(events)
    return _build(p)


def _rebuild(world: World, *, ids: list[str] | None = None, follow_rows: Any = None,
             event_rows: Any = None) -> World:
    """``world`` with its accounts renamed to ``ids`` (same order) and/or only the follow and
    event rows at the given positions, in that order (events are re-sorted by time, stably,
    as any world is)."""
    p = _parts(world)
    if p is None:  # the validated way
        t = world.tables()
        if ids is not None:
            mapping = dict(zip(map(str, world.ids), ids, strict=True))
            for name, cols in (("accounts", ("account",)), ("follows", ("follower", "followee")),
                               ("events", ("actor", "target"))):
                for col in cols:
                    if col in t[name]:
                        t[name][col] = t[name][col].map(
                            lambda v: v if v is None or pd.isna(v) else mapping[str(v)])
        if follow_rows is not None:
            t["follows"] = t["follows"].iloc[list(follow_rows)]
        if event_rows is not None:
            t["events"] = t["events"].iloc[list(event_rows)]
        return World(**t)
    if ids is not None:
        p["ids"] = list(ids)
    if follow_rows is not None:
        rows = np.asarray(follow_rows, dtype=np.int64)
        p["src"], p["dst"] = p["src"][rows], p["dst"][rows]
        if p["ftime"] is not None:
            p["ftime"] = p["ftime"][rows]
    if event_rows is not None:
        rows = np.asarray(event_rows, dtype=np.int64)
        for key in ("etime", "actor", "action", "target", "post"):
            p[key] = p[key][rows]
        if p["network"] is not None:
            p["network"] = [p["network"][i] for i in rows]
    return _build(p)


def _worlds_for(scorer: Scorer, **kw: Any) -> st.SearchStrategy[World]:
    """Drawn worlds with the columns the scorer's tags say it reads. For a scorer that reads
    profile counts, half the worlds have no follow edges: audiences known only from
    ``followers_count``, as in crawled data."""
    tags = set(scorer.tags)
    opts: dict[str, Any] = {"max_accounts": 12, "max_follows": 30, "max_events": 30,
                            "labels": bool(tags & {"labels", "seeds"}),
                            "counts": "counts" in tags}
    opts |= kw
    if opts["counts"] and opts["max_follows"]:
        return st.one_of(worlds(**(opts | {"max_follows": 0})), worlds(**opts))
    return worlds(**opts)


def _percentile(honest: np.ndarray, value: float, tol: float) -> float:
    below = float((honest < value - tol).sum())
    ties = float((np.abs(honest - value) <= tol).sum())
    return 100.0 * (below + 0.5 * ties) / max(len(honest), 1)


# ---------------------------------------------------------------------------------------------
# API checks


@_register("api", "every score is a finite number within scorer.bounds, at any time")
def check_scores_finite_in_range(scorer: Scorer, *, max_examples: int | None = None,
                                 shrink: bool = True) -> None:
    """Scores are finite and within ``scorer.bounds`` on drawn worlds, at the world's end and at
    times before, inside and after it."""
    offsets = st.one_of(st.none(), st.integers(-5, 90))

    def body(example: tuple[World, int | None]) -> None:
        world, offset = example
        origin = world.start if world.start is not None else DEFAULT_START
        at = None if offset is None else origin + pd.Timedelta(days=offset)
        _values(scorer, world, at, _shown(world, f"scored {_at_text(at)}"))

    strategy = st.tuples(_worlds_for(scorer, created="time" in scorer.tags), offsets)
    _for_all(scorer, "check_scores_finite_in_range", strategy, body, max_examples, shrink)


@_register("api", "score() returns one value per account of the world, indexed by world.ids")
def check_scores_only_world_accounts(scorer: Scorer, *, max_examples: int | None = None,
                                     shrink: bool = True) -> None:
    """The result is a Series whose index equals ``world.ids`` (same accounts, same order):
    every account is scored and nothing else is."""

    def body(world: World) -> None:
        scores = _score(scorer, world, None, _shown(world))
        if not isinstance(scores, pd.Series):
            raise _Violation(f"score() returned {type(scores).__name__}, not a pandas Series",
                             describe_world(world))
        if not scores.index.equals(world.ids):
            extra = [a for a in scores.index if a not in set(world.ids)]
            missing = [a for a in world.ids if a not in set(scores.index)]
            what = (f"scored accounts not in the world {_short(extra)}" if extra else
                    f"left out accounts {_short(missing)}" if missing else
                    f"indexed the scores as {_short(list(scores.index))} instead of "
                    f"world.ids {_short(list(world.ids))}")
            raise _Violation(what, describe_world(world))

    _for_all(scorer, "check_scores_only_world_accounts", _worlds_for(scorer), body,
             max_examples, shrink)


@_register("api", "scoring the same world twice, or an equal copy of it, gives equal scores")
def check_deterministic(scorer: Scorer, *, max_examples: int | None = None,
                        shrink: bool = True) -> None:
    """``score`` is a pure function: the same world twice, and a rebuilt copy of it, give
    bit-for-bit the same scores."""

    def body(world: World) -> None:
        ex = _shown(world)
        first = _values(scorer, world, None, ex)
        second = _values(scorer, world, None, ex)
        copy = _values(scorer, _rebuild(world), None, ex)
        for name, other in (("a second call", second), ("an equal copy of the world", copy)):
            if not np.array_equal(first, other):
                i = int(np.flatnonzero(first != other)[0])
                raise _Violation(f"{name} scored account {world.ids[i]!r} {other[i]:.10g}, the "
                                 f"first call {first[i]:.10g}", ex())

    _for_all(scorer, "check_deterministic", _worlds_for(scorer), body, max_examples,
             shrink)


def _views(world: World) -> dict[str, Any]:
    return {"follow_codes": world.follow_codes, "event_codes": world.event_codes,
            "event_time_ns": world.event_time_ns, "in_degree": world.in_degree,
            "out_degree": world.out_degree}


@_register("api", "score() and explain() leave the world's tables and cached arrays unchanged")
def check_does_not_mutate_world(scorer: Scorer, *, max_examples: int | None = None,
                                shrink: bool = True) -> None:
    """The three tables and the cached numeric views (``follow_codes``, ``event_codes``, ...)
    are equal before and after ``score`` and ``explain``."""

    def body(world: World) -> None:
        tables = {"accounts": world.accounts.copy(deep=True),
                  "follows": world.follows.copy(deep=True),
                  "events": world.events.copy(deep=True)}
        views = {k: tuple(np.array(a, copy=True) for a in v) if isinstance(v, tuple)
                 else np.array(v, copy=True) for k, v in _views(world).items()}
        ex = _shown(world)
        scores = _score(scorer, world, None, ex)
        if len(world):
            account = str(world.ids[0])
            try:
                scorer.explain(world, account)
            except Exception as exc:
                raise _Violation(f"explain({account!r}) raised {type(exc).__name__}: {exc}",
                                 ex()) from None
        for name, before in tables.items():
            after = getattr(world, name)
            try:
                pd.testing.assert_frame_equal(after, before, check_exact=True)
            except AssertionError as exc:
                raise _Violation(f"the {name} table changed while scoring: "
                                 f"{str(exc).strip().splitlines()[0]}", ex()) from None
        for name, before in views.items():
            after = _views(world)[name]
            pairs = zip(after, before, strict=True) if isinstance(before, tuple) else \
                [(after, before)]
            if not all(np.array_equal(a, b) for a, b in pairs):
                raise _Violation(f"the cached array world.{name} changed while scoring",
                                 ex())
        del scores

    _for_all(scorer, "check_does_not_mutate_world", _worlds_for(scorer), body, max_examples,
             shrink)


@st.composite
def _relabelled(draw: st.DrawFn, base: st.SearchStrategy[World]) -> tuple[World, list[str]]:
    world = draw(base)
    new = draw(st.lists(accounts(), min_size=len(world), max_size=len(world), unique=True))
    return world, new


def _compare(scorer: Scorer, a: np.ndarray, b: np.ndarray) -> int | None:
    """Position of the first value that differs beyond the tolerance, or None."""
    close = np.isclose(a, b, rtol=RTOL, atol=RTOL * _width(scorer))
    return None if close.all() else int(np.flatnonzero(~close)[0])


@_register("api", "renaming every account consistently gives each renamed account its score")
def check_relabel_invariant(scorer: Scorer, *, max_examples: int | None = None,
                            shrink: bool = True) -> None:
    """Consistently renaming account ids (to drawn ids such as ``"7"``, ``"A.b"``) leaves every
    account's score unchanged (within a relative 1e-9)."""

    def body(example: tuple[World, list[str]]) -> None:
        world, new = example
        mapping = dict(zip(map(str, world.ids), new, strict=True))
        other = _rebuild(world, ids=new)
        ex = _shown(world, "renamed: " + ", ".join(f"{k} -> {v}" for k, v in mapping.items()))
        a = _values(scorer, world, None, ex)
        b = _values(scorer, other, None, ex)
        i = _compare(scorer, a, b)
        if i is not None:
            old = str(world.ids[i])
            raise _Violation(f"account {old!r} scored {a[i]:.10g}, but {b[i]:.10g} when "
                             f"renamed {mapping[old]!r}", ex())

    _for_all(scorer, "check_relabel_invariant", _relabelled(_worlds_for(scorer)), body,
             max_examples, shrink)


@st.composite
def _reordered(draw: st.DrawFn, base: st.SearchStrategy[World]
               ) -> tuple[World, list[int], list[int]]:
    world = draw(base)
    f = draw(st.permutations(range(len(world.follows))))
    e = draw(st.permutations(range(len(world.events))))
    return world, list(f), list(e)


@_register("api", "shuffling the rows of the follows and events tables changes no score")
def check_row_order_invariant(scorer: Scorer, *, max_examples: int | None = None,
                              shrink: bool = True) -> None:
    """The order of rows in the follows and events tables does not matter (events are kept in
    time order by the world, so only events with equal times can change places)."""

    def body(example: tuple[World, list[int], list[int]]) -> None:
        world, f, e = example
        other = _rebuild(world, follow_rows=f, event_rows=e)
        ex = _shown(world, f"follows rows reordered {f}", f"events rows reordered {e}")
        a = _values(scorer, world, None, ex)
        b = _values(scorer, other, None, ex)
        i = _compare(scorer, a, b)
        if i is not None:
            raise _Violation(f"account {world.ids[i]!r} scored {a[i]:.10g}, but {b[i]:.10g} "
                             "with the rows in another order", ex())

    _for_all(scorer, "check_row_order_invariant", _reordered(_worlds_for(scorer)), body,
             max_examples, shrink)


@_register("api", "a world without accounts gives an empty Series, with or without a time")
def check_empty_world(scorer: Scorer, *, max_examples: int | None = None,
                      shrink: bool = True) -> None:
    """An empty world (no accounts, follows or events) scores to an empty Series, both at its
    (undefined) end and at an explicit time."""
    world = World()
    for at in (None, DEFAULT_START):
        try:
            _values(scorer, world, at, _shown(world, f"scored {_at_text(at)}"))
        except _Violation as v:
            raise CheckFailed(scorer_label(scorer), "check_empty_world", v.detail,
                              v.example) from None


@_register("api", "a world of one account, with or without a post, is scored")
def check_single_account(scorer: Scorer, *, max_examples: int | None = None,
                         shrink: bool = True) -> None:
    """One account alone (no follows, no events), and one account with a single post, get a
    finite score within bounds."""
    alone = World(accounts={"account": ["solo"]})
    posted = World(events={"time": [DEFAULT_START], "actor": ["solo"], "action": ["post"],
                           "post": ["p0"]})
    for world in (alone, posted):
        for at in (None, DEFAULT_START + pd.Timedelta(days=1)):
            try:
                _values(scorer, world, at, _shown(world, f"scored {_at_text(at)}"))
            except _Violation as v:
                raise CheckFailed(scorer_label(scorer), "check_single_account", v.detail,
                                  v.example) from None


@_register("api", "accounts without follows or events get a finite score within bounds")
def check_isolated_accounts(scorer: Scorer, *, max_examples: int | None = None,
                            shrink: bool = True) -> None:
    """Adding one to three accounts that nobody follows and that do nothing keeps every score
    finite and within bounds, and the isolated accounts are scored too."""

    def body(example: tuple[World, int]) -> None:
        world, k = example
        names = [_fresh(world, f"isolated-{i}") for i in range(k)]
        grown = _extend(world, new_accounts=names)
        _values(scorer, grown, None, _shown(grown))

    _for_all(scorer, "check_isolated_accounts",
             st.tuples(_worlds_for(scorer), st.integers(1, 3)), body, max_examples, shrink)


@_register("api", "worlds with follows but no events, or events but no follows, are scored")
def check_accounts_without_events(scorer: Scorer, *, max_examples: int | None = None,
                                  shrink: bool = True) -> None:
    """The same drawn world with its events table emptied, and with its follows table emptied,
    scores finite values within bounds for every account."""

    def body(world: World) -> None:
        for other in (_rebuild(world, event_rows=[]), _rebuild(world, follow_rows=[])):
            _values(scorer, other, None, _shown(other))

    _for_all(scorer, "check_accounts_without_events", _worlds_for(scorer), body, max_examples,
             shrink)


@_register("api", "explain()'s points add up to the score (relative 1e-9) for a few accounts")
def check_explain_sums_to_score(scorer: Scorer, *, max_examples: int | None = None,
                                shrink: bool = True) -> None:
    """For the first, the last and the highest-scored account, ``explain`` returns a
    :class:`~auditkit.scorer.Statement` for that account whose points sum to its ``score``,
    which equals ``score()``'s value, within a relative 1e-9 (absolute: 1e-9 of the range)."""
    tol = RTOL * _width(scorer)

    def body(world: World) -> None:
        if not len(world):
            return
        ex = _shown(world)
        values = _values(scorer, world, None, ex)
        picks = sorted({0, len(world) - 1, int(np.argmax(values))})
        for i in picks:
            account = str(world.ids[i])
            try:
                statement = scorer.explain(world, account)
            except Exception as exc:
                raise _Violation(f"explain({account!r}) raised {type(exc).__name__}: {exc}",
                                 ex()) from None
            if not isinstance(statement, Statement):
                raise _Violation(f"explain({account!r}) returned {type(statement).__name__}, "
                                 "not an auditkit.Statement", ex())
            if statement.account != account:
                raise _Violation(f"explain({account!r}) returned the statement of "
                                 f"{statement.account!r}", ex())
            total = statement.total
            if not math.isclose(total, statement.score, rel_tol=RTOL, abs_tol=tol):
                raise _Violation(f"explain({account!r}): the points add up to {total:.12g}, "
                                 f"the statement's score is {statement.score:.12g} "
                                 f"(difference {total - statement.score:.3g})", ex())
            if not math.isclose(statement.score, values[i], rel_tol=RTOL, abs_tol=tol):
                raise _Violation(f"explain({account!r}) states the score {statement.score:.12g}"
                                 f", score() gives {values[i]:.12g}", ex())

    _for_all(scorer, "check_explain_sums_to_score", _worlds_for(scorer), body, max_examples,
             shrink)


# ---------------------------------------------------------------------------------------------
# behavioural checks


@_register("behaviour", "a reaction from a new, distinct account never lowers the score of "
           "the account reacted to", needs=("events",))
def check_monotone_in_engagement(scorer: Scorer, *, max_examples: int | None = None,
                                 shrink: bool = True) -> None:
    """Monotone in genuine engagement: an account's score with one more reaction (share, reply,
    mention or like) to one of its posts, from a new account that does nothing else, is at
    least its score without it (same world otherwise, new account present in both, same
    ``at``). Tried for the first three accounts that posted (one drawn post each); in a world
    without posts, a drawn account posts first."""
    strategy = st.tuples(_worlds_for(scorer, min_accounts=1), st.integers(0, 10**6),
                         st.integers(0, 10**6), st.sampled_from(REACTIONS))
    tol = RTOL * _width(scorer)

    def body(example: tuple[World, int, int, str]) -> None:
        world, a, p, action = example
        ev = world.tables()["events"]
        posts = ev[ev["action"] == "post"] if len(ev) else ev
        extra: list = []
        chosen: list[tuple[str, str | None]] = []
        if len(posts):
            for target, own in list(posts.groupby("actor", sort=True, observed=True))[:3]:
                row = own.iloc[p % len(own)]
                chosen.append((str(target), None if pd.isna(row.get("post", None))
                               else str(row["post"])))
        else:
            target, post = str(world.ids[a % len(world)]), _fresh(world, "check-post")
            extra.append((world.end or DEFAULT_START, target, "post", None, post))
            chosen.append((target, post))
        reactor = _fresh(world, "reactor")
        base = _extend(world, new_accounts=[reactor], events=extra)
        at = base.end
        before = _values(scorer, base, at, _shown(base))
        for target, post in chosen:
            treated = _extend(base, events=[(at, reactor, action, target, post)])
            ex = _shown(treated, f"scored at the end; the {action} by {reactor} is the last "
                        "event")
            i = treated.code_of(target)
            after = _values(scorer, treated, at, ex)[i]
            if after < before[i] - tol:
                raise _Violation(f"a {action} of {target}'s post {post} by the new account "
                                 f"{reactor} lowered {target}'s score from {before[i]:.6g} to "
                                 f"{after:.6g}", ex())

    _for_all(scorer, "check_monotone_in_engagement", strategy, body, max_examples, shrink)


def _sybil_world(world: World, attackers: list[str], m: int, events: bool) -> World:
    """``world`` plus a sybil region of ``m`` accounts behind the attack edges
    ``attacker -> sybil-<j mod m>``, built as the optimal link farm of Gyöngyi and
    Garcia-Molina (VLDB 2005): every sybil follows ``sybil-target``, which follows them all
    back; with ``events``, the target posts once and every sybil shares the post."""
    when = world.end or DEFAULT_START
    sybils = [f"sybil-{i}" for i in range(m)]
    target = "sybil-target"
    follows: list = []
    for s in sybils:
        follows += [(s, target, when), (target, s, when)]
    follows += [(a, sybils[j % m], when) for j, a in enumerate(attackers)]
    evts: list = []
    if events:
        evts.append((when, target, "post", None, "sybil-post"))
        evts += [(when, s, "share", target, "sybil-post") for s in sybils]
    return _extend(world, new_accounts=[*sybils, target], follows=follows, events=evts)


@_register("behaviour", f"a target fed by a sybil region gains at most {SYBIL_BOUND:g} "
           "percentile points (and % of the score range) as the region grows from 1 to up to "
           "40 accounts behind the same attack edges", needs=("follows",))
def check_sybil_gain_bounded(scorer: Scorer, *, max_examples: int | None = None,
                             shrink: bool = True) -> None:
    """Bounded gain from a sybil region per attack edge: a drawn honest world of 10-20 accounts,
    ``k`` (1-3) of which follow a sybil. The sybils follow a target who follows them back (a
    link farm; with the ``events`` tag, each sybil also shares the target's post). When the
    region grows from 1 to ``m`` (10-40) sybils behind the same attack edges, the target may
    rise by at most :data:`SYBIL_BOUND` percentile points among the honest accounts and by at
    most :data:`SYBIL_BOUND` % of the score range. (SybilRank bounds what a region gains by its
    attack edges, not its size; flaw F9.)"""
    strategy = st.tuples(_worlds_for(scorer, min_accounts=10, max_accounts=20),
                         st.integers(1, 3), st.integers(10, 40),
                         st.lists(st.integers(0, 10**6), min_size=3, max_size=3))
    width = _width(scorer)
    tol = RTOL * width
    with_events = "events" in scorer.tags

    def body(example: tuple[World, int, int, list[int]]) -> None:
        world, k, m, picks = example
        ids = [str(a) for a in world.ids]
        attackers: list[str] = []
        for pick in picks[:k]:
            j = pick % len(ids)
            while ids[j] in attackers:
                j = (j + 1) % len(ids)
            attackers.append(ids[j])
        pct, score = [], []
        for size in (1, m):
            grown = _sybil_world(world, attackers, size, with_events)
            values = _values(scorer, grown, None, _shown(grown))
            score.append(float(values[grown.code_of("sybil-target")]))
            pct.append(_percentile(values[: len(ids)], score[-1], tol))
        gain, rise = pct[1] - pct[0], 100.0 * (score[1] - score[0]) / width
        if gain > SYBIL_BOUND + 1e-9 or rise > SYBIL_BOUND + 1e-9:
            edges = ", ".join(f"{a} -> sybil-{j}" for j, a in enumerate(attackers))
            farm = (f"plus a sybil region behind the attack edges {edges}: sybil-0.."
                    f"sybil-{m - 1} follow sybil-target, which follows them back"
                    + (", posts sybil-post and gets a share from every sybil" if with_events
                       else "") + " (with 1 sybil, every attack edge goes to sybil-0)")
            raise _Violation(
                f"with {k} attack edge(s), growing the region from 1 to {m} sybils moved "
                f"sybil-target from the {pct[0]:.1f}th to the {pct[1]:.1f}th percentile of the "
                f"honest accounts ({gain:+.1f} points) and its score from {score[0]:.4g} to "
                f"{score[1]:.4g} ({rise:+.1f}% of the range); the bound is {SYBIL_BOUND:g}",
                describe_world(world) + "\n" + farm)

    _for_all(scorer, "check_sybil_gain_bounded", strategy, body, max_examples, shrink)


#: Days after a world's end at which :func:`check_no_rise_in_silence` scores it again (around
#: the usual 30/60/90-day windows, and long after).
SILENCE_DAYS: tuple[int, ...] = (1, 2, 3, 5, 7, 10, 14, 20, 25, 29, 30, 31, 35, 40, 45, 50, 55,
                                 59, 60, 61, 65, 70, 75, 80, 85, 88, 89, 90, 91, 95, 100, 120,
                                 150, 180, 270, 365)


@_register("behaviour", "with no new events, a later time never raises a score",
           needs=("time",))
def check_no_rise_in_silence(scorer: Scorer, *, max_examples: int | None = None,
                             shrink: bool = True) -> None:
    """No rise during pure silence: scored at its end and then 1 to 365 days later
    (:data:`SILENCE_DAYS`), when nothing has happened since, no account's score ever rises
    from one of these times to the next."""
    tol = RTOL * _width(scorer)

    def body(world: World) -> None:
        if world.end is None:
            return
        ex = _shown(world, "scored at the end and " + ", ".join(map(str, SILENCE_DAYS))
                    + " days later")
        days, before = 0, _values(scorer, world, world.end, ex)
        for later in SILENCE_DAYS:
            now = _values(scorer, world, world.end + pd.Timedelta(days=later), ex)
            rise = now - before
            i = int(np.argmax(rise)) if len(rise) else 0
            if len(rise) and rise[i] > tol:
                raise _Violation(f"after {later} days of silence account {world.ids[i]!r} "
                                 f"rose from {before[i]:.6g} (after {days} days) to "
                                 f"{now[i]:.6g}", ex())
            days, before = later, now

    _for_all(scorer, "check_no_rise_in_silence", _worlds_for(scorer, days=120.0), body,
             max_examples, shrink)


def _scenario(kind: str) -> dict[str, Any]:
    """The scenarios behind the scenario-based checks (YAML-equivalent dicts): smaller versions
    of the bundled ``spam-squirrel`` and ``bought-followers`` scenarios."""
    population = {"accounts": 500, "days": 60, "communities": 4, "seed": 0}
    if kind == "spam":
        return {"id": "check-spam", "flaw": "F1",
                "title": "Spam accounts should not outrank conversationalists",
                "acceptable": "The spam bots' median percentile is at most the "
                              "conversationalists'.",
                "source": "auditkit.checks (the spam-squirrel scenario, smaller)",
                "population": population,
                "cohorts": [{"name": "squirrel", "behaviour": "spam_bot", "size": 5,
                             "params": {"posts_per_day": 200, "follows": 500,
                                        "follow_back": 0.1, "mentions_per_day": 10}},
                            {"name": "engaged", "behaviour": "conversationalist",
                             "size": 20}],
                "checks": [{"probe": "percentile_gap", "cohort": "squirrel",
                            "versus": "engaged",
                            "expect": {"kind": "minimum", "at_most": SPAM_GAP_BOUND}}]}
    return {"id": "check-bought-followers", "flaw": "F7",
            "title": "Bought dead followers should not raise a score",
            "acceptable": f"Buying 100 dead followers gains at most {BOUGHT_FOLLOWERS_BOUND:g} "
                          "percentile points.",
            "source": "auditkit.checks (the bought-followers scenario, smaller)",
            "population": population,
            "cohorts": [{"name": "buyers", "behaviour": "bought_followers", "size": 5,
                         "params": {"count": 100, "padding": 2}}],
            "checks": [{"probe": "gain", "cohort": "buyers",
                        "expect": {"kind": "minimum", "at_most": BOUGHT_FOLLOWERS_BOUND}}]}


@lru_cache(maxsize=8)
def _scenario_run(kind: str, seed: int):  # -> ScenarioRun with both worlds built
    from auditkit import behaviours
    from auditkit.plugins import Registry
    from auditkit.run import ScenarioRun
    from auditkit.scenario import Scenario

    registry = Registry(entry_points=False, plugins=[("behaviours", behaviours)])
    run = ScenarioRun(Scenario.model_validate(_scenario(kind)), seed, registry)
    run.treated, run.control  # noqa: B018 -- build both worlds once, outside any timing
    return run


def _scenario_text(kind: str) -> str:
    data = _scenario(kind)
    data["population"] = data["population"] | {"seed": _CHECK_SEEDS[0]}
    return (yaml.safe_dump(data, sort_keys=False).rstrip()
            + f"\n# run with seeds {', '.join(map(str, _CHECK_SEEDS))}: "
              f"auditkit audit this.yaml --seeds {len(_CHECK_SEEDS)}")


def _median_pct(run, scorer: Scorer, cohort: str, control: bool, check: str,
                kind: str) -> float:
    built = run.control if control else run.treated
    try:
        values = _values(scorer, built.world, run.end, lambda: _scenario_text(kind))
    except _Violation as v:
        raise CheckFailed(scorer_label(scorer), check, v.detail,
                          v.example + f"\n(seed {run.seed}, "
                          f"{'control' if control else 'treated'} world)") from None
    pct = run.percentiles(pd.Series(values), built)
    return float(np.median(pct[run.members(cohort, built)]))


@_register("behaviour", "spam bots do not outrank engaged conversationalists (median "
           "percentiles)", needs=("events", "follows"))
def check_spam_below_conversationalists(scorer: Scorer, *, max_examples: int | None = None,
                                        shrink: bool = True) -> None:
    """Spam cohorts do not outrank conversationalists: in a 500-account, 60-day scenario world
    with 5 spam bots (200 posts a day, each following every account, 10% follow back, 10
    mentions a day) and 20 conversationalists, the bots' median percentile minus the
    conversationalists', averaged over seeds 0-2, is at most :data:`SPAM_GAP_BOUND`. (Flaw F1:
    Klout's "acorns" squirrel.)"""
    check = "check_spam_below_conversationalists"
    gaps = []
    for seed in _CHECK_SEEDS:
        run = _scenario_run("spam", seed)
        gaps.append(_median_pct(run, scorer, "squirrel", False, check, "spam")
                    - _median_pct(run, scorer, "engaged", False, check, "spam"))
    gap = float(np.mean(gaps))
    if gap > SPAM_GAP_BOUND + 1e-9:
        raise CheckFailed(scorer_label(scorer), check,
                          f"spam bots sit {gap:+.1f} percentile points above the "
                          f"conversationalists (median percentiles, mean of seeds "
                          f"{', '.join(f'{g:+.1f}' for g in gaps)}); the bound is "
                          f"{SPAM_GAP_BOUND:g}", _scenario_text("spam"))


@_register("behaviour", f"100 bought dead followers add at most {BOUGHT_FOLLOWERS_BOUND:g} "
           "percentile points", needs=("follows",))
def check_bought_followers_bounded(scorer: Scorer, *, max_examples: int | None = None,
                                   shrink: bool = True) -> None:
    """Bought dead followers add at most a bound: in a 500-account, 60-day scenario world, 5
    accounts
    each buy 100 fake followers who never post or react (each fake also follows 2 random
    accounts). Their median percentile in the treated world minus the control world, averaged
    over seeds 0-2, is at most :data:`BOUGHT_FOLLOWERS_BOUND`. (Flaw F7.)"""
    check = "check_bought_followers_bounded"
    gains = []
    for seed in _CHECK_SEEDS:
        run = _scenario_run("bought", seed)
        gains.append(_median_pct(run, scorer, "buyers", False, check, "bought")
                     - _median_pct(run, scorer, "buyers", True, check, "bought"))
    gain = float(np.mean(gains))
    if gain > BOUGHT_FOLLOWERS_BOUND + 1e-9:
        raise CheckFailed(scorer_label(scorer), check,
                          f"buying 100 dead followers moved the buyers {gain:+.1f} percentile "
                          f"points (median member; seeds {', '.join(f'{g:+.1f}' for g in gains)}"
                          f"); the bound is {BOUGHT_FOLLOWERS_BOUND:g}",
                          _scenario_text("bought"))


# ---------------------------------------------------------------------------------------------
# runners


def _require_scorer(scorer: object) -> Scorer:
    if isinstance(scorer, type) and issubclass(scorer, Scorer):
        raise AuditkitError(f"the checks take a scorer instance, not the class "
                            f"{scorer.__name__}; pass {scorer.__name__}() (or "
                            f"get_registry().scorer({getattr(scorer, 'id', '?')!r}))")
    if not isinstance(scorer, Scorer):
        raise AuditkitError(f"the checks take an auditkit.Scorer instance, got "
                            f"{type(scorer).__name__}")
    return scorer


def yield_checks(scorer: Scorer) -> Iterator[Callable[..., None]]:
    """The checks that apply to ``scorer`` (by its tags), in order: call each as
    ``check(scorer)``."""
    scorer = _require_scorer(scorer)
    for info in CHECKS.values():
        if info.applies_to(scorer):
            yield info.func


def _expected(scorer: Scorer, expected: Mapping[str, str] | None) -> dict[str, str]:
    """Validate ``{check name: reason}`` for ``scorer``: known, applicable, with a reason."""
    out: dict[str, str] = {}
    label = scorer_label(scorer)
    for name, reason in (expected or {}).items():
        if name not in CHECKS:
            import difflib

            close = difflib.get_close_matches(name, CHECKS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise AuditkitError(f"expected_failed_checks of scorer {label} names "
                                f"{name!r}, which is not a check.{hint} Checks: "
                                f"{', '.join(CHECKS)}")
        if not isinstance(reason, str) or not reason.strip():
            raise AuditkitError(f"expected_failed_checks of scorer {label}: {name!r} needs a "
                                f"reason (a non-empty string saying why it fails), got "
                                f"{reason!r}")
        if not CHECKS[name].applies_to(scorer):
            raise AuditkitError(f"expected_failed_checks of scorer {label} names {name!r}, "
                                f"which does not apply to it (it needs one of the tags "
                                f"{', '.join(sorted(CHECKS[name].needs))}); remove it")
        out[name] = reason.strip()
    return out


def check_scorer(scorer: Scorer, *, expected_failed_checks: Mapping[str, str] | None = None,
                 max_examples: int | None = None,
                 progress: Callable[[str], None] | None = None) -> CheckReport:
    """Run every check on ``scorer`` and return a :class:`CheckReport` (never raises for a
    failing check).

    ``expected_failed_checks`` maps check names to the reason each is known to fail; those
    report ``xfail`` (or ``xpass`` if they pass after all). ``max_examples`` sets the examples
    of each property check (default :data:`DEFAULT_MAX_EXAMPLES`); ``progress`` is called with
    the name of each check before it runs. Bad arguments raise
    :class:`~auditkit.errors.AuditkitError`.
    """
    scorer = _require_scorer(scorer)
    expected = _expected(scorer, expected_failed_checks)
    _settings(max_examples)  # validate before running anything
    label = scorer_label(scorer)
    tags = ", ".join(sorted(scorer.tags)) or "none"
    rows: list[CheckResult] = []
    for name, info in CHECKS.items():
        if not info.applies_to(scorer):
            rows.append(CheckResult(label, name, info.kind, "skip",
                                    f"needs one of the tags {', '.join(sorted(info.needs))}; "
                                    f"{label} declares {tags}"))
            continue
        if progress is not None:
            progress(f"{label}: {name} ...")
        started = time.perf_counter()
        try:
            info.func(scorer, max_examples=max_examples)
            failure = None
        except CheckFailed as exc:
            failure = exc
        seconds = round(time.perf_counter() - started, 3)
        reason = expected.get(name, "")
        if failure is None:
            status, message = ("xpass", "passed, but declared to fail: remove it from "
                                        "expected_failed_checks") if reason else ("pass", "")
        else:
            status, message = ("xfail" if reason else "fail"), str(failure)
        rows.append(CheckResult(label, name, info.kind, status, message, reason, seconds))
    return CheckReport(label, rows)


def parametrize_with_checks(scorers: list[Scorer], *,
                            expected_failed_checks: Mapping[str, Mapping[str, str]]
                            | Callable[[Scorer], Mapping[str, str] | None] | None = None):
    """A ``pytest.mark.parametrize`` over ``(scorer, check)`` for every applicable check.

    Use it as scikit-learn's::

        @parametrize_with_checks([MyScorer()], expected_failed_checks={"my": {...}})
        def test_conformance(scorer, check):
            check(scorer)

    Test ids are ``<scorer label>-<check name>`` (``pytest -k check_deterministic`` works).
    ``expected_failed_checks`` is either ``{scorer label or id: {check: reason}}`` or a function
    of the scorer returning ``{check: reason}``; those checks are marked
    ``xfail(strict=True, raises=CheckFailed)`` with the reason, so a check that starts passing
    fails the run until its entry is removed. Expected failures run without shrinking (their
    counterexample is never shown); run :func:`check_scorer` to see it.
    """
    import pytest

    params = []
    for scorer in scorers:
        scorer = _require_scorer(scorer)
        label = scorer_label(scorer)
        if callable(expected_failed_checks):
            declared = expected_failed_checks(scorer)
        elif expected_failed_checks is not None:
            declared = expected_failed_checks.get(label, expected_failed_checks.get(scorer.id))
        else:
            declared = None
        expected = _expected(scorer, declared)
        for check in yield_checks(scorer):
            reason = expected.get(check.__name__)
            marks = [pytest.mark.xfail(strict=True, raises=CheckFailed, reason=reason)] \
                if reason else []
            params.append(pytest.param(scorer, _unshrunk(check) if reason else check,
                                       marks=marks, id=f"{label}-{check.__name__}"))
    return pytest.mark.parametrize("scorer, check", params)


def _unshrunk(check: Callable[..., None]) -> Callable[..., None]:
    """``check`` without shrinking: an expected failure's counterexample is never shown, so
    finding one is enough (shrinking is most of a failing property check's time)."""

    @functools.wraps(check)
    def run(scorer: Scorer, *, max_examples: int | None = None, shrink: bool = False) -> None:
        check(scorer, max_examples=max_examples, shrink=shrink)

    return run
