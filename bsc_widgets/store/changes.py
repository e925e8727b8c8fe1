"""What a save changes: the records it inserts, updates or removes, computed from the current state.

Pure functions of frames (no I/O): :func:`merge` works out an upsert — new records,
changed records with their next revision, unchanged ones left alone, and a
:class:`~bsc_widgets.errors.ConflictError` when a record's revision is not the one the
caller read — and :func:`remove` a deletion.  Only the current records with the keys of
the batch are looked at one by one; finding them is one vectorized look-up, so a save
costs what it changes, not what the table holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BscValidationError, ConflictError, Problem, RecordExistsError
from ..model.coerce import coerce, from_arrow, key_of, required_problems, to_arrow
from ..model.keys import key_mask
from ..model.schema import TABLES, TableSpec
from ..model.values import is_blank, is_missing, plain_record, same_value

Key = str | tuple[Any, ...] | Mapping[str, Any]
"""How a caller names a record: its id (single-column keys), a tuple of key values, or a mapping of key columns."""


@dataclass(frozen=True)
class Change:
    """A save's effect on one table: the new versions of records (``rows``) and the keys it touches."""

    table: str
    rows: pd.DataFrame
    """The inserted and updated records, complete, with their new revision."""
    touched: pd.DataFrame
    """Key columns of every record inserted, updated or removed."""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    operation: str = ""

    @property
    def empty(self) -> bool:
        """True when nothing changes (no new version is written)."""
        return self.touched.empty

    def gone(self, current: pd.DataFrame) -> np.ndarray:
        """Which rows of ``current`` the change replaces or removes."""
        return key_mask(current, TABLES[self.table].key, self.touched)

    def apply(self, current: pd.DataFrame, gone: np.ndarray | None = None) -> pd.DataFrame:
        """The table after the change: ``current`` without the touched records, plus the new versions.

        ``gone`` is :meth:`gone` of ``current`` when the caller has it already.
        """
        if self.empty:
            return current
        gone = self.gone(current) if gone is None else gone
        kept = current[~gone] if gone.any() else current
        if not len(self.rows):
            return kept.reset_index(drop=True)
        return pd.concat([kept, self.rows], ignore_index=True) if len(kept) else self.rows.reset_index(drop=True)


def matching(current: pd.DataFrame, spec: TableSpec, keys: pd.DataFrame) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The current records whose key is among ``keys``, as plain records by key tuple."""
    found = current[key_mask(current, spec.key, keys)]
    return {tuple(r[k] for k in spec.key): plain_record(r) for r in found.to_dict("records")}


def key_mapping(key: tuple[str, ...], value: Key) -> dict[str, Any]:
    """A caller's key as a mapping of key columns (and ``revision`` when given)."""
    if isinstance(value, Mapping):
        return {k: value[k] for k in (*key, "revision") if k in value}
    values = (value,) if isinstance(value, str) else tuple(value)
    if len(values) != len(key):
        raise ValueError(f"a key of this table has {len(key)} parts ({', '.join(key)}), got {value!r}")
    return dict(zip(key, values, strict=True))


def _listed(spec: TableSpec, records: Iterable[Mapping[str, Any]]) -> str:
    texts = [spec.key_text(r) for r in records]
    return ", ".join(texts[:5]) + (" …" if len(texts) > 5 else "")


