"""Black boxes that misbehave, against real programs and a real HTTP server on 127.0.0.1: no
credential crosses an origin, no POST becomes a GET, output is capped, a scoring has one
deadline, and no process a program started outlives its scoring."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from auditkit import ScorerError, generate_world, run_scorer
from auditkit.processes import SUBREAPER, OutputTooLarge, ProgramTimeout, run_program
from auditkit.scorers.command import CommandScorer
from auditkit.scorers.http import HttpScorer


@pytest.fixture(scope="module")
def world():
    return generate_world(40, seed=9)


def answer(world) -> bytes:
    return json.dumps({a: 1.0 for a in world.ids}).encode()


# ---------------------------------------------------------------------------------------------
# HTTP


class Server:
    """A local HTTP server whose POST behaviour is a function; it records every request."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler, bytes], None]) -> None:
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _record(self, body: bytes) -> None:
                outer.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._record(body)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    respond(self, body)

            def do_GET(self) -> None:  # noqa: N802
                self._record(b"")
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # shutdown() waits for the loop's next poll: 0.5 s at the default interval
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[Callable[..., Server]]:
    made: list[Server] = []

    def make(respond: Callable[[BaseHTTPRequestHandler, bytes], None]) -> Server:
        made.append(Server(respond))
        return made[-1]

    yield make
    for server in made:
        server.close()


