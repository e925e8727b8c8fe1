"""Read a CSV or Excel (.xlsx) file into a grid of raw cells that remembers where each cell came from.

Nothing is interpreted here except the file format itself: CSV encoding and delimiter
(from the header line), the neutralised formula text of our CSV exports
(:mod:`~bsc_widgets.io.csv_safe`), the header row, blank rows, hidden sheets, Excel
cells formatted as percentages and formulas without a stored result.  Files that are
something else (compressed, PDF, UTF-16 without a mark, damaged workbooks) raise
:class:`~bsc_widgets.errors.UnreadableFileError` saying what they are.  What the cells
mean (KPIs, periods, numbers) is decided by :mod:`bsc_widgets.io.importer`.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import BscError, InputError, UnreadableFileError
from ..render.xlsx import text_from_cell
from .csv_safe import restore

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
    notes: tuple[str, ...] = ()
    """How the file was read (encoding and separator, sheets skipped), for the import report."""
    formulas: tuple[tuple[int | None, int, str], ...] = ()
    """Formula cells without a stored result: (data row position or None for the header, column, formula)."""

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

    For workbooks, ``sheet`` picks the sheet (hidden or not); otherwise the first visible
    sheet among ``preferred_sheets``, else the first visible sheet (hidden sheets are
    skipped, and the sheet's ``notes`` say so).  A file that is not CSV or xlsx text —
    compressed, another kind of document, an unknown encoding — raises
    :class:`~bsc_widgets.errors.UnreadableFileError` naming what it is.
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
    kind = _other_kind(data)
    if kind is not None:
        raise UnreadableFileError(f"{name} is {kind}, not a CSV file or an Excel workbook. Fix: "
                                  + _KIND_FIXES.get(kind, "save the data as .xlsx (Excel workbook) or CSV UTF-8."))
    if suffix == ".xls":
        raise UnreadableFileError(f"{name} is an old Excel 97-2003 file. Fix: save it as .xlsx (Excel workbook) "
                                  "or CSV.")
    if suffix == ".ods":
        raise UnreadableFileError(f"{name} is an OpenDocument spreadsheet (.ods). Fix: save it as .xlsx (Excel "
                                  "workbook) or CSV in LibreOffice.")
    if data[:2] == b"PK":
        return _read_workbook(data, name, sheet, preferred_sheets)
    if suffix in EXCEL_SUFFIXES:
        raise UnreadableFileError(f"{name} is not an Excel workbook: it holds {_what_text(data)}. Fix: if it is a "
                                  "CSV file, name it .csv; otherwise open it in Excel or LibreOffice and save it "
                                  "as .xlsx.")
    if sheet is not None:
        raise InputError(f"--sheet {sheet!r} was given but {name} is a CSV file, which has no sheets. "
                         "Fix: leave out --sheet.")
    return _read_csv(data, name)


_MAGIC = (
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (Excel 97-2003 .xls or similar)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PAR1", "a parquet file"),
    (b"{\\rtf", "an RTF document"),
)
_KIND_FIXES = {
    "an old Office file (Excel 97-2003 .xls or similar)": "save it as .xlsx (Excel workbook) or CSV.",
    "a parquet file": "import a CSV or .xlsx export of it (bsc export writes parquet for other tools).",
}
for _magic, _kind in _MAGIC:
    if "compressed" in _kind or "archive" in _kind:
        _KIND_FIXES[_kind] = "unpack it first (e.g. gunzip, 7-Zip) and import the CSV or .xlsx file inside."


def _other_kind(data: bytes) -> str | None:
    """What the file is when its first bytes say it is neither CSV text nor an xlsx workbook."""
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def _what_text(data: bytes) -> str:
    """A few words on what a file that is not a workbook holds (for the message)."""
    try:
        text, _ = _decode(data, "")
    except UnreadableFileError:
        return "something that is neither a workbook nor text"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"text (it starts {first[:40]!r})" if first else "no data (it is empty)"


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
         (b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16"),
         (b"\xef\xbb\xbf", "utf-8", "UTF-8"))


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding: UTF-8/16/32 by their mark, UTF-8, or Windows-1252."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), label
            except UnicodeDecodeError as exc:
                raise UnreadableFileError(f"{name} starts with the mark of {label} text but is not {label} "
                                          f"(byte {exc.start + len(bom)} cannot be read). Fix: save it as CSV "
                                          "UTF-8.") from None
    sample = data[:4096]
    if b"\x00" in sample:
        zeros = sample[1::2].count(0) + sample[0::2].count(0)
        what = ("UTF-16 text without a byte-order mark" if zeros * 3 >= len(sample) and
                (sample[1::2].count(0) * 4 >= len(sample) or sample[0::2].count(0) * 4 >= len(sample))
                else "not text (it holds NUL bytes)")
        raise UnreadableFileError(f"{name} is {what}. Fix: save it as CSV UTF-8 (Excel: 'CSV UTF-8 (comma "
                                  "delimited)').")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (the file is not UTF-8)"
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"{name} is neither UTF-8 nor Windows-1252 text (byte {exc.start}, "
                                  f"0x{data[exc.start]:02X}, is neither). Fix: save it as CSV UTF-8.") from None


_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'"}


def _delimiter(text: str) -> str:
    """The column separator: the one the header line (the first non-empty line) uses most; a comma if none."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, name: str) -> RawSheet:
    text, encoding = _decode(data, name)
    delimiter = _delimiter(text)
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
        raise UnreadableFileError(f"{name}, line {reader.line_num}: the CSV cannot be read ({exc}). Fix: check the "
                                  "quotes on that line.") from None
    if not rows:
        raise UnreadableFileError(f"{name} is empty. Fix: put a header row and one row per value in the file.")
    header = [h.strip() for h in rows[0]]
    width = max(len(header), *(len(r) for r in rows))
    header += [""] * (width - len(header))
    body = [[restore(c) for c in r] + [""] * (width - len(r)) for r in rows[1:]]
    cells = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(columns=range(width))
    note = f"Read as CSV: {encoding}, columns separated by {_DELIMITER_NAMES[delimiter]}."
    return RawSheet(name, None, header, lines[0], cells, lines[1:],
                    pd.DataFrame(False, index=cells.index, columns=cells.columns), delimiter, (note,))


