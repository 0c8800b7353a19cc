"""The audit on Dask distributed: a real LocalCluster (2 workers on 127.0.0.1) and a real
``dask scheduler`` + ``dask worker`` pair give the rows of a serial run; a worker killed mid-run
changes nothing; a task that keeps failing becomes error rows naming its cause; the time limit
holds inside workers; the command line and the pytest plugin take the same executor."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

distributed = pytest.importorskip("distributed")

from auditkit import Registry, audit, bundled_scenarios, load_scenario, load_scenarios  # noqa: E402
from auditkit.auditing.dask import DaskExecutor  # noqa: E402
from auditkit.auditing.engine import AuditTask  # noqa: E402
from auditkit.auditing.executor import executor_for, run_all  # noqa: E402
from auditkit.cli import main  # noqa: E402
from auditkit.errors import AuditkitError  # noqa: E402

pytest_plugins = ["pytester"]

#: small scenarios of the bundled library (a few seconds for two seeds, all built-in scorers)
SMALL = ("small-spark", "inactivity-decay", "bought-followers")

CRASH_PLUGIN = '''\
"""A probe that kills the process measuring it (a worker that dies on this task), and a scorer
that takes five seconds."""
import os
import time

import numpy as np

from auditkit import Scorer, hookimpl
from auditkit.plugin.probe import Probe


class Slow(Scorer):
    id = "slow"
    version = "1"
    name = "slow"
    range = (0.0, 1.0)
    description = "sleeps for 100 seconds in small steps"

    def score(self, world, at=None):
        for _ in range(10_000):
            time.sleep(0.01)
        return world.series(np.zeros(len(world)))

    def explain(self, world, account, at=None):
        raise NotImplementedError


@hookimpl
def register_scorers(register):
    register(Slow)


class Crash(Probe):
    id = "crash"
    unit = "points"
    description = "kills its process"

    def measure(self, run, scorer):
        os._exit(17)


@hookimpl
def register_probes(register):
    register(Crash)
'''

CRASH_SCENARIO = """\
id: crashing
flaw: F7
title: A task whose worker dies every time
acceptable: anything
source: tests/test_dask.py
population: {accounts: 100, days: 20, seed: 3}
checks:
  - probe: crash
    expect: {kind: minimum, at_most: 100}
