"""pytest plugin: auditkit scenario files collected as tests (``pytest scenarios/``).

Registered through the ``pytest11`` entry point, so it is loaded in *every* pytest session where
auditkit is installed. It therefore imports nothing but the standard library and pytest at import
time, and it only collects a YAML file when both hold:

- the file is opted in: it lies in a directory named ``scenarios`` (below the rootdir), it or
  a directory holding it (other than the rootdir) is a path argument of the session
  (``pytest my-audits/``), or the session runs with ``--auditkit``;
- it looks like a scenario: it has top-level ``id:`` and ``flaw:`` keys.

Each scenario yields one test item per (seed, check, scorer), with ids such as
``scenarios/bought-followers.yaml::bought-followers::gain[kred-seed108]``. An item judges one
seed's value against the bound; verdicts over seeds, with intervals, are ``auditkit audit``'s
(docs/verdicts.md). A seed on which the scorer is blind to the check or degenerate for it is
skipped with that reason, never passed. The worlds of one
(scenario, seed) are built once and shared by all of its items, so ``pytest scenarios/`` costs
about what ``auditkit audit`` costs. A failing check reads as its finding sentence, without a
traceback; a malformed scenario fails *collection* with file, line and field. See
``docs/pytest-plugin.md``. The collection pattern is pytest's "Working with non-python tests"
example; tavern's YAML collector is the prior art (and its complaints, tavern #724 and #602,
the reason errors are one sentence here).
"""

from __future__ import annotations

import argparse
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from auditkit.plugin.scorer import Scorer
    from auditkit.scenario.model import Check, Scenario
    from auditkit.scenario.run import ScenarioRun

__all__ = [
    "ScenarioFile",
    "ScenarioNode",
    "CheckItem",
    "Finding",
    "ScorerFault",
    "AuditkitWarning",
    "Known",
    "read_known",
]

_TOP_KEY = re.compile(r"^(id|flaw)[ \t]*:", re.MULTILINE)
_SUFFIXES = (".yaml", ".yml")
#: never scenarios (auditkit.scenario.model.RESERVED_FILES; repeated here so that importing the
#: plugin stays free of auditkit's heavy modules, a test checks they agree)
RESERVED_FILES = ("known-findings.yaml", "known-findings.yml", "tolerances.yaml", "tolerances.yml")
_VERDICTS = ("pass", "fail", "blind", "degenerate", "error", "skip")


class Finding(AssertionError):
    """A check failed: the message is the finding sentence."""


class ScorerFault(Exception):
    """A scorer broke (raised, returned NaN or out-of-range values, ran past the time limit)."""


class AuditkitWarning(UserWarning):
    """A plugin of the ``auditkit`` group could not be loaded (the others still run)."""


# ---------------------------------------------------------------------------------------------
# options


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _memory_size(text: str) -> float:
    from auditkit.scenario.budget import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("auditkit", "auditkit scenarios (YAML scenario files as tests)")
    group.addoption(
        "--auditkit",
        action="store_true",
        default=False,
        help="collect auditkit scenario files anywhere, not only in directories named 'scenarios'",
    )
    group.addoption(
        "--auditkit-scorer",
        action="append",
        default=[],
        metavar="SPEC",
        help="audit this scorer: ID, ID[NAME=VALUE,...] or LABEL=ID[...]; repeat "
        "for several (default: every installed scorer that needs no configuration)",
    )
    group.addoption(
        "--auditkit-param",
        action="append",
        default=[],
        metavar="ID.NAME=VALUE",
        help="a parameter of one audited scorer, e.g. klout.window_days=60; repeat",
    )
    group.addoption(
        "--auditkit-seeds",
        type=_positive_int,
        default=1,
        metavar="N",
        help="run each scenario with N seeds (its seed .. seed+N-1); default 1",
    )
    group.addoption(
        "--auditkit-time-limit",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="seconds one scoring may take before the check becomes an error (default 60)",
    )
    group.addoption(
        "--auditkit-workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="run the scenarios' tasks on a local Dask cluster of N worker "
        "processes before reporting them (needs auditkit[dask]); default: serially, "
        "item by item",
    )
    group.addoption(
        "--auditkit-scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the scenarios' tasks on the Dask cluster whose scheduler is at "
        "ADDRESS (tcp://HOST:PORT)",
    )
    group.addoption(
        "--auditkit-budget",
        type=_memory_size,
        default=None,
        metavar="SIZE",
        help="memory one scenario may take, e.g. 16GiB (default 4GiB); larger "
        "scenarios fail collection with what to lower",
    )
    group.addoption(
        "--auditkit-isolation",
        choices=("third-party", "all", "none"),
        default="third-party",
        help="which scorers run in worker processes, where "
        "a crash or hang is an error item and the time limit kills (default: "
        "third-party)",
    )
    group.addoption(
        "--auditkit-known",
        default=None,
        metavar="FILE",
        help="known findings, marked xfail: an auditkit results JSON (its 'fail' "
        "rows) or a YAML list of {scenario, check, scorer, reason}",
    )
    parser.addini(
        "auditkit_known",
        "file of known findings (as --auditkit-known), relative to the ini file",
        default="",
    )


