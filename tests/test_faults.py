"""Faults injected into real stores: each gives one plain message, and each is recoverable with the CLI.

Damaged data files, an unreadable or deleted newest log entry, a full disk and a read-only
disk.  The disk tests use a real tmpfs mount when the tests run as root (as in CI); as
another user they use what that user has (a full disk is then simulated by the free-space
check the store makes before writing, a read-only store by file permissions).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from disks import read_only, tmpfs
from plans import make_plan

from bsc_widgets import Store, StoreCorruptError, StoreError
from bsc_widgets.store.integrity import DAMAGED_DIR

ROW = {"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org"}


def bsc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from bsc_widgets.cli import main; main()", *args],
                          capture_output=True, text=True, env={**os.environ, "RUST_BACKTRACE": "1"})


def clean(result: subprocess.CompletedProcess[str]) -> str:
    """The command's error output, asserting it is one plain message (no traceback, no Rust panic)."""
    for noise in ("Traceback", "panicked", "stack backtrace", "Kernel error:\n", "   0: "):
        assert noise not in result.stderr, result.stderr
    return result.stderr


def saved_twice(tmp_path: Path) -> Store:
    """A plan whose actual rev/2026-01 was saved as 1.0, then as 2.0 (the newest version)."""
    store = make_plan(Store.create(tmp_path / "store"))
    store.upsert("actuals", [{**ROW, "value": 1.0}])
    store.upsert("actuals", [{**ROW, "value": 2.0}])
    return store


def value(location: str) -> float:
    return float(Store.open(location).read("actuals").set_index("period").at["2026-01", "value"])


def newest_data_file(store: Store) -> Path:
    return max((Path(store.location) / "actuals").glob("period=2026-01/*.parquet"), key=lambda p: p.stat().st_mtime)


@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_damaged_data_of_the_newest_version(tmp_path: Path, damage: str) -> None:
    store = saved_twice(tmp_path)
    data = newest_data_file(store)
    if damage == "truncate":
        data.write_bytes(data.read_bytes()[:40])
    else:
        data.unlink()
    read = bsc("read", "--store", store.location, "actuals")
    assert read.returncode == 1 and "table 'actuals'" in clean(read) and "bsc repair" in read.stderr
    dry = bsc("repair", "--store", store.location, "--dry-run")
    assert dry.returncode == 1 and "actuals: the data of version" in dry.stdout and "makes version" in dry.stdout
    mended = bsc("repair", "--store", store.location)
    assert mended.returncode == 0, mended.stdout + mended.stderr
    assert value(store.location) == 1.0, "the last readable version is current again"
    assert bsc("validate", "--store", store.location).returncode == 0


def test_unreadable_newest_log_entry_is_set_aside(tmp_path: Path) -> None:
    store = saved_twice(tmp_path)
    newest = store.version("actuals")
    entry = Path(store.location) / "actuals" / "_delta_log" / f"{newest:020d}.json"
    entry.write_text('{"commitInfo": {broken', encoding="utf-8")
    failed = bsc("validate", "--store", store.location)
    assert failed.returncode == 1 and "damaged and cannot be read" in clean(failed) and "bsc repair" in failed.stderr
    history = bsc("history", "--store", store.location, "actuals")
    assert history.returncode == 0 and "DAMAGED" in history.stdout.splitlines()[1]
    assert "upsert rev/2026-01" in history.stdout, "the readable versions are still listed"
    mended = bsc("repair", "--store", store.location)
    assert mended.returncode == 0 and f"log entry {newest} cannot be read" in mended.stdout
    assert value(store.location) == 1.0 and Store.open(store.location).version("actuals") == newest - 1
    kept = list((Path(store.location) / DAMAGED_DIR).glob(f"actuals-*/{newest:020d}.json"))
    assert kept and kept[0].read_text(encoding="utf-8").startswith('{"commitInfo": {broken'), "set aside, not deleted"
    Store.open(store.location).upsert("actuals", [{**ROW, "value": 3.0}])
    assert value(store.location) == 3.0


def test_a_deleted_newest_log_entry_is_detected_not_shown_as_current(tmp_path: Path) -> None:
    store = saved_twice(tmp_path)
    newest = store.version("actuals")
    (Path(store.location) / "actuals" / "_delta_log" / f"{newest:020d}.json").unlink()
    with pytest.raises(StoreCorruptError, match=rf"lost its newest commits: version {newest} was saved, but its log "
                                                 rf"ends at version {newest - 1}"):
        Store.open(store.location)
    failed = bsc("read", "--store", store.location, "actuals")
    assert failed.returncode == 1 and "restore the store folder from a backup" in clean(failed)
    dry = bsc("repair", "--store", store.location, "--dry-run")
    assert dry.returncode == 1 and "commit(s) are missing" in dry.stdout
    assert bsc("repair", "--store", store.location).returncode == 0
    assert value(store.location) == 1.0, "the loss is accepted; the store opens at the last version it has"


def test_a_full_disk_gives_one_message_and_keeps_the_previous_version(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with tmpfs(tmp_path / "disk", "2m") as real:
        store = saved_twice(tmp_path / "disk")
        if real:
            filler = tmp_path / "disk" / "filler"
            with contextlib.suppress(OSError), filler.open("wb") as out:
                while True:
                    out.write(b"\0" * 4096)
            assert shutil.disk_usage(store.location).free < 64 * 1024
            result = bsc("import", "--store", store.location, str(write_csv(tmp_path)))
            assert result.returncode == 1 and "the disk is full" in clean(result), result.stderr
            assert "The previous version is intact" in result.stderr
        else:
            monkeypatch.setattr(shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10**9, 10**9 - 1024, 1024))
            with pytest.raises(StoreError, match=r"the disk is full \(1 KB free"):
                Store.open(store.location).upsert("actuals", [{**ROW, "value": 9.0}])
        assert value(store.location) == 2.0


def write_csv(tmp_path: Path) -> Path:
    path = tmp_path / "actuals.csv"
    path.write_text("kpi,period,value\n" + "".join(f"rev,2026-{m:02d},{100 + m}\n" for m in range(1, 13)))
    return path


def test_a_read_only_store_can_be_read_and_refuses_saves_with_one_message(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "4m") as real:
        store = saved_twice(tmp_path / "disk")
        with read_only(tmp_path / "disk", real):
            read = bsc("read", "--store", store.location, "actuals")
            assert read.returncode == 0 and "2026-01" in read.stdout
            failed = bsc("import", "--store", store.location, str(write_csv(tmp_path)))
            assert failed.returncode == 1 and "Nothing was saved" in clean(failed), failed.stderr
            assert ("the disk is read-only" if real else "permission denied") in failed.stderr
            assert value(store.location) == 2.0
