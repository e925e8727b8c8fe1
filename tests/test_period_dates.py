"""Periods as dates: every table with a ``period`` keeps ``period_start`` / ``period_end``, for other tools."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable
from plans import make_older

from bsc_widgets import Store
from bsc_widgets.model.schema import OTHER_TOOLS, SCHEMA_VERSION, TABLES
from bsc_widgets.scoring import score_review

DATED = [name for name, spec in TABLES.items() if any(c.name == "period" for c in spec.columns)]


def test_every_table_with_a_period_has_its_dates() -> None:
    assert DATED == ["targets", "actuals", "comments", "closed_periods"]
    for name in DATED:
        names = [c.name for c in TABLES[name].all_columns]
        assert {"period_start", "period_end"} <= set(names)


def test_the_store_keeps_the_dates_in_step_with_the_period_and_ignores_given_ones(sample_store: Path) -> None:
    store = Store.open(sample_store)
    store.upsert("actuals", [
        {"kpi_id": "nps", "period": "2026Q4", "scorecard_id": "org", "value": 40.0,
         "period_start": "1999-01-01", "period_end": "1999-01-01"},  # an exported row imported back: recomputed
        {"kpi_id": "rev-net", "period": "2026-12", "scorecard_id": "org", "value": 9000.0},
    ])
    store.close_period("2026", scorecard="org")
    actuals = store.read("actuals").set_index(["kpi_id", "period"])
    assert actuals.loc[("nps", "2026Q4"), ["period_start", "period_end"]].tolist() == [dt.date(2026, 10, 1),
                                                                                       dt.date(2026, 12, 31)]
    assert actuals.loc[("rev-net", "2026-12"), ["period_start", "period_end"]].tolist() == [dt.date(2026, 12, 1),
                                                                                           dt.date(2026, 12, 31)]
    assert store.closed_periods()[["period_start", "period_end"]].iloc[0].tolist() == [dt.date(2026, 1, 1),
                                                                                      dt.date(2026, 12, 31)]
    for name in DATED:
        frame = store.read(name)
        assert frame["period_start"].notna().all() and frame["period_end"].notna().all(), name
        stored = DeltaTable(str(sample_store / name)).schema().to_arrow()
        assert stored.field("period_start").type == pa.date32(), name


def test_a_store_of_schema_three_gets_the_dates_when_opened(sample_store: Path) -> None:
    before = Store.open(sample_store).read("actuals")
    make_older(sample_store, {name: ["period_start", "period_end"] for name in DATED}, 3)
    store = Store.open(sample_store)
    assert store.schema_version == SCHEMA_VERSION
    key = ["kpi_id", "period"]
    pd.testing.assert_frame_equal(store.read("actuals").sort_values(key).reset_index(drop=True),
                                  before.sort_values(key).reset_index(drop=True))
    stored = DeltaTable(str(sample_store / "actuals"))
    assert "period_start" in stored.schema().to_arrow().names, "the upgrade rewrote the table with the dates"
    assert stored.history(1)[0].get("bsc.operation") == f"upgrade to schema version {SCHEMA_VERSION}"


def test_the_data_models_polars_and_duckdb_examples_run_and_agree_with_the_engine(
        sample_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(sample_template, tmp_path / "sample-store")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", OTHER_TOOLS, re.S)
    assert len(blocks) == 2
    namespaces = []
    for block in blocks:
        namespace: dict[str, object] = {}
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            exec(block, namespace)  # the documented code, as a user runs it
        namespaces.append((namespace, printed.getvalue()))
    engine = score_review(Store.open("sample-store").read_all(), "2026Q3", "org").kpis.set_index("kpi_id")
    pl, polars_q3 = namespaces[0][0]["pl"], namespaces[0][0]["q3"]
    totals = dict(polars_q3.group_by("kpi_id").agg(pl.col("value").sum()).iter_rows())  # type: ignore[attr-defined]
    assert totals["rev-net"] == engine.at["rev-net", "actual"]
    duck = re.search(r"Net revenue 2026-07-01\s+([\d.]+)", namespaces[1][1])
    assert duck is not None and float(duck.group(1)) == engine.at["rev-net", "actual"]
