"""The JSON Schema of scenario files, with the installed behaviour and probe ids filled in."""

from __future__ import annotations

from typing import Any

from auditkit.scenario.model import Scenario

__all__ = ["scenario_json_schema"]


def scenario_json_schema(registry) -> dict[str, Any]:
    """Scenario's JSON Schema, with ``behaviour`` and ``probe`` limited to installed ids."""
    schema = Scenario.model_json_schema()
    schema.setdefault("properties", {}).pop("path", None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "auditkit scenario"
    defs = schema.get("$defs", {})
    if "CohortSpec" in defs:
        defs["CohortSpec"]["properties"]["behaviour"]["enum"] = sorted(registry.behaviours)
    if "Check" in defs:
        defs["Check"]["properties"]["probe"]["enum"] = sorted(registry.probes)
    return schema
