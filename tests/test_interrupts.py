"""Interruptions and output paths: SIGTERM is handled like Ctrl-C (clean up, exit 143/130, no
traceback, also during start-up), a killed run's temporaries are removed by the next, an
interrupted audit resumes from its journal, and ``-o`` is checked before any work starts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditkit.cli import main
from auditkit.files import atomic_write, remove_stale, temporary_sibling

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "bought-followers.yaml"


def _default_sigint() -> None:
    # a shell without job control starts background commands with SIGINT ignored, and a child
    # inherits that; the program must start as a terminal would start it
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "auditkit", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
        preexec_fn=_default_sigint,
    )


def wait_for(path: Path, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_an_audit_stops_it_cleanly(tmp_path, signum, status):
    out = tmp_path / "out.json"
    journal = tmp_path / ".out.json.journal"
    proc = start("audit", "--scorer", "followers", "--scorer", "kred", "-o", str(out))
    wait_for(journal)  # the first scenario is done
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == status
    assert "Traceback" not in stderr
    assert "stopped cleanly" in stderr and "run the same command again to resume" in stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [journal.name]  # no temporary left


def handlers_installed(pid: int, timeout: float = 60.0) -> None:
    """Wait until the process catches SIGTERM (the launcher's first act): from then on the
    start-up - importing pandas and the plugins, a second or more - is auditkit's."""
    end = time.monotonic() + timeout
    bit = 1 << (signal.SIGTERM - 1)
    while time.monotonic() < end:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        caught = int(
            next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16
        )
        if caught & bit:
            return
        time.sleep(0.002)
    raise AssertionError("the launcher never installed its handlers")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("delay", [0.0, 0.2])
@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_start_up_is_clean_too(delay, signum, status):
    proc = start("audit", "--scorer", "followers")
    handlers_installed(proc.pid)
    time.sleep(delay)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == status, stderr
    assert "stopped cleanly" in stderr


#: Resuming does not depend on the library's size: three scenarios (nine tasks, the last two
#: the slowest of the library at about 0.25 s a task) instead of all of them, so the run is
#: killed with some tasks journaled and most still to run (the whole library took 30 s here).
RESUMED = [
    str(SCENARIO.parent / f"{name}.yaml")
    for name in ("bought-followers", "newcomer-threshold", "small-community-threshold")
]


def test_an_interrupted_audit_resumes_to_the_same_results(tmp_path):
    out = tmp_path / "out.json"
    journal = tmp_path / ".out.json.journal"
    args = ["audit", *RESUMED, "--scorer", "followers", "--seeds", "3"]
    proc = start(*args, "-o", str(out))
    wait_for(journal)
    end = time.monotonic() + 120
    while "\n" not in journal.read_text():  # the first task is saved
        assert time.monotonic() < end, "no task was ever saved"
        time.sleep(0.01)
    proc.kill()  # SIGKILL: nothing gets to clean up
    proc.communicate(timeout=60)
    saved = journal.read_text().splitlines()
    assert saved
    assert len(saved) < 3 * len(RESUMED)  # killed mid-audit: some tasks are left to resume
    resumed = start(*args, "-o", str(out))
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert not journal.exists()
    fresh = CliRunner().invoke(main, [*args, "--format", "json"])
    assert json.loads(out.read_text())["rows"] == json.loads(fresh.stdout)["rows"]


def test_two_runs_cannot_write_the_same_output(tmp_path):
    from auditkit.auditing.journal import Journal
    from auditkit.errors import AuditkitError

    first = Journal.beside(tmp_path / "out.json")
    first.open()
    result = CliRunner().invoke(
        main, ["audit", str(SCENARIO), "--scorer", "followers", "-o", str(tmp_path / "out.json")]
    )
    assert result.exit_code == 2 and "another auditkit run is writing" in result.output
    first.close()
    assert issubclass(type(AuditkitError()), Exception)


def test_a_killed_runs_temporaries_are_removed_by_the_next(tmp_path):
    target = tmp_path / "out.json"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = target.with_name(f".out.json.{dead.pid}.0123456789ab.tmp")
    stale.write_text("half")
    stale_dir = target.with_name(f".out.json.{dead.pid}.ba9876543210.tmp")
    stale_dir.mkdir()
    mine = temporary_sibling(target)  # this process is alive: its file stays
    mine.write_text("mine")
    unrelated = tmp_path / ".other.json.1.0123456789ab.tmp"
    unrelated.write_text("not ours")
    atomic_write(target, "{}")
    assert not stale.exists() and not stale_dir.exists()
    assert mine.exists() and unrelated.exists() and target.read_text() == "{}"
    assert remove_stale(target) == []


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["audit", str(SCENARIO), "-o", "{file}/out.json"], "is a file, not a directory"),
        (["audit", str(SCENARIO), "-o", "{dir}"], "is a directory"),
        (["import", "edgelist", "x.txt", "-o", "{file}/w"], "is a file, not a directory"),
        (
            ["attack", "--scorer", "followers", "--budget", "5", "-o", "{dir}/a.txt"],
            "must end with .yaml or .yml",
        ),
    ],
)
def test_the_output_path_is_checked_before_any_work(tmp_path, args, fragment):
    a_file = tmp_path / "FILE"
    a_file.write_text("")
    argv = [a.format(file=a_file, dir=tmp_path) for a in args]
    started = time.monotonic()
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert time.monotonic() - started < 10  # refused before loading or auditing anything


def test_the_format_follows_the_extension_of_o(tmp_path):
    for name, check in (
        ("r.json", lambda t: json.loads(t)["format"] == "auditkit-results"),
        ("r.md", lambda t: t.startswith("#")),
        ("r.txt", lambda t: not t.lstrip().startswith("{")),
    ):
        result = CliRunner().invoke(
            main, ["audit", str(SCENARIO), "--scorer", "followers", "-o", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
        assert check((tmp_path / name).read_text()), name


def test_a_relative_output_survives_a_change_of_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from auditkit.cli import output_path

    resolved = output_path("out.json")
    os.chdir("/")
    assert resolved == str(tmp_path / "out.json")


def test_a_stray_thread_cannot_keep_the_program_alive(tmp_path):
    plugin = tmp_path / "threads_plugin.py"
    plugin.write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(3600,), name='stray').start()\n"
    )
    info = tmp_path / "threads_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: threads-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[auditkit]\nthreads = threads_plugin\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = start("scorers", "--format", "json", env=env)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert "left 1 thread(s) running ('stray'); exiting anyway" in err
    assert json.loads(out)
