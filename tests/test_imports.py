"""Importing actuals and targets from CSV and real .xlsx files: layouts, error reports, all-or-nothing, idempotence."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from plans import make_plan

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.errors import InputError
from bsc_widgets.io.importer import BscImportError, ImportMapping, apply_import, import_file, plan_import


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The conftest plan (rev: monthly sum, churn: quarterly %) with units, plus one saved actual."""
    where = tmp_path_factory.mktemp("shop") / "store"
    plan = make_plan(Store.create(where))
    plan.upsert("kpis", [{"kpi_id": "rev", "scorecard_id": "org", "objective_id": "F1", "name": "Revenue",
                          "unit": "EUR k", "frequency": "M", "aggregation": "sum"},
                         {"kpi_id": "churn", "scorecard_id": "org", "objective_id": "C1", "name": "Churn",
                          "unit": "%", "polarity": "lower", "frequency": "Q", "aggregation": "last"}])
    plan.upsert("actuals", [{"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org", "value": 100.0,
                             "note": "kept", "entered_by": "ann", "entered_at": "2026-02-03T10:00:00Z"}])
    return where


@pytest.fixture
def shop(shop_template: Path, tmp_path: Path) -> Store:
    """A private copy of the shop store (copying is much faster than building it)."""
    shutil.copytree(shop_template, tmp_path / "shop")
    return Store.open(tmp_path / "shop")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def workbook(tmp_path: Path, name: str, rows: list[list[Any]], sheet: str = "Data",
             percent_cells: tuple[str, ...] = ()) -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for ref in percent_cells:
        ws[ref].number_format = "0.0%"
    path = tmp_path / name
    book.save(path)
    return path


def values(store: Store) -> dict[tuple[str, str], float]:
    frame = store.read("actuals")
    return dict(zip(zip(frame["kpi_id"], frame["period"], strict=True), frame["value"], strict=True))


# ----------------------------------------------------------------------------------------- layouts
def test_long_csv_by_id_saves_values_and_who_imported(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "kpi_id,period,value,note\nrev,2026-02,120.5,good month\nchurn,2026Q1,4.2,\n")
    report, result = import_file(shop, path, user="bob")
    assert report.ok and report.layout == "long" and report.counts() == {"new": 2, "updated": 0, "unchanged": 0}
    assert result is not None and result.inserted == 2
    assert values(shop)[("rev", "2026-02")] == 120.5 and values(shop)[("churn", "2026Q1")] == 4.2
    saved = shop.read("actuals").set_index(["kpi_id", "period"])
    assert saved.loc[("rev", "2026-02"), "entered_by"] == "bob"
    assert saved.loc[("rev", "2026-02"), "note"] == "good month"
    assert saved.loc[("rev", "2026-02"), "entered_at"] > pd.Timestamp("2026-01-01", tz="UTC")


def test_semicolon_csv_with_decimal_commas_thousands_dates_and_percent(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "eu.csv", "KPI;Date;Value\nRevenue;28.02.2026;1.234,5\nrev;2026-03-31;2 000\n"
                                     "churn;15.03.2026;4,5 %\n")
    report, _ = import_file(shop, path)
    assert report.ok, report.as_text()
    assert values(shop)[("rev", "2026-02")] == 1234.5
    assert values(shop)[("rev", "2026-03")] == 2000.0
    assert values(shop)[("churn", "2026Q1")] == 4.5  # a date inside the quarter, for a quarterly KPI


def test_comma_csv_with_thousands_commas(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "us.csv", 'kpi,period,value\nrev,2026-02,"1,234.5"\nrev,2026-03,"12,000"\n')
    import_file(shop, path)
    assert values(shop)[("rev", "2026-02")] == 1234.5 and values(shop)[("rev", "2026-03")] == 12000.0


