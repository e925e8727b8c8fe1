"""Exports: the formatted workbook (opens with openpyxl, scorecard sheets, round trip), CSV and parquet files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.errors import InputError
from bsc_widgets.io.exports import export_tables, export_workbook
from bsc_widgets.io.importer import import_file
from bsc_widgets.model.schema import PLAN_TABLES
from bsc_widgets.render.xlsx import STATUS_FILLS


@pytest.fixture
def sample(sample_store: Path) -> Store:
    return Store.open(sample_store)


@pytest.fixture(scope="module")
def workbook_path(sample_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_workbook(Store.open(sample_template), tmp_path_factory.mktemp("xlsx") / "sample.xlsx")


def test_workbook_opens_with_scorecard_and_table_sheets(workbook_path: Path, sample_template: Path) -> None:
    book = load_workbook(workbook_path)
    names = book.sheetnames
    assert names[0] == "About" and names[-len(PLAN_TABLES):] == list(PLAN_TABLES)
    periods = [n.removeprefix("Scorecard ") for n in names if n.startswith("Scorecard ")]
    assert periods[0] == "2024Q4" and "2026Q3" in periods  # horizon start to the latest actual, quarterly
    store = Store.open(sample_template)
    for name in PLAN_TABLES:
        assert book[name].max_row == len(store.read(name)) + 1, name
        assert [c.value for c in book[name][1]] == list(store.read(name).columns)


def test_scorecard_sheet_shows_scores_status_colours_and_trends(workbook_path: Path, sample_template: Path) -> None:
    from bsc_widgets import score_review

    sheet = load_workbook(workbook_path)["Scorecard 2026Q3"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Alder & Finch [org] — review 2026Q3"
    header = list(rows[1])
    assert header[:3] == ["level", "id", "name"] and "status" in header and "trend" in header
    review = score_review(Store.open(sample_template).read_all(), "2026Q3")
    kpis = review.kpis.set_index(["scorecard_id", "kpi_id"])
    status_col, score_col = header.index("status") + 1, header.index("score") + 1
    seen = 0
    card = ""
    for cells in sheet.iter_rows():
        level, ident = cells[0].value, cells[1].value
        if level == "scorecard":
            card = ident
        if level != "kpi":
            continue
        expected = kpis.loc[(card, ident)]
        status = cells[status_col - 1]
        assert status.value == expected["status"]
        assert status.fill.fgColor.rgb.endswith(STATUS_FILLS[expected["status"]])
        if pd.notna(expected["score"]):
            assert cells[score_col - 1].value == pytest.approx(expected["score"])
        seen += 1
    assert seen == len(review.kpis)
    trends = {c.value for c in sheet[chr(ord("A") + header.index("trend"))]}
    assert "▼ down" in trends


def test_round_trip_edit_the_workbook_and_import_it_back(sample: Store, tmp_path: Path) -> None:
    path = export_workbook(sample, tmp_path / "out.xlsx", periods=["2026Q3"])
    unchanged, result = import_file(sample, path)
    assert unchanged.ok and unchanged.counts() == {"new": 0, "updated": 0, "unchanged": len(sample.read("actuals"))}
    assert result is not None and result.version is None
    targets, _ = import_file(sample, path, table="targets", dry_run=True)
    assert targets.ok and targets.counts()["unchanged"] == len(sample.read("targets"))

    book = load_workbook(path)
    sheet = book["actuals"]
    header = [c.value for c in sheet[1]]
    value_col = header.index("value") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if "-" in str(sheet.cell(r, 2).value))  # a monthly KPI's
    kpi, period = sheet.cell(row, 1).value, sheet.cell(row, 2).value
    sheet.cell(row, value_col).value = 4321.5
    sheet.append([kpi, "2027-01", None, 99])  # a new row typed by hand: kpi, period, scorecard (blank), value
    book.save(path)
    report, result = import_file(sample, path, user="editor")
    assert report.counts()["updated"] == 1 and report.counts()["new"] == 1, report.as_text()
    assert result is not None and result.updated == 1 and result.inserted == 1
    saved = sample.read("actuals").set_index(["kpi_id", "period"])
    assert saved.loc[(kpi, period), "value"] == 4321.5 and saved.loc[(kpi, period), "entered_by"] == "editor"
    assert saved.loc[(kpi, "2027-01"), "value"] == 99.0


def test_csv_and_parquet_hold_the_current_state_of_every_table(sample: Store, tmp_path: Path) -> None:
    csv_paths = export_tables(sample, tmp_path / "csv", "csv")
    export_tables(sample, tmp_path / "pq", "parquet")
    assert [p.name for p in csv_paths] == [f"{t}.csv" for t in PLAN_TABLES]
    for name in PLAN_TABLES:
        stored = sample.read(name)
        from_csv = pd.read_csv(tmp_path / "csv" / f"{name}.csv", keep_default_na=False, dtype=str)
        assert list(from_csv.columns) == list(stored.columns) and len(from_csv) == len(stored)
        from_parquet = pq.read_table(tmp_path / "pq" / f"{name}.parquet").to_pandas()
        assert len(from_parquet) == len(stored)
    actuals = pq.read_table(tmp_path / "pq" / "actuals.parquet").to_pandas()
    assert actuals["value"].sum() == pytest.approx(sample.read("actuals")["value"].sum())


def test_scorecard_filter_keeps_the_department_family(sample: Store, tmp_path: Path) -> None:
    export_tables(sample, tmp_path / "cs", "csv", scorecard="cs")
    kpis = pd.read_csv(tmp_path / "cs" / "kpis.csv")
    assert set(kpis["scorecard_id"]) == {"cs"}
    with pytest.raises(InputError, match="unknown scorecard 'nope'"):
        export_tables(sample, tmp_path / "x", "csv", scorecard="nope")


def test_cli_export(sample: Store, tmp_path: Path) -> None:
    run = CliRunner().invoke
    result = run(main, ["export", "--store", sample.location, "--to", "xlsx", str(tmp_path / "a.xlsx"),
                        "--scorecard", "cs", "--period", "2026Q2", "--period", "2026Q3"])
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "a.xlsx", read_only=True)
    assert [n for n in book.sheetnames if n.startswith("Scorecard")] == ["Scorecard 2026Q2", "Scorecard 2026Q3"]
    book.close()
    result = run(main, ["export", "--store", sample.location, "--to", "parquet", str(tmp_path / "pq")])
    assert result.exit_code == 0 and "Wrote 14 parquet files" in result.output
    result = run(main, ["export", "--store", sample.location, "--to", "xlsx", str(tmp_path / "a.xlsx"),
                        "--period", "2026-13"])
    assert result.exit_code == 2 and "review period" in result.output
    result = run(main, ["export", "--store", sample.location, "--to", "xlsx", str(tmp_path / "a.csv")])
    assert result.exit_code == 2 and "does not end in .xlsx" in result.output
