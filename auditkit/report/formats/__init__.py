"""auditkit's built-in output formats, one module each, registered through the ``renderers``
entry point in auditkit's own ``pyproject.toml`` like a third-party plugin's."""

from auditkit.plugin.hookspecs import hookimpl
from auditkit.report.formats.html import HtmlRenderer
from auditkit.report.formats.json import JsonRenderer
from auditkit.report.formats.junit import JUnitRenderer
from auditkit.report.formats.markdown import MarkdownRenderer
from auditkit.report.formats.table import TableRenderer

__all__ = ["BUILT_IN_RENDERERS", "register_renderers"]

BUILT_IN_RENDERERS = (TableRenderer, MarkdownRenderer, HtmlRenderer, JsonRenderer, JUnitRenderer)


@hookimpl
def register_renderers(register):
    for cls in BUILT_IN_RENDERERS:
        register(cls)
