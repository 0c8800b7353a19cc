"""The document of an :class:`~auditkit.explain.explanation.Explanation`: what the scenario
does, the finding, how the scorer scores, the smallest world that shows the finding (a table
and a picture), what each score is made of, and why, in plain words."""

from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd

from auditkit.explain.explanation import AccountFacts, Explanation, Judged
from auditkit.plugin.renderer import (
    Block,
    Bullets,
    Case,
    Document,
    Figure,
    Heading,
    Paragraph,
    Table,
)
from auditkit.plugin.scorer import TAGS, Scorer, Statement
from auditkit.report.picture import PicturePanel, picture_alt, world_picture
from auditkit.report.scores import statement_notes, statement_rows
from auditkit.text import join_words, number, ordinal, plural

__all__ = ["explain_document", "explain_picture"]

#: What the tags a scorer may lack mean for an explanation: the facts it then cannot see.
_UNSEEN = {
    "events": ("posts", "reactions received", "reactions made"),
    "follows": ("followers", "following"),
}
_FACT_WORDS = {
    "followers": ("follower", "followers"),
    "following": ("follow", "follows"),
    "posts": ("post", "posts"),
    "reactions received": ("reaction received", "reactions received"),
    "reactions made": ("reaction made", "reactions made"),
}


#: Width plain-text paragraphs are wrapped at.
WIDTH = 100


def _p(text: str) -> Paragraph:
    """A paragraph wrapped for a terminal (Markdown joins the lines again)."""
    return Paragraph(textwrap.fill(text, WIDTH, break_on_hyphens=False, break_long_words=False))


def _b(items: list[str]) -> Bullets:
    """Bullets wrapped for a terminal, continuation lines indented under the first."""
    return Bullets(
        [
            textwrap.fill(
                i, WIDTH - 2, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False
            )
            for i in items
        ]
    )


def _verb(j: Judged) -> str:
    """``fails``, ``passes`` (or the verdict) as a verb."""
    return {"fail": "fails", "pass": "passes"}.get(j.verdict, f"is {j.verdict} on")


def _verdict(j: Judged) -> str:
    """The verdict as a verb, a failure in capitals so it stands out."""
    return "FAILS" if j.verdict == "fail" else _verb(j)


def _sizes(size: dict[str, int]) -> str:
    return join_words(
        [
            plural(size["accounts"], "account"),
            plural(size["follows"], "follow"),
            plural(size["events"], "event"),
        ]
    )


def _when(e: Explanation) -> str:
    return f"{e.at:%Y-%m-%d %H:%M} UTC, {e.at_reason}"


def _rank_texts(facts: list[AccountFacts], scorer_id: str) -> dict[str, str]:
    """Each account's rank under a scorer as people write it: ``1st``, ``2nd=`` when tied,
    ``-`` for an auxiliary account (not ranked)."""
    ranks = [f.scores[scorer_id][1] for f in facts]
    return {
        f.account: "-" if r == 0 else ordinal(r) + ("=" if ranks.count(r) > 1 else "")
        for f, r in zip(facts, ranks, strict=True)
    }


def _rank_of(facts: list[AccountFacts], scorer_id: str, account: str) -> str:
    """``2nd of 4`` (``2nd= of 4`` when tied), or ``not ranked`` for an auxiliary account."""
    text = _rank_texts(facts, scorer_id)[account]
    return "not ranked" if text == "-" else f"{text} of {number(_population(facts))}"


def _population(facts: list[AccountFacts]) -> int:
    return sum(f.role != "auxiliary" for f in facts)


def _fact_values(f: AccountFacts) -> dict[str, int]:
    return {
        "followers": f.followers,
        "following": f.following,
        "posts": f.posts,
        "reactions received": f.reactions_received,
        "reactions made": f.reactions_made,
    }


def _fact_text(name: str, value: int) -> str:
    one, many = _FACT_WORDS[name]
    return f"{'no' if value == 0 else number(value)} {one if value == 1 else many}"


def _reads(scorer: Scorer) -> str:
    reads = [
        TAGS[t].removeprefix("reads ")
        for t in sorted(scorer.tags)
        if t in TAGS and TAGS[t].startswith("reads ")
    ]
    blind = [TAGS[t].removeprefix("reads ") for t in ("events", "follows") if t not in scorer.tags]
    text = f"{scorer.id} reads {join_words(reads)}" if reads else f"{scorer.id} declares no data"
    return text + (f"; it does not read {join_words(blind, 'or')}" if blind else "") + "."