# ---------------------------------------------------------------------------------------------
# session state: scorers, known findings, shared scenario runs (built lazily)

SESSION_STATE = pytest.StashKey["_State"]()


class _State:
    """Everything the plugin needs, built on first use so that sessions without scenarios never
    import auditkit's heavy modules."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.seeds: int = config.getoption("auditkit_seeds")
        self.time_limit: float = config.getoption("auditkit_time_limit")
        self.memory: float | None = config.getoption("auditkit_budget")
        self.isolation: str = config.getoption("auditkit_isolation")
        self._registry: Any = None
        self._scorers: list[Scorer] | None = None
        self._known: Known | None = None
        self.runs: dict[tuple[str, int], ScenarioRun] = {}
        self.pending: Counter[tuple[str, int]] = Counter()
        self.verdicts: Counter[str] = Counter()
        self.known_failed = 0
        self.scenarios: set[str] = set()
        #: with --auditkit-workers/--auditkit-scheduler: every collected (scenario, seed) task
        #: and, once they ran on the cluster, their rows
        self.tasks: dict[tuple[str, int], tuple[Scenario, int]] = {}
        self.rows: dict[tuple[str, int], list[dict[str, Any]]] | None = None

    @property
    def distributed(self) -> bool:
        """Whether the tasks run on a Dask cluster (--auditkit-workers / --auditkit-scheduler)."""
        return (
            self.config.getoption("auditkit_workers") is not None
            or self.config.getoption("auditkit_scheduler") is not None
        )

    def row(self, item: CheckItem) -> dict[str, Any]:
        """The results row of ``item``: measured here, or taken from the cluster's run of every
        collected task (the first item runs them all)."""
        if not self.distributed:
            from auditkit.auditing.engine import measure_check

            return measure_check(
                self.run(item.scenario, item.seed), item.scorer, item.check, item.probe
            )
        if self.rows is None:
            self.rows = self._run_on_cluster()
        rows = self.rows[item.run_key]
        return rows[item.index * len(self.scorers) + self.scorers.index(item.scorer)]

    def _run_on_cluster(self) -> dict[tuple[str, int], list[dict[str, Any]]]:
        from auditkit.auditing.engine import AuditTask
        from auditkit.auditing.executor import executor_for, run_all
        from auditkit.errors import AuditkitError

        keys = list(self.tasks)
        tasks = [
            AuditTask(*self.tasks[k], tuple(self.scorers), self.time_limit, budget=self.budget)
            for k in keys
        ]
        try:
            with executor_for(
                self.config.getoption("auditkit_workers"),
                self.config.getoption("auditkit_scheduler"),
            ) as executor:
                rows = run_all(executor, tasks, self.registry)
        except AuditkitError as exc:
            raise pytest.UsageError(f"auditkit: {exc}") from None
        out: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for key, task in zip(keys, tasks, strict=True):
            per_task = len(task.scenario.checks) * len(task.scorers)
            out[key], rows = rows[:per_task], rows[per_task:]
        return out

    @property
    def registry(self) -> Any:
        if self._registry is None:
            from auditkit.plugin.registry import get_registry

            self._registry = get_registry()
            for error in self._registry.errors:
                warnings.warn(AuditkitWarning(str(error)), stacklevel=1)
        return self._registry

    @property
    def scorers(self) -> list[Scorer]:
        """The audited scorers; raises :class:`pytest.UsageError` on a bad id or parameter."""
        if self._scorers is None:
            from auditkit.errors import AuditkitError
            from auditkit.plugin.spec import build_scorer, scorer_specs

            registry = self.registry
            ids: list[str] = list(dict.fromkeys(self.config.getoption("auditkit_scorer")))
            try:
                chosen = ids or [s.id for s in registry.all()]
                specs = scorer_specs(
                    chosen,
                    self.config.getoption("auditkit_param"),
                    option="--auditkit-scorer",
                    param_option="--auditkit-param",
                )
                self._scorers = [
                    build_scorer(registry, s, option="--auditkit-scorer") for s in specs
                ]
            except AuditkitError as exc:
                raise pytest.UsageError(f"auditkit: {exc}") from None
            labels = [s.id for s in self._scorers]
            if len(set(labels)) != len(labels):
                raise pytest.UsageError(
                    f"auditkit: two audited scorers report as the same id "
                    f"({', '.join(labels)}); give one another name"
                )
            if not self.distributed:  # on Dask, the worker processes are the isolation
                from auditkit.auditing.isolation import isolate

                self._scorers = isolate(
                    self._scorers,
                    self.isolation,  # type: ignore[arg-type]
                    time_limit=self.time_limit,
                )
        return self._scorers

    @property
    def budget(self) -> Any:
        from auditkit.scenario.budget import Budget

        return Budget() if self.memory is None else Budget(self.memory)

    def close(self) -> None:
        """Stop the worker processes of isolated scorers."""
        from auditkit.auditing.isolation import IsolatedScorer

        for scorer in self._scorers or []:
            if isinstance(scorer, IsolatedScorer):
                scorer.close()

    @property
    def known(self) -> Known:
        """Known findings, per seed or over seeds (:class:`Known`)."""
        if self._known is None:
            option = self.config.getoption("auditkit_known")
            if option:
                path = Path(option)
                if not path.is_absolute():
                    path = Path(self.config.invocation_params.dir) / path
                self._known = read_known(path)
            elif self.config.getini("auditkit_known"):
                base = self.config.inipath.parent if self.config.inipath else self.config.rootpath
                self._known = read_known(base / self.config.getini("auditkit_known"))
            else:
                self._known = Known()
        return self._known

    def run(self, scenario: Scenario, seed: int) -> ScenarioRun:
        from auditkit.scenario.run import ScenarioRun

        key = (scenario.path or scenario.id, seed)
        if key not in self.runs:
            self.runs[key] = ScenarioRun(
                scenario, seed, self.registry, time_limit=self.time_limit, budget=self.budget
            )
        return self.runs[key]

    def done(self, key: tuple[str, int]) -> None:
        """One item of a run finished; drop the run's worlds after its last item."""
        if key in self.pending:
            self.pending[key] -= 1
            if self.pending[key] <= 0:
                del self.pending[key]
                self.runs.pop(key, None)


