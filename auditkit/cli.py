"""The ``auditkit`` command line: a thin layer over the library.

A user's mistake (an :class:`~auditkit.errors.AuditkitError`) is printed as one message and
exits with code 2; there is no traceback for it.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click
import pandas as pd
from tabulate import tabulate

from auditkit.errors import AuditkitError
from auditkit.plugins import get_registry
from auditkit.scorer import parse_param_value, run_scorer
from auditkit.world import read_world

__all__ = ["main"]


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


def _warn_plugin_errors() -> None:
    for error in get_registry().errors:
        click.echo(f"Warning: {error}", err=True)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE, e.g. --param window_days=30",
                                     param_hint="--param")
        params[key.strip()] = parse_param_value(value)
    return params


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="auditkit")
def main() -> None:
    """Audit and compare social-influence scores for gaming, decay and spam inflation."""


@main.command("scorers")
@click.option("--json", "as_json", is_flag=True, help="Print the metadata as JSON.")
def scorers_command(as_json: bool) -> None:
    """List every installed scorer: id, version, range, tags, description."""
    registry = get_registry()
    _warn_plugin_errors()
    infos = [_scorer_info(registry, sid) for sid in sorted(registry.scorers)]
    if as_json:
        click.echo(json.dumps(infos, indent=2, default=str))
        return
    rows = [[i["id"], i["version"], f"{i['range'][0]:g}-{i['range'][1]:g}", ",".join(i["tags"]),
             i["name"]] for i in infos]
    click.echo(tabulate(rows, headers=["id", "version", "range", "tags", "name"],
                        disable_numparse=True))
    for info in infos:
        params = ", ".join(f"{k}={v['default']!r}" for k, v in info["params"].items())
        click.echo(f"\n{info['id']}: {info['description']}\n  parameters: {params or 'none'}")


def _scorer_info(registry, scorer_id: str) -> dict[str, Any]:
    cls = registry.scorers[scorer_id]
    info = cls.spec() if registry.needs_configuration(scorer_id) else cls().info()
    return info | {"plugin": registry.scorer_origin(scorer_id)}


@main.command("score")
@click.argument("world", type=click.Path(file_okay=False))
@click.option("--scorer", "scorer_id", required=True,
              help="Id of the scorer (see `auditkit scorers`).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A scorer parameter; repeat for several. ID.NAME=VALUE, as `audit` takes "
              "it, works too when ID is this scorer.")
@click.option("--at", default=None, metavar="TIME",
              help="Score the world as of this time (ISO-8601 or unix seconds); default: its end.")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only the N highest.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("--explain", "account", default=None, metavar="ACCOUNT",
              help="Print the itemised statement of one account's score instead.")
def score_command(world: str, scorer_id: str, params: tuple[str, ...], at: str | None,
                  top: int | None, fmt: str, account: str | None) -> None:
    """Score every account of the WORLD directory with one scorer."""
    parsed = {k.removeprefix(f"{scorer_id}."): v for k, v in _parse_params(params).items()}
    scorer = get_registry().scorer(scorer_id, **parsed)
    _progress(f"loading {world} ...")
    w = read_world(world)
    at_ts = w.resolve_at(at)
    if account is not None:
        _progress(f"explaining {account} with {scorer_id} ...")
        statement = scorer.explain(w, account, at_ts)
        _done()
        _print_statement(statement, fmt)
        return
    _progress(f"scoring {len(w):,} accounts with {scorer_id} ...")
    started = time.perf_counter()
    scores = run_scorer(scorer, w, at_ts)
    elapsed = time.perf_counter() - started
    _done()
    table = (scores.rename("score").rename_axis("account").reset_index()
             .sort_values(["score", "account"], ascending=[False, True], kind="stable"))
    table.insert(0, "rank", range(1, len(table) + 1))
    if top:
        table = table.head(top)
    if fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(json.dumps({"scorer": scorer.info() | {"params": scorer.params.model_dump()},
                               "at": None if at_ts is None else at_ts.isoformat(),
                               "scores": table.to_dict(orient="records")}, indent=2, default=str))
    else:
        click.echo(tabulate(table.values.tolist(), headers=list(table.columns), floatfmt=".2f"))
        when = "" if at_ts is None else f" as of {at_ts:%Y-%m-%d %H:%M UTC}"
        click.echo(f"\n{scorer.name} ({scorer.id} {scorer.version}){when}: "
                   f"{len(w):,} accounts scored in {elapsed:.2f} s", err=True)


def _print_statement(statement, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(statement.to_dict(), indent=2, default=str))
        return
    items: pd.DataFrame = statement.items
    if fmt == "csv":
        click.echo(items.to_csv(index=False), nl=False)
        return
    when = "" if statement.at is None else f" as of {statement.at:%Y-%m-%d %H:%M UTC}"
    click.echo(f"{statement.scorer} statement for {statement.account}{when}")
    click.echo(tabulate(items.values.tolist(), headers=list(items.columns), floatfmt=".4g"))
    click.echo(f"total points {statement.total:.3f} = score {statement.score:.3f}")
    for note in statement.notes:
        click.echo(f"note: {note}")


@main.command("audit")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--scorer", "scorer_ids", multiple=True, metavar="ID",
              help="Audit only this scorer; repeat for several. Default: every installed one "
              "that needs no configuration.")
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE",
              help="A parameter of one audited scorer, e.g. klout.window_days=60; repeat.")
@click.option("--world", "world_dir", type=click.Path(file_okay=False), default=None,
              help="Audit on this real world directory: the probes that apply to real data "
              "(label-based spam checks, follower correlation, decay, injected attacks).")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Run each scenario with this many seeds (a spread of results).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]),
              default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the results to this file (atomically) instead of printing them.")
@click.option("--fail-on", type=click.Choice(["never", "fail", "error"]), default="never",
              show_default=True, help="Exit 1 when any check failed (fail) or failed or "
              "errored (error).")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds one scoring may take before it becomes an error verdict.")
def audit_command(paths: tuple[str, ...], scorer_ids: tuple[str, ...], params: tuple[str, ...],
                  world_dir: str | None, seeds: int, fmt: str, output: str | None, fail_on: str,
                  time_limit: float) -> None:
    """Run scenarios (files or directories; default: the bundled library) against scorers and
    print the scorecard: which scorer is fooled by what, and by how much."""
    from auditkit.auditing import audit, bundled_scenarios
    from auditkit.scenario import load_scenarios

    registry = get_registry()
    _warn_plugin_errors()
    if world_dir is not None:
        from auditkit.realdata import real_world_scenarios

        scenarios = real_world_scenarios(world_dir, registry)
        scenarios += load_scenarios(list(paths), registry) if paths else []
    else:
        scenarios = load_scenarios(list(paths) or [bundled_scenarios()], registry)
    if not scenarios:
        raise click.UsageError("no scenario files (*.yaml) found in " + ", ".join(paths))
    per_scorer = _scorer_params(params)
    ids = list(scorer_ids) or [s.id for s in registry.all()]
    unknown = sorted(set(per_scorer) - set(ids))
    if unknown:
        raise click.BadParameter(f"--param names scorer {unknown[0]!r}, which is not audited; "
                                 "add --scorer " + unknown[0], param_hint="--param")
    scorers = [registry.scorer(s, **per_scorer.get(s, {})) for s in ids]
    started = time.perf_counter()
    results = audit(scenarios, scorers, seeds=seeds, registry=registry, time_limit=time_limit,
                    progress=_progress)
    _done()
    if output:
        results.write(output, fmt)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(results.render(fmt), nl=False)
    counts = results.counts()
    click.echo(f"{len(scenarios)} scenarios x {seeds} seed(s) x {len(scorers)} scorers in "
               f"{time.perf_counter() - started:.1f} s: "
               + ", ".join(f"{n} {v}" for v, n in counts.items()), err=True)
    if (fail_on == "fail" and counts["fail"]) or \
            (fail_on == "error" and (counts["fail"] or counts["error"])):
        sys.exit(1)


def _scorer_params(pairs: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, value in _parse_params(pairs).items():
        scorer_id, dot, name = key.partition(".")
        if not dot or not name:
            raise click.BadParameter(f"{key!r} is not ID.NAME, e.g. klout.window_days=60",
                                     param_hint="--param")
        out.setdefault(scorer_id, {})[name] = value
    return out


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate_command(paths: tuple[str, ...]) -> None:
    """Check scenario files: YAML, fields, behaviours, probes and cohort names."""
    from auditkit.scenario import load_scenarios

    scenarios = load_scenarios(list(paths), get_registry())
    for s in scenarios:
        click.echo(f"ok  {s.path}  ({s.id}, {s.flaw}, {len(s.checks)} checks)")


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion)."""
    from auditkit.schema import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(get_registry()), indent=2))


