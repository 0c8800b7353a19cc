"""The document of an audit's :class:`~auditkit.auditing.results.Results`, the page a reviewer
decides from:

1. the verdicts per scorer (counts of each verdict, the fail rate and a one-line summary);
2. the legend (what each verdict word means, what a cell and its bracket are);
3. the scorecard: a row per check, ordered by flaw (with the flaw's name from
   ``docs/flaws.md``) and scenario (with its title), a column per scorer; each cell the
   verdict, the median over seeds, its interval and the probe's unit; a check that gave no
   number points to a note that says why;
4. what each check accepts and why (its rationale);
5. the notes (the reasons behind skip, blind, degenerate and error cells, one per reason);
6. a section per flaw: the scenario, its source, the findings (one sentence per check and
   scorer, over every seed, in the order of the table) and the figures of the results'
   evidence (:mod:`auditkit.report.audit_figures`);
7. the controls, when reference scorers were measured.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from auditkit.auditing.results import VERDICTS, Results, flaw_number
from auditkit.plugin.renderer import (
    Block,
    Bullets,
    Case,
    Document,
    Heading,
    Paragraph,
    Table,
)
from auditkit.report.flaws import flaw_title
from auditkit.text import join_words, number, plural

__all__ = [
    "audit_document",
    "scorecard",
    "cell",
    "ordered",
    "scorer_totals",
    "fail_rate",
    "LEGEND",
    "TONE",
]

#: what each verdict is as a CI test case (the renderer contract knows pass/fail/error/skip)
_CASE = {
    "pass": "pass",
    "fail": "fail",
    "error": "error",
    "skip": "skip",
    "inconclusive": "skip",
    "blind": "skip",
    "degenerate": "skip",
}
#: what a control must show (docs/verdicts.md)
_EXPECTED = {"positive control": "fail", "negative control": "pass"}
#: the tone of each verdict's cell (colour in HTML, always with the word)
TONE = {
    "pass": "good",
    "fail": "bad",
    "error": "bad",
    "inconclusive": "uncertain",
    "blind": "muted",
    "degenerate": "muted",
    "skip": "muted",
}
#: verdicts that carry no number: their cell points to a note with the reason
_NO_VALUE = ("skip", "blind", "degenerate", "error")
#: what each verdict word means (docs/verdicts.md)
LEGEND = {
    "PASS": "the whole interval lies inside the acceptable region",
    "FAIL": "the whole interval lies outside it: the scorer has the flaw",
    "inconclusive": "the interval straddles a bound (or some seeds gave no answer): more "
    "seeds may decide",
    "blind": "the scorer did not react at all to what the scenario did (neither a pass nor a fail)",
    "degenerate": "the scores cannot answer the question (ties decide the ranks)",
    "skip": "the probe does not apply to this scorer or world",
    "error": "the scorer or the probe failed on some seed",
}


def _number(value: float) -> str:
    return number(value, 3) if np.isfinite(value) else str(value)


def cell(row: Any, note: int | None = None) -> str:
    """One scorecard cell: the verdict, the median over seeds, its interval and the unit
    (``FAIL 62 [58, 66] percentile points``); a verdict with no number names its note
    (``skip, note 3``)."""
    verdict = str(row.verdict)
    word = verdict.upper() if verdict in ("pass", "fail") else verdict
    estimate = float(row.estimate)
    if not np.isfinite(estimate):
        return f"{word}, note {note}" if note is not None else word
    unit = f" {row.unit}" if isinstance(row.unit, str) and row.unit else ""
    low, high = float(row.low), float(row.high)
    if int(row.seeds) == 1 or low == high == estimate:
        return f"{word} {_number(estimate)}{unit}"
    return f"{word} {_number(estimate)} [{_number(low)}, {_number(high)}]{unit}"


def ordered(results: Results) -> pd.DataFrame:
    """The verdict table in the report's order: by flaw number, then scenario (in the order
    audited), then check (in the scenario's order), then scorer (in the order audited)."""
    t = results.table
    if t.empty:
        return t
    scenarios = {s: i for i, s in enumerate(dict.fromkeys(t["scenario"]))}
    pairs = list(zip(t["scenario"], t["check"], strict=True))
    checks = {k: i for i, k in enumerate(dict.fromkeys(pairs))}
    scorers = {s: i for i, s in enumerate(dict.fromkeys(t["scorer"]))}
    key = pd.DataFrame(
        {
            "f": t["flaw"].map(flaw_number),
            "s": t["scenario"].map(scenarios),
            "c": [checks[k] for k in pairs],
            "r": t["scorer"].map(scorers),
        },
        index=t.index,
    )
    return t.loc[key.sort_values(["f", "s", "c", "r"], kind="stable").index]


def scorecard(results: Results) -> pd.DataFrame:
    """Flaw, scenario and check by scorer; each cell as :func:`cell` writes it (without note
    numbers), in the order of :func:`ordered`."""
    t = ordered(results)
    if t.empty:
        return pd.DataFrame()
    t = t[t["role"] == "scorer"]
    cells = t.assign(cell=[cell(r) for r in t.itertuples()])
    keys = ["flaw", "scenario", "check"]
    grid = cells.pivot_table(
        index=keys, columns="scorer", values="cell", aggfunc="first", sort=False
    )
    order = list(dict.fromkeys(zip(t["flaw"], t["scenario"], t["check"], strict=True)))
    scorers = list(dict.fromkeys(t["scorer"]))
    return grid.reindex(index=order, columns=scorers).fillna("")


def fail_rate(counts: dict[str, int]) -> float:
    """Share of a scorer's checks that fail (over every verdict, answered or not); NaN with
    no check."""
    total = sum(counts.values())
    return counts.get("fail", 0) / total if total else float("nan")


def scorer_totals(results: Results) -> dict[str, dict[str, int]]:
    """Verdict counts of each audited scorer, in the order audited."""
    t = results.table[results.table["role"] == "scorer"]
    return {
        s: {v: int((g["verdict"] == v).sum()) for v in VERDICTS}
        for s, g in t.groupby("scorer", sort=False)
    }


def _summary(scorer: str, counts: dict[str, int], failed_flaws: list[str]) -> str:
    n = sum(counts.values())
    parts = []
    if counts["fail"]:
        parts.append(
            f"fails {counts['fail']} of {plural(n, 'check')} "
            f"({fail_rate(counts):.0%}; {join_words(failed_flaws)})"
        )
    else:
        parts.append(f"fails none of its {plural(n, 'check')}")
    parts.append(f"passes {counts['pass'] or 'none'}")
    if counts["inconclusive"]:
        parts.append(f"{counts['inconclusive']} undecided")
    silent = [f"{v} {counts[v]}" for v in ("blind", "degenerate", "skip") if counts[v]]
    if silent:
        parts.append(
            f"no answer on {sum(counts[v] for v in ('blind', 'degenerate', 'skip'))}"
            f" ({', '.join(silent)})"
        )
    if counts["error"]:
        parts.append(f"{plural(counts['error'], 'error')}")
    return f"{scorer} " + join_words(parts) + "."


def _reason(row: Any) -> str:
    """The reason of a no-value verdict, with the scorer's id and the seed taken out so that
    scorers with the same reason share one note."""
    text = str(row.finding)
    scorer = str(row.scorer)
    if text.startswith(f"{scorer}: "):
        text = text[len(scorer) + 2 :]
    m = re.match(r"(\w+) on (\d+) of (\d+) seeds? \(e\.g\. seed \d+: (.*)\)$", text, re.S)
    if m:
        verdict, k, n, text = m.groups()
        if text.startswith(f"{verdict}: "):
            text = text[len(verdict) + 2 :]
        elif text.startswith("not applicable: "):
            text = text[len("not applicable: ") :]
        text = f"on {k} of {n} seeds: {text}"
    return re.sub(rf"(?<!['\w-]){re.escape(scorer)}(?![\w'-])", "the scorer", text)


def _scenario_info(results: Results) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in results.meta.get("scenarios") or [] if "id" in s}