def _state(config: pytest.Config) -> _State:
    if SESSION_STATE not in config.stash:
        config.stash[SESSION_STATE] = _State(config)
    return config.stash[SESSION_STATE]


class Known:
    """Known findings: ``seeds`` maps (scenario, check, scorer, seed) to the reason, for a
    finding recorded on that seed; ``anyseed`` maps (scenario, check, scorer) to the reason,
    for a finding recorded over seeds (a YAML entry without ``seed``, or a results file's
    ``fail`` verdict on a seed the file did not run)."""

    def __init__(self) -> None:
        self.seeds: dict[tuple[str, str, str, int], str] = {}
        self.anyseed: dict[tuple[str, str, str], str] = {}
        #: (scenario, check, scorer) whose seeds the file lists (pass or fail)
        self.recorded: set[tuple[str, str, str, int]] = set()

    def marker(self, scenario: str, check: str, scorer: str, seed: int) -> Any:
        """The xfail marker for one item, or None. A finding recorded on this seed is an
        ordinary xfail (strict when ``xfail_strict`` is set: a fix shows as XPASS); a finding
        recorded over seeds is never strict, since the verdict over seeds can be ``fail`` while
        some seeds pass (docs/pytest-plugin.md)."""
        reason = self.seeds.get((scenario, check, scorer, seed))
        if reason is not None:
            return pytest.mark.xfail(reason=reason, raises=Finding)
        if (scenario, check, scorer, seed) in self.recorded:
            return None  # this seed passed when the findings were recorded
        reason = self.anyseed.get((scenario, check, scorer))
        if reason is not None:
            return pytest.mark.xfail(reason=reason, raises=Finding, strict=False)
        return None

    def __len__(self) -> int:
        return len(self.seeds) + len(self.anyseed)


