"""Black-box scorer: a web service that answers a world with one score per account.

The adapter POSTs the JSON world document of :func:`auditkit.scorers.command.world_document`
(``Content-Type: application/json``) to ``url`` and reads back a JSON object
``{account: score}`` — the same protocol as the ``command`` adapter's ``json`` format
(``docs/blackbox.md``). Connection errors, timeouts and 5xx answers are retried ``retries``
times with exponential backoff (``backoff``, then twice that, ...); a 4xx answer, a body that is
not the expected JSON, or missing, extra or non-numeric scores raise
:class:`~auditkit.errors.ScorerError` naming the HTTP status and the first bytes of the body.
Standard library only (``urllib.request``).
"""

from __future__ import annotations

import http.client
import time
import urllib.error
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


class HttpScorer(ExternalScorer):
    """A scoring web service as a scorer; the protocol is in the module docstring."""

    id = "http"
    name = "External web service"
    description = (
        "POSTs the world as a JSON document to a URL and reads back a JSON object "
        "{account: score}; retries connection errors, timeouts and 5xx answers with "
        "exponential backoff. For scorers that cannot be imported; see docs/blackbox.md.")
    references = ("auditkit docs/blackbox.md: the black-box scorer protocol.",)

    class Params(ExternalParams):
        url: str = pydantic.Field(pattern=r"^https?://\S+$",
                                  description="the http:// or https:// address to POST to")
        timeout: float = pydantic.Field(30.0, gt=0, description="seconds to wait for the "
                                        "connection and for each read of the answer")
        retries: int = pydantic.Field(2, ge=0, le=10, description="extra attempts after a "
                                      "connection error, a timeout or a 5xx answer")
        backoff: float = pydantic.Field(0.5, ge=0, description="seconds before the first "
                                        "retry; doubled before each further one")
        headers: dict[str, str] = pydantic.Field(
            default_factory=dict, description="extra request headers, e.g. "
            "{Authorization: Bearer ...}")

    params: Params

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
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "User-Agent": f"auditkit/{__version__}"} | dict(p.headers)
        attempts = p.retries + 1
        problem = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(p.backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(p.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=p.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as exc:
                answer = f"HTTP {exc.code} {exc.reason}; body: {snippet(_read(exc))}"
                if exc.code < 500:
                    raise ScorerError(f"{self.who} answered {answer}") from None
                problem = f"answered {answer}"
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError):
                    problem = f"did not connect within {p.timeout:g} s"
                else:
                    problem = f"cannot be reached: {exc.reason}"
            except TimeoutError:
                problem = f"did not answer within {p.timeout:g} s"
            except (ConnectionError, http.client.HTTPException) as exc:
                problem = f"broke off the connection: {type(exc).__name__}: {exc}"
        raise ScorerError(f"{self.who} {problem} (after {attempts} attempt"
                          f"{'s' if attempts > 1 else ''}); check that the service is up, or "
                          "raise its timeout or retries parameters")


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read() or b""
    except (OSError, http.client.HTTPException):
        return b""


@hookimpl
def register_scorers(register: Any) -> None:
    register(HttpScorer)
