"""The package is layered and imports run one way (docs/design.md). This test reads every module's
imports (with ``ast``, so nothing is executed) and fails on one that reaches upward.

Imports under ``if TYPE_CHECKING:`` are not counted: they name types for annotations and are
never executed, so they create no dependency at run time (the probe contract, for instance,
annotates its argument with the scenario layer's ``ScenarioRun``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Every package or module of auditkit, by layer, bottom up. A module may import from its own
#: group and from the groups listed as allowed for it.
FOUNDATION = {
    "auditkit.errors",
    "auditkit.files",
    "auditkit.text",
    "auditkit.deadline",
    "auditkit.untrusted",
    "auditkit.interrupts",
    "auditkit.console",
    "auditkit.processes",
    "auditkit.allocator",
}
ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "auditkit.data": {"foundation"},
    "auditkit.plugin": {"foundation", "auditkit.data"},
    "auditkit.scenario": {"foundation", "auditkit.data", "auditkit.plugin"},
    # built-in plugins: the contract and what it stands on, never the audit or the shells
    "auditkit.scorers": {"foundation", "auditkit.data", "auditkit.plugin"},
    "auditkit.behaviours": {"foundation", "auditkit.data", "auditkit.plugin"},
    "auditkit.probes": {"foundation", "auditkit.data", "auditkit.plugin", "auditkit.scenario"},
    "auditkit.auditing": {"foundation", "auditkit.data", "auditkit.plugin", "auditkit.scenario"},
    # tools built on the audit; they may compose built-in behaviours, never a concrete scorer
    "auditkit.checks": {
        "foundation",
        "auditkit.data",
        "auditkit.plugin",
        "auditkit.scenario",
        "auditkit.auditing",
        "auditkit.behaviours",
    },
    "auditkit.attack": {
        "foundation",
        "auditkit.data",
        "auditkit.plugin",
        "auditkit.scenario",
        "auditkit.auditing",
        "auditkit.behaviours",
    },
    # teaching tools: explanations (smallest worlds) and scenario export
    "auditkit.explain": {
        "foundation",
        "auditkit.data",
        "auditkit.plugin",
        "auditkit.scenario",
        "auditkit.auditing",
    },
    "auditkit.report": {
        "foundation",
        "auditkit.data",
        "auditkit.plugin",
        "auditkit.scenario",
        "auditkit.auditing",
        "auditkit.checks",
        "auditkit.attack",
        "auditkit.explain",
    },
}
#: the shells may import anything
SHELLS = {
    "auditkit",
    "auditkit.cli",
    "auditkit.pytest_plugin",
    "auditkit.__main__",
    "auditkit.launcher",
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "scorers":  # shipped as auditkit.scorers
        rel = Path("auditkit", *rel.parts)
    parts = list(rel.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _group(module: str) -> str | None:
    if module in FOUNDATION:
        return "foundation"
    if module in SHELLS:
        return "shell"
    for group in ALLOWED:
        if module == group or module.startswith(group + "."):
            return group
    return None


def _sources() -> list[Path]:
    return sorted([*(ROOT / "auditkit").rglob("*.py"), *(ROOT / "scorers").rglob("*.py")])


def _runtime_imports(tree: ast.Module, module: str) -> list[tuple[int, str]]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    out = []
    package = module if _is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            if name == "auditkit":  # the public API names its defining modules
                out += [(node.lineno, _public_name(a.name)) for a in node.names]
            else:
                out.append((node.lineno, name))
    return [(line, name) for line, name in out if name.split(".")[0] in ("auditkit", "scorers")]


def _public_name(name: str) -> str:
    """The module that ``from auditkit import name`` loads (a lazy export or a subpackage)."""
    import auditkit

    if name == "__version__":
        return "auditkit.errors"  # package metadata: no layer
    return auditkit._EXPORTS.get(name, f"auditkit.{name}")


def _is_package(module: str) -> bool:
    rel = Path(*module.split("."))
    return (ROOT / rel / "__init__.py").exists() or (
        module.startswith("auditkit.scorers")
        and (ROOT / "scorers").exists()
        and module == "auditkit.scorers"
    )


def test_every_module_belongs_to_a_layer():
    unknown = [str(p.relative_to(ROOT)) for p in _sources() if _group(_module_name(p)) is None]
    assert not unknown, f"add these modules to a layer in tests/test_layers.py: {unknown}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_downward(path: Path):
    module = _module_name(path)
    group = _group(module)
    if group in (None, "shell"):
        return
    allowed = ALLOWED[group] | {group}
    bad = []
    for line, target in _runtime_imports(ast.parse(path.read_text()), module):
        if target.startswith("scorers"):
            bad.append(f"line {line}: {target} (the built-in scorers are auditkit.scorers)")
            continue
        target_group = _group(target)
        if target_group == "shell" and target != "auditkit":
            bad.append(f"line {line}: {target} (a shell)")
        elif target_group not in allowed and target != "auditkit":
            bad.append(f"line {line}: {target} ({target_group})")
    assert not bad, f"{module} ({group}) imports upward or sideways:\n" + "\n".join(bad)


def _private_imports() -> list[str]:
    bad = []
    for path in [*_sources(), *(ROOT / "tests").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith(("auditkit", "scorers"))
            ):
                bad += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: {a.name} from "
                    f"{'.' * node.level}{node.module or ''}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    return bad


def test_no_private_name_crosses_a_module_boundary():
    """``from x import _name`` is a private name used outside its module: promote it."""
    bad = _private_imports()
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_the_layering_test_can_fail(tmp_path):
    """A control: an upward import in a data module is reported."""
    tree = ast.parse("from auditkit.auditing.engine import audit\n")
    imports = _runtime_imports(tree, "auditkit.data.world")
    assert _group(imports[0][1]) == "auditkit.auditing"
    assert _group(imports[0][1]) not in ALLOWED["auditkit.data"]