def test_wide_csv_with_names_and_period_headers(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "wide.csv", "KPI,Unit,2026-02,2026-03,2026 Q1\nRevenue,EUR k,110,130,\nChurn,%,,,3.9\n")
    report, _ = import_file(shop, path)
    assert report.layout == "wide" and report.ignored_columns == ["Unit"], report.as_text()
    # The blank cells are simply not measured: only three values arrive.
    assert report.counts()["new"] == 3
    assert values(shop)[("rev", "2026-03")] == 130.0 and values(shop)[("churn", "2026Q1")] == 3.9


def test_real_xlsx_wide_with_date_headers_and_percent_cells(shop: Store, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["kpi", dt.datetime(2026, 2, 28), dt.datetime(2026, 3, 31)],
        ["rev", 111, 131.25],
        ["churn", None, 0.041],
    ]
    path = workbook(tmp_path, "wide.xlsx", rows, percent_cells=("C3",))
    report, _ = import_file(shop, path)
    assert report.ok and report.sheet == "Data", report.as_text()
    assert values(shop)[("rev", "2026-02")] == 111.0 and values(shop)[("rev", "2026-03")] == 131.25
    assert values(shop)[("churn", "2026Q1")] == 4.1  # 4.1 % shown in Excel is stored as 0.041


def test_real_xlsx_long_picks_the_named_sheet(shop: Store, tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.append(["not", "this"])
    data = book.create_sheet("Numbers")
    data.append(["Indicator", "Month", "Actual"])
    data.append(["Revenue", "2026-04", 140])
    book.save(tmp_path / "long.xlsx")
    report = plan_import(shop, tmp_path / "long.xlsx", sheet="Numbers")
    assert report.ok and report.counts()["new"] == 1 and report.changes.loc[0, "where"] == "C2"
    with pytest.raises(InputError, match=r"has no sheet 'Nope'.*Numbers"):
        plan_import(shop, tmp_path / "long.xlsx", sheet="Nope")


def test_mapping_file_names_other_columns_and_separators(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "odd.csv", "Messgröße,Zeitraum,Ist-Wert,Bemerkung\nrev,2026-05,\"2.500,75\",ok\n")
    mapping = write(tmp_path, "map.toml", 'decimal = ","\nthousands = "."\n\n[columns]\nkpi = "Messgröße"\n'
                                          'period = "Zeitraum"\nvalue = "Ist-Wert"\nnote = "Bemerkung"\n')
    report, _ = import_file(shop, path, mapping=str(mapping))
    assert report.ok, report.as_text()
    assert values(shop)[("rev", "2026-05")] == 2500.75
    bad = write(tmp_path, "bad.toml", 'decimal = ";"\n')
    with pytest.raises(InputError, match=r"bad\.toml: decimal is ';'"):
        plan_import(shop, path, mapping=str(bad))


def test_mapping_naming_a_missing_column_is_reported(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "kpi,period,value\nrev,2026-05,1\n")
    report = plan_import(shop, path, mapping=ImportMapping(columns={"value": "Actual"}))
    assert not report.ok
    assert "the mapping names column 'Actual' for value" in str(report.problems[0])


# ----------------------------------------------------------------------------------------- error report
BAD_CSV = """kpi,period,value,note
rev,2026-02,10,
Revenu,2026-03,11,
rev,2031-01,12,
rev,2026Q2,13,
churn,2026-04,14,
rev,2026-04,ten,
rev,2026-02,15,
,2026-05,16,
rev,someday,17,
rev,2026-06,18 %,
rev,2026-07,,not measured yet
"""


def test_every_bad_row_is_reported_with_line_value_and_fix(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", BAD_CSV)
    report = plan_import(shop, path)
    got = [(p.location.line, p.location.column, p.value) for p in report.problems]
    assert got == [
        (3, "kpi", "Revenu"),
        (4, "period", "2031-01"),
        (5, "period", "2026Q2"),
        (6, "period", "2026-04"),
        (7, "value", "ten"),
        (8, "period", "2026-02"),
        (9, "kpi", None),
        (10, "period", "someday"),
        (11, "value", "18 %"),
    ]
    text = [str(p) for p in report.problems]
    assert text[0] == ("bad.csv, line 3, column 'kpi': 'Revenu' is not a KPI id or name in this store (did you "
                       "mean 'Revenue'?). Fix: use a KPI id or name as listed by `bsc read --store DIR kpis`, or "
                       "add the KPI first")
    assert "outside the horizon of scorecard 'org' (2025-01 to 2027-12)" in text[1]
    assert "is a quarterly period, but KPI 'rev' is measured monthly. Fix: enter months" in text[2]
    assert "is a monthly period, but KPI 'churn' is measured quarterly" in text[3]
    assert "'ten' is not a number. Fix: enter a number" in text[4]
    assert "duplicate row (first given at line 2)" in text[5]
    assert "no KPI is given" in text[6]
    assert "'someday' is not a period or a date" in text[7]
    assert "is a percentage, but KPI 'rev' is measured in 'EUR k'" in text[8]
    assert report.skipped == 1  # line 12 has no value: not an error, nothing to import
    frame = report.problems_frame()
    assert frame["line"].tolist() == [g[0] for g in got] and set(frame["file"]) == {"bad.csv"}
    assert report.summary() == "bad.csv: 9 problems found; nothing was imported."


def test_xlsx_with_errors_in_many_rows_names_sheet_and_cell(shop: Store, tmp_path: Path) -> None:
    rows: list[list[Any]] = [["kpi", "period", "value"]]
    rows += [["rev", f"2026-{m:02d}", "x" if m % 2 else m] for m in range(1, 13)]
    rows += [["nope", "2026-01", 1], ["rev", dt.datetime(2026, 2, 15), 5]]
    path = workbook(tmp_path, "many.xlsx", rows, sheet="Actuals")
    report = plan_import(shop, path)
    cells = [p.location.cell for p in report.problems]
    assert cells == ["C2", "C4", "C6", "C8", "C10", "C12", "A14", "B15"]
    assert str(report.problems[0]).startswith("many.xlsx, sheet 'Actuals', cell C2: 'x' is not a number")
    assert "first given at C3" in str(report.problems[-1])


def test_store_rules_are_reported_against_the_line(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "kpi,period,target\nrev,2026-02,100\n")
    report = plan_import(shop, path, table="targets")
    assert [p.location.line for p in report.problems] == [2]
    assert "red_flag" in report.problems[0].reason and "is required" in report.problems[0].reason


def test_ambiguous_name_asks_for_the_id(shop: Store, tmp_path: Path) -> None:
    shop.upsert("kpis", [{"kpi_id": "rev2", "scorecard_id": "org", "objective_id": "C1", "name": "revenue",
                          "frequency": "M"}])
    path = write(tmp_path, "a.csv", "kpi,period,value\nRevenue,2026-02,1\n")
    report = plan_import(shop, path)
    assert "is the name of several KPIs (rev, rev2)" in str(report.problems[0])


def test_unreadable_files_raise_input_errors(shop: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="old Excel 97-2003"):
        plan_import(shop, write(tmp_path, "old.xls", "x"))
    with pytest.raises(InputError, match="empty"):
        plan_import(shop, write(tmp_path, "empty.csv", "\n\n"))
    report = plan_import(shop, write(tmp_path, "cols.csv", "a,b\n1,2\n"))
    assert [p.reason.split(" (")[0] for p in report.problems] == [
        "has no KPI column", "has no period column and no column headed by a period", "has no value column"]


# ----------------------------------------------------------------------------------------- all or nothing
def test_a_file_with_one_bad_row_saves_nothing(shop: Store, tmp_path: Path) -> None:
    before, version = shop.read("actuals"), shop.version("actuals")
    path = write(tmp_path, "mixed.csv", "kpi,period,value\nrev,2026-02,1\nrev,2026-03,2\nrev,2026-04,oops\n")
    report = plan_import(shop, path)
    assert report.counts()["new"] == 2 and len(report.problems) == 1
    with pytest.raises(BscImportError, match="line 4, column 'value': 'oops' is not a number"):
        apply_import(shop, report)
    assert shop.version("actuals") == version
    pd.testing.assert_frame_equal(shop.read("actuals"), before)
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(path)])
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert shop.version("actuals") == version


