"""A corpus of hostile files for ``bsc import``, each with the exit code and the message it must give.

Every file is broken, odd or misleading in one way: compressed, another kind of document,
another encoding, a text file named .xlsx, a damaged workbook, hidden sheets, formulas
without stored results, numbers that read two ways or overflow, partial targets files, …
None may crash with a traceback and none may write to the store (tests/test_hostile_files.py
runs them).  Run it as a script to write the files and print the table::

    python tests/hostile_files.py /tmp/hostile

The store they are imported into is :func:`plans.make_plan` with units (``rev``: monthly,
EUR k; ``churn``: quarterly, %).
"""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import io
import lzma
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook


@dataclass(frozen=True)
class Case:
    """One hostile file: its name, how to make its bytes, the extra ``bsc import`` options, and what must happen."""

    name: str
    make: Callable[[], bytes]
    exit_code: int
    fragment: str
    options: tuple[str, ...] = field(default=())


def text(content: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: content.encode(encoding)


def raw(content: bytes) -> Callable[[], bytes]:
    return lambda: content


def workbook(*sheets: tuple[str, list[list[Any]]], hidden: tuple[str, ...] = (),
             setup: Callable[[Workbook], None] | None = None) -> Callable[[], bytes]:
    """An xlsx written by openpyxl: sheets by name and rows; ``hidden`` sheets get sheet_state 'hidden'."""
    def make() -> bytes:
        book = Workbook()
        first = book.active
        assert first is not None
        book.remove(first)
        for name, rows in sheets:
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
            if name in hidden:
                sheet.sheet_state = "hidden"
        if setup is not None:
            setup(book)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    return make


def rezipped(make: Callable[[], bytes], change: Callable[[str, bytes], bytes | None]) -> Callable[[], bytes]:
    """The workbook of ``make`` with each part passed through ``change`` (None drops the part)."""
    def remake() -> bytes:
        source = zipfile.ZipFile(io.BytesIO(make()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                data = change(info.filename, source.read(info.filename))
                if data is not None:
                    target.writestr(info.filename, data)
        return out.getvalue()
    return remake


def zipped(**members: bytes) -> Callable[[], bytes]:
    def make() -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in members.items():
                archive.writestr(name.replace("__", "."), data)
        return out.getvalue()
    return make


GOOD = "kpi,period,value\nrev,2026-02,12.5\n"
GOOD_ROWS: list[list[Any]] = [["kpi", "period", "value"], ["rev", "2026-02", 12.5]]


def _first_half(make: Callable[[], bytes]) -> Callable[[], bytes]:
    return lambda: make()[: len(make()) // 2]


def _uncached_formula(book: Workbook) -> None:
    sheet = book["Data"]
    sheet["C2"] = "=1+1"


def _error_cell(book: Workbook) -> None:
    cell = book["Data"]["C2"]
    cell.value = "#DIV/0!"
    cell.data_type = "e"


def _all_hidden(name: str, data: bytes) -> bytes:
    return data.replace(b'state="visible"', b'state="hidden"') if name == "xl/workbook.xml" else data


CASES: list[Case] = [
    # -- not CSV or xlsx at all
    Case("gzip.csv", lambda: gzip.compress(GOOD.encode(), mtime=0), 1, "is a gzip-compressed file"),
    Case("bzip2.csv", lambda: bz2.compress(GOOD.encode()), 1, "is a bzip2-compressed file"),
    Case("xz.csv", lambda: lzma.compress(GOOD.encode()), 1, "is an xz-compressed file"),
    Case("archive.7z.csv", raw(b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24), 1, "is a 7-Zip archive"),
    Case("report.pdf.csv", raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), 1, "is a PDF document"),
    Case("old-office.xlsx", raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504), 1, "is an old Office file"),
    Case("text.xls", text(GOOD), 1, "is an old Excel 97-2003 file"),
    Case("sheet.ods", zipped(mimetype=b"application/vnd.oasis.opendocument.spreadsheet"), 1,
         "is an OpenDocument spreadsheet"),
    Case("parquet.csv", raw(b"PAR1\x15\x04\x15"), 1, "is a parquet file"),
    # -- text named .xlsx, damaged workbooks
    Case("text-renamed.xlsx", text(GOOD), 1, "is not an Excel workbook: it holds text (it starts 'kpi,period,value')"),
    Case("empty.xlsx", raw(b""), 1, "is not an Excel workbook: it holds no data"),
    Case("truncated.xlsx", _first_half(workbook(("Data", GOOD_ROWS))), 1, "is damaged: it is not a complete ZIP"),
    Case("zip-of-csv.xlsx", zipped(actuals__csv=GOOD.encode()), 1, "is a ZIP file but not an Excel workbook"),
    Case("broken-workbook-xml.xlsx",
         rezipped(workbook(("Data", GOOD_ROWS)), lambda n, d: b"<workbook" if n == "xl/workbook.xml" else d), 1,
         "cannot be read as an Excel workbook"),
    Case("broken-sheet-xml.xlsx",
         rezipped(workbook(("Data", GOOD_ROWS)),
                  lambda n, d: d[: len(d) // 2] if n.startswith("xl/worksheets/") else d), 1,
         "cannot be read as an Excel workbook"),
    # -- encodings
    Case("utf16-no-mark.csv", text(GOOD, "utf-16-le"), 1, "is UTF-16 text without a byte-order mark"),
    Case("utf16-broken.csv", raw(b"\xff\xfe" + "kpi".encode("utf-16-le") + b"\x00\xd8"), 1,
         "starts with the mark of UTF-16 text but is not UTF-16"),
    Case("binary.csv", raw(bytes(range(256)) * 4), 1, "is not text (it holds NUL bytes)"),
    Case("not-windows.csv", raw(b"kpi,period,value\nrev,2026-02,1\x81\x8d\n"), 1,
         "is neither UTF-8 nor Windows-1252 text (byte 30, 0x81"),
    Case("utf16-with-mark.csv", text("kpi\tperiod\tvalue\nRevenu\t2026-02\t1\n", "utf-16"), 1,
         "Read as CSV: UTF-16, columns separated by tabs"),
    Case("windows-1252.csv", text("kpi;period;value;note\nrevenu;2026-02;1;café\n", "cp1252"), 1,
         "Read as CSV: Windows-1252 (the file is not UTF-8), columns separated by semicolons"),
    # -- empty and header-only
    Case("empty.csv", raw(b""), 1, "is empty"),
    Case("blank-lines.csv", text("\n ,, \n\n"), 1, "is empty"),
    Case("header-only.csv", text("kpi,period,value\n"), 1, "has a header row (line 1) but no rows of values"),
    Case("header-only.xlsx", workbook(("Data", [["kpi", "period", "value"]])), 1,
         "has a header row (row 1) but no rows of values"),
    Case("empty-sheet.xlsx", workbook(("Data", [])), 1, "sheet 'Data' is empty"),
    Case("huge-field.csv", text('kpi,period,value\nrev,2026-02,"' + "9" * 200_000 + '"\n'), 1,
         "line 2: the CSV cannot be read (field larger than field limit"),
    Case("values-all-blank.csv", text("kpi,period,value\nrev,2026-02,\nrev,2026-03, \n"), 0,
         "Skipped 2 row(s) with no value.\nNothing to save: the file holds no values."),
    Case("no-columns.csv", text("a,b\n1,2\n"), 1, "has no KPI column (columns are: 'a', 'b')"),
    # -- sheets
    Case("hidden-first-sheet.xlsx", workbook(("Old", GOOD_ROWS), ("Data", [GOOD_ROWS[0], ["rev", "2026-02", "x"]]),
                                             hidden=("Old",)), 1, "Skipped hidden sheet 'Old'"),
    Case("hidden-actuals-sheet.xlsx",
         workbook(("Data", [GOOD_ROWS[0], ["nope", "2026-02", 1]]), ("actuals", GOOD_ROWS), hidden=("actuals",)), 1,
         "Skipped hidden sheet 'actuals'; name one with --sheet to read it"),
    Case("every-sheet-hidden.xlsx", rezipped(workbook(("Data", GOOD_ROWS)), _all_hidden), 1,
         "every sheet is hidden ('Data'). Fix: name the sheet to read with --sheet"),
    Case("unknown-sheet.xlsx", workbook(("Data", GOOD_ROWS)), 2, "has no sheet 'Nope'. Fix: use one of: Data",
         ("--sheet", "Nope")),
    Case("sheet-of-a-csv.csv", text(GOOD), 2, "is a CSV file, which has no sheets", ("--sheet", "Data")),
    # -- cells
    Case("formula-without-result.xlsx", workbook(("Data", GOOD_ROWS), setup=_uncached_formula), 1,
         "cell C2: '=1+1' is a formula without a stored result"),
    Case("error-cell.xlsx", workbook(("Data", GOOD_ROWS), setup=_error_cell), 1, "'#DIV/0!' is not a number"),
    Case("boolean-cell.xlsx", workbook(("Data", [GOOD_ROWS[0], ["rev", "2026-02", True]])), 1,
         "cell C2: True is not a number"),
    Case("huge-number-cell.xlsx", workbook(("Data", [GOOD_ROWS[0], ["rev", "2026-02", 1e308],
                                                     ["rev", "2026-03", 1e308]])), 1,
         "cell C2: 1e+308 is larger than a KPI value may be"),
    # -- numbers
    Case("reads-two-ways.csv", text("kpi;period;value\nrev;2026-02;1.234\n"), 1,
         "'1.234' reads as 1234 ('.' between thousands) or as 1.234 (a decimal point)"),
    Case("mixed-decimals.csv", text("kpi;period;value\nrev;2026-02;12,5\nrev;2026-03;0.75\n"), 1,
         "has numbers with a decimal comma ('12,5' at line 2) and numbers with a decimal point ('0.75' at line 3)"),
    Case("comma-chosen-point-written.csv", text("kpi,period,value\nrev,2026-02,12.5\n"), 1,
         "'12.5' is not a number", ("--decimal", ",")),
    Case("overflow.csv", text("kpi,period,value\nrev,2026-02,1e308\nrev,2026-03,1e308\n"), 1,
         "line 2, column 'value': '1e308' is larger than a KPI value may be"),
    Case("exponent-too-big.csv", text("kpi,period,value\nrev,2026-02,1e999\n"), 1, "'1e999' is larger than"),
    Case("not-finite.csv", text("kpi,period,value\nrev,2026-02,inf\nrev,2026-03,NaN\n"), 1,
         "line 3, column 'value': 'NaN' is not a number"),
    Case("other-digits.csv", text("kpi,period,value\nrev,2026-02,١٢\n"), 1, "'١٢' is not a number"),
    Case("bad-grouping.csv", text('kpi,period,value\nrev,2026-02,"1,23,456"\n'), 1, "'1,23,456' is not a number"),
    Case("neutralised-formula-as-value.csv", text("kpi,period,value\nrev,2026-02,'=1+1\n"), 1,
         "'=1+1' is not a number"),
    Case("percent-for-money.csv", text("kpi,period,value\nrev,2026-02,12 %\n"), 1,
         "is a percentage, but KPI 'rev' is measured in 'EUR k'"),
    Case("no-decimal-choice.csv", text(GOOD), 2, "Invalid value for '--decimal'", ("--decimal", ";")),
    # -- rows
    Case("duplicate-rows.csv", text("kpi,period,value\nrev,2026-02,1\nrev,2026-02,2\n"), 1,
         "a duplicate row (first given at line 2)"),
    Case("bad-period.csv", text("kpi,period,value\nrev,2026-13,1\n"), 1, "'2026-13' is not a period or a date"),
    Case("blank-kpi.csv", text("kpi,period,value\n  ,2026-02,1\n"), 1, "no KPI is given"),
    Case("excel-date-in-wrong-year.xlsx",
         workbook(("Data", [GOOD_ROWS[0], ["rev", dt.datetime(2040, 1, 31), 1]])), 1,
         "is outside the horizon of scorecard 'org'"),
    # -- partial targets files (only some columns change)
    Case("targets-red-flag-only.csv", text("kpi,period,red_flag\nrev,2026-02,x\n"), 1,
         "column 'red_flag': 'x' is not a number", ("--targets",)),
    Case("targets-tolerance-only.csv", text("kpi,period,tolerance\nrev,2026Q1,1\n"), 1,
         "is a quarterly period, but KPI 'rev' is measured monthly", ("--targets",)),
    Case("targets-red-flag-without-target.csv", text("kpi,period,red_flag\nrev,2026-05,80\n"), 1,
         "line 2: target is required (KPI 'rev', period 2026-05)", ("--targets",)),
]


def write_corpus(folder: Path) -> list[tuple[Case, Path]]:
    """Write every file of :data:`CASES` into ``folder``; return each case with its path."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for case in CASES:
        path = folder / case.name
        path.write_bytes(case.make())
        written.append((case, path))
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files")
    for case, path in write_corpus(target):
        print(f"{path}\texit {case.exit_code}\t{' '.join(case.options)}\t{case.fragment}")
