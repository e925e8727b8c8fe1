"""A store: one folder (or object-store URI) of Delta Lake tables, one per table of the model.

Every save is checked first, then committed as one atomic Delta transaction that rewrites
only the partitions it touches (:mod:`~bsc_widgets.store.layout`).  Saves take turns
(:mod:`~bsc_widgets.store.lock`): each reads the current state, checks its change against
it — only the records it touches and those related to them
(:func:`~bsc_widgets.model.rules.check_change`) — and commits, so no save is lost, none
is recomputed after losing a race, and a change that another concurrent change makes
invalid is refused.  Records carry a ``revision``: a caller that passes the revision it
read gets a :class:`~bsc_widgets.errors.ConflictError` (with both versions) when someone
else saved the same record in between.  Where there is no lock (object stores), a commit
that loses a race to another writer is recomputed on the new state and tried again.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError

from ..config import current_user, is_uri
from ..errors import (
    BscValidationError,
    ConflictError,
    InputError,
    NotAllowedError,
    NotAStoreError,
    PeriodClosedError,
    Problem,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreVersionError,
    UnknownVersionError,
)
from ..model.coerce import Records, as_frame, coerce, to_arrow
from ..model.keys import key_mask
from ..model.parse import MOMENT_FORMS, moment
from ..model.periods import parse_period
from ..model.permissions import FACILITATOR_TEXT, may_change, may_decide, refusal
from ..model.plan import PERIOD_LOCKED_TABLES, closing, require_scorecard
from ..model.rules import check_change, check_plan, empty_frame, tables_for_change
from ..model.schema import (
    ADDED_TABLES,
    PLAN_TABLES,
    SCHEMA_VERSION,
    SYSTEM_COLUMNS,
    SYSTEM_TABLES,
    TABLES,
    table,
)
from ..model.text import text_problem, visible
from ..model.values import plain
from ..roster import session
from ..version import __version__
from . import changes
from .changes import Change, Key, key_mapping
from .integrity import (
    TableHealth,
    VersionRecord,
    diagnose,
    has_entry,
    history_from_log,
    log_versions,
    set_aside,
)
from .layout import (
    CHECKPOINT_INTERVAL,
    PARTITIONS,
    TABLE_CONFIGURATION,
    create_table,
    partition_column,
    replace_table,
    write_partitions,
)
from .lock import WriteLock
from .maintenance import CompactReport, compact
from .migration import PendingChange, pending_changes, upgraded_tables
from .native import first_line, native_noise_held, plain_cause
from .snapshots import Snapshots

STORE_TABLES = tuple(name for name in TABLES if name != "store_info")
"""Every table but store_info (written last on create): the plan tables and closed_periods."""
SAVE_TIMEOUT_S = 120.0
"""How long a save waits for its turn (or keeps retrying against other writers) before StoreBusyError."""

__all__ = ["CHECKPOINT_INTERVAL", "SAVE_TIMEOUT_S", "TABLE_CONFIGURATION", "Key", "SaveResult", "Store"]


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the new table version (None if nothing changed) and counts."""

    table: str
    version: int | None
    inserted: int
    updated: int
    unchanged: int
    deleted: int = 0
    keys: list[tuple[Any, ...]] = field(default_factory=list)
    """Keys of the records inserted, updated or removed (with the numbers the store gave, e.g. a comment's)."""


