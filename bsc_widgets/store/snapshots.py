"""The current state of each table, kept in this process and refreshed by what changed.

Reading a table again after a save (or another writer's save) reads only the files the
new versions added: a partition rewritten by a save is read again, the others are taken
from memory.  So a form that saves and redraws, or a writer that checks its change
against the plan, pays for what changed, not for the whole plan.  Reads of an earlier
version or time go straight to the table and are not kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError, TableNotFoundError

from ..config import is_uri
from ..errors import BscValidationError, ConflictError, StoreCorruptError, StoreError, UnknownVersionError
from ..model.coerce import from_arrow
from ..model.schema import TABLES
from .native import first_line


@dataclass
class _Kept:
    """One table as last read: its version, its records, and which rows came from which data file."""

    delta: DeltaTable
    version: int = -1
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Data file -> (first row, end row) of its records in ``frame``."""
    frame: pd.DataFrame | None = None


class Snapshots:
    """Tables of one store as last read, refreshed incrementally (one object per :class:`Store`)."""

    def __init__(self, uri: Callable[[str], str], location: str, storage_options: dict[str, str] | None) -> None:
        self.uri = uri
        self.location = location
        self.storage_options = storage_options
        self._kept: dict[str, _Kept] = {}

    def delta(self, name: str) -> DeltaTable:
        """The table's DeltaTable, brought up to its latest version."""
        with self.reading(name):
            kept = self._kept.get(name)
            if kept is None:
                kept = self._kept[name] = _Kept(DeltaTable(self.uri(name), storage_options=self.storage_options))
            else:
                kept.delta.update_incremental()
            return kept.delta

    def current(self, name: str) -> tuple[int, pd.DataFrame]:
        """The table's latest version and its records (the frame is shared: copy it before changing it).

        Rows of data files read before are taken from the kept frame; only new files are
        read, all of them converted at once.
        """
        delta = self.delta(name)
        kept = self._kept[name]
        spec = TABLES[name]
        with self.reading(name):
            version = int(delta.version())
            if kept.frame is not None and kept.version == version:
                return version, kept.frame
            dataset = delta.to_pyarrow_dataset()
            previous = kept.frame
            reused: list[tuple[str, int, int]] = []
            fresh = []
            for fragment in dataset.get_fragments():
                span = kept.spans.get(fragment.path) if previous is not None else None
                if span is not None:
                    reused.append((fragment.path, *span))
                else:
                    fresh.append(fragment)
            parts: list[pd.DataFrame] = []
            if reused and previous is not None:
                rows = np.concatenate([np.arange(start, end) for _, start, end in reused])
                whole = len(rows) == len(previous) and bool((rows == np.arange(len(rows))).all())
                parts.append(previous if whole else previous.iloc[rows])
            sizes: dict[str, int] = {}
            if fresh or not parts:
                # One scan of the new files (in file order, one thread), converted to pandas at once.
                batches = []
                new = ds.FileSystemDataset(fresh, dataset.schema, dataset.format, dataset.filesystem)
                for tagged in new.scanner(use_threads=False).scan_batches():
                    batches.append(tagged.record_batch)
                    path = tagged.fragment.path
                    sizes[path] = sizes.get(path, 0) + tagged.record_batch.num_rows
                parts.append(from_arrow(spec, pa.Table.from_batches(batches, schema=dataset.schema)))
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        spans: dict[str, tuple[int, int]] = {}
        at = 0
        for path, size in [(p, end - start) for p, start, end in reused] + list(sizes.items()):
            spans[path] = (at, at + size)
            at += size
        kept.version, kept.spans, kept.frame = version, spans, frame
        return version, frame

    def read(self, name: str, *, version: int | None = None, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
        """The table's records at ``version`` or at the time ``as_of`` (UTC; see :meth:`version_at`), not kept."""
        if as_of is not None:
            version = self.version_at(name, as_of)
        try:
            with self.reading(name):
                delta = DeltaTable(self.uri(name), version=version, storage_options=self.storage_options)
                return from_arrow(TABLES[name], delta.to_pyarrow_table())
        except StoreError as error:
            if version is None:
                raise
            raise self._missing_version(name, version, error) from error

    def version_at(self, name: str, as_of: pd.Timestamp) -> int:
        """The version of the table that was current at ``as_of`` (the newest saved at or before it).

        :class:`UnknownVersionError` when the table did not exist yet then, or when the
        history kept (after ``bsc compact``) starts later.
        """
        with self.reading(name):
            delta = DeltaTable(self.uri(name), storage_options=self.storage_options)
            delta.load_as_version(as_of.to_pydatetime())
            version = int(delta.version())
            saved = self.commit_time(name, version)
        if saved is not None and as_of < saved:
            when, at = as_of.strftime("%Y-%m-%d %H:%M:%S UTC"), saved.strftime("%Y-%m-%d %H:%M:%S UTC")
            if version == 0:
                raise UnknownVersionError(f"table '{name}' did not exist yet at {when}: it was created at {at}. Fix: "
                                          "give a later time.")
            raise UnknownVersionError(f"table '{name}' has no history before {at} (version {version}; older versions "
                                      f"were removed by `bsc compact`), so it cannot be read as of {when}. Fix: give "
                                      "a later time.")
        return version

    def commit_time(self, name: str, version: int) -> pd.Timestamp | None:
        """When version ``version`` of the table was committed (None where the log does not say)."""
        if not is_uri(self.location):  # one small file, however long the history
            entry = Path(self.location) / name / "_delta_log" / f"{version:020d}.json"
            try:
                for line in entry.read_text(encoding="utf-8").splitlines():
                    info = json.loads(line).get("commitInfo")
                    if info and "timestamp" in info:
                        return pd.Timestamp(int(info["timestamp"]), unit="ms", tz="UTC")
            except (OSError, ValueError):
                pass
        # delta-rs numbers the history of a table loaded at an older version wrongly: ask the latest one.
        latest = DeltaTable(self.uri(name), storage_options=self.storage_options)
        found = next((e for e in latest.history() if int(e["version"]) == version), None)
        return pd.Timestamp(found["timestamp"], unit="ms", tz="UTC") if found else None

    def _missing_version(self, name: str, version: int, error: StoreError) -> StoreError:
        """The error for a version that cannot be read: the versions that can, or the damage that stops it."""
        try:
            versions = sorted(int(e["version"]) for e in DeltaTable(self.uri(name),
                                                                    storage_options=self.storage_options).history())
        except (DeltaError, OSError) as exc:
            return StoreCorruptError(f"table '{name}' at {self.uri(name)} cannot be read ({first_line(exc)}). Fix: "
                                     f"see `bsc history --store {self.location} {name}`.")
        versions = [v for v in versions if v >= 0]
        if not versions:
            return StoreError(f"table '{name}' has no versions at all. Fix: check the store path.")
        first, last = versions[0], versions[-1]
        if first <= version <= last:
            return error  # the version is there but cannot be read: damage, said as such
        why = (f"the history kept starts at version {first} (older versions were removed by `bsc compact`)"
               if version < first else f"the table's newest version is {last}")
        return UnknownVersionError(f"table '{name}' has no version {version}: {why}. Fix: pick a version from "
                                   f"{first} to {last} (`bsc history --store {self.location} {name}` lists them).")

    def adopt(self, other: Snapshots) -> None:
        """Keep the tables ``other`` (reading the same store) has read and this one has not.

        They are brought up to the latest version on their next read, as any kept table is.
        """
        if (other.location, other.storage_options) != (self.location, self.storage_options):
            raise ValueError(f"reads of {other.location} cannot serve {self.location}")
        self._kept = {**other._kept, **self._kept}

    def forget(self, name: str | None = None) -> None:
        """Drop what is kept of ``name`` (every table when None): the next read starts afresh."""
        if name is None:
            self._kept.clear()
        else:
            self._kept.pop(name, None)

    @contextmanager
    def reading(self, name: str) -> Iterator[None]:
        """Turn library errors while reading ``name`` into errors that say what to do."""
        where = self.uri(name)
        try:
            yield
        except (BscValidationError, ConflictError, StoreError):
            raise
        except TableNotFoundError as exc:
            raise StoreCorruptError(
                f"table '{name}' cannot be found at {where} ({first_line(exc)}). Fix: check the store "
                "path; if the folder was deleted, restore it from a backup."
            ) from exc
        except (DeltaError, OSError, pa.ArrowException, ValueError) as exc:
            self.forget(name)
            if "version" in str(exc).lower() and ("not" in str(exc).lower() or "invalid" in str(exc).lower()):
                raise StoreError(f"table '{name}' has no such version or time: {first_line(exc)}. Fix: "
                                 f"list the versions with `bsc history --store {self.location} {name}`.") from exc
            raise StoreCorruptError(
                f"table '{name}' at {where} is damaged and cannot be read ({first_line(exc)}). Fix: see what is "
                f"damaged with `bsc repair --store {self.location} --dry-run`, then mend it with `bsc repair --store "
                f"{self.location}` (it sets unreadable entries aside and goes back to the last good version)."
            ) from exc
