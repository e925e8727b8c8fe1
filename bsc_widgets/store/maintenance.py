"""Keeping a store's history cheap: ``bsc compact``.

Every save adds a small file per partition it rewrote and a log entry; nothing is ever
deleted on its own, so every version stays readable.  :func:`compact` (under the writer
lock) merges small files and writes a checkpoint, and — only when told how much history
to keep — removes the files (``vacuum``, keeping those of every version inside the
retention) and, in a local store, the log entries that no version within that retention
needs (after a checkpoint at the oldest version kept).  Versions older than the
retention can no longer be read afterwards; the current state and every version inside
the retention can.  A dry run lists what would go.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from deltalake import CommitProperties, DeltaTable

from ..config import is_uri
from ..model.schema import TABLES
from .layout import WRITER


@dataclass(frozen=True)
class TableCompaction:
    """What compacting one table did (or, in a dry run, would do)."""

    table: str
    merged: int
    """Small files merged into larger ones."""
    removed: list[str] = field(default_factory=list)
    """Data files no version within the retention needs (removed, or to be removed)."""
    freed: int = 0
    """Bytes those files take (local stores; 0 where sizes are unknown)."""
    log_entries: int = 0
    """Log entries older than the retention (removed, or to be removed)."""
    oldest_version: int = 0
    """The oldest version that can be read afterwards."""


@dataclass(frozen=True)
class CompactReport:
    """What :func:`compact` did to every table."""

    tables: list[TableCompaction]
    keep: dt.timedelta | None
    dry_run: bool

    @property
    def freed(self) -> int:
        """Bytes freed (or to be freed) in all tables."""
        return sum(t.freed for t in self.tables)

    def as_text(self) -> str:
        """The report for a terminal."""
        verb = "would remove" if self.dry_run else "removed"
        keep = "the full history" if self.keep is None else f"the history of the last {_span(self.keep)}"
        lines = [f"{'Dry run: ' if self.dry_run else ''}compacting every table, keeping {keep}."]
        for t in self.tables:
            parts = [f"merged {t.merged} small file(s)"] if t.merged else []
            if self.keep is not None:
                parts.append(f"{verb} {len(t.removed)} file(s) ({t.freed / 1e6:.2f} MB) and {t.log_entries} log "
                             f"entr{'y' if t.log_entries == 1 else 'ies'}; versions from {t.oldest_version} on "
                             "stay readable")
            lines.append(f"  {t.table}: {'; '.join(parts) or 'nothing to do'}")
        if self.keep is not None:
            lines.append(f"In all: {self.freed / 1e6:.2f} MB {'to free' if self.dry_run else 'freed'}.")
        return "\n".join(lines)


def _span(keep: dt.timedelta) -> str:
    days = keep.total_seconds() / 86400
    return f"{days:g} day{'s' if days != 1 else ''}" if days >= 1 else f"{keep.total_seconds() / 3600:g} hour(s)"


WORTH_IT = 10
"""Log entries a table must have gathered before compacting writes it a checkpoint or trims its log:
fewer are cheaper to read than a checkpoint is to keep."""


def compact(uri: Callable[[str], str], location: str, storage_options: dict[str, str] | None,
            keep: dt.timedelta | None, dry_run: bool, props: Callable[[str], CommitProperties]) -> CompactReport:
    """Compact every table of the store (the caller holds the writer lock); see the module docstring."""
    results = []
    for name in TABLES:
        delta = DeltaTable(uri(name), storage_options=storage_options)
        merged = 0
        if not dry_run:
            metrics = delta.optimize.compact(writer_properties=WRITER, commit_properties=props("compact"))
            merged = int(metrics.get("numFilesRemoved", 0))
            delta.update_incremental()
            if int(delta.version()) - _last_checkpoint(location, name) >= WORTH_IT:
                delta.create_checkpoint()
        if keep is None:
            results.append(TableCompaction(name, merged, oldest_version=_oldest(delta)))
            continue
        cutoff = pd.Timestamp.now(tz="UTC") - keep
        current = int(delta.version())
        kept = sorted({current, *(int(e["version"]) for e in delta.history()
                                  if pd.Timestamp(e["timestamp"], unit="ms", tz="UTC") >= cutoff)})
        hours = max(0, math.floor(keep.total_seconds() / 3600))
        removed = delta.vacuum(retention_hours=hours, dry_run=True, enforce_retention_duration=False, full=True,
                               keep_versions=kept)
        freed = _sizes(location, name, removed)
        entries = _expired_log_entries(location, name, cutoff.timestamp(), current)
        entries = entries if entries >= WORTH_IT else 0  # a few entries are cheaper to keep than a checkpoint
        if not dry_run:
            if removed:
                delta.vacuum(retention_hours=hours, dry_run=False, enforce_retention_duration=False, full=True,
                             keep_versions=kept, commit_properties=props("compact"))
            if entries:
                _trim_log(location, name, uri(name), storage_options, min(kept))
        results.append(TableCompaction(name, merged, list(removed), freed, entries, min(kept)))
    return CompactReport(results, keep, dry_run)


def _last_checkpoint(location: str, name: str) -> int:
    """Version of the table's newest checkpoint (-1 when it has none, or where it cannot be told)."""
    if is_uri(location):
        return -1
    found = [int(p.name.split(".")[0]) for p in (Path(location) / name / "_delta_log").glob("*.checkpoint.parquet")]
    return max(found, default=-1)


def _oldest(delta: DeltaTable) -> int:
    return min((int(e["version"]) for e in delta.history()), default=0)


def _sizes(location: str, name: str, files: list[str]) -> int:
    if is_uri(location):
        return 0
    root = Path(location) / name
    return sum((root / f).stat().st_size for f in files if (root / f).is_file())


def _expired_log_entries(location: str, name: str, cutoff: float, current: int) -> int:
    """Log entries (JSON commits) older than ``cutoff`` and before the current version (local stores)."""
    if is_uri(location):
        return 0
    log = Path(location) / name / "_delta_log"
    count = 0
    for path in log.glob("*.json"):
        stem = path.name.split(".")[0]
        if stem.isdigit() and int(stem) < current and path.stat().st_mtime < cutoff:
            count += 1
    return count


def _trim_log(location: str, name: str, table_uri: str, storage_options: dict[str, str] | None,
              oldest: int) -> None:
    """Remove the log entries (and checkpoints) of versions before ``oldest``, after checkpointing ``oldest``.

    The checkpoint lets version ``oldest`` and every later one be read without the entries
    removed (local stores; object stores keep their log).
    """
    log = Path(location) / name / "_delta_log"
    if not (log / f"{oldest:020d}.checkpoint.parquet").exists():
        DeltaTable(table_uri, version=oldest, storage_options=storage_options).create_checkpoint()
    for path in log.iterdir():
        stem = path.name.split(".")[0]
        if stem.isdigit() and int(stem) < oldest and path.suffix in (".json", ".parquet", ".crc"):
            path.unlink()
