"""Black-box scorer: a web service that answers a world with one score per account.

The adapter POSTs the JSON world document of :func:`auditkit.scorers.command.world_document`
(``Content-Type: application/json``) to ``url`` and reads back a JSON object
``{account: score}`` — the same protocol as the ``command`` adapter's ``json`` format
(``docs/blackbox.md``). Connection errors, timeouts and 5xx answers are retried ``retries``
times with exponential backoff (``backoff``, then twice that, ...); a 4xx answer, a body that is
not the expected JSON, or missing, extra or non-numeric scores raise
:class:`~auditkit.errors.ScorerError` naming the HTTP status and the first bytes of the body.

What it refuses to do: follow a redirect to another origin (scheme, host or port), which would
hand the world and the request's headers, ``Authorization`` included, to a server you did not
name; follow a 301/302/303 redirect at all, which would silently turn the POST into a GET (a
307/308 to the same origin is followed, with the same method and body); read more than
``max_output`` bytes of answer; or take longer than ``deadline`` seconds for the whole scoring,
retries included (a watchdog closes the connection, so a server that trickles one byte a second
is cut off on time). Standard library only (``urllib.request``).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pandas as pd
import pydantic

from auditkit import World, hookimpl
from auditkit.errors import ScorerError

from .command import (
    ExternalParams,
    ExternalScorer,
    scores_from_json,
    snapshot,
    snippet,
    world_document,
)

__all__ = ["HttpScorer"]

_CHUNK = 1 << 16
_MAX_REDIRECTS = 5


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, with the scheme's default port filled in."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class _Refused(Exception):
    """A redirect auditkit will not follow."""


class _Watch:
    """Shuts down every socket of one scoring once its deadline passes."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self.fire)
        self._timer.daemon = True
        self._timer.start()

    def add(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is not None:
                self._sockets.append(sock)
            fired = self.fired
        if fired:
            self.fire()

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, watch: _Watch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watch = watch

    def connect(self) -> None:
        super().connect()
        self._watch.add(self.sock)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, watch: _Watch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watch = watch

    def connect(self) -> None:
        super().connect()
        self._watch.add(self.sock)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self._watch = watch

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_HTTPConnection, watch=self._watch), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self._watch = watch

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(
            functools.partial(_HTTPSConnection, watch=self._watch),
            req,
            context=getattr(self, "_context", None),
        )


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows only 307/308 redirects to the same origin (same method, body and headers)."""

    max_redirections = _MAX_REDIRECTS

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request:
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        if origin(newurl) != origin(req.full_url):
            raise _Refused(
                f"answered HTTP {code} {msg} with a redirect to {newurl}, another "
                "origin; auditkit does not follow it, as that would hand the world "
                "and the request's headers (Authorization included) to a server "
                "you did not name. Point url at the final address if you trust it"
            )
        if code not in (307, 308):
            raise _Refused(
                f"answered HTTP {code} {msg} with a redirect to {newurl}; following "
                "it would turn the POST into a GET. Point url at that address"
            )
        return urllib.request.Request(
            newurl, data=req.data, headers=dict(req.header_items()), method=req.get_method()
        )


class HttpScorer(ExternalScorer):
    """A scoring web service as a scorer; the protocol is in the module docstring."""

    id = "http"
    name = "External web service"
    description = (
        "POSTs the world as a JSON document to a URL and reads back a JSON object "
        "{account: score}; retries connection errors, timeouts and 5xx answers with "
        "exponential backoff. For scorers that cannot be imported; see docs/blackbox.md."
    )
    references = ("auditkit docs/blackbox.md: the black-box scorer protocol.",)

    class Params(ExternalParams):
        url: str = pydantic.Field(
            pattern=r"^https?://\S+$", description="the http:// or https:// address to POST to"
        )
        timeout: float = pydantic.Field(
            30.0,
            gt=0,
            le=10**7,
            description="seconds to wait for the connection and for each read of the answer",
        )
        retries: int = pydantic.Field(
            2,
            ge=0,
            le=10,
            description="extra attempts after a connection error, a timeout or a 5xx answer",
        )
        backoff: float = pydantic.Field(
            0.5,
            ge=0,
            le=3600,
            description="seconds before the first retry; doubled before each further one",
        )
        headers: dict[str, str] = pydantic.Field(
            default_factory=dict,
            description="extra request headers, e.g. "
            "{Authorization: Bearer ...}; never sent to another origin",
        )
        deadline: float = pydantic.Field(
            120.0,
            gt=0,
            le=10**7,
            description="seconds the whole scoring may take, every "
            "attempt, wait and byte of the answer included",
        )

    params: HttpScorer.Params

    @property
    def source(self) -> str:
        return self.params.url

    def score(self, world: World, at: object = None) -> pd.Series:
        snap, t = snapshot(world, at)
        body = self._post(world_document(snap, t))
        return scores_from_json(body, world, self.who).rename(self.id)

    def _post(self, body: bytes) -> bytes:
        from auditkit import __version__

        p = self.params
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"auditkit/{__version__}",
        } | dict(p.headers)
        attempts = p.retries + 1
        problem = ""
        end = time.monotonic() + p.deadline
        watch = _Watch(p.deadline)
        opener = urllib.request.build_opener(
            _HTTPHandler(watch), _HTTPSHandler(watch), _Redirects()
        )
        try:
            for attempt in range(attempts):
                if attempt:
                    time.sleep(
                        min(p.backoff * 2 ** (attempt - 1), max(end - time.monotonic(), 0.0))
                    )
                remaining = end - time.monotonic()
                if remaining <= 0 or watch.fired:
                    break
                request = urllib.request.Request(p.url, data=body, headers=headers, method="POST")
                try:
                    with opener.open(request, timeout=min(p.timeout, remaining)) as response:
                        return self._body(response, watch)
                except _Refused as exc:
                    raise ScorerError(f"{self.who} {exc}") from None
                except urllib.error.HTTPError as exc:
                    answer = f"HTTP {exc.code} {exc.reason}; body: {snippet(_read(exc))}"
                    if exc.code < 500:
                        raise ScorerError(f"{self.who} answered {answer}") from None
                    problem = f"answered {answer}"
                except urllib.error.URLError as exc:
                    if isinstance(exc.reason, _Refused):
                        raise ScorerError(f"{self.who} {exc.reason}") from None
                    if isinstance(exc.reason, TimeoutError):
                        problem = f"did not connect within {p.timeout:g} s"
                    else:
                        problem = f"cannot be reached: {exc.reason}"
                except TimeoutError:
                    problem = f"did not answer within {p.timeout:g} s"
                except (OSError, http.client.HTTPException) as exc:
                    problem = f"broke off the connection: {type(exc).__name__}: {exc}"
                if watch.fired:
                    break
        finally:
            watch.cancel()
        if watch.fired or end - time.monotonic() <= 0:
            raise ScorerError(
                f"{self.who} did not finish within its deadline of "
                f"{p.deadline:g} s (every attempt included); the connection was "
                "closed. Raise the deadline parameter if the service is slow"
            )
        raise ScorerError(
            f"{self.who} {problem} (after {attempts} attempt"
            f"{'s' if attempts > 1 else ''}); check that the service is up, or "
            "raise its timeout or retries parameters"
        )

    def _body(self, response: Any, watch: _Watch) -> bytes:
        """The answer's body, at most ``max_output`` bytes, read before the deadline."""
        cap = self.params.max_output
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > cap:
            raise ScorerError(
                f"{self.who} announced an answer of {int(length):,} bytes, more "
                f"than max_output ({cap:,}); raise max_output if that is right"
            )
        data = bytearray()
        while True:
            chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
            if watch.fired:
                raise TimeoutError("deadline")
            if not chunk:
                return bytes(data)
            data += chunk
            if len(data) > cap:
                raise ScorerError(
                    f"{self.who} sent more than max_output ({cap:,} bytes); "
                    "raise max_output if that much is right"
                )


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read() or b""
    except (OSError, http.client.HTTPException):
        return b""


@hookimpl
def register_scorers(register: Any) -> None:
    register(HttpScorer)
