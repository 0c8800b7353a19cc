"""``table``: plain text for a terminal or a log (tables drawn with spaces)."""

from __future__ import annotations

import textwrap

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
                out += [
                    tabulate(
                        wrap_cells(block.rows, block.max_widths),
                        headers=block.columns,
                        disable_numparse=True,
                    ),
                    "",
                ]
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


def wrap_cells(rows: list[list[str]], widths: list[int | None] | None) -> list[list[str]]:
    """Cells wrapped at their column's width. (tabulate's own ``maxcolwidths`` parses a cell
    such as ``1,000`` as a number while wrapping, even with ``disable_numparse``, and fails.)"""
    if not widths:
        return rows
    out = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            width = widths[i] if i < len(widths) else None
            text = str(cell)
            if width:
                text = "\n".join(
                    textwrap.fill(line, width) if line else "" for line in text.splitlines()
                )
            cells.append(text)
        out.append(cells)
    return out