def merge(name: str, current: pd.DataFrame, batch: pd.DataFrame, who: str, provided: list[str]) -> Change:
    """An upsert of ``batch`` into ``current``: fields not ``provided`` keep their stored value.

    A new record gets the columns' defaults.  A record that carries ``revision`` is saved
    only when the stored record has that revision (0: it must not exist yet); otherwise
    :class:`ConflictError` (:class:`RecordExistsError` for a new record whose key is taken).
    """
    spec = TABLES[name]
    now = pd.Timestamp.now(tz="UTC")
    data_cols = spec.names
    defaults = plain_record(_defaults(name).iloc[0].to_dict())
    if spec.numbered is not None and spec.numbered not in provided:
        provided = [*provided, spec.numbered]
    batch = numbered(spec, current, batch)
    stamped = {c.name: {"now": now, "user": who}[c.auto] for c in spec.columns if c.auto in ("now", "user")}
    stored = matching(current, spec, batch)
    new_rows: list[dict[str, Any]] = []
    missing: list[Problem] = []
    inserted = updated = unchanged = 0
    conflicts: list[ConflictError] = []
    for given in batch.to_dict("records"):
        key = tuple(given[k] for k in spec.key)
        old = stored.get(key)
        expected = given.pop("revision", None)
        base = defaults if old is None else old
        row = {**{c: base[c] for c in data_cols}, **{c: given[c] for c in provided}}
        if old is None:
            missing += required_problems(spec, row)
            row.update({c: value for c, value in stamped.items() if is_blank(row[c])})
        actual = 0 if old is None else int(old["revision"])
        if expected is not None and not is_missing(expected) and int(expected) != actual:
            error = RecordExistsError if int(expected) == 0 and old is not None else ConflictError
            conflicts.append(error(name, spec.key_text(row), old, plain_record(row), int(expected), actual,
                                   key_of(spec, row)))
            continue
        if old is not None and all(same_value(old[c], row[c]) for c in data_cols):
            unchanged += 1
            continue
        if old is None:
            inserted += 1
        else:
            updated += 1
        new_rows.append({**row, "revision": actual + 1, "saved_at": now, "saved_by": who})
    if conflicts:
        raise _with_others(conflicts)
    if missing:
        raise BscValidationError(missing)
    # The new records with the stored dtypes, so that they line up with what is read back.
    rows = from_arrow(spec, to_arrow(spec, pd.DataFrame(new_rows, columns=[c.name for c in spec.all_columns])))
    return Change(name, rows, rows[list(spec.key)], inserted, updated, unchanged,
                  operation=f"upsert {_listed(spec, new_rows)}" if new_rows else "")


def numbered(spec: TableSpec, current: pd.DataFrame, batch: pd.DataFrame) -> pd.DataFrame:
    """``batch`` with the next numbers in the blanks of the table's numbered key column (a new entry of a thread).

    A thread is the records with the same other key values; the next number follows the
    highest stored or given in the batch.  Computed on the current state under the
    writer lock, so two people adding to one thread at once get different numbers.
    """
    column = spec.numbered
    if column is None:
        return batch
    if column not in batch.columns:
        batch = batch.assign(**{column: pd.array([pd.NA] * len(batch), dtype="Int64")})
    blank = batch[column].isna().to_numpy(dtype=bool)
    if not blank.any():
        return batch
    thread = [k for k in spec.key if k != column]
    highest: dict[tuple[Any, ...], int] = {}
    known = current[key_mask(current, thread, batch[thread])]
    for frame in (known, batch[~blank]):
        for key, number in zip(frame[thread].astype(object).itertuples(index=False, name=None), frame[column],
                               strict=True):
            highest[key] = max(highest.get(key, 0), int(number))
    numbers = batch[column].astype("Int64").copy()
    keys = list(batch[thread].astype(object).itertuples(index=False, name=None))
    for position in np.flatnonzero(blank):
        key = keys[position]
        highest[key] = highest.get(key, 0) + 1
        numbers.iloc[position] = highest[key]
    return batch.assign(**{column: numbers})


@cache
def _defaults(name: str) -> pd.DataFrame:
    """A record of ``name`` with every column at its default (what a new record starts from)."""
    spec = TABLES[name]
    frame, _ = coerce(spec, [{k: None for k in spec.key}])
    return frame


def _with_others(conflicts: list[ConflictError]) -> ConflictError:
    """The first conflict of a save, listing the other records that conflict too."""
    first = conflicts[0]
    first.others = tuple(c.record for c in conflicts[1:])
    first.args = (str(first),)
    return first


def remove(name: str, current: pd.DataFrame, wanted: pd.DataFrame) -> Change:
    """A deletion of the records keyed by ``wanted`` (with ``revision`` where the caller read one)."""
    spec = TABLES[name]
    stored = matching(current, spec, wanted)
    found = []
    conflicts: list[ConflictError] = []
    for row in wanted.to_dict("records"):
        key = tuple(row[k] for k in spec.key)
        old = stored.get(key)
        expected = row.get("revision")
        if expected is not None and not is_missing(expected):
            actual = 0 if old is None else int(old["revision"])
            if actual != int(expected):
                conflicts.append(ConflictError(name, "/".join(map(str, key)), old, {"removed": True}, int(expected),
                                               actual, tuple(map(str, key))))
                continue
        if old is not None:
            found.append(old)
    if conflicts:
        raise _with_others(conflicts)
    touched = pd.DataFrame(found, columns=list(spec.key)) if found else pd.DataFrame(columns=list(spec.key))
    return Change(name, pd.DataFrame(columns=[c.name for c in spec.all_columns]), touched, deleted=len(found),
                  operation=f"delete {_listed(spec, found)}" if found else "")