# ----------------------------------------------------------------------------------------- idempotence
def test_reimport_changes_nothing_and_keeps_who_entered(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "kpi,period,value\nrev,2026-01,100\nrev,2026-02,50\n")
    first, _ = import_file(shop, path, user="bob")
    assert first.counts() == {"new": 1, "updated": 0, "unchanged": 1}
    saved = shop.read("actuals")
    version = shop.version("actuals")
    again, result = import_file(shop, path, user="carl")
    assert again.counts() == {"new": 0, "updated": 0, "unchanged": 2}
    assert result is not None and result.version is None
    assert shop.version("actuals") == version
    pd.testing.assert_frame_equal(shop.read("actuals"), saved)
    # The file has no note column: the note saved earlier stays, and so does who entered the unchanged value.
    row = saved.set_index("period").loc["2026-01"]
    assert row["note"] == "kept" and row["entered_by"] == "ann"


def test_a_changed_value_is_an_update_with_new_entered_by(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "kpi,period,value\nrev,2026-01,101\n")
    report, result = import_file(shop, path, user="dora")
    assert report.counts() == {"new": 0, "updated": 1, "unchanged": 0}
    assert report.changes.loc[0, "old_value"] == 100.0
    assert result is not None and result.updated == 1
    row = shop.read("actuals").iloc[0]
    assert row["value"] == 101.0 and row["entered_by"] == "dora" and row["note"] == "kept" and row["revision"] == 2


