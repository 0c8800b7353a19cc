"""The ``auditkit`` command line: a thin layer over the library.

A user's mistake (an :class:`~auditkit.errors.AuditkitError`) is printed as one message and
exits with code 2; there is no traceback for it. The ``auditkit`` program starts in
:mod:`auditkit.launcher`, which handles Ctrl-C and SIGTERM from the first instant. Every
command that writes a file with ``-o`` checks the path before any work starts, resolves it
once (a plugin changing the working directory cannot move it), and infers the format from its
extension; while a command works, standard output is standard error
(:func:`auditkit.console.stdout_to_stderr`), so plugins cannot corrupt a report printed there.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click
import pandas as pd
from tabulate import tabulate

from auditkit.auditing.engine import DEFAULT_LEVEL, DEFAULT_SEEDS
from auditkit.console import stdout_to_stderr
from auditkit.data.world import read_world
from auditkit.errors import AuditkitError
from auditkit.plugin.registry import Registry, get_registry
from auditkit.plugin.scorer import Scorer, run_scorer
from auditkit.plugin.spec import build_scorer, scorer_specs
from auditkit.text import plural

__all__ = ["main"]

#: The output formats of the built-in renderers (plugins may add more; --format accepts them).
FORMATS_HELP = "table, markdown, html, junit or json (or a format a plugin adds)"
#: Formats whose audit report draws figures (the results' evidence is collected for them).
FIGURE_FORMATS = ("html", "json")


def gate_options(f):
    """``--fail-on``, ``--max-fail-rate`` and ``--gate-scorer``: when a finished audit exits 1
    (docs/reports.md). ``audit`` and ``report`` take them."""
    f = click.option(
        "--gate-scorer",
        "gate_scorers",
        multiple=True,
        metavar="ID",
        help="Gate only on this audited scorer (repeat for several); the others "
        "are reported but never fail the run. Default: every audited scorer.",
    )(f)
    f = click.option(
        "--max-fail-rate",
        type=click.FloatRange(0, 1),
        default=None,
        metavar="RATE",
        help="Exit 1 when a gated scorer fails more than this "
        "fraction of its checks (0.25: a quarter), whatever --fail-on says.",
    )(f)
    f = click.option(
        "--fail-on",
        type=click.Choice(["never", "fail", "error"]),
        default="never",
        show_default=True,
        help="Exit 1 when a gated scorer failed a check (fail), or failed or errored (error).",
    )(f)
    return f


def _gate(
    results: Any, fail_on: str, max_fail_rate: float | None, gate_scorers: tuple[str, ...]
) -> list[str]:
    """Why the gate trips (empty: it passes); a usage error for a scorer the results lack."""
    from auditkit.report.gate import gate

    return gate(results, fail_on=fail_on, max_fail_rate=max_fail_rate, scorers=list(gate_scorers))


def _exit_on(reasons: list[str]) -> None:
    """Exit 1 with the reasons on stderr when the gate tripped."""
    from auditkit.report.gate import EXIT_GATE

    for reason in reasons:
        click.echo(f"gate: {reason}", err=True)
    if reasons:
        sys.exit(EXIT_GATE)


class _Group(click.Group):
    """Turns library errors into a clean message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AuditkitError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


def _progress(message: str) -> None:
    """Say what is happening on stderr, only when a person is watching a terminal."""
    if sys.stderr.isatty():
        click.echo(f"\r\033[K{message}", err=True, nl=False)


def _done() -> None:
    if sys.stderr.isatty():
        click.echo("\r\033[K", err=True, nl=False)


def _registry() -> Registry:
    """The installed plugins; each plugin that failed to load is named on stderr (and what a
    plugin prints while it is imported goes there too)."""
    with stdout_to_stderr():
        registry = get_registry()
    for error in registry.errors:
        click.echo(f"Warning: {error}", err=True)
    return registry


def _scorers(registry: Registry, ids: list[str], params: tuple[str, ...]) -> list[Scorer]:
    """Instances of the scorer specs ``ids`` (``klout``, ``cand=kred[follow_points=5]``,
    :mod:`auditkit.plugin.spec`) with their ``--param ID.NAME=VALUE`` parameters."""
    return [build_scorer(registry, s) for s in scorer_specs(ids, params)]


class _Size(click.ParamType):
    """A memory size: 4GiB, 16GB, 500MB, 2e9."""

    name = "size"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        from auditkit.scenario.budget import parse_size

        if isinstance(value, int | float):
            return float(value)
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _budget_option(f):
    return click.option(
        "--budget",
        type=_Size(),
        default=None,
        metavar="SIZE",
        help="Memory one scenario's audit may take, e.g. 16GiB (default 4GiB); a scenario whose "
        "estimated size exceeds it is refused at validation with what to lower "
        "(docs/scenarios.md, Limits).",
    )(f)


def _budget(memory: float | None) -> Any:
    from auditkit.scenario.budget import Budget

    return Budget() if memory is None else Budget(memory)