def audit_document(results: Results) -> Document:
    # the figures need matplotlib; imported here so that a text report never pays for it
    from auditkit.report.audit_figures import flaw_figures, overview_figures

    t = ordered(results)
    audited = t[t["role"] == "scorer"] if not t.empty else t
    scenarios = _scenario_info(results)
    stats = results.meta.get("statistics") or {}
    seeds = results.meta.get("seeds")
    blocks: list[Block] = []

    # 1. verdicts per scorer
    totals = scorer_totals(results)
    if totals:
        failed_flaws = {
            s: list(dict.fromkeys(g.loc[g["verdict"] == "fail", "flaw"]))
            for s, g in audited.groupby("scorer", sort=False)
        }
        rows, tones = [], []
        for s, c in totals.items():
            rows.append(
                [
                    s,
                    str(sum(c.values())),
                    *[str(c[v]) for v in VERDICTS],
                    f"{fail_rate(c):.0%}",
                    _summary(s, c, failed_flaws[s]),
                ]
            )
            tones.append(["", "", *[TONE[v] if c[v] else "" for v in VERDICTS], "", ""])
        blocks += [
            Heading("Verdicts per scorer", 1),
            Table(
                ["scorer", "checks", *VERDICTS, "fail rate", "summary"],
                rows,
                max_widths=[None] * 10 + [60],
                tones=tones,
            ),
        ]
    counts = results.counts()
    blocks.append(
        Paragraph(
            ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
            + f" ({plural(len(audited), 'check')} of audited scorers)."
        )
    )

    # 2. legend
    over = (
        "the seeds --seeds auto chose (the seeds column)"
        if seeds == "auto"
        else plural(int(seeds or 0), "seed")
        if seeds
        else "the seeds"
    )
    level = 100 * float(stats.get("level") or 0.95)
    legend = [f"{word}: {meaning}" for word, meaning in LEGEND.items()]
    legend.append(
        f"a cell: the verdict, the median over {over}, in brackets its "
        f"confidence interval ({level:g}% asked; fewer than "
        f"{stats.get('minimum_seeds_for_level', 6)} seeds give less; "
        "docs/verdicts.md), then the probe's unit; a cell without a number names "
        "the note that gives the reason"
    )
    blocks += [Heading("Legend", 2), Bullets(legend)]

    # 3. the scorecard, with notes for cells without a number
    notes: dict[str, tuple[str, list[str]]] = {}  # reason key -> (text, scorers)
    note_of: dict[tuple[str, str, str], int] = {}
    for r in audited.itertuples():
        if r.verdict in _NO_VALUE and not np.isfinite(float(r.estimate)):
            key = f"{r.scenario} / {r.check}: {r.verdict} {_reason(r)}"
            if key not in notes:
                notes[key] = (key, [])
            notes[key][1].append(str(r.scorer))
            note_of[(r.scenario, r.check, r.scorer)] = list(notes).index(key) + 1
    scorers = list(dict.fromkeys(audited["scorer"])) if len(audited) else []
    if len(audited):
        rows, tones = [], []
        last_flaw = last_scenario = None
        for (flaw, sid, check), group in audited.groupby(["flaw", "scenario", "check"], sort=False):
            by = {r.scorer: r for r in group.itertuples()}
            title = scenarios.get(sid, {}).get("title")
            first = group.iloc[0]
            row = [
                flaw_title(flaw) if flaw != last_flaw else "",
                (f"{title} ({sid})" if title else sid) if sid != last_scenario else "",
                f"{check}; acceptable: {first['expectation']}",
            ]
            tone = ["", "", ""]
            for s in scorers:
                r = by.get(s)
                row.append("" if r is None else cell(r, note_of.get((sid, check, s))))
                tone.append("" if r is None else TONE.get(str(r.verdict), ""))
            rows.append(row)
            tones.append(tone)
            last_flaw, last_scenario = flaw, sid
        blocks += [
            Heading("Scorecard", 1),
            Table(
                ["flaw", "scenario", "check", *scorers],
                rows,
                max_widths=[16, 24, 26, *[18] * len(scorers)],
                tones=tones,
            ),
        ]

    # 4. what each check accepts, and why
    if len(audited):
        rows = []
        for (flaw, sid, check), group in audited.groupby(["flaw", "scenario", "check"], sort=False):
            first = group.iloc[0]
            policy = (
                ""
                if first["policy"] in ("scenario", None)
                else f" (set by policy {first['policy']})"
            )
            rows.append(
                [
                    flaw,
                    sid,
                    check,
                    f"{first['expectation']}{policy}",
                    str(first["rationale"] or "not given"),
                ]
            )
        blocks += [
            Heading("What each check accepts, and why", 1),
            Table(
                ["flaw", "scenario", "check", "acceptable", "rationale"],
                rows,
                max_widths=[None, 24, 22, 26, 70],
            ),
        ]

    # 5. notes
    if notes:
        blocks += [
            Heading("Notes: checks without a number", 1),
            Bullets(
                [
                    f"note {i}. {text} ({join_words(who)})"
                    for i, (text, who) in enumerate(notes.values(), 1)
                ]
            ),
        ]

    # 6. a section per flaw: scenario, source, findings, figures
    evidence = results.evidence if isinstance(results.evidence, dict) else {}
    overview = overview_figures(evidence, scorers)
    if overview:
        blocks += [Heading("Across the scenarios", 1), *overview]
    if len(audited):
        blocks.append(Heading("Findings by flaw", 1))
        for flaw, by_flaw in audited.groupby("flaw", sort=False):
            blocks.append(Heading(flaw_title(flaw), 2))
            for sid, group in by_flaw.groupby("scenario", sort=False):
                info = scenarios.get(sid, {})
                about = [f"Scenario {sid}" + (f": {info['title']}." if info.get("title") else ".")]
                if info.get("acceptable"):
                    about.append(f"Acceptable: {' '.join(str(info['acceptable']).split())}")
                if info.get("source"):
                    about.append(f"Source: {' '.join(str(info['source']).split())}")
                blocks.append(Paragraph("\n\n".join(about)))
                bad = group[group["verdict"].isin(["fail", "error"])]
                if len(bad):
                    blocks.append(Bullets([str(r.finding) for r in bad.itertuples()]))
                else:
                    blocks.append(
                        Paragraph("No audited scorer failed or erred on this scenario's checks.")
                    )
                rest = group[~group["verdict"].isin(["fail", "error"])]
                if len(rest):
                    c = rest["verdict"].value_counts()
                    blocks.append(
                        Paragraph(
                            "Also: "
                            + ", ".join(f"{c[v]} {v}" for v in VERDICTS if v in c)
                            + " (see the scorecard)."
                        )
                    )
                blocks += flaw_figures(evidence, sid, scorers)

    # 7. controls
    references = t[t["role"] != "scorer"] if not t.empty else t
    if len(references):
        wrong = references[
            references["role"].map(_EXPECTED).notna()
            & (references["verdict"] != references["role"].map(_EXPECTED))
        ]
        rows, tones = [], []
        for r in references.itertuples():
            expected = _EXPECTED.get(str(r.role))
            built = "" if expected is None else "yes" if r.verdict == expected else "NO"
            rows.append(
                [f"{r.flaw} {r.scenario}", str(r.check), str(r.scorer), str(r.role), cell(r), built]
            )
            tones.append(
                [
                    "",
                    "",
                    "",
                    "",
                    TONE.get(str(r.verdict), ""),
                    "good" if built == "yes" else "bad" if built == "NO" else "",
                ]
            )
        blocks += [
            Heading("Controls", 1),
            Paragraph(
                f"{plural(len(references), 'row')} of reference scorers; "
                + (
                    "every positive control failed and every negative control passed."
                    if not len(wrong)
                    else f"{plural(len(wrong), 'control')} did not behave as built:"
                )
            ),
        ]
        blocks.append(
            Table(
                ["scenario", "check", "reference", "role", "verdict", "as built"],
                rows,
                tones=tones,
                caption="Reference scorers: a positive control is built to fail "
                "its check, a negative one to pass it; the oracle ranks "
                "by the ground truth",
            )
        )
        if len(wrong):
            blocks.append(
                Bullets(
                    [
                        f"[{r.flaw} {r.scenario}] {r.check}: {r.role} {r.scorer} "
                        f"gave {r.verdict}, not {_EXPECTED[r.role]}"
                        for r in wrong.itertuples()
                    ]
                )
            )

    return Document("audit", "auditkit scorecard", blocks, results.to_dict(), _cases(t))


def _cases(t: pd.DataFrame) -> list[Case]:
    """One test case per check and scorer, in the order of the table. An audited scorer's
    verdict maps to pass, fail, error or skip (inconclusive, blind and degenerate are skips
    whose message names the verdict and its reason); a reference scorer's case passes when the
    control behaved as built (a positive control failed, a negative one passed)."""
    cases = []
    for r in t.itertuples():
        verdict = str(r.verdict)
        if r.role == "scorer":
            status = _CASE.get(verdict, "skip")
            name = f"{r.check}[{r.scorer}]"
            message = str(r.finding)
            if status == "skip":
                message = f"{verdict}: {message}"
        else:
            expected = _EXPECTED.get(str(r.role))
            status = (
                "error"
                if verdict == "error"
                else "pass"
                if expected is None or verdict == expected
                else "fail"
            )
            name = f"{r.check}[{r.scorer}, {r.role}]"
            message = (
                f"{r.role} {r.scorer} gave {verdict}"
                + (f" (built to {expected})" if expected else "")
                + f": {r.finding}"
            )
        cases.append(
            Case(suite=f"{r.flaw} {r.scenario}", name=name, status=status, message=message)
        )
    return cases
