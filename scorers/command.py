"""Black-box scorer: an external program that reads a world and prints one score per account.

Policy reviewers audit scores they cannot import: a vendor's binary, an R script, a service
wrapped in a shell command. This adapter speaks a small protocol (``docs/blackbox.md``):

- ``format: json`` — the world as one JSON document on the program's stdin (see
  :func:`world_document`); the program prints a JSON object ``{account: score}`` on stdout.
- ``format: csv`` — the world as ``accounts.csv``, ``follows.csv`` and ``events.csv`` (the world
  format, ``docs/world-format.md``) in the directory named by ``$AUDITKIT_WORLD``; the program
  prints ``account,score`` lines (an ``account,score`` header is allowed).

The world sent is the world as it stood at the scoring time (``World.as_of``), which is also in
``$AUDITKIT_AT``. The program runs without a shell, in the current directory, under a supervisor
(:func:`auditkit.processes.run_program`): its output is capped (``max_output``), the whole run
has a deadline (``timeout``), and when it ends, times out or is interrupted, every process it
started is killed (on Linux also those that left its process group). A timeout, a non-zero
exit, too much output, unreadable output, a missing or extra account or a non-numeric score
raises :class:`~auditkit.errors.ScorerError` naming the cause (in an audit: an ``error``
verdict).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shlex
import tempfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic

from auditkit import Params, Scorer, Statement, World, hookimpl, statement_items
from auditkit.errors import ScorerError
from auditkit.processes import OutputTooLarge, ProgramNotFound, ProgramTimeout, run_program
from auditkit.untrusted import Limits, load_json

__all__ = [
    "CommandScorer",
    "world_document",
    "scores_from_json",
    "scores_from_csv",
    "PROTOCOL_VERSION",
]

#: Version of the JSON world document (``"format": "auditkit-world"``).
PROTOCOL_VERSION = 1
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_SNIPPET = 300


# ---------------------------------------------------------------------------------------------
# the protocol, shared with auditkit.scorers.http


def iso(t: pd.Timestamp | None) -> str | None:
    """A time as the protocol writes it: ISO-8601 UTC to whole seconds."""
    return None if t is None else t.strftime(_TIME_FORMAT)


def snapshot(world: World, at: object) -> tuple[World, pd.Timestamp | None]:
    """The world as it stood at ``at`` (default: its end), and that time."""
    t = world.resolve_at(at)
    return (world if t is None else world.as_of(t)), t


def _iso_column(col: pd.Series) -> np.ndarray:
    """``_TIME_FORMAT`` strings (None where missing); twice as fast as ``dt.strftime``."""
    values = col.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    text = np.datetime_as_string(values, unit="s").astype(object) + "Z"
    text[np.isnat(values)] = None
    return text


def _table_json(frame: pd.DataFrame) -> str:
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = _iso_column(out[col])
        elif isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
    return out.to_json(orient="records", force_ascii=False)


def world_document(world: World, at: pd.Timestamp | None) -> bytes:
    """The JSON document of a (snapshot) world: ``{"format": "auditkit-world", "version": 1,
    "at": iso-or-null, "accounts": [...], "follows": [...], "events": [...]}``, each table a list
    of row objects with the columns of the world format, null for a missing value."""
    tables = world.tables()
    head = json.dumps({"format": "auditkit-world", "version": PROTOCOL_VERSION, "at": iso(at)})
    body = ", ".join(
        f'"{name}": {_table_json(tables[name])}' for name in ("accounts", "follows", "events")
    )
    return (head[:-1] + ", " + body + "}").encode("utf-8")


def write_world_csv(world: World, directory: Path) -> Path:
    """Write ``accounts.csv``, ``follows.csv`` and ``events.csv`` (always all three; an empty
    table has its header only) into ``directory / "world"``."""
    target = world.write(directory / "world", format="csv")
    for name, frame in world.tables().items():
        path = target / f"{name}.csv"
        if not path.exists():
            path.write_text(",".join(frame.columns) + "\n", encoding="utf-8")
    return target


def snippet(data: bytes | str, limit: int = _SNIPPET) -> str:
    """The first bytes of an output, for error messages."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = text.strip()
    if not text:
        return "(empty)"
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def _tail(data: bytes, lines: int = 8, limit: int = 800) -> str:
    text = data.decode("utf-8", errors="replace").rstrip()
    tail = "\n".join(text.splitlines()[-lines:])[-limit:]
    return tail or "(stderr was empty)"


