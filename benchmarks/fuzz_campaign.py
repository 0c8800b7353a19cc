"""The reliability campaign: hostile files and faulty plugins through the real command line.

Three parts, each a fresh ``auditkit`` process per case (``docs/reliability.md`` reports the
figures):

1. scenarios -- ``auditkit validate`` on N mutated scenario files (``tests/fuzzing.py``,
   seeds 0..N-1);
2. worlds -- ``auditkit score WORLD --scorer followers`` on M corrupted world directories;
3. plugins -- ``auditkit audit`` of one scenario with the built-in ``followers``, the example
   third-party ``tunkrank`` and one faulty scorer at a time (``tests/faulty_scorers.py``,
   installed as a plugin for the run): the faulty scorer's rows must be ``error`` rows naming
   the cause, the other rows identical to a run without it, stdout valid JSON.

Every case is classified: accepted (exit 0), refused (exit 2 with ``Error: <file>``, located
by line or row where the message has one), or a failure: any other exit status, a traceback,
or no answer within the time limit (a hang). The peak memory of each process is recorded.

Starting ``auditkit`` costs seconds on a busy machine, so by default the scenario and world
cases run the real command line (``auditkit.launcher.main``, signal handling, stdout guard and
exit status included) in long-lived worker processes, one case after the other, each case under
its own time limit (``SIGALRM``; a worker that does not answer is killed and the case counted as
a hang). ``--fresh N`` also runs the first N cases of each kind as a separate ``auditkit``
process, end to end.

    python benchmarks/fuzz_campaign.py --scenarios 1000 --worlds 500 --jobs 2 --fresh 100
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fuzzing import (  # noqa: E402
    corrupt_world,
    mutate_parameters,
    mutate_scenario,
    write_base_world,
)

AUDITKIT = [sys.executable, "-m", "auditkit"]
TIME_LIMIT = 120.0
LOCATED = re.compile(r"(line|row) \d+")


def run(argv: list[str], env: dict[str, str] | None = None, timeout: float = TIME_LIMIT) -> dict:
    """Run one command; exit status, stdout, stderr, seconds, peak memory (MiB), hang."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=ROOT)
        hung = []

        def kill() -> None:
            hung.append(True)
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "status": proc.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
            "seconds": time.monotonic() - started,
            "peak_mib": usage.ru_maxrss / 1024,
            "hang": bool(hung),
        }


