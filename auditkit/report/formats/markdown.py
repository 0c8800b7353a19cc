"""``markdown``: GitHub-flavoured Markdown for a memo or a pull-request comment."""

from __future__ import annotations

from tabulate import tabulate

from auditkit.plugin.renderer import (
    Bullets,
    Document,
    Fields,
    Figure,
    Heading,
    Paragraph,
    Renderer,
    Table,
)


class MarkdownRenderer(Renderer):
    id = "markdown"
    suffixes = (".md", ".markdown")
    description = "GitHub-flavoured Markdown for a memo or a pull-request comment"

    def render(self, document: Document) -> str:
        out: list[str] = [f"# {document.title}", ""]
        for block in document.blocks:
            if isinstance(block, Heading):
                out += [f"{'#' * (block.level + 1)} {block.text}", ""]
            elif isinstance(block, Paragraph):
                out += [block.text, ""]
            elif isinstance(block, Table):
                if block.caption:
                    out += [f"*{block.caption}*", ""]
                out += [
                    tabulate(
                        [[_cell(c) for c in row] for row in block.rows],
                        headers=block.columns,
                        tablefmt="github",
                        disable_numparse=True,
                    ),
                    "",
                ]
            elif isinstance(block, Bullets):
                out += [f"- {item}" for item in block.items] + [""]
            elif isinstance(block, Fields):
                if block.title:
                    out += [f"**{block.title}**", ""]
                out += [f"- **{label}**: {value}" for label, value in block.items] + [""]
            elif isinstance(block, Figure):
                out += [f"*Figure: {block.title}.* {block.alt}", ""]
        return "\n".join(out).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")
