"""``table``: plain text for a terminal or a log (tables drawn with spaces)."""

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


class TableRenderer(Renderer):
    id = "table"
    suffixes = (".txt",)
    description = "plain text for a terminal or a log"

    def render(self, document: Document) -> str:
        out: list[str] = [document.title, ""]
        for block in document.blocks:
            if isinstance(block, Heading):
                out += ["", f"{block.text}:"] if block.level <= 2 else [block.text]
            elif isinstance(block, Paragraph):
                out += [block.text]
            elif isinstance(block, Table):
                if block.caption:
                    out.append(block.caption)
                out += [tabulate(block.rows, headers=block.columns, disable_numparse=True,
                                 maxcolwidths=block.max_widths), ""]
            elif isinstance(block, Bullets):
                out += [f"  {item}" for item in block.items]
            elif isinstance(block, Fields):
                if block.title:
                    out.append(block.title)
                width = max((len(label) for label, _ in block.items), default=0) + 2
                out += [f"  {label + ':':<{width}} {value}" for label, value in block.items]
                out.append("")
            elif isinstance(block, Figure):
                out += [f"[figure: {block.title}] {block.alt}"]
        return "\n".join(out).rstrip("\n") + "\n"