@main.command("behaviours")
@click.option("--json", "as_json", is_flag=True)
def behaviours_command(as_json: bool) -> None:
    """List the cohort behaviours scenarios can use."""
    infos = [cls.info() for _, cls in sorted(get_registry().behaviours.items())]
    _list(infos, as_json, ["id", "flaws", "treatment"])


@main.command("probes")
@click.option("--json", "as_json", is_flag=True)
def probes_command(as_json: bool) -> None:
    """List the probes scenarios can measure with."""
    infos = [cls.info() for _, cls in sorted(get_registry().probes.items())]
    _list(infos, as_json, ["id", "unit"])


def _list(infos: list[dict], as_json: bool, columns: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(infos, indent=2, default=str))
        return
    for info in infos:
        head = "  ".join(str(info[c]) if not isinstance(info[c], list) else ",".join(info[c])
                         for c in columns)
        params = ", ".join(f"{k}={v['default']!r}" for k, v in info["params"].items())
        click.echo(f"{head}\n    {info['description']}\n    parameters: {params or 'none'}")


@main.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(
    ["caverlee2011", "cresci2015", "higgs", "influence-propagation", "edgelist", "activity"]))
@click.argument("source", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="The world directory to write (replaced atomically if it exists).")
@click.option("--format", "out_format", type=click.Choice(["csv", "parquet"]), default="csv",
              show_default=True, help="File format of the world's tables.")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="Read at most N rows of the main input (per file for caverlee2011 and per "
              "network for influence-propagation): a quick subset.")
