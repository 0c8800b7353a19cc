"""The document of an audit's :class:`~auditkit.auditing.results.Results`: the scorecard (flaw
and check by scorer), the verdict counts, and the findings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.auditing.results import VERDICTS, Results, flaw_number
from auditkit.plugin.renderer import Bullets, Case, Document, Heading, Paragraph, Table

__all__ = ["audit_document", "scorecard"]


def scorecard(results: Results) -> pd.DataFrame:
    """Flaw, scenario and check by scorer; each cell the verdict and the measured value (median
    over seeds; ``2/3 pass`` when seeds disagree)."""
    t = results.table
    if t.empty:
        return pd.DataFrame()

    def cell(group: pd.DataFrame) -> str:
        verdicts = group["verdict"].tolist()
        values = group["value"].dropna()
        shown = f" {_number(float(np.median(values)))}" if len(values) else ""
        if len(set(verdicts)) == 1:
            word = verdicts[0].upper() if verdicts[0] in ("pass", "fail") else verdicts[0]
            return f"{word}{shown}"
        passed = verdicts.count("pass")
        return f"{passed}/{len(verdicts)} pass{shown}"

    keys = ["flaw", "scenario", "check"]
    grid = (t.groupby(keys + ["scorer"], sort=False)[["verdict", "value"]]
            .apply(cell).unstack("scorer"))
    order = sorted(grid.index, key=lambda k: (flaw_number(k[0]), k[1], k[2]))
    scorers = list(dict.fromkeys(t["scorer"]))
    return grid.loc[order, scorers].fillna("")


def _number(value: float) -> str:
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def audit_document(results: Results) -> Document:
    card = scorecard(results)
    blocks: list = []
    if not card.empty:
        rows = [[f, s, c, *card.loc[(f, s, c)].tolist()] for f, s, c in card.index]
        blocks.append(Table(["flaw", "scenario", "check", *card.columns], rows))
    counts = results.counts()
    blocks.append(Paragraph(", ".join(f"{counts[v]} {v}" for v in VERDICTS)
                            + f" ({len(results.table)} checks)"))
    findings = results.table[results.table["verdict"].isin(["fail", "error"])]
    if len(findings):
        blocks += [Heading("Findings", 2),
                   Bullets([f"[{r.flaw} {r.scenario}, seed {r.seed}] {r.finding}"
                            for r in findings.itertuples()])]
    cases = [Case(suite=f"{r.flaw} {r.scenario}", name=f"{r.check}[{r.scorer}, seed {r.seed}]",
                  status=r.verdict, message=str(r.finding))
             for r in results.table.itertuples()]
    return Document("audit", "auditkit scorecard", blocks, results.to_dict(), cases)
