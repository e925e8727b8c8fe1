"""Turn user input (dicts, DataFrames, CSV text) into typed, schema-shaped frames.

Conversion is vectorized per column; every value that cannot be converted becomes
a :class:`~bsc_widgets.errors.Problem` instead of an exception, so a caller sees
all bad values at once.  Text becomes numbers and periods through
:mod:`~bsc_widgets.model.parse` (the one parser), so a form and an import read '1.234,5'
the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import SYSTEM_FIELDS, Problem
from .parse import AMBIGUOUS, number_text
from .periods import PERIOD_HELP, parse_period, period_dates
from .schema import ID_HELP, ID_PATTERN, KINDS, Column, TableSpec
from .text import REFUSED, text_problem, visible
from .values import blank_mask, is_blank, is_missing

Records: TypeAlias = "pd.DataFrame | Iterable[Mapping[str, Any]]"

_ID_RE = re.compile(ID_PATTERN)


def as_frame(records: Records) -> pd.DataFrame:
    """A DataFrame of ``records`` (a DataFrame is copied, an iterable of dicts converted).

    Dicts become object columns holding the values exactly as given (pandas would store
    text as Arrow strings, which cannot hold a lone surrogate: the text rule refuses one
    with a message instead of an encoding error).
    """
    if isinstance(records, pd.DataFrame):
        return records.copy()
    rows = list(records)
    names = list(dict.fromkeys(name for row in rows for name in row))
    return pd.DataFrame({name: _objects([row.get(name) for row in rows], pd.RangeIndex(len(rows)))
                         for name in names}, index=pd.RangeIndex(len(rows)))


def _objects(values: list[Any], index: pd.Index) -> pd.Series:
    """An object series exactly as given (pandas would turn None into NaN when inferring str)."""
    return pd.Series(values, index=index, dtype=object)


def _blank_to_na(series: pd.Series) -> pd.Series:
    """Object series with None for missing values and blank strings."""
    values = series.to_numpy(dtype=object, copy=True)
    values[blank_mask(values)] = None
    return pd.Series(values, index=series.index, dtype=object)


def key_of(spec: TableSpec, record: Mapping[str, Any]) -> tuple[str, ...]:
    """A record's key values as text, e.g. ``("rev-growth", "2026Q1")`` (``?`` where a value is missing;
    a value the text rule refuses is shown :func:`~bsc_widgets.model.text.visible`)."""
    return tuple("?" if is_missing(record.get(k)) else visible(str(record.get(k))) for k in spec.key)


def _shown(value: Any) -> Any:
    """A value as a problem shows it (text made :func:`~bsc_widgets.model.text.visible`)."""
    return visible(value) if isinstance(value, str) else value


def _row_key(spec: TableSpec, frame: pd.DataFrame, index: Any) -> tuple[str, ...]:
    return key_of(spec, {k: frame.at[index, k] for k in spec.key if k in frame.columns})


def _convert(col: Column, raw: pd.Series) -> tuple[pd.Series, pd.Series, str, str, str]:
    """Converted series, mask of unconvertible values, problem code, message and fix."""
    present = raw.notna()
    if col.kind in ("float", "int"):
        is_bool = raw.map(lambda v: isinstance(v, bool)).astype(bool)
        texts = raw.map(lambda v: isinstance(v, str)).astype(bool)
        if texts.any():
            cleaned = _objects([number_text(v) if isinstance(v, str) else v for v in raw], raw.index)
            ambiguous = texts & cleaned.map(lambda v: v is AMBIGUOUS).astype(bool)
            if ambiguous.any():
                return (pd.Series(np.nan, index=raw.index), present & ambiguous, "ambiguous_number",
                        "could mean two different numbers",
                        "write it without a thousands separator, e.g. 8950, or with a decimal point, e.g. 8.95")
        else:
            cleaned = raw
        num = pd.to_numeric(cleaned.where(~is_bool, None), errors="coerce")
        bad = present & (num.isna() | is_bool)
        if col.kind == "int":
            fractional = present & ~bad & (num % 1 != 0)
            bad = bad | fractional
            values = num.where(~bad).astype("Int64")
            return values, bad, "not_a_whole_number", "must be a whole number", "enter a whole number such as 3"
        return (num.astype("float64"), bad, "not_a_number", "must be a number",
                "enter a number such as 12.5 (no units or text)")
    if col.kind in ("date", "timestamp"):
        utc = col.kind == "timestamp"
        stamps = _objects([_to_timestamp(v, utc) for v in raw], raw.index)
        bad = present & stamps.isna()
        if col.kind == "date":
            dates = _objects([None if v is None else v.date() for v in stamps], raw.index)
            return dates, bad, "not_a_date", "must be a date", "enter a date as YYYY-MM-DD, e.g. 2026-03-31"
        return stamps, bad, "not_a_time", "must be a date and time", "enter a time as 2026-03-31T14:00:00Z"
    text = _as_text(raw)
    if col.kind == "id":
        bad = present & pd.Series([v is not None and not _ID_RE.match(v) for v in text], index=raw.index)
        return text, bad, "invalid_id", "is not a valid id", ID_HELP
    if col.kind == "period":
        normalised = _objects([_normal_period(v) for v in text], raw.index)
        bad = present & normalised.isna()
        return normalised, bad, "not_a_period", "is not a month, quarter or year", PERIOD_HELP
    if col.kind == "choice":
        bad = present & ~text.isin(col.choices)
        return text, bad, "not_a_choice", "is not one of the allowed values", "choose one of: " + ", ".join(col.choices)
    return text, pd.Series(False, index=raw.index), "", "", ""


def _as_text(raw: pd.Series) -> pd.Series:
    """Values as stripped text (None stays None)."""
    return _objects([v.strip() if isinstance(v, str) else (None if v is None else str(v)) for v in raw], raw.index)


def _refuse_text(spec: TableSpec, col: Column, frame: pd.DataFrame,
                 raw: pd.Series) -> tuple[pd.Series, list[Problem]]:
    """The text rule (:mod:`~bsc_widgets.model.text`) for a column of text: ``raw`` without the values it
    refuses (left out like a value that is not a number, so no other rule sees them), and a problem for each."""
    if KINDS[col.kind] != "string":
        return raw, []
    limit = col.max_length if col.max_length is not None else float("inf")
    problems, refused = [], []
    for index, value in _as_text(raw).items():
        if value is None or (len(value) <= limit and REFUSED.search(value) is None):
            continue
        found = text_problem(value, col.max_length)
        if found is not None:
            refused.append(index)
            problems.append(Problem(spec.name, _row_key(spec, frame, index), col.name, visible(value),
                                    found.message, found.fix, found.code))
    if refused:
        raw = raw.copy()
        raw[refused] = None
    return raw, problems


def _to_timestamp(value: Any, utc: bool) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if stamp is pd.NaT or pd.isna(stamp):
        return None
    if utc:
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp


def _normal_period(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(parse_period(value))
    except ValueError:
        return None


def coerce(spec: TableSpec, records: Records, *, partial: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed frame with the table's data columns, and the problems found.

    Record-level rules are checked here: unknown columns, required values, the text rule
    (:mod:`~bsc_widgets.model.text`: control and broken characters, length), ids,
    choices, periods, numbers, dates, bounds and duplicate keys in the batch.
    Missing columns are filled with their defaults; with ``partial`` they are left out
    instead (the key columns must be there), for updates that change only some fields.
    """
    frame = as_frame(records).reset_index(drop=True)
    problems: list[Problem] = []
    frame = frame.drop(columns=[c.name for c in spec.derived if c.name in frame.columns])  # kept by the store
    for extra in sorted(set(frame.columns) - set(spec.names) - SYSTEM_FIELDS):
        problems.append(
            Problem(spec.name, ("*",), visible(str(extra)), None, "is not a column of this table",
                    "remove it or rename it to one of: " + ", ".join(spec.names), "unknown_column")
        )
    out = pd.DataFrame(index=frame.index)
    for col in spec.columns:
        if partial and col.name not in frame.columns and col.name not in spec.key:
            continue
        raw = _blank_to_na(frame[col.name]) if col.name in frame.columns else _objects([None] * len(frame), frame.index)
        if col.default is not None:
            raw = _objects([col.default if v is None else v for v in raw], raw.index)
        unchecked, refused = _refuse_text(spec, col, frame, raw)
        problems += refused
        values, bad, code, message, fix = _convert(col, unchecked)
        out[col.name] = values
        for index in bad[bad].index:
            problems.append(Problem(spec.name, _row_key(spec, frame, index), col.name,
                                    _shown(raw[index]), message, fix, code))
        missing = raw.isna() if col.required else pd.Series(False, index=frame.index)
        for index in missing[missing].index:
            problems.append(_required(spec, col, _row_key(spec, frame, index)))
        problems += _bound_problems(spec, col, frame, values, ~bad)
    if "revision" in frame.columns:
        out["revision"] = pd.to_numeric(_blank_to_na(frame["revision"]), errors="coerce").astype("Int64")
    problems += _duplicate_problems(spec, out)
    return out, problems