def import_command(fmt: str, source: str, output: str, out_format: str,
                   limit: int | None) -> None:
    """Convert a data set or your own export (SOURCE) into a world directory.

    FORMAT is caverlee2011, cresci2015, higgs or influence-propagation (the public data sets of
    docs/real-data.md), edgelist (follower followee [time]) or activity (a CSV with time,
    actor, action, target). See docs/importing.md."""
    from auditkit.importers import import_world

    started = time.perf_counter()
    _progress(f"reading {source} as {fmt} ...")
    imported = import_world(fmt, source, limit=limit)
    _progress(f"writing {output} ...")
    imported.world.write(output, format=out_format)
    _done()
    for note in imported.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {output}: {imported.world!r} in {time.perf_counter() - started:.1f} s",
               err=True)


@main.command("attack")
@click.option("--scorer", "scorer_ids", multiple=True, required=True, metavar="ID",
              help="Scorer to attack; repeat to compare several on the same budget.")
@click.option("--budget", type=click.IntRange(min=1), required=True, metavar="N",
              help="Cost units the attacker may spend (cost model: docs/attack.md).")
@click.option("--target-percentile", type=click.FloatRange(0, 100), default=50.0,
              show_default=True, metavar="P",
              help="The target's traits sit at this percentile of the base population.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the population and of the search.")
@click.option("--population", "accounts", type=click.IntRange(10, 1_000_000), default=1000,
              show_default=True, metavar="N", help="Accounts in the generated base population.")
@click.option("--max-evaluations", type=click.IntRange(min=1), default=300, show_default=True,
              metavar="K", help="Distinct attacks evaluated per scorer.")
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE",
              help="A parameter of one attacked scorer, e.g. pagerank.damping=0.9; repeat.")
