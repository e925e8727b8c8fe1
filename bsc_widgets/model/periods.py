"""Review periods, a thin adapter over :class:`pandas.Period`.

A period is written ``2026-03`` (month), ``2026Q1`` (quarter) or ``2026`` (year); its
frequency is one letter: ``M`` (monthly), ``Q`` (quarterly), ``A`` (annual).  Parsing is
strict (``2026-03-15`` or ``March 2026`` are not periods) and cached, so a column of
periods costs one parse per distinct value: :func:`period_columns` is the one vectorized
reader every layer uses.  Arithmetic is pandas': a period's running number
(:func:`period_index`) is its pandas ordinal, counted from year 0 so that indices of
different frequencies nest (``month_index // 3`` is the quarter index).

The words for frequencies (:data:`FREQUENCIES`, :data:`PERIOD_NOUNS`) are defined here
once and used by every message and renderer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

Period = pd.Period
"""The period type: :class:`pandas.Period` with frequency ``M``, ``Q-DEC`` or ``Y-DEC``."""

FREQUENCIES: dict[str, str] = {"M": "monthly", "Q": "quarterly", "A": "annual"}
"""Each frequency letter, as an adjective ("a monthly KPI")."""
PERIOD_NOUNS: dict[str, str] = {"M": "month", "Q": "quarter", "A": "year"}
"""Each frequency letter, as the period it counts ("3 months missing")."""
PERIOD_EXAMPLES: dict[str, str] = {"M": "months such as 2026-03", "Q": "quarters such as 2026Q1",
                                   "A": "years such as 2026"}
"""How to write periods of each frequency ("enter months such as 2026-03")."""
PER_YEAR: dict[str, int] = {"M": 12, "Q": 4, "A": 1}
"""Periods per year of each frequency."""
PERIOD_HELP = "write a month as 2026-03, a quarter as 2026Q1 or a year as 2026"

_PANDAS_FREQ = {"M": "M", "Q": "Q", "A": "Y"}
_LETTER = {"M": "M", "Q": "Q", "Y": "A"}
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|Q(?P<quarter>[1-4]))?$")


def parse_period(text: object) -> pd.Period:
    """Parse a period string; raise ``ValueError`` with a plain-words message."""
    if not isinstance(text, str):
        raise ValueError(f"a period must be text, got {text!r}; {PERIOD_HELP}")
    return _parse(text.strip())


@lru_cache(maxsize=65536)
def _parse(text: str) -> pd.Period:
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a period; {PERIOD_HELP}")
    year = int(match["year"])
    if year < 1:
        raise ValueError(f"{text!r} has year {year}; years run from 0001")
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} has month {month}; months run from 01 to 12")
        return pd.Period(year=year, month=month, freq="M")
    if match["quarter"] is not None:
        return pd.Period(year=year, quarter=int(match["quarter"]), freq="Q")
    return pd.Period(year=year, freq="Y")


def is_period(text: object) -> bool:
    """True when ``text`` is a valid period string."""
    try:
        parse_period(text)
    except ValueError:
        return False
    return True


def frequency(period: pd.Period) -> str:
    """The frequency letter of ``period``: ``M``, ``Q`` or ``A``."""
    return _LETTER[period.freqstr[0]]


def first_day(period: pd.Period) -> dt.date:
    """The first day of ``period``."""
    return period.start_time.date()


def last_day(period: pd.Period) -> dt.date:
    """The last day of ``period``."""
    return period.end_time.date()


def period_dates(periods: pd.Series) -> tuple[list[dt.date | None], list[dt.date | None]]:
    """The first and the last day of each period text (None where it is missing or not a period).

    Each distinct period is parsed once, so a table of a million actuals costs a few dozen parses.
    """
    texts = periods.astype(object).where(periods.notna(), None).to_numpy(dtype=object)
    bounds: dict[Any, tuple[dt.date | None, dt.date | None]] = {}
    for text in set(texts.tolist()):
        try:
            parsed = parse_period(text)
        except ValueError:
            bounds[text] = (None, None)
        else:
            bounds[text] = (first_day(parsed), last_day(parsed))
    pairs = [bounds[text] for text in texts.tolist()]
    return [a for a, _ in pairs], [b for _, b in pairs]


def period_containing(day: dt.date, freq: str) -> pd.Period:
    """The period of frequency ``freq`` that contains ``day``."""
    if freq not in _PANDAS_FREQ:
        raise ValueError(f"unknown frequency {freq!r}; use one of {', '.join(FREQUENCIES)}")
    return pd.Period(day, freq=_PANDAS_FREQ[freq])


def is_finer(freq: str, than: str) -> bool:
    """True when ``freq`` is a finer frequency than ``than`` (M is finer than Q)."""
    return PER_YEAR[freq] > PER_YEAR[than]


def period_range(first: pd.Period, last: pd.Period) -> list[pd.Period]:
    """All periods of ``first``'s frequency from ``first`` to ``last`` inclusive."""
    if frequency(first) != frequency(last):
        raise ValueError(f"{first} and {last} are periods of different frequencies")
    return list(pd.period_range(first, last))


