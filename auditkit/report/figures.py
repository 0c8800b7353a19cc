"""Pictures for reports, drawn with matplotlib and kept as SVG text.

:func:`svg_of` turns a matplotlib figure into SVG markup that is byte-identical from run to run
(fixed id salt, no date in the metadata) and small (text stays text, not glyph paths), so a
report with figures is deterministic and opens quickly. Matplotlib is imported lazily, with the
non-interactive ``Agg`` back end: nothing here needs a display.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["svg_of", "new_figure", "PALETTE"]

#: colour-blind-safe categorical colours (Okabe and Ito, 2008), in the order they are used
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def new_figure(width: float = 6.4, height: float = 3.6) -> Any:
    """A matplotlib figure (not attached to any window) with auditkit's plain style."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def svg_of(fig: Any) -> str:
    """``fig`` as deterministic SVG markup."""
    import matplotlib

    with matplotlib.rc_context(
        {"svg.hashsalt": "auditkit", "svg.fonttype": "none", "font.family": "DejaVu Sans"}
    ):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "auditkit"})
    return buffer.getvalue()