def explain_picture(e: Explanation) -> Figure:
    """The picture of the explanation's small world (both worlds when it has a control)."""
    small = e.small_run
    scorer = e.scorer
    facts = {f.account: f for f in e.facts()}
    panels = []
    when = f"as of day {(e.at - small.day(0)) / pd.Timedelta(days=1):g}"
    if e.has_control:
        control = {f.account: f for f in e.facts(control=True)}
        facts = control | facts
        panels.append(
            PicturePanel(
                f"without the treatment (control), {when}",
                small.control.world.as_of(e.at),
                {a: f.scores[scorer.id][0] for a, f in control.items()},
            )
        )
        panels.append(
            PicturePanel(
                f"with the treatment, {when}",
                small.world.as_of(e.at),
                {a: f.scores[scorer.id][0] for a, f in e_facts(e).items()},
            )
        )
    else:
        panels.append(
            PicturePanel(
                f"the small world, {when}",
                small.world.as_of(e.at),
                {a: f.scores[scorer.id][0] for a, f in facts.items()},
            )
        )
    cohorts = {a: f.cohort for a, f in facts.items()}
    labels = {a: f.label for a, f in facts.items()}
    order = [c.name for c in e.scenario.cohorts]
    title = (
        f"{scorer.id} {_verb(e.small[0])} {e.check.label}: the smallest world of "
        f"{e.scenario.id} (seed {e.seed}) that shows it"
    )
    svg = world_picture(
        panels, title, cohorts=cohorts, cohort_order=order, labels=labels, score_name=scorer.id
    )
    return Figure(title, picture_alt(panels, cohorts, labels, scorer.id), svg)


def e_facts(e: Explanation) -> dict[str, AccountFacts]:
    return {f.account: f for f in e.facts()}