def read_known(path: Path) -> Known:
    """Read a known-findings file: an auditkit results JSON (every seed whose verdict was
    ``fail`` is known on that seed; a check whose verdict over seeds was ``fail`` is known, not
    strictly, on seeds the file did not run) or a YAML list of mappings with ``scenario``,
    ``check``, ``scorer``, an optional ``seed`` and an optional ``reason``.

    Read as untrusted input (:mod:`auditkit.untrusted`: size, encoding, nesting, aliases,
    duplicate keys). Raises :class:`pytest.UsageError` naming the file, the entry and the field.
    """
    from auditkit.untrusted import excerpt, load_json, load_yaml, read_text

    def usage(message: str) -> pytest.UsageError:
        return pytest.UsageError(
            "auditkit: " + message.replace(": invalid YAML:", ": not valid YAML or JSON:")
        )

    text = read_text(path, what="known-findings file", error=usage)
    if text.lstrip().startswith("{"):
        data = load_json(text, str(path), error=usage, non_finite=True)
    else:
        data, _ = load_yaml(text, str(path), error=usage)
    known = Known()
    if isinstance(data, dict) and data.get("format") == "auditkit-results":
        from auditkit.auditing.results import Results
        from auditkit.errors import AuditkitError

        try:
            results = Results.from_json(text)
        except (AuditkitError, KeyError, ValueError) as exc:
            raise pytest.UsageError(f"auditkit: {path}: unreadable results file: {exc}") from None
        reason = f"known finding ({path.name})"
        for row in results.seeds.itertuples():
            key = (row.scenario, row.check, row.scorer, int(row.seed))
            known.recorded.add(key)
            if row.verdict == "fail":
                known.seeds[key] = f"{reason}, seed {int(row.seed)}"
        table = results.table
        for row in table[table["verdict"] == "fail"].itertuples():
            known.anyseed[(row.scenario, row.check, row.scorer)] = f"{reason}, over seeds"
        return known
    if data is None:
        return known
    if not isinstance(data, list):
        raise pytest.UsageError(
            f"auditkit: {path}: a known-findings file is an auditkit results JSON or a YAML "
            f"list of {{scenario, check, scorer, seed, reason}} mappings; got "
            f"{type(data).__name__}"
        )
    fields = ("scenario", "check", "scorer", "seed", "reason")
    for i, entry in enumerate(data):
        where = f"auditkit: {path}, entry {i + 1}"
        if not isinstance(entry, dict):
            raise pytest.UsageError(
                f"{where}: expected a mapping with scenario, check, scorer "
                f"(and optionally seed and reason); got {excerpt(entry)}"
            )
        extra = sorted(set(map(str, entry)) - set(fields))
        if extra:
            raise pytest.UsageError(
                f"{where}, field {extra[0]!r}: unknown field; allowed fields: {', '.join(fields)}"
            )
        for name in fields[:3]:
            if not isinstance(entry.get(name), str) or not entry[name]:
                raise pytest.UsageError(
                    f"{where}, field {name!r}: required, a non-empty text "
                    f"(got {excerpt(entry.get(name))})"
                )
        seed = entry.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise pytest.UsageError(
                f"{where}, field 'seed': a whole number of at least 0 "
                f"(got {excerpt(seed)}); leave it out for every seed"
            )
        reason = str(entry.get("reason") or f"known finding ({path.name})")
        key3 = (entry["scenario"], entry["check"], entry["scorer"])
        if seed is None:
            known.anyseed[key3] = reason
        else:
            known.seeds[(*key3, seed)] = reason
    return known


