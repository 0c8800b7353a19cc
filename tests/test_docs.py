"""Docs that can drift from the code are checked against it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from auditkit import Registry, get_registry
from auditkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
import build_reference  # noqa: E402

BUILT_IN_SCORERS = ["followers", "klout", "kred", "pagerank", "trustrank", "sybilrank"]


@pytest.mark.parametrize("name", sorted(build_reference.GENERATED))
def test_generated_reference_is_current(name):
    current = (ROOT / "docs" / name).read_text()
    assert current == build_reference.GENERATED[name]() + "\n", (
        f"docs/{name} is out of date: run `python docs/build_reference.py`")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command):
    assert main.commands[command].help


RULES_HEADING = "## Rules: published or our choice"
RULES_HEADER = "| rule | published? (source) | our choice (why) |"


def _section(page: str, heading: str) -> str:
    return page.split(heading + "\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("scorer_id", BUILT_IN_SCORERS)
def test_every_built_in_scorer_has_a_page(scorer_id):
    page = (ROOT / "docs" / "scorers" / f"{scorer_id}.md").read_text()
    for heading in ("## Formula", RULES_HEADING, "## Parameters", "## Sources"):
        assert heading in page.splitlines(), f"docs/scorers/{scorer_id}.md lacks {heading}"
    cls = Registry().scorers[scorer_id]
    parameters = _section(page, "## Parameters")
    for param in cls.Params.model_fields:
        assert f"| `{param}` |" in parameters, (
            f"docs/scorers/{scorer_id}.md: parameter {param} has no row in its Parameters table")
    assert cls.references, f"{scorer_id} declares no references"


@pytest.mark.parametrize("scorer_id", BUILT_IN_SCORERS)
def test_every_scorer_page_separates_published_rules_from_our_choices(scorer_id):
    """The table rule | published? (source) | our choice (why): every row fills the first two
    cells, and every rule that is not published (a "no" or "in part") says what we chose."""
    rules = _section((ROOT / "docs" / "scorers" / f"{scorer_id}.md").read_text(), RULES_HEADING)
    lines = [line for line in rules.splitlines() if line.startswith("|")]
    assert lines[0] == RULES_HEADER, f"{scorer_id}: the rules table starts with {RULES_HEADER}"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    assert len(rows) >= 5, f"{scorer_id}: the rules table has {len(rows)} rows"
    for rule, published, choice in rows:
        assert rule and published, (scorer_id, rule)
        if published.startswith(("no", "in part")):
            assert choice not in ("", "—"), (scorer_id, rule, "unpublished rule without a choice")
    assert any(r[1].startswith("yes") for r in rows), f"{scorer_id}: nothing published?"


def test_every_scorer_page_is_checked():
    pages = {p.stem for p in (ROOT / "docs" / "scorers").glob("*.md")}
    assert pages == set(BUILT_IN_SCORERS), "add the page's scorer to BUILT_IN_SCORERS"


def test_every_behaviour_is_documented():
    page = (ROOT / "docs" / "behaviours.md").read_text()
    for bid, cls in get_registry().behaviours.items():
        if get_registry().origin[("behaviour", bid)] != "behaviours":
            continue
        section = page.split(f"## {bid}\n", 1)
        assert len(section) == 2, f"docs/behaviours.md has no section '## {bid}'"
        body = section[1].split("\n## ", 1)[0]
        for param in cls.Params.model_fields:
            assert param in body, f"docs/behaviours.md, {bid}: parameter {param} undocumented"


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in ci.splitlines()
    assert any("auditkit audit" in c for c in commands)


def test_every_package_is_in_the_wheel():
    """pyproject lists packages explicitly (scenarios/ ships as auditkit.scenarios); a new
    subpackage missing from the list would be absent from a non-editable install."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for top in ("auditkit", "scorers") for p in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages"