def _read_workbook(data: bytes, name: str, sheet: str | None, preferred: tuple[str, ...]) -> RawSheet:
    """Read one sheet of an xlsx workbook; every way a damaged file fails becomes one plain message."""
    try:
        return _read_book(data, name, sheet, preferred)
    except (BscError, MemoryError):
        raise
    except zipfile.BadZipFile:
        raise UnreadableFileError(f"{name} is damaged: it is not a complete ZIP file, which an .xlsx workbook is "
                                  "(a download cut short?). Fix: get the file again, or save it again as .xlsx.") \
            from None
    except KeyError:
        raise UnreadableFileError(f"{name} is a ZIP file but not an Excel workbook (it has no workbook inside). "
                                  "Fix: unpack it if it is an archive, or save the data as .xlsx or CSV.") from None
    except Exception as exc:  # a hostile workbook can fail in any of openpyxl's parsers
        raise UnreadableFileError(f"{name} cannot be read as an Excel workbook ({type(exc).__name__}: "
                                  f"{str(exc)[:200]}). Fix: open it in Excel or LibreOffice and save it again as "
                                  ".xlsx, or export the sheet as CSV.") from None


def _read_book(data: bytes, name: str, sheet: str | None, preferred: tuple[str, ...]) -> RawSheet:
    from openpyxl import load_workbook
    from openpyxl.cell.read_only import ReadOnlyCell

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        names = list(book.sheetnames)
        hidden = [n for n in names if getattr(book[n], "sheet_state", "visible") != "visible"]
        notes: list[str] = []
        if sheet is None:
            visible = [n for n in names if n not in hidden]
            if not visible:
                raise UnreadableFileError(f"{name}: every sheet is hidden ({', '.join(map(repr, names))}). Fix: "
                                          "name the sheet to read with --sheet.")
            lowered = {n.lower(): n for n in visible}
            chosen = next((lowered[p] for p in preferred if p in lowered), visible[0])
            if hidden:
                notes.append(f"Skipped hidden sheet{'s' if len(hidden) > 1 else ''} "
                             f"{', '.join(map(repr, hidden))}; name one with --sheet to read it.")
        elif sheet in names:
            chosen = sheet
            if sheet in hidden:
                notes.append(f"Read hidden sheet '{sheet}' (named with --sheet).")
        else:
            raise InputError(f"{name} has no sheet {sheet!r}. Fix: use one of: {', '.join(names)}.")
        grid: list[list[Any]] = []
        percent: list[list[bool]] = []
        numbers: list[int] = []
        maybe_formulas: set[tuple[int, int]] = set()
        for row in book[chosen].iter_rows():
            values = [_cell_value(c) for c in row]
            empty = [isinstance(c, ReadOnlyCell) and c.value is None for c in row]
            if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values) or any(empty):
                number = next((c.row for c in row if getattr(c, "row", None)), 0)
                maybe_formulas |= {(number, j) for j, e in enumerate(empty) if e}
                if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
                    grid.append(values)
                    percent.append(["%" in str(getattr(c, "number_format", "") or "") for c in row])
                    numbers.append(number)
    finally:
        book.close()
    uncalculated = _uncalculated(data, chosen, maybe_formulas) if maybe_formulas else {}
    if not grid and not uncalculated:
        raise UnreadableFileError(f"{name}, sheet '{chosen}' is empty. Fix: pick the sheet with the data (--sheet).")
    for number in sorted({r for r, _ in uncalculated} - set(numbers)):
        spot = next((i for i, n in enumerate(numbers) if n > number), len(numbers))
        numbers.insert(spot, number)
        grid.insert(spot, [])
        percent.insert(spot, [])
    width = max(len(r) for r in grid)
    grid = [r + [None] * (width - len(r)) for r in grid]
    percent = [p + [False] * (width - len(p)) for p in percent]
    header = ["" if v is None else str(v).strip() for v in grid[0]]
    cells = pd.DataFrame(grid[1:], columns=range(width), dtype=object) if len(grid) > 1 \
        else pd.DataFrame(columns=range(width), dtype=object)
    flags = pd.DataFrame(percent[1:], columns=range(width), dtype=bool) if len(grid) > 1 \
        else pd.DataFrame(columns=range(width), dtype=bool)
    formulas = tuple((None if r == numbers[0] else numbers.index(r) - 1, c, text)
                     for (r, c), text in sorted(uncalculated.items()))
    return RawSheet(name, chosen, header, numbers[0], cells, numbers[1:], flags, None, tuple(notes), formulas)


def _cell_value(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    return text_from_cell(value) if isinstance(value, str) else value


def _uncalculated(data: bytes, sheet: str, spots: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The formulas (by row number and column position) among ``spots`` that have no stored result."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        found = {}
        for row in book[sheet].iter_rows():
            for j, cell in enumerate(row):
                number = getattr(cell, "row", None)
                if number is not None and (number, j) in spots and getattr(cell, "data_type", None) == "f":
                    found[(number, j)] = str(cell.value)
        return found
    finally:
        book.close()
