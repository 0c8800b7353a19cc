"""Numbers and words as people write them, for every sentence a person reads.

``ordinal(42.2)`` -> ``"42nd"``, ``number(1234.56)`` -> ``"1,235"``, ``number(0.0123)`` ->
``"0.012"``, ``plural(1, "check")`` -> ``"1 check"``, ``signed(3.14159)`` -> ``"+3.1"``. No
scientific notation for anything a person is likely to meet (up to 10^15).
"""

from __future__ import annotations

import math

__all__ = ["ordinal", "number", "signed", "plural", "percentile", "join_words", "quantity"]


def ordinal(value: float) -> str:
    """``value`` rounded to a whole number, as an ordinal: 1st, 2nd, 3rd, 11th, 42nd, 100th."""
    n = int(round(value))
    if 10 <= abs(n) % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(abs(n) % 10, "th")
    return f"{n:,}{suffix}"


def percentile(value: float) -> str:
    """A percentile rank as people say it: ``the 42nd percentile``."""
    return f"the {ordinal(value)} percentile"


def number(value: float, digits: int = 3) -> str:
    """``value`` with about ``digits`` significant digits, thousands separated, no exponent;
    whole numbers stay whole (``1,000``), ``nan``/``inf`` are written out."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not a number"
    if math.isinf(value):
        return "infinity" if value > 0 else "minus infinity"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def signed(value: float, digits: int = 3) -> str:
    """:func:`number` with its sign always shown: ``+3.1``, ``-12``, ``0``."""
    text = number(value, digits)
    return text if text.startswith("-") or text == "0" or not math.isfinite(value) else "+" + text


def plural(count: float, noun: str, plural_form: str | None = None) -> str:
    """``1 check``, ``2 checks``, ``1,000 accounts`` (irregular plurals by ``plural_form``)."""
    word = noun if count == 1 else (plural_form or _plural(noun))
    return f"{number(count)} {word}"


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def join_words(items: list[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


#: units that name a statistic: written before the number (``AUC 0.8``, ``rho 0.95``)
STATISTIC_UNITS = ("AUC", "rho", "tau", "ratio", "percentile")


def quantity(value: float, unit: str = "", digits: int = 3) -> str:
    """A number with its unit as people write it: ``60.2 percentile points``, ``95% of the
    top``, ``AUC 0.8``, ``rho 1``, ``181 days``; the number alone without a unit."""
    n = number(value, digits)
    if not unit:
        return n
    if unit.startswith("%"):
        return f"{n}{unit}"
    if unit in STATISTIC_UNITS:
        return f"{unit} {n}"
    return f"{n} {unit}"