def _assemble(world: World, found: dict[str, float], who: str) -> pd.Series:
    ids = world.ids
    missing = [a for a in ids if a not in found]
    if missing:
        shown = ", ".join(repr(a) for a in missing[:3])
        raise ScorerError(
            f"{who} returned no score for {len(missing):,} of {len(ids):,} "
            f"accounts (e.g. {shown}); it must score every account of the world"
        )
    if len(found) > len(ids):
        known = set(ids)
        extra = [a for a in found if a not in known]
        shown = ", ".join(repr(a) for a in extra[:3])
        raise ScorerError(
            f"{who} returned scores for {len(extra):,} accounts that are not in "
            f"the world (e.g. {shown}); score exactly the accounts it was given"
        )
    return world.series(np.fromiter((found[a] for a in ids), np.float64, len(ids)))


def scores_from_json(data: bytes, world: World, who: str) -> pd.Series:
    """Read a JSON object ``{account: score}``; errors name the cause and the first bytes."""
    if not data.strip():
        raise ScorerError(
            f'{who} printed nothing; it must print a JSON object {{"account": score, ...}}'
        )
    try:
        parsed = load_json(
            data, "output", limits=_OUTPUT_LIMITS, error=ScorerError, non_finite=True
        )
    except ScorerError as exc:
        hint = (
            " (it looks like CSV: set format csv)"
            if b"," in data[:200] and not data.lstrip().startswith(b"{")
            else ""
        )
        problem = str(exc).removeprefix("output").lstrip(", :")
        raise ScorerError(
            f"{who} output is not JSON ({problem}){hint}; first bytes: {snippet(data)}"
        ) from None
    if not isinstance(parsed, dict):
        raise ScorerError(
            f"{who} output is JSON {type(parsed).__name__}, not an object "
            f'{{"account": score, ...}}; first bytes: {snippet(data)}'
        )
    found: dict[str, float] = {}
    for account, value in parsed.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScorerError(
                f"{who} scored account {account!r} {value!r}, which is not a "
                "number; scores must be JSON numbers"
            )
        if not math.isfinite(value):
            raise ScorerError(
                f"{who} scored account {account!r} {value!r}; scores must be finite numbers"
            )
        found[account] = float(value)
    return _assemble(world, found, who)


