"""Plugin discovery: entry points in the ``auditkit`` group, loaded one by one.

A plugin that fails to import, implements a misspelt hook, or registers something that is not a
scorer is reported by name in :attr:`Registry.errors` and skipped; the others load normally.
``Registry(strict=True)`` raises the first such error instead.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

import pluggy

from auditkit.errors import PluginError, UnknownScorerError
from auditkit.plugin import hookspecs
from auditkit.plugin.behaviour import Behaviour
from auditkit.plugin.probe import Probe
from auditkit.plugin.renderer import Renderer
from auditkit.plugin.scorer import Scorer

__all__ = ["Registry", "get_registry", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "auditkit"


class Registry:
    """The installed scorers, behaviours and probes, keyed by id, and the plugin problems met
    while loading them.

    Parameters
    ----------
    entry_points : bool
        Load every plugin of the ``auditkit`` entry-point group (the normal case).
    plugins : iterable of (name, plugin) pairs
        Extra plugin objects or modules to register, e.g. in tests.
    strict : bool
        Raise the first :class:`PluginError` instead of collecting it.
    """

    def __init__(
        self,
        *,
        entry_points: bool = True,
        plugins: Iterable[tuple[str, Any]] = (),
        strict: bool = False,
    ) -> None:
        self.strict = strict
        self._arguments = (entry_points, tuple(plugins), strict)
        self.errors: list[PluginError] = []
        self.scorers: dict[str, type[Scorer]] = {}
        self.behaviours: dict[str, type[Behaviour]] = {}
        self.probes: dict[str, type[Probe]] = {}
        self.renderers: dict[str, type[Renderer]] = {}
        #: which plugin registered each (kind, id)
        self.origin: dict[tuple[str, str], str] = {}
        self._pm = pluggy.PluginManager("auditkit")
        self._pm.add_hookspecs(hookspecs)
        candidates: list[tuple[str, Any]] = []
        if entry_points:
            for ep in sorted(
                importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
            ):
                try:
                    candidates.append((ep.name, ep.load()))
                except Exception as exc:  # any import failure of a third-party plugin
                    self._fail(
                        PluginError(
                            f"plugin {ep.name!r} ({ep.value}) failed to import: "
                            f"{type(exc).__name__}: {exc}. Fix or uninstall the package that "
                            "provides it; the other scorers are unaffected."
                        )
                    )
        candidates.extend(plugins)
        for name, plugin in candidates:
            self._add(name, plugin)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle as the arguments that build it (modules by name), so that another process
        (an executor's worker) rebuilds the same registry."""
        entry_points, plugins, strict = self._arguments
        named = [
            (name, _ModuleRef(p.__name__) if isinstance(p, ModuleType) else p)
            for name, p in plugins
        ]
        return _rebuild_registry, (entry_points, named, strict)

    def _fail(self, error: PluginError) -> None:
        if self.strict:
            raise error
        self.errors.append(error)

    def _add(self, name: str, plugin: Any) -> None:
        try:
            self._pm.register(plugin, name=name)
            self._pm.check_pending()
        except (pluggy.PluginValidationError, ValueError) as exc:
            if self._pm.is_registered(plugin):
                self._pm.unregister(plugin)
            hooks = ", ".join(n for n in dir(hookspecs) if n.startswith("register_"))
            self._fail(
                PluginError(
                    f"plugin {name!r} is not a valid auditkit plugin: {exc}. "
                    f"auditkit's hooks are: {hooks}."
                )
            )
            return
        for hook, kind in (
            ("register_scorers", "scorer"),
            ("register_behaviours", "behaviour"),
            ("register_probes", "probe"),
            ("register_renderers", "renderer"),
        ):
            impl = getattr(plugin, hook, None)
            if impl is None or not hasattr(impl, "auditkit_impl"):
                continue
            added: list[str] = []

            def register(cls: Any, kind: str = kind, added: list[str] = added) -> None:
                added.append(self._register(kind, name, cls))

            try:
                impl(register=register)
            except Exception as exc:
                table = self._tables[kind]
                for key in added:
                    table.pop(key, None)
                    self.origin.pop((kind, key), None)
                self._fail(
                    exc
                    if isinstance(exc, PluginError)
                    else PluginError(
                        f"plugin {name!r} raised in {hook}: {type(exc).__name__}: {exc}"
                    )
                )

    @property
    def _tables(self) -> dict[str, dict[str, type]]:
        return {
            "scorer": self.scorers,
            "behaviour": self.behaviours,
            "probe": self.probes,
            "renderer": self.renderers,
        }

    def _register(self, kind: str, plugin: str, cls: Any) -> str:
        base = {"scorer": Scorer, "behaviour": Behaviour, "probe": Probe, "renderer": Renderer}[
            kind
        ]
        article = "auditkit." + base.__name__
        if not (isinstance(cls, type) and issubclass(cls, base)):
            what = cls.__name__ if isinstance(cls, type) else repr(cls)
            raise PluginError(
                f"plugin {plugin!r} registered {what}, which is not a {kind}; "
                f"register a subclass of {article} (the class, not an instance)"
            )
        if getattr(cls, "__abstractmethods__", None):
            raise PluginError(
                f"plugin {plugin!r} registered {cls.__name__}, which does not "
                f"implement {', '.join(sorted(cls.__abstractmethods__))}"
            )
        table = self._tables[kind]
        if cls.id in table:
            raise PluginError(
                f"plugin {plugin!r} registers {kind} id {cls.id!r}, already "
                f"registered by plugin {self.origin[(kind, cls.id)]!r}; give one "
                "of them another id"
            )
        table[cls.id] = cls
        self.origin[(kind, cls.id)] = plugin
        return cls.id

    def scorer(self, scorer_id: str, **params: Any) -> Scorer:
        """An instance of the scorer ``scorer_id`` with ``params``."""
        try:
            cls = self.scorers[scorer_id]
        except KeyError:
            close = difflib.get_close_matches(scorer_id, self.scorers, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UnknownScorerError(
                f"no installed scorer has id {scorer_id!r}.{hint} Installed: "
                f"{', '.join(sorted(self.scorers)) or 'none'} (see `auditkit scorers`)"
            ) from None
        return cls(**params)

    def scorer_origin(self, scorer_id: str) -> str:
        """The plugin that registered a scorer."""
        return self.origin[("scorer", scorer_id)]

    def needs_configuration(self, scorer_id: str) -> bool:
        """Whether a scorer has required parameters (e.g. a black-box adapter's program)."""
        fields = self.scorers[scorer_id].Params.model_fields.values()
        return any(f.is_required() for f in fields)

    def built_in_scorers(self) -> list[str]:
        """Ids of auditkit's own scores under audit that run with their default parameters,
        sorted (reference scorers, the controls and the oracle, are left out)."""
        return sorted(
            sid
            for sid, cls in self.scorers.items()
            if cls.__module__.startswith("auditkit.scorers.")
            and not cls.reference
            and not self.needs_configuration(sid)
        )

    def references(self, kind: str | None = None) -> list[str]:
        """Ids of the reference scorers (``kind``: ``control`` or ``oracle``; None: both),
        sorted."""
        return sorted(
            sid
            for sid, cls in self.scorers.items()
            if cls.reference and (kind is None or cls.reference == kind)
        )

    def all(self) -> list[Scorer]:
        """One instance of every registered score under audit that runs with its default
        parameters, sorted by id. Scorers that need configuration are left out (name them
        explicitly), and so are reference scorers (``auditkit audit --controls`` adds them)."""
        return [
            self.scorers[sid]()
            for sid in sorted(self.scorers)
            if not self.needs_configuration(sid) and not self.scorers[sid].reference
        ]


@dataclass(frozen=True)
class _ModuleRef:
    name: str


def _rebuild_registry(entry_points: bool, plugins: list[tuple[str, Any]], strict: bool) -> Registry:
    loaded = [
        (name, importlib.import_module(p.name) if isinstance(p, _ModuleRef) else p)
        for name, p in plugins
    ]
    if entry_points and not loaded and not strict:
        return get_registry()
    return Registry(entry_points=entry_points, plugins=loaded, strict=strict)


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The registry of installed plugins, built once per process."""
    return Registry()
