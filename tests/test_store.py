"""The Delta Lake store: reads, saves, history, as-of reads, conflicts, and clear errors."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner
from deltalake import DeltaTable, write_deltalake

from bsc_widgets import (
    SCHEMA_VERSION,
    BscValidationError,
    ConflictError,
    NotAStoreError,
    RecordExistsError,
    Store,
    StoreCorruptError,
    StoreError,
    StoreVersionError,
)
from bsc_widgets.cli import main
from bsc_widgets.model.schema import PLAN_TABLES

OBJ = {"objective_id": "F2", "scorecard_id": "org", "perspective_id": "financial",
       "title": "Improve the operating margin"}


def test_create_makes_every_table_and_records_the_schema_version(store: Store) -> None:
    for name in PLAN_TABLES:
        assert DeltaTable(f"{store.location}/{name}").version() == 0
        assert store.read(name).empty
    assert store.schema_version == SCHEMA_VERSION
    assert Store.open(store.location).schema_version == SCHEMA_VERSION


def test_create_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(StoreError, match="not empty"):
        Store.create(tmp_path)
    Store.create(tmp_path / "s")
    with pytest.raises(StoreError, match="already holds a store"):
        Store.create(tmp_path / "s")


def test_upsert_inserts_updates_and_skips_unchanged(plan: Store) -> None:
    first = plan.upsert("objectives", [OBJ])
    assert (first.inserted, first.updated, first.unchanged) == (1, 0, 0)
    again = plan.upsert("objectives", [OBJ])
    assert (again.inserted, again.updated, again.unchanged, again.version) == (0, 0, 1, None)
    changed = plan.upsert("objectives", [{**OBJ, "owner": "Maria"}], user="maria")
    assert (changed.inserted, changed.updated) == (0, 1)
    row = plan.read("objectives").set_index("objective_id").loc["F2"]
    assert (row["owner"], row["revision"], row["saved_by"]) == ("Maria", 2, "maria")
    assert row["weight"] == 1.0 and row["position"] == 1, "defaults are filled in"
    assert len(plan.read("objectives")) == 3


def test_read_filters_by_scorecard(plan: Store) -> None:
    plan.upsert("scorecards", [{"scorecard_id": "hr", "name": "HR", "parent_id": "org"}])
    plan.upsert("perspectives", [{"scorecard_id": "hr", "perspective_id": "learning", "name": "People",
                                  "position": 1}])
    assert set(plan.read("perspectives", scorecard="hr")["perspective_id"]) == {"learning"}
    assert len(plan.read("perspectives", scorecard="org")) == 4


def test_types_come_back_as_stored(plan: Store) -> None:
    plan.upsert("initiatives", [{"initiative_id": "I1", "scorecard_id": "org", "objective_id": "F1",
                                 "title": "Open two stores", "start": "2025-02-01", "due": "2025-12-31",
                                 "budget": "120000", "status": "active", "percent_complete": 40}])
    row = plan.read("initiatives").iloc[0]
    assert str(row["start"]) == "2025-02-01" and row["budget"] == 120000.0 and row["percent_complete"] == 40.0
    assert isinstance(row["saved_at"], pd.Timestamp) and str(row["saved_at"].tz) == "UTC"


def test_delete_and_refusal_when_still_used(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    result = plan.delete("objectives", ["F2"])
    assert result.deleted == 1 and "F2" not in set(plan.read("objectives")["objective_id"])
    version = plan.version("objectives")
    with pytest.raises(BscValidationError) as info:
        plan.delete("objectives", ["F1"])
    assert info.value.problems[0].record == "F1" and "still use it" in info.value.problems[0].message
    assert any(p.table == "kpis" and p.record == "rev" for p in info.value.problems)
    assert plan.version("objectives") == version
    assert "F1" in set(plan.read("objectives")["objective_id"])


def test_history_lists_version_time_operation_and_who(plan: Store) -> None:
    plan.upsert("objectives", [OBJ], user="maria")
    plan.delete("objectives", [("F2",)], user="jon")
    hist = plan.history("objectives")
    assert list(hist.columns) == ["version", "time", "operation", "user", "records"]
    assert hist["version"].tolist() == [3, 2, 1, 0]
    assert hist.iloc[0][["operation", "user", "records"]].tolist() == ["delete F2", "jon", "1"]
    assert hist.iloc[1][["operation", "user"]].tolist() == ["upsert F2", "maria"]
    assert hist["time"].is_monotonic_decreasing


def test_read_as_of_version_and_time(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    version = plan.version("objectives")
    time.sleep(0.05)
    moment = pd.Timestamp.now(tz="UTC")
    time.sleep(0.05)
    plan.upsert("objectives", [{**OBJ, "title": "Lift the operating margin to 12 %"}])
    assert plan.read("objectives", version=version).set_index("objective_id").loc["F2", "title"] == OBJ["title"]
    assert plan.read("objectives", as_of=moment).set_index("objective_id").loc["F2", "title"] == OBJ["title"]
    assert plan.read("objectives").set_index("objective_id").loc["F2", "title"].startswith("Lift")


def test_restore_makes_an_old_version_current(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    good = plan.version("objectives")
    plan.upsert("objectives", [{**OBJ, "title": "Oops, wrong text saved here"}])
    result = plan.restore("objectives", good)
    assert result.version == good + 2
    assert plan.read("objectives").set_index("objective_id").loc["F2", "title"] == OBJ["title"]
    assert plan.history("objectives").iloc[0]["operation"] == f"restore version {good}"


def test_restored_records_get_a_new_revision_so_a_stale_editor_cannot_overwrite_them(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    good = plan.version("objectives")
    untouched = plan.read("objectives").set_index("objective_id").loc["F1", "revision"]
    plan.upsert("objectives", [{**OBJ, "title": "Oops, wrong text saved here"}])  # F2 at revision 2
    plan.restore("objectives", good)
    now = plan.read("objectives").set_index("objective_id")
    assert now.loc["F2", "revision"] == 3 and now.loc["F2", "title"] == OBJ["title"]
    assert now.loc["F1", "revision"] == untouched, "a record the restore does not change keeps its revision"
    # Someone who opened F2 at revision 1 (before the bad save) is told, not silently saved over the restore.
    with pytest.raises(ConflictError):
        plan.upsert("objectives", [{**OBJ, "title": "Edited from an old screen", "revision": 1}])


def test_a_restore_based_on_an_older_newest_version_names_what_changed_since(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    good = plan.version("objectives")
    plan.upsert("objectives", [{**OBJ, "title": "Oops, wrong text saved here"}])
    seen = plan.version("objectives")  # what `bsc history` showed as the newest
    plan.upsert("objectives", [{"objective_id": "F1", "owner": "Someone new"}])  # saved meanwhile
    with pytest.raises(ConflictError) as caught:
        plan.restore("objectives", good, based_on=seen)
    assert caught.value.record == "F1" and caught.value.theirs["owner"] == "Someone new"
    assert plan.read("objectives").set_index("objective_id").loc["F2", "title"].startswith("Oops")
    result = CliRunner().invoke(main, ["restore", "--store", plan.location, "objectives", "--version", str(good),
                                    "--expect-current", str(seen)])
    assert result.exit_code == 1 and "F1" in result.output and "Nothing was saved" in result.output
    result = CliRunner().invoke(main, ["restore", "--store", plan.location, "objectives", "--version", str(good),
                                    "--expect-current", str(plan.version("objectives"))])
    assert result.exit_code == 0, result.output
    assert plan.read("objectives").set_index("objective_id").loc["F2", "title"] == OBJ["title"]


def test_same_record_edited_in_two_sessions_is_a_conflict(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    seen_by_ann = plan.read("objectives").set_index("objective_id").loc["F2", "revision"]
    seen_by_bob = seen_by_ann
    plan.upsert("objectives", [{**OBJ, "owner": "Ann", "revision": seen_by_ann}], user="ann")
    with pytest.raises(ConflictError) as info:
        plan.upsert("objectives", [{**OBJ, "owner": "Bob", "revision": seen_by_bob}], user="bob")
    error = info.value
    assert (error.theirs or {})["owner"] == "Ann" and error.yours["owner"] == "Bob"
    assert (error.expected_revision, error.actual_revision) == (1, 2)
    assert "theirs='Ann', yours='Bob'" in str(error) and "Nothing was saved" in str(error)
    assert plan.read("objectives").set_index("objective_id").loc["F2", "owner"] == "Ann"
    # after reloading, Bob's save goes through
    plan.upsert("objectives", [{**OBJ, "owner": "Ann and Bob", "revision": 2}], user="bob")


def test_creating_a_record_whose_id_is_taken_is_refused_as_existing(plan: Store) -> None:
    plan.upsert("objectives", [{**OBJ, "revision": 0}], user="ann")
    with pytest.raises(RecordExistsError, match=r"objectives 'F2' already exists \(saved by ann\).*open it to edit") \
            as caught:
        plan.upsert("objectives", [{**OBJ, "title": "Another text for F2", "revision": 0}], user="bob")
    assert isinstance(caught.value, ConflictError) and caught.value.theirs is not None
    assert caught.value.theirs["title"] == OBJ["title"]
    assert plan.read("objectives").set_index("objective_id").loc["F2", "title"] == OBJ["title"], "nothing saved"


def test_deleting_a_record_changed_meanwhile_is_a_conflict(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    plan.upsert("objectives", [{**OBJ, "owner": "Ann"}])
    with pytest.raises(ConflictError):
        plan.delete("objectives", [{"objective_id": "F2", "revision": 1}])
    assert "F2" in set(plan.read("objectives")["objective_id"])


@pytest.mark.parametrize("setup", ["missing", "empty", "other files"])
def test_opening_something_that_is_not_a_store(tmp_path: Path, setup: str) -> None:
    where = tmp_path / "here"
    if setup != "missing":
        where.mkdir()
    if setup == "other files":
        (where / "budget.xlsx").write_bytes(b"x")
    with pytest.raises(NotAStoreError) as info:
        Store.open(where)
    assert str(where) in str(info.value) and "bsc init" in str(info.value)


def test_store_written_by_a_newer_schema_version(store: Store) -> None:
    info = DeltaTable(f"{store.location}/store_info").to_pyarrow_table()
    newer = info.set_column(info.schema.get_field_index("schema_version"), "schema_version",
                            pa.array([SCHEMA_VERSION + 1], pa.int64()))
    write_deltalake(f"{store.location}/store_info", newer, mode="overwrite")
    with pytest.raises(StoreVersionError) as error:
        Store.open(store.location)
    assert store.location in str(error.value) and "upgrade bsc-widgets" in str(error.value)


def test_damaged_table_names_the_path_and_how_to_mend_it(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    good = plan.version("objectives")
    plan.upsert("objectives", [{**OBJ, "owner": "Ann"}])
    current = DeltaTable(f"{plan.location}/objectives").file_uris()
    for uri in current:
        Path(uri.removeprefix("file://")).write_bytes(b"PAR1 not really parquet")
    with pytest.raises(StoreCorruptError) as info:
        plan.read("objectives")
    message = str(info.value)
    assert "objectives" in message and plan.location in message and f"bsc repair --store {plan.location}" in message
    assert "Traceback" not in message
    with pytest.raises(StoreCorruptError):
        plan.upsert("objectives", [{**OBJ, "owner": "Bob"}])
    plan.restore("objectives", good)
    assert pd.isna(plan.read("objectives").set_index("objective_id").loc["F2", "owner"])


def test_missing_table_folder(plan: Store) -> None:
    import shutil

    shutil.rmtree(Path(plan.location) / "links")
    with pytest.raises(StoreCorruptError, match="links"):
        Store.open(plan.location)


def test_tables_open_with_plain_deltalake(plan: Store) -> None:
    frame = DeltaTable(f"{plan.location}/kpis").to_pandas()
    assert set(frame["kpi_id"]) == {"rev", "churn"}


def test_store_at_a_uri(tmp_path: Path) -> None:
    uri = f"file://{tmp_path}/uri-store"
    store = Store.create(uri)
    assert store.location == uri
    Store.open(uri).upsert("scorecards", [{"scorecard_id": "org", "name": "Org"}])
    assert DeltaTable(f"{tmp_path}/uri-store/scorecards").to_pandas()["name"].tolist() == ["Org"]
    with pytest.raises(NotAStoreError, match="nowhere"):
        Store.open(f"file://{tmp_path}/nowhere")


def test_undo_a_save_an_insert_and_a_delete(plan: Store) -> None:
    plan.upsert("objectives", [OBJ])
    changed = plan.upsert("objectives", [{**OBJ, "owner": "Ann"}])
    plan.undo_save("objectives", "F2", changed.version or 0)
    row = plan.read("objectives").set_index("objective_id").loc["F2"]
    assert pd.isna(row["owner"]) and row["revision"] == 3
    undone_create = plan.upsert("objectives", [{**OBJ, "objective_id": "F3"}])
    plan.undo_save("objectives", "F3", undone_create.version or 0)
    assert "F3" not in set(plan.read("objectives")["objective_id"])
    deleted = plan.delete("objectives", ["F2"])
    plan.undo_save("objectives", "F2", deleted.version or 0)
    assert plan.read("objectives").set_index("objective_id").loc["F2", "title"] == OBJ["title"]


def test_undo_refuses_when_someone_changed_the_record_since(plan: Store) -> None:
    mine = plan.upsert("objectives", [{**OBJ, "owner": "Ann"}])
    plan.upsert("objectives", [{**OBJ, "owner": "Bob"}], user="bob")
    with pytest.raises(ConflictError, match="theirs='Bob'"):
        plan.undo_save("objectives", "F2", mine.version or 0)
    assert plan.read("objectives").set_index("objective_id").loc["F2", "owner"] == "Bob"


def test_a_save_of_some_fields_keeps_the_others(plan: Store) -> None:
    plan.upsert("objectives", [{**OBJ, "description": "Margin from 8 % to 11 % by 2027", "weight": 2}])
    plan.upsert("objectives", [{"objective_id": "F2", "owner": "Ann"}])
    row = plan.read("objectives").set_index("objective_id").loc["F2"]
    assert (row["owner"], row["description"], row["weight"], row["title"]) == (
        "Ann", "Margin from 8 % to 11 % by 2027", 2.0, OBJ["title"])
    with pytest.raises(BscValidationError) as info:
        plan.upsert("objectives", [{"objective_id": "F9", "owner": "Ann"}])
    assert {p.field for p in info.value.problems} == {"scorecard_id", "perspective_id", "title"}
    assert "F9" not in set(plan.read("objectives")["objective_id"])


def _bytes(folder: str) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def test_compact_keeps_every_version_by_default_and_drops_only_older_history_when_asked(plan: Store) -> None:
    row = {"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org"}
    versions = {plan.upsert("actuals", [{**row, "value": float(i)}]).version: float(i) for i in range(30)}
    def value_at(version: int) -> float:
        return float(plan.read("actuals", version=version).set_index("period").at["2026-01", "value"])

    full = plan.compact()
    assert all(t.removed == [] for t in full.tables) and "keeping the full history" in full.as_text()
    assert all(value_at(v) == value for v, value in versions.items()), "every version is still readable"

    size = _bytes(plan.location)
    dry = plan.compact(keep=dt.timedelta(0), dry_run=True)
    actuals = next(t for t in dry.tables if t.table == "actuals")
    assert len(actuals.removed) == 29 and actuals.freed > 0 and "would remove 29 file(s)" in dry.as_text()
    assert _bytes(plan.location) == size and value_at(min(versions)) == 0.0, "a dry run changes nothing"

    done = plan.compact(keep=dt.timedelta(0))
    assert [(t.table, len(t.removed), t.log_entries) for t in done.tables] == [
        (t.table, len(t.removed), t.log_entries) for t in dry.tables], "the dry run said what compacting did"
    assert actuals.log_entries >= 29
    assert _bytes(plan.location) < size - actuals.freed / 2
    last = max(versions)
    assert value_at(last) == 29.0 and plan.read("actuals").set_index("period").at["2026-01", "value"] == 29.0
    with pytest.raises(StoreError, match=rf"no version {min(versions)}: the history kept starts at version {last}"):
        plan.read("actuals", version=min(versions))
    assert plan.history("actuals")["version"].min() == last
    assert next(t for t in done.tables if t.table == "actuals").oldest_version == last
    assert plan.validate() == [] and plan.upsert("actuals", [{**row, "value": 99.0}]).version is not None


def test_compact_keeps_the_versions_inside_the_retention(plan: Store) -> None:
    row = {"kpi_id": "rev", "period": "2026-02", "scorecard_id": "org"}
    first = plan.upsert("actuals", [{**row, "value": 1.0}]).version
    plan.compact(keep=dt.timedelta(days=1))
    assert plan.read("actuals", version=first).set_index("period").at["2026-02", "value"] == 1.0


def test_the_kept_state_matches_a_fresh_read_after_every_save(plan: Store) -> None:
    """Reads after saves reuse the rows of unchanged files: they must equal reading the table afresh."""
    import random

    store = plan
    months = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)]
    pick = random.Random(7)
    for step in range(40):
        chosen = pick.sample(months, pick.randint(1, 5))
        store.upsert("actuals", [{"kpi_id": "rev", "period": p, "scorecard_id": "org", "value": float(step)}
                                 for p in chosen])
        if step % 7 == 3:
            store.delete("actuals", [("rev", pick.choice(months))])
        kept = store.read("actuals").sort_values("period").reset_index(drop=True)
        fresh = Store.open(store.location).read("actuals").sort_values("period").reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, fresh)


def test_reads_taken_over_from_another_object_are_brought_up_to_date(plan: Store, tmp_path: Path) -> None:
    """A workshop kernel reads ahead while it waits; the page's store takes the reads and sees later saves."""
    ahead = Store.open(plan.location)
    ahead.read_all()
    objectives = plan.read("objectives")
    first = objectives.iloc[0].to_dict()
    plan.upsert("objectives", [{**first, "title": "Saved while the kernel waited"}])  # another writer
    page = Store.open(plan.location)
    assert page.adopt_reads(ahead)
    assert "Saved while the kernel waited" in set(page.read("objectives")["title"])
    assert page.read("kpis").equals(plan.read("kpis"))
    other = Store.create(tmp_path / "other")
    assert not other.adopt_reads(ahead)  # reads of another store are never taken
    assert other.read("objectives").empty