class Store:
    """A bsc-widgets store at ``location`` (a folder path or an object-store URI)."""

    def __init__(self, location: str | os.PathLike[str], storage_options: dict[str, str] | None = None) -> None:
        text = os.fspath(location)
        self.location = text if is_uri(text) else str(Path(text).expanduser().resolve())
        self.storage_options = storage_options
        self._snapshots = Snapshots(self._uri, self.location, storage_options)
        self._lock = WriteLock(self.location, SAVE_TIMEOUT_S)
        self._record = VersionRecord(self.location)
        self._outdated: str | None = None  # why an older store could not be upgraded (it is then read-only)

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    # ----------------------------------------------------------------- create/open
    @classmethod
    def create(cls, location: str | os.PathLike[str], *, storage_options: dict[str, str] | None = None,
               user: str | None = None) -> Store:
        """Create an empty store (every table, no rows) and return it.

        Raises :class:`StoreError` if the location already holds a store or other files.
        """
        _refuse_unless_facilitator()
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
        who = _user(user)
        for name in STORE_TABLES:
            create_table(store._uri(name), name, storage_options, _props(who, "create table", 0))
        info = pd.DataFrame([{
            "name": "store", "schema_version": SCHEMA_VERSION, "created_at": pd.Timestamp.now(tz="UTC"),
            "created_by": who, "package_version": __version__,
        }])
        frame, _ = coerce(TABLES["store_info"], info)
        # store_info is written last: a store without it is an unfinished create.
        write_deltalake(store._uri("store_info"), to_arrow(TABLES["store_info"], frame), mode="error",
                        configuration=TABLE_CONFIGURATION, storage_options=storage_options)
        return store

    @classmethod
    def open(cls, location: str | os.PathLike[str], *, storage_options: dict[str, str] | None = None,
             upgrade: bool = True) -> Store:
        """Open an existing store, checking that it is one and that its schema is supported.

        A store written with an older schema version is upgraded (:meth:`upgrade`) unless
        ``upgrade`` is False: it can then be read, and :meth:`pending_upgrade` says what an
        upgrade would change, but saves are refused until it is upgraded.
        """
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
        upgrade_creates = set(upgraded_tables(version))
        for name in STORE_TABLES:
            if not store._exists(name) and name not in upgrade_creates:
                raise StoreCorruptError(
                    f"table '{name}' is missing from {store.location}. Fix: restore the folder "
                    f"{store._uri(name)} from a backup, or recreate the store."
                )
        store._check_record()
        if version < SCHEMA_VERSION:
            if upgrade:
                store._upgrade()
            else:
                store._outdated = (f"{store.location} has schema version {version} and is not upgraded to version "
                                   f"{SCHEMA_VERSION} yet: it can be read but not changed. Fix: run `bsc migrate "
                                   f"--store {store.location}` (any other bsc command upgrades it too).")
        return store

    def pending_upgrade(self) -> list[PendingChange]:
        """What :meth:`upgrade` would change, table by table (empty when the store is at the current version)."""
        self._snapshots.forget("store_info")
        found = self.schema_version
        stored: dict[str, list[str] | None] = {}
        for name in upgraded_tables(found):
            stored[name] = self._snapshots.delta(name).schema().to_arrow().names if self._exists(name) else None
        return pending_changes(found, stored)

    def upgrade(self, *, user: str | None = None) -> list[PendingChange]:
        """Bring a store written with an older schema version to the current one; return what was changed.

        Runs once, under the writer lock: each changed table is rewritten in the new layout
        (new columns get their ``old_value``) or created, as one new version whose history
        entry says ``upgrade to schema version N`` (so the old version stays readable with
        ``as_of``); store_info is written last.  Nothing is changed (an empty list) when the
        store is current, for example because another process upgraded it meanwhile.
        :class:`StoreError` when a table cannot be written.
        """
        who = _user(user)
        with self._lock.hold("upgrade the store", who):
            pending = self.pending_upgrade()
            if not pending:
                self._outdated = None
                return []
            what = f"upgrade to schema version {SCHEMA_VERSION}"
            for change in pending:
                name = change.table
                if change.action == "create":  # a table the new version adds
                    self._write(name, create_table, self._uri(name), name, self.storage_options, _props(who, what, 0))
                elif change.action == "rewrite":
                    frame = self._snapshots.current(name)[1]
                    self._write(name, partial(replace_table, new_schema=True), self._snapshots.delta(name), name,
                                frame, _props(who, what, len(frame)), self.storage_options)
                else:
                    info = self.read("store_info").assign(schema_version=SCHEMA_VERSION)
                    self._write(name, replace_table, self._snapshots.delta(name), name, info, _props(who, what, 1),
                                self.storage_options)
                self._snapshots.forget(name)
                if name != "store_info":
                    self._record.record(name, self.version(name))
            self._outdated = None
            return pending

    def _upgrade(self) -> None:
        """Upgrade on open (:meth:`upgrade`); a store that cannot be written (read-only) stays readable."""
        try:
            self.upgrade()
        except StoreError as error:
            cause = str(error).split(" Fix:")[0]
            self._outdated = (f"{self.location} was written by an older bsc-widgets (schema version "
                              f"{self.schema_version}) and could not be upgraded to version {SCHEMA_VERSION}: "
                              f"{cause} It can be read but not changed. Fix: open it once where it can be "
                              "written (any bsc command upgrades it).")

    def _check_record(self) -> None:
        """Refuse a store whose tables lost commits it made (their newest log entries were deleted)."""
        if is_uri(self.location):
            return
        for name, recorded in self._record.read().items():
            if has_entry(self.location, name, recorded):
                continue  # the log reaches the recorded version (newer ones are other writers' commits)
            versions = log_versions(self.location, name)
            if versions and versions[-1] < recorded:
                raise StoreCorruptError(
                    f"table '{name}' in {self.location} has lost its newest commits: version {recorded} was saved, but "
                    f"its log ends at version {versions[-1]}, so the saves after that are gone. Fix: restore the "
                    f"store folder from a backup, or accept the loss with `bsc repair --store {self.location}`.")

    @classmethod
    def for_repair(cls, location: str | os.PathLike[str], *,
                   storage_options: dict[str, str] | None = None) -> Store:
        """The store at ``location`` without the checks :meth:`open` makes (which a damaged store fails)."""
        store = cls(location, storage_options)
        if not is_uri(store.location) and not (Path(store.location) / "store_info").is_dir():
            raise NotAStoreError(f"{store.location} is not a bsc-widgets store (no store_info table). Fix: check "
                                 "the path.")
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

    def adopt_reads(self, other: Store) -> bool:
        """Take over what ``other`` — another object for the same store — has read; False for another store.

        A workshop kernel reads the store while it waits for its participant and hands the
        reads to the store its page opens: only what was saved in between is read again.
        """
        if (other.location, other.storage_options) != (self.location, self.storage_options):
            return False
        self._snapshots.adopt(other._snapshots)
        return True

    @property
    def schema_version(self) -> int:
        """Schema version recorded in the store."""
        return int(self.read("store_info")["schema_version"].max())

    # ----------------------------------------------------------------- reading
    def read(self, name: str, *, scorecard: str | None = None, version: int | None = None,
             as_of: dt.datetime | dt.date | str | None = None) -> pd.DataFrame:
        """The records of table ``name``, optionally of one scorecard, as of a version or a time.

        ``as_of`` is a datetime or text in one of :data:`~bsc_widgets.model.parse.MOMENT_FORMS`
        (a date alone: the end of that day, UTC); :class:`InputError` when it is neither, and
        :class:`UnknownVersionError` for a version or time the history does not hold.
        """
        table(name)
        if version is None and as_of is None:
            frame = self._snapshots.current(name)[1].copy()
        else:
            frame = self._snapshots.read(name, version=version, as_of=None if as_of is None else as_moment(as_of))
        if scorecard is not None and "scorecard_id" in frame.columns:
            frame = frame[(frame["scorecard_id"] == scorecard).to_numpy(dtype=bool)]
        return frame.reset_index(drop=True)

    def read_all(self, *, scorecard: str | None = None, as_of: dt.datetime | dt.date | str | None = None,
                 versions: Mapping[str, int] | None = None) -> dict[str, pd.DataFrame]:
        """Every plan table, by name: now, as of a time, or at the versions of a map (see :meth:`versions`).

        A version map (e.g. the one a report was pinned to) must name every plan table, except tables a later
        schema version added (:data:`~bsc_widgets.model.schema.ADDED_TABLES`): a map or a time from before
        they existed reads them as empty.
        """
        if versions is not None:
            missing = [t for t in PLAN_TABLES if t not in versions and t not in ADDED_TABLES]
            if missing:
                raise InputError(f"the version map names no version of {', '.join(missing)}. Fix: give one for every "
                                 f"table ({', '.join(PLAN_TABLES)}), e.g. from a report's results file.")
            return {name: self.read(name, scorecard=scorecard, version=int(versions[name])) if name in versions
                    else empty_frame(name).copy() for name in PLAN_TABLES}
        moment_ = None if as_of is None else as_moment(as_of)
        return {name: self._read_added(name, scorecard, moment_) for name in PLAN_TABLES}

    def _read_added(self, name: str, scorecard: str | None, moment_: dt.datetime | None) -> pd.DataFrame:
        """Table ``name`` as of ``moment_``; empty for a table a later schema version added after that moment."""
        try:
            return self.read(name, scorecard=scorecard, as_of=moment_)
        except UnknownVersionError:
            if name not in ADDED_TABLES or moment_ is None:
                raise
            created = self.created_at(name)
            if created is None or pd.Timestamp(moment_) >= created:
                raise
            return empty_frame(name).copy()

    def saved_at(self, versions: Mapping[str, int]) -> pd.Timestamp | None:
        """When the newest of these table versions was committed (None where the log does not say)."""
        times = [self._snapshots.commit_time(name, int(version)) for name, version in versions.items()]
        known = [t for t in times if t is not None]
        return max(known) if known else None

    def versions(self, *, as_of: dt.datetime | dt.date | str | None = None) -> dict[str, int]:
        """The version of every plan table now (or current at ``as_of``): what pins a reading of the whole plan."""
        if as_of is None:
            return {name: self._snapshots.current(name)[0] for name in PLAN_TABLES}
        moment_ = as_moment(as_of)
        found = {}
        for name in PLAN_TABLES:
            try:
                found[name] = self._snapshots.version_at(name, moment_)
            except UnknownVersionError:
                created = self.created_at(name) if name in ADDED_TABLES else None
                if created is None or pd.Timestamp(moment_) >= created:
                    raise
        return found

    def version_at(self, name: str, as_of: dt.datetime | dt.date | str) -> int:
        """The version of table ``name`` current at ``as_of``; :class:`UnknownVersionError` when none was."""
        table(name)
        return self._snapshots.version_at(name, as_moment(as_of))

    def created_at(self, name: str) -> pd.Timestamp | None:
        """When table ``name`` was created (None once ``bsc compact`` removed its first log entry)."""
        table(name)
        return self._snapshots.commit_time(name, 0)

    def version(self, name: str) -> int:
        """Current version number of table ``name``."""
        table(name)
        return int(self._snapshots.delta(name).version())

    def history(self, name: str) -> pd.DataFrame:
        """Change history of a table, newest first: version, time, operation, user, records."""
        table(name)
        try:
            with self._snapshots.reading(name):
                entries = DeltaTable(self._uri(name), storage_options=self.storage_options).history()
        except StoreCorruptError:
            if is_uri(self.location) or not log_versions(self.location, name):
                raise
            entries = history_from_log(self.location, name)  # the log's readable entries, damaged ones marked
        rows = [{
            "version": int(e["version"]),
            "time": pd.Timestamp(e["timestamp"], unit="ms", tz="UTC"),
            "operation": e.get("bsc.operation") or str(e.get("operation", "")).lower(),
            "user": e.get("bsc.user", ""),
            "records": e.get("bsc.records", ""),
        } for e in entries]
        return pd.DataFrame(rows, columns=["version", "time", "operation", "user", "records"])

    def validate(self) -> list[Problem]:
        """Every problem in the stored plan (empty when the plan is consistent)."""
        return check_plan(self.read_all())

    # ----------------------------------------------------------------- writing
    def upsert(self, name: str, records: Records, *, user: str | None = None, note: str | None = None) -> SaveResult:
        """Insert or update records of table ``name`` (checked before anything is written).

        A record that carries ``revision`` is only saved if the stored record still has that
        revision (0 means "must not exist yet"); otherwise :class:`ConflictError` is raised
        (:class:`RecordExistsError` when a new record's key is taken).  Records identical to
        the stored ones are left alone (no new revision).  ``note`` is added to the
        operation the table's history shows (e.g. "accepted cand-3, proposed by Ana").
        """
        spec = table(name)
        _refuse_system(name)
        _refuse_table(name)
        given = as_frame(records)
        batch, problems = coerce(spec, given, partial=True)
        provided = [c for c in spec.names if c in given.columns]
        who = _user(user)
        if problems:
            # Report the cross-table problems of the same batch too, so a form shows all at once.
            complete = [k for k in spec.key if k != spec.numbered]  # a numbered column is filled in later
            unique = batch.dropna(subset=complete).drop_duplicates(subset=list(spec.key))
            seen = {(p.key, p.field) for p in problems}
            try:
                more = self._problems(name, lambda current: changes.merge(name, current, unique, who, provided))
            except BscValidationError as error:
                more = error.problems
            except StoreError:
                more = []
            raise BscValidationError(problems + [p for p in more if (p.key, p.field) not in seen])
        if batch.empty:
            return SaveResult(name, None, 0, 0, 0)

        def compute(current: pd.DataFrame) -> Change:
            change = changes.merge(name, current, batch, who, provided)
            return replace(change, operation=f"{change.operation} ({note})") if note and change.operation else change

        return self._commit(name, who, compute)

    def delete(self, name: str, keys: Iterable[Key], *, user: str | None = None) -> SaveResult:
        """Remove records by key. Refused (nothing removed) if other records still use them.

        A key may be the id text (single-column keys), a tuple of key values, or a mapping
        of key columns, optionally with ``revision`` to detect a concurrent edit.
        """
        spec = table(name)
        _refuse_system(name)
        _refuse_table(name)
        wanted = pd.DataFrame([key_mapping(spec.key, k) for k in keys])
        if wanted.empty:
            return SaveResult(name, None, 0, 0, 0)
        return self._commit(name, _user(user), lambda current: changes.remove(name, current, wanted))

    # ----------------------------------------------------------------- closing periods
    def closed_periods(self, *, scorecard: str | None = None) -> pd.DataFrame:
        """The closed periods (scorecard, period, who closed it, when, why), oldest period first."""
        frame = self.read("closed_periods", scorecard=scorecard)
        return frame.sort_values(["scorecard_id", "period"], kind="stable").reset_index(drop=True)

    def close_period(self, period: str, *, scorecard: str, reason: str = "", user: str | None = None) -> SaveResult:
        """Close ``period`` of ``scorecard``: its actuals, targets and comments (and its sub-periods') are locked.

        Checked in the same turn of the writer lock as every save, so no save can slip past
        it.  :class:`InputError` for an unknown scorecard or a malformed or already closed period.
        """
        who = _user(user)
        wanted = self._closing_key(period, scorecard)
        record = {**wanted, "reason": _reason(wanted, reason) or None, "revision": 0}

        def compute(current: pd.DataFrame) -> Change:
            if len(current[key_mask(current, ("scorecard_id", "period"), pd.DataFrame([wanted]))]):
                row = current[key_mask(current, ("scorecard_id", "period"), pd.DataFrame([wanted]))].iloc[0]
                raise InputError(f"period {wanted['period']} of scorecard {scorecard} is already closed (by "
                                 f"{row['closed_by']} on {pd.Timestamp(row['closed_at']):%Y-%m-%d}).")
            batch, _ = coerce(TABLES["closed_periods"], [record], partial=True)
            change = changes.merge("closed_periods", current, batch, who, [*wanted, "reason"])
            return replace(change, operation=f"close {scorecard}/{wanted['period']}" + (f": {reason}" if reason
                                                                                          else ""))

        return self._commit("closed_periods", who, compute)

    def reopen_period(self, period: str, *, scorecard: str, reason: str, user: str | None = None) -> SaveResult:
        """Reopen a closed period (the reason and who reopened it are kept in the table's history)."""
        if not reason.strip():
            raise InputError("reason: say why the period is reopened (it is kept in the history), e.g. "
                             "'restating the May actual after the audit'")
        who = _user(user)
        wanted = self._closing_key(period, scorecard)
        _reason(wanted, reason)

        def compute(current: pd.DataFrame) -> Change:
            change = changes.remove("closed_periods", current, pd.DataFrame([wanted]))
            if change.empty:
                raise InputError(f"period {wanted['period']} of scorecard {scorecard} is not closed. Fix: see "
                                 f"`bsc periods --store {self.location}`.")
            return replace(change, operation=f"reopen {scorecard}/{wanted['period']}: {reason.strip()}")

        return self._commit("closed_periods", who, compute)

    def _closing_key(self, period: str, scorecard: str) -> dict[str, str]:
        require_scorecard(self.read("scorecards"), scorecard)
        found = moment_period(period)
        return {"scorecard_id": scorecard, "period": found}

    def undo_save(self, name: str, key: Key, version: int, *, user: str | None = None) -> SaveResult:
        """Undo what the save that made table version ``version`` did to the record ``key``.

        The record goes back to how it was in version ``version - 1`` (re-created if that
        save removed it, removed if that save created it).  Raises :class:`ConflictError`
        if the record was changed again after that save: undoing would lose that change.
        """
        spec = table(name)
        wanted = key_mapping(spec.key, key)
        keys = pd.DataFrame([wanted])

        def find(frame: pd.DataFrame) -> dict[str, Any] | None:
            return next(iter(changes.matching(frame, spec, keys).values()), None)

        before = find(self.read(name, version=version - 1)) if version > 0 else None
        after = find(self.read(name, version=version))
        now = find(self.read(name))
        key_tuple = tuple(str(wanted[k]) for k in spec.key)
        if (now or {}).get("revision") != (after or {}).get("revision"):
            raise ConflictError(name, "/".join(key_tuple), now, after or {"removed": True},
                                int((after or {}).get("revision") or 0), int((now or {}).get("revision") or 0),
                                key_tuple)
        expected = int((now or {}).get("revision") or 0)
        if before is None:
            return self.delete(name, [{**wanted, "revision": expected}], user=user)
        record = {k: v for k, v in before.items() if k in spec.names}
        return self.upsert(name, [{**record, "revision": expected}], user=user)

    def restore(self, name: str, version: int, *, user: str | None = None,
                based_on: int | None = None) -> SaveResult:
        """Make version ``version`` of table ``name`` current again (as a new version).

        Restored records that differ from the current ones get a new revision (so an editor
        still holding a revision from before cannot overwrite them silently); unchanged
        ones keep theirs.  ``based_on`` is the table version the caller saw as the newest
        (e.g. in ``bsc history``): if records changed after it, :class:`ConflictError`
        lists them and nothing is restored.
        """
        spec = table(name)
        _refuse_unless_facilitator()
        if self._outdated:
            raise StoreVersionError(self._outdated)
        old = self.read(name, version=version)
        who = _user(user)
        with self._lock.hold(f"restore {name}", who):
            try:
                now: pd.DataFrame | None = self._snapshots.current(name)[1]
            except StoreError:  # damaged current files: a restore must still work, and never reads them again
                now = None
            if based_on is not None and now is not None and self.version(name) != based_on:
                changes.raise_if_changed(name, self.read(name, version=based_on), now, f"restore version {version}")
            restore = changes.restored(spec, old, now, who)
            self._refuse_closed(name, [restore.touched])
            # Open the table afresh: its current files may be the damaged ones.
            with self._snapshots.reading(name):
                delta = DeltaTable(self._uri(name), storage_options=self.storage_options)
            self._write(name, replace_table, delta, name, restore.rows,
                        _props(who, f"restore version {version}", len(restore.rows)), self.storage_options)
            self._snapshots.forget(name)
            version = self.version(name)
            self._record.record(name, version)
            return SaveResult(name, version, restore.back, restore.changed, restore.unchanged, restore.gone)

    def compact(self, *, keep: dt.timedelta | None = None, dry_run: bool = False,
                user: str | None = None) -> CompactReport:
        """Merge small files and checkpoint every table; with ``keep``, drop the history older than that.

        Versions older than ``keep`` can no longer be read afterwards (their files and log
        entries are removed); ``keep=None`` keeps the full history.  ``dry_run`` lists what
        would be removed and changes nothing.
        """
        _refuse_unless_facilitator()
        who = _user(user)
        with self._lock.hold("compact", who):
            try:
                report = compact(self._uri, self.location, self.storage_options, keep, dry_run,
                                 lambda what: _props(who, what, 0))
            except (DeltaError, OSError) as exc:
                raise StoreError(f"could not compact {self.location}: {first_line(exc)}. Every version is still "
                                 "intact. Fix: check the disk and permissions, then run it again.") from exc
            finally:
                self._snapshots.forget()
            for name in TABLES:
                if not is_uri(self.location):
                    self._record.record(name, self.version(name))
        return report

    def diagnose(self) -> list[TableHealth]:
        """What is damaged in each table, and how :meth:`repair` would mend it (nothing is changed)."""
        return diagnose(self.location, self._uri, list(TABLES), self.storage_options)

    def repair(self, *, dry_run: bool = False, user: str | None = None) -> list[TableHealth]:
        """Mend every damaged table (see :mod:`~bsc_widgets.store.integrity`); return what was found.

        Unreadable newest log entries are moved into ``_bsc_damaged/`` (the table is back at
        its last good version); a newest version whose data cannot be read is replaced by the
        last readable one (a restore); lost commits are accepted.  With ``dry_run`` nothing
        is changed.
        """
        _refuse_unless_facilitator()
        who = _user(user)
        with self._lock.hold("repair", who):
            found = self.diagnose()
            if dry_run or is_uri(self.location):
                return found
            for health in found:
                if health.ok or health.current is None:
                    continue
                if health.damaged:
                    set_aside(self.location, health.table, health.damaged)
                    self._record.record(health.table, health.current)
                elif health.restore_to is not None:
                    self.restore(health.table, health.restore_to, user=who)
                elif health.missing:
                    self._record.record(health.table, health.current)
            self._snapshots.forget()
        return found

    # ----------------------------------------------------------------- internals
    def _frames(self, name: str) -> dict[str, pd.DataFrame]:
        """The tables a check of a change to ``name`` reads, as they are now (kept frames: not to be changed)."""
        if name in SYSTEM_TABLES:
            return {name: self._snapshots.current(name)[1]}
        return {t: self._snapshots.current(t)[1] for t in sorted(tables_for_change(name))}

    def _refuse_closed(self, name: str, touched: list[pd.DataFrame]) -> None:
        """Raise :class:`PeriodClosedError` when records being changed belong to a closed period (under the lock)."""
        if name not in PERIOD_LOCKED_TABLES:
            return
        rows = pd.concat([t[["scorecard_id", "period"]] for t in touched if len(t)], ignore_index=True) \
            if any(len(t) for t in touched) else pd.DataFrame(columns=["scorecard_id", "period"])
        locked = closing(rows, self._snapshots.current("closed_periods")[1])
        if not locked:
            return
        periods = list(dict.fromkeys((c["scorecard_id"], c["period"]) for _, c in locked))
        first_row, first = locked[0]
        when = pd.Timestamp(first["closed_at"]).strftime("%Y-%m-%d") if first.get("closed_at") is not None else "?"
        why = f": '{first['reason']}'" if first.get("reason") else ""
        listed = ", ".join(f"{p} of scorecard {s}" for s, p in periods)
        raise PeriodClosedError(
            f"{name}: {len(locked)} record(s) belong to closed period(s) {listed} (e.g. {first_row['period']}); "
            f"{first['period']} was closed by {first.get('closed_by') or 'someone'} on {when}{why}. Nothing was "
            f"saved. Fix: if the change is needed, reopen it first: `bsc reopen --store {self.location} --period "
            f"{first['period']} --scorecard {first['scorecard_id']} --reason \"...\"`.")

    def _problems(self, name: str, compute: Callable[[pd.DataFrame], Change]) -> list[Problem]:
        """What the change would add to the plan's problems (nothing is written)."""
        before = self._frames(name)
        change = compute(before[name])
        return [] if change.empty else self._added(name, before, change)

    def _added(self, name: str, before: dict[str, pd.DataFrame], change: Change,
               table_after: pd.DataFrame | None = None) -> list[Problem]:
        """The problems ``change`` adds (``table_after``: the changed table, when the caller has it)."""
        after = {**before, name: change.apply(before[name]) if table_after is None else table_after}
        added = check_change(before, after, name, change.touched)
        if added and change.deleted:
            added.insert(0, Problem(name, tuple(change.operation.removeprefix("delete ").split("/")),
                                    TABLES[name].key[-1], None,
                                    f"cannot be removed: {len(added)} other record(s) still use it (listed below)",
                                    "remove or re-point those records first", "in_use"))
        return added

    def _commit(self, name: str, who: str, compute: Callable[[pd.DataFrame], Change]) -> SaveResult:
        """Compute the change on the current state, check it, and commit it — all while holding the lock."""
        if self._outdated:
            raise StoreVersionError(self._outdated)
        deadline = time.monotonic() + SAVE_TIMEOUT_S
        attempt = 0
        with self._lock.hold(f"save {name}", who):
            while True:
                attempt += 1
                before = self._frames(name)
                change = compute(before[name])
                if change.empty:
                    return SaveResult(name, None, change.inserted, change.updated, change.unchanged)
                gone = change.gone(before[name])
                _refuse_role(name, change.rows, before[name][gone])
                self._refuse_closed(name, [before[name][gone], change.rows])
                after = change.apply(before[name], gone)
                added = [] if name in SYSTEM_TABLES else self._added(name, before, change, after)
                if added:
                    raise BscValidationError(added)
                delta = self._snapshots.delta(name)
                partitions = self._partitions(delta, name, before[name][gone], change)
                self._ensure_room(name, after, partitions)
                props = _props(who, change.operation, change.inserted + change.updated + change.deleted)
                try:
                    self._write(name, write_partitions, delta, name, after, partitions, props, self.storage_options)
                except CommitFailedError:  # another writer (without the lock) committed first
                    self._snapshots.forget(name)
                    if time.monotonic() > deadline:
                        raise StoreBusyError(
                            f"could not save to table '{name}' in {self.location}: other writers kept committing "
                            f"for {SAVE_TIMEOUT_S:.0f} s ({attempt} attempts). Nothing was saved. Fix: try again "
                            "in a moment.") from None
                    time.sleep(random.uniform(0.002, 0.01 * min(attempt, 20)))
                    continue
                version = self.version(name)
                self._record.record(name, version)
                keys = [tuple(plain(v) for v in k)
                        for k in change.touched[list(TABLES[name].key)].itertuples(index=False, name=None)]
                return SaveResult(name, version, change.inserted, change.updated, change.unchanged, change.deleted,
                                  keys)

    @staticmethod
    def _partitions(delta: DeltaTable, name: str, old: pd.DataFrame, change: Change) -> set[str]:
        """The partitions (values of the partition column) of the records the change touches, before and after.

        ``old`` holds the stored versions of the touched records.
        """
        column = partition_column(delta, name)
        if column is None:
            return set()
        return set(old[column].astype(str)) | set(change.rows[column].astype(str))

    def _ensure_room(self, name: str, after: pd.DataFrame, partitions: set[str]) -> None:
        """Refuse a save the disk has no room for, before the library starts writing (and panics half-way)."""
        if is_uri(self.location):
            return
        column = PARTITIONS[name]
        rows = after[after[column].astype(str).isin(partitions)] if column and partitions else after
        needed = 256 * 1024 + 2 * int(rows.memory_usage(deep=True).sum())
        free = shutil.disk_usage(self.location).free
        if free < needed:
            raise StoreError(f"could not save to table '{name}' in {self.location}: the disk is full ({free // 1024} "
                             f"KB free, about {needed // 1024} KB needed). The previous version is intact. Fix: free "
                             "some disk space, then save again.")

    def _write(self, name: str, commit: Callable[..., None], *args: Any) -> None:
        """Run ``commit(*args)``; library and disk errors become one message saying the previous version is intact."""
        try:
            with native_noise_held():
                commit(*args)
        except CommitFailedError:
            raise
        except (DeltaError, OSError) as exc:
            self._snapshots.forget(name)
            raise StoreError(f"could not save to table '{name}' in {self.location}: {plain_cause(exc)}. The previous "
                             "version is intact. Fix: check the disk and permissions, then save again.") from exc

    def _uri(self, name: str) -> str:
        return f"{self.location.rstrip('/')}/{name}"

    def _exists(self, name: str) -> bool:
        if not is_uri(self.location):  # a local table is a folder with a log (reading it says if it is damaged)
            return (Path(self._uri(name)) / "_delta_log").is_dir()
        try:
            return bool(DeltaTable.is_deltatable(self._uri(name), storage_options=self.storage_options))
        except (DeltaError, OSError):
            return False