def period_index(period: pd.Period) -> int:
    """Running number of a period within its frequency (consecutive periods differ by 1).

    Indices of different frequencies nest: ``month_index // 3`` is the quarter index,
    ``month_index // 12`` the year index, ``quarter_index // 4`` the year index.
    """
    freq = frequency(period)
    return int(period.ordinal) + 1970 * PER_YEAR[freq]


def period_at(freq: str, index: int) -> pd.Period:
    """The period of frequency ``freq`` with running number ``index``."""
    return pd.Period(ordinal=int(index) - 1970 * PER_YEAR[freq], freq=_PANDAS_FREQ[freq])


def ratio(finer: str, coarser: str) -> int:
    """How many ``finer`` periods make one ``coarser`` period (3 months in a quarter)."""
    return PER_YEAR[finer] // PER_YEAR[coarser]


def convert_index(index: int, freq: str, to: str) -> int:
    """Index of the ``to`` period that contains the *end* of period ``index`` of ``freq``."""
    if PER_YEAR[freq] >= PER_YEAR[to]:
        return index // ratio(freq, to)
    return (index + 1) * ratio(to, freq) - 1


def convert_indices(index: np.ndarray, freq: np.ndarray, to: str) -> np.ndarray:
    """:func:`convert_index` for arrays of indices and frequency letters (-1 where ``freq`` is not a letter)."""
    per_year = np.array([PER_YEAR.get(str(f), 0) for f in freq], dtype=np.int64)
    index = np.asarray(index, dtype=np.int64)
    target = PER_YEAR[to]
    with np.errstate(divide="ignore", invalid="ignore"):
        coarser = index // np.maximum(per_year // target, 1)
        finer = (index + 1) * (target // np.maximum(per_year, 1)) - 1
    return np.where(per_year == 0, -1, np.where(per_year >= target, coarser, finer))


def period_columns(values: Iterable[object] | pd.Series) -> pd.DataFrame:
    """What each value is as a period: ``freq`` (letter), ``index``, ``start`` and ``end`` (dates as timestamps).

    Each distinct value is parsed once.  Values that are not periods (blank, malformed)
    get ``None`` / missing entries, so callers can report them.  The frame has the index
    of ``values`` when it is a Series.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    parsed = [_maybe(u) for u in uniques]
    width = len(parsed)
    freq = np.array([None if p is None else frequency(p) for p in parsed] + [None], dtype=object)
    index = np.array([np.nan if p is None else float(period_index(p)) for p in parsed] + [np.nan])
    start = np.array([np.datetime64("NaT") if p is None else np.datetime64(first_day(p), "D") for p in parsed]
                     + [np.datetime64("NaT")], dtype="datetime64[D]")
    end = np.array([np.datetime64("NaT") if p is None else np.datetime64(last_day(p), "D") for p in parsed]
                   + [np.datetime64("NaT")], dtype="datetime64[D]")
    pos = np.where(codes < 0, width, codes)
    return pd.DataFrame({
        "freq": pd.Series(freq[pos], index=series.index, dtype=object),
        "index": pd.array(index[pos], dtype="Float64").astype("Int64"),
        "start": pd.to_datetime(start[pos]),
        "end": pd.to_datetime(end[pos]),
    }, index=series.index)


def _maybe(value: object) -> pd.Period | None:
    try:
        return parse_period(value)
    except ValueError:
        return None