@click.option("--freeze-seeds/--no-freeze-seeds", default=True, show_default=True,
              help="Seeded scorers (trustrank, sybilrank) keep the seeds their default pick "
              "chooses before the attack, as a vetting oracle would; --no-freeze-seeds lets "
              "them re-pick their seeds on every attacked world, so the attack can make its "
              "target a seed.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              metavar="SCENARIO.yaml",
              help="Write the best attack as a scenario `auditkit audit` reruns (several "
              "scorers: one file per scorer, SCENARIO-<id>.yaml).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def attack_command(scorer_ids: tuple[str, ...], budget: int, target_percentile: float,
                   seed: int, accounts: int, max_evaluations: int, params: tuple[str, ...],
                   freeze_seeds: bool, output: str | None, fmt: str) -> None:
    """Search for the attack that lifts one ordinary account's score the most for a budget:
    fake followers, bought reactions, follow-back harvesting, pods, a sybil farm behind attack
    edges, celebrity reshares. Seeded local search; see docs/attack.md."""
    from auditkit.attack import run_attack

    registry = get_registry()
    _warn_plugin_errors()
    per_scorer = _scorer_params(params)
    unknown = sorted(set(per_scorer) - set(scorer_ids))
    if unknown:
        raise click.BadParameter(f"--param names scorer {unknown[0]!r}, which is not attacked; "
                                 "add --scorer " + unknown[0], param_hint="--param")
    scorers = [registry.scorer(s, **per_scorer.get(s, {})) for s in scorer_ids]
    started = time.perf_counter()
    report = run_attack(registry, scorers, budget, accounts=accounts, seed=seed,
                        target_percentile=target_percentile, max_evaluations=max_evaluations,
                        frozen_seeds=freeze_seeds, output=output, progress=_progress)
    _done()
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        click.echo(report.render(), nl=False)
    click.echo(f"{len(scorers)} scorer(s), {sum(r.evaluations for r in report.results)} "
               f"evaluations in {time.perf_counter() - started:.1f} s", err=True)


# ---- auditkit check: the conformance suite (auditkit.checks) ----------------------------------


@main.command("check")
@click.option("--scorer", "scorer_id", required=True, metavar="ID",
              help="Id of the scorer to check (see `auditkit scorers`).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A scorer parameter; repeat for several.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--max-examples", type=click.IntRange(min=1), default=None,
              help="Examples drawn by each property check (default 25).")
@click.option("--expect-fail", "expected", multiple=True, metavar="CHECK=REASON",
              help="Declare a known failure and why (reported as xfail); repeat.")
@click.option("--fail-on", type=click.Choice(["never", "fail"]), default="never",
              show_default=True, help="Exit 1 when a check fails unexpectedly or a declared "
              "failure passes.")
def check_command(scorer_id: str, params: tuple[str, ...], fmt: str, max_examples: int | None,
                  expected: tuple[str, ...], fail_on: str) -> None:
    """Run the conformance checks on one scorer: the API contract every scorer must meet and
    behavioural properties (engagement, sybils, silence, spam, bought followers), each with a
    minimal counterexample. Findings exit 0 unless --fail-on fail; see docs/checks.md."""
    from auditkit.checks import check_scorer

    scorer = get_registry().scorer(scorer_id, **_parse_params(params))
    declared: dict[str, str] = {}
    for pair in expected:
        name, sep, reason = pair.partition("=")
        if not sep or not name.strip() or not reason.strip():
            raise click.BadParameter(f"{pair!r} is not CHECK=REASON, e.g. --expect-fail "
                                     "check_sybil_gain_bounded='counts every follower'",
                                     param_hint="--expect-fail")
        declared[name.strip()] = reason.strip()
    started = time.perf_counter()
    report = check_scorer(scorer, expected_failed_checks=declared, max_examples=max_examples,
                          progress=_progress)
    _done()
    click.echo(report.render(fmt), nl=False)
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    click.echo(f"{len(report.results)} checks of {report.scorer} in "
               f"{time.perf_counter() - started:.1f} s: {counts}", err=True)
    if fail_on == "fail" and not report.ok:
        sys.exit(1)