def _refuse_role(name: str, new: pd.DataFrame, old: pd.DataFrame) -> None:
    """:class:`NotAllowedError` when the member this kernel serves may not make this change (see ``permissions``)."""
    member = session()
    if member is None:
        return
    why = refusal(member, name, TABLES[name].key, new.to_dict("records"), old.to_dict("records"))
    if why is not None:
        raise NotAllowedError(why)


def _refuse_table(name: str) -> None:
    """:class:`NotAllowedError` at once when the member this kernel serves may change nothing in table ``name``.

    (Before the values are checked: a viewer is told they cannot save, not what to fix.)
    """
    member = session()
    if not may_change(member, name):
        raise NotAllowedError(refusal(member, name, TABLES[name].key, [{}], []) or FACILITATOR_TEXT)


def _refuse_unless_facilitator() -> None:
    """:class:`NotAllowedError` unless this kernel serves nobody in particular or the facilitator."""
    if not may_decide(session()):
        raise NotAllowedError(FACILITATOR_TEXT)


def _refuse_system(name: str) -> None:
    if name == "store_info":
        raise StoreError("store_info is maintained by the store itself and cannot be edited.")
    if name == "closed_periods":
        raise StoreError("closed_periods is changed by closing and reopening periods, not edited. Fix: use "
                         "`bsc close` / `bsc reopen` (Store.close_period / reopen_period).")


