"""Plugin discovery through real entry points, and loud, isolated plugin failures."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest

from auditkit import PluginError, Registry, Scorer, UnknownScorerError, hookimpl
from auditkit.plugin.registry import ENTRY_POINT_GROUP

BUILT_INS = {"followers", "klout", "kred", "pagerank", "trustrank", "sybilrank"}


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """Install a package the way pip would (a module plus a dist-info with entry points)."""

    def install(dist: str, modules: dict[str, str], entry_points: dict[str, str]) -> None:
        for name, source in modules.items():
            (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{dist}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        importlib.invalidate_caches()

    return install


GOOD = """
    import pandas as pd
    from auditkit import Scorer, Statement, hookimpl
    from auditkit.plugin.scorer import statement_items

    class Constant(Scorer):
        id = "constant"
        version = "1"
        name = "Everyone scores 7"
        range = (0.0, 10.0)
        description = "A third-party test scorer."

        def score(self, world, at=None):
            return world.series([7.0] * len(world), name=self.id)

        def explain(self, world, account, at=None):
            return Statement(self.id, account, 7.0, statement_items([("flat", 1, 7.0, "")]))

    @hookimpl
    def register_scorers(register):
        register(Constant)
"""


def test_built_ins_come_through_entry_points():
    registry = Registry()
    assert set(registry.scorers) >= BUILT_INS
    assert {registry.scorer_origin(s) for s in BUILT_INS} == BUILT_INS  # one entry point each


def test_third_party_plugin_appears_like_a_built_in(installed_plugin):
    installed_plugin("acme-scores", {"acme_scores": GOOD}, {"acme": "acme_scores"})
    registry = Registry()
    assert "constant" in registry.scorers and registry.scorer_origin("constant") == "acme"
    assert set(registry.scorers) >= BUILT_INS
    assert registry.errors == []


def test_plugin_that_fails_to_import_is_named_and_isolated(installed_plugin):
    installed_plugin(
        "broken", {"broken_scores": "import does_not_exist_anywhere\n"}, {"broken": "broken_scores"}
    )
    registry = Registry()
    assert set(registry.scorers) >= BUILT_INS
    [error] = registry.errors
    assert "plugin 'broken'" in str(error) and "does_not_exist_anywhere" in str(error)
    with pytest.raises(PluginError, match="plugin 'broken'"):
        Registry(strict=True)


def test_misspelt_hook_fails_loudly():
    class Plugin:
        @hookimpl
        def register_scorer(self, register):  # missing "s"
            pass

    registry = Registry(entry_points=False, plugins=[("typo", Plugin())])
    [error] = registry.errors
    assert "plugin 'typo'" in str(error) and "register_scorer" in str(error)
    assert "register_scorers" in str(error)  # names the hook that exists


def test_duplicate_scorer_id_names_both_plugins():
    from auditkit.scorers.followers import FollowerCount

    class Again:
        @hookimpl
        def register_scorers(self, register):
            register(FollowerCount)

    match = "scorer id 'followers', already registered by plugin 'followers'"
    with pytest.raises(PluginError, match=match):
        Registry(plugins=[("copycat", Again())], strict=True)


@pytest.mark.parametrize("thing", [object(), dict, "followers"])
def test_registering_a_non_scorer_is_rejected(thing):
    class Plugin:
        @hookimpl
        def register_scorers(self, register):
            register(thing)

    with pytest.raises(PluginError, match="not a scorer; register a subclass of auditkit.Scorer"):
        Registry(entry_points=False, plugins=[("odd", Plugin())], strict=True)


def test_scorer_class_declarations_are_checked():
    with pytest.raises(TypeError, match="must set"):

        class NoMeta(Scorer):  # noqa: F841
            def score(self, world, at=None): ...
            def explain(self, world, account, at=None): ...

    with pytest.raises(TypeError, match="unknown tags"):

        class BadTag(Scorer):  # noqa: F841
            id, version, name, range, description = "x", "1", "X", (0, 1), "d"
            tags = frozenset({"telepathy"})

            def score(self, world, at=None): ...
            def explain(self, world, account, at=None): ...


def test_unknown_scorer_suggests_the_near_miss():
    with pytest.raises(UnknownScorerError, match="Did you mean 'pagerank'"):
        Registry().scorer("pagerenk")


def test_registry_is_rebuildable_in_another_process():
    code = "from auditkit import Registry; print(sorted(Registry().scorers))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert all(s in out.stdout for s in BUILT_INS)


def test_installed_example_plugin_is_listed_by_the_cli():
    """The example package in examples/plugin, pip-installed by .ci/run, shows up unaided."""
    pytest.importorskip("auditkit_tunkrank", reason="pip install ./examples/plugin")
    out = subprocess.run(
        [sys.executable, "-m", "auditkit", "scorers", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = {s["id"]: s for s in __import__("json").loads(out.stdout)}
    assert listed["tunkrank"]["plugin"] == "tunkrank"
    assert set(listed) >= BUILT_INS


def test_public_api_is_complete_and_importing_auditkit_is_light():
    import auditkit

    assert set(auditkit.__all__) == set(auditkit._EXPORTS)
    for name in auditkit.__all__:
        assert getattr(auditkit, name) is not None
    code = "import sys, auditkit; print('pandas' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
