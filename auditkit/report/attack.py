"""The document of an :class:`~auditkit.attack.report.AttackReport`: the search's setting, the
best attack found per scorer, and the same attacks compared across scorers."""

from __future__ import annotations

from auditkit.attack.bound import bound_text
from auditkit.attack.cost import KIND_BY_NAME, KINDS
from auditkit.attack.report import AttackReport
from auditkit.plugin.renderer import Block, Case, Document, Fields, Paragraph, Table
from auditkit.text import number, ordinal, percentile, plural, signed

__all__ = ["attack_document"]


def attack_document(report: AttackReport) -> Document:
    w = report.worlds
    t = w.traits
    blocks: list[Block] = [
        Paragraph(
            f"Attack search: budget {plural(report.budget, 'unit')}; population "
            f"{plural(w.population.accounts, 'account')} (seed {w.seed}); target: an "
            f"ordinary account at {percentile(w.target_percentile)} of traits "
            f"(attention {number(t['attention'], 4)}, activity "
            f"{number(t['activity'], 4)}, sociability {number(t['sociability'], 4)})"
        ),
        Paragraph("Cost model (units each): " + ", ".join(f"{k.label} {k.cost}" for k in KINDS)),
    ]
    for sid, seeds in report.frozen.items():
        blocks.append(
            Paragraph(
                f"{sid}: seeds frozen on the control world (vetted before the "
                "attack): " + ", ".join(seeds)
            )
        )
    cases = []
    for r in report.results:
        b = r.best
        items = [
            ("attack", b.composition.describe()),
            (
                "cost",
                f"{b.cost:,} of {report.budget:,} units ("
                + ", ".join(
                    f"{KIND_BY_NAME[k].label} {u:,}" for k, u in b.composition.units().items()
                )
                + ")",
            ),
            (
                "gain",
                f"from the {ordinal(b.pct_before)} to {percentile(b.pct_after)} "
                f"({signed(b.gain)} points); score {number(b.score_before)} -> "
                f"{number(b.score_after)} ({signed(b.score_gain)})",
            ),
        ]
        if r.scorer in report.bounds:
            items.append(("bound", bound_text(report.bounds[r.scorer])))
        if r.scorer in report.written:
            items.append(
                (
                    "wrote",
                    f"{report.written[r.scorer]} (flaw "
                    f"{b.composition.flaw()}); rerun: "
                    f"{report.rerun(report.written[r.scorer])}",
                )
            )
        blocks.append(
            Fields(
                items,
                f"{r.scorer}: best attack found at evaluation "
                f"{number(r.found_at)} of {number(r.evaluations)} "
                f"({r.seconds:.1f} s)",
            )
        )
        cases.append(
            Case(
                suite="attack",
                name=r.scorer,
                status="pass",
                message=f"best attack {b.composition.describe()}: {signed(b.gain)} "
                "percentile points",
                seconds=r.seconds,
            )
        )
    if len(report.results) > 1:
        ids = [r.scorer for r in report.results]
        rows = [
            [
                r.scorer,
                r.best.composition.describe(),
                number(r.best.cost),
                signed(r.best.gain),
                signed(r.best.score_gain),
                *[signed(report.cross[r.scorer][s].gain) for s in ids],
            ]
            for r in report.results
        ]
        blocks.append(
            Table(
                ["scorer", "best attack", "cost", "gain", "score gain", *[f"on {s}" for s in ids]],
                rows,
                caption="Comparison on the same budget (gain in percentile points; "
                "the last columns: the same attack measured on each "
                "scorer)",
            )
        )
    return Document("attack", "auditkit attack", blocks, report.to_dict(), cases)