def output_path(
    output: str | None,
    *,
    option: str = "-o",
    directory: bool = False,
    suffixes: tuple[str, ...] = (),
) -> str | None:
    """``output`` checked before any work starts and made absolute: its nearest existing
    ancestor must be a writable directory, it must not be a directory (or, with
    ``directory``, a file), and its extension one of ``suffixes`` when given. A mistake is a
    usage error (exit 2) naming the path and the fix."""
    if output is None:
        return None
    target = Path(output).expanduser().absolute()
    if suffixes and target.suffix.lower() not in suffixes:
        raise click.BadParameter(
            f"{output!r} must end with {' or '.join(suffixes)}", param_hint=option
        )
    if target.exists():
        if directory and not target.is_dir():
            raise click.BadParameter(
                f"{output!r} is a file; give a directory (it is created or replaced)",
                param_hint=option,
            )
        if not directory and target.is_dir():
            raise click.BadParameter(
                f"{output!r} is a directory; give a file name", param_hint=option
            )
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise click.BadParameter(
            f"cannot write {output!r}: {str(parent)!r} is a file, not a directory",
            param_hint=option,
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise click.BadParameter(
            f"cannot write {output!r}: no permission to write in {str(parent)!r}", param_hint=option
        )
    return str(target)


def _emit(report: object, fmt: str, output: str | None) -> None:
    """Print ``report`` as ``fmt``, or write it to ``output`` atomically."""
    from auditkit.report import render, write

    if output:
        write(report, output, fmt)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(render(report, fmt), nl=False)


def _format_option(default: str = "table", *, alias_json: bool = False):
    """``--format`` (one grammar for every command); ``--json`` kept as its alias."""

    def decorate(f):
        f = click.option(
            "--format",
            "fmt",
            default=default,
            show_default=True,
            metavar="FORMAT",
            help=f"Output format: {FORMATS_HELP}.",
        )(f)
        if alias_json:
            f = click.option("--json", "fmt", flag_value="json", help="Same as --format json.")(f)
        return f

    return decorate


def executor_options(f):
    """``--workers`` and ``--scheduler``: where the audit's tasks run (serial by default). Every
    command that runs audit tasks takes them (``audit``; ``diff`` should too) and passes
    ``executor_for(workers, scheduler)`` to the library."""
    f = click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Run the audit's tasks on the Dask cluster whose scheduler is at this "
        "address (tcp://HOST:PORT); needs auditkit[dask] here and on the workers.",
    )(f)
    f = click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Run the audit's tasks on a local Dask cluster of N worker processes "
        "(127.0.0.1); needs auditkit[dask]. Default: serially in this process.",
    )(f)
    return f


_PARAM_HELP = (
    "A scorer parameter as ID.NAME=VALUE (e.g. klout.window_days=60); NAME=VALUE "
    "when one scorer is named. Repeat for several."
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="auditkit")
def main() -> None:
    """Audit and compare social-influence scores for gaming, decay and spam inflation."""


def _listing(title: str, infos: list[dict[str, Any]], columns: list[str], fmt: str) -> None:
    """A plugin listing (scorers, behaviours, probes) in any output format."""
    from auditkit.plugin.renderer import Document, Fields

    def text(value: Any) -> str:
        return ",".join(map(str, value)) if isinstance(value, list) else str(value)

    blocks: list[Any] = []
    for info in infos:
        params = ", ".join(f"{k}={v['default']!r}" for k, v in info["params"].items())
        blocks.append(
            Fields(
                [(c, text(info[c])) for c in columns[1:]]
                + [("description", info["description"]), ("parameters", params or "none")],
                title=str(info[columns[0]]),
            )
        )
    _emit(Document("listing", title, blocks, infos), fmt, None)  # type: ignore[arg-type]


@main.command("scorers")
@_format_option(alias_json=True)
def scorers_command(fmt: str) -> None:
    """List every installed scorer: id, version, range, tags, description, parameters."""
    registry = _registry()
    infos = [_scorer_info(registry, sid) for sid in sorted(registry.scorers)]
    for info in infos:
        info["range_text"] = f"{info['range'][0]:g}-{info['range'][1]:g}"
    _listing(
        "Installed scorers", infos, ["id", "name", "version", "range_text", "tags", "plugin"], fmt
    )


def _scorer_info(registry: Registry, scorer_id: str) -> dict[str, Any]:
    cls = registry.scorers[scorer_id]
    info = cls.spec() if registry.needs_configuration(scorer_id) else cls().info()
    return info | {"plugin": registry.scorer_origin(scorer_id)}


