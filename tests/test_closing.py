"""Closing a review period: its actuals, targets and comments are locked until it is reopened, who and why recorded."""

from __future__ import annotations

import multiprocessing
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bsc_widgets import InputError, PeriodClosedError, Store
from bsc_widgets.cli import main
from bsc_widgets.model.schema import SCHEMA_VERSION

MAY = {"kpi_id": "rev-net", "period": "2026-05", "scorecard_id": "org"}


def test_a_closed_period_and_its_months_refuse_every_change(sample_store: Path) -> None:
    store = Store.open(sample_store)
    store.close_period("2026Q2", scorecard="org", reason="board pack sent", user="ann")
    before = store.read("actuals")
    with pytest.raises(PeriodClosedError, match=r"closed period\(s\) 2026Q2 of scorecard org \(e.g. 2026-05\); "
                                                r"2026Q2 was closed by ann on .*: 'board pack sent'.*bsc reopen"):
        store.upsert("actuals", [{**MAY, "value": 1.0}])
    with pytest.raises(PeriodClosedError):
        store.upsert("actuals", [{"kpi_id": "nps", "period": "2026Q2", "scorecard_id": "org", "value": 1.0}])
    with pytest.raises(PeriodClosedError):
        store.upsert("targets", [{"kpi_id": "rev-net", "period": "2026-04", "scorecard_id": "org", "target": 1.0}])
    with pytest.raises(PeriodClosedError):
        store.upsert("comments", [{"scorecard_id": "org", "subject_type": "scorecard", "subject_id": "org",
                                   "period": "2026Q2", "text": "Late thought."}])
    with pytest.raises(PeriodClosedError):
        store.delete("actuals", [("rev-net", "2026-05")])
    with pytest.raises(PeriodClosedError):
        store.restore("actuals", 0)
    pd.testing.assert_frame_equal(store.read("actuals"), before)
    # Other periods and other scorecards stay open; a batch touching both is refused whole.
    assert store.upsert("actuals", [{**MAY, "period": "2026-07", "value": 5.0}]).version is not None
    assert store.upsert("actuals", [{"kpi_id": "cs-fcr", "period": "2026-05", "scorecard_id": "cs",
                                     "value": 80.0}]).version is not None
    august = store.read("actuals").set_index(["kpi_id", "period"]).at[("rev-net", "2026-08"), "value"]
    with pytest.raises(PeriodClosedError):
        store.upsert("actuals", [{**MAY, "period": "2026-08", "value": 6.0}, {**MAY, "value": 6.0}])
    assert store.read("actuals").set_index(["kpi_id", "period"]).at[("rev-net", "2026-08"), "value"] == august
    # Closing twice or reopening what is open says so; the table cannot be edited directly.
    with pytest.raises(InputError, match="already closed"):
        store.close_period("2026Q2", scorecard="org")
    with pytest.raises(InputError, match="not closed"):
        store.reopen_period("2026Q1", scorecard="org", reason="why not")
    with pytest.raises(InputError, match="unknown scorecard"):
        store.close_period("2026Q2", scorecard="nope")
    store.reopen_period("2026Q2", scorecard="org", reason="restating May", user="bob")
    assert store.upsert("actuals", [{**MAY, "value": 1.0}]).version is not None
    history = store.history("closed_periods")
    assert history.iloc[0][["operation", "user"]].tolist() == ["reopen org/2026Q2: restating May", "bob"]
    assert history.iloc[1][["operation", "user"]].tolist() == ["close org/2026Q2: board pack sent", "ann"]


def test_closing_a_year_locks_its_quarters_and_months(sample_store: Path) -> None:
    store = Store.open(sample_store)
    store.close_period("2025", scorecard="org")
    for period in ("2025", "2025Q3", "2025-11"):
        with pytest.raises(PeriodClosedError):
            store.upsert("actuals", [{**MAY, "period": period, "value": 1.0}])
    assert store.upsert("actuals", [{**MAY, "period": "2026-01", "value": 1.0}]).version is not None


