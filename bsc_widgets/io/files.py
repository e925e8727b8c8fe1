"""Read a CSV or Excel (.xlsx) file into a grid of raw cells that remembers where each cell came from.

Nothing is interpreted here except the file format itself: CSV encoding and delimiter,
the header row, blank rows, and Excel cells formatted as percentages.  What the cells
mean (KPIs, periods, numbers) is decided by :mod:`bsc_widgets.io.importer`.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

Source = str | os.PathLike[str] | bytes
"""A file path, or the file's bytes (from an upload widget)."""

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Location:
    """Where a value sits in the imported file: a CSV line, or an Excel sheet and cell."""

    file: str
    line: int | None = None
    sheet: str | None = None
    cell: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.cell is not None:
            parts.append(f"cell {self.cell}")
        elif self.line is not None:
            parts.append(f"{'line' if self.sheet is None else 'row'} {self.line}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


@dataclass(frozen=True)
class RawSheet:
    """The cells below the header row, as read (text from CSV; numbers, dates and text from Excel).

    ``cells`` has one column per header position (0, 1, ...); ``rows`` holds the CSV line or
    Excel row number of each data row; ``percent`` marks Excel cells formatted as a percentage.
    """

    file: str
    sheet: str | None
    header: list[str]
    header_row: int
    cells: pd.DataFrame
    rows: list[int]
    percent: pd.DataFrame
    delimiter: str | None = None

    def location(self, row: int | None, col: int | None) -> Location:
        """Location of data row ``row`` (position; None for the header) and column position ``col``."""
        col = None if col is None else int(col)
        number = self.header_row if row is None else self.rows[int(row)]
        column = None if col is None else self.header[col]
        if self.sheet is None:
            return Location(self.file, line=number, column=column)
        from openpyxl.utils import get_column_letter

        cell = f"{get_column_letter(col + 1)}{number}" if col is not None else None
        return Location(self.file, line=number, sheet=self.sheet, cell=cell,
                        column=column if cell is None else None)


def read_sheet(source: Source, *, filename: str | None = None, sheet: str | None = None,
               preferred_sheets: tuple[str, ...] = ()) -> RawSheet:
    """Read ``source`` (a path or bytes; ``filename`` names bytes) into a :class:`RawSheet`.

    For workbooks, ``sheet`` picks the sheet; otherwise the first of ``preferred_sheets``
    that exists, else the first sheet.
    """
    if isinstance(source, bytes):
        name, data = filename or "upload", source
    else:
        path = Path(source)
        name = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}. Fix: check the file name.") from None
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise InputError(f"{name} is an old Excel 97-2003 file. Fix: save it as .xlsx (Excel workbook) or CSV.")
    if suffix in EXCEL_SUFFIXES or data[:2] == b"PK":
        return _read_workbook(data, name, sheet, preferred_sheets)
    if sheet is not None:
        raise InputError(f"--sheet {sheet!r} was given but {name} is a CSV file, which has no sheets. "
                         "Fix: leave out --sheet.")
    return _read_csv(data, name)


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name} is not a text file in UTF-8 or Windows encoding. Fix: save it as CSV UTF-8.")


def _read_csv(data: bytes, name: str) -> RawSheet:
    text = _decode(data, name)
    try:
        delimiter = csv.Sniffer().sniff(text[:20000], delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if any(cell.strip() for cell in record):
                rows.append(record)
                lines.append(start)
    except csv.Error as exc:
        raise InputError(f"{name}, line {reader.line_num}: the CSV cannot be read ({exc}). Fix: check the "
                         "quotes on that line.") from None
    if not rows:
        raise InputError(f"{name} is empty. Fix: put a header row and one row per value in the file.")
    header = [h.strip() for h in rows[0]]
    width = max(len(header), *(len(r) for r in rows))
    header += [""] * (width - len(header))
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    cells = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(columns=range(width))
    return RawSheet(name, None, header, lines[0], cells, lines[1:],
                    pd.DataFrame(False, index=cells.index, columns=cells.columns), delimiter)


def _read_workbook(data: bytes, name: str, sheet: str | None, preferred: tuple[str, ...]) -> RawSheet:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise InputError(f"{name} cannot be opened as an Excel workbook ({exc}). Fix: save it again as .xlsx "
                         "or export the sheet as CSV.") from None
    try:
        names = list(book.sheetnames)
        if sheet is None:
            lowered = {n.lower(): n for n in names}
            chosen = next((lowered[p] for p in preferred if p in lowered), names[0])
        elif sheet in names:
            chosen = sheet
        else:
            raise InputError(f"{name} has no sheet {sheet!r}. Fix: use one of: {', '.join(names)}.")
        grid: list[list[Any]] = []
        percent: list[list[bool]] = []
        numbers: list[int] = []
        for row in book[chosen].iter_rows():
            values = [getattr(c, "value", None) for c in row]
            if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
                grid.append(values)
                percent.append(["%" in str(getattr(c, "number_format", "") or "") for c in row])
                numbers.append(next(c.row for c in row if getattr(c, "row", None)))
    finally:
        book.close()
    if not grid:
        raise InputError(f"{name}, sheet '{chosen}' is empty. Fix: pick the sheet with the data (--sheet).")
    width = max(len(r) for r in grid)
    grid = [r + [None] * (width - len(r)) for r in grid]
    percent = [p + [False] * (width - len(p)) for p in percent]
    header = ["" if v is None else str(v).strip() for v in grid[0]]
    cells = pd.DataFrame(grid[1:], columns=range(width), dtype=object) if len(grid) > 1 \
        else pd.DataFrame(columns=range(width), dtype=object)
    flags = pd.DataFrame(percent[1:], columns=range(width), dtype=bool) if len(grid) > 1 \
        else pd.DataFrame(columns=range(width), dtype=bool)
    return RawSheet(name, chosen, header, numbers[0], cells, numbers[1:], flags)
