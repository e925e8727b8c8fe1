"""A store: one folder (or object-store URI) of Delta Lake tables, one per table of the model.

Every save is validated first, then committed as one atomic Delta transaction.
Saves use optimistic concurrency: a commit only succeeds on top of the version it
was computed from; when another writer got there first the save is recomputed on
the new state and tried again, so no acknowledged save is ever lost.  Records
carry a ``revision``: a caller that passes the revision it read gets a
:class:`~bsc_widgets.errors.ConflictError` (with both values) when someone else
saved the same record in between.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError

from ..config import current_user, is_uri
from ..errors import (
    BscValidationError,
    ConflictError,
    NotAStoreError,
    Problem,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreVersionError,
)
from ..model.coerce import Records, as_frame, coerce, from_arrow, key_of, required_problems, to_arrow
from ..model.rules import check_plan
from ..model.schema import PLAN_TABLES, SCHEMA_VERSION, TABLES, table
from ..model.values import plain_record, same_value
from ..version import __version__

TABLE_CONFIGURATION = {
    # Keep the whole history: a plan's audit trail must outlive Delta's 30-day default.
    "delta.logRetentionDuration": "interval 36500 days",
    "delta.enableExpiredLogCleanup": "false",
}
SAVE_TIMEOUT_S = 120.0
"""How long a save keeps retrying while other writers win, before StoreBusyError."""

Key = str | tuple[Any, ...] | Mapping[str, Any]


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the new table version (None if nothing changed) and counts."""

    table: str
    version: int | None
    inserted: int
    updated: int
    unchanged: int
    deleted: int = 0


