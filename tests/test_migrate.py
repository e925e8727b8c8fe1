"""Schema migration: a store written by the previous release opens, upgrades (on open or with ``bsc migrate``)
and scores exactly as it did; its old versions stay readable.

The fixture (tests/data/schema4-store.tar.gz, made as tests/data/README.md says) is a store of
schema version 4.  While this bsc-widgets writes version 4 too there is nothing to migrate: the
asserts that need a pending change are skipped, saying so.  A store made older by hand (its
period dates dropped, version 3) always has something to migrate.
"""

from __future__ import annotations

import gzip
import json
import math
import tarfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from deltalake import DeltaTable
from plans import make_older

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.errors import StoreVersionError
from bsc_widgets.model.schema import SCHEMA_VERSION, TABLES
from bsc_widgets.store.migration import upgraded_tables

DATA = Path(__file__).parent / "data"
FIXTURE_VERSION = 4
PERIODS = ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
NOTHING_PENDING = f"this bsc-widgets writes schema version {SCHEMA_VERSION}, the fixture's: nothing to migrate"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    """A fresh copy of the schema-4 store (file times kept, as the history's times are)."""
    with tarfile.open(DATA / "schema4-store.tar.gz") as archive:
        archive.extractall(tmp_path, filter="data")
    return tmp_path / "store"


def scored(store: Path, *extra: str) -> dict[str, Any]:
    result = run("score", "--store", str(store), *[a for p in PERIODS for a in ("--period", p)], "--format", "json",
                 *extra)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


FORECAST_COLUMNS = {"forecast", "forecast_value", "forecast_lower", "forecast_upper", "forecast_target",
                    "forecast_period"}
"""The forecast's columns: this release forecasts with its own Holt-Winters and calibrated intervals
(docs/scoring.md, section 8), so they are not the old release's; every score is."""


def assert_scores_as_before(now: dict[str, Any]) -> None:
    """Every value the old release gave is given again (new result columns may be added beside them).

    Numbers agree to 1e-12 relative (the engine may change how it sums); text, flags and blanks exactly.
    The forecast's columns (:data:`FORECAST_COLUMNS`) are left out: the forecasting model changed.
    """
    before = json.loads(gzip.decompress((DATA / "schema4-score.json.gz").read_bytes()))
    assert now["periods"] == before["periods"] == PERIODS
    for level, rows in before.items():
        if level == "periods":
            continue
        assert len(now[level]) == len(rows), level
        for old, new in zip(rows, now[level], strict=True):
            for column, value in old.items():
                if column in FORECAST_COLUMNS:
                    continue
                got = new[column]
                if isinstance(value, float) and isinstance(got, float):
                    assert math.isclose(got, value, rel_tol=1e-12, abs_tol=1e-12), (level, column, old, got)
                else:
                    assert got == value, (level, column, old.get("kpi_id") or old.get("objective_id"), got, value)


def versions(store: Path) -> dict[str, int]:
    return {name: int(DeltaTable(str(store / name)).version()) for name in TABLES if (store / name).is_dir()}


def last_commit(store: Path) -> pd.Timestamp:
    """When the newest commit of any table was made (the store as the old release left it)."""
    opened = Store.for_repair(store)
    return max(opened.history(name)["time"].max() for name in TABLES if (store / name).is_dir())


# ------------------------------------------------------------------ the previous release's store
def test_the_old_store_opens_and_scores_exactly_as_before(old_store: Path) -> None:
    assert_scores_as_before(scored(old_store))
    assert Store.open(old_store).schema_version == SCHEMA_VERSION, "opening upgraded it"
    assert_scores_as_before(scored(old_store))  # and it scores the same once upgraded


def test_opening_without_upgrade_reads_it_and_refuses_saves_until_migrated(old_store: Path) -> None:
    before = versions(old_store)
    store = Store.open(old_store, upgrade=False)
    assert store.schema_version == FIXTURE_VERSION and versions(old_store) == before
    assert len(store.read("kpis")) == 30
    if SCHEMA_VERSION == FIXTURE_VERSION:
        store.upsert("comments", [{"scorecard_id": "org", "subject_type": "kpi", "subject_id": "nps",
                                   "period": "2026Q3", "kind": "note", "text": "Saved: nothing to migrate."}])
        pytest.skip(NOTHING_PENDING + ", so saves are not refused")
    with pytest.raises(StoreVersionError, match=f"not upgraded to version {SCHEMA_VERSION} yet.*bsc migrate --store"):
        store.upsert("comments", [{"scorecard_id": "org", "subject_type": "kpi", "subject_id": "nps",
                                   "period": "2026Q3", "kind": "note", "text": "Refused."}])
    assert versions(old_store) == before


def test_migrate_dry_run_lists_the_pending_changes_and_changes_nothing(old_store: Path) -> None:
    before = versions(old_store)
    result = run("migrate", "--store", str(old_store), "--dry-run")
    assert result.exit_code == 0, result.output
    assert versions(old_store) == before and Store.open(old_store, upgrade=False).schema_version == FIXTURE_VERSION
    if SCHEMA_VERSION == FIXTURE_VERSION:
        assert "is at schema version 4, the version this bsc-widgets writes: nothing to do" in result.output
        pytest.skip(NOTHING_PENDING)
    assert f"has schema version {FIXTURE_VERSION}; this bsc-widgets writes version {SCHEMA_VERSION}" in result.output
    for name in upgraded_tables(FIXTURE_VERSION):
        assert f"  - {name}: " in result.output
    assert f"  - store_info: record schema version {SCHEMA_VERSION}" in result.output
    assert "Nothing was changed (dry run)" in result.output