def test_a_record_changed_after_checking_is_a_conflict(shop: Store, tmp_path: Path) -> None:
    from bsc_widgets.errors import ConflictError

    report = plan_import(shop, write(tmp_path, "a.csv", "kpi,period,value\nrev,2026-01,101\nrev,2026-02,102\n"))
    shop.upsert("actuals", [{"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org", "value": 99.0},
                            {"kpi_id": "rev", "period": "2026-02", "scorecard_id": "org", "value": 98.0}])
    with pytest.raises(ConflictError) as caught:
        apply_import(shop, report)
    # Every record someone else saved after the check is named; nothing of the file is saved.
    assert caught.value.record == "rev/2026-01" and caught.value.others == ("rev/2026-02",)
    assert "1 more record(s) of this save changed meanwhile too: rev/2026-02" in str(caught.value)
    assert values(shop)[("rev", "2026-01")] == 99.0 and values(shop)[("rev", "2026-02")] == 98.0


def test_targets_import_keeps_fields_not_in_the_file(shop: Store, tmp_path: Path) -> None:
    shop.upsert("targets", [{"kpi_id": "rev", "period": "2026-02", "scorecard_id": "org", "target": 100,
                             "red_flag": 80}])
    path = write(tmp_path, "t.csv", "kpi,period,target\nrev,2026-02,110\n")
    report, _ = import_file(shop, path, table="targets")
    assert report.counts()["updated"] == 1 and report.fields == ("target",)
    row = shop.read("targets").iloc[0]
    assert row["target"] == 110.0 and row["red_flag"] == 80.0


# ----------------------------------------------------------------------------------------- command line
def test_cli_dry_run_shows_counts_and_rows_and_saves_nothing(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "kpi,period,value\nrev,2026-01,105\nrev,2026-02,50\nrev,2026-03,60\n")
    version = shop.version("actuals")
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "a.csv (long layout, actuals): 2 new, 1 updated, 0 unchanged." in result.output
    assert "updated" in result.output and "100.0" in result.output and "Dry run: nothing was saved." in result.output
    assert shop.version("actuals") == version
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(path)])
    assert result.exit_code == 0 and "Saved 2 new and 1 updated record(s)" in result.output
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(path)])
    assert "Nothing new to save: every value in the file is already in table actuals." in result.output