def pytest_configure(config: pytest.Config) -> None:
    # Validate explicit auditkit options up front, so a typo is a usage error (exit code 4),
    # not one collection error per scenario file. Sessions without them stay import-free.
    if config.getoption("auditkit_scorer") or config.getoption("auditkit_param"):
        _ = _state(config).scorers
    if config.getoption("auditkit_known") or config.getini("auditkit_known"):
        _ = _state(config).known


# ---------------------------------------------------------------------------------------------
# collection


def _named_on_command_line(file_path: Path, config: pytest.Config) -> bool:
    """Whether the file, or a directory holding it other than the rootdir, was given as a path
    argument (``pytest my-audits/``)."""
    base = Path(config.invocation_params.dir)
    for arg in config.args:
        given = Path(str(arg).split("::")[0])
        given = (given if given.is_absolute() else base / given).resolve()
        if given == file_path.resolve():
            return True
        if (
            given.is_dir()
            and given != config.rootpath.resolve()
            and given in file_path.resolve().parents
        ):
            return True
    return False


def _opted_in(file_path: Path, config: pytest.Config) -> bool:
    if config.getoption("auditkit"):
        return True
    try:
        parts = file_path.relative_to(config.rootpath).parts[:-1]
    except ValueError:
        parts = (file_path.parent.name,)
    return "scenarios" in parts or _named_on_command_line(file_path, config)