def _bound_problems(
    spec: TableSpec, col: Column, frame: pd.DataFrame, values: pd.Series, ok: pd.Series
) -> list[Problem]:
    if col.kind not in ("float", "int"):
        return []
    num = pd.to_numeric(values, errors="coerce")
    checks = []
    if col.minimum is not None:
        checks.append((num < col.minimum, "too_small", f"must be at least {col.minimum:g}",
                       f"enter a value of {col.minimum:g} or more"))
    if col.maximum is not None:
        checks.append((num > col.maximum, "too_large", f"must be at most {col.maximum:g}",
                       f"enter a value of {col.maximum:g} or less"))
    if col.positive:
        checks.append((num <= 0, "not_positive", "must be greater than 0", "enter a positive number"))
    problems = []
    for mask, code, message, fix in checks:
        hit = mask.fillna(False).astype(bool) & ok
        for index in hit[hit].index:
            problems.append(Problem(spec.name, _row_key(spec, frame, index), col.name,
                                    values[index], message, fix, code))
    return problems


def _required(spec: TableSpec, col: Column, key: tuple[str, ...]) -> Problem:
    return Problem(spec.name, key, col.name, None, "is required", f"enter the {col.label}", "required")


def required_problems(spec: TableSpec, record: Mapping[str, Any]) -> list[Problem]:
    """Problems for required columns without a value in ``record`` (a new record of a partial save)."""
    return [_required(spec, col, key_of(spec, record))
            for col in spec.columns if col.required and is_blank(record.get(col.name))]


