"""The Excel workbook of a plan: an About sheet, a scorecard sheet per review period, a sheet per table.

Scorecard sheets show, for every scorecard, its perspectives, objectives and KPIs with
actual, target, red flag, score, status (coloured), colour band (in the band's colour, with
the scorecard's bands as a legend below), trend, forecast, the roll-up method and what the
missing-data policy filled, as scored by
:func:`~bsc_widgets.scoring.score_review`.  Table sheets hold each table's records with
the store's column names; the ``actuals`` and ``targets`` sheets can be edited and
imported back with ``bsc import``.  This module only draws: what goes in is gathered by
:func:`bsc_widgets.io.exports.export_workbook`.

Every text is written as a text cell, never as a formula: a title such as
``=HYPERLINK("http://x","click")`` stays text in Excel and LibreOffice.  Characters XML
cannot hold (control characters, a carriage return) are written the way Excel writes
them (``_x000D_``, OOXML's ST_Xstring escaping) and :func:`text_from_cell` reads them back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputError
from ..model.bands import BandScheme, scheme
from ..model.values import plain
from ..scoring import Review
from ..scoring.bands import card_schemes
from .theme import ROLLUP_WORDS, STATUS_COLOURS, legend, text_on, tint, trend_symbol

STATUS_FILLS = {status: tint(colour, 0.35) for status, colour in STATUS_COLOURS.items()}
"""Cell fill of each status: a light tint of the theme's status colour."""
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SCORE_COLUMNS = ["level", "id", "name", "actual", "target", "red flag", "unit", "score", "status", "band", "trend",
                 "forecast", "coverage", "roll-up", "missing data", "calculated as"]
_WIDTHS = (12, 16, 60, 12, 12, 12, 10, 8, 11, 11, 9, 18, 10, 14, 30, 40)
LINEAGE_HEADERS = ["period", "calculated KPI", "expression", "actual", "why blank", "input", "input name",
                   "input actual", "input target", "input red flag", "input unit"]
