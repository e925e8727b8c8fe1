"""A LibreOffice re-save of an export keeps its text as text and imports back unchanged (xlsx and CSV).

LibreOffice (``soffice``, Debian's ``libreoffice-calc-nogui``) evaluates what it reads as a
formula; the exports must not give it any.  ``.ci/run`` installs it, so in CI (``CI=true``)
these tests run; on a machine without it they are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_formula_safe_exports import DANGEROUS, template, unchanged_on_reimport, with_texts  # noqa: F401

from bsc_widgets.io.exports import export_tables, export_workbook

SOFFICE = shutil.which("soffice")
if SOFFICE is None and os.environ.get("CI", "").lower() == "true":
    raise RuntimeError("CI must run the LibreOffice tests: install libreoffice-calc-nogui (.ci/run does)")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def _soffice(tmp_path: Path, *args: str) -> None:
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run([str(SOFFICE), f"-env:UserInstallation={profile}", "--headless", *args],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr


def test_a_libreoffice_resave_keeps_exported_text_as_text_and_imports_back_unchanged(template: Path,  # noqa: F811
                                                                                       tmp_path: Path) -> None:
    # Not "_x000D_" typed as text: LibreOffice reads Excel's escape of it back and saves it unescaped, so
    # any reader then sees a carriage return (docs/data-in-and-out.md says so).
    texts = [t for t in DANGEROUS if t.strip() and not t.startswith("_x")][:12]
    store = with_texts(template, tmp_path, texts)
    title = store.read("objectives").set_index("objective_id").loc["F1", "title"]
    # xlsx: LibreOffice opens the workbook and saves it again.
    _soffice(tmp_path, "--convert-to", "xlsx", "--outdir", str(tmp_path / "resaved"),
             str(export_workbook(store, tmp_path / "plan.xlsx")))
    resaved = tmp_path / "resaved" / "plan.xlsx"
    book = load_workbook(resaved)
    assert all(cell.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row)
    assert title in [c.value for row in book["objectives"].iter_rows() for c in row]
    unchanged_on_reimport(store, resaved)
    # CSV: LibreOffice reads the export (commas, double quotes, UTF-8) and writes it back as CSV.
    export_tables(store, tmp_path / "csv", "csv")
    _soffice(tmp_path, "--infilter=CSV:44,34,76,1", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1",
             "--outdir", str(tmp_path / "csv2"), str(tmp_path / "csv" / "actuals.csv"))
    unchanged_on_reimport(store, tmp_path / "csv2" / "actuals.csv")
    # ... and opening the CSV export in LibreOffice gives text cells, never formulas.
    _soffice(tmp_path, "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path / "fromcsv"),
             str(tmp_path / "csv" / "objectives.csv"))
    opened = load_workbook(tmp_path / "fromcsv" / "objectives.xlsx")
    assert all(cell.data_type != "f" for row in opened.active.iter_rows() for cell in row)