"""


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory):
    """A plugin module importable here and (through PYTHONPATH) in spawned workers."""
    path = tmp_path_factory.mktemp("plugins")
    (path / "auditkit_crash_probe.py").write_text(CRASH_PLUGIN)
    sys.path.insert(0, str(path))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(path), old) if p)
    yield path
    sys.path.remove(str(path))
    if old is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old


@pytest.fixture(scope="module")
def cluster(plugin_dir):
    """A real LocalCluster: 2 worker processes of one thread each, on 127.0.0.1."""
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=50,
        ) as lc,
        distributed.Client(lc) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def registry():
    return Registry()


@pytest.fixture(scope="module")
def small(registry):
    scenarios = load_scenarios([bundled_scenarios()], registry)
    return [s for s in scenarios if s.id in SMALL]


@pytest.fixture(scope="module")
def scorers(registry):
    return [registry.scorer(s) for s in registry.built_in_scorers()]


@pytest.fixture(scope="module")
def serial(small, scorers, registry):
    return audit(small, scorers, seeds=2, registry=registry)


def test_local_cluster_gives_the_serial_rows(cluster, small, scorers, registry, serial):
    with DaskExecutor(client=cluster) as executor:
        results = audit(small, scorers, seeds=2, registry=registry, executor=executor)
    assert len(results.table) == len(serial.table) > 0
    assert results.to_json() == serial.to_json()


def test_batches_give_the_same_rows(cluster, small, scorers, registry, serial):
    executor = DaskExecutor(client=cluster, batch_size=4)
    assert [len(b) for b in executor.batches(len(small) * 2)] == [4, 2]
    results = audit(small, scorers, seeds=2, registry=registry, executor=executor)
    assert results.to_json() == serial.to_json()


def test_default_batches_are_single_tasks_until_the_scheduler_would_hold_too_many(cluster):
    executor = DaskExecutor(client=cluster)
    assert all(len(b) == 1 for b in executor.batches(100))
    big = executor.batches(10_000)  # 2 threads: at most 100 batches
    assert len(big) <= 100 and sum(map(len, big)) == 10_000
    assert [i for b in big for i in b] == list(range(10_000))


def _worker_state() -> tuple[int, str | None, bool, str]:
    """(registries built, MALLOC_TRIM_THRESHOLD_, profiler on, event loop tick) where this runs
    (a worker)."""
    import dask

    from auditkit.plugin.registry import get_registry

    return (
        get_registry.cache_info().currsize,
        os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        dask.config.get("distributed.worker.profile.enabled"),
        dask.config.get("distributed.admin.tick.interval"),
    )


def test_a_worker_killed_mid_run_changes_no_row(small, scorers, registry, serial):
    # its own cluster: this test kills one of its workers (the nanny starts a new one)
    executor = DaskExecutor(workers=2, allowed_failures=3)
    killed = []

    def kill_one(message: str) -> None:
        if killed:
            return
        busy = executor.client.processing()
        victim = next((addr for addr, keys in busy.items() if keys), None)
        if victim is None:
            return
        pid = executor.client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    with executor:
        # the local workers start warm (the registry built) and without the three Dask
        # defaults that slow audit tasks down (see auditkit.data.partitioned.dask_client)
        state = executor.client.run(_worker_state)
        assert len(state) == 2
        assert all(s == (1, None, False, "1s") for s in state.values()), state
        results = audit(
            small, scorers, seeds=2, registry=registry, executor=executor, progress=kill_one
        )
    assert killed, "no worker was busy after the first task finished"
    assert results.to_json() == serial.to_json()


def test_a_task_whose_worker_keeps_dying_becomes_error_rows(cluster, plugin_dir, small, scorers):
    import auditkit_crash_probe

    registry = Registry(plugins=[("crash", auditkit_crash_probe)])
    path = plugin_dir / "crashing.yaml"
    path.write_text(CRASH_SCENARIO)
    crashing = load_scenario(path, registry)
    scenarios = [small[0], crashing]
    results = audit(
        scenarios, scorers[:2], seeds=1, registry=registry, executor=DaskExecutor(client=cluster)
    )
    t = results.table
    bad = t[t["scenario"] == "crashing"]
    assert len(bad) == 2 and (bad["verdict"] == "error").all()
    assert bad["finding"].str.contains("worker running it died").all(), bad["finding"].tolist()
    good = t[t["scenario"] != "crashing"]
    expected = audit([small[0]], scorers[:2], seeds=1, registry=registry).table
    assert good.reset_index(drop=True).equals(expected)


def test_a_task_that_raises_on_every_worker_becomes_error_rows(
    cluster, small, scorers, tmp_path, monkeypatch
):
    # a plugin installed here but not on the workers: its module cannot be imported there
    (tmp_path / "auditkit_only_here.py").write_text(
        "from auditkit import hookimpl\n\n@hookimpl\ndef register_probes(register):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import auditkit_only_here

    registry = Registry(plugins=[("only-here", auditkit_only_here)])
    tasks = [AuditTask(small[0], 1, tuple(scorers[:2]), 60.0)]
    rows = run_all(DaskExecutor(client=cluster, retries=1), tasks, registry)
    assert rows and all(r["verdict"] == "error" for r in rows)
    assert all(
        "auditkit_only_here" in r["finding"] and "on a Dask worker" in r["finding"] for r in rows
    ), rows[0]["finding"]
    assert [r["check"] for r in rows] == [r["check"] for r in tasks[0].run(registry)]


def test_the_time_limit_holds_inside_workers(cluster, plugin_dir, small):
    import auditkit_crash_probe

    registry = Registry(plugins=[("crash", auditkit_crash_probe)])
    started = time.perf_counter()
    results = audit(
        small[:1],
        [registry.scorer("slow")],
        seeds=1,
        registry=registry,
        time_limit=0.2,
        executor=DaskExecutor(client=cluster),
    )
    t = results.table
    assert len(t) and (t["verdict"] == "error").all()
    assert t["finding"].str.contains("ran past the time limit of 0.2 s").all()
    # each scoring stopped early: without the limit, 100 s each on 2 workers; the bound leaves
    # room for building the worlds on a busy machine
    assert time.perf_counter() - started < 20 * len(t)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler_and_worker():
    """A real ``dask scheduler`` and ``dask worker`` (subprocesses) on free 127.0.0.1 ports."""
    dask_cli = shutil.which("dask", path=str(Path(sys.executable).parent)) or "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen(
        [
            dask_cli,
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dashboard-address",
            ":0",
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [
            dask_cli,
            "worker",
            address,
            "--host",
            "127.0.0.1",
            "--nthreads",
            "1",
            "--nworkers",
            "2",
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        # asked to shut down, the scheduler closes its workers and itself in 2 s; SIGTERM
        # alone takes the worker processes 8 s (what is left running is terminated below)
        with contextlib.suppress(Exception), distributed.Client(address, timeout="5s") as client:
            client.shutdown()
        for proc in (worker, scheduler):
            proc.terminate()
        for proc in (worker, scheduler):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_an_existing_cluster_gives_the_serial_rows(
    scheduler_and_worker, small, scorers, registry, serial
):
    with executor_for(scheduler=scheduler_and_worker) as executor:
        assert isinstance(executor, DaskExecutor)
        results = audit(small, scorers, seeds=2, registry=registry, executor=executor)
    assert results.to_json() == serial.to_json()


def test_cli_gives_the_same_answer_with_a_scheduler_address(scheduler_and_worker, tmp_path):
    runner = CliRunner()
    args = [
        "audit",
        str(Path(bundled_scenarios()) / "small-spark.yaml"),
        "--seeds",
        "2",
        "--scorer",
        "followers",
        "--scorer",
        "kred",
        "--format",
        "json",
    ]
    local = runner.invoke(main, args)
    remote = runner.invoke(main, [*args, "--scheduler", scheduler_and_worker])
    assert local.exit_code == remote.exit_code == 0, remote.output
    assert json.loads(local.stdout) == json.loads(remote.stdout)


def test_cli_rejects_workers_and_scheduler_together():
    result = CliRunner().invoke(
        main, ["audit", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert result.exit_code == 2
    assert "not both" in result.output


def test_cli_without_dask_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = CliRunner().invoke(main, ["audit", "--workers", "2"])
    assert result.exit_code == 2
    assert "pip install 'auditkit[dask]'" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(AuditkitError, match="auditkit\\[dask\\]"):
        executor_for(workers=1)


def test_pytest_plugin_runs_the_tasks_on_a_cluster(pytester, scheduler_and_worker):
    pytester.mkdir("scenarios")
    source = Path(bundled_scenarios()) / "small-spark.yaml"
    (pytester.path / "scenarios" / "small-spark.yaml").write_text(source.read_text())
    args = [
        "-p",
        "no:cacheprovider",
        "--auditkit-scorer",
        "followers",
        "--auditkit-scorer",
        "kred",
        "-rA",
    ]
    here = pytester.runpytest(*args)
    there = pytester.runpytest(*args, "--auditkit-scheduler", scheduler_and_worker)
    assert here.parseoutcomes() == there.parseoutcomes()
    assert sorted(
        line for line in here.outlines if line.startswith(("PASSED", "FAILED"))
    ) == sorted(line for line in there.outlines if line.startswith(("PASSED", "FAILED")))


def test_unreachable_scheduler_is_a_clean_error():
    started = time.perf_counter()
    with pytest.raises(AuditkitError, match="cannot reach the Dask scheduler"):
        DaskExecutor(scheduler=f"tcp://127.0.0.1:{_free_port()}")
    assert time.perf_counter() - started < 30


def test_serial_stays_the_default():
    assert executor_for().name == "serial"


# ---- events beyond memory: lazy worlds aggregated on Dask DataFrames -----------------------

#: (scorer, parameters) computed lazily; each must equal the in-memory score to 1e-9
LAZY_CONFIGS = [
    ("followers", {}),
    ("kred", {}),
    ("kred", {"window_days": 30}),
    ("kred", {"measure": "outreach"}),
    ("kred", {"count_likes": True, "big_actor_threshold": 40}),
    ("kred", {"community": "c1"}),
    ("kred", {"community": "c1", "measure": "outreach"}),
    ("klout", {}),
    ("klout", {"window_days": 30}),
    ("klout", {"bots": "follow-ratio"}),
    ("pagerank", {}),
]


@pytest.fixture(scope="module")
def lazy_worlds(tmp_path_factory, registry):
    """Worlds written with their events as a partitioned dataset: a generated one, and scenario
    worlds with a topic column and with a second network."""
    from auditkit import generate_world
    from auditkit.scenario.run import ScenarioRun

    root = tmp_path_factory.mktemp("lazy")
    worlds = {"generated": generate_world(2000, seed=11)}
    for scenario in load_scenarios([bundled_scenarios()], registry):
        if scenario.id in ("misattributed-topics", "second-network"):
            worlds[scenario.id] = ScenarioRun(scenario, scenario.population.seed, registry).world
    paths = {}
    for name, world in worlds.items():
        paths[name] = world.write(root / name, format="parquet", event_files=3)
    return paths


def _same_scores(path, sid, params, registry, *, at_days_before=None):
    import numpy as np
    import pandas as pd

    from auditkit import read_world, run_scorer

    memory, lazy = read_world(path), read_world(path, lazy=True)
    at = None if at_days_before is None else memory.end - pd.Timedelta(days=at_days_before)
    scorer = registry.scorer(sid, **params)
    expected = run_scorer(scorer, memory, at)
    got = run_scorer(scorer, lazy, at)
    assert got.index.equals(expected.index)
    assert np.abs(got.to_numpy() - expected.to_numpy()).max() <= 1e-9, (sid, params)
    assert expected.std() > 0  # a constant score would compare nothing


@pytest.mark.parametrize(
    ("sid", "params"),
    LAZY_CONFIGS,
    ids=[f"{s}-{'-'.join(map(str, p.values())) or 'default'}" for s, p in LAZY_CONFIGS],
)
def test_lazy_scores_equal_in_memory_scores(lazy_worlds, registry, sid, params):
    import dask

    with dask.config.set(scheduler="threads"):
        _same_scores(lazy_worlds["generated"], sid, params, registry)
        _same_scores(lazy_worlds["generated"], sid, params, registry, at_days_before=25)


def test_lazy_klout_with_topics_and_networks(lazy_worlds, registry):
    import dask

    with dask.config.set(scheduler="threads"):
        _same_scores(lazy_worlds["second-network"], "klout", {}, registry)
        _same_scores(lazy_worlds["misattributed-topics"], "klout", {}, registry)
        _same_scores(lazy_worlds["misattributed-topics"], "klout", {"topic": "books"}, registry)


def test_lazy_scores_on_a_local_cluster(lazy_worlds, registry, cluster):
    with cluster.as_current():
        for sid in ("kred", "klout"):
            _same_scores(lazy_worlds["generated"], sid, {}, registry)


def test_lazy_scores_on_a_remote_cluster(lazy_worlds, registry, scheduler_and_worker):
    with distributed.Client(scheduler_and_worker) as client, client.as_current():
        for sid in ("kred", "klout"):
            _same_scores(lazy_worlds["generated"], sid, {}, registry)


def test_a_lazy_world_keeps_its_events_on_disk(lazy_worlds, registry):
    from auditkit import read_world, run_scorer
    from auditkit.errors import ScorerError, WorldError

    memory = read_world(lazy_worlds["generated"])
    lazy = read_world(lazy_worlds["generated"], lazy=True)
    assert "read lazily" in repr(lazy) and lazy.lazy_events.rows == len(memory.events)
    assert (lazy.start, lazy.end) == (memory.start, memory.end)
    snapshot = lazy.as_of(memory.end - pd_days(10))
    assert snapshot.end == memory.as_of(memory.end - pd_days(10)).end
    with pytest.raises(WorldError, match="lazily"):
        _ = lazy.events
    weighted = registry.scorer("pagerank", weight="interactions")
    with pytest.raises(ScorerError, match="lazily"):
        run_scorer(weighted, lazy)


def pd_days(days: float):
    import pandas as pd

    return pd.Timedelta(days=days)


def test_cli_scores_a_lazy_world_on_a_scheduler(lazy_worlds, scheduler_and_worker):
    runner = CliRunner()
    args = ["score", str(lazy_worlds["generated"]), "--scorer", "klout", "--format", "csv"]
    memory = runner.invoke(main, args)
    remote = runner.invoke(main, [*args, "--lazy", "--scheduler", scheduler_and_worker])
    assert memory.exit_code == remote.exit_code == 0, remote.output
    import io

    import pandas as pd

    here = pd.read_csv(io.StringIO(memory.stdout)).set_index("account")["score"]
    there = pd.read_csv(io.StringIO(remote.stdout)).set_index("account")["score"]
    assert len(here) == 2000 and (here - there.reindex(here.index)).abs().max() <= 1e-9
    refused = runner.invoke(main, [*args, "--workers", "2"])
    assert refused.exit_code == 2 and "--lazy" in refused.output


def test_third_party_scorers_stay_isolated_outside_the_tasks(cluster):
    """What the audit measures in this process (the report's evidence) runs third-party
    scorers in worker processes of their own, closed with the executor; built-ins run as
    they are."""
    import auditkit_tunkrank

    from auditkit.auditing.dask import DaskExecutor
    from auditkit.auditing.isolation import IsolatedScorer

    registry = Registry()
    executor = DaskExecutor(client=cluster)
    followers = registry.scorer("followers")
    tunkrank = auditkit_tunkrank.TunkRank()
    local = executor.in_process([followers, tunkrank], time_limit=5)
    assert local[0] is followers
    assert isinstance(local[1], IsolatedScorer) and local[1].id == "tunkrank"
    executor.close()
    assert local[1]._worker.process is None  # its worker stopped