class Worker:
    """A long-lived process running command lines in-process, one at a time."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: list[str], timeout: float = TIME_LIMIT) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"argv": argv, "timeout": timeout}) + "\n")
        self.proc.stdin.flush()
        timer = threading.Timer(timeout + 30, self.proc.kill)  # the worker's alarm failed
        timer.start()
        line = self.proc.stdout.readline()
        timer.cancel()
        if not line:
            self.proc = None
            return {
                "status": None,
                "stdout": "",
                "stderr": "the worker died",
                "seconds": 0,
                "peak_mib": 0,
                "hang": True,
            }
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()


def serve() -> None:
    """The worker: read {"argv", "timeout"} lines, run ``auditkit`` in-process, answer."""
    import resource
    import signal
    import traceback

    from auditkit.launcher import main as auditkit

    class Hang(BaseException):
        pass

    def alarm(signum: int, frame: object) -> None:
        raise Hang()

    out_fd = os.dup(1)
    reply = os.fdopen(out_fd, "w")
    for line in sys.stdin:
        case = json.loads(line)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            saved = os.dup(1), os.dup(2)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            status, hang = None, False
            started = time.monotonic()
            signal.signal(signal.SIGALRM, alarm)
            signal.setitimer(signal.ITIMER_REAL, case["timeout"])
            try:
                auditkit(case["argv"][3:])  # drop "python -m auditkit"
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Hang:
                hang = True
            except BaseException:  # a traceback the program would have printed
                traceback.print_exc()
                status = 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
                sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            seconds = time.monotonic() - started
            out.seek(0)
            err.seek(0)
            result = {
                "status": status,
                "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace"),
                "seconds": seconds,
                "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "hang": hang,
            }
        reply.write(json.dumps(result) + "\n")
        reply.flush()


def _runner(fresh: bool) -> tuple[object, object]:
    if fresh:
        return run, lambda: None
    workers = threading.local()
    made: list[Worker] = []

    def go(argv: list[str], env: dict[str, str] | None = None, timeout: float = TIME_LIMIT) -> dict:
        if not hasattr(workers, "w"):
            workers.w = Worker()
            made.append(workers.w)
        return workers.w.run(argv, timeout)

    def close() -> None:
        for w in made:
            w.close()

    return go, close


def classify(result: dict, path: Path) -> str:
    stderr = result["stderr"]
    if result["hang"]:
        return "hang"
    if "Traceback" in stderr:
        return "traceback"
    if result["status"] == 0:
        return "accepted"
    if result["status"] != 2:
        return f"exit-{result['status']}"
    first = next((line for line in stderr.splitlines() if line.startswith("Error:")), "")
    if str(path) not in first and str(path) not in stderr:
        return "refused-unnamed"
    if len(first) > 2000:
        return "refused-long-message"  # a value was echoed, not an excerpt of it
    return "refused-located" if LOCATED.search(first) else "refused-file"


def scenarios(n: int, jobs: int, work: Path, fresh: bool = False) -> dict:
    runner, close = _runner(fresh)

    def case(seed: int) -> dict:
        data, applied = mutate_scenario(seed)
        path = work / f"scenario-{seed}.yaml"
        path.write_bytes(data)
        result = runner([*AUDITKIT, "validate", str(path)])  # type: ignore[operator]
        kind = classify(result, path)
        path.unlink()
        return {
            "seed": seed,
            "mutations": applied,
            "kind": kind,
            "seconds": result["seconds"],
            "peak_mib": result["peak_mib"],
            "message": result["stderr"].strip().splitlines()[-1][:300]
            if result["stderr"].strip()
            else "",
        }

    with ThreadPoolExecutor(jobs) as pool:
        cases = list(pool.map(case, range(n)))
    close()  # type: ignore[operator]
    return summarise(cases)


def worlds(n: int, jobs: int, work: Path, fresh: bool = False) -> dict:
    base = write_base_world(work / "base")
    runner, close = _runner(fresh)

    def case(seed: int) -> dict:
        target = work / f"world-{seed}"
        applied = corrupt_world(base, target, seed)
        result = runner(
            [
                *AUDITKIT,
                "score",
                str(target),
                "--scorer",
                "followers",  # type: ignore[operator]
                "--format",
                "csv",
            ]
        )
        kind = classify(result, target)
        shutil.rmtree(target, ignore_errors=True)
        return {
            "seed": seed,
            "mutations": applied,
            "kind": kind,
            "seconds": result["seconds"],
            "peak_mib": result["peak_mib"],
            "message": result["stderr"].strip().splitlines()[-1][:300]
            if result["stderr"].strip()
            else "",
        }

    with ThreadPoolExecutor(jobs) as pool:
        cases = list(pool.map(case, range(n)))
    close()  # type: ignore[operator]
    return summarise(cases)


def summarise(cases: list[dict]) -> dict:
    kinds = Counter(c["kind"] for c in cases)
    seconds = sorted(c["seconds"] for c in cases)
    return {
        "cases": len(cases),
        "kinds": dict(kinds),
        "slowest_seconds": round(seconds[-1], 2) if seconds else 0,
        "median_seconds": round(seconds[len(seconds) // 2], 2) if seconds else 0,
        "peak_mib_max": round(max((c["peak_mib"] for c in cases), default=0), 1),
        "failures": [
            c
            for c in cases
            if c["kind"] in ("hang", "traceback", "refused-unnamed", "refused-long-message")
            or c["kind"].startswith("exit-")
        ],
        "examples": {k: next(c["message"] for c in cases if c["kind"] == k) for k in kinds},
    }


INTERNAL = re.compile(
    r"\b(IndexError|KeyError|ValueError|TypeError|ZeroDivisionError|"
    r"OverflowError|MemoryError|AttributeError|RuntimeError|"
    r"AssertionError|FloatingPointError|LinAlgError)\b"
)


def parameters(n: int, jobs: int, work: Path) -> dict:
    """Valid scenarios with parameters at their bounds: validated, then audited (followers,
    kred) when accepted; a row whose finding names an internal exception is a failure."""
    from auditkit.plugin.registry import get_registry

    registry = get_registry()
    runner, close = _runner(False)

    def case(seed: int) -> dict:
        text, applied = mutate_parameters(seed, registry)
        path = work / f"params-{seed}.yaml"
        path.write_text(text)
        out = work / f"params-{seed}.json"
        result = runner(
            [
                *AUDITKIT,
                "audit",
                str(path),
                "--scorer",
                "followers",  # type: ignore[operator]
                "--scorer",
                "kred",
                "--time-limit",
                "60",
                "-o",
                str(out),
            ]
        )
        kind = classify(result, path)
        internal = 0
        if kind == "accepted" and out.exists():
            rows = json.loads(out.read_text())["rows"]
            internal = sum(
                bool(INTERNAL.search(r["finding"] or "")) for r in rows if r["verdict"] == "error"
            )
            if internal:
                kind = "internal-error-row"
            out.unlink()
        path.unlink()
        return {
            "seed": seed,
            "mutations": applied,
            "kind": kind,
            "internal_rows": internal,
            "seconds": result["seconds"],
            "peak_mib": result["peak_mib"],
            "message": result["stderr"].strip().splitlines()[-1][:300]
            if result["stderr"].strip()
            else "",
        }

    with ThreadPoolExecutor(jobs) as pool:
        cases = list(pool.map(case, range(n)))
    close()  # type: ignore[operator]
    summary = summarise(cases)
    summary["failures"] += [c for c in cases if c["kind"] == "internal-error-row"]
    return summary


PLUGIN_SCENARIO = ROOT / "scenarios" / "bought-followers.yaml"


def plugins(work: Path) -> dict:
    """Each faulty scorer audited beside followers and tunkrank, as an installed plugin."""
    from faulty_scorers import FAULTS

    site = work / "site"
    info = site / "faulty_scorers-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: faulty-scorers\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[auditkit]\nfaulty = faulty_scorers\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT / "tests")]))
    base = [
        *AUDITKIT,
        "audit",
        str(PLUGIN_SCENARIO),
        "--scorer",
        "followers",
        "--scorer",
        "tunkrank",
        "--time-limit",
        "5",
        "--format",
        "json",
    ]
    reference = json.loads(run(base, env)["stdout"])["rows"]
    results = {}
    for fault in FAULTS:
        result = run([*base, "--scorer", fault], env, timeout=300)
        entry: dict = {
            "status": result["status"],
            "seconds": round(result["seconds"], 1),
            "traceback": "Traceback" in result["stderr"],
            "hang": result["hang"],
        }
        try:
            rows = json.loads(result["stdout"])["rows"]
            entry["stdout_json"] = True
        except (ValueError, KeyError):
            rows, entry["stdout_json"] = [], False
        others = [r for r in rows if r["scorer"] != fault]
        mine = [r for r in rows if r["scorer"] == fault]
        entry["others_unchanged"] = others == reference
        entry["verdicts"] = dict(Counter(r["verdict"] for r in mine))
        entry["finding"] = mine[0]["finding"][:240] if mine else ""
        results[fault] = entry
        print(
            f"  {fault:18} exit {entry['status']}  {entry['verdicts']}  others unchanged: "
            f"{entry['others_unchanged']}  json: {entry['stdout_json']}  "
            f"{entry['seconds']} s",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--worlds", type=int, default=500)
    parser.add_argument(
        "--params",
        type=int,
        default=200,
        help="valid scenarios with parameters at their bounds, audited",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--fresh",
        type=int,
        default=0,
        help="also run this many cases of each kind as separate processes",
    )
    parser.add_argument("--skip-plugins", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "fuzz_campaign.json"
    )
    args = parser.parse_args()
    if args.worker:
        serve()
        return
    report: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="auditkit-fuzz-") as tmp:
        work = Path(tmp)
        started = time.monotonic()
        if args.scenarios:
            report["scenarios"] = scenarios(args.scenarios, args.jobs, work)
            print(
                "scenarios:",
                json.dumps(
                    {k: v for k, v in report["scenarios"].items() if k != "examples"}, indent=1
                )[:2000],
                flush=True,
            )
        if args.worlds:
            report["worlds"] = worlds(args.worlds, args.jobs, work)
            print(
                "worlds:",
                json.dumps(
                    {k: v for k, v in report["worlds"].items() if k != "examples"}, indent=1
                )[:2000],
                flush=True,
            )
        if args.params:
            report["parameters"] = parameters(args.params, args.jobs, work)
            print(
                "parameters:",
                json.dumps(
                    {k: v for k, v in report["parameters"].items() if k != "examples"}, indent=1
                )[:3000],
                flush=True,
            )
        if args.fresh:
            report["scenarios_fresh"] = scenarios(args.fresh, args.jobs, work, fresh=True)
            report["worlds_fresh"] = worlds(args.fresh, args.jobs, work, fresh=True)
            for key in ("scenarios_fresh", "worlds_fresh"):
                print(
                    key, report[key]["kinds"], "failures:", len(report[key]["failures"]), flush=True
                )
        if not args.skip_plugins:
            print("plugins:", flush=True)
            report["plugins"] = plugins(work)
        report["minutes"] = round((time.monotonic() - started) / 60, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(
        textwrap.dedent(f"""
        wrote {args.out} ({report["minutes"]} min)""")
    )


if __name__ == "__main__":
    main()
