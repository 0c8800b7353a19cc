"""The document of an :class:`~auditkit.attack.report.AttackReport`: the search's setting, the
best attack found per scorer, and the same attacks compared across scorers."""

from __future__ import annotations

from auditkit.attack.bound import bound_text
from auditkit.attack.cost import KIND_BY_NAME, KINDS
from auditkit.attack.report import AttackReport
from auditkit.plugin.renderer import Block, Case, Document, Fields, Paragraph, Table

__all__ = ["attack_document"]


def attack_document(report: AttackReport) -> Document:
    w = report.worlds
    t = w.traits
    blocks: list[Block] = [
        Paragraph(f"Attack search: budget {report.budget:,} units; population "
                  f"{w.population.accounts:,} accounts (seed {w.seed}); target: an ordinary "
                  f"account at the {w.target_percentile:g}th percentile of traits (attention "
                  f"{t['attention']:g}, activity {t['activity']:g}, sociability "
                  f"{t['sociability']:g})"),
        Paragraph("Cost model (units each): " + ", ".join(f"{k.label} {k.cost}" for k in KINDS)),
    ]
    for sid, seeds in report.frozen.items():
        blocks.append(Paragraph(f"{sid}: seeds frozen on the control world (vetted before the "
                                "attack): " + ", ".join(seeds)))
    cases = []
    for r in report.results:
        b = r.best
        items = [("attack", b.composition.describe()),
                 ("cost", f"{b.cost:,} of {report.budget:,} units ("
                  + ", ".join(f"{KIND_BY_NAME[k].label} {u:,}"
                              for k, u in b.composition.units().items()) + ")"),
                 ("gain", f"{b.pct_before:.1f}th -> {b.pct_after:.1f}th percentile "
                  f"({b.gain:+.1f} points); score {b.score_before:.3g} -> "
                  f"{b.score_after:.3g} ({b.score_gain:+.3g})")]
        if r.scorer in report.bounds:
            items.append(("bound", bound_text(report.bounds[r.scorer])))
        if r.scorer in report.written:
            items.append(("wrote", f"{report.written[r.scorer]} (flaw "
                                   f"{b.composition.flaw()}); rerun: "
                                   f"{report.rerun(report.written[r.scorer])}"))
        blocks.append(Fields(items, f"{r.scorer}: best attack found at evaluation {r.found_at} "
                                    f"of {r.evaluations} ({r.seconds:.1f} s)"))
        cases.append(Case(suite="attack", name=r.scorer, status="pass",
                          message=f"best attack {b.composition.describe()}: {b.gain:+.1f} "
                                  "percentile points", seconds=r.seconds))
    if len(report.results) > 1:
        ids = [r.scorer for r in report.results]
        rows = [[r.scorer, r.best.composition.describe(), str(r.best.cost),
                 f"{r.best.gain:+.1f}", f"{r.best.score_gain:+.3g}",
                 *[f"{report.cross[r.scorer][s].gain:+.1f}" for s in ids]]
                for r in report.results]
        blocks.append(Table(["scorer", "best attack", "cost", "gain", "score gain",
                             *[f"on {s}" for s in ids]], rows,
                            caption="Comparison on the same budget (gain in percentile points; "
                                    "the last columns: the same attack measured on each "
                                    "scorer)"))
    return Document("attack", "auditkit attack", blocks, report.to_dict(), cases)
