"""Black-box scorers: the ``command`` and ``http`` adapters against real programs and servers."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import ParameterError, Registry, ScorerError, get_registry, read_world, run_scorer
from auditkit.cli import main
from auditkit.scorers.command import CommandScorer
from auditkit.scorers.followers import FollowerCount
from auditkit.scorers.http import HttpScorer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "blackbox" / "degree_scorer.py"
PROGRAM = [sys.executable, str(EXAMPLE)]


def _load_example():
    spec = importlib.util.spec_from_file_location("degree_scorer", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


degree_scorer = _load_example()


@pytest.fixture(scope="module")
def world():
    return read_world(ROOT / "examples" / "world")


def python(code: str) -> list[str]:
    """A program: this Python running ``code``."""
    return [sys.executable, "-c", code]


def echo(scores: str, *, exit_code: int = 0) -> list[str]:
    """A program that ignores its input and prints ``scores``."""
    return python(
        f"import sys; sys.stdin.read(); sys.stdout.write({scores!r}); sys.exit({exit_code})"
    )


def all_scores(world, value: float = 1.0, **extra: object) -> str:
    return json.dumps({a: value for a in world.ids} | extra)


# ---------------------------------------------------------------------------------------------
# command: the example program reproduces the built-in follower count


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_example_program_reproduces_followers(world, fmt):
    expected = FollowerCount().score(world)
    got = run_scorer(CommandScorer(program=PROGRAM, format=fmt), world)
    assert got.index.equals(world.ids)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=0)
    assert got.name == "command"


def test_the_world_is_sent_as_of_the_scoring_time(world):
    at = world.start + (world.end - world.start) / 3
    expected = FollowerCount().score(world, at)
    got = CommandScorer(program=PROGRAM).score(world, at)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert not np.allclose(got.to_numpy(), FollowerCount().score(world).to_numpy())


def test_program_may_be_one_text_split_like_a_shell(world):
    text = f"{sys.executable} '{EXAMPLE}'"
    assert CommandScorer(program=text).params.program == PROGRAM
    assert (
        CommandScorer(program=text).score(world).equals(CommandScorer(program=PROGRAM).score(world))
    )


def test_json_document_and_environment(world, tmp_path):
    dump = tmp_path / "seen.json"
    code = (
        "import json, os, sys; doc = json.load(sys.stdin); "
        f"json.dump({{'doc': doc, 'env': {{k: os.environ.get(k) for k in "
        f"('AUDITKIT_AT', 'AUDITKIT_FORMAT', 'AUDITKIT_WORLD')}}}}, open({str(dump)!r}, 'w'));"
        " json.dump({r['account']: 0 for r in doc['accounts']}, sys.stdout)"
    )
    at = pd.Timestamp("2024-03-01T12:00:00Z")
    CommandScorer(program=python(code)).score(world, at)
    seen = json.loads(dump.read_text())
    doc, env = seen["doc"], seen["env"]
    assert env == {
        "AUDITKIT_AT": "2024-03-01T12:00:00Z",
        "AUDITKIT_FORMAT": "json",
        "AUDITKIT_WORLD": None,
    }
    assert set(doc) == {"format", "version", "at", "accounts", "follows", "events"}
    assert (doc["format"], doc["version"], doc["at"]) == (
        "auditkit-world",
        1,
        "2024-03-01T12:00:00Z",
    )
    assert [r["account"] for r in doc["accounts"]] == list(world.ids)
    assert set(doc["events"][0]) >= {"time", "actor", "action", "target"}
    assert all(e["time"] <= "2024-03-01T12:00:00Z" for e in doc["events"])
    snap = world.as_of(at)
    assert len(doc["events"]) == len(snap.events) and len(doc["follows"]) == len(snap.follows)
    posts = [e for e in doc["events"] if e["action"] == "post"]
    assert posts and all(e["target"] is None for e in posts)  # missing values are null


def test_csv_world_directory_and_environment(world, tmp_path):
    dump = tmp_path / "seen.json"
    code = (
        "import csv, json, os, sys; d = os.environ['AUDITKIT_WORLD']; "
        "files = sorted(os.listdir(d)); "
        "rows = list(csv.DictReader(open(os.path.join(d, 'accounts.csv')))); "
        f"json.dump({{'files': files, 'fmt': os.environ['AUDITKIT_FORMAT'], "
        f"'stdin': sys.stdin.read()}}, open({str(dump)!r}, 'w')); "
        "print('account,score'); [print(r['account'] + ',0') for r in rows]"
    )
    CommandScorer(program=python(code), format="csv").score(world)
    seen = json.loads(dump.read_text())
    assert seen == {
        "files": ["accounts.csv", "events.csv", "follows.csv"],
        "fmt": "csv",
        "stdin": "",
    }


def test_empty_tables_are_still_written_with_their_header(tmp_path):
    from auditkit import World
    from auditkit.scorers.command import write_world_csv

    lonely = World(accounts={"account": ["a", "b"]})
    target = write_world_csv(lonely, tmp_path)
    assert (target / "follows.csv").read_text().strip() == "follower,followee"
    assert (target / "events.csv").read_text().startswith("time,actor,action")


def test_explain_is_one_line_whose_points_are_the_score(world):
    scorer = CommandScorer(program=PROGRAM)
    statement = scorer.explain(world, "u3")
    assert len(statement.items) == 1
    assert (
        statement.total
        == statement.score
        == pytest.approx(float(FollowerCount().score(world)["u3"]), rel=1e-12)
    )
    assert "not itemised" in statement.items["note"].iloc[0]


def test_name_reports_the_scorer_under_another_id(world):
    scorer = CommandScorer(program=PROGRAM, name="vendor-score")
    assert scorer.id == "vendor-score" and CommandScorer.id == "command"
    assert run_scorer(scorer, world).name == "vendor-score"


# ---------------------------------------------------------------------------------------------
# command: failures name their cause


def test_timeout_kills_the_program_and_its_children(world, tmp_path):
    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pidfile)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    started = time.monotonic()
    with pytest.raises(ScorerError, match=r"did not finish within 1.5 s and was killed"):
        CommandScorer(program=python(code), timeout=1.5).score(world)
    assert time.monotonic() - started < 10
    child = int(pidfile.read_text())
    status = Path(f"/proc/{child}/status")
    deadline = time.monotonic() + 5
    while status.exists() and "zombie" not in status.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not status.exists() or "zombie" in status.read_text()  # the grandchild died too


def test_non_zero_exit_names_the_code_and_the_end_of_stderr(world):
    code = (
        "import sys; sys.stdin.read(); print('loading model', file=sys.stderr); "
        "print('KeyError: weights.bin', file=sys.stderr); sys.exit(3)"
    )
    with pytest.raises(ScorerError) as err:
        CommandScorer(program=python(code)).score(world)
    message = str(err.value)
    assert "exited with code 3" in message and "KeyError: weights.bin" in message
    assert message.startswith("scorer 'command' (program ")


def test_missing_program_is_named(world):
    with pytest.raises(ScorerError, match=r"'/no/such/scorer' was not found"):
        CommandScorer(program="/no/such/scorer --fast").score(world)


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("", "printed nothing"),
        ("hello", r"output is not JSON .*first bytes: 'hello'"),
        ("u0,1\nu1,2\n", r"not JSON .*it looks like CSV: set format csv"),
        ("[1, 2, 3]", r"output is JSON list, not an object"),
        ('{"u0": "12"}', r"scored account 'u0' '12', which is not a number"),
        ('{"u0": true}', r"scored account 'u0' True, which is not a number"),
        ('{"u0": NaN}', r"scored account 'u0' nan; scores must be finite"),
    ],
)
def test_malformed_json_output_is_an_error(world, output, message):
    with pytest.raises(ScorerError, match=message):
        CommandScorer(program=echo(output)).score(world)


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("account,score\nu0,abc\n", r"line 2: score 'abc' for account 'u0' is not a number"),
        ("u0,1,2\n", r"line 1: expected 'account,score'"),
        ("u0,1\nu0,2\n", r"line 2: account 'u0' is scored twice"),
        ("u0,inf\n", r"line 1: score 'inf' for account 'u0' is not a finite number"),
    ],
)
def test_malformed_csv_output_is_an_error(world, output, message):
    with pytest.raises(ScorerError, match=message):
        CommandScorer(program=echo(output), format="csv").score(world)


def test_missing_and_extra_accounts_are_errors(world):
    ids = list(world.ids)
    some = json.dumps({a: 1.0 for a in ids[:-2]})
    expected = rf"no score for 2 of {len(ids)} accounts \(e.g. '{ids[-2]}', '{ids[-1]}'\)"
    with pytest.raises(ScorerError, match=expected):
        CommandScorer(program=echo(some)).score(world)
    with pytest.raises(
        ScorerError,
        match=r"scores for 1 accounts that are not in the world "
        r"\(e.g. 'ghost'\)",
    ):
        CommandScorer(program=echo(all_scores(world, ghost=3))).score(world)


def test_declared_range_is_enforced_and_configurable(world):
    program = echo(all_scores(world, 500.0))
    with pytest.raises(ScorerError, match=r"500, outside its declared range 0..100"):
        run_scorer(CommandScorer(program=program), world)
    scorer = CommandScorer(program=program, range=[0, 1000])
    assert scorer.bounds == (0.0, 1000.0) and scorer.info()["range"] == [0.0, 1000.0]
    assert (run_scorer(scorer, world) == 500.0).all()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, r"parameter 'program': Field required"),
        ({"program": []}, r"parameter 'program'"),
        ({"program": PROGRAM, "range": [5, 1]}, r"low < high"),
        ({"program": PROGRAM, "format": "xml"}, r"parameter 'format'"),
        ({"program": PROGRAM, "timeout": 0}, r"parameter 'timeout'"),
        ({"program": PROGRAM, "name": "Vendor Score"}, r"parameter 'name'"),
        ({"program": PROGRAM, "shell": True}, r"has no parameter 'shell'"),
    ],
)
def test_bad_parameters_are_rejected(params, message):
    with pytest.raises(ParameterError, match=message):
        CommandScorer(**params)


def test_adapters_need_configuration_and_stay_out_of_default_audits():
    registry = Registry()
    for sid in ("command", "http"):
        assert registry.scorer_origin(sid) == sid
        assert registry.needs_configuration(sid)
        assert "external" in registry.scorers[sid].tags
    assert {"command", "http"}.isdisjoint(s.id for s in registry.all())


# ---------------------------------------------------------------------------------------------
# http: a real server on 127.0.0.1


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/score"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def example_url() -> Iterator[str]:
    yield from _serve(degree_scorer.Handler)


class _Recorder(degree_scorer.Handler):
    """The example scorer, with scripted failures before it answers."""

    script: list[str] = []
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        type(self).seen.append(dict(self.headers))
        step = type(self).script.pop(0) if type(self).script else "ok"
        if step == "ok":
            return super().do_POST()
        self.rfile.read(int(self.headers["Content-Length"]))
        if step == "slow":
            time.sleep(1.5)
        status, body = {
            "500": (500, b"upstream model not loaded"),
            "404": (404, b"no such route"),
            "garbage": (200, b"<html>maintenance</html>"),
            "slow": (200, b"{}"),
        }[step]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def scripted() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Scripted", (_Recorder,), {"script": [], "seen": []})
    for url in _serve(handler):
        yield url, handler


def test_http_example_server_reproduces_followers(world, example_url):
    got = run_scorer(HttpScorer(url=example_url), world)
    np.testing.assert_allclose(got.to_numpy(), FollowerCount().score(world).to_numpy(), rtol=1e-12)


def test_http_sends_json_with_headers(world, scripted):
    url, handler = scripted
    HttpScorer(url=url, headers={"Authorization": "Bearer t0ken"}).score(world)
    (headers,) = handler.seen
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Bearer t0ken"
    assert headers["User-Agent"].startswith("auditkit/")


def test_http_retries_a_5xx_then_succeeds(world, scripted):
    url, handler = scripted
    handler.script[:] = ["500"]
    got = HttpScorer(url=url, backoff=0.01).score(world)
    assert len(handler.seen) == 2
    np.testing.assert_allclose(got.to_numpy(), FollowerCount().score(world).to_numpy(), rtol=1e-12)


def test_http_gives_up_after_its_retries_naming_status_and_body(world, scripted):
    url, handler = scripted
    handler.script[:] = ["500"] * 3
    with pytest.raises(
        ScorerError,
        match=r"answered HTTP 500 .*body: 'upstream model not "
        r"loaded' \(after 3 attempts\)",
    ):
        HttpScorer(url=url, retries=2, backoff=0.01).score(world)
    assert len(handler.seen) == 3


def test_http_does_not_retry_a_4xx(world, scripted):
    url, handler = scripted
    handler.script[:] = ["404"]
    with pytest.raises(ScorerError, match=r"answered HTTP 404 .*body: 'no such route'"):
        HttpScorer(url=url, backoff=0.01).score(world)
    assert len(handler.seen) == 1


def test_http_garbage_body_is_an_error_with_its_first_bytes(world, scripted):
    url, handler = scripted
    handler.script[:] = ["garbage"]
    with pytest.raises(ScorerError, match=r"output is not JSON .*'<html>maintenance</html>'"):
        HttpScorer(url=url).score(world)


def test_http_timeout_is_retried_then_an_error(world, scripted):
    url, handler = scripted
    handler.script[:] = ["slow", "slow"]
    started = time.monotonic()
    with pytest.raises(ScorerError, match=r"did not answer within 0.3 s \(after 2 attempts\)"):
        HttpScorer(url=url, timeout=0.3, retries=1, backoff=0).score(world)
    assert time.monotonic() - started < 1.5
    assert len(handler.seen) == 2


def test_http_unreachable_service_is_an_error(world):
    server = ThreadingHTTPServer(("127.0.0.1", 0), degree_scorer.Handler)
    port = server.server_address[1]
    server.server_close()  # nothing listens there any more
    with pytest.raises(ScorerError, match=r"cannot be reached: .*refused.* \(after 2 attempts\)"):
        HttpScorer(url=f"http://127.0.0.1:{port}/", retries=1, backoff=0).score(world)


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "127.0.0.1:80"])
def test_http_url_must_be_http(url):
    with pytest.raises(ParameterError, match=r"parameter 'url'"):
        HttpScorer(url=url)


# ---------------------------------------------------------------------------------------------
# end to end: audited like a built-in


def _verdicts(rows: list[dict], scorer: str) -> dict[str, tuple[str, float, float, float]]:
    return {
        r["check"]: (r["verdict"], r["estimate"], r["low"], r["high"])
        for r in rows
        if r["scorer"] == scorer
    }


def test_audit_of_the_example_program_gives_the_followers_verdicts():
    scenario = ROOT / "scenarios" / "bought-followers.yaml"
    program = f"{sys.executable} {EXAMPLE}"
    result = CliRunner().invoke(
        main,
        [
            "audit",
            str(scenario),
            "--scorer",
            "followers",
            "--scorer",
            "command",
            "--param",
            f"command.program={program}",
            "--param",
            "command.name=ext-followers",
            "--seeds",
            "2",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    builtin, external = _verdicts(rows, "followers"), _verdicts(rows, "ext-followers")
    assert set(builtin) == {"gain"}
    assert external == builtin
    assert {v[0] for v in builtin.values()} == {"fail"}  # bought followers lift a follower count


def test_audit_of_the_example_service_gives_the_followers_verdicts(example_url):
    from auditkit import audit, load_scenario

    registry = get_registry()
    scenario = load_scenario(ROOT / "scenarios" / "bought-followers.yaml")
    results = audit(
        [scenario],
        [registry.scorer("followers"), registry.scorer("http", url=example_url, name="ext-http")],
        seeds=2,
    )
    rows = results.table.to_dict(orient="records")
    assert _verdicts(rows, "ext-http") == _verdicts(rows, "followers")


def test_score_command_runs_the_example_program():
    result = CliRunner().invoke(
        main,
        [
            "score",
            str(ROOT / "examples" / "world"),
            "--scorer",
            "command",
            "--param",
            f"program={sys.executable} {EXAMPLE}",
            "--param",
            "format=csv",
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(__import__("io").StringIO(result.stdout))
    expected = FollowerCount().score(read_world(ROOT / "examples" / "world"))
    assert table["score"].to_numpy() == pytest.approx(np.sort(expected.to_numpy())[::-1], rel=1e-12)


def test_a_failing_program_is_an_error_verdict_not_a_crash():
    result = CliRunner().invoke(
        main,
        [
            "audit",
            str(ROOT / "scenarios" / "bought-followers.yaml"),
            "--scorer",
            "command",
            "--param",
            "command.program=/no/such/scorer",
            "--seeds",
            "2",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert {r["verdict"] for r in rows} == {"error"}
    assert all("'/no/such/scorer' was not found" in r["finding"] for r in rows)
