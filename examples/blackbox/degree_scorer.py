#!/usr/bin/env python3
"""An external influence scorer that speaks auditkit's black-box protocol (docs/blackbox.md).

It is deliberately *not* Python that imports auditkit: it stands for a vendor's program or
service that a reviewer can only run. It scores followers on a log scale with the same formula
as auditkit's built-in ``followers`` scorer, 100 * min(1, ln(1 + f) / ln(1 + 10^8)), where f is
the number of distinct accounts following the account (or the ``followers_count`` column when
the world has no follow edges), so an audit of it must give the built-in's verdicts.

Command protocol (``auditkit ... --scorer command --param program="python degree_scorer.py"``):

- ``AUDITKIT_FORMAT=json`` (default): read the world document from stdin, print
  ``{"account": score, ...}``;
- ``AUDITKIT_FORMAT=csv``: read ``accounts.csv`` and ``follows.csv`` from the directory
  ``$AUDITKIT_WORLD``, print ``account,score`` lines.

HTTP protocol (``python degree_scorer.py --serve 8765``, then ``--scorer http --param
url=http://127.0.0.1:8765/``): POST the world document, get the JSON object back.

Standard library only; Python 3.9+.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REFERENCE = 1e8  # the follower count that scores 100


def score_document(doc: dict) -> dict[str, float]:
    """Scores of every account of a world document ({"accounts": [...], "follows": [...]}).

    The world is already the world as it stood at doc["at"]: follows are the active ones.
    """
    accounts = [row["account"] for row in doc["accounts"]]
    follows = doc.get("follows") or []
    if follows:
        pairs = {(row["follower"], row["followee"]) for row in follows}
        counts = dict.fromkeys(accounts, 0)
        for _, followee in pairs:
            counts[followee] += 1
    else:
        counts = {row["account"]: float(row.get("followers_count") or 0) for row in doc["accounts"]}
    top = math.log1p(REFERENCE)
    return {a: min(1.0, math.log1p(max(counts[a], 0)) / top) * 100.0 for a in accounts}


def read_csv_world(directory: str) -> dict:
    """The accounts and follows of a world directory, as a (partial) world document."""
    root = Path(directory)
    doc: dict = {}
    for name in ("accounts", "follows"):
        with open(root / f"{name}.csv", newline="", encoding="utf-8") as fh:
            doc[name] = [
                {k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(fh)
            ]
    return doc


class Handler(BaseHTTPRequestHandler):
    """POST a world document, get {account: score} back."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        try:
            doc = json.loads(self.rfile.read(length))
            body, status = json.dumps(score_document(doc)).encode(), 200
        except (ValueError, KeyError, TypeError) as exc:
            body, status = json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode(), 400
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's name)
        pass  # quiet: one line per request would drown an audit's output


def make_server(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server for the HTTP protocol; port 0 picks a free port (see server.server_address)."""
    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        port = int(argv[1]) if len(argv) > 1 else 8765
        server = make_server("127.0.0.1", port)
        print(f"serving on http://127.0.0.1:{server.server_address[1]}/", file=sys.stderr)
        server.serve_forever()
        return 0
    fmt = os.environ.get("AUDITKIT_FORMAT", "json")
    if fmt == "csv":
        scores = score_document(read_csv_world(os.environ["AUDITKIT_WORLD"]))
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(["account", "score"])
        out.writerows((a, repr(s)) for a, s in scores.items())
    else:
        json.dump(score_document(json.load(sys.stdin)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