def explain_document(e: Explanation) -> Document:
    scorer, versus = e.scorer, e.versus
    full, small = e.full[0], e.small[0]
    scenario = e.scenario
    run = e.run
    pop = scenario.population
    blocks: list[Block] = []

    # ---- the scenario -------------------------------------------------------------------
    blocks.append(Heading("The scenario", 2))
    base = (
        f"a copy of the world {pop.world}"
        if pop.world
        else f"{plural(pop.accounts, 'ordinary account')} over {plural(run.days, 'day')}"
    )
    blocks.append(
        _p(
            f"{scenario.title} (flaw {scenario.flaw}, docs/flaws.md). The "
            f"scenario starts from {base} (seed {e.seed}) and adds:"
        )
    )
    items = []
    for spec in scenario.cohorts:
        cohort = run.treated.cohorts[spec.name]
        behaviour = run.registry.behaviours[spec.behaviour]
        params = ", ".join(f"{k} {_value(v)}" for k, v in spec.params.items())
        did = ", ".join(
            f"{_value(v)} {k.replace('_', ' ')}"
            for k, v in cohort.facts.items()
            if isinstance(v, int | float)
        )
        items.append(
            f"{spec.name}: {plural(spec.size, 'account')} behaving as "
            f"{spec.behaviour.replace('_', ' ')}"
            + (f" ({params})" if params else "")
            + f". {_first_sentence(behaviour.description)}"
            + (f" Together they made: {did}." if did else "")
        )
    blocks.append(_b(items))
    blocks.append(_p(f"Acceptable: {scenario.acceptable}"))

    # ---- the finding ----------------------------------------------------------------------
    unit = e.probe.unit_for_params()
    blocks.append(Heading("The finding", 2))
    blocks.append(
        _p(
            f"Check {e.check.label} ({e.probe.id}): "
            f"{e.probe.description} Acceptable is "
            f"{e.check.expect.describe(unit)}."
        )
    )
    blocks.append(_b([f"{j.scorer} {_verdict(j)}: {j.text}." for j in e.full]))
    blocks.append(_p(f"Contrast: {e.contrast}."))

    # ---- how the scorers score --------------------------------------------------------------
    blocks.append(Heading(f"How {scorer.id} scores", 2))
    blocks.append(
        _p(f"{scorer.name} ({scorer.id} {scorer.version}): {scorer.description} {_reads(scorer)}")
    )
    if versus is not None:
        blocks.append(
            _p(
                f"For contrast, {versus.name} ({versus.id} {versus.version}): "
                f"{versus.description} {_reads(versus)}"
            )
        )

    # ---- the smallest world ---------------------------------------------------------------
    sizes = e.sizes()
    blocks.append(Heading("The smallest world that shows it", 2))
    control = (
        " (and the same accounts without the treatment, the control world)" if e.has_control else ""
    )
    blocks.append(
        _p(
            f"Delta debugging removed accounts, follows and events from the scenario's world "
            f"({_sizes(sizes['full'])}) for as long as the finding still held, scoring every "
            f"smaller world again ({plural(e.trials, 'trial')}). What is left: "
            f"{_sizes(sizes['small'])}{control}. Measured again in it:"
        )
    )
    blocks.append(_b([f"{j.scorer} {_verdict(j)}: {j.text}." for j in e.small]))
    if e.strict:
        blocks.append(
            _p(
                "In this world every scorer named still ranks the accounts and tells apart the "
                "accounts the check compares, so the verdicts come from what the scorers read, "
                "not from ties"
                + (
                    " and the measured number of days is the scenario's own"
                    if unit == "days"
                    else ""
                )
                + "."
            )
        )
    else:
        blocks.append(
            _p(
                "On the full scenario a scorer named gives the whole population one score, or ties "
                "every account the check compares, so only the verdicts were kept while "
                "shrinking."
            )
        )
    if not e.finished:
        blocks.append(
            _p(
                f"The search stopped after {plural(e.trials, 'trial')}: the "
                "finding holds in this world, but it may not be the smallest."
            )
        )
    blocks.append(_facts_table(e, e.facts(), "" if not e.has_control else "with the treatment"))
    if e.has_control:
        blocks.append(
            _facts_table(e, e.facts(control=True), "without the treatment (the control world)")
        )
    blocks.append(explain_picture(e))

    # ---- statements -------------------------------------------------------------------------
    if e.statements:
        blocks.append(Heading("What each score is made of", 2))
        blocks.append(
            _p(
                f"The itemised statements of the accounts the check compares, as "
                f"of {_when(e)}; items are signal: value -> points, in each scorer's "
                "own units."
            )
        )
        treated = e.facts()
        untreated = e.facts(control=True) if e.has_control else []
        for account, statements in e.statements.items():
            rank_of = {s.id: _rank_of(treated, s.id, account) for s in e.scorers}
            before = e.control_statements.get(account)
            changed = before is not None and any(
                a.score != b.score for a, b in zip(statements, before, strict=True)
            )
            where = (
                ""
                if not e.has_control
                else (
                    "with the treatment" if changed else "the same with and without the treatment"
                )
            )
            blocks += _statement_blocks(account, statements, rank_of, where)
            if changed and before is not None:
                crank = {s.id: _rank_of(untreated, s.id, account) for s in e.scorers}
                blocks += _statement_blocks(account, before, crank, "without the treatment")

    # ---- why -------------------------------------------------------------------------------
    blocks.append(Heading("Why", 2))
    blocks += [_p(p) for p in _why(e)]
    if e.other_checks:
        blocks.append(
            _p(
                f"Other checks of this scenario: {join_words(e.other_checks)} "
                "(explain one with --check NAME)."
            )
        )
    verb = "fails" if full.verdict == "fail" else "passes"
    title = f"Why {scorer.id} {verb} {e.check.label} in {scenario.id}"
    data = _data(e)
    case = Case(
        suite=f"explain {scenario.id}",
        name=f"{scorer.id} {e.check.label}",
        status=full.verdict if full.verdict in ("pass", "fail") else "error",
        message=small.text,
    )
    return Document("explain", title, blocks, data, [case])


def _statement_blocks(
    account: str, statements: list[Statement], rank_of: dict[str, str], where: str
) -> list[Block]:
    columns, rows = statement_rows(statements, dict(rank_of), 0)
    caption = f"{account}" + (f" ({where})" if where else "")
    out: list[Block] = [
        Table(columns, rows, caption=caption, max_widths=[10, *[40] * len(statements)])
    ]
    notes = statement_notes(statements)
    if notes:
        out.append(_b(notes))
    return out