@main.command("score")
@click.argument("world", type=click.Path(file_okay=False))
@click.option(
    "--scorer",
    "scorer_ids",
    required=True,
    multiple=True,
    metavar="SPEC",
    help="Id of the scorer (see `auditkit scorers`), or ID[NAME=VALUE,...] or "
    "LABEL=ID[...]; repeat to show several side by side (ranked by the first).",
)
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE", help=_PARAM_HELP)
@click.option(
    "--at",
    default=None,
    metavar="TIME",
    help="Score the world as of this time (ISO-8601 or unix seconds); default: its end.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Show only the N highest (by the first scorer).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--explain",
    "account",
    default=None,
    metavar="ACCOUNT",
    help="Print the itemised statement of one account's score instead (several "
    "scorers: their statements side by side).",
)
@click.option(
    "--lazy",
    is_flag=True,
    help="Leave the world's Parquet events on disk (a file or a partitioned "
    "directory) and aggregate them on Dask; kred and klout can, the other scorers "
    "need no events. Needs auditkit[dask].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="With --lazy: aggregate on a local Dask cluster of N worker processes.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="With --lazy: aggregate on the Dask cluster whose scheduler is at ADDRESS.",
)
def score_command(
    world: str,
    scorer_ids: tuple[str, ...],
    params: tuple[str, ...],
    at: str | None,
    top: int | None,
    fmt: str,
    account: str | None,
    lazy: bool,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Score every account of the WORLD directory with one or more scorers.

    The table shows each account's label (and its cohort, when the directory holds the
    truth.csv that `auditkit export` writes) beside its score and rank under every scorer."""
    ids = list(dict.fromkeys(scorer_ids))
    scorers = _scorers(_registry(), ids, params)
    if (workers is not None or scheduler is not None) and not lazy:
        raise click.UsageError(
            "--workers and --scheduler compute a lazy world's events on Dask; add --lazy"
        )
    if workers is not None or scheduler is not None:
        from auditkit.data.partitioned import dask_client

        with dask_client(workers, scheduler):
            _score(world, scorers, at, top, fmt, account, lazy)
    else:
        _score(world, scorers, at, top, fmt, account, lazy)


def _score(
    world: str,
    scorers: list[Scorer],
    at: str | None,
    top: int | None,
    fmt: str,
    account: str | None,
    lazy: bool,
) -> None:
    from auditkit.auditing.isolation import IsolatedScorer, isolate
    from auditkit.data.truthfile import read_truth
    from auditkit.report.scores import score_table

    measured = isolate(scorers)
    scores: dict[str, pd.Series] = {}
    timings: list[tuple[Scorer, float]] = []
    try:
        with stdout_to_stderr():
            _progress(f"loading {world} ...")
            w = read_world(world, lazy=lazy)
            truth = read_truth(world)
            cohorts = None if truth is None or "cohort" not in truth else truth["cohort"]
            at_ts = w.resolve_at(at)
            if account is not None:
                explained = _explain_accounts(w, measured, account, at_ts)
            else:
                for scorer in measured:
                    _progress(f"scoring {len(w):,} accounts with {scorer.id} ...")
                    started = time.perf_counter()
                    scores[scorer.id] = run_scorer(scorer, w, at_ts)
                    timings.append((scorer, time.perf_counter() - started))
    finally:
        for scorer in measured:
            if isinstance(scorer, IsolatedScorer):
                scorer.close()
    if account is not None:
        _done()
        _print_explained(w, explained, account, fmt, cohorts)
        return
    _done()
    table = score_table(w, scores, cohorts)
    if top:
        table = table.head(top)
    if fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    elif fmt == "json":
        infos = [s.info() | {"params": s.params.model_dump()} for s in scorers]
        payload = {"scorer": infos[0]} if len(infos) == 1 else {"scorers": infos}
        click.echo(
            json.dumps(
                payload
                | {
                    "at": None if at_ts is None else at_ts.isoformat(),
                    "scores": table.to_dict(orient="records"),
                },
                indent=2,
                default=str,
            )
        )
    else:
        click.echo(
            tabulate(
                table.values.tolist(), headers=list(table.columns), floatfmt=",.2f", intfmt=","
            )
        )
        when = "" if at_ts is None else f" as of {at_ts:%Y-%m-%d %H:%M UTC}"
        who = ", ".join(f"{s.name} ({s.id} {s.version})" for s, _ in timings)
        took = ", ".join(f"{elapsed:.2f} s" for _, elapsed in timings)
        click.echo(f"\n{who}{when}: {len(w):,} accounts scored in {took}", err=True)


def _explain_accounts(
    w: Any, scorers: list[Scorer], account: str, at_ts: Any
) -> tuple[list[Any], dict[str, int]]:
    """``score --explain``: each scorer's statement of ``account`` (on a read-only view of the
    world) and, with several scorers, the account's rank under each."""
    from auditkit.data.sealed import read_only_view
    from auditkit.report.scores import shared_ranks

    statements = []
    rank_of: dict[str, int] = {}
    for scorer in scorers:
        _progress(f"explaining {account} with {scorer.id} ...")
        statements.append(scorer.explain(read_only_view(w), account, at_ts))
        if len(scorers) > 1:
            rank_of[scorer.id] = int(shared_ranks(run_scorer(scorer, w, at_ts))[account])
    return statements, rank_of


def _print_explained(
    w: Any,
    explained: tuple[list[Any], dict[str, int]],
    account: str,
    fmt: str,
    cohorts: pd.Series | None,
) -> None:
    """Print :func:`_explain_accounts`' statements: one, or several side by side."""
    from auditkit.report.scores import statements_side_by_side

    statements, rank_of = explained
    if len(statements) == 1:
        _print_statement(statements[0], fmt)
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "account": account,
                    "statements": [s.to_dict() | {"rank": rank_of[s.scorer]} for s in statements],
                },
                indent=2,
                default=str,
            )
        )
    elif fmt == "csv":
        frames = [s.items.assign(scorer=s.scorer)[["scorer", *s.items.columns]] for s in statements]
        click.echo(pd.concat(frames, ignore_index=True).to_csv(index=False), nl=False)
    else:
        i = w.code_of(account)
        facts = []
        if "label" in w.accounts and not pd.isna(w.accounts["label"].iloc[i]):
            facts.append(f"label {w.accounts['label'].iloc[i]}")
        if cohorts is not None and str(cohorts.get(account, "")):
            facts.append(f"cohort {cohorts.get(account)}")
        who = f" ({', '.join(facts)})" if facts else ""
        click.echo(statements_side_by_side(statements, rank_of, len(w), who))


def _print_statement(statement: Any, fmt: str) -> None:
    from auditkit.report.scores import statement_text

    if fmt == "json":
        click.echo(json.dumps(statement.to_dict(), indent=2, default=str))
        return
    items: pd.DataFrame = statement.items
    if fmt == "csv":
        click.echo(items.to_csv(index=False), nl=False)
        return
    click.echo(statement_text(statement))


class _SeedCount(click.ParamType):
    """A whole number of seeds of at least 1, or ``auto``."""

    name = "N|auto"

    def convert(self, value: Any, param: Any, ctx: Any) -> int | str:
        if isinstance(value, int) or str(value).strip().lower() == "auto":
            return value if isinstance(value, int) else "auto"
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"{value!r} is not a whole number of at least 1 or 'auto'", param, ctx)
        return number


