"""Plugin isolation: an audit survives any scorer.

Every fault of ``tests/faulty_scorers.py`` runs as a third-party scorer in a worker process
(real subprocesses): it ends as ``error`` rows naming the cause, or, for a scorer that only
misbehaves around its scores (prints, mutates the world, changes directory), as its honest
scores; either way the other scorers' rows are exactly those of a run without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import faulty_scorers
import numpy as np
import pandas as pd
import pytest

from auditkit import Registry, generate_world
from auditkit.auditing.engine import audit
from auditkit.auditing.isolation import IsolatedScorer, IsolatingExecutor, isolate
from auditkit.data.sealed import read_only_view
from auditkit.errors import ScorerError
from auditkit.plugin.scorer import run_scorer
from auditkit.scenario.model import parse_scenario

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = textwrap.dedent("""\
    id: isolation
    flaw: F7
    title: Bought followers, small
    acceptable: Buyers gain little.
    source: tests/test_isolation.py
    population: {accounts: 150, days: 20, seed: 5}
    cohorts:
      - {name: buyers, behaviour: bought_followers, size: 3, params: {count: 50}}
    checks:
      - {probe: gain, cohort: buyers, expect: {kind: minimum, at_most: 5}}
      - {probe: gain_per_cost, cohort: buyers, per: 100, expect: {kind: minimum, at_most: 5}}
    """)

#: The time limit of the module's audits: the scorers that behave score this world in under
#: 0.03 s; each fault that hangs costs it once per seed (it was 2 s: 15 s of waiting).
TIME_LIMIT = 1
#: Seeds of the module's audits: two show a fault again in the worker started after it.
SEEDS = 2

#: What the finding of each fault's rows must say.
CAUSES = {
    "exits": "called sys.exit(3)",
    "hard-exit": "ended its worker process while scoring: it exited with code 0",
    "segfault": "it was killed by SIGSEGV (a segmentation fault)",
    "interrupts": "failed: KeyboardInterrupt",
    "hangs-in-c": f"ran past the time limit of {TIME_LIMIT} s",
    "swallows-timeouts": f"ran past the time limit of {TIME_LIMIT} s",
    "stray-thread": "left 1 thread(s) running after scoring ('never-joined')",
}
HONEST_AFTER_ALL = ("prints", "mutates-world", "chdir")


@pytest.fixture(scope="module")
def registry():
    import auditkit_tunkrank

    import auditkit.behaviours
    import auditkit.probes
    import auditkit.scorers.followers

    return Registry(
        entry_points=False,
        plugins=[
            ("behaviours", auditkit.behaviours),
            ("probes", auditkit.probes),
            ("followers", auditkit.scorers.followers),
            ("tunkrank", auditkit_tunkrank),
            ("faulty", faulty_scorers),
        ],
    )


@pytest.fixture(scope="module")
def scenario():
    return parse_scenario(SCENARIO, "isolation.yaml")[0]


@pytest.fixture(scope="module")
def reference(registry, scenario):
    """followers, tunkrank and honest in this process, no isolation."""
    return audit(
        [scenario],
        [registry.scorer(s) for s in ("followers", "tunkrank", "honest")],
        seeds=SEEDS,
        registry=registry,
        time_limit=TIME_LIMIT,
    )


def rows_of(results, scorer: str, per_seed: bool = False) -> pd.DataFrame:
    table = results.seeds if per_seed else results.table
    return table[table["scorer"] == scorer].reset_index(drop=True)


@pytest.fixture(scope="module")
def faulty_audit(registry, scenario):
    """Every fault at once, each in its own worker, beside the well-behaved scorers."""
    cwd = os.getcwd()
    scorers = [
        registry.scorer(s) for s in ("followers", "tunkrank", "honest", *faulty_scorers.FAULTS)
    ]
    with IsolatingExecutor() as executor:
        results = audit(
            [scenario],
            scorers,
            seeds=SEEDS,
            registry=registry,
            time_limit=TIME_LIMIT,
            executor=executor,
        )
        proxies = list(executor._proxies.values())
    assert os.getcwd() == cwd  # chdir happened in a worker
    return results, proxies


@pytest.mark.parametrize("fault", sorted(CAUSES))
def test_a_fault_becomes_error_rows_naming_the_cause(faulty_audit, fault):
    results, _ = faulty_audit
    rows = rows_of(results, fault)
    assert len(rows) == 2
    assert set(rows["verdict"]) == {"error"}
    assert all(CAUSES[fault] in finding for finding in rows["finding"]), rows["finding"][0]


@pytest.mark.parametrize("fault", HONEST_AFTER_ALL)
def test_misbehaviour_around_scores_does_not_change_them(faulty_audit, reference, fault):
    results, _ = faulty_audit
    mine = rows_of(results, fault, per_seed=True)
    honest = rows_of(reference, "honest", per_seed=True)
    np.testing.assert_array_equal(mine["value"], honest["value"])
    assert list(mine["verdict"]) == list(honest["verdict"])


def test_the_other_scorers_are_unchanged(faulty_audit, reference):
    results, _ = faulty_audit
    for scorer in ("followers", "tunkrank", "honest"):
        pd.testing.assert_frame_equal(rows_of(results, scorer), rows_of(reference, scorer))


def test_no_worker_outlives_the_audit(faulty_audit):
    _, proxies = faulty_audit
    assert proxies and all(p._worker.process is None for p in proxies)
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        assert not (fields[1] == me and b"serve_scorer" in cmdline), stat


def test_isolated_results_equal_in_process_results(registry, scenario):
    """A well-behaved third-party scorer gives the same rows in a worker as in-process,
    also over several seeds (worlds are sent once and reused)."""
    scorers = [registry.scorer("tunkrank"), registry.scorer("followers")]
    plain = audit([scenario], scorers, seeds=2, registry=registry, time_limit=None)
    with IsolatingExecutor(isolate="all") as executor:
        isolated = audit(
            [scenario], scorers, seeds=2, registry=registry, time_limit=None, executor=executor
        )
    pd.testing.assert_frame_equal(plain.table, isolated.table)
    assert plain.meta == isolated.meta


def test_the_worker_keeps_the_world_between_calls():
    world = generate_world(100, seed=2)
    proxy = IsolatedScorer(faulty_scorers.Honest())
    try:
        at = world.end - pd.Timedelta(days=60)
        first = run_scorer(proxy, world)
        token = proxy._worker.tokens[world]
        second = run_scorer(proxy, world, at)
        assert token in proxy._worker.held and len(proxy._worker.held) == 1
        pd.testing.assert_series_equal(first, run_scorer(faulty_scorers.Honest(), world))
        pd.testing.assert_series_equal(second, run_scorer(faulty_scorers.Honest(), world, at))
    finally:
        proxy.close()


def test_in_process_a_scorer_cannot_change_the_world_for_the_next():
    """Without isolation, the read-only view protects the others: the mutating scorer fails
    its writes (and scores honestly), the world is unchanged."""
    world = generate_world(120, seed=3)
    before = world.follows.copy(), world.follow_codes[1].copy(), world.event_time_ns.copy()
    reference = run_scorer(faulty_scorers.Honest(), world)
    mutated = run_scorer(faulty_scorers.MutatesWorld(), world)
    pd.testing.assert_series_equal(mutated.rename("honest"), reference)
    pd.testing.assert_frame_equal(world.follows, before[0])
    np.testing.assert_array_equal(world.follow_codes[1], before[1])
    np.testing.assert_array_equal(world.event_time_ns, before[2])
    pd.testing.assert_series_equal(run_scorer(faulty_scorers.Honest(), world), reference)


def test_the_read_only_view_refuses_writes():
    world = generate_world(50, seed=1)
    view = read_only_view(world)
    with pytest.raises(ValueError, match="read-only"):
        view.follows["time"].array[0] = pd.Timestamp("2000-01-01", tz="UTC")
    with pytest.raises(ValueError, match="read-only"):
        view.follow_codes[0][0] = 1
    with pytest.raises(ValueError, match="read-only"):
        view.follow_matrix.data[0] = 5
    view._follows = view.follows.iloc[:0]
    assert len(world.follows) > 0  # only the view changed
    snapshot = view.as_of(view.end - pd.Timedelta(days=5))
    assert len(snapshot.events) <= len(world.events)


def test_sys_exit_in_process_is_a_scorer_error():
    with pytest.raises(ScorerError, match=r"called sys.exit\(3\)"):
        run_scorer(faulty_scorers.Exits(), generate_world(20, seed=1))


def test_isolate_keeps_built_ins_in_process(registry):
    built_in, third = registry.scorer("followers"), registry.scorer("tunkrank")
    wrapped = isolate([built_in, third])
    assert wrapped[0] is built_in and isinstance(wrapped[1], IsolatedScorer)
    assert wrapped[1].id == "tunkrank" and wrapped[1].version == third.version
    assert wrapped[1].info() == third.info()
    assert isolate([built_in, third], "none") == [built_in, third]
    assert all(isinstance(s, IsolatedScorer) for s in isolate([built_in], "all"))


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    """The faulty scorers installed as a plugin for command-line runs."""
    site = tmp_path_factory.mktemp("site")
    info = site / "faulty_scorers-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: faulty-scorers\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[auditkit]\nfaulty = faulty_scorers\n")
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT / "tests")]))


def test_plugin_output_cannot_corrupt_json_on_stdout(tmp_path, plugin_env):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    for isolation in ("third-party", "none"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "auditkit",
                "audit",
                str(scenario),
                "--scorer",
                "prints",
                "--scorer",
                "followers",
                "--format",
                "json",
                "--isolation",
                isolation,
                "--seeds",  # the prints do not depend on the seed count (default 9): 1.5 s less
                "2",
            ],
            capture_output=True,
            text=True,
            env=plugin_env,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["format"] == "auditkit-results"
        assert "raw bytes on fd 1" in result.stderr  # it went to stderr instead


def test_a_segfaulting_plugin_on_the_command_line(tmp_path, plugin_env):
    """Also while the report's evidence is collected (-o *.json), outside the audit's tasks:
    the faulty scorers stay in their workers there too (in this process the segfault would
    end the audit, and the swallowed time limit would hang it)."""
    out = tmp_path / "out.json"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditkit",
            "audit",
            str(scenario),
            "--scorer",
            "segfault",
            "--scorer",
            "swallows-timeouts",
            "--scorer",
            "followers",
            "--time-limit",  # followers scores this world in-process in 1 ms; each hang of
            "0.5",  # swallows-timeouts (in the audit and in the dose figure) costs it
            "--seeds",
            "2",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=plugin_env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    rows = results["rows"]
    for fault in ("segfault", "swallows-timeouts"):
        assert {r["verdict"] for r in rows if r["scorer"] == fault} == {"error"}
    assert {r["verdict"] for r in rows if r["scorer"] == "followers"} <= {"pass", "fail"}
    assert results["evidence"]["scenarios"]  # the evidence was collected, without the faults


def test_under_pytest_a_crashing_scorer_is_an_error_item(tmp_path, plugin_env):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "s.yaml").write_text(SCENARIO)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            str(scenarios),
            "--auditkit-scorer",
            "segfault",
            "--auditkit-scorer",
            "followers",
            "--rootdir",
            str(tmp_path),
            "-q",
        ],
        capture_output=True,
        text=True,
        env=plugin_env,
        cwd=tmp_path,
        timeout=300,
    )
    assert (
        "error (not a finding): segfault: scorer 'segfault' ended its worker process "
        "while scoring: it was killed by SIGSEGV" in result.stdout
    )
    assert "2 fail, 0 blind, 0 degenerate, 2 error" in result.stdout
    assert "Traceback" not in result.stdout
