"""Comments are threads: several per subject, period and kind, numbered by the store, none replacing another."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from disks import read_only, tmpfs

from bsc_widgets import ConflictError, Store, StoreVersionError
from bsc_widgets.model.plan import latest_comments
from bsc_widgets.model.schema import SCHEMA_VERSION, TABLES

THREAD = {"scorecard_id": "org", "subject_type": "kpi", "subject_id": "rev-net", "period": "2026-03",
          "kind": "analysis"}


def _thread(store: Store) -> pd.DataFrame:
    c = store.read("comments")
    mask = (c["subject_id"] == "rev-net") & (c["period"] == "2026-03") & (c["kind"] == "analysis")
    return c[mask.to_numpy(dtype=bool)].sort_values("number")


def test_a_second_comment_joins_the_thread_instead_of_replacing_the_first(sample_store: Path) -> None:
    store = Store.open(sample_store)
    store.upsert("comments", [{**THREAD, "text": "Revenue dipped: two big orders slipped.", "author": "Ana"}])
    result = store.upsert("comments", [{**THREAD, "text": "Both orders arrived in April.", "author": "Ben"}])
    thread = _thread(store)
    assert thread["number"].tolist() == [1, 2]
    assert thread["text"].tolist() == ["Revenue dipped: two big orders slipped.", "Both orders arrived in April."]
    assert thread["author"].tolist() == ["Ana", "Ben"]
    assert result.inserted == 1 and result.keys == [("kpi", "rev-net", "2026-03", "analysis", 2)]
    # Every entry is stamped with when it was written.
    assert thread["at"].notna().all()
    # The latest of each thread is what a one-line reader (the report headline, an export) shows.
    latest = latest_comments(store.read("comments"))
    row = latest[(latest["subject_id"] == "rev-net") & (latest["kind"] == "analysis")]
    assert row["text"].tolist() == ["Both orders arrived in April."]


def test_editing_an_entry_is_conflict_safe_and_leaves_the_others_alone(sample_store: Path) -> None:
    store = Store.open(sample_store)
    store.upsert("comments", [{**THREAD, "text": "First.", "author": "Ana"}])
    store.upsert("comments", [{**THREAD, "text": "Second.", "author": "Ben"}])
    first = _thread(store).iloc[0]
    store.upsert("comments", [{**THREAD, "number": 1, "text": "First, corrected.", "revision": int(first.revision)}])
    with pytest.raises(ConflictError) as caught:  # based on the revision before the correction
        store.upsert("comments", [{**THREAD, "number": 1, "text": "First, mine.", "revision": int(first.revision)}])
    assert caught.value.theirs["text"] == "First, corrected." and caught.value.yours["text"] == "First, mine."
    assert _thread(store)["text"].tolist() == ["First, corrected.", "Second."]


def _add_comments(location: str, worker: int) -> int:
    store = Store.open(location)
    for i in range(3):
        store.upsert("comments", [{**THREAD, "text": f"Comment {i} from worker {worker}"}], user=f"w{worker}")
    return worker


@pytest.mark.slow
def test_people_commenting_at_once_all_land_in_the_thread(sample_store: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        pool.starmap(_add_comments, [(str(sample_store), w) for w in range(6)])
    thread = _thread(Store.open(sample_store))
    assert thread["number"].tolist() == list(range(1, 19))
    assert sorted(thread["text"]) == sorted(f"Comment {i} from worker {w}" for w in range(6) for i in range(3))


def _as_schema_one(location: Path) -> None:
    """Turn a store into what schema version 1 wrote: comments keyed without a number, store_info at 1."""
    uri = str(location / "comments")
    data = DeltaTable(uri).to_pyarrow_table().drop_columns(["number", "period_start", "period_end"])
    write_deltalake(uri, data, mode="overwrite", schema_mode="overwrite", partition_by=["period"])
    for name in ("targets", "actuals"):  # the period dates came with schema 4
        uri = str(location / name)
        data = DeltaTable(uri).to_pyarrow_table().drop_columns(["period_start", "period_end"])
        write_deltalake(uri, data, mode="overwrite", schema_mode="overwrite", partition_by=["period"])
    info = DeltaTable(str(location / "store_info")).to_pyarrow_table()
    info = info.set_column(info.schema.get_field_index("schema_version"), "schema_version",
                           pa.array([1] * len(info), pa.int64()))
    write_deltalake(str(location / "store_info"), info, mode="overwrite")
    shutil.rmtree(location / "closed_periods")  # added by schema 3
    (location / "_bsc_versions.json").unlink()


def test_a_store_of_schema_one_is_upgraded_on_open_and_keeps_its_comments(sample_store: Path) -> None:
    before = Store.open(sample_store).read("comments").drop(columns=["number"])
    _as_schema_one(sample_store)
    old_version = DeltaTable(str(sample_store / "comments")).version()
    store = Store.open(sample_store)
    assert store.schema_version == SCHEMA_VERSION
    after = store.read("comments")
    assert (after["number"] == 1).all()
    key = ["subject_type", "subject_id", "period", "kind"]
    pd.testing.assert_frame_equal(after.drop(columns=["number"]).sort_values(key).reset_index(drop=True),
                                  before.sort_values(key).reset_index(drop=True), check_dtype=False)
    # The version written by schema 1 still reads, with the new column filled as the upgrade fills it,
    # and can be made current again.
    old = store.read("comments", version=old_version)
    assert list(old.columns) == [c.name for c in TABLES["comments"].all_columns] and (old["number"] == 1).all()
    store.restore("comments", old_version)
    assert len(store.read("comments")) == len(before)
    # A new comment joins the thread of the upgraded ones.
    store.upsert("comments", [{**THREAD, "text": "After the upgrade."}])
    assert Store.open(sample_store).schema_version == SCHEMA_VERSION
    history = store.history("comments")
    assert history["operation"].str.contains(f"upgrade to schema version {SCHEMA_VERSION}").any()


def test_an_old_store_that_cannot_be_written_is_read_and_says_why_it_cannot_change(
        tmp_path: Path, sample_template: Path) -> None:
    with tmpfs(tmp_path / "disk", "8m") as real:
        location = tmp_path / "disk" / "store"
        shutil.copytree(sample_template, location)
        _as_schema_one(location)
        with read_only(tmp_path / "disk", real):
            store = Store.open(location)
            assert store.schema_version == 1
            comments = store.read("comments")
            assert len(comments) and (comments["number"] == 1).all()
            with pytest.raises(StoreVersionError, match=rf"schema version 1\) and could not be upgraded to version "
                                                        rf"{SCHEMA_VERSION}.*"
                                                        r"open it once where it can be written"):
                store.upsert("comments", [{**THREAD, "text": "Not today."}])
        # Once it can be written, the next open upgrades it.
        assert Store.open(location).schema_version == SCHEMA_VERSION
