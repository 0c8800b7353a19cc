"""The document of an audit's :class:`~auditkit.auditing.results.Results`: the scorecard (flaw
and check by scorer), the verdict counts, and the findings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from auditkit.auditing.results import VERDICTS, Results, flaw_number
from auditkit.plugin.renderer import Bullets, Case, Document, Heading, Paragraph, Table
from auditkit.text import number, plural

__all__ = ["audit_document", "scorecard", "cell"]

#: what each verdict is as a CI test case (the renderer contract knows pass/fail/error/skip)
_CASE = {"pass": "pass", "fail": "fail", "error": "error", "skip": "skip",
         "inconclusive": "skip", "blind": "skip", "degenerate": "skip"}
#: what a control must show (docs/verdicts.md)
_EXPECTED = {"positive control": "fail", "negative control": "pass"}


def cell(row: Any) -> str:
    """One scorecard cell: the verdict, the median over seeds and its interval
    (``FAIL 62 [58, 66]``); the verdict alone when no seed gave a value."""
    verdict = str(row.verdict)
    word = verdict.upper() if verdict in ("pass", "fail") else verdict
    estimate = float(row.estimate)
    if not np.isfinite(estimate):
        return word
    low, high = float(row.low), float(row.high)
    if int(row.seeds) == 1 or low == high == estimate:
        return f"{word} {_number(estimate)}"
    return f"{word} {_number(estimate)} [{_number(low)}, {_number(high)}]"


def scorecard(results: Results) -> pd.DataFrame:
    """Flaw, scenario and check by scorer; each cell the verdict, the median over seeds and its
    confidence interval (:func:`cell`)."""
    t = results.table
    if t.empty:
        return pd.DataFrame()
    cells = t.assign(cell=[cell(r) for r in t.itertuples()])
    keys = ["flaw", "scenario", "check"]
    grid = cells.pivot_table(index=keys, columns="scorer", values="cell", aggfunc="first",
                             sort=False)
    order = sorted(grid.index, key=lambda k: (flaw_number(k[0]), k[1], k[2]))
    scorers = list(dict.fromkeys(t["scorer"]))
    return grid.reindex(index=order, columns=scorers).fillna("")


def _number(value: float) -> str:
    if not np.isfinite(value):
        return str(value)
    return number(value, 3)


def audit_document(results: Results) -> Document:
    card = scorecard(results)
    blocks: list = []
    if not card.empty:
        rows = [[f, s, c, *card.loc[(f, s, c)].tolist()] for f, s, c in card.index]
        blocks.append(Table(["flaw", "scenario", "check", *card.columns], rows))
    t = results.table
    counts = results.counts()
    audited = int((t["role"] == "scorer").sum())
    stats = results.meta.get("statistics") or {}
    seeds = results.meta.get("seeds")
    about = ""
    if stats:
        over = "the seeds --seeds auto chose (the seeds column)" if seeds == "auto" \
            else plural(int(seeds or 0), "seed")
        about = (f" Each cell: the verdict, the median over {over} and its confidence "
                 f"interval ({100 * float(stats.get('level') or 0.95):g}% asked; fewer than "
                 f"{stats.get('minimum_seeds_for_level')} seeds give less; docs/verdicts.md).")
    blocks.append(Paragraph(", ".join(f"{counts[v]} {v}" for v in VERDICTS)
                            + f" ({plural(audited, 'check')} of audited scorers).{about}"))
    references = t[t["role"] != "scorer"]
    if len(references):
        wrong = references[references["role"].map(_EXPECTED).notna()
                           & (references["verdict"] != references["role"].map(_EXPECTED))]
        blocks.append(Paragraph(
            f"Controls: {plural(len(references), 'row')} of reference scorers; "
            + ("every positive control failed and every negative control passed." if not
               len(wrong) else f"{plural(len(wrong), 'control')} did not behave as built:")))
        if len(wrong):
            blocks.append(Bullets([f"[{r.flaw} {r.scenario}] {r.check}: {r.role} {r.scorer} "
                                   f"gave {r.verdict}, not {_EXPECTED[r.role]}"
                                   for r in wrong.itertuples()]))
    findings = t[(t["role"] == "scorer") & t["verdict"].isin(["fail", "error"])]
    if len(findings):
        blocks += [Heading("Findings", 2),
                   Bullets([f"[{r.flaw} {r.scenario}] {r.finding}"
                            for r in findings.itertuples()])]
    cases = [Case(suite=f"{r.flaw} {r.scenario}", name=f"{r.check}[{r.scorer}]",
                  status=_CASE.get(r.verdict, "skip"), message=str(r.finding))
             for r in t.itertuples()]
    return Document("audit", "auditkit scorecard", blocks, results.to_dict(), cases)
