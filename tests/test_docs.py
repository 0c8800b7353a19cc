"""Docs that can drift from the code are checked against it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from auditkit import Registry, get_registry
from auditkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
import build_reference  # noqa: E402

BUILT_IN_SCORERS = get_registry().built_in_scorers()
#: reference scorers documented together, one page per kind (tests/test_controls.py checks them)
REFERENCE_PAGES = {"controls", "oracle"}


@pytest.mark.parametrize("name", sorted(build_reference.GENERATED))
def test_generated_reference_is_current(name):
    current = (ROOT / "docs" / name).read_text()
    assert current == build_reference.GENERATED[name]() + "\n", (
        f"docs/{name} is out of date: run `python docs/build_reference.py`"
    )


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
            f"docs/scorers/{scorer_id}.md: parameter {param} has no row in its Parameters table"
        )
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
    assert pages == set(BUILT_IN_SCORERS) | REFERENCE_PAGES, "a scorer page without its test"


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

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "auditkit").rglob("__init__.py")
    }
    found |= {
        ".".join(("auditkit", *p.parent.relative_to(ROOT).parts))
        for top in ("scorers", "scenarios")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages"


def _built_in_plugins() -> set[str]:
    """Names of the plugins the package itself registers (its own entry points)."""
    return set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["auditkit"]
    )


def test_every_behaviour_source_is_on_its_docs_page():
    """docs/behaviours.md repeats each built-in behaviour's ``source`` attribute verbatim."""
    page = (ROOT / "docs" / "behaviours.md").read_text()
    for bid, cls in get_registry().behaviours.items():
        if get_registry().origin[("behaviour", bid)] != "behaviours":
            continue
        body = page.split(f"## {bid}\n", 1)[1].split("\n## ", 1)[0]
        assert f"**Source.** {cls.source}\n" in body + "\n", (
            f"docs/behaviours.md, {bid}: the Source line differs from {cls.__name__}.source"
        )


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no tracked files to check")
    return [ROOT / name for name in out.decode().split("\0") if name]


#: Research notes that live outside the repository; a user of the package never has them. Split
#: so that this file does not match itself.
EXTERNAL_NOTES = ("shared" + "/docs", "scoring" + "-references")
#: The catalogue's file name without its directory (a citation must say ``docs/`` before it).
BARE_CATALOGUE = re.compile(r"(?<![\w/\"'])flaws\.md")


def test_no_tracked_file_cites_notes_outside_the_repository():
    offenders = []
    for path in _tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if any(note in line for note in EXTERNAL_NOTES) or BARE_CATALOGUE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not offenders, (
        "cite docs/flaws.md and docs/references.md instead of notes outside "
        "the repository:\n" + "\n".join(offenders)
    )


def _catalogue_ids() -> set[str]:
    page = (ROOT / "docs" / "flaws.md").read_text()
    return set(re.findall(r"^## (F\d+) — ", page, flags=re.M))


def test_every_cited_flaw_has_a_catalogue_entry():
    from auditkit.attack.cost import KINDS

    cited: dict[str, list[str]] = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        flaw = str(yaml.safe_load(path.read_text()).get("flaw"))
        cited.setdefault(flaw, []).append(f"scenarios/{path.name}")
    registry, built_in = get_registry(), _built_in_plugins()
    for bid, cls in registry.behaviours.items():
        if registry.origin[("behaviour", bid)] in built_in:
            for flaw in cls.flaws:
                cited.setdefault(flaw, []).append(f"behaviour {bid}")
    for kind in KINDS:
        cited.setdefault(kind.flaw, []).append(f"attack kind {kind.name}")
    catalogue = _catalogue_ids()
    missing = {flaw: where for flaw, where in cited.items() if flaw not in catalogue}
    assert not missing, f"flaw ids without a '## Fn — ' heading in docs/flaws.md: {missing}"
    assert {f"F{i}" for i in range(1, 19)} <= catalogue, "docs/flaws.md lacks an entry of F1-F18"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_cited_reference_anchor_exists():
    page = (ROOT / "docs" / "references.md").read_text()
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", page, flags=re.M)}
    cited = set()
    for path in _tracked_files():
        try:
            cited |= set(re.findall(r"docs/references\.md#([\w-]+)", path.read_text("utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    assert cited, "nothing cites docs/references.md by section"
    assert cited <= anchors, f"no such section in docs/references.md: {sorted(cited - anchors)}"


def test_plugin_guide_world_api_exists():
    """Every `world.<member>` the plugin guide documents is a member of World."""
    from auditkit import World

    page = (ROOT / "docs" / "plugins.md").read_text()
    table = page.split("## The World a scorer reads", 1)[1].split("###", 1)[0]
    members = set(re.findall(r"`world\.(\w+)", table))
    assert {
        "resolve_at",
        "as_of",
        "window",
        "event_codes",
        "follow_codes",
        "in_degree",
        "code_of",
        "series",
    } <= members
    missing = sorted(m for m in members if not hasattr(World, m))
    assert not missing, f"docs/plugins.md documents World members that do not exist: {missing}"


def test_plugin_guide_renderer_example_runs():
    """The renderer example of docs/plugins.md registers and renders a real report."""
    from auditkit import Registry
    from auditkit.report import render

    page = (ROOT / "docs" / "plugins.md").read_text()
    code = page.split("### `register_renderers(register)`", 1)[1].split("```python\n", 1)[1]
    namespace: dict = {}
    exec(code.split("```", 1)[0], namespace)
    plugin = type(
        "Plugin", (), {"register_renderers": staticmethod(namespace["register_renderers"])}
    )()
    registry = Registry(plugins=[("csv-example", plugin)], strict=True)
    from auditkit.plugin.renderer import Document, Table

    doc = Document("demo", "Demo", [Table(["a", "b"], [["1", "2"]])])
    assert render(doc, "csv", registry) == "a,b\n1,2\n"