_SAVED_BY = next(c for c in SYSTEM_COLUMNS if c.name == "saved_by")


def _user(user: str | None) -> str:
    """Who saves: the member this kernel serves (a workshop page), else ``user``, else :func:`current_user`.

    :class:`InputError` when the text rule refuses the name.
    """
    member = session()
    who = member.name if member is not None else (user or current_user())
    found = text_problem(who.strip(), _SAVED_BY.max_length)
    if found is not None:
        raise InputError(f"user name '{visible(who)}' {found.message}. Fix: {found.fix} (the name comes from "
                         "--user, the BSC_USER environment variable or the login name). Nothing was saved.")
    return who


def _reason(key: Mapping[str, str], reason: str) -> str:
    """Why a period is closed or reopened, stripped; :class:`BscValidationError` when the text rule refuses it."""
    _, problems = coerce(TABLES["closed_periods"], [{**key, "reason": reason}], partial=True)
    if problems:
        raise BscValidationError(problems)
    return reason.strip()


def moment_period(text: str) -> str:
    """``text`` as a canonical period (``2026Q2``); :class:`InputError` saying how to write one otherwise."""
    try:
        return str(parse_period(text))
    except ValueError as exc:
        raise InputError(f"period: {exc}") from None


def as_moment(value: dt.datetime | dt.date | str | pd.Timestamp) -> pd.Timestamp:
    """``value`` as a UTC time for reading the history; :class:`InputError` naming the accepted forms if it is none."""
    found = moment(value)
    if found is None:
        raise InputError(f"as of {value!r} is not a time. Fix: write it as {'; or '.join(MOMENT_FORMS)}.")
    return found


def _props(who: str, operation: str, records: int) -> CommitProperties:
    """Commit metadata every bsc commit carries (who, what, how many records), with no library retries."""
    return CommitProperties(custom_metadata={"bsc.user": who, "bsc.operation": operation,
                                             "bsc.records": str(records)}, max_commit_retries=0)
