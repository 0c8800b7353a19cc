"""Rendering a report in a named format, and writing it to a file atomically."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from auditkit.errors import AuditkitError
from auditkit.files import atomic_write
from auditkit.plugin.registry import Registry, get_registry
from auditkit.plugin.renderer import Renderer
from auditkit.report.documents import document_of

__all__ = ["render", "write", "format_for_path", "renderer"]


def renderer(fmt: str, registry: Registry | None = None) -> Renderer:
    """The installed renderer of format ``fmt``."""
    registry = registry or get_registry()
    try:
        return registry.renderers[fmt]()
    except KeyError:
        close = difflib.get_close_matches(fmt, registry.renderers, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise AuditkitError(
            f"no output format {fmt!r}.{hint} Formats: {', '.join(sorted(registry.renderers))}"
        ) from None


def format_for_path(path: str | os.PathLike[str], registry: Registry | None = None) -> str | None:
    """The format whose renderer claims ``path``'s extension (``report.md`` -> ``markdown``),
    or ``None``."""
    registry = registry or get_registry()
    suffix = Path(path).suffix.lower()
    for fmt, cls in sorted(registry.renderers.items()):
        if suffix and suffix in cls.suffixes:
            return fmt
    return None


def render(report: object, fmt: str = "table", registry: Registry | None = None) -> str:
    """``report`` (results, a check report, an attack report or a document) as ``fmt``."""
    return renderer(fmt, registry).render(document_of(report))


def write(
    report: object,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    registry: Registry | None = None,
) -> Path:
    """Write ``report`` to ``path`` atomically, as ``fmt`` or, when it is not given, the
    format of the file's extension (JSON when none matches)."""
    fmt = fmt or format_for_path(path, registry) or "json"
    return atomic_write(path, render(report, fmt, registry))
