"""Knowing when a store is damaged, and mending it: the version record and ``bsc repair``.

Delta Lake cannot tell that its newest log entries were deleted (the table simply looks
older), so the store records, after every commit it makes, each table's version in
``_bsc_versions.json`` next to the tables.  A table whose log ends before the recorded
version has lost its latest commits, and the store says so instead of showing older data
as current.  :func:`diagnose` finds that and the other damage we know — a log entry that
cannot be parsed, data files that are missing or cannot be read — and :func:`repair`
moves unreadable log entries aside (into ``_bsc_damaged/``, never deleting them) so the
table is back at its last good version, or makes the last readable version current.
Local stores only: object stores keep no record and are diagnosed, not repaired.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deltalake import DeltaTable

from ..config import is_uri

RECORD_FILE = "_bsc_versions.json"
"""Each table's version after the store's last commit to it."""
DAMAGED_DIR = "_bsc_damaged"
"""Where repair moves log entries that cannot be read (kept for inspection)."""


class VersionRecord:
    """The versions the store last committed, per table (a small JSON file written after each commit)."""

    def __init__(self, location: str) -> None:
        self.path = None if is_uri(location) else Path(location) / RECORD_FILE

    def read(self) -> dict[str, int]:
        """The recorded versions (empty when there is no record, e.g. a store from an older release)."""
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def record(self, table: str, version: int) -> None:
        """Record ``table`` at ``version`` (atomically: a reader sees the old or the new record)."""
        if self.path is None:
            return
        data = {**self.read(), table: int(version)}
        temp = self.path.with_name(f"{RECORD_FILE}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(temp, self.path)


def log_versions(location: str, table: str) -> list[int]:
    """The versions that have a log entry (a JSON commit) in a local table, oldest first."""
    log = Path(location) / table / "_delta_log"
    if not log.is_dir():
        return []
    return sorted(int(p.name.split(".")[0]) for p in log.glob("*.json") if p.name.split(".")[0].isdigit())


def has_entry(location: str, table: str, version: int) -> bool:
    """Whether a local table's log holds the entry of ``version`` (one file check, whatever the history's length)."""
    return (Path(location) / table / "_delta_log" / f"{version:020d}.json").is_file()


@dataclass(frozen=True)
class TableHealth:
    """What is wrong with one table (``ok`` when nothing), and how repair would mend it."""

    table: str
    ok: bool
    problem: str = ""
    current: int | None = None
    """The newest version that can be read (None when none can)."""
    damaged: list[int] = field(default_factory=list)
    """Newer versions that cannot be read (their log entries are moved aside by repair)."""
    missing: list[int] = field(default_factory=list)
    """Versions the store committed whose log entries are gone (their saves are lost)."""
    restore_to: int | None = None
    """When the newest log entry reads but its data does not: the version repair makes current again."""

    def describe(self) -> str:
        """One line for a terminal."""
        if self.ok:
            return f"{self.table}: fine (version {self.current})"
        return f"{self.table}: {self.problem}"


def _readable(uri: str, version: int | None, storage_options: Mapping[str, str] | None) -> str | None:
    """None when the table reads at ``version`` (its log and every data file), else why not."""
    try:
        delta = DeltaTable(uri, version=version, storage_options=dict(storage_options or {}))
        dataset = delta.to_pyarrow_dataset()
        for fragment in dataset.get_fragments():
            fragment.to_table(schema=dataset.schema, use_threads=False)
    except Exception as exc:  # any failure (log, parquet, Arrow, I/O) means: not readable at this version
        text = str(exc).strip().splitlines()
        return text[0][:200] if text else type(exc).__name__
    return None


def diagnose(location: str, uri: Callable[[str], str], tables: list[str],
             storage_options: Mapping[str, str] | None) -> list[TableHealth]:
    """The health of every table: unreadable newest entries, unreadable data, lost commits."""
    recorded = VersionRecord(location).read()
    out = []
    for name in tables:
        versions = log_versions(location, name) if not is_uri(location) else []
        why = _readable(uri(name), None, storage_options)
        latest = versions[-1] if versions else None
        expected = recorded.get(name)
        if why is None:
            current = int(DeltaTable(uri(name), storage_options=dict(storage_options or {})).version())
            if expected is not None and current < expected:
                lost = list(range(current + 1, expected + 1))
                out.append(TableHealth(name, False, f"its newest {len(lost)} commit(s) are missing (version "
                                       f"{expected} was saved, the log ends at {current}): the saves they held are "
                                       "lost. Restore the store folder from a backup to get them back, or accept the "
                                       "loss with `bsc repair`", current, missing=lost))
            else:
                out.append(TableHealth(name, True, current=current))
            continue
        if not versions:
            out.append(TableHealth(name, False, f"cannot be read ({why}) and has no log to mend it from"))
            continue
        good = next((v for v in reversed(versions[:-1]) if _readable(uri(name), v, storage_options) is None), None)
        entry_reads = _entry_parses(location, name, latest)
        if good is None:
            out.append(TableHealth(name, False, f"cannot be read at any version ({why}); restore the folder from a "
                                   "backup"))
        elif entry_reads:
            out.append(TableHealth(name, False, f"the data of version {latest} cannot be read ({why}); repair makes "
                                   f"version {good} current again", good, restore_to=good))
        else:
            damaged = [v for v in versions if v > good]
            plural = len(damaged) > 1
            out.append(TableHealth(name, False, f"log entr{'ies' if plural else 'y'} {', '.join(map(str, damaged))} "
                                   f"cannot be read ({why}); repair sets {'them' if plural else 'it'} aside and the "
                                   f"table is at version {good} again (the save{'s' if plural else ''} "
                                   f"{'they' if plural else 'it'} held cannot be recovered)", good, damaged=damaged))
    return out


def _entry_parses(location: str, table: str, version: int | None) -> bool:
    if version is None:
        return False
    path = Path(location) / table / "_delta_log" / f"{version:020d}.json"
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                json.loads(line)
    except (OSError, ValueError):
        return False
    return True


def history_from_log(location: str, table: str) -> list[dict[str, object]]:
    """The commits of a local table read straight from its log files, newest first (when the table cannot be opened).

    An entry that cannot be parsed is listed as damaged; an entry removed by ``bsc compact``
    is not listed.
    """
    out: list[dict[str, object]] = []
    for version in reversed(log_versions(location, table)):
        path = Path(location) / table / "_delta_log" / f"{version:020d}.json"
        info: dict[str, object] = {}
        try:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip() and "commitInfo" in (action := json.loads(line)):
                    info = action["commitInfo"]
        except (OSError, ValueError):
            out.append({"version": version, "timestamp": int(path.stat().st_mtime * 1000),
                        "bsc.operation": "DAMAGED: this entry cannot be read (bsc repair sets it aside)"})
            continue
        out.append({"version": version, **info})
    return out


def set_aside(location: str, table: str, versions: list[int]) -> Path:
    """Move the log files of ``versions`` (and a checkpoint pointer to them) into ``_bsc_damaged/``."""
    log = Path(location) / table / "_delta_log"
    target = Path(location) / DAMAGED_DIR / f"{table}-{time.strftime('%Y%m%dT%H%M%S')}"
    target.mkdir(parents=True, exist_ok=True)
    for path in list(log.iterdir()):
        stem = path.name.split(".")[0]
        if stem.isdigit() and int(stem) in versions:
            shutil.move(str(path), target / path.name)
    pointer = log / "_last_checkpoint"
    try:
        if pointer.exists() and int(json.loads(pointer.read_text(encoding="utf-8"))["version"]) in versions:
            shutil.move(str(pointer), target / pointer.name)
    except (OSError, ValueError, KeyError):
        shutil.move(str(pointer), target / pointer.name)
    return target