def test_close_import_reopen_through_the_cli(sample_store: Path, tmp_path: Path) -> None:
    where = str(sample_store)
    closed = CliRunner().invoke(main, ["close", "--store", where, "--period", "2026Q2", "--reason", "board pack"])
    assert closed.exit_code == 0 and "Closed 2026Q2 for org, cs" in closed.output
    listing = CliRunner().invoke(main, ["periods", "--store", where, "--scorecard", "org"])
    assert "2026Q2   closed by" in listing.output and "board pack" in listing.output
    assert "2026Q1   open" in listing.output
    file = tmp_path / "actuals.csv"
    file.write_text("kpi,period,value\nrev-net,2026-05,9999\nrev-net,2026-08,1\n", encoding="utf-8")
    august = Store.open(where).read("actuals").set_index(["kpi_id", "period"]).at[("rev-net", "2026-08"), "value"]
    refused = CliRunner().invoke(main, ["import", "--store", where, str(file)])
    assert refused.exit_code == 1
    assert "closed period(s) 2026Q2 of scorecard org" in refused.output and "bsc reopen" in refused.output
    stored = Store.open(where).read("actuals").set_index(["kpi_id", "period"])
    assert stored.at[("rev-net", "2026-08"), "value"] == august != 1, "refused whole"
    reopened = CliRunner().invoke(main, ["reopen", "--store", where, "--period", "2026Q2", "--scorecard", "org",
                                         "--reason", "restating May revenue after the audit"])
    assert reopened.exit_code == 0
    assert CliRunner().invoke(main, ["import", "--store", where, str(file)]).exit_code == 0
    history = CliRunner().invoke(main, ["history", "--store", where, "closed_periods"])
    assert "reopen org/2026Q2: restating May revenue after the audit" in history.output
    missing_reason = CliRunner().invoke(main, ["reopen", "--store", where, "--period", "2026Q2"])
    assert missing_reason.exit_code == 2


def _keep_saving(location: str, started: float) -> tuple[list[float], str]:
    """Save rising values into May until the period is closed; the values acknowledged and the refusal."""
    store = Store.open(location)
    saved: list[float] = []
    while time.monotonic() - started < 60:
        value = float(len(saved) + 1)
        try:
            store.upsert("actuals", [{**MAY, "value": value}])
        except PeriodClosedError as error:
            return saved, str(error)
        saved.append(value)
    return saved, ""


@pytest.mark.slow
def test_a_save_racing_the_close_never_lands_in_the_closed_period(sample_store: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        pending = pool.apply_async(_keep_saving, (str(sample_store), time.monotonic()))
        store = Store.open(sample_store)
        while store.read("actuals").set_index(["kpi_id", "period"]).at[("rev-net", "2026-05"), "revision"] < 5:
            time.sleep(0.05)
        store.close_period("2026Q2", scorecard="org")
        saved, refusal = pending.get(timeout=120)
    assert "closed period" in refusal and saved
    # Every acknowledged save landed, and nothing after the close did.
    assert Store.open(sample_store).read("actuals").set_index(["kpi_id", "period"]).at[
        ("rev-net", "2026-05"), "value"] == saved[-1]
    close_time = store.history("closed_periods").iloc[0]["time"]
    actual_saves = store.history("actuals")
    assert (actual_saves["time"] <= close_time).all()


def test_a_store_of_schema_two_gets_the_table_when_opened(sample_store: Path) -> None:
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    shutil.rmtree(sample_store / "closed_periods")
    info = DeltaTable(str(sample_store / "store_info")).to_pyarrow_table()
    info = info.set_column(info.schema.get_field_index("schema_version"), "schema_version",
                           pa.array([2] * len(info), pa.int64()))
    write_deltalake(str(sample_store / "store_info"), info, mode="overwrite")
    store = Store.open(sample_store)
    assert store.schema_version == SCHEMA_VERSION and store.closed_periods().empty
    store.close_period("2026Q2", scorecard="org")
    assert len(Store.open(sample_store).closed_periods()) == 1
