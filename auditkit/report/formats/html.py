"""``html``: one self-contained page a reviewer can open from disk, offline, and attach to a memo.

Everything is inline: the style sheet, and each figure as SVG markup. The page loads no script,
font, image or style from anywhere (no network request at all), prints cleanly (``@media
print``), and gives every figure a text alternative (``role="img"`` with an ``aria-label``, and a
caption). Table cells carry their tone (good, bad, uncertain, muted) as a class and as text, so
colour is never the only signal. The size of a page is its text and its figures: the bundled
audit's report stays well under :data:`SIZE_BOUND` bytes (tested).
"""

from __future__ import annotations

import html
import re

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

__all__ = ["HtmlRenderer", "SIZE_BOUND"]

#: the largest page auditkit should produce for the bundled audit (2 MB opens instantly)
SIZE_BOUND = 2_000_000

_STYLE = """
:root { --good: #1a7f37; --bad: #b3261e; --uncertain: #9a6700; --muted: #57606a;
        --rule: #d0d7de; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
       sans-serif; color: #1f2328; max-width: 76rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.7rem; margin: 0 0 1rem; } h2 { font-size: 1.3rem; margin-top: 2.2rem;
     border-bottom: 1px solid var(--rule); padding-bottom: .3rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; } h4 { font-size: .95rem; }
table { border-collapse: collapse; margin: .8rem 0 1.4rem; font-size: .88rem; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid var(--rule); padding: .3rem .5rem; vertical-align: top;
         text-align: left; }
th { background: var(--band); }
td.tone-good { color: var(--good); background: #dafbe1; }
td.tone-bad { color: var(--bad); background: #ffebe9; font-weight: 600; }
td.tone-uncertain { color: var(--uncertain); background: #fff8c5; }
td.tone-muted { color: var(--muted); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
figure { margin: 1.2rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: var(--muted); }
nav.toc { background: var(--band); padding: .6rem 1rem; border-radius: 6px; }
nav.toc ol { margin: .2rem 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  nav.toc { display: none; }
  h2, h3 { break-after: avoid; } table, figure, dl { break-inside: avoid; }
  td.tone-good, td.tone-bad, td.tone-uncertain { -webkit-print-color-adjust: exact;
                                                  print-color-adjust: exact; }
}
"""


class HtmlRenderer(Renderer):
    id = "html"
    suffixes = (".html", ".htm")
    description = "one self-contained HTML page (inline style and figures, no network)"

    def render(self, document: Document) -> str:
        body: list[str] = []
        toc: list[tuple[str, str]] = []
        for block in document.blocks:
            if isinstance(block, Heading):
                level = min(block.level + 1, 6)
                anchor = _anchor(block.text, len(toc))
                if level == 2:
                    toc.append((anchor, block.text))
                body.append(f'<h{level} id="{anchor}">{_e(block.text)}</h{level}>')
            elif isinstance(block, Paragraph):
                body.append(
                    "".join(f"<p>{_e(p)}</p>" for p in block.text.split("\n\n") if p.strip())
                )
            elif isinstance(block, Table):
                body.append(_table(block))
            elif isinstance(block, Bullets):
                body.append("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in block.items) + "</ul>")
            elif isinstance(block, Fields):
                title = f"<h4>{_e(block.title)}</h4>" if block.title else ""
                body.append(
                    title
                    + "<dl>"
                    + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in block.items)
                    + "</dl>"
                )
            elif isinstance(block, Figure):
                body.append(_figure(block))
        nav = ""
        if len(toc) > 1:
            nav = (
                '<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>'
                + "".join(f'<li><a href="#{a}">{_e(t)}</a></li>' for a, t in toc)
                + "</ol></nav>"
            )
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(document.title)}</title><style>{_STYLE}</style></head>"
            f"<body><main><h1>{_e(document.title)}</h1>{nav}"
            + "\n".join(body)
            + "</main></body></html>\n"
        )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _anchor(text: str, i: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return f"s{i}-{slug[:48]}" if slug else f"s{i}"


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in table.columns)
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, cell in enumerate(row):
            tone = (
                table.tones[r][c]
                if table.tones and r < len(table.tones) and c < len(table.tones[r])
                else ""
            )
            cls = f' class="tone-{tone}"' if tone else ""
            tag = "th" if c == 0 else "td"
            scope = ' scope="row"' if c == 0 else ""
            cells.append(f"<{tag}{scope}{cls}>{_e(cell)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<caption>{_e(table.caption)}</caption>" if table.caption else ""
    return (
        f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _figure(figure: Figure) -> str:
    if figure.svg:
        picture = f'<div role="img" aria-label="{_e(figure.alt)}">{_strip_prolog(figure.svg)}</div>'
    else:
        picture = ""
    return (
        f"<figure>{picture}<figcaption><strong>{_e(figure.title)}.</strong> "
        f"{_e(figure.alt)}</figcaption></figure>"
    )


def _strip_prolog(svg: str) -> str:
    """SVG markup without its XML declaration and DOCTYPE (not allowed inside HTML)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""