class Store:
    """A bsc-widgets store at ``location`` (a folder path or an object-store URI)."""

    def __init__(self, location: str | os.PathLike[str], storage_options: dict[str, str] | None = None) -> None:
        text = os.fspath(location)
        self.location = text if is_uri(text) else str(Path(text).expanduser().resolve())
        self.storage_options = storage_options

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    # ----------------------------------------------------------------- create/open
    @classmethod
    def create(cls, location: str | os.PathLike[str], *, storage_options: dict[str, str] | None = None,
               user: str | None = None) -> Store:
        """Create an empty store (every table, no rows) and return it.

        Raises :class:`StoreError` if the location already holds a store or other files.
        """
        store = cls(location, storage_options)
        if not is_uri(store.location):
            path = Path(store.location)
            if path.exists() and any(path.iterdir()):
                if store._exists("store_info"):
                    raise StoreError(f"{store.location} already holds a store. Fix: open it, or choose "
                                     "another folder.")
                raise StoreError(f"{store.location} is not empty. Fix: choose a new or empty folder "
                                 "for the store.")
            path.mkdir(parents=True, exist_ok=True)
        for name in PLAN_TABLES:
            store._create_table(name)
        info = pd.DataFrame([{
            "name": "store", "schema_version": SCHEMA_VERSION,
            "created_at": pd.Timestamp.now(tz="UTC"), "created_by": user or current_user(),
            "package_version": __version__,
        }])
        frame, _ = coerce(TABLES["store_info"], info)
        # store_info is written last: a store without it is an unfinished create.
        write_deltalake(store._uri("store_info"), to_arrow(TABLES["store_info"], frame),
                        mode="error", configuration=TABLE_CONFIGURATION,
                        storage_options=storage_options)
        return store

    @classmethod
    def open(cls, location: str | os.PathLike[str], *, storage_options: dict[str, str] | None = None) -> Store:
        """Open an existing store, checking that it is one and that its schema is supported."""
        store = cls(location, storage_options)
        if not is_uri(store.location) and not Path(store.location).is_dir():
            raise NotAStoreError(f"{store.location} does not exist. Fix: create a store with "
                                 f"`bsc init {store.location}` (add --sample for the example organisation).")
        if not store._exists("store_info"):
            raise NotAStoreError(f"{store.location} is not a bsc-widgets store (no store_info table). Fix: "
                                 "check the path, or create a store there with `bsc init DIR`.")
        info = store.read("store_info")
        version = int(info["schema_version"].max()) if len(info) else 0
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{store.location} was written with schema version {version}, but this bsc-widgets "
                f"({__version__}) understands up to version {SCHEMA_VERSION}. Fix: upgrade bsc-widgets "
                "(pip install -U bsc-widgets); do not edit this store with the old version."
            )
        if version < 1:
            raise StoreVersionError(f"{store.location} has no valid schema version in store_info. Fix: "
                                    "restore store_info with `bsc restore` or recreate the store.")
        for name in PLAN_TABLES:
            if not store._exists(name):
                raise StoreCorruptError(
                    f"table '{name}' is missing from {store.location}. Fix: restore the folder "
                    f"{store._uri(name)} from a backup, or recreate the store."
                )
        return store

    @classmethod
    def open_or_create(cls, location: str | os.PathLike[str], *,
                       storage_options: dict[str, str] | None = None) -> Store:
        """Open the store at ``location``, creating an empty one when nothing is there yet.

        A folder that holds other files is refused (:class:`NotAStoreError`), never overwritten.
        """
        try:
            return cls.open(location, storage_options=storage_options)
        except NotAStoreError:
            text = os.fspath(location)
            if not is_uri(text) and Path(text).exists() and any(Path(text).iterdir()):
                raise
            return cls.create(location, storage_options=storage_options)

    @property
    def schema_version(self) -> int:
        """Schema version recorded in the store."""
        return int(self.read("store_info")["schema_version"].max())

    # ----------------------------------------------------------------- reading
    def read(self, name: str, *, scorecard: str | None = None, version: int | None = None,
             as_of: dt.datetime | str | None = None) -> pd.DataFrame:
        """The records of table ``name``, optionally of one scorecard, as of a version or time."""
        spec = table(name)
        with self._reading(name):
            delta = self._table(name, version=version, as_of=as_of)
            frame = from_arrow(spec, delta.to_pyarrow_table())
        if scorecard is not None and "scorecard_id" in frame.columns:
            frame = frame[frame["scorecard_id"] == scorecard].reset_index(drop=True)
        return frame

    def read_all(self, *, scorecard: str | None = None) -> dict[str, pd.DataFrame]:
        """Every plan table, by name."""
        return {name: self.read(name, scorecard=scorecard) for name in PLAN_TABLES}

    def version(self, name: str) -> int:
        """Current version number of table ``name``."""
        with self._reading(name):
            return int(self._table(name).version())

    def history(self, name: str) -> pd.DataFrame:
        """Change history of a table, newest first: version, time, operation, user, records."""
        table(name)
        with self._reading(name):
            entries = self._table(name).history()
        rows = [{
            "version": int(e["version"]),
            "time": pd.Timestamp(e["timestamp"], unit="ms", tz="UTC"),
            "operation": e.get("bsc.operation") or str(e.get("operation", "")).lower(),
            "user": e.get("bsc.user", ""),
            "records": e.get("bsc.records", ""),
        } for e in entries]
        return pd.DataFrame(rows, columns=["version", "time", "operation", "user", "records"])

    def validate(self) -> list[Any]:
        """Every problem in the stored plan (empty when the plan is consistent)."""
        return check_plan(self.read_all())

    # ----------------------------------------------------------------- writing
    def upsert(self, name: str, records: Records, *, user: str | None = None) -> SaveResult:
        """Insert or update records of table ``name`` (validated before anything is written).

        A record that carries ``revision`` is only saved if the stored record still has that
        revision (0 means "must not exist yet"); otherwise :class:`ConflictError` is raised.
        Records identical to the stored ones are left alone (no new revision).
        """
        spec = table(name)
        if name == "store_info":
            raise StoreError("store_info is maintained by the store itself and cannot be edited.")
        given = as_frame(records)
        batch, problems = coerce(spec, given, partial=True)
        provided = [c for c in spec.names if c in given.columns]
        if problems:
            # Report the cross-table problems of the same batch too, so a form shows all at once.
            try:
                # Rows whose key is unreadable are already reported; merge the others.
                unique = batch.dropna(subset=list(spec.key)).drop_duplicates(subset=list(spec.key))
                self._commit(name, "", lambda current: self._merge(name, current, unique, "", provided), dry_run=True)
            except BscValidationError as more:
                seen = {(p.key, p.field) for p in problems}
                problems += [p for p in more.problems if (p.key, p.field) not in seen]
            except (ConflictError, StoreError):
                pass
            raise BscValidationError(problems)
        if batch.empty:
            return SaveResult(name, None, 0, 0, 0)
        who = user or current_user()
        return self._commit(name, who, lambda current: self._merge(name, current, batch, who, provided))

    def delete(self, name: str, keys: Iterable[Key], *, user: str | None = None) -> SaveResult:
        """Remove records by key. Refused (nothing removed) if other records still use them.

        A key may be the id text (single-column keys), a tuple of key values, or a mapping
        of key columns, optionally with ``revision`` to detect a concurrent edit.
        """
        spec = table(name)
        wanted = pd.DataFrame([_key_mapping(spec.key, k) for k in keys])
        if wanted.empty:
            return SaveResult(name, None, 0, 0, 0)
        who = user or current_user()

        def change(current: pd.DataFrame) -> tuple[pd.DataFrame, SaveResult, str]:
            index = _key_index(current, spec.key)
            positions = []
            for row in wanted.to_dict("records"):
                key = tuple(row[k] for k in spec.key)
                pos = index.get(key)
                expected = row.get("revision")
                if expected is not None and not pd.isna(expected):
                    actual = 0 if pos is None else int(current.iloc[pos]["revision"])
                    if actual != int(expected):
                        raise ConflictError(name, "/".join(map(str, key)),
                                            None if pos is None else _record(current.iloc[pos]),
                                            {"removed": True}, int(expected), actual, tuple(map(str, key)))
                if pos is not None:
                    positions.append(pos)
            remaining = current.drop(current.index[positions]).reset_index(drop=True)
            removed = [spec.key_text(_record(current.iloc[p])) for p in positions]
            return remaining, SaveResult(name, None, 0, 0, 0, len(positions)), f"delete {', '.join(removed)}"

        return self._commit(name, who, change)

    def undo_save(self, name: str, key: Key, version: int, *, user: str | None = None) -> SaveResult:
        """Undo what the save that made table version ``version`` did to the record ``key``.

        The record goes back to how it was in version ``version - 1`` (re-created if that
        save removed it, removed if that save created it).  Raises :class:`ConflictError`
        if the record was changed again after that save: undoing would lose that change.
        """
        spec = table(name)
        wanted = _key_mapping(spec.key, key)
        key_tuple = tuple(wanted[k] for k in spec.key)

        def find(frame: pd.DataFrame) -> dict[str, Any] | None:
            pos = _key_index(frame, spec.key).get(key_tuple)
            return None if pos is None else _record(frame.iloc[pos])

        before = find(self.read(name, version=version - 1)) if version > 0 else None
        after = find(self.read(name, version=version))
        now = find(self.read(name))
        if (now or {}).get("revision") != (after or {}).get("revision"):
            raise ConflictError(name, "/".join(map(str, key_tuple)), now, after or {"removed": True},
                                int((after or {}).get("revision") or 0), int((now or {}).get("revision") or 0),
                                tuple(map(str, key_tuple)))
        expected = int((now or {}).get("revision") or 0)
        if before is None:
            return self.delete(name, [{**wanted, "revision": expected}], user=user)
        record = {k: v for k, v in before.items() if k in spec.names}
        return self.upsert(name, [{**record, "revision": expected}], user=user)

    def restore(self, name: str, version: int, *, user: str | None = None) -> SaveResult:
        """Make version ``version`` of table ``name`` current again (as a new version)."""
        table(name)
        old = self.read(name, version=version)
        who = user or current_user()

        def change(_: None) -> tuple[pd.DataFrame, SaveResult, str]:
            return old, SaveResult(name, None, 0, 0, 0), f"restore version {version}"

        return self._commit(name, who, change, validate=False)

    # ----------------------------------------------------------------- internals
    def _merge(self, name: str, current: pd.DataFrame, batch: pd.DataFrame, who: str,
               provided: list[str]) -> tuple[pd.DataFrame, SaveResult, str]:
        """The table with ``batch`` merged in: columns not ``provided`` keep their stored value
        (or get their default in a new record)."""
        spec = TABLES[name]
        index = _key_index(current, spec.key)
        now = pd.Timestamp.now(tz="UTC")
        data_cols = spec.names
        defaults, _ = coerce(spec, [{k: None for k in spec.key}])
        keep = pd.Series(True, index=current.index)
        new_rows: list[dict[str, Any]] = []
        missing: list[Problem] = []
        inserted = updated = unchanged = 0
        for given in batch.to_dict("records"):
            key = tuple(given[k] for k in spec.key)
            pos = index.get(key)
            old = None if pos is None else _record(current.iloc[pos])
            expected = given.pop("revision", None)
            base = {c: defaults.at[0, c] for c in data_cols} if old is None else old
            row = {**{c: base[c] for c in data_cols}, **{c: given[c] for c in provided}}
            if old is None:
                missing += required_problems(spec, row)
            actual = 0 if old is None else int(old["revision"])
            if expected is not None and not pd.isna(expected) and int(expected) != actual:
                raise ConflictError(name, spec.key_text(row), old, plain_record(row), int(expected), actual,
                                    key_of(spec, row))
            if old is not None and all(same_value(old[c], row[c]) for c in data_cols):
                unchanged += 1
                continue
            if old is None:
                inserted += 1
            else:
                updated += 1
                keep.iloc[pos] = False
            new_rows.append({**row, "revision": actual + 1, "saved_at": now, "saved_by": who})
        if missing:
            raise BscValidationError(missing)
        if not new_rows:
            return current, SaveResult(name, None, 0, 0, unchanged), ""
        added = pd.DataFrame(new_rows, columns=[c.name for c in spec.all_columns])
        merged = pd.concat([current[keep.to_numpy()], added], ignore_index=True) if len(current) else added
        keys = ", ".join(spec.key_text(r) for r in new_rows[:5]) + (" …" if len(new_rows) > 5 else "")
        return merged, SaveResult(name, None, inserted, updated, unchanged), f"upsert {keys}"

    def _commit(self, name: str, who: str, change: Any, *, validate: bool = True,
                dry_run: bool = False) -> SaveResult:
        """Apply ``change`` to the current state and commit it; retry if another writer won.

        With ``dry_run`` the change is computed and validated but not written.
        """
        spec = TABLES[name]
        deadline = time.monotonic() + SAVE_TIMEOUT_S
        attempt = 0
        while True:
            attempt += 1
            with self._reading(name):
                delta = self._table(name)
                # A restore must work even when the current files are damaged: it never reads them.
                current = from_arrow(spec, delta.to_pyarrow_table()) if validate else None
            new, result, operation = change(current)
            if new is current:
                return result
            if validate:
                self._check_change(name, current, new, result, operation)
            if dry_run:
                return result
            arrow = to_arrow(spec, new)
            props = CommitProperties(
                custom_metadata={"bsc.user": who, "bsc.operation": operation,
                                 "bsc.records": str(result.inserted + result.updated + result.deleted)},
                max_commit_retries=0,
            )
            try:
                write_deltalake(delta, arrow, mode="overwrite", commit_properties=props,
                                storage_options=self.storage_options)
            except CommitFailedError:
                if time.monotonic() > deadline:
                    raise StoreBusyError(
                        f"could not save to table '{name}' in {self.location}: other writers kept "
                        f"committing for {SAVE_TIMEOUT_S:.0f} s ({attempt} attempts). Nothing was "
                        "saved. Fix: try again in a moment."
                    ) from None
                time.sleep(random.uniform(0.002, 0.01 * min(attempt, 20)))
                continue
            except (DeltaError, OSError) as exc:
                raise StoreError(f"could not save to table '{name}' in {self.location}: {exc}. "
                                 "The previous version is intact. Fix: check the disk and "
                                 "permissions, then save again.") from exc
            return SaveResult(name, self._committed_version(delta),
                              result.inserted, result.updated, result.unchanged, result.deleted)

    @staticmethod
    def _committed_version(delta: DeltaTable) -> int:
        delta.update_incremental()
        return int(delta.version())

    def _check_change(self, name: str, current: pd.DataFrame, new: pd.DataFrame, result: SaveResult,
                      operation: str) -> None:
        """Refuse the change if it adds problems the stored plan did not have."""
        frames = {t: (current if t == name else self.read(t)) for t in PLAN_TABLES}
        before = {p.identity for p in check_plan(frames)}
        frames[name] = new
        added = [p for p in check_plan(frames) if p.identity not in before]
        if not added:
            return
        if result.deleted:
            removed = tuple(operation.removeprefix("delete ").split("/"))
            added.insert(0, Problem(name, removed, TABLES[name].key[-1], None,
                                    f"cannot be removed: {len(added)} other record(s) still use it "
                                    "(listed below)", "remove or re-point those records first", "in_use"))
        raise BscValidationError(added)

    def _uri(self, name: str) -> str:
        return f"{self.location.rstrip('/')}/{name}"

    def _exists(self, name: str) -> bool:
        try:
            return bool(DeltaTable.is_deltatable(self._uri(name), storage_options=self.storage_options))
        except (DeltaError, OSError):
            return False

    def _create_table(self, name: str) -> None:
        spec = TABLES[name]
        empty = pa.Table.from_pylist([], schema=spec.arrow_schema())
        write_deltalake(self._uri(name), empty, mode="error", configuration=TABLE_CONFIGURATION,
                        storage_options=self.storage_options,
                        commit_properties=CommitProperties(custom_metadata={
                            "bsc.user": current_user(), "bsc.operation": "create table", "bsc.records": "0"}))

    def _table(self, name: str, *, version: int | None = None,
               as_of: dt.datetime | str | None = None) -> DeltaTable:
        delta = DeltaTable(self._uri(name), version=version, storage_options=self.storage_options)
        if as_of is not None:
            stamp = pd.Timestamp(as_of)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
            delta.load_as_version(stamp.to_pydatetime())
        return delta

    @contextmanager
    def _reading(self, name: str) -> Iterator[None]:
        """Turn library errors while reading ``name`` into errors that say what to do."""
        where = self._uri(name)
        try:
            yield
        except BscValidationError:
            raise
        except (ConflictError, StoreError):
            raise
        except TableNotFoundError as exc:
            raise StoreCorruptError(
                f"table '{name}' cannot be found at {where} ({_first_line(exc)}). Fix: check the store "
                "path; if the folder was deleted, restore it from a backup."
            ) from exc
        except (DeltaError, OSError, pa.ArrowException, ValueError) as exc:
            if "version" in str(exc).lower() and ("not" in str(exc).lower() or "invalid" in str(exc).lower()):
                raise StoreError(f"table '{name}' has no such version or time: {_first_line(exc)}. Fix: "
                                 f"list the versions with `bsc history --store {self.location} {name}`.") from exc
            raise StoreCorruptError(
                f"table '{name}' at {where} is damaged and cannot be read ({_first_line(exc)}). Fix: "
                f"list its versions with `bsc history --store {self.location} {name}` and make the last "
                f"good one current with `bsc restore --store {self.location} {name} --version N`."
            ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _key_mapping(key: tuple[str, ...], value: Key) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return {k: value[k] for k in (*key, "revision") if k in value}
    values = (value,) if isinstance(value, str) else tuple(value)
    if len(values) != len(key):
        raise ValueError(f"a key of this table has {len(key)} parts ({', '.join(key)}), got {value!r}")
    return dict(zip(key, values, strict=True))


def _key_index(frame: pd.DataFrame, key: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
    columns = [frame[k].tolist() for k in key]
    return {tuple(values): pos for pos, values in enumerate(zip(*columns, strict=True))}


def _record(row: pd.Series) -> dict[str, Any]:
    """A stored row as a record of plain values."""
    return plain_record(row.to_dict())
