"""Scores and statements as people read them: several scorers side by side, with the accounts'
labels (and cohorts, when a ground-truth file says them), and itemised statements whose points
add up in each scorer's own units.

Used by ``auditkit score`` and ``auditkit explain``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from tabulate import tabulate

from auditkit.data.world import World
from auditkit.plugin.scorer import Statement
from auditkit.report.formats.table import wrap_cells
from auditkit.text import number, ordinal, plural

__all__ = [
    "score_table",
    "ranks",
    "shared_ranks",
    "statement_text",
    "statements_side_by_side",
    "statement_rows",
    "statement_notes",
    "transform_text",
]


def ranks(scores: pd.Series) -> pd.Series:
    """Rank of every account, 1 for the highest score; ties are broken by account id (the
    order ``auditkit score`` lists them in)."""
    order = sorted(range(len(scores)), key=lambda i: (-float(scores.iloc[i]), str(scores.index[i])))
    out = np.empty(len(scores), dtype=np.int64)
    out[order] = np.arange(1, len(scores) + 1)
    return pd.Series(out, index=scores.index, name="rank")


def shared_ranks(scores: pd.Series) -> pd.Series:
    """Rank of every account under one scorer, 1 for the highest; accounts with equal scores
    share the best of their ranks (1, 2, 2, 4)."""
    return scores.rank(method="min", ascending=False).astype(np.int64).rename("rank")


def score_table(
    world: World, scores: Mapping[str, pd.Series], cohorts: pd.Series | None = None
) -> pd.DataFrame:
    """One row per account, sorted by the first scorer's rank: ``rank``, ``account``, ``label``
    (when the world has labels), ``cohort`` (when ``cohorts`` is given), then the scores. With
    one scorer its column is ``score``; with several, each scorer has a column named by its id
    and one named ``<id>_rank`` (:func:`shared_ranks`: tied accounts share a rank). ``rank`` is
    the position in the list (ties broken by account id)."""
    ids = list(scores)
    first = scores[ids[0]]
    table = pd.DataFrame({"account": list(map(str, world.ids))})
    if "label" in world.accounts:
        table["label"] = world.accounts["label"].astype(object).fillna("").to_numpy()
    if cohorts is not None:
        table["cohort"] = [str(cohorts.get(a, "")) for a in table["account"]]
    if len(ids) == 1:
        table["score"] = first.to_numpy()
    else:
        for sid in ids:
            table[sid] = scores[sid].to_numpy()
            table[f"{sid}_rank"] = shared_ranks(scores[sid]).to_numpy()
    table.insert(0, "rank", ranks(first).to_numpy())
    return table.sort_values("rank", kind="stable").reset_index(drop=True)


def transform_text(statement: Statement) -> str:
    """How the points become the score, in one line: ``total 129 points; score = 1 + 4.961 x
    129 = 640.9 (normalised to 1-1000: ...)``, or ``total 6.02 points = score 6.02``."""
    total, score = statement.total, statement.score
    if not statement.normalised:
        return f"total {number(total, 4)} points = score {number(score, 4)}"
    offset = "" if statement.offset == 0 else f"{number(statement.offset, 4)} + "
    how = f" ({statement.transform})" if statement.transform else ""
    return (
        f"total {number(total, 4)} points; score = {offset}{number(statement.scale, 4)} x "
        f"{number(total, 4)} = {number(score, 4)}{how}"
    )


def _when(statement: Statement) -> str:
    return "" if statement.at is None else f" as of {statement.at:%Y-%m-%d %H:%M UTC}"


def statement_text(statement: Statement) -> str:
    """One statement as a table of its items (signal, value, points, note), the line saying
    how the points become the score, and its notes."""
    items = statement.items
    rows = [
        [str(r.signal), number(float(r.value), 4), number(float(r.points), 4), str(r.note)]
        for r in items.itertuples(index=False)
    ]
    out = [
        f"{statement.scorer} statement for {statement.account}{_when(statement)}",
        tabulate(
            rows,
            headers=["signal", "value", "points", "note"],
            disable_numparse=True,
            colalign=("left", "right", "right", "left"),
        ),
        transform_text(statement),
    ]
    out += [f"note: {note}" for note in statement.notes]
    return "\n".join(out)


def statement_rows(
    statements: Sequence[Statement], rank_of: Mapping[str, int | str] | None, accounts: int
) -> tuple[list[str], list[list[str]]]:
    """Columns and rows of several statements of one account side by side: a column per
    scorer; rows for the score, the rank (when ``rank_of`` is given: a number, shown as ``3rd
    of N``, or a text shown as it is), each item (``signal: value -> points``), the points
    added up and how they become the score."""
    depth = max((len(s.items) for s in statements), default=0)
    rows: list[list[str]] = [["score"] + [number(s.score, 4) for s in statements]]

    def rank(value: int | str) -> str:
        return value if isinstance(value, str) else f"{ordinal(value)} of {number(accounts)}"

    if rank_of is not None:
        rows.append(["rank"] + [rank(rank_of[s.scorer]) for s in statements])
    for i in range(depth):
        row = [f"item {i + 1}"]
        for s in statements:
            if i < len(s.items):
                item = s.items.iloc[i]
                row.append(
                    f"{item['signal']}: {number(float(item['value']), 4)} -> "
                    f"{number(float(item['points']), 4)}"
                )
            else:
                row.append("")
        rows.append(row)
    rows.append(["points"] + [number(s.total, 4) for s in statements])
    rows.append(
        ["to score"]
        + [
            (
                "= score"
                if not s.normalised
                else (f"{number(s.offset, 4)} + " if s.offset else "")
                + f"{number(s.scale, 4)} x points"
            )
            for s in statements
        ]
    )
    return ["", *[s.scorer for s in statements]], rows


def statement_notes(statements: Sequence[Statement]) -> list[str]:
    """Each statement's transform and notes, prefixed by its scorer."""
    out = []
    for s in statements:
        out += ([f"{s.scorer}: {s.transform}"] if s.transform else []) + [
            f"{s.scorer}: {note}" for note in s.notes
        ]
    return out


def statements_side_by_side(
    statements: Sequence[Statement],
    rank_of: Mapping[str, int | str],
    accounts: int,
    who: str = "",
    width: int = 100,
) -> str:
    """Several scorers' statements of one account in columns, one per scorer: its score and
    rank (of ``accounts``), its items (``signal: value -> points``), and how the points become
    the score. ``rank_of`` maps each scorer id to the account's rank. Item notes are left out
    (one scorer at a time shows them); each scorer's statement notes follow the table."""
    if not statements:
        return ""
    first = statements[0]
    head = f"Statements for {first.account}{who}{_when(first)}"
    column = max(24, (width - 10) // len(statements) - 2)
    columns, rows = statement_rows(statements, rank_of, accounts)
    table = tabulate(
        wrap_cells(rows, [10, *[column] * len(statements)]), headers=columns, disable_numparse=True
    )
    out = [head, table] + [f"note: {line}" for line in statement_notes(statements)]
    out.append(
        f"(items as signal: value -> points, in each scorer's own units; "
        f"{plural(len(statements), 'scorer')}; one scorer at a time also shows each "
        "item's note)"
    )
    return "\n".join(out)
