"""Text to numbers, periods and dates, the way people type them in forms and spreadsheets.

The one place the package reads a number, a period or a date out of text:
:func:`number_text` reads one typed number ('1.234,5', '8,950' is ambiguous) for
:mod:`~bsc_widgets.model.coerce`; :func:`parse_numbers` reads a file's column with one
decimal separator for the importer.  Numbers: decimal commas, thousands separators
(``1.234,5``, ``1,234.5``, ``1 234``), percent values (``12 %``), a unicode minus.
Periods: period strings (``2026-03``, ``2026Q1``, ``2026 Q1``, ``Q1 2026``, ``2026``) or
dates (``2026-03-31``, ``31.03.2026``, Excel dates), which are mapped to the period of a
KPI's frequency.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .periods import parse_period, period_columns, period_containing

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f']")
_QUARTER_FIRST = re.compile(r"^Q([1-4])[\s\-/]*(\d{4})$", re.IGNORECASE)
_YEAR_QUARTER = re.compile(r"^(\d{4})[\s\-/]*Q([1-4])$", re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+,\d*|\d+,(\d{1,2}|\d{4,}))$")
_DOT_DECIMAL = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+\.\d*|\d+\.(\d{1,2}|\d{4,}))$")


AMBIGUOUS = object()
"""Marker for number text such as '8,950' that reads as 8950 or as 8.95."""


def number_text(text: str) -> str | object:
    """Number text with a decimal point and no thousands separators (or :data:`AMBIGUOUS`).

    Accepts '1234.5', '1,234.5', '1.234,5', '1 234,5', '12,5' and '1,234,567'.  A single
    comma or point followed by exactly three digits after one to three digits ('8,950')
    is ambiguous only when it is a comma: a point is read as a decimal point.
    """
    t = _NUMBER_SPACES.sub("", text.strip())
    commas, points = t.count(","), t.count(".")
    if commas and points:
        decimal = "," if t.rfind(",") > t.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return t.replace(thousands, "").replace(decimal, ".")
    if commas > 1:
        return t.replace(",", "")
    if points > 1:
        return t.replace(".", "")
    if commas == 1:
        whole, part = t.split(",")
        if len(part) == 3 and 1 <= len(whole.lstrip("+-")) <= 3 and part.isdigit():
            return AMBIGUOUS
        return t.replace(",", ".")
    return t



@dataclass(frozen=True)
class Numbers:
    """Parsed numbers: ``values`` (NaN where blank or bad), which were ``percent``, which were ``bad``."""

    values: pd.Series
    percent: pd.Series
    bad: pd.Series
    blank: pd.Series


def guess_decimal(texts: pd.Series) -> str:
    """The decimal separator of a file's numbers written as text: ``","`` only if they show it."""
    cleaned = texts.dropna().astype(str).str.replace(_SPACES, "", regex=True).str.rstrip("%")
    comma = cleaned.str.match(_COMMA_DECIMAL).sum()
    dot = cleaned.str.match(_DOT_DECIMAL).sum()
    return "," if comma > dot else "."


def parse_numbers(raw: pd.Series, decimal: str, thousands: str | None = None,
                  percent_format: pd.Series | None = None) -> Numbers:
    """Numbers from cells holding numbers or text; ``percent_format`` marks Excel percent cells."""
    is_text = raw.map(lambda v: isinstance(v, str)).astype(bool)
    is_bool = raw.map(lambda v: isinstance(v, bool)).astype(bool)
    blank = raw.isna() | (is_text & raw.where(is_text, "x").astype(str).str.strip().eq(""))
    text = raw.where(is_text & ~blank).astype("string")
    text = text.str.replace(_SPACES, "", regex=True).str.replace("\u2212", "-", regex=False)
    has_percent = text.str.endswith("%").fillna(False).astype(bool)
    text = text.str.rstrip("%")
    other = "." if decimal == "," else ","
    separators = [thousands] if thousands else [other, "'"]
    for sep in separators:
        text = text.str.replace(sep, "", regex=False)
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    from_text = pd.to_numeric(text, errors="coerce")
    numeric = ~is_text & ~blank & ~is_bool
    from_cells = pd.to_numeric(raw.where(numeric), errors="coerce")
    excel_percent = numeric & (percent_format if percent_format is not None else False)
    from_cells = from_cells.where(~excel_percent, (from_cells * 100).round(10))
    values = from_text.astype("float64").where(is_text, from_cells.astype("float64"))
    bad = ~blank & (values.isna() | is_bool | ~np.isfinite(values.fillna(0)))
    return Numbers(values.where(~bad), (has_percent | excel_percent) & ~bad, bad, blank)