def _looks_like_scenario(file_path: Path) -> bool:
    try:
        with open(file_path, "rb") as fh:  # the first megabyte: the top-level keys are there
            head = fh.read(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return False
    return {m.group(1) for m in _TOP_KEY.finditer(head)} == {"id", "flaw"}


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.suffix not in _SUFFIXES or file_path.name in RESERVED_FILES:
        return None
    if not _opted_in(file_path, parent.config) or not _looks_like_scenario(file_path):
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):
    """One scenario file: validated with :func:`auditkit.scenario.model.load_scenario`."""

    def collect(self) -> Iterator[ScenarioNode]:
        from auditkit.scenario.model import load_scenario

        state = _state(self.config)
        scenario = load_scenario(self.path, state.registry, budget=state.budget)
        yield ScenarioNode.from_parent(
            self, name=scenario.id, scenario=scenario, lines=_check_lines(self.path)
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        from auditkit.errors import AuditkitError

        if isinstance(excinfo.value, AuditkitError | pytest.UsageError):
            # name the file as the user typed it, relative to where pytest was started
            shown = os.path.relpath(self.path, self.config.invocation_params.dir)
            return str(excinfo.value).replace(str(self.path), shown)
        return str(super().repr_failure(excinfo))  # a bug in auditkit: show the traceback


def _check_lines(path: Path) -> list[int]:
    """The (1-based) line of each entry of ``checks``, for failure headers."""
    import yaml

    from auditkit.errors import AuditkitError
    from auditkit.untrusted import load_yaml, read_text

    try:
        _, node = load_yaml(read_text(path), str(path))
    except AuditkitError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "checks" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _check_names(checks: list[Check]) -> list[str]:
    """Check labels, made unique within the scenario (``gain``, ``gain-2``)."""
    seen: Counter[str] = Counter()
    names = []
    for check in checks:
        seen[check.label] += 1
        count = seen[check.label]
        names.append(check.label if count == 1 else f"{check.label}-{count}")
    return names


class ScenarioNode(pytest.Collector):
    """The scenario inside its file; its items are (seed, check, scorer) triples."""

    def __init__(self, *, scenario: Scenario, lines: list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.lines = lines

    def collect(self) -> Iterator[CheckItem]:
        state = _state(self.config)
        scorers = state.scorers
        registry = state.registry
        known = state.known
        s = self.scenario
        from auditkit.auditing.engine import scenario_seeds

        probes = [registry.probes[c.probe](**c.probe_params) for c in s.checks]
        names = _check_names(list(s.checks))
        for seed in scenario_seeds(s, state.seeds):
            for index, (check, probe, name) in enumerate(zip(s.checks, probes, names, strict=True)):
                for scorer in scorers:
                    item = CheckItem.from_parent(
                        self,
                        name=f"{name}[{scorer.id}-seed{seed}]",
                        scenario=s,
                        seed=seed,
                        check=check,
                        probe=probe,
                        scorer=scorer,
                        index=index,
                        line=self.lines[index] if index < len(self.lines) else 0,
                    )
                    marker = known.marker(s.id, check.label, scorer.id, seed)
                    if marker is not None:
                        item.add_marker(marker)
                    yield item


class CheckItem(pytest.Item):
    """One check of one scenario, for one scorer and one seed."""

    def __init__(
        self,
        *,
        scenario: Scenario,
        seed: int,
        check: Check,
        probe: Any,
        scorer: Scorer,
        line: int,
        index: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.scenario, self.seed, self.check, self.index = scenario, seed, check, index
        self.probe, self.scorer, self.line = probe, scorer, line
        self.run_key = (scenario.path or scenario.id, seed)
        self.row: dict[str, Any] | None = None

    def runtest(self) -> None:
        state = _state(self.config)
        row = state.row(self)
        self.row = row
        state.verdicts[row["verdict"]] += 1
        state.scenarios.add(self.scenario.id)
        for key in ("verdict", "value", "unit", "finding"):
            self.user_properties.append((key, row[key]))
        verdict = row["verdict"]
        if verdict in ("skip", "blind", "degenerate"):
            # not a pass: the check cannot judge this scorer on this seed (docs/verdicts.md)
            pytest.skip(row["finding"])
        if verdict == "fail":
            if self.get_closest_marker("xfail") is not None:
                state.known_failed += 1
            raise Finding(row["finding"])
        if verdict == "error":
            raise ScorerFault(row["finding"])

    def teardown(self) -> None:
        _state(self.config).done(self.run_key)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, Finding):
            return str(excinfo.value)
        if isinstance(excinfo.value, ScorerFault):
            return f"error (not a finding): {excinfo.value}"
        return super().repr_failure(excinfo, style)  # type: ignore[return-value]  # a bug in auditkit itself

    def reportinfo(self) -> tuple[Path, int, str]:
        return (
            self.path,
            max(self.line - 1, 0),
            f"{self.scenario.flaw} {self.scenario.id}: {self.check.label} "
            f"[{self.scorer.id}, seed {self.seed}]",
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if isinstance(item, CheckItem) and report.skipped and isinstance(report.longrepr, tuple):
        # a skip verdict points at the check in the scenario file, not at this plugin
        report.longrepr = (str(item.path), item.line or 1, report.longrepr[2])


def pytest_collection_finish(session: pytest.Session) -> None:
    ours = [item for item in session.items if isinstance(item, CheckItem)]
    if ours:
        state = _state(session.config)
        state.pending = Counter(item.run_key for item in ours)
        state.tasks = {item.run_key: (item.scenario, item.seed) for item in ours}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    config = terminalreporter.config
    if SESSION_STATE not in config.stash:
        return
    state = config.stash[SESSION_STATE]
    if not state.verdicts:
        return
    counts = ", ".join(f"{state.verdicts[v]} {v}" for v in _VERDICTS)
    if state.known_failed:
        counts += f" ({state.known_failed} of the failures known, marked xfail)"
    terminalreporter.write_line(
        f"auditkit: {len(state.scenarios)} scenario(s) x {state.seeds} seed(s) x "
        f"{len(state.scorers)} scorer(s): {counts}"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    if SESSION_STATE in config.stash:
        config.stash[SESSION_STATE].close()