def test_report_renders_for_a_widget(shop: Store, tmp_path: Path) -> None:
    data = b"kpi,period,value\nrev,2026-02,7\n"
    report = plan_import(shop, data, filename="upload.csv")
    frame = report.to_frame()
    assert frame[["change", "kpi_id", "period", "value", "where"]].values.tolist() == [
        ["new", "rev", "2026-02", 7.0, "line 2"]]
    assert report.problems_frame().empty and report.file == "upload.csv"


# ----------------------------------------------------------------------------------------- separators
def test_semicolon_file_with_decimal_points_reads_them_as_decimal_points(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "semi.csv", "kpi;period;value\nrev;2026-02;12.5\nrev;2026-03;0.75\nrev;2026-04;1.234\n")
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(path)])
    assert result.exit_code == 0, result.output
    assert "Numbers: read with a decimal point" in result.output and "'12.5' at line 2" in result.output
    assert values(shop)[("rev", "2026-02")] == 12.5 and values(shop)[("rev", "2026-03")] == 0.75
    assert values(shop)[("rev", "2026-04")] == 1.234  # '1.234' reads as the file's other numbers show


def test_a_number_that_reads_two_ways_is_refused_until_the_separator_is_chosen(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "one.csv", "kpi,period,value\nrev,2026-02,1.234\n")
    version = shop.version("actuals")
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(path)])
    assert result.exit_code == 1
    assert ("line 2, column 'value': '1.234' reads as 1234 ('.' between thousands) or as 1.234 (a decimal point)"
            in result.output)
    assert "--decimal . reads it as 1.234, --decimal , as 1234" in result.output
    assert shop.version("actuals") == version
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(path), "--decimal", "."])
    assert result.exit_code == 0 and "read with a decimal point" in result.output and "as chosen" in result.output
    assert values(shop)[("rev", "2026-02")] == 1.234
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(path), "--decimal", ","])
    assert result.exit_code == 0, result.output
    assert values(shop)[("rev", "2026-02")] == 1234.0


def test_a_file_mixing_decimal_commas_and_points_is_refused(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "mix.csv", "kpi;period;value\nrev;2026-02;12,5\nrev;2026-03;0.75\n")
    report = plan_import(shop, path)
    assert [str(p) for p in report.problems] == [
        "mix.csv: has numbers with a decimal comma ('12,5' at line 2) and numbers with a decimal point ('0.75' at "
        "line 3), so what a number such as 1.234 means is unclear. Fix: write every number with the same decimal "
        "separator, or choose one with --decimal . or --decimal , (the numbers written the other way are then listed)"]
    chosen = plan_import(shop, path, decimal=",")
    assert [(p.location.line, p.value, p.reason) for p in chosen.problems] == [(3, "0.75", "is not a number")]


@pytest.mark.parametrize(("text", "decimal", "value"), [
    ("12,5", ",", 12.5), ("1.234,5", ",", 1234.5), ("1 234,5", ",", 1234.5), ("1,234.5", ".", 1234.5),
    ("1'234.5", ".", 1234.5), ("1.234.567", ",", 1234567.0), ("-0,750", ",", -0.75), ("4,5 %", ",", 4.5),
])
def test_numbers_that_show_their_separator(shop: Store, tmp_path: Path, text: str, decimal: str,
                                           value: float) -> None:
    path = write(tmp_path, "a.csv", f'kpi;period;value\nchurn;2026Q1;"{text}"\n')
    report = plan_import(shop, path)
    assert report.ok, report.as_text()
    assert report.changes.loc[0, "value"] == value
    assert report.notes[-1].startswith(f"Numbers: read with a decimal {'comma' if decimal == ',' else 'point'}")


def test_grouping_must_be_thousands_under_a_chosen_separator(shop: Store, tmp_path: Path) -> None:
    # '12.5' is not a number with a decimal comma (it is never read as 125).
    path = write(tmp_path, "a.csv", "kpi,period,value\nrev,2026-02,12.5\nrev,2026-03,1.234.5\n")
    report = plan_import(shop, path, decimal=",")
    assert [(p.value, p.reason) for p in report.problems] == [("12.5", "is not a number"),
                                                              ("1.234.5", "is not a number")]


