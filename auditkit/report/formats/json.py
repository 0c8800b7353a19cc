"""``json``: the report's machine-readable form, as it is (``Document.data``)."""

from __future__ import annotations

import json

from auditkit.plugin.renderer import Document, Renderer


class JsonRenderer(Renderer):
    id = "json"
    suffixes = (".json",)
    description = "the machine-readable form (results rows, check verdicts, attack findings)"

    def render(self, document: Document) -> str:
        return json.dumps(document.data, indent=2, default=str) + "\n"