"""Columns of the Lineage sheet: how each calculated KPI was computed, one row per input and period."""


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_TO_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def text_for_cell(text: str) -> str:
    """``text`` as an xlsx text cell holds it: control characters and ``_xHHHH_`` written as ``_xHHHH_``."""
    return _TO_ESCAPE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def text_from_cell(text: str) -> str:
    """The text an xlsx text cell stands for (undoes :func:`text_for_cell` and Excel's own escaping)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append ``values`` as a row; every text becomes a text cell (never a formula, whatever it starts with)."""
    sheet.append([text_for_cell(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def write_workbook(path: str | os.PathLike[str], frames: Mapping[str, pd.DataFrame], review: Review | None, *,
                   source: str, scorecard: str | None = None) -> Path:
    """Write the workbook of ``frames`` (one sheet per table) and ``review`` (one sheet per period) to ``path``.

    ``source`` names where the data came from (the store's location), shown on the About sheet.
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise InputError(f"{target} does not end in .xlsx. Fix: name the workbook like scorecard.xlsx.")
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "About"
    _about(about, source, review, scorecard)
    if review is not None:
        schemes = card_schemes(frames["scorecards"]) if "scorecards" in frames else {}
        for period in review.periods:
            _scorecard_sheet(book.create_sheet(f"Scorecard {period}"), review, period, schemes)
        if not review.lineage.empty:
            _lineage_sheet(book.create_sheet("Lineage"), review.lineage)
    for name, frame in frames.items():
        _table_sheet(book.create_sheet(name), frame)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def _about(sheet: Worksheet, source: str, review: Review | None, scorecard: str | None) -> None:
    now = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        ("Exported from", source),
        ("Exported at", now),
        ("Scorecard", scorecard or "every scorecard"),
        ("Review periods", ", ".join(review.periods) if review is not None else "none (no actuals yet)"),
        ("", ""),
        ("Sheets", "'Scorecard <period>': scores 0-10, status colours, trend against the previous period."),
        ("", "'Lineage' (when there are calculated KPIs): each calculated KPI's expression and its inputs' "
             "values per period."),
        ("", "One sheet per table of the store (same column names as the store)."),
        ("Import back", "Edit values in the 'actuals' or 'targets' sheet, save, then run "
                        "`bsc import --store DIR THIS.xlsx` (add --targets for targets)."),
        ("", "Columns revision, saved_at, saved_by, entered_by and entered_at are ignored on import."),
    ]
    for row in rows:
        append_row(sheet, row)
    for cell in sheet["A"]:
        cell.font = BOLD
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100


def _scorecard_sheet(sheet: Worksheet, review: Review, period: str, schemes: Mapping[str, BandScheme]) -> None:
    in_period = {level: frame[frame["period"] == period] for level, frame in review.tables().items()}
    for card in in_period["scorecards"].itertuples():
        append_row(sheet, [f"{card.name} [{card.scorecard_id}] — review {period}"])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=14)
        append_row(sheet, SCORE_COLUMNS)
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = BOLD, HEADER_FILL
        _score_row(sheet, "scorecard", card.scorecard_id, card.name, card, None, "", BOLD)
        sid = card.scorecard_id
        objectives = in_period["objectives"][in_period["objectives"]["scorecard_id"] == sid]
        kpis = in_period["kpis"][in_period["kpis"]["scorecard_id"] == sid]
        for persp in in_period["perspectives"][in_period["perspectives"]["scorecard_id"] == sid].itertuples():
            _score_row(sheet, "perspective", persp.perspective_id, persp.name, persp, None, "", BOLD)
            for obj in objectives[objectives["perspective_id"] == persp.perspective_id].itertuples():
                _score_row(sheet, "objective", obj.objective_id, "  " + obj.title, obj, None, "", None)
                for kpi in kpis[kpis["objective_id"] == obj.objective_id].itertuples():
                    _score_row(sheet, "kpi", kpi.kpi_id, "    " + kpi.name, kpi, kpi, kpi.unit, None)
        sheet.append([])
        _legend(sheet, schemes.get(str(sid), scheme(None)))
        sheet.append([])
    sheet.freeze_panes = "A3"
    for j, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = width


def _legend(sheet: Worksheet, bands: BandScheme) -> None:
    """The scorecard's colour bands, highest first: each band name in its colour with its score range."""
    append_row(sheet, ["Colour bands", "score 0-10"])
    sheet.cell(sheet.max_row, 1).font = BOLD
    for name, colour, span in legend(bands):
        append_row(sheet, ["", name, span])
        _paint(sheet.cell(sheet.max_row, 2), colour)


def _paint(cell: Any, colour: str) -> None:
    """Fill ``cell`` with a band colour, its text in the colour that reads on it."""
    cell.fill = PatternFill("solid", fgColor=colour.lstrip("#").upper())
    cell.font = Font(bold=True, color=text_on(colour).lstrip("#").upper())


def _score_row(sheet: Worksheet, level: str, ident: str, name: str, row: Any, kpi: Any, unit: Any,
               font: Font | None) -> None:
    values: list[Any] = [level, ident, name]
    if kpi is not None:
        target = kpi.target if kpi.polarity != "range" else None
        values += [_as_float(kpi.actual), _as_float(target), _as_float(kpi.red_flag),
                   unit if isinstance(unit, str) else None]
    else:
        values += [None, None, None, None]
    status = str(row.status)
    values += [_as_float(row.score), status, str(row.band) or None,
               (trend_symbol(row.trend) if str(row.trend) else ""),
               str(kpi.forecast) if kpi is not None else None,
               None if kpi is not None else _as_float(row.coverage),
               None if kpi is not None else ROLLUP_WORDS.get(str(row.rollup)), _filled(kpi), _calculated_as(kpi)]
    append_row(sheet, values)
    number = sheet.max_row
    decimals = int(kpi.decimals) if kpi is not None and not pd.isna(kpi.decimals) else 1
    for col in (4, 5, 6):
        sheet.cell(number, col).number_format = "#,##0" + ("." + "0" * decimals if decimals else "")
    sheet.cell(number, 8).number_format = "0.0"
    sheet.cell(number, SCORE_COLUMNS.index("coverage") + 1).number_format = "0%"
    fill = PatternFill("solid", fgColor=STATUS_FILLS.get(status, "FFFFFF"))
    for col in (8, 9):
        sheet.cell(number, col).fill = fill
    if str(row.band_colour).startswith("#"):
        _paint(sheet.cell(number, SCORE_COLUMNS.index("band") + 1), str(row.band_colour))
    sheet.cell(number, 3).alignment = Alignment(indent=0)
    if font is not None:
        for col in range(1, len(values) + 1):
            sheet.cell(number, col).font = font


def _calculated_as(kpi: Any) -> str | None:
    """``revenue / [head-count]`` for a calculated KPI, with why it is blank when it is."""
    expression = getattr(kpi, "expression", None)
    if not isinstance(expression, str) or not expression.strip():
        return None
    reason = getattr(kpi, "calc_missing", "")
    return expression + (f" (blank: {reason})" if isinstance(reason, str) and reason else "")


def _lineage_sheet(sheet: Worksheet, lineage: pd.DataFrame) -> None:
    append_row(sheet, LINEAGE_HEADERS)
    for cell in sheet[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for r in lineage.itertuples(index=False):
        append_row(sheet, [str(r.period), str(r.kpi_id), str(r.expression), _as_float(r.actual),
                           r.calc_missing or None, str(r.input_id), plain(r.input_name), _as_float(r.input_actual),
                           _as_float(r.input_target), _as_float(r.input_red_flag), plain(r.input_unit)])
    for letter, width in zip("ABCDEFGHIJK", (10, 22, 40, 12, 40, 18, 40, 12, 12, 12, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def _filled(kpi: Any) -> str | None:
    """What the missing-data policy did for a KPI row, in words (None when it measured its actual)."""
    filled = "" if kpi is None else str(kpi.filled)
    if filled == "carried":
        return f"no actual: {kpi.carried_from}'s carried forward"
    return {"zero": "no actual: scored 0", "red": "no actual: counted as red"}.get(filled)


def _as_float(value: Any) -> float | None:
    number = plain(value)
    return None if number is None else float(number)


def _table_sheet(sheet: Worksheet, frame: pd.DataFrame) -> None:
    columns = list(frame.columns)
    append_row(sheet, columns)
    for cell in sheet[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    data = {c: _cells(frame[c]) for c in columns}
    for i in range(len(frame)):
        append_row(sheet, [data[c][i] for c in columns])
    for j, column in enumerate(columns, start=1):
        letter = get_column_letter(j)
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
        longest = max([len(column), *(len(str(v)) for v in data[column][:200] if v is not None)])
        sheet.column_dimensions[letter].width = min(max(10, longest + 2), 60)
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame) + 1, 2)}"


def _cells(series: pd.Series) -> list[Any]:
    """Plain Python values for openpyxl: None for missing, naive UTC times (Excel has no time zones)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    values = series.astype(object).where(series.notna(), None).tolist()
    return [v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in values]