def _duplicate_problems(spec: TableSpec, frame: pd.DataFrame) -> list[Problem]:
    keys = list(spec.key)
    dup = frame.duplicated(subset=keys, keep="first") & frame[keys].notna().all(axis=1)
    return [
        Problem(spec.name, _row_key(spec, frame, i), spec.key[-1], frame.at[i, spec.key[-1]],
                "is a duplicate id: the same key appears more than once",
                "give each record its own id, or merge the duplicates", "duplicate_key")
        for i in dup[dup].index
    ]


def derived_values(spec: TableSpec, frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The values of the table's derived columns for ``frame``: the dates of its ``period`` (empty: none)."""
    if not spec.derived or "period" not in frame.columns:
        return {}
    start, end = period_dates(frame["period"])
    return {"period_start": start, "period_end": end}


def to_arrow(spec: TableSpec, frame: pd.DataFrame) -> pa.Table:
    """Arrow table in the table's schema (system columns included, null if absent; derived columns computed)."""
    schema = spec.arrow_schema()
    derived = derived_values(spec, frame)
    arrays = []
    for fld in schema:
        if fld.name in derived:
            arrays.append(pa.array(derived[fld.name], type=fld.type))
        elif fld.name in frame.columns:
            arrays.append(_arrow_column(frame[fld.name], fld.type))
        else:
            arrays.append(pa.nulls(len(frame), type=fld.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_column(series: pd.Series, kind: pa.DataType) -> pa.Array:
    """One column as Arrow: directly from its pandas array where the types agree, else value by value."""
    try:
        if series.dtype != object:
            array = pa.array(series, type=kind, from_pandas=True)
            return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    except (pa.ArrowException, TypeError, ValueError):
        pass
    values = series.astype(object).where(series.notna(), None)
    return pa.array(values.tolist(), type=kind)


def from_arrow(spec: TableSpec, data: pa.Table) -> pd.DataFrame:
    """Pandas frame of stored data, with the table's column order.

    Data written before a column existed (an older schema version) gets the column, with
    its ``old_value``.
    """
    missing_derived = [c.name for c in spec.derived if c.name not in data.column_names]
    if missing_derived and "period" in data.column_names:  # written before the dates were kept
        derived = derived_values(spec, pd.DataFrame({"period": data.column("period").to_pandas()}))
        for name in missing_derived:
            data = data.append_column(pa.field(name, spec.column(name).arrow_type),
                                      pa.array(derived[name], type=spec.column(name).arrow_type))
    for col in spec.all_columns:
        if col.name not in data.column_names:
            value = pa.scalar(col.old_value, type=col.arrow_type)
            data = data.append_column(pa.field(col.name, col.arrow_type),
                                      pa.repeat(value, len(data)) if len(data) else pa.nulls(0, col.arrow_type))
    frame = data.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return frame[[c.name for c in spec.all_columns]]
