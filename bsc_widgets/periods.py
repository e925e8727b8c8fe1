"""Review periods as strings: ``2026-03`` (month), ``2026Q1`` (quarter), ``2026`` (year).

Frequencies use one letter: ``M`` (monthly), ``Q`` (quarterly), ``A`` (annual).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

FREQUENCIES: dict[str, str] = {"M": "monthly", "Q": "quarterly", "A": "annual"}
_ORDER = {"M": 0, "Q": 1, "A": 2}
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|Q(?P<quarter>[1-4]))?$")

PERIOD_HELP = "write a month as 2026-03, a quarter as 2026Q1 or a year as 2026"


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year."""

    year: int
    freq: str  # "M", "Q" or "A"
    number: int  # month 1-12, quarter 1-4, or 1 for a year

    def __str__(self) -> str:
        if self.freq == "M":
            return f"{self.year:04d}-{self.number:02d}"
        if self.freq == "Q":
            return f"{self.year:04d}Q{self.number}"
        return f"{self.year:04d}"

    @property
    def first_month(self) -> int:
        """Number of the period's first month (1-12)."""
        return {"M": self.number, "Q": 3 * self.number - 2, "A": 1}[self.freq]

    @property
    def last_month(self) -> int:
        """Number of the period's last month (1-12)."""
        return {"M": self.number, "Q": 3 * self.number, "A": 12}[self.freq]

    @property
    def start(self) -> dt.date:
        """First day of the period."""
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period."""
        month = self.last_month
        if month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, month + 1, 1) - dt.timedelta(days=1)


def parse_period(text: object) -> Period:
    """Parse a period string; raise ``ValueError`` with a plain-words message."""
    if not isinstance(text, str):
        raise ValueError(f"a period must be text, got {text!r}; {PERIOD_HELP}")
    match = _PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a period; {PERIOD_HELP}")
    year = int(match["year"])
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} has month {month}; months run from 01 to 12")
        return Period(year, "M", month)
    if match["quarter"] is not None:
        return Period(year, "Q", int(match["quarter"]))
    return Period(year, "A", 1)


def is_period(text: object) -> bool:
    """True when ``text`` is a valid period string."""
    try:
        parse_period(text)
    except ValueError:
        return False
    return True


def period_containing(day: dt.date, freq: str) -> Period:
    """The period of frequency ``freq`` that contains ``day``."""
    if freq == "M":
        return Period(day.year, "M", day.month)
    if freq == "Q":
        return Period(day.year, "Q", (day.month - 1) // 3 + 1)
    if freq == "A":
        return Period(day.year, "A", 1)
    raise ValueError(f"unknown frequency {freq!r}; use one of {', '.join(FREQUENCIES)}")


def is_finer(freq: str, than: str) -> bool:
    """True when ``freq`` is a finer frequency than ``than`` (M is finer than Q)."""
    return _ORDER[freq] < _ORDER[than]


def period_range(first: Period, last: Period) -> list[Period]:
    """All periods of ``first``'s frequency from ``first`` to ``last`` inclusive."""
    if first.freq != last.freq:
        raise ValueError(f"{first} and {last} are periods of different frequencies")
    return [period_at(first.freq, i) for i in range(period_index(first), period_index(last) + 1)]

PER_YEAR: dict[str, int] = {"M": 12, "Q": 4, "A": 1}
"""Periods per year of each frequency."""


def period_index(period: Period) -> int:
    """Running number of a period within its frequency (consecutive periods differ by 1).

    Indices of different frequencies nest: ``month_index // 3`` is the quarter index,
    ``month_index // 12`` the year index, ``quarter_index // 4`` the year index.
    """
    return period.year * PER_YEAR[period.freq] + period.number - 1


def period_at(freq: str, index: int) -> Period:
    """The period of frequency ``freq`` with running number ``index``."""
    year, rest = divmod(int(index), PER_YEAR[freq])
    return Period(year, freq, rest + 1)


def ratio(finer: str, coarser: str) -> int:
    """How many ``finer`` periods make one ``coarser`` period (3 months in a quarter)."""
    return PER_YEAR[finer] // PER_YEAR[coarser]


def convert_index(index: int, freq: str, to: str) -> int:
    """Index of the ``to`` period that contains the *end* of period ``index`` of ``freq``."""
    if PER_YEAR[freq] >= PER_YEAR[to]:
        return index // ratio(freq, to)
    return (index + 1) * ratio(to, freq) - 1