def _facts_table(e: Explanation, facts: list[AccountFacts], where: str) -> Table:
    columns = ["account", "cohort", "label", "followers", "following", "posts", "received", "made"]
    columns += [f"{s.id} (rank)" for s in e.scorers]
    rows = []
    ranks = {s.id: _rank_texts(facts, s.id) for s in e.scorers}
    for f in facts:
        rows.append(
            [
                f.account,
                f.cohort or "-",
                f.label or "-",
                number(f.followers),
                number(f.following),
                number(f.posts),
                number(f.reactions_received),
                number(f.reactions_made),
            ]
            + [f"{number(f.scores[s.id][0])} ({ranks[s.id][f.account]})" for s in e.scorers]
        )
    where = f", {where}," if where else ""
    return Table(
        columns,
        rows,
        caption=f"The accounts{where} as of {_when(e)} (counts "
        "up to then; received and made: reactions; ranks among "
        "the "
        f"{plural(_population(facts), 'account')} of the "
        "population, = when tied, - for an auxiliary account)",
    )


def _why(e: Explanation) -> list[str]:
    """Plain sentences from the small world's facts, ranks, statements and the scorers'
    declared tags; nothing is claimed that the data does not show."""
    out = []
    scorers = e.scorers
    treated = e.facts()
    facts = {f.account: f for f in treated}
    compared = list(e.statements)
    if e.has_control and compared:
        control_facts = e.facts(control=True)
        control = {f.account: f for f in control_facts}
        moved = [
            a
            for a in compared
            if a in control
            and (
                _fact_values(control[a]) != _fact_values(facts[a])
                or any(control[a].scores[s.id][0] != facts[a].scores[s.id][0] for s in scorers)
            )
        ]
        if not moved:
            for account in compared[:2]:
                f = facts[account]
                out.append(
                    f"{account} ({f.cohort}) is the same with and without the "
                    "treatment: "
                    + join_words([f"{s.id} {number(f.scores[s.id][0])}" for s in scorers])
                    + "."
                )
        blind_changes: dict[str, set[str]] = {}
        for account in moved[:2]:
            before, after = control[account], facts[account]
            changed = [
                (k, _fact_values(before)[k], _fact_values(after)[k])
                for k in _fact_values(after)
                if _fact_values(before)[k] != _fact_values(after)[k]
            ]
            instead = [f"{_fact_text(k, a)} instead of {number(b)}" for k, b, a in changed]
            what = f"has {join_words(instead)}" if changed else "has the same counts"
            moves = join_words(
                [
                    f"{s.id} {_move(before.scores[s.id][0], after.scores[s.id][0])} "
                    f"({_rank_of(control_facts, s.id, account)} before, "
                    f"{_rank_of(treated, s.id, account)} after)"
                    for s in scorers
                ]
            )
            out.append(
                f"With the treatment, {account} ({after.cohort}) {what}. Its scores: {moves}."
            )
            still = _unmoved_statements(e, account)
            if changed and still:
                out.append(
                    f"{join_words(still)} did not move: "
                    f"{'its' if len(still) == 1 else 'their'} statement of {account} "
                    "has the same items, with the same points, with and without the "
                    "treatment."
                )
            for s in scorers:
                blind_changes.setdefault(s.id, set()).update(
                    k
                    for t, ks in _UNSEEN.items()
                    if t not in s.tags
                    for k in ks
                    if any(k == c for c, _, _ in changed)
                )
        if len(moved) > 2:
            out.append(
                f"({plural(len(moved) - 2, 'other account')} of the check's cohorts "
                "changed too; see the tables.)"
            )
        for s in scorers:
            if blind_changes.get(s.id):
                out.append(
                    f"{s.id} does not read {_tag_words(sorted(blind_changes[s.id]))}, "
                    "so it does not see those changes."
                )
    elif len(compared) >= 2:
        a, b = (
            compared[0],
            next(
                (x for x in compared[1:] if facts[x].cohort != facts[compared[0]].cohort),
                compared[1],
            ),
        )
        fa, fb = facts[a], facts[b]
        for s in scorers:
            (sa, ra), (sb, rb) = fa.scores[s.id], fb.scores[s.id]
            order = "above" if ra < rb else "below" if ra > rb else "level with"
            out.append(
                f"{s.id} ranks {a} ({fa.cohort}, {number(sa)}, "
                f"{_rank_of(treated, s.id, a)}) {order} {b} ({fb.cohort}, {number(sb)}, "
                f"{_rank_of(treated, s.id, b)})."
            )
        differ = [k for k in _fact_values(fa) if _fact_values(fa)[k] != _fact_values(fb)[k]]
        if differ:
            out.append(
                f"{a} has {join_words([_fact_text(k, _fact_values(fa)[k]) for k in differ])}"
                f"; {b} has "
                f"{join_words([_fact_text(k, _fact_values(fb)[k]) for k in differ])}."
            )
        for s in scorers:
            blind = [k for t, ks in _UNSEEN.items() if t not in s.tags for k in ks if k in differ]
            seen = [
                f"{x}'s {_fact_text(k, _fact_values(f)[k])}"
                for k in blind
                for x, f in ((a, fa), (b, fb))
                if _fact_values(f)[k]
            ]
            if seen:
                out.append(
                    f"{s.id} does not read {_tag_words(blind)}, so it does not see "
                    f"{join_words(seen)}."
                )
    elif compared:
        a = compared[0]
        out.append(
            f"{a} ({facts[a].cohort}): "
            + join_words(
                [
                    f"{s.id} {number(facts[a].scores[s.id][0])} ({_rank_of(treated, s.id, a)})"
                    for s in scorers
                ]
            )
            + "."
        )
    for account, statements in list(e.statements.items())[:2]:
        parts = []
        for st in statements:
            top = _top_item(st)
            if top is not None:
                parts.append(f"{st.scorer}: {top}")
        if parts:
            out.append(f"The largest item of each statement of {account}: {'; '.join(parts)}.")
    first = next(iter(e.statements.values()), [])
    if first and first[0].notes:
        out.append(
            f"{e.scorer.id}'s statement of {first[0].account} notes: "
            + "; ".join(first[0].notes)
            + "."
        )
    verdict = e.small[0]
    out.append(
        f"So, in this world as in the full scenario, {e.scorer.id} "
        f"{_verb(verdict)} the check: {verdict.text}."
    )
    if any(c.cost for c in e.run.treated.cohorts.values()):
        out.append(
            "(A probe names each treatment by what it cost in the whole scenario; the "
            "small world keeps only the part of it that the finding needs.)"
        )
    return out