def period_text(value: object) -> str | None:
    """A period string for ``value`` if it is written as one (``2026 Q1``, ``Q1 2026``, 2026), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating) and float(value).is_integer():
        value = str(int(value))
    if not isinstance(value, str):
        return None
    text = _SPACES.sub(" ", value.strip())
    for pattern, fmt in ((_QUARTER_FIRST, "{1}Q{0}"), (_YEAR_QUARTER, "{0}Q{1}")):
        match = pattern.match(text)
        if match:
            text = fmt.format(*match.groups())
    try:
        return str(parse_period(text))
    except ValueError:
        return None


def parse_dates(raw: pd.Series, dayfirst: bool) -> pd.Series:
    """Dates (``datetime.date`` or None) from Excel dates, ISO text, or day-first / month-first text."""
    stamps = [_as_date(v) for v in raw]
    text = raw.where(raw.map(lambda v: isinstance(v, str)).astype(bool)).astype("string").str.strip()
    iso = pd.to_datetime(text, errors="coerce", format="ISO8601")
    rest = text.where(iso.isna())
    local = pd.to_datetime(rest, errors="coerce", format="mixed", dayfirst=dayfirst) if rest.notna().any() else iso
    parsed = iso.fillna(local)
    return pd.Series([s if s is not None else _as_date(p) for s, p in zip(stamps, parsed, strict=True)],
                     index=raw.index, dtype=object)


def _as_date(value: object) -> dt.date | None:
    """``value`` as a plain date if it is a date or a time (NaT and everything else: None)."""
    if not isinstance(value, dt.date) or pd.isna(value):
        return None
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class Periods:
    """Each value read as a period string (``period``) or, failing that, as a date (``date``)."""

    period: pd.Series
    date: pd.Series

    @property
    def bad(self) -> pd.Series:
        """Values that are neither a period nor a date."""
        return self.period.isna() & self.date.isna()


def read_periods(raw: pd.Series, dayfirst: bool) -> Periods:
    """Interpret each cell as a period or a date (each distinct value parsed once)."""
    uniques = pd.Series(raw.drop_duplicates().to_numpy(), dtype=object)
    periods = uniques.map(period_text)
    dates = parse_dates(uniques.where(periods.isna()), dayfirst)
    lookup_p = dict(zip(uniques.map(_hashable), periods, strict=True))
    lookup_d = dict(zip(uniques.map(_hashable), dates, strict=True))
    keys = [_hashable(v) for v in raw]
    period = [p if isinstance(p := lookup_p[k], str) else None for k in keys]
    date = [_as_date(lookup_d[k]) for k in keys]
    return Periods(pd.Series(period, index=raw.index, dtype=object), pd.Series(date, index=raw.index, dtype=object))


def _hashable(value: object) -> object:
    return ("nan",) if value is None or (isinstance(value, float) and value != value) else (type(value), value)


def to_kpi_periods(periods: Periods, freq: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The KPI-frequency period of each value, and the given period's frequency where it differs.

    A date becomes the month, quarter or year (the KPI's frequency) that contains it.
    A period string is kept as it is; a period of another frequency is flagged.
    """
    given_freq = period_columns(periods.period)["freq"]
    from_dates = pd.Series([str(period_containing(d, f)) if isinstance(d, dt.date) and isinstance(f, str) else None
                            for d, f in zip(periods.date, freq, strict=True)], index=freq.index, dtype=object)
    period = periods.period.where(periods.period.notna(), from_dates)
    mismatch = given_freq.notna() & freq.notna() & (given_freq != freq)
    return period.where(~mismatch), given_freq.where(mismatch)


def _edge(periods: pd.Series, attr: str) -> pd.Series:
    """First (``attr="start"``) or last (``"end"``) day of each period string, NaT where missing."""
    return period_columns(periods)[attr]


def outside(periods: pd.Series, start: pd.Series, end: pd.Series) -> pd.Series:
    """True where a period lies (partly) outside the horizon ``start``-``end`` (missing ends are open)."""
    early = _edge(periods, "start") < _edge(start, "start")
    late = _edge(periods, "end") > _edge(end, "end")
    return (early.fillna(False) | late.fillna(False)).astype(bool)


MOMENT_FORMS = ("YYYY-MM-DD (the end of that day, UTC)", "'YYYY-MM-DD HH:MM' (UTC)",
                "ISO 8601 with a zone, e.g. 2026-10-01T12:00+02:00 or 2026-10-01T10:00Z")
"""How a time may be written where the history is read (``--as-of``)."""

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def moment(value: object) -> pd.Timestamp | None:
    """A point in time (UTC) from a datetime, a Timestamp or text in one of :data:`MOMENT_FORMS`; None if not one.

    A date alone means the end of that day: "as of 2026-09-30" includes that day's saves.
    """
    if isinstance(value, dt.datetime | pd.Timestamp):
        stamp = pd.Timestamp(value)
    elif isinstance(value, dt.date):
        stamp = pd.Timestamp(value) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    elif isinstance(value, str):
        text = value.strip()
        if _DATE_ONLY.match(text):
            try:
                stamp = pd.Timestamp(text) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
            except ValueError:
                return None
        elif _MOMENT.match(text):
            try:
                stamp = pd.Timestamp(text)
            except ValueError:
                return None
        else:
            return None
    else:
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
