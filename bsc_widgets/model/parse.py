"""Text to numbers, periods and dates, the way people type them in forms and spreadsheets.

The one place the package reads a number, a period or a date out of text.  Numbers:
:func:`read_number` reads number text with a given decimal separator (grouping checked:
'12.5' is not a number with a decimal comma); :func:`decimal_shown` says which separator
a text shows by itself ('12.5', '1.234,5') or that it reads two ways ('1.234');
:func:`file_decimal` decides a file's separator from what its numbers show, never from
a guess; :func:`parse_numbers` reads a file's column with it for the importer and
:func:`number_text` one typed value for :mod:`~bsc_widgets.model.coerce`.  Decimal
commas, thousands separators (``1.234,5``, ``1,234.5``, ``1 234``, ``1'234``), percent
values (``12 %``) and a unicode minus are read; numbers beyond :data:`LARGEST` are refused.
Periods: period strings (``2026-03``, ``2026Q1``, ``2026 Q1``, ``Q1 2026``, ``2026``) or
dates (``2026-03-31``, ``31.03.2026``, Excel dates), which are mapped to the period of a
KPI's frequency.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .periods import parse_period, period_columns, period_containing

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_QUARTER_FIRST = re.compile(r"^Q([1-4])[\s\-/]*(\d{4})$", re.IGNORECASE)
_YEAR_QUARTER = re.compile(r"^(\d{4})[\s\-/]*Q([1-4])$", re.IGNORECASE)
_GROUP_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_NUMBER = re.compile(r"([+-]?)([0-9][0-9.,' ]*|[.,][0-9]+[0-9.,' ]*)([eE][+-]?[0-9]{1,4})?")
_DIGITS = re.compile(r"[0-9]*")

LARGEST = 1e15
"""The largest size of a number read from text or a file (a million billion): sums of many stay finite."""


class _Ambiguous:
    """The type of :data:`AMBIGUOUS` (one marker object, shown as AMBIGUOUS)."""

    def __repr__(self) -> str:
        return "AMBIGUOUS"


AMBIGUOUS: Any = _Ambiguous()
"""Marker for number text such as '8,950' or '1.234' that reads as 8950 or as 8.95 (1234 or 1.234)."""


def _body(text: str) -> tuple[str, str, str] | None:
    """Sign, digits with their separators, and exponent of number text (None if it is not number-shaped)."""
    t = _GROUP_SPACES.sub(" ", text.strip().replace("\u2212", "-"))
    match = _NUMBER.fullmatch(t)
    if match is None:
        return None
    return match[1], match[2].strip(), match[3] or ""


def decimal_shown(text: str) -> str | object | None:
    """The decimal separator ``text`` shows by itself: ``","``, ``"."``, None (no sign of one) or :data:`AMBIGUOUS`.

    '12.5', '0.750', '1234.567', '1,234.5' and '1 234,567' show theirs; '1.234.567' shows a
    comma (its points group thousands); '1.234' and '8,950' could be either (AMBIGUOUS);
    '1234' and '1 234' show none.  Text that is not a number shows none.
    """
    parts = _body(text)
    if parts is None:
        return None
    body = parts[1]
    commas, points = body.count(","), body.count(".")
    if commas and points:
        return "," if body.rfind(",") > body.rfind(".") else "."
    if commas > 1 or points > 1:
        return "." if commas else ","
    if not commas and not points:
        return None
    sep = "," if commas else "."
    whole, part = body.split(sep)
    if parts[2] or len(part) != 3 or not 1 <= len(whole) <= 3 or whole.startswith("0") or not whole.isdigit():
        return sep  # '12.5', '0.750', '1234.567', '1 234,567', '1.5e3': no thousands grouping reads so
    return AMBIGUOUS


def read_number(text: str, decimal: str, thousands: str | None = None) -> str | None:
    """Number text with a decimal point and no grouping, read with ``decimal``; None if it does not read so.

    ``thousands`` is the one separator allowed between groups of three digits (``" "``
    means any space); by default the other of ``,`` and ``.``, a space or ``'``.  Groups
    must be three digits after a first group of one to three ('12.5' is not a number with
    a decimal comma: it is refused rather than read as 125).
    """
    parts = _body(text)
    if parts is None:
        return None
    sign, body, exponent = parts
    allowed = {"," if decimal == "." else ".", " ", "'"} if thousands is None else (
        {thousands} if thousands else set())
    if body.count(decimal) > 1:
        return None
    whole, _, part = body.partition(decimal)
    if not _DIGITS.fullmatch(part) or not (whole or part):
        return None
    seps = set(re.sub(r"[0-9]", "", whole))
    if seps:
        groups = whole.split(next(iter(seps)))
        if len(seps) > 1 or not seps <= allowed or not 1 <= len(groups[0]) <= 3 \
                or any(len(g) != 3 for g in groups[1:]):
            return None
        whole = "".join(groups)
    return f"{sign}{whole or '0'}{'.' + part if part else ''}{exponent}"


def number_text(text: str) -> str | object:
    """Number text with a decimal point and no thousands separators (or :data:`AMBIGUOUS`), for one typed value.

    Accepts '1234.5', '1,234.5', '1.234,5', '1 234,5', '12,5' and '1,234,567'.  A single
    comma or point followed by exactly three digits after one to three digits ('8,950')
    is ambiguous only when it is a comma: in a form a point is read as a decimal point.
    Text that is not a number is returned as it is (the caller reports it).
    """
    shown = decimal_shown(text)
    if shown is AMBIGUOUS:
        if "," in text:
            return AMBIGUOUS
        shown = "."
    read = read_number(text, shown if isinstance(shown, str) else ".")
    return text if read is None else read


@dataclass(frozen=True)
class Numbers:
    """Parsed numbers: ``values`` (NaN where blank or bad), which were ``percent``, ``bad``, ``blank``.

    ``ambiguous`` marks text that reads two ways when no decimal separator was given;
    ``too_large`` marks numbers larger than :data:`LARGEST` (both are also ``bad``).
    """

    values: pd.Series
    percent: pd.Series
    bad: pd.Series
    blank: pd.Series
    ambiguous: pd.Series
    too_large: pd.Series


@dataclass(frozen=True)
class Separators:
    """The decimal separator of a file's text numbers and why: given, shown by the file, or not needed.

    ``decimal`` is None when the file shows none (its numbers then read the same either
    way, unless some are ambiguous); ``example`` is a (position, text) the choice rests
    on; ``conflict`` is a second example showing the other separator.
    """

    decimal: str | None
    given: bool = False
    example: tuple[int, str] | None = None
    conflict: tuple[int, str] | None = None


def file_decimal(texts: pd.Series, given: str | None = None) -> Separators:
    """The decimal separator of a column (or file) of number text: ``given``, or what its numbers show.

    Every number that shows its separator ('12.5', '1.234,5') counts; when some show a
    comma and others a point the result has a ``conflict``; when none do, ``decimal`` is None.
    """
    if given is not None:
        return Separators(given, given=True)
    first: dict[str, tuple[int, str]] = {}
    for position, value in texts.items():
        if isinstance(value, str):
            shown = decimal_shown(value.strip().rstrip("%"))
            if isinstance(shown, str) and shown not in first:
                first[shown] = (int(position), value)
                if len(first) == 2:
                    break
    if not first:
        return Separators(None)
    ordered = sorted(first.items(), key=lambda item: item[1][0])
    return Separators(ordered[0][0], example=ordered[0][1], conflict=ordered[1][1] if len(ordered) > 1 else None)


def parse_numbers(raw: pd.Series, decimal: str | None, thousands: str | None = None,
                  percent_format: pd.Series | None = None) -> Numbers:
    """Numbers from cells holding numbers or text; ``percent_format`` marks Excel percent cells.

    Text is read with ``decimal`` (see :func:`read_number`); with ``decimal`` None, each
    text with the separator it shows, and text that reads two ways ('1.234') is ``ambiguous``.
    """
    is_text = raw.map(lambda v: isinstance(v, str)).astype(bool)
    is_bool = raw.map(lambda v: isinstance(v, bool)).astype(bool)
    blank = raw.isna() | (is_text & raw.where(is_text, "x").astype(str).str.strip().eq(""))
    has_percent = pd.Series(False, index=raw.index)
    ambiguous = pd.Series(False, index=raw.index)
    from_text = pd.Series(np.nan, index=raw.index, dtype="float64")
    for position, value in raw[is_text & ~blank].items():
        text = value.strip()
        if text.endswith("%"):
            has_percent[position], text = True, text[:-1]
        shown = decimal_shown(text) if decimal is None else decimal
        if shown is AMBIGUOUS:
            ambiguous[position] = True
            continue
        read = read_number(text, shown if isinstance(shown, str) else ".", thousands)
        if read is not None:
            from_text[position] = float(read)
    numeric = ~is_text & ~blank & ~is_bool
    from_cells = pd.to_numeric(raw.where(numeric), errors="coerce")
    excel_percent = numeric & (percent_format if percent_format is not None else False)
    from_cells = from_cells.where(~excel_percent, (from_cells * 100).round(10))
    values = from_text.where(is_text, from_cells.astype("float64"))
    too_large = ~blank & values.abs().gt(LARGEST).fillna(False).astype(bool)
    bad = ~blank & (values.isna() | is_bool | too_large)
    return Numbers(values.where(~bad), (has_percent | excel_percent) & ~bad, bad, blank, ambiguous & ~blank,
                   too_large)


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
