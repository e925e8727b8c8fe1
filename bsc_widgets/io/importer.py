"""Import actuals or targets from CSV and Excel files: check everything, then save all or nothing.

:func:`plan_import` reads a file, finds every problem (with its line or cell, the value
and the fix) and works out what each valid row would change; :func:`apply_import` saves
the changes through :meth:`Store.upsert` (validated again, atomic per table) and refuses
a report that has problems.  Layouts:

- **long**: one row per KPI and period, with columns such as ``kpi``, ``period``, ``value``;
- **wide**: a ``kpi`` column and one column per period (period strings or dates).

KPIs are named by id or by name; periods are period strings or dates (a date is mapped
to the month, quarter or year of the KPI's frequency).  Only the fields present in the
file change: a file without a ``note`` column keeps the notes already saved.  Records whose
values are unchanged are not saved again, so re-importing a file changes nothing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..config import current_user
from ..errors import InputError, Problem
from ..model.coerce import coerce
from ..model.parse import (
    LARGEST,
    Separators,
    file_decimal,
    outside,
    parse_numbers,
    read_number,
    read_periods,
    to_kpi_periods,
)
from ..model.periods import FREQUENCIES, PERIOD_EXAMPLES
from ..model.plan import require_scorecard
from ..model.rules import check_plan
from ..model.schema import TABLES
from ..model.values import plain
from ..store import SaveResult, Store
from .files import Location, RawSheet, Source, read_sheet
from .mapping import ImportMapping, load_mapping
from .outcome import CHANGES, BscImportError, ImportProblem, ImportReport

__all__ = ["BscImportError", "ImportMapping", "ImportProblem", "ImportReport", "apply_import", "import_file",
           "load_mapping", "plan_import"]

TABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "actuals": ("value", "note"),
    "targets": ("target", "red_flag", "lower", "upper", "tolerance"),
}
"""Fields an import can set, per table (the key and scorecard come from the KPI)."""

WIDE_FIELD = {"actuals": "value", "targets": "target"}
"""Field the cells of a wide layout hold."""

ALIASES: dict[str, tuple[str, ...]] = {
    "kpi": ("kpi_id", "kpi", "kpi_name", "name", "indicator"),
    "period": ("period", "month", "quarter", "year", "date"),
    "scorecard": ("scorecard_id", "scorecard"),
    "value": ("value", "actual"),
    "note": ("note", "notes", "comment"),
    "target": ("target",),
    "red_flag": ("red_flag",),
    "lower": ("lower",),
    "upper": ("upper",),
    "tolerance": ("tolerance",),
}
"""Column headers recognised without a mapping file (compared lower-case, spaces as '_')."""

OWNED_COLUMNS = ("entered_by", "entered_at", "revision", "saved_at", "saved_by")
"""Columns set by the importer and the store; ignored in a file (an exported workbook has them)."""

_KEY = ["kpi_id", "period"]


def _norm(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


# ------------------------------------------------------------------------------------------ public API
def plan_import(store: Store, source: Source, *, table: str = "actuals", filename: str | None = None,
                sheet: str | None = None, mapping: ImportMapping | str | None = None,
                scorecard: str | None = None, user: str | None = None, decimal: str | None = None,
                now: pd.Timestamp | None = None) -> ImportReport:
    """Check ``source`` (a path, or bytes named by ``filename``) against ``store``; write nothing.

    ``table`` is ``"actuals"`` or ``"targets"``; ``scorecard`` limits the KPIs a name can
    match; ``decimal`` (``","`` or ``"."``) is the decimal separator of numbers written as
    text (it wins over the mapping's; by default the file's numbers must show it, and
    a number that reads two ways is a problem).  Raises :class:`InputError` when the
    file cannot be read at all; every other problem is listed in the returned report.
    """
    if table not in TABLE_FIELDS:
        raise InputError(f"cannot import into {table!r}; import 'actuals' or 'targets'")
    plan = mapping if isinstance(mapping, ImportMapping) else load_mapping(mapping) if mapping else ImportMapping()
    if decimal is not None:
        if decimal not in (",", "."):
            raise InputError(f"the decimal separator {decimal!r} is neither ',' nor '.'. Fix: choose --decimal , "
                             "or --decimal .")
        plan = replace(plan, decimal=decimal, thousands=None if plan.thousands == decimal else plan.thousands)
    raw = read_sheet(source, filename=filename, sheet=sheet or plan.sheet, preferred_sheets=(table,))
    frames = store.read_all()
    if scorecard is not None:
        require_scorecard(frames["scorecards"], scorecard)
    checker = _Checker(raw, table, plan, frames, scorecard)
    return checker.report(user or current_user(), now or pd.Timestamp.now(tz="UTC"))


def apply_import(store: Store, report: ImportReport, *, user: str | None = None) -> SaveResult:
    """Save the new and updated records of ``report`` in one commit; refuse a report with problems.

    Raises :class:`BscImportError` (nothing saved) when the report has problems, and
    :class:`~bsc_widgets.errors.ConflictError` when a record changed since the file was checked.
    """
    if report.problems:
        raise BscImportError(report)
    return store.upsert(report.table, report.records, user=user)


def import_file(store: Store, source: Source, *, dry_run: bool = False, user: str | None = None,
                **options: Any) -> tuple[ImportReport, SaveResult | None]:
    """:func:`plan_import` then, unless ``dry_run``, :func:`apply_import`; options as for plan_import."""
    report = plan_import(store, source, user=user, **options)
    if dry_run:
        return report, None
    return report, apply_import(store, report, user=user)


# ------------------------------------------------------------------------------------------ checking
@dataclass
class _Columns:
    fields: dict[str, int]
    period_columns: list[int]
    layout: str
    ignored: list[str]


class _Checker:
    """Checks one sheet: columns, KPIs, periods, numbers, duplicates, then the store's own rules."""

    def __init__(self, raw: RawSheet, table: str, mapping: ImportMapping, frames: dict[str, pd.DataFrame],
                 scorecard: str | None) -> None:
        self.raw, self.table, self.mapping, self.frames = raw, table, mapping, frames
        kpis = frames["kpis"]
        self.kpis = kpis if scorecard is None else kpis[kpis["scorecard_id"] == scorecard]
        self.problems: list[ImportProblem] = []
        self.separators = Separators(None)
        self.period_col = "period_col"
        self.cell_col = f"{WIDE_FIELD[table]}_col"
        self.numbers_read = ""

    # ---------------------------------------------------------------- problems
    def _file_problem(self, reason: str, fix: str) -> None:
        self.problems.append(ImportProblem(Location(self.raw.file, sheet=self.raw.sheet), None, reason, fix))

    def _flag(self, recs: pd.DataFrame, mask: pd.Series, col: str, value: str,
              reason: str | Callable[[Any], str], fix: str | Callable[[Any], str]) -> None:
        """Add a problem for every record in ``mask``; ``col`` names the column-position column."""
        for row in recs[mask.fillna(False).astype(bool).to_numpy()].itertuples(index=False):
            self.problems.append(ImportProblem(
                self.raw.location(row.row, getattr(row, col)), _shown(getattr(row, value)),
                reason(row) if callable(reason) else reason, fix(row) if callable(fix) else fix))

    # ---------------------------------------------------------------- columns and layout
    def _columns(self) -> _Columns | None:
        raw, wanted = self.raw, ("kpi", "period", "scorecard", *TABLE_FIELDS[self.table])
        normalized = [_norm(h) for h in raw.header]
        fields: dict[str, int] = {}
        for name, header in self.mapping.columns.items():
            if name not in wanted:
                continue
            hits = [i for i, h in enumerate(normalized) if h == _norm(header)]
            if not hits:
                self._file_problem(f"the mapping names column {header!r} for {name}, but the file has no such "
                                   "column", "use one of the file's headers: " + ", ".join(map(repr, raw.header)))
                continue
            fields[name] = hits[0]
        for name in wanted:
            if name in fields:
                continue
            hit = next((normalized.index(a) for a in ALIASES[name] if a in normalized
                        and normalized.index(a) not in fields.values()), None)
            if hit is not None:
                fields[name] = hit
        used = set(fields.values())
        period_like = read_periods(pd.Series(raw.header, dtype=object), self.mapping.dayfirst)
        period_columns = [i for i in range(len(raw.header)) if i not in used and raw.header[i]
                          and not period_like.bad.iloc[i]]
        layout = self.mapping.layout or ("long" if "period" in fields or not period_columns else "wide")
        if layout == "wide":
            fields.pop("period", None)
            fields = {k: v for k, v in fields.items() if k in ("kpi", "scorecard", "note")}
        else:
            period_columns = []
        taken = set(fields.values()) | set(period_columns)
        ignored = [h for i, h in enumerate(raw.header) if i not in taken and _norm(h) not in OWNED_COLUMNS and h]
        headers = ", ".join(repr(h) for h in raw.header if h)
        if "kpi" not in fields:
            self._file_problem(f"has no KPI column (columns are: {headers})",
                               "name the column with the KPI ids or names 'kpi', or map it in a mapping "
                               "file: kpi = \"Your header\"")
        if layout == "long" and "period" not in fields:
            self._file_problem(f"has no period column and no column headed by a period (columns are: {headers})",
                               "add a 'period' column (2026-03, 2026Q1, 2026 or a date), or use one column per "
                               "period headed 2026-01, 2026-02, …")
        if layout == "wide" and not period_columns:
            self._file_problem("has no column headed by a period or a date", "head each value column with a "
                               "period such as 2026-01 or 2026Q1, or a date")
        number_fields = [f for f in TABLE_FIELDS[self.table] if f != "note"]
        if layout == "long" and not any(f in fields for f in number_fields):
            self._file_problem(f"has no {' or '.join(number_fields)} column (columns are: {headers})",
                               f"name the column with the numbers '{number_fields[0]}', or map it in a mapping "
                               f"file: {number_fields[0]} = \"Your header\"")
        if self.problems:
            return None
        return _Columns(fields, period_columns, layout, ignored)

    def _records(self, cols: _Columns) -> pd.DataFrame:
        """One row per (source row, period): raw cells and the column position of each."""
        raw, cells = self.raw, self.raw.cells
        base = pd.DataFrame({"row": np.arange(len(cells))})
        for name in ("kpi", "scorecard", "note"):
            if name in cols.fields:
                base[name] = cells[cols.fields[name]].to_numpy()
                base[f"{name}_col"] = cols.fields[name]
        if cols.layout == "long":
            base["period"] = cells[cols.fields["period"]].to_numpy()
            base["period_col"] = cols.fields["period"]
            for name in TABLE_FIELDS[self.table]:
                if name in cols.fields and name != "note":
                    base[name] = cells[cols.fields[name]].to_numpy()
                    base[f"{name}_col"] = cols.fields[name]
                    base[f"{name}_pct"] = raw.percent[cols.fields[name]].to_numpy()
            return base
        field = WIDE_FIELD[self.table]
        parts = [base.assign(period=raw.header[c], period_col=c, **{field: cells[c].to_numpy(),
                             f"{field}_col": c, f"{field}_pct": raw.percent[c].to_numpy()})
                 for c in cols.period_columns]
        return pd.concat(parts, ignore_index=True)

    # ---------------------------------------------------------------- the checks
    def report(self, user: str, now: pd.Timestamp) -> ImportReport:
        cols = self._columns()
        fields = tuple(f for f in TABLE_FIELDS[self.table] if cols is not None
                       and (f in cols.fields or (cols.layout == "wide" and f == WIDE_FIELD[self.table])))
        self._uncalculated()
        if cols is not None and self.raw.cells.empty and not self.raw.formulas:
            self._file_problem(f"has a header row ({_short(self.raw.location(None, None))}) but no rows of values "
                               "below it", "add one row per value below the header, or check that this is the "
                               "right file" + (" and sheet (--sheet)" if self.raw.sheet is not None else ""))
        if cols is None or self.raw.cells.empty:
            return self._report(cols.layout if cols else "long", fields, _empty_changes(fields), pd.DataFrame(),
                                [], 0)
        recs = self._records(cols)
        self.period_col = "period_col" if cols.layout == "long" else f"{WIDE_FIELD[self.table]}_col"
        numbers = [f for f in fields if f != "note"]
        self.cell_col = f"{numbers[0]}_col"  # the cell a row's change is shown at: its first number
        parsed = self._numbers(recs, numbers)
        blank = np.logical_and.reduce([parsed[f].blank.to_numpy() for f in numbers])
        skipped = int(blank.sum()) if cols.layout == "long" else 0
        recs = recs[~blank].reset_index(drop=True)
        if recs.empty:  # every value cell is empty: nothing to check or import
            return self._report(cols.layout, fields, _empty_changes(fields), pd.DataFrame(), cols.ignored, skipped)
        for f in numbers:
            recs[f] = parsed[f].values[~blank].to_numpy()
            recs[f"{f}_bad"] = parsed[f].bad[~blank].to_numpy()
            recs[f"{f}_pct"] = parsed[f].percent[~blank].to_numpy()
            recs[f"{f}_raw"] = parsed[f].raw[~blank].to_numpy()
            recs[f"{f}_amb"] = parsed[f].ambiguous[~blank].to_numpy()
            recs[f"{f}_big"] = parsed[f].too_large[~blank].to_numpy()
        if any(recs[f"{f}_amb"].any() for f in numbers):
            self.numbers_read = ("Numbers: none shows its decimal separator by itself, and some read two ways (listed "
                                 "below): choose with --decimal , or --decimal .")
        ok = self._kpis(recs)
        ok &= self._periods(recs)
        ok &= self._number_problems(recs, numbers)
        ok &= self._duplicates(recs, ok)
        changes, records = self._plan(recs[ok.to_numpy()].reset_index(drop=True), fields, user, now)
        return self._report(cols.layout, fields, changes, records, cols.ignored, skipped)

    def _uncalculated(self) -> None:
        """Formula cells without a stored result: refused, never read as empty."""
        for row, col, formula in self.raw.formulas:
            self.problems.append(ImportProblem(
                self.raw.location(row, col), formula, "is a formula without a stored result (the file was saved by "
                "a program that does not calculate, so its value is unknown)", "open and save the file in Excel or "
                "LibreOffice so values are stored, or export values"))

    def _report(self, layout: str, fields: tuple[str, ...], changes: pd.DataFrame, records: pd.DataFrame,
                ignored: list[str], skipped: int) -> ImportReport:
        order = {id(p): i for i, p in enumerate(self.problems)}
        problems = sorted(self.problems, key=lambda p: (p.location.line or 0, p.location.cell or "", order[id(p)]))
        notes = [*self.raw.notes, *([self.numbers_read] if self.numbers_read else [])]
        return ImportReport(self.raw.file, self.table, layout, self.raw.sheet, problems, changes, records, fields,
                            ignored, skipped, notes)

    def _numbers(self, recs: pd.DataFrame, numbers: list[str]) -> dict[str, _Parsed]:
        """Read the number columns with the file's decimal separator: given, or shown by its numbers."""
        spots = [(row, col, value) for f in numbers if f in recs.columns
                 for row, col, value in zip(recs["row"], recs[f"{f}_col"], recs[f], strict=True)
                 if isinstance(value, str) and value.strip()]
        given = self.mapping.decimal or {",": ".", ".": ","}.get(self.mapping.thousands or "")
        separators = file_decimal(pd.Series([v for _, _, v in spots], dtype=object), given)
        self.separators = separators
        where = {i: _short(self.raw.location(r, c)) for i, (r, c, _) in enumerate(spots)}
        if separators.conflict is not None and separators.example is not None:
            (i, first), (j, second) = separators.example, separators.conflict
            other = "," if separators.decimal == "." else "."
            self._file_problem(
                f"has numbers with {_DECIMAL_NAMES[str(separators.decimal)]} ({first!r} at {where[i]}) and numbers "
                f"with {_DECIMAL_NAMES[other]} ({second!r} at {where[j]}), so what a number such as 1.234 means is "
                "unclear", "write every number with the same decimal separator, or choose one with --decimal . or "
                "--decimal , (the numbers written the other way are then listed)")
        self.numbers_read = _numbers_read(separators, bool(spots), where)
        decimal = None if separators.conflict is not None else separators.decimal
        out = {}
        for f in numbers:
            raw = recs[f] if f in recs.columns else pd.Series([None] * len(recs), dtype=object)
            pct = recs[f"{f}_pct"] if f"{f}_pct" in recs.columns else None
            n = parse_numbers(raw, decimal, self.mapping.thousands, pct)
            out[f] = _Parsed(n.values, n.percent, n.bad, n.blank, raw, n.ambiguous, n.too_large)
        return out

    def _kpis(self, recs: pd.DataFrame) -> pd.Series:
        kpis = self.kpis
        text = recs["kpi"].map(_id_text)
        ids = pd.Index(kpis["kpi_id"])
        by_id = text.where(text.isin(ids))
        keys = text.map(_name_key)
        names = kpis.assign(_k=kpis["name"].map(_name_key)).groupby("_k")["kpi_id"].agg(list)
        candidates = keys.map(names).where(by_id.isna())
        if "scorecard" in recs.columns:
            owner = kpis.set_index("kpi_id")["scorecard_id"]
            card = recs["scorecard"].map(_id_text)
            candidates = pd.Series([c if not isinstance(c, list) or s is None else
                                    [k for k in c if owner[k] == s] or c
                                    for c, s in zip(candidates, card, strict=True)], index=recs.index, dtype=object)
        single = candidates.map(lambda c: c[0] if isinstance(c, list) and len(c) == 1 else None)
        recs["kpi_id"] = by_id.where(by_id.notna(), single)
        blank = text.isna()
        self._flag(recs, blank, "kpi_col", "kpi", "no KPI is given", "enter the KPI id or name on this row")
        many = candidates.map(lambda c: isinstance(c, list) and len(c) > 1)
        self._flag(recs.assign(ids=candidates.map(lambda c: ", ".join(c) if isinstance(c, list) else "")), many,
                   "kpi_col", "kpi", lambda r: f"is the name of several KPIs ({r.ids})",
                   "use the KPI id instead of the name, add a scorecard column, or import with --scorecard")
        unknown = ~blank & recs["kpi_id"].isna() & ~many
        hints = self._suggestions(text[unknown])
        scope = " in this store" if len(self.kpis) == len(self.frames["kpis"]) else " of this scorecard"
        self._flag(recs.assign(hint=text.map(lambda t: hints.get(t, ""))), unknown, "kpi_col", "kpi",
                   lambda r: f"is not a KPI id or name{scope}{r.hint}",
                   "use a KPI id or name as listed by `bsc read --store DIR kpis`, or add the KPI first")
        if "scorecard" in recs.columns:
            owner_of = recs["kpi_id"].map(kpis.set_index("kpi_id")["scorecard_id"])
            card = recs["scorecard"].map(_id_text)
            wrong = card.notna() & owner_of.notna() & (card != owner_of)
            self._flag(recs.assign(owner=owner_of), wrong, "scorecard_col", "scorecard",
                       lambda r: f"is not the scorecard of KPI '{r.kpi_id}' (it belongs to '{r.owner}')",
                       "correct the scorecard, or leave the column empty")
            return recs["kpi_id"].notna() & ~wrong
        return recs["kpi_id"].notna()

    def _suggestions(self, unknown: pd.Series) -> dict[str, str]:
        choices = [*self.kpis["kpi_id"], *self.kpis["name"]]
        out = {}
        for value in unknown.dropna().unique():
            close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.75)
            if close:
                out[value] = f" (did you mean {close[0]!r}?)"
        return out

    def _periods(self, recs: pd.DataFrame) -> pd.Series:
        kpis = self.kpis.set_index("kpi_id")
        freq = recs["kpi_id"].map(kpis["frequency"])
        read = read_periods(recs["period"], self.mapping.dayfirst)
        period, given = to_kpi_periods(read, freq)
        recs["period_id"] = period
        col = self.period_col
        blank = recs["period"].map(_id_text).isna()
        self._flag(recs, blank, col, "period", "no period is given",
                   "enter the period (2026-03, 2026Q1, 2026) or a date on this row")
        bad = read.bad & ~blank
        self._flag(recs, bad, col, "period", "is not a period or a date",
                   "write a month as 2026-03, a quarter as 2026Q1, a year as 2026, or a date such as 2026-03-31")
        self._flag(recs.assign(f=freq, g=given), given.notna(), col, "period",
                   lambda r: f"is a {FREQUENCIES[r.g]} period, but KPI '{r.kpi_id}' is measured {FREQUENCIES[r.f]}",
                   lambda r: f"enter {PERIOD_EXAMPLES[r.f]}, or a date inside the period")
        cards = self.frames["scorecards"].set_index("scorecard_id")
        owner = recs["kpi_id"].map(kpis["scorecard_id"])
        start, end = owner.map(cards["horizon_start"]), owner.map(cards["horizon_end"])
        out = outside(period, start, end)
        self._flag(recs.assign(s=start, e=end, card=owner), out, col, "period",
                   lambda r: f"is outside the horizon of scorecard '{r.card}' ({_horizon(r.s, r.e)})",
                   "check the year; if the period is right, extend the scorecard's horizon first")
        return period.notna() & ~out

    def _number_problems(self, recs: pd.DataFrame, numbers: list[str]) -> pd.Series:
        ok = pd.Series(True, index=recs.index)
        unit = recs["kpi_id"].map(self.kpis.set_index("kpi_id")["unit"]).fillna("")
        decimal = self.separators.decimal or "."
        sep = "a comma" if decimal == "," else "a point"
        like = " (as chosen)" if self.separators.given else " like the rest of the file"
        for f in numbers:
            bad, ambiguous, big = recs[f"{f}_bad"], recs[f"{f}_amb"], recs[f"{f}_big"]
            shown = recs.assign(v=recs[f"{f}_raw"])
            self._flag(shown, bad & ~ambiguous & ~big, f"{f}_col", "v", "is not a number",
                       f"enter a number such as 1234{decimal}5, with {sep} as decimal separator{like}, and no "
                       "text or units")
            self._flag(shown, ambiguous, f"{f}_col", "v", lambda r: _two_readings(r.v),
                       lambda r: f"choose the decimal separator: {_choices(r.v)} (or decimal = \".\" or \",\" in a "
                                 "mapping file)")
            self._flag(shown, big, f"{f}_col", "v",
                       f"is larger than a KPI value may be ({LARGEST:,.0f}: sums of larger numbers overflow)",
                       "check the value; if it is right, enter it in a larger unit (thousands or millions)")
            pct = recs[f"{f}_pct"] & ~unit.str.contains("%", regex=False)
            self._flag(recs.assign(v=recs[f"{f}_raw"], u=unit), pct, f"{f}_col", "v",
                       lambda r: f"is a percentage, but KPI '{r.kpi_id}' is measured in "
                                 + (f"'{r.u}'" if r.u else "a unit that is not %"),
                       "enter the value without %, in the KPI's unit")
            ok &= ~bad & ~pct
        return ok

    def _duplicates(self, recs: pd.DataFrame, ok: pd.Series) -> pd.Series:
        """Rows whose KPI and period repeat an earlier valid row are duplicates."""
        col = self.cell_col
        valid = recs[ok.to_numpy()]
        groups = valid.groupby(["kpi_id", "period_id"], sort=False)
        first = valid.assign(first_row=groups["row"].transform("first"), first_col=groups[col].transform("first"))
        dup = valid.duplicated(subset=["kpi_id", "period_id"], keep="first")
        self._flag(first, dup, self.period_col, "period",
                   lambda r: f"repeats KPI '{r.kpi_id}', period {r.period_id}: a duplicate row (first given at "
                             f"{_short(self.raw.location(r.first_row, r.first_col))})",
                   "keep one of the two rows, or correct the KPI or the period")
        return ok & ~dup.reindex(recs.index, fill_value=False)

    # ---------------------------------------------------------------- what would change
    def _plan(self, recs: pd.DataFrame, fields: tuple[str, ...], user: str,
              now: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
        spec = TABLES[self.table]
        current = self.frames[self.table]
        batch = pd.DataFrame({"kpi_id": recs["kpi_id"], "period": recs["period_id"],
                              "scorecard_id": recs["kpi_id"].map(self.kpis.set_index("kpi_id")["scorecard_id"])})
        for f in fields:
            batch[f] = recs[f].map(_note_text) if f == "note" else recs[f].astype("float64")
        merged = batch.merge(current, on=_KEY, how="left", suffixes=("", "_old"), indicator=True)
        merged["scorecard_id"] = batch["scorecard_id"].to_numpy()
        changed = pd.Series(False, index=merged.index)
        for f in fields:
            old = merged[f"{f}_old"]
            same = (merged[f] == old).fillna(False).astype(bool) | (merged[f].isna() & old.isna())
            changed |= ~same
        new = (merged["_merge"] == "left_only").to_numpy()
        change = np.where(new, "new", np.where(changed, "updated", "unchanged"))
        where = [_short(self.raw.location(r, c)) for r, c in
                 zip(recs["row"], recs[self.cell_col], strict=True)]
        changes = merged[["kpi_id", "period", "scorecard_id", *fields]].copy()
        changes.insert(0, "change", pd.Categorical(change, categories=list(CHANGES)))
        for f in fields:
            changes[f"old_{f}"] = merged[f"{f}_old"].where(change == "updated")
        changes["where"] = where
        save = merged[change != "unchanged"].copy()
        for f in spec.names:
            if f not in save.columns:
                save[f] = None
        if self.table == "actuals":
            save["entered_by"], save["entered_at"] = user, now
        save["revision"] = save["revision"].fillna(0).astype("int64")
        records = save[[*spec.names, "revision"]].reset_index(drop=True)
        self._store_rules(records, pd.Series(where, dtype=object)[change != "unchanged"].reset_index(drop=True),
                          recs[change != "unchanged"].reset_index(drop=True))
        return changes, records

    def _store_rules(self, records: pd.DataFrame, where: pd.Series, recs: pd.DataFrame) -> None:
        """Problems the store would refuse the records for (e.g. a target without a red flag)."""
        if records.empty:  # nothing would be saved, so nothing the store could refuse
            return
        spec = TABLES[self.table]
        typed, problems = coerce(spec, records)
        if not problems:
            before = {p.identity for p in check_plan(self.frames)}
            current = self.frames[self.table]
            keys = pd.MultiIndex.from_frame(typed[_KEY])
            kept = current[~pd.MultiIndex.from_frame(current[_KEY]).isin(keys)] if len(current) else current
            frames = {**self.frames, self.table: pd.concat([kept, typed.drop(columns="revision")], ignore_index=True)}
            problems = [p for p in check_plan(frames) if p.identity not in before]
        pairs = zip(records["kpi_id"], records["period"], strict=True)
        rows: dict[tuple[str, ...], int] = {(str(k), str(p)): i for i, (k, p) in enumerate(pairs)}
        for p in problems:
            self.problems.append(self._from_store_problem(p, rows.get(p.key), recs))

    def _from_store_problem(self, problem: Problem, pos: int | None, recs: pd.DataFrame) -> ImportProblem:
        col = None
        if pos is None:
            location = Location(self.raw.file, sheet=self.raw.sheet)
        else:
            rec = recs.iloc[pos]
            col = rec.get(f"{problem.field}_col")
            col = None if col is None or pd.isna(col) else int(col)
            location = self.raw.location(int(rec["row"]), col)
        kpi, period = (*problem.key, "?", "?")[:2]
        value = plain(problem.value)
        where = f" (KPI '{kpi}', period {period})"
        if col is not None:
            return ImportProblem(location, value, problem.message + where, problem.fix)
        # The field is not in the file: its value is the one already saved (or none).
        subject = problem.field if value is None else f"the saved {problem.field} ({value})"
        return ImportProblem(location, None, f"{subject} {problem.message}{where}", problem.fix)


@dataclass(frozen=True)
class _Parsed:
    values: pd.Series
    percent: pd.Series
    bad: pd.Series
    blank: pd.Series
    raw: pd.Series
    ambiguous: pd.Series
    too_large: pd.Series


_DECIMAL_NAMES = {",": "a decimal comma", ".": "a decimal point"}
_GROUPING = {",": "thousands may be grouped with '.', a space or an apostrophe",
             ".": "thousands may be grouped with ',', a space or an apostrophe"}


def _readings(value: Any) -> dict[str, str]:
    """The number '1.234' or '8,950' is, read with each decimal separator: {',': ..., '.': ...}."""
    text = str(value).strip().removesuffix("%").strip()
    return {sep: "?" if (read := read_number(text, sep)) is None else f"{float(read):g}" for sep in (",", ".")}


def _two_readings(value: Any) -> str:
    """Why number text such as '1.234' is refused: the two numbers it can be."""
    read = _readings(value)
    sep = "," if "," in str(value) else "."
    other = "," if sep == "." else "."
    return (f"reads as {read[other]} ('{sep}' between thousands) or as {read[sep]} ({_DECIMAL_NAMES[sep]}), and "
            "no other number in the file shows which")


def _choices(value: Any) -> str:
    read = _readings(value)
    return f"--decimal . reads it as {read['.']}, --decimal , as {read[',']}"


def _numbers_read(separators: Separators, any_text: bool, where: dict[int, str]) -> str:
    """How the file's numbers were read, for the report: the separators and why."""
    if not any_text:
        return "Numbers: number cells of the workbook (no text, so no separators to read)."
    if separators.conflict is not None:
        return "Numbers: the file mixes decimal commas and decimal points (see the problems below)."
    if separators.decimal is None:
        return "Numbers: no decimal separator in any of them (they read the same with a comma or a point)."
    decimal = separators.decimal
    reason = "as chosen" if separators.given else (
        f"as the file shows: {separators.example[1]!r} at {where[separators.example[0]]}"
        if separators.example is not None else "")
    return f"Numbers: read with {_DECIMAL_NAMES[decimal]} ({_GROUPING[decimal]}), {reason}."


def _empty_changes(fields: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=["change", "kpi_id", "period", "scorecard_id", *fields,
                                 *(f"old_{f}" for f in fields), "where"])


def _shown(value: Any) -> Any:
    """The value as shown in a problem: None for blanks, else the cell's own value."""
    return None if _id_text(value) is None else plain(value)


def _id_text(value: Any) -> str | None:
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _name_key(value: Any) -> str | None:
    text = _id_text(value)
    return None if text is None else " ".join(text.casefold().split())


def _note_text(value: Any) -> str | None:
    return _id_text(value)


def _horizon(start: Any, end: Any) -> str:
    return f"{start if isinstance(start, str) else '…'} to {end if isinstance(end, str) else '…'}"


def _short(location: Location) -> str:
    if location.cell is not None:
        return location.cell
    return f"{'line' if location.sheet is None else 'row'} {location.line}"
