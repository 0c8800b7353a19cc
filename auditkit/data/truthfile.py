"""The ground-truth file beside a world: what the simulation knew about each account.

A world exported from a scenario (``auditkit export``, ``auditkit explain``) carries, next to its
``accounts``/``follows``/``events`` files, a ``truth.csv`` with one row per account:

``account``
    the id, as in ``accounts.csv``;
``cohort``
    the scenario cohort it belongs to (empty for the ordinary population);
``role``
    ``base`` (the ordinary population), ``member`` (of a cohort) or ``auxiliary`` (accounts a
    behaviour added around its members: bought fakes, sybils, bots);
``expected_spread``
    the ground truth: how many accounts one of its posts reaches by resharing, on average
    (:mod:`auditkit.data.truth`).

Scorers never read it (it is not part of the world, which is why it is a file of its own): it is
for people, who open it beside the world in a spreadsheet, and for ``auditkit score``, which
shows each account's cohort when the file is there. See ``docs/world-format.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from auditkit.errors import WorldError

__all__ = ["TRUTH_FILE", "TRUTH_COLUMNS", "truth_table", "read_truth"]

#: Name of the ground-truth file inside a world directory.
TRUTH_FILE = "truth.csv"
TRUTH_COLUMNS = ("account", "cohort", "role", "expected_spread")


def truth_table(
    accounts: list[str], cohort: list[str], role: list[str], expected_spread: list[float | None]
) -> pd.DataFrame:
    """The ground-truth table, one row per account, in the world's account order."""
    return pd.DataFrame(
        {"account": accounts, "cohort": cohort, "role": role, "expected_spread": expected_spread},
        columns=list(TRUTH_COLUMNS),
    )


def read_truth(world_dir: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The ground-truth table of a world directory, indexed by account, or ``None`` when the
    directory has no ``truth.csv``. A file without an ``account`` column is an error."""
    path = Path(world_dir) / TRUTH_FILE
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(
            path,
            dtype={"account": str, "cohort": str, "role": str},
            keep_default_na=False,
            na_values={"expected_spread": [""]},
        )
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise WorldError(f"cannot read this file: {exc}".strip(), source=str(path)) from exc
    if "account" not in frame:
        raise WorldError(
            f"missing required column 'account'; {TRUTH_FILE} has columns "
            f"{', '.join(TRUTH_COLUMNS)}",
            source=str(path),
            column="account",
        )
    return frame.set_index("account")
