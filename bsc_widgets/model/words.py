"""How values are written for people: numbers, percentages, dates and counts.

One formatter per kind, used by every message (validation, SMART findings) and every
renderer (forms, HTML reports, text, the report index).  A missing value is written
:data:`MISSING`.  Frequency words live with the periods (:mod:`bsc_widgets.model.periods`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .values import is_missing, plain

MISSING = "—"
"""How a missing value is shown."""
MINUS = "\u2212"
"""The typographic minus sign reports use (ASCII ``-`` in plain-text output)."""


def number(value: Any, decimals: int | None = 2, *, sign: bool = False, ascii_minus: bool = False) -> str:
    """A number for people: ``1,234.50`` with ``decimals`` places, or in plain words when ``decimals`` is None.

    Plain words (``decimals=None``) round to what a reader needs: ``9,080`` (thousands and
    above), ``12.5`` (two decimals at most), ``0.333`` (three significant digits below 1)
    and ``unlimited`` for infinity.  ``sign`` writes ``+`` before positive numbers; a
    value that rounds to zero is written without a sign (no ``-0.00``).  Missing values
    are written :data:`MISSING`.
    """
    value = plain(value)
    if value is None or isinstance(value, bool):
        return MISSING if value is None else str(value)
    x = float(value)
    if x in (float("inf"), float("-inf")):
        return "unlimited" if x > 0 else "−unlimited"
    if decimals is None:
        if abs(x) >= 1000:
            text = f"{x:{'+' if sign else ''},.0f}"
        elif abs(x) < 1:
            text = f"{x:{'+' if sign else ''}.3g}"
        else:
            text = f"{round(x, 2):{'+' if sign else ''}g}"
    else:
        if round(x, decimals) == 0:
            x = 0.0
        text = f"{x:{'+' if sign and x != 0 else ''},.{decimals}f}"
    return text if ascii_minus else text.replace("-", MINUS)


def percent(value: Any, decimals: int = 0) -> str:
    """A share as a percentage: ``0.55`` is ``55%``; missing values are :data:`MISSING`."""
    value = plain(value)
    return MISSING if value is None else f"{float(value):.{decimals}%}"


def day(value: Any, style: str = "iso") -> str:
    """A date: ``2026-03-31`` (``iso``) or ``31 Mar 2026`` (``long``); missing values are :data:`MISSING`."""
    if is_missing(value):
        return MISSING
    date = value.date() if isinstance(value, dt.datetime) else value
    return date.isoformat() if style == "iso" else f"{date:%d %b %Y}"


def plural(count: int, word: str) -> str:
    """``1 word``, ``3 words``, ``no words``."""
    return f"{count or 'no'} {word}" + ("" if count == 1 else "s")


def capitalised(text: str) -> str:
    """``text`` with its first letter upper-case (the rest unchanged)."""
    return text[:1].upper() + text[1:]
