"""Layer 5, reports: every report rendered through one set of output formats.

- :mod:`~auditkit.report.audit`, :mod:`~auditkit.report.check`, :mod:`~auditkit.report.attack`
  -- each report kind described as a :class:`~auditkit.plugin.renderer.Document`;
- :mod:`~auditkit.report.formats` -- the built-in output formats (one module each), registered
  like any plugin's renderers;
- :mod:`~auditkit.report.output` -- :func:`render` and :func:`write`: pick the format (by name
  or by the file's extension) from the registry and write atomically.
"""

from auditkit.report.output import format_for_path, render, write

__all__ = ["render", "write", "format_for_path"]