def by_key(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """``frame`` indexed by its key (always a MultiIndex, also for one-column keys)."""
    return frame.set_axis(pd.MultiIndex.from_frame(frame[key].astype(object)), axis=0)


def same_rows(a: pd.DataFrame, b: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row by row: are ``a`` and ``b`` (aligned) equal in every one of ``columns`` (missing equals missing)?"""
    same = np.ones(len(a), dtype=bool)
    for column in columns:
        x, y = a[column], b[column]
        equal = (x.astype(object) == y.astype(object)).to_numpy(dtype=bool, na_value=False)
        same &= equal | (x.isna().to_numpy(dtype=bool) & y.isna().to_numpy(dtype=bool))
    return same


@dataclass(frozen=True)
class Restore:
    """What making an earlier version current again does: the records, and how many come back, change or go."""

    rows: pd.DataFrame
    back: int
    """Records that are not there now and come back."""
    changed: int
    unchanged: int
    gone: int
    """Current records the earlier version does not have (they disappear)."""
    touched: pd.DataFrame
    """The records that come back, change or disappear (as they will be, or as they were for those that go)."""


def restored(spec: TableSpec, old: pd.DataFrame, now: pd.DataFrame | None, who: str) -> Restore:
    """The records of an earlier version ``old`` as they become current again (``now``: None if unreadable).

    Records equal to the current ones keep their revision; the others get a revision
    above both the old and the current one, with this save's time and user.
    """
    key = list(spec.key)
    old = old.reset_index(drop=True)
    if now is None:
        current = pd.DataFrame(index=old.index, columns=[*spec.names, "revision"])
    else:
        current = by_key(now, key).reindex(pd.MultiIndex.from_frame(old[key].astype(object))).reset_index(drop=True)
    same = same_rows(old, current, spec.names) & current["revision"].notna().to_numpy(dtype=bool)
    out = old.copy()
    revisions = pd.concat([old["revision"].astype("Int64").fillna(0),
                           pd.to_numeric(current["revision"]).astype("Int64").fillna(0)], axis=1).max(axis=1)
    out["revision"] = np.where(same, current["revision"].astype("Int64").fillna(0), revisions + 1).astype("int64")
    out.loc[~same, "saved_at"] = pd.Timestamp.now(tz="UTC")
    out.loc[~same, "saved_by"] = who
    present = current["revision"].notna().to_numpy(dtype=bool)
    going = now[~key_mask(now, key, old)] if now is not None else old.iloc[0:0]
    touched = pd.concat([out[~same], going], ignore_index=True) if len(going) else out[~same]
    return Restore(out, int((~present).sum()), int((present & ~same).sum()), int(same.sum()), len(going), touched)


def raise_if_changed(name: str, seen: pd.DataFrame, now: pd.DataFrame, what: str) -> None:
    """Raise :class:`ConflictError` naming the records of ``now`` that differ from version ``seen`` (by revision)."""
    key = list(TABLES[name].key)
    before = by_key(seen, key)["revision"]
    after = by_key(now, key)["revision"]
    both = before.index.union(after.index)
    a, b = before.reindex(both), after.reindex(both)
    moved = ~((a == b).fillna(False) | (a.isna() & b.isna()))
    changed = list(both[moved.to_numpy(dtype=bool)])
    if not changed:
        return
    conflicts = []
    records = by_key(now, key)
    for k in changed:
        theirs = plain_record({**dict(zip(key, k, strict=True)), **records.loc[k].to_dict()}) \
            if k in records.index else None
        expected = 0 if is_missing(a.get(k)) else int(a[k])
        actual = 0 if is_missing(b.get(k)) else int(b[k])
        conflicts.append(ConflictError(name, "/".join(map(str, k)), theirs, {"change": what}, expected, actual,
                                       tuple(map(str, k))))
    raise _with_others(conflicts)