def scores_from_csv(data: bytes, world: World, who: str) -> pd.Series:
    """Read ``account,score`` lines (an ``account,score`` header allowed)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScorerError(f"{who} output is not UTF-8 text ({exc})") from None
    if not text.strip():
        raise ScorerError(f"{who} printed nothing; it must print account,score lines")
    found: dict[str, float] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if number == 1 and [c.strip().lower() for c in row] == ["account", "score"]:
            continue
        if len(row) != 2:
            raise ScorerError(
                f"{who} output line {number}: expected 'account,score', got "
                f"{snippet(','.join(row), 80)}"
            )
        account, raw = row[0], row[1].strip()
        try:
            value = float(raw)
        except ValueError:
            raise ScorerError(
                f"{who} output line {number}: score {raw!r} for account {account!r} is not a number"
            ) from None
        if not math.isfinite(value):
            raise ScorerError(
                f"{who} output line {number}: score {raw!r} for account "
                f"{account!r} is not a finite number"
            )
        if account in found:
            raise ScorerError(f"{who} output line {number}: account {account!r} is scored twice")
        found[account] = value
    return _assemble(world, found, who)


#: What a scorer's JSON output may hold (its size is capped by ``max_output``).
_OUTPUT_LIMITS = Limits(max_bytes=2**62, max_depth=32)


class ExternalParams(Params):
    range: tuple[float, float] = pydantic.Field(
        (0.0, 100.0), description="lowest and highest score the external scorer gives"
    )
    max_output: int = pydantic.Field(
        100_000_000,
        ge=1,
        le=2**40,
        description="bytes of output (scores) read at most; "
        "more is an error and stops the program or the download",
    )
    name: str = pydantic.Field(
        "",
        pattern=r"^([a-z][a-z0-9_-]*)?$",
        description="the id results report it under (lower-case; default: the adapter's id)",
    )

    @pydantic.field_validator("range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        lo, hi = value
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"range must be two finite numbers, low < high (got {value})")
        return value


class ExternalScorer(Scorer):
    """What the command and HTTP adapters share: range, reported id, one-line statements."""

    version = "1.0"
    range = (0.0, 100.0)  # the default; the ``range`` parameter sets the bounds checked
    tags = frozenset({"external", "follows", "events", "time"})
    params: ExternalParams

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if self.params.name:
            self.id = self.params.name  # type: ignore[misc]  # reported under the reviewer's name for the scorer

    @property
    def bounds(self) -> tuple[float, float]:
        return self.params.range

    @property
    def source(self) -> str:
        """Where the scores come from: the program or the URL."""
        return self.id

    @property
    def who(self) -> str:
        """How error messages name this scorer."""
        return f"scorer {self.id!r} ({self.source})"

    def explain(self, world: World, account: str, at: object = None) -> Statement:
        code = world.code_of(account)
        s = float(self.score(world, at).iloc[code])
        items = statement_items(
            [("external score", s, s, f"external score, not itemised; from {self.source}")]
        )
        return Statement(self.id, account, s, items, world.resolve_at(at))


class CommandScorer(ExternalScorer):
    """An external program as a scorer; the protocol is in the module docstring."""

    id = "command"
    name = "External program"
    description = (
        "Runs an external program (no shell) that reads the world (JSON on stdin, or CSV files "
        "in $AUDITKIT_WORLD) and prints one score per account (a JSON object or account,score "
        "CSV). For scorers that cannot be imported; see docs/blackbox.md."
    )
    references = ("auditkit docs/blackbox.md: the black-box scorer protocol.",)

    class Params(ExternalParams):
        program: list[str] = pydantic.Field(
            min_length=1,
            description="the command line: a list of arguments, or one text "
            "split like a shell would (shlex), e.g. 'python my_scorer.py --fast'",
        )
        format: Literal["json", "csv"] = pydantic.Field(
            "json",
            description="json: world on stdin, JSON object out; csv: world files in "
            "$AUDITKIT_WORLD, account,score lines out",
        )
        timeout: float = pydantic.Field(
            60.0,
            gt=0,
            le=10**7,
            description="seconds the "
            "whole run may take before the program, and "
            "everything it started, is killed",
        )

        @pydantic.field_validator("program", mode="before")
        @classmethod
        def _split(cls, value: Any) -> Any:
            if isinstance(value, str):
                return shlex.split(value)
            if isinstance(value, list | tuple):
                return [str(v) for v in value]
            return value

    params: CommandScorer.Params

    @property
    def source(self) -> str:
        return f"program {shlex.join(self.params.program)!r}"

    def score(self, world: World, at: object = None) -> pd.Series:
        p = self.params
        snap, t = snapshot(world, at)
        with tempfile.TemporaryDirectory(prefix="auditkit-command-") as tmp:
            env = dict(os.environ, AUDITKIT_FORMAT=p.format, AUDITKIT_AT=iso(t) or "")
            if p.format == "csv":
                env["AUDITKIT_WORLD"] = str(write_world_csv(snap, Path(tmp)))
                stdin = None
            else:
                env.pop("AUDITKIT_WORLD", None)
                stdin = world_document(snap, t)
            out = self._run(stdin, env)
        parse = scores_from_json if p.format == "json" else scores_from_csv
        return parse(out, world, self.who).rename(self.id)

    def _run(self, stdin: bytes | None, env: dict[str, str]) -> bytes:
        p = self.params
        try:
            done = run_program(
                p.program, stdin=stdin, env=env, timeout=p.timeout, max_output=p.max_output
            )
        except ProgramNotFound as exc:
            what = "was not found" if "No such file" in str(exc) else f"cannot be run ({exc})"
            raise ScorerError(
                f"{self.who} cannot start: {p.program[0]!r} {what}; give a path "
                "or a command on PATH"
            ) from None
        except ProgramTimeout:
            raise ScorerError(
                f"{self.who} did not finish within {p.timeout:g} s and was "
                "killed with every process it started; raise its timeout "
                "parameter or make it faster"
            ) from None
        except OutputTooLarge:
            raise ScorerError(
                f"{self.who} printed more than {p.max_output:,} bytes and was "
                "killed with every process it started; raise its max_output "
                "parameter if that much output is right"
            ) from None
        if done.returncode != 0:
            how = (
                f"was killed by signal {-done.returncode}"
                if done.returncode < 0
                else f"exited with code {done.returncode}"
            )
            raise ScorerError(f"{self.who} {how}; the end of its stderr:\n{_tail(done.stderr)}")
        return done.stdout


@hookimpl
def register_scorers(register):
    register(CommandScorer)