def test_overflowing_values_are_refused_at_their_line(shop: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "big.csv", "kpi,period,value\nrev,2026-02,1e308\nrev,2026-03,1e308\nrev,2026-04,5\n")
    report = plan_import(shop, path)
    assert [(p.location.line, p.value) for p in report.problems] == [(2, "1e308"), (3, "1e308")]
    assert "is larger than a KPI value may be (1,000,000,000,000,000" in report.problems[0].reason


def test_partial_targets_files_change_only_their_columns(shop: Store, tmp_path: Path) -> None:
    shop.upsert("targets", [{"kpi_id": "rev", "period": "2026-02", "scorecard_id": "org", "target": 100,
                             "red_flag": 80, "tolerance": 2}])
    report, _ = import_file(shop, write(tmp_path, "rf.csv", "kpi,period,red_flag\nrev,2026-02,85\n"),
                            table="targets")
    assert report.ok and report.fields == ("red_flag",) and report.changes.loc[0, "where"] == "line 2"
    report, _ = import_file(shop, write(tmp_path, "tol.csv", "kpi,period,tolerance\nrev,2026-02,3\n"),
                            table="targets")
    assert report.ok and report.counts()["updated"] == 1
    row = shop.read("targets").iloc[0]
    assert (row["target"], row["red_flag"], row["tolerance"]) == (100.0, 85.0, 3.0)


# ----------------------------------------------------------------------------------------- no silent choices
def test_hidden_sheets_are_skipped_unless_named(shop: Store, tmp_path: Path) -> None:
    book = Workbook()
    secret = book.active
    assert secret is not None
    secret.title = "actuals"
    secret.append(["kpi", "period", "value"])
    secret.append(["rev", "2026-02", 1])
    secret.sheet_state = "hidden"
    shown = book.create_sheet("Data")
    shown.append(["kpi", "period", "value"])
    shown.append(["rev", "2026-02", 2])
    book.save(tmp_path / "h.xlsx")
    report = plan_import(shop, tmp_path / "h.xlsx")
    assert report.sheet == "Data" and report.changes.loc[0, "value"] == 2.0
    assert "Skipped hidden sheet 'actuals'; name one with --sheet to read it." in report.as_text()
    named = plan_import(shop, tmp_path / "h.xlsx", sheet="actuals")
    assert named.changes.loc[0, "value"] == 1.0 and "Read hidden sheet 'actuals' (named with --sheet)." in named.notes


def test_formula_cells_without_results_are_refused_by_cell(shop: Store, tmp_path: Path) -> None:
    path = workbook(tmp_path, "f.xlsx", [["kpi", "period", "value"], ["rev", "2026-02", "=1+1"],
                                         ["rev", "2026-03", 5]])
    report = plan_import(shop, path)
    assert [(p.location.cell, p.value) for p in report.problems] == [("C2", "=1+1")]
    assert "open and save the file in Excel or LibreOffice so values are stored" in report.problems[0].fix


def test_utf16_text_with_its_mark_is_read_and_named(shop: Store, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes("kpi\tperiod\tvalue\nrev\t2026-02\t7,5\n".encode("utf-16"))
    report = plan_import(shop, path)
    assert report.ok and report.changes.loc[0, "value"] == 7.5
    assert report.notes[0] == "Read as CSV: UTF-16, columns separated by tabs."


def test_unreadable_files_exit_1_and_bad_options_exit_2(shop: Store, tmp_path: Path) -> None:
    run = CliRunner().invoke
    fake = write(tmp_path, "fake.xlsx", "hello\n")
    result = run(main, ["import", "--store", shop.location, str(fake)])
    assert result.exit_code == 1 and "fake.xlsx is not an Excel workbook: it holds text (it starts 'hello')" \
        in result.output
    result = run(main, ["import", "--store", shop.location, str(write(tmp_path, "a.csv", "kpi\n")), "--sheet", "x"])
    assert result.exit_code == 2