def _unmoved_statements(e: Explanation, account: str) -> list[str]:
    """Scorers whose statement of ``account`` is item for item the same in both worlds."""
    before = e.control_statements.get(account)
    after = e.statements.get(account)
    if before is None or after is None:
        return []
    return [
        a.scorer
        for a, b in zip(after, before, strict=True)
        if a.score == b.score
        and a.items[["signal", "value", "points"]].equals(b.items[["signal", "value", "points"]])
    ]


def _move(before: float, after: float) -> str:
    return (
        f"stays at {number(after)}"
        if before == after
        else f"goes from {number(before)} to {number(after)}"
    )


def _tag_words(facts: list[str]) -> str:
    tags = [t for t, ks in _UNSEEN.items() if any(k in facts for k in ks)]
    return join_words([TAGS[t].removeprefix("reads ") for t in tags], "or")


def _top_item(st: Statement) -> str | None:
    items = st.items
    if not len(items):
        return None
    i = int(items["points"].abs().to_numpy().argmax())
    row = items.iloc[i]
    if float(row["points"]) == 0:
        return f'nothing counts ("{row["signal"]}" {number(float(row["value"]), 4)})'
    return (
        f'"{row["signal"]}" {number(float(row["value"]), 4)} -> '
        f"{number(float(row['points']), 4)} points"
    )


def _first_sentence(text: str) -> str:
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int | float):
        return number(v)
    return str(v)


def _data(e: Explanation) -> dict[str, Any]:
    def world(built: Any) -> dict[str, Any]:
        return {k: v.to_dict(orient="records") for k, v in built.world.tables().items()}

    def judged(j: Judged) -> dict[str, Any]:
        return {"scorer": j.scorer, "verdict": j.verdict, "value": j.value, "text": j.text}

    return {
        "format": "auditkit-explanation",
        "version": 1,
        "scenario": e.scenario.id,
        "seed": e.seed,
        "check": e.check.label,
        "probe": e.probe.id,
        "scorers": [s.id for s in e.scorers],
        "contrast": e.contrast,
        "full": [judged(j) for j in e.full],
        "small": [judged(j) for j in e.small],
        "sizes": e.sizes(),
        "trials": e.trials,
        "finished": e.finished,
        "strict": e.strict,
        "accounts": [f.__dict__ for f in e.facts()],
        "control_accounts": [f.__dict__ for f in e.facts(control=True)] if e.has_control else None,
        "world": world(e.small_run.treated),
        "control_world": world(e.small_run.control) if e.has_control else None,
        "statements": {a: [s.to_dict() for s in sts] for a, sts in e.statements.items()},
    }