@main.command("audit")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--scorer",
    "scorer_ids",
    multiple=True,
    metavar="SPEC",
    help="Audit only this scorer: ID, ID[NAME=VALUE,...] or LABEL=ID[...] (the same "
    "scorer twice under two labels, docs/regression.md); repeat for several. Default: "
    "every installed score that needs no configuration (reference scorers, the "
    "controls and the oracle, only with --controls).",
)
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE", help=_PARAM_HELP)
@click.option(
    "--world",
    "world_dir",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Audit on this real world directory: the probes that apply to real data "
    "(label-based spam checks, follower correlation, decay, injected attacks).",
)
@click.option(
    "--seeds",
    type=_SeedCount(),
    default=DEFAULT_SEEDS,
    show_default=True,
    help="Seeds per scenario; each check's verdict is judged over them (median and "
    "its confidence interval, docs/verdicts.md). 'auto' adds seeds (to 18, then 36) to "
    "scenarios with an inconclusive verdict.",
)
@click.option(
    "--seed",
    "seed_base",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="BASE",
    help="Which seeds: a scenario with seed S runs S + 1000 x BASE "
    "onwards; different bases are independent replications.",
)
@click.option(
    "--level",
    type=click.FloatRange(0.5, 0.999),
    default=DEFAULT_LEVEL,
    show_default=True,
    metavar="P",
    help="Confidence level of the interval for the median over seeds.",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Apply your own acceptable levels: a YAML file of "
    "'scenario.check: {field: value}' bounds (docs/verdicts.md). The results record "
    "the file and every bound it set.",
)
@click.option(
    "--controls",
    is_flag=True,
    help="Also measure each check's positive and negative control scorers and the "
    "oracle, to show that every check can fail and can pass.",
)
@_format_option()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Write the report to this file (atomically) instead of printing it; its "
    "extension chooses the format when --format is not given (.html, .md, .xml, "
    ".json, .txt).",
)
@gate_options
@click.option(
    "--figures/--no-figures",
    default=True,
    show_default=True,
    help="For html and json: collect what the report's figures are drawn from on "
    "each scenario's first seed (10-15 s more for the bundled library; "
    "docs/reports.md).",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print no progress (by default: a bar on a terminal, a line every tenth of "
    "the tasks or 30 s in a log).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds one scoring may take before it becomes an error verdict.",
)
@_budget_option
@click.option(
    "--isolation",
    type=click.Choice(["third-party", "all", "none"]),
    default="third-party",
    show_default=True,
    help="Which scorers run in worker processes, where a crash, a hang or a stray "
    "thread becomes an error verdict and the time limit kills (docs/plugins.md). "
    "With --workers or --scheduler, Dask's worker processes are the isolation.",
)
@executor_options
def audit_command(
    paths: tuple[str, ...],
    scorer_ids: tuple[str, ...],
    params: tuple[str, ...],
    world_dir: str | None,
    seeds: int | str,
    seed_base: int,
    level: float,
    policy_file: str | None,
    controls: bool,
    fmt: str,
    output: str | None,
    fail_on: str,
    max_fail_rate: float | None,
    gate_scorers: tuple[str, ...],
    figures: bool,
    quiet: bool,
    time_limit: float,
    budget: float | None,
    isolation: str,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Run scenarios (files or directories; default: the bundled library) against scorers over
    several seeds and print the scorecard: which scorer is fooled by what, by how much, and how
    sure that is. Exit codes: 0 done (and the gate passed), 1 the gate tripped (--fail-on,
    --max-fail-rate), 2 a usage error; see docs/reports.md.

    With -o, each finished scenario is saved at once in a journal beside the output; an audit
    that was interrupted resumes from it when run again with the same -o."""
    from auditkit.auditing.engine import audit
    from auditkit.auditing.executor import executor_for
    from auditkit.auditing.isolation import IsolatingExecutor
    from auditkit.auditing.journal import Journal
    from auditkit.report.progress import TaskProgress
    from auditkit.scenario.library import bundled_scenarios
    from auditkit.scenario.model import load_scenarios
    from auditkit.scenario.policy import load_policy
    from auditkit.text import plural

    output = output_path(output)
    fmt = _output_format(fmt, output)
    plan = _budget(budget)
    with stdout_to_stderr():
        registry = _registry()
        policy = load_policy(policy_file) if policy_file else None
        if world_dir is not None:
            from auditkit.scenario.realworld import real_world_scenarios

            scenarios = real_world_scenarios(world_dir, registry)
            scenarios += load_scenarios(list(paths), registry, budget=plan) if paths else []
        else:
            scenarios = load_scenarios(list(paths) or [bundled_scenarios()], registry, budget=plan)
        if not scenarios:
            raise click.UsageError("no scenario files (*.yaml) found in " + ", ".join(paths))
        scorers = _scorers(registry, list(scorer_ids) or [s.id for s in registry.all()], params)
        unknown = [g for g in gate_scorers if g not in {s.id for s in scorers}]
        if unknown:
            raise click.BadParameter(
                f"{unknown[0]!r} is not among the audited scorers "
                f"({', '.join(s.id for s in scorers)})",
                param_hint="--gate-scorer",
            )
        journal = Journal.beside(output) if output else None
        started = time.perf_counter()
        progress = TaskProgress("audit", quiet=quiet)
        if workers is not None or scheduler is not None:
            progress.message(
                "starting Dask workers ..."
                if scheduler is None
                else f"connecting to {scheduler} ..."
            )
        inner = executor_for(workers, scheduler)
        executor = (
            inner
            if workers is not None or scheduler is not None
            else IsolatingExecutor(inner, isolate=isolation)  # type: ignore[arg-type]
        )
        try:
            with executor:
                results = audit(
                    scenarios,
                    scorers,
                    seeds=seeds,  # type: ignore[arg-type]
                    seed=seed_base,
                    level=level,
                    policy=policy,
                    controls=controls,
                    registry=registry,
                    time_limit=time_limit,
                    executor=executor,
                    progress=progress.message,
                    step=progress,
                    budget=plan,
                    journal=journal,
                    evidence=figures and fmt in FIGURE_FORMATS,
                )
        except KeyboardInterrupt:
            if journal is not None and journal.path.exists():
                click.echo(
                    f"\nThe scenarios finished so far are saved in {journal.path}; run "
                    "the same command again to resume.",
                    err=True,
                )
            raise
        finally:
            progress.close()
            if journal is not None:
                journal.close()
    _emit(results, fmt, output)
    _step_summary(results)
    if journal is not None:
        journal.remove()
    counts = results.counts()
    per = "auto seeds" if seeds == "auto" else plural(int(seeds), "seed")
    click.echo(
        f"{plural(len(scenarios), 'scenario')} x {per} x "
        f"{plural(len(scorers), 'scorer')} in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{n} {v}" for v, n in counts.items()),
        err=True,
    )
    _exit_on(_gate(results, fail_on, max_fail_rate, gate_scorers))


def _step_summary(report: object) -> None:
    """On GitHub Actions (``GITHUB_STEP_SUMMARY`` names a file), append the report as Markdown
    to the job's summary page."""
    import os

    from auditkit.report import render

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(render(report, "markdown") + "\n")


def _output_format(fmt: str, output: str | None) -> str:
    """``--format`` as given, or the format of ``-o``'s extension when ``--format`` was left at
    its default."""
    from auditkit.report import format_for_path
    from auditkit.report.output import renderer

    source = click.get_current_context().get_parameter_source("fmt")
    if output and source is click.core.ParameterSource.DEFAULT:
        fmt = format_for_path(output) or "json"
    renderer(fmt)  # an unknown format is a usage error before any work starts
    return fmt


@main.command("report")
@click.argument("results_file", metavar="RESULTS.json", type=click.Path(dir_okay=False))
@_format_option()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Write the report to this file (atomically); its extension chooses the "
    "format when --format is not given (.html, .md, .xml, .json, .txt).",
)
@gate_options
def report_command(
    results_file: str,
    fmt: str,
    output: str | None,
    fail_on: str,
    max_fail_rate: float | None,
    gate_scorers: tuple[str, ...],
) -> None:
    """Render a results file written by `auditkit audit --format json` (e.g. a CI artefact) in
    another format: an HTML page for a memo, Markdown for a pull request, JUnit XML for CI.
    The gate options judge the file as `auditkit audit` would (exit 1 when it trips)."""
    from auditkit.auditing.results import Results

    fmt = _output_format(fmt, output)
    try:
        with open(results_file, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditkitError(
            f"{results_file}: cannot read it ({exc}); give the JSON file that "
            "`auditkit audit --format json -o FILE` wrote"
        ) from None
    results = Results.from_json(text, source=results_file)
    reasons = _gate(results, fail_on, max_fail_rate, gate_scorers)
    _emit(results, fmt, output)
    _exit_on(reasons)


def _read_results(path: str) -> Any:
    """The results file at ``path`` (a user error when it is not one)."""
    from auditkit.auditing.results import Results

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditkitError(
            f"{path}: cannot read it ({exc}); give the JSON file that "
            "`auditkit audit --format json -o FILE` wrote"
        ) from None
    return Results.from_json(text, source=path)


@main.command("diff")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--base",
    "base_spec",
    default=None,
    metavar="SPEC",
    help="Run the diff itself: the base scorer, as ID, ID[NAME=VALUE,...] or "
    "NAME=ID[...] (e.g. kred); PATHS are then scenarios (default: the bundled "
    "library).",
)
@click.option(
    "--candidate",
    "candidate_spec",
    default=None,
    metavar="SPEC",
    help="The candidate scorer, e.g. kred[follow_points=5]; with --base.",
)
@click.option(
    "--tolerances",
    "tolerances_file",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="A YAML file of how much each check may "
    "worsen before the gate fails ('default: 0' and 'checks: {scenario.check: N}'; "
    "docs/regression.md). Default: 0 for every check.",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=DEFAULT_SEEDS,
    show_default=True,
    help="With --base/--candidate: seeds per scenario, the same for both sides.",
)
@click.option(
    "--seed",
    "seed_base",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="BASE",
    help="With --base/--candidate: which seeds (as `auditkit audit --seed`).",
)
@click.option(
    "--level",
    type=click.FloatRange(0.5, 0.999),
    default=None,
    metavar="P",
    help="Confidence level of the intervals of the paired changes (default: the "
    f"base audit's, {DEFAULT_LEVEL:g} when the diff runs the audit).",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="With --base/--candidate: your own acceptable levels (as `auditkit audit --policy`).",
)
@click.option(
    "--no-churn",
    is_flag=True,
    help="With --base/--candidate: skip the rank churn "
    "(which scores every treated world once more with both scorers).",
)
@click.option(
    "--update-baseline",
    "baseline",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="PATH",
    help="When the gate passes, write the candidate's results to "
    "PATH (atomically) as the new baseline; with a regression nothing is written.",
)
@_format_option()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Write the diff to this file (atomically); its extension chooses the format "
    "when --format is not given (.md, .html, .json, .xml, .txt).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="With --base/--candidate: seconds one scoring may take.",
)
@executor_options
def diff_command(
    paths: tuple[str, ...],
    base_spec: str | None,
    candidate_spec: str | None,
    tolerances_file: str | None,
    seeds: int,
    seed_base: int,
    level: float | None,
    policy_file: str | None,
    no_churn: bool,
    baseline: str | None,
    fmt: str,
    output: str | None,
    time_limit: float,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """What a scoring change moved, and a CI gate: compare a base and a candidate audit.

    `auditkit diff BASE.json CANDIDATE.json` compares two results files (verdicts and probe
    values, seed by seed). `auditkit diff --base SPEC --candidate SPEC [SCENARIOS...]` audits
    both scorers on the same scenarios and seeds, and adds the rank churn on every world, the
    accounts that moved most and the bystanders that moved. Exit code 1 when a check regressed
    (docs/regression.md), 0 otherwise."""
    from auditkit.auditing.diff import compare, diff_scorers
    from auditkit.auditing.tolerances import load_tolerances
    from auditkit.files import atomic_write

    fmt = _output_format(fmt, output)
    tolerances = load_tolerances(tolerances_file) if tolerances_file else None
    started = time.perf_counter()
    if base_spec is None and candidate_spec is None:
        if len(paths) != 2:
            raise click.UsageError(
                "give two results files (auditkit diff BASE.json "
                "CANDIDATE.json), or --base SPEC --candidate SPEC and "
                "scenarios"
            )
        ran = {
            "--seeds": seeds != DEFAULT_SEEDS,
            "--seed": seed_base != 0,
            "--policy": policy_file is not None,
            "--no-churn": no_churn,
            "--workers": workers is not None,
            "--scheduler": scheduler is not None,
        }
        if any(ran.values()):
            raise click.UsageError(
                f"{next(k for k, v in ran.items() if v)} applies when the "
                "diff runs the audits (--base/--candidate); two results "
                "files were audited already"
            )
        base_results, cand_results = (_read_results(p) for p in paths)
        diff = compare(base_results, cand_results, tolerances=tolerances, level=level)
        diff.meta["base"]["source"], diff.meta["candidate"]["source"] = paths
    elif base_spec is None or candidate_spec is None:
        raise click.UsageError(
            "give both --base SPEC and --candidate SPEC (e.g. --base kred "
            "--candidate 'kred[follow_points=5]')"
        )
    else:
        from auditkit.auditing.executor import executor_for
        from auditkit.scenario.library import bundled_scenarios
        from auditkit.scenario.model import load_scenarios
        from auditkit.scenario.policy import load_policy

        registry = _registry()
        base = build_scorer(registry, base_spec, option="--base")
        candidate = build_scorer(registry, candidate_spec, option="--candidate")
        policy = load_policy(policy_file) if policy_file else None
        scenarios = load_scenarios(list(paths) or [bundled_scenarios()], registry)
        if not scenarios:
            raise click.UsageError("no scenario files (*.yaml) found in " + ", ".join(paths))
        with executor_for(workers, scheduler) as executor:
            diff, _, cand_results = diff_scorers(
                scenarios,
                base,
                candidate,
                seeds=seeds,
                seed=seed_base,
                level=level or DEFAULT_LEVEL,
                policy=policy,
                registry=registry,
                executor=executor,
                time_limit=time_limit,
                tolerances=tolerances,
                churn=not no_churn,
                progress=_progress,
            )
        diff.meta["base"]["label"] = base_spec
        diff.meta["candidate"]["label"] = candidate_spec
    _done()
    _emit(diff, fmt, output)
    _step_summary(diff)
    counts = ", ".join(f"{n} {k}" for k, n in diff.counts().items() if n)
    verdict = (
        f"gate FAILED: {plural(len(diff.regressions), 'check')} regressed"
        if diff.failed
        else "gate passed"
    )
    click.echo(
        f"{plural(len(diff.changes), 'check')} compared in "
        f"{time.perf_counter() - started:.1f} s: {counts}; {verdict}",
        err=True,
    )
    if baseline:
        if diff.failed:
            click.echo(f"baseline {baseline} not updated: the candidate regressed", err=True)
        else:
            atomic_write(baseline, cand_results.to_json() + "\n")
            click.echo(f"wrote baseline {baseline}", err=True)
    if diff.failed:
        sys.exit(1)


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_budget_option
def validate_command(paths: tuple[str, ...], budget: float | None) -> None:
    """Check scenario files: YAML, fields, behaviours, probes, cohort names, and the size of
    the worlds they would build against the budget."""
    from auditkit.scenario.model import load_scenarios
    from auditkit.text import plural

    with stdout_to_stderr():
        scenarios = load_scenarios(list(paths), _registry(), budget=_budget(budget))
    for s in scenarios:
        click.echo(f"ok  {s.path}  ({s.id}, {s.flaw}, {plural(len(s.checks), 'check')})")


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion)."""
    from auditkit.scenario.schema import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(_registry()), indent=2))


@main.command("behaviours")
@_format_option(alias_json=True)
def behaviours_command(fmt: str) -> None:
    """List the cohort behaviours scenarios can use."""
    infos = [cls.info() for _, cls in sorted(_registry().behaviours.items())]
    _listing("Cohort behaviours", infos, ["id", "flaws", "treatment"], fmt)


@main.command("probes")
@_format_option(alias_json=True)
def probes_command(fmt: str) -> None:
    """List the probes scenarios can measure with."""
    infos = [cls.info() for _, cls in sorted(_registry().probes.items())]
    _listing("Probes", infos, ["id", "unit"], fmt)


@main.command("import")
@click.argument(
    "fmt",
    metavar="FORMAT",
    type=click.Choice(
        ["caverlee2011", "cresci2015", "higgs", "influence-propagation", "edgelist", "activity"]
    ),
)
@click.argument("source", type=click.Path())
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="The world directory to write (replaced atomically if it exists).",
)
@click.option(
    "--format",
    "out_format",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="File format of the world's tables.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Read at most N rows of the main input (per file for caverlee2011 and per "
    "network for influence-propagation): a quick subset.",
)
def import_command(fmt: str, source: str, output: str, out_format: str, limit: int | None) -> None:
    """Convert a data set or your own export (SOURCE) into a world directory.

    FORMAT is caverlee2011, cresci2015, higgs or influence-propagation (the public data sets of
    docs/real-data.md), edgelist (follower followee [time]) or activity (a CSV with time,
    actor, action, target). See docs/importing.md."""
    from auditkit.data.importers import import_world

    output = output_path(output, directory=True) or output
    started = time.perf_counter()
    _progress(f"reading {source} as {fmt} ...")
    with stdout_to_stderr():
        imported = import_world(fmt, source, limit=limit)
        _progress(f"writing {output} ...")
        imported.world.write(output, format=out_format)
    _done()
    for note in imported.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"wrote {output}: {imported.world!r} in {time.perf_counter() - started:.1f} s", err=True
    )


@main.command("attack")
@click.option(
    "--scorer",
    "scorer_ids",
    multiple=True,
    required=True,
    metavar="ID",
    help="Scorer to attack; repeat to compare several on the same budget.",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    required=True,
    metavar="N",
    help="Cost units the attacker may spend (cost model: docs/attack.md).",
)
@click.option(
    "--target-percentile",
    type=click.FloatRange(0, 100),
    default=50.0,
    show_default=True,
    metavar="P",
    help="The target's traits sit at this percentile of the base population.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="N",
    help="Seed of the population and of the search.",
)
@click.option(
    "--population",
    "accounts",
    type=click.IntRange(10, 1_000_000),
    default=1000,
    show_default=True,
    metavar="N",
    help="Accounts in the generated base population.",
)
@click.option(
    "--max-evaluations",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    metavar="K",
    help="Distinct attacks evaluated per scorer.",
)
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE", help=_PARAM_HELP)
@click.option(
    "--freeze-seeds/--no-freeze-seeds",
    default=True,
    show_default=True,
    help="Seeded scorers (trustrank, sybilrank) keep the seeds their default pick "
    "chooses before the attack, as a vetting oracle would; --no-freeze-seeds lets "
    "them re-pick their seeds on every attacked world, so the attack can make its "
    "target a seed.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="SCENARIO.yaml",
    help="Write the best attack as a scenario `auditkit audit` reruns (several "
    "scorers: one file per scorer, SCENARIO-<id>.yaml).",
)
@_format_option()
def attack_command(
    scorer_ids: tuple[str, ...],
    budget: int,
    target_percentile: float,
    seed: int,
    accounts: int,
    max_evaluations: int,
    params: tuple[str, ...],
    freeze_seeds: bool,
    output: str | None,
    fmt: str,
) -> None:
    """Search for the attack that lifts one ordinary account's score the most for a budget:
    fake followers, bought reactions, follow-back harvesting, pods, a sybil farm behind attack
    edges, celebrity reshares. Seeded local search; see docs/attack.md."""
    from auditkit.attack import run_attack
    from auditkit.report.output import renderer

    output = output_path(output, suffixes=(".yaml", ".yml"))
    renderer(fmt)
    with stdout_to_stderr():
        registry = _registry()
        scorers = _scorers(registry, list(scorer_ids), params)
        started = time.perf_counter()
        report = run_attack(
            registry,
            scorers,
            budget,
            accounts=accounts,
            seed=seed,
            target_percentile=target_percentile,
            max_evaluations=max_evaluations,
            frozen_seeds=freeze_seeds,
            output=output,
            progress=_progress,
        )
    _done()
    _emit(report, fmt, None)
    click.echo(
        f"{plural(len(scorers), 'scorer')}, "
        f"{plural(sum(r.evaluations for r in report.results), 'evaluation')} in "
        f"{time.perf_counter() - started:.1f} s",
        err=True,
    )


# ---- auditkit check: the conformance suite (auditkit.checks) ----------------------------------


@main.command("check")
@click.option(
    "--scorer",
    "scorer_id",
    required=True,
    metavar="ID",
    help="Id of the scorer to check (see `auditkit scorers`).",
)
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE", help=_PARAM_HELP)
@_format_option()
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Examples drawn by each property check (default 25).",
)
@click.option(
    "--expect-fail",
    "expected",
    multiple=True,
    metavar="CHECK=REASON",
    help="Declare a known failure and why (reported as xfail); repeat.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["never", "fail"]),
    default="never",
    show_default=True,
    help="Exit 1 when a check fails unexpectedly or a declared failure passes.",
)
def check_command(
    scorer_id: str,
    params: tuple[str, ...],
    fmt: str,
    max_examples: int | None,
    expected: tuple[str, ...],
    fail_on: str,
) -> None:
    """Run the conformance checks on one scorer: the API contract every scorer must meet and
    behavioural properties (engagement, sybils, silence, spam, bought followers), each with a
    minimal counterexample. Findings exit 0 unless --fail-on fail; see docs/checks.md."""
    from auditkit.checks import check_scorer
    from auditkit.report.output import renderer

    renderer(fmt)
    with stdout_to_stderr():
        (scorer,) = _scorers(_registry(), [scorer_id], params)
    declared: dict[str, str] = {}
    for pair in expected:
        name, sep, reason = pair.partition("=")
        if not sep or not name.strip() or not reason.strip():
            raise click.BadParameter(
                f"{pair!r} is not CHECK=REASON, e.g. --expect-fail "
                "check_sybil_gain_bounded='counts every follower'",
                param_hint="--expect-fail",
            )
        declared[name.strip()] = reason.strip()
    started = time.perf_counter()
    with stdout_to_stderr():
        report = check_scorer(
            scorer, expected_failed_checks=declared, max_examples=max_examples, progress=_progress
        )
    _done()
    _emit(report, fmt, None)
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    click.echo(
        f"{plural(len(report.results), 'check')} of {report.scorer} in "
        f"{time.perf_counter() - started:.1f} s: {counts}",
        err=True,
    )
    if fail_on == "fail" and not report.ok:
        sys.exit(1)


# ---- teaching: auditkit explain and auditkit export (auditkit.explain) -----------------------

#: What `auditkit explain` writes into its output directory.
EXPLAIN_ENTRIES = ("small-world.svg", "explanation.md", "world", "control")


def _scenario_file(path: str) -> Any:
    """The one scenario of a YAML file (a directory or a file of several is a usage error)."""
    from pathlib import Path

    from auditkit.scenario.model import load_scenarios

    if Path(path).is_dir():
        raise click.BadParameter(
            f"{path!r} is a directory; give one scenario file (.yaml)", param_hint="SCENARIO"
        )
    (scenario,) = load_scenarios([path], _registry())
    return scenario


@main.command("explain")
@click.argument("scenario", type=click.Path(exists=True))
@click.option(
    "--scorer",
    "scorer_id",
    required=True,
    metavar="ID",
    help="Id of the scorer to explain (see `auditkit scorers`).",
)
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE", help=_PARAM_HELP)
@click.option(
    "--check",
    "check",
    default=None,
    metavar="NAME",
    help="The check to explain (its name, or its probe when it has none); default: "
    "the scenario's first.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Seed of the scenario's worlds; default: the scenario's own.",
)
@click.option(
    "--versus",
    default="auto",
    show_default=True,
    metavar="ID|auto|none",
    help="A scorer to contrast with, kept with its own verdict in the small world: "
    "auto picks the first built-in scorer (by id) whose verdict differs.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Where to write the picture (small-world.svg), the small world (world/, "
    "control/) and explanation.md; default: a folder named after the scenario.",
)
@_format_option()
def explain_command(
    scenario: str,
    scorer_id: str,
    params: tuple[str, ...],
    check: str | None,
    seed: int | None,
    versus: str,
    output: str | None,
    fmt: str,
) -> None:
    """Explain in plain words what a SCENARIO file does and what a scorer did with it, with
    the smallest world that shows the same finding (found by delta debugging, checked by
    scoring it again), the statements of the accounts involved and a picture. See
    docs/teaching.md."""
    from pathlib import Path

    from auditkit.explain.explanation import explain_scenario
    from auditkit.explain.export import check_output_directory, write_built
    from auditkit.files import atomic_directory
    from auditkit.plugin.renderer import Figure
    from auditkit.report import render
    from auditkit.report.explain import explain_document
    from auditkit.report.output import renderer

    renderer(fmt)
    registry = _registry()
    spec = _scenario_file(scenario)
    (scorer,) = _scorers(registry, [scorer_id], params)
    out = Path(output or spec.id)
    check_output_directory(out, EXPLAIN_ENTRIES)
    started = time.perf_counter()
    explanation = explain_scenario(
        spec, scorer, registry, check=check, seed=seed, versus=versus, progress=_progress
    )
    document = explain_document(explanation)
    figure = next(b for b in document.blocks if isinstance(b, Figure))
    markdown = render(document, "markdown").replace(
        f"*Figure: {figure.title}.*",
        f"![{figure.title}](small-world.svg)\n\n*Figure: {figure.title}.*",
    )
    with atomic_directory(out) as tmp:
        (tmp / "small-world.svg").write_text(figure.svg, encoding="utf-8")
        (tmp / "explanation.md").write_text(markdown, encoding="utf-8")
        write_built(explanation.small_run.treated, tmp / "world")
        if explanation.has_control:
            write_built(explanation.small_run.control, tmp / "control")
    _done()
    _emit(document, fmt, None)
    wrote = ["small-world.svg", "explanation.md", "world/"]
    wrote += ["control/"] if explanation.has_control else []
    click.echo(
        f"wrote {out}/: " + ", ".join(wrote) + f" in {time.perf_counter() - started:.1f} s",
        err=True,
    )
    scorers = " ".join(f"--scorer {s.id}" for s in explanation.scorers)
    click.echo(
        f"score it yourself: auditkit score {out}/world {scorers} --at "
        f"{explanation.at:%Y-%m-%dT%H:%M:%SZ}",
        err=True,
    )


@main.command("export")
@click.argument("scenario", type=click.Path(exists=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="The directory to write: treated/ and control/ worlds with their truth.csv, "
    "and scenario.yaml (replaced atomically if it exists).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Seed of the scenario's worlds; default: the scenario's own.",
)
@click.option(
    "--format",
    "out_format",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="File format of the worlds' tables.",
)
def export_command(scenario: str, output: str, seed: int | None, out_format: str) -> None:
    """Write a SCENARIO's treated and control worlds as world directories (docs/world-format.md)
    with labels, and beside each a truth.csv (cohort, role and ground truth of every account),
    to open in a spreadsheet, edit and score again with `auditkit score`."""
    from auditkit.explain.export import export_run
    from auditkit.scenario.run import ScenarioRun

    registry = _registry()
    spec = _scenario_file(scenario)
    run = ScenarioRun(spec, spec.population.seed if seed is None else seed, registry)
    started = time.perf_counter()
    _progress(f"building {spec.id} (seed {run.seed}) ...")
    run.treated, run.control  # noqa: B018 -- build both before writing anything
    _progress(f"writing {output} ...")
    export_run(run, output, format=out_format)
    _done()
    same = (
        " (no cohort has a treatment: the control world is the treated world)"
        if run.control is run.treated
        else ""
    )
    click.echo(
        f"wrote {output}/: treated/ ({run.treated.world!r}), control/ "
        f"({run.control.world!r}){same}, scenario.yaml (seed {run.seed}) in "
        f"{time.perf_counter() - started:.1f} s",
        err=True,
    )
