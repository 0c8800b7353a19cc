"""The document of a :class:`~auditkit.auditing.diff.Diff`: the gate's decision, the regressed
checks, verdict and value changes, rank churn per scenario and the accounts that moved most.
Markdown of it is what a pull-request comment shows (docs/regression.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from auditkit.auditing.diff import Diff
from auditkit.plugin.renderer import Bullets, Case, Document, Heading, Paragraph, Table
from auditkit.text import number, plural, signed

__all__ = ["diff_document", "MOVERS_SHOWN"]

#: accounts shown per scenario among those that moved most (the JSON form has ten per world)
MOVERS_SHOWN = 3


def _n(value: Any, digits: int = 3) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return number(v, digits) if np.isfinite(v) else "n/a"


def _change(r: Any) -> str:
    """``+3.4 [1.2, 5.0]``: the median paired change of the value and its interval."""
    if not int(r.paired_seeds):
        return "not paired"
    d = float(r.delta)
    if float(r.delta_low) == float(r.delta_high) == d:
        return signed(d, 3)
    return f"{signed(d, 3)} [{_n(r.delta_low)}, {_n(r.delta_high)}]"


def _verdicts(r: Any) -> str:
    return f"{r.base_verdict or '-'} -> {r.candidate_verdict or '-'}"


def _sides(diff: Diff) -> tuple[str, str]:
    meta = diff.meta

    def side(key: str) -> str:
        m = meta.get(key, {})
        if m.get("label"):
            return str(m["label"])
        ids = [s.get("id", "?") for s in m.get("scorers", []) if not s.get("reference")]
        return m.get("source") or ", ".join(ids) or key

    return side("base"), side("candidate")


def diff_document(diff: Diff) -> Document:
    base, cand = _sides(diff)
    c = diff.changes
    blocks: list[Any] = []
    regressions = diff.regressions
    level = float(diff.meta.get("level") or 0.95)
    if len(regressions):
        blocks.append(
            Paragraph(
                f"**Gate: FAIL.** {plural(len(regressions), 'check')} regressed from {base} to "
                f"{cand} (exit code 1)."
            )
        )
    else:
        blocks.append(
            Paragraph(
                f"**Gate: pass.** No check regressed beyond its tolerance from {base} to {cand}."
            )
        )
    counts = diff.counts()
    blocks.append(
        Paragraph(
            "Verdicts: "
            + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
            + ". Values: "
            + ", ".join(
                f"{int((c['value_change'] == k).sum())} {k}"
                for k in (
                    "worse",
                    "better",
                    "within tolerance",
                    "within noise",
                    "unchanged",
                    "not paired",
                )
                if (c["value_change"] == k).any()
            )
            + f". A change is the median over the paired seeds of candidate minus base, with its "
            f"{100 * level:g}% order-statistic interval; worse or better means the interval "
            "excludes no change and the change is beyond the check's tolerance "
            f"({_tolerance_text(diff)})."
        )
    )
    both = c[c["base_verdict"].notna() & c["candidate_verdict"].notna()]
    if len(both) and not (both["paired_seeds"] > 0).any():
        seeds = [diff.meta.get(k, {}).get("seed_base") for k in ("base", "candidate")]
        blocks.append(
            Paragraph(
                "No seed pairs up: the two audits ran different seeds (seed bases "
                f"{seeds[0]} and {seeds[1]}), so values are not compared and only verdict changes "
                "are judged. Audit both sides with the same --seeds and --seed."
            )
        )
    if len(regressions):
        blocks += [
            Heading("Regressed checks", 2),
            Table(
                ["flaw", "scenario", "check", "scorer", "verdict", "change", "unit", "why"],
                [
                    [
                        r.flaw,
                        r.scenario,
                        r.check,
                        r.scorer,
                        _verdicts(r),
                        _change(r),
                        r.unit,
                        r.reason,
                    ]
                    for r in regressions.itertuples()
                ],
                max_widths=[None, 24, 24, 16, 22, 24, 14, 50],
            ),
        ]
    flips = c[(c["verdict_change"] != "unchanged") & ~c["regression"].astype(bool)]
    if len(flips):
        blocks += [
            Heading("Other verdict changes", 2),
            Table(
                ["flaw", "scenario", "check", "scorer", "change", "verdict", "value change"],
                [
                    [
                        r.flaw,
                        r.scenario,
                        r.check,
                        r.scorer,
                        r.verdict_change,
                        _verdicts(r),
                        f"{_change(r)} ({r.value_change})",
                    ]
                    for r in flips.itertuples()
                ],
            ),
        ]
    moved = c[
        c["value_change"].isin(["worse", "better", "within tolerance"])
        & ~c["regression"].astype(bool)
        & (c["verdict_change"] == "unchanged")
    ]
    if len(moved):
        blocks += [
            Heading("Values that moved (verdict unchanged)", 2),
            Table(
                ["flaw", "scenario", "check", "scorer", "verdict", "change", "unit", "judged"],
                [
                    [
                        r.flaw,
                        r.scenario,
                        r.check,
                        r.scorer,
                        r.candidate_verdict,
                        _change(r),
                        r.unit,
                        r.value_change,
                    ]
                    for r in moved.itertuples()
                ],
            ),
        ]
    blocks += _churn_blocks(diff)
    cases = [
        Case(
            suite=f"{r.flaw} {r.scenario}",
            name=f"{r.check}[{r.scorer}]",
            status="fail" if r.regression else "pass",
            message=str(r.reason)
            if r.regression
            else f"{_verdicts(r)}, {_change(r)} ({r.value_change})",
        )
        for r in c.itertuples()
    ]
    return Document("diff", f"auditkit diff: {base} -> {cand}", blocks, diff.to_dict(), cases)


def _tolerance_text(diff: Diff) -> str:
    tol = diff.meta.get("tolerances") or {}
    default = _n(tol.get("default", 0))
    extra = len(tol.get("checks") or {})
    where = tol.get("source", "default")
    where = "the default" if where == "default" else where
    return f"{default} in the check's unit unless set per check; from {where}" + (
        f", {plural(extra, 'check')} set" if extra else ""
    )


def _churn_blocks(diff: Diff) -> list[Any]:
    if diff.worlds is None:
        return [
            Heading("Rank churn", 2),
            Paragraph(
                "Not measured: this diff compares two results files, which hold verdicts and "
                "probe values but no scores. Rank churn, the accounts that moved most and the "
                "bystanders need both scorers on the same worlds: `auditkit diff --base SPEC "
                "--candidate SPEC [SCENARIOS]`."
            ),
        ]
    w = diff.worlds
    ok = w[w["error"].fillna("") == ""]
    blocks: list[Any] = [Heading("Rank churn (same worlds, both scorers)", 2)]
    if ok.empty:
        return blocks + [Paragraph("No world could be scored by both scorers.")]
    k = int(ok["k"].iloc[0])
    p = float(ok["p"].iloc[0])
    points = float(ok["bystander_points"].iloc[0])
    rows = []
    for scenario, g in ok.groupby("scenario", sort=False):
        share = g["bystanders_moved"] / g["bystanders"].where(g["bystanders"] > 0)
        rows.append(
            [
                str(g["flaw"].iloc[0]),
                str(scenario),
                str(len(g)),
                _n(g["spearman"].median()),
                _n(g["kendall_tau_b"].median()),
                _n(g["top_k_overlap"].median()),
                _n(g["rbo"].median()),
                _n(g["largest_move"].max(), 4),
                "n/a" if share.isna().all() else f"{100 * share.median():.0f}%",
            ]
        )
    blocks.append(
        Table(
            [
                "flaw",
                "scenario",
                "worlds",
                "Spearman",
                "Kendall tau-b",
                f"top-{k} overlap",
                f"RBO (p={p:g})",
                "largest move (places)",
                "bystanders moved",
            ],
            rows,
            caption="Median over the seeds' treated worlds; largest move over all of them.",
        )
    )
    blocks.append(
        Paragraph(
            f"Accounts are ranked among the population (auxiliary accounts such as bought "
            f"followers left out), highest score first; ties share a rank. Top-{k} overlap and RBO "
            f"take tied groups whole (docs/regression.md). Bystanders: base accounts (in no "
            f"cohort, so the scenario gives them no behaviour of their own) whose percentile moved "
            f"by at least {points:g} point{'s' if points != 1 else ''}; both scorers read the same "
            "world, so their own actions are identical on both sides and the move is the scoring "
            "change's."
        )
    )
    errors = w[w["error"].fillna("") != ""]
    if len(errors):
        blocks.append(
            Bullets(
                [
                    f"{r.scenario} (seed {r.seed}): not measured: {r.error}"
                    for r in errors.itertuples()
                ]
            )
        )
    cohorts = diff.cohorts
    if cohorts is not None and len(cohorts):
        per = (
            cohorts.groupby(["scenario", "cohort"], sort=False)
            .agg(
                worlds=("seed", "size"),
                accounts=("accounts", "median"),
                places=("places", "median"),
                points=("percentile_points", "median"),
            )
            .reset_index()
        )
        per = per[per["cohort"] != "(base)"]
        if len(per):
            blocks += [
                Heading("Cohorts", 2),
                Table(
                    ["scenario", "cohort", "accounts", "places", "percentile points"],
                    [
                        [
                            r.scenario,
                            r.cohort,
                            _n(r.accounts, 4),
                            signed(float(r.places), 3),
                            signed(float(r.points), 3),
                        ]
                        for r in per.itertuples()
                    ],
                    caption="How each cohort moved from the base to the candidate: the median over "
                    "its members, then over the seeds' worlds; up is positive.",
                ),
            ]
    movers = diff.movers
    if movers is not None and len(movers):
        first = movers.groupby("scenario", sort=False)["seed"].transform("min")
        shown = movers[movers["seed"] == first].groupby("scenario", sort=False).head(MOVERS_SHOWN)
        blocks += [
            Heading("Accounts that moved most", 2),
            Table(
                ["scenario", "seed", "account", "cohort", "rank", "places", "percentile"],
                [
                    [
                        r.scenario,
                        str(r.seed),
                        r.account,
                        r.cohort,
                        f"{_n(r.base_rank, 4)} -> {_n(r.candidate_rank, 4)}",
                        signed(float(r.places), 4),
                        f"{r.base_percentile:.0f} -> {r.candidate_percentile:.0f}",
                    ]
                    for r in shown.itertuples()
                ],
                caption=f"The first seed's world of each scenario, {MOVERS_SHOWN} accounts each; "
                "places up are positive.",
            ),
        ]
    return blocks


def churn_summary(worlds: pd.DataFrame) -> dict[str, float]:
    """Medians of the churn measures over ``worlds`` (for a one-line summary)."""
    ok = worlds[worlds["error"].fillna("") == ""]
    return {m: float(ok[m].median()) for m in ("spearman", "kendall_tau_b", "top_k_overlap", "rbo")}
