"""The names of the flaws, as the flaw catalogue ``docs/flaws.md`` titles them (``## F1 — Spam
outranks people``); ``tests/test_report_audit.py`` checks that the two agree."""

from __future__ import annotations

__all__ = ["FLAW_NAMES", "flaw_title"]

#: flaw id -> its name in docs/flaws.md
FLAW_NAMES = {
    "F1": "Spam outranks people",
    "F2": "Volume is rewarded",
    "F3": "Absence is read as irrelevance",
    "F4": "A break is punished (and a dead account is not)",
    "F5": "Borrowed influence",
    "F6": "Reciprocity rings and engagement pods",
    "F7": "Bought and dead followers",
    "F8": "Follow-back farming",
    "F9": "Sybil regions",
    "F10": "Institutions crowd out people",
    "F11": "Link-only broadcasting",
    "F12": "Small sparks get no credit",
    "F13": "The score moves under your feet",
    "F14": "Thresholds sort people",
    "F15": "One number hides several personas",
    "F16": "Topics are misattributed",
    "F17": "A score is no better than a follower count",
    "F18": "Sabotage (negative gaming)",
}


def flaw_title(flaw: str) -> str:
    """``F7 — Bought and dead followers`` (the id alone for a flaw the catalogue lacks)."""
    name = FLAW_NAMES.get(flaw)
    return f"{flaw} — {name}" if name else flaw