def redirect(location: str, code: int) -> Callable[[BaseHTTPRequestHandler, bytes], None]:
    def respond(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        handler.send_response(code)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


def scores_of(world) -> Callable[[BaseHTTPRequestHandler, bytes], None]:
    def respond(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        data = answer(world)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return respond


SECRET = "Bearer s3cret-token"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_no_redirect_to_another_origin_is_followed(world, servers, code):
    other = servers(scores_of(world))
    first = servers(redirect(other.url + "collect", code))
    scorer = HttpScorer(url=first.url, headers={"Authorization": SECRET}, retries=0)
    with pytest.raises(ScorerError, match=rf"answered HTTP {code} .*another origin"):
        run_scorer(scorer, world)
    assert other.requests == []  # nothing, not even without the header, reached it
    assert first.requests[0]["headers"]["Authorization"] == SECRET


@pytest.mark.parametrize("code", [301, 302, 303])
def test_a_redirect_that_would_turn_post_into_get_is_refused(world, servers, code):
    holder: list[Server] = []
    server = servers(
        lambda h, b: (
            redirect(holder[0].url + "moved", code)(h, b)
            if h.path == "/"
            else scores_of(world)(h, b)
        )
    )
    holder.append(server)
    with pytest.raises(ScorerError, match="would turn the POST into a GET"):
        run_scorer(HttpScorer(url=server.url, retries=0), world)
    assert [r["method"] for r in server.requests] == ["POST"]


@pytest.mark.parametrize("code", [307, 308])
def test_a_same_origin_307_or_308_is_followed_with_method_body_and_headers(world, servers, code):
    holder: list[Server] = []
    server = servers(
        lambda h, b: (
            redirect(holder[0].url + "v2", code)(h, b) if h.path == "/" else scores_of(world)(h, b)
        )
    )
    holder.append(server)
    scores = run_scorer(HttpScorer(url=server.url, headers={"Authorization": SECRET}), world)
    assert len(scores) == len(world)
    first, second = server.requests
    assert second["method"] == "POST" and second["path"] == "/v2"
    assert second["body"] == first["body"] and second["headers"]["Authorization"] == SECRET


def test_a_trickling_server_is_cut_off_at_the_deadline(world, servers):
    def trickle(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        for _ in range(600):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.2)

    server = servers(trickle)
    started = time.monotonic()
    with pytest.raises(ScorerError, match="did not finish within its deadline of 2 s"):
        run_scorer(HttpScorer(url=server.url, timeout=2, deadline=2, retries=3), world)
    assert time.monotonic() - started < 5


def test_a_server_trickling_its_headers_is_cut_off_too(world, servers):
    def slow_headers(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(600):
            handler.wfile.write(f"X-Slow-{i}: a\r\n".encode())
            handler.wfile.flush()
            time.sleep(0.2)

    server = servers(slow_headers)
    started = time.monotonic()
    with pytest.raises(ScorerError, match="deadline of 1.5 s"):
        run_scorer(HttpScorer(url=server.url, timeout=1, deadline=1.5, retries=0), world)
    assert time.monotonic() - started < 4


def test_a_flood_is_capped(world, servers):
    def flood(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        handler.send_response(200)
        handler.end_headers()
        chunk = b"x" * 65536
        for _ in range(2000):  # 128 MB unless the client stops reading
            handler.wfile.write(chunk)

    server = servers(flood)
    with pytest.raises(ScorerError, match=r"sent more than max_output \(1,000,000 bytes\)"):
        run_scorer(HttpScorer(url=server.url, max_output=1_000_000, retries=0), world)


def test_an_announced_oversized_answer_is_refused_before_reading(world, servers):
    def big(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(10**12))
        handler.end_headers()

    server = servers(big)
    with pytest.raises(ScorerError, match="announced an answer of 1,000,000,000,000 bytes"):
        run_scorer(HttpScorer(url=server.url, retries=0), world)


# ---------------------------------------------------------------------------------------------
# programs

DAEMONIZE = """
import os, sys, time
pids = sys.argv[1]
def record():
    with open(pids, "a") as f:
        f.write(f"{os.getpid()}\\n")
if os.fork() == 0:            # a helper that leaves the process group and session
    os.setsid()
    if os.fork() == 0:        # ... and its parent: a daemon
        record(); time.sleep(600); os._exit(0)
    os._exit(0)
if os.fork() == 0:            # a helper in the same group
    record(); time.sleep(600); os._exit(0)
if os.fork() == 0:            # one that ignores SIGTERM
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    record(); time.sleep(600); os._exit(0)
time.sleep(0.5)
sys.stdin.read()
sys.stdout.write(sys.argv[2])
sys.stdout.flush()
if sys.argv[3] == "hang":
    time.sleep(600)
"""


def alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


@pytest.mark.parametrize("mode", ["finish", "hang"])
def test_no_process_outlives_its_scoring(world, tmp_path, mode):
    pids = tmp_path / "pids"
    pids.touch()
    script = tmp_path / "daemonize.py"
    script.write_text(DAEMONIZE)
    scorer = CommandScorer(
        program=[sys.executable, str(script), str(pids), answer(world).decode(), mode], timeout=3
    )
    if mode == "finish":
        assert len(run_scorer(scorer, world)) == len(world)
    else:
        with pytest.raises(
            ScorerError,
            match="did not finish within 3 s and was killed with every process it started",
        ):
            run_scorer(scorer, world)
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) == 3
    if SUBREAPER:
        assert alive(started) == []
    else:  # only the program's process group is guaranteed
        assert len(alive(started)) <= 1


def test_the_audits_time_limit_kills_the_program_and_its_children(world, tmp_path):
    pids = tmp_path / "pids"
    pids.touch()
    script = tmp_path / "daemonize.py"
    script.write_text(DAEMONIZE)
    scorer = CommandScorer(
        program=[sys.executable, str(script), str(pids), "{}", "hang"], timeout=600
    )
    started = time.monotonic()
    with pytest.raises(ScorerError, match="ran past the time limit of 2 s"):
        run_scorer(scorer, world, time_limit=2)
    assert time.monotonic() - started < 15
    time.sleep(0.2)
    if SUBREAPER:
        assert alive([int(p) for p in pids.read_text().split()]) == []


def test_a_flood_of_output_is_capped(world):
    flood = [sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 65536)"]
    started = time.monotonic()
    with pytest.raises(ScorerError, match=r"printed more than 1,000,000 bytes and was killed"):
        run_scorer(CommandScorer(program=flood, max_output=1_000_000), world)
    assert time.monotonic() - started < 30


def test_a_byte_a_second_does_not_outlive_the_timeout():
    trickle = [
        sys.executable,
        "-c",
        "import sys, time\nwhile True:\n sys.stdout.write('x')\n"
        " sys.stdout.flush()\n time.sleep(0.5)",
    ]
    started = time.monotonic()
    with pytest.raises(ProgramTimeout):
        run_program(trickle, timeout=1.5)
    assert time.monotonic() - started < 5


def test_stderr_keeps_only_its_end():
    noisy = [
        sys.executable,
        "-c",
        "import sys\nfor i in range(100000): sys.stderr.write(f'line {i}\\n')\nsys.exit(3)",
    ]
    done = run_program(noisy, timeout=60, max_stderr=1000)
    assert done.returncode == 3 and len(done.stderr) <= 1000
    assert done.stderr.endswith(b"line 99999\n")


def test_large_input_and_output_pass_through():
    data = os.urandom(3_000_000)
    cat = [sys.executable, "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"]
    assert run_program(cat, stdin=data, timeout=60).stdout == data
    with pytest.raises(OutputTooLarge):
        run_program(cat, stdin=data, timeout=60, max_output=1_000_000)
