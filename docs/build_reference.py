"""Regenerate the reference parts of the docs from the code: ``python docs/build_reference.py``.

``tests/test_docs.py`` fails when a generated file is out of date, so the CLI reference and the
probe list cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from auditkit.cli import main
from auditkit.plugin.registry import Registry

DOCS = Path(__file__).parent


def cli_reference() -> str:
    runner = CliRunner()
    out = [
        "# Command reference",
        "",
        "Generated from `--help` by `docs/build_reference.py`; the tests check it is current.",
        "Every command exits with code 2 and a one-paragraph message on a user's mistake.",
        "On Linux with glibc the program keeps the memory it frees for reuse until it exits",
        "(faster on large worlds; `auditkit/allocator.py`): `AUDITKIT_KEEP_FREED_MEMORY=0` keeps",
        "glibc's defaults, and any `MALLOC_*` variable you set is left as you configured it.",
        "",
    ]
    for name in [None, *sorted(main.commands)]:
        args = [name, "--help"] if name else ["--help"]
        text = runner.invoke(main, args, prog_name="auditkit", terminal_width=100).output
        out += [
            f"## auditkit {name}" if name else "## auditkit",
            "",
            "```",
            text.rstrip(),
            "```",
            "",
        ]
    return "\n".join(out)


def probes_reference() -> str:
    registry = Registry(
        entry_points=False, plugins=[("probes", __import__("auditkit.probes.core").probes)]
    )
    out = [
        "# Probes",
        "",
        "Generated from the probe classes by `docs/build_reference.py`. A probe measures one",
        "thing per scorer; a scenario check pairs it with an expectation (see",
        "`docs/scenarios.md`). Parameters without a default are required.",
        "",
    ]
    for pid, cls in sorted(registry.probes.items()):
        info = cls.info()
        out += [f"## {pid}", "", info["description"], "", f"Unit: {info['unit'] or 'none'}.", ""]
        if info["params"]:
            out += ["| parameter | default | meaning |", "|---|---|---|"]
            for name, p in info["params"].items():
                default = "required" if p["required"] else f"`{p['default']!r}`"
                out.append(f"| `{name}` | {default} | {p['description']} |")
            out.append("")
    return "\n".join(out)


def scenario_schema() -> str:
    import json

    from auditkit.scenario.schema import scenario_json_schema

    registry = Registry(
        entry_points=False,
        plugins=[
            ("behaviours", __import__("auditkit.behaviours").behaviours),
            ("probes", __import__("auditkit.probes.core").probes),
        ],
    )
    return json.dumps(scenario_json_schema(registry), indent=2)


GENERATED = {
    "cli.md": cli_reference,
    "probes.md": probes_reference,
    "scenario.schema.json": scenario_schema,
}


if __name__ == "__main__":
    for name, build in GENERATED.items():
        (DOCS / name).write_text(build() + "\n")
        print(f"wrote docs/{name}", file=sys.stderr)