def test_migrate_upgrades_with_one_history_entry_per_table_then_has_nothing_to_do(old_store: Path) -> None:
    before = versions(old_store)
    columns_before = {n: DeltaTable(str(old_store / n)).schema().to_arrow().names for n in before}
    made = last_commit(old_store)
    result = run("migrate", "--store", str(old_store))
    assert result.exit_code == 0, result.output
    if SCHEMA_VERSION == FIXTURE_VERSION:
        assert "nothing to do" in result.output and versions(old_store) == before
        pytest.skip(NOTHING_PENDING)
    assert f"Upgraded {old_store} from schema version {FIXTURE_VERSION} to {SCHEMA_VERSION}" in result.output
    store = Store.open(old_store, upgrade=False)
    assert store.schema_version == SCHEMA_VERSION
    changed = {n for n, v in versions(old_store).items() if v != before.get(n)}
    assert changed == {*upgraded_tables(FIXTURE_VERSION), "store_info"}
    for name in changed:
        history = store.history(name)
        upgrades = history[history["operation"] == f"upgrade to schema version {SCHEMA_VERSION}"]
        assert len(upgrades) == 1 and int(upgrades["version"].iloc[0]) == int(history["version"].max()), name
        if name in before:
            assert int(history["version"].max()) == before[name] + 1, "one new version per table"
    for name in upgraded_tables(FIXTURE_VERSION):  # new columns hold their old value in every record
        stored = DeltaTable(str(old_store / name)).to_pyarrow_table()
        derived = {c.name for c in TABLES[name].derived}
        for column in TABLES[name].all_columns:
            assert column.name in stored.column_names, (name, column.name)
            if column.name not in columns_before.get(name, ()) and column.name not in derived and len(stored):
                assert set(stored.column(column.name).to_pylist()) == {column.old_value}, (name, column.name)
    again = run("migrate", "--store", str(old_store))
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert versions(old_store) == {**before, **{n: v for n, v in versions(old_store).items() if n in changed}}
    assert_scores_as_before(scored(old_store))
    assert_scores_as_before(scored(old_store, "--as-of", made.isoformat()))  # the old versions are still readable


def test_the_old_versions_are_read_as_of_the_time_the_old_release_wrote_them(old_store: Path) -> None:
    made = last_commit(old_store)
    assert_scores_as_before(scored(old_store, "--as-of", made.isoformat()))
    old = Store.open(old_store).read_all(as_of=made)
    assert len(old["actuals"]) == 553 and len(old["targets"]) == 884


# ------------------------------------------------------------------ a store made older by hand
DATED = ("targets", "actuals", "comments", "closed_periods")
"""The tables schema version 4 added period dates to."""


@pytest.fixture
def schema3_store(sample_store: Path) -> Path:
    """The sample as schema version 3 wrote it: no period dates, version 3 in store_info."""
    return make_older(sample_store, {name: ["period_start", "period_end"] for name in DATED}, 3)


def test_migrate_a_schema3_store_dry_run_then_for_real(schema3_store: Path) -> None:
    before = versions(schema3_store)
    dry = run("migrate", "--store", str(schema3_store), "--dry-run")
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    assert lines[0].endswith(f"has schema version 3; this bsc-widgets writes version {SCHEMA_VERSION}. "
                             "Migrating it will:")
    for name in DATED:
        assert (f"  - {name}: add the columns period_start (blank in existing records), period_end (blank in "
                "existing records)") in lines
    assert {line.split(":")[0].strip(" -") for line in lines[1:-1]} == {*upgraded_tables(3), "store_info"}
    assert versions(schema3_store) == before, "a dry run changes nothing"
    with pytest.raises(StoreVersionError, match="bsc migrate"):
        Store.open(schema3_store, upgrade=False).upsert("comments", [
            {"scorecard_id": "org", "subject_type": "kpi", "subject_id": "nps", "period": "2026Q3", "kind": "note",
             "text": "Refused before the upgrade."}])
    written = last_commit(schema3_store)
    time.sleep(0.01)  # the upgrade's commits come strictly after the old ones, so as-of can tell them apart
    done = run("migrate", "--store", str(schema3_store))
    assert done.exit_code == 0 and f"from schema version 3 to {SCHEMA_VERSION}" in done.output
    assert "  - actuals: added the columns period_start" in done.output
    store = Store.open(schema3_store, upgrade=False)
    for name in DATED:
        assert store.history(name)["operation"].iloc[0] == f"upgrade to schema version {SCHEMA_VERSION}"
        assert int(store.history(name)["version"].iloc[0]) == before[name] + 1
    assert store.read("actuals")["period_start"].notna().all(), "the dates are filled from the periods"
    assert run("migrate", "--store", str(schema3_store)).output.strip().endswith("nothing to do.")
    old = store.read("actuals", as_of=written)
    assert len(old) == len(store.read("actuals")), "the version before the upgrade is still readable"
    store.upsert("comments", [{"scorecard_id": "org", "subject_type": "kpi", "subject_id": "nps", "period": "2026Q3",
                               "kind": "note", "text": "Saved after the upgrade."}])
