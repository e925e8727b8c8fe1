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
from ..model.values import is_missing, plain_record, same_value

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
    stored = matching(current, spec, batch)
    new_rows: list[dict[str, Any]] = []
    missing: list[Problem] = []
    inserted = updated = unchanged = 0
    for given in batch.to_dict("records"):
        key = tuple(given[k] for k in spec.key)
        old = stored.get(key)
        expected = given.pop("revision", None)
        base = defaults if old is None else old
        row = {**{c: base[c] for c in data_cols}, **{c: given[c] for c in provided}}
        if old is None:
            missing += required_problems(spec, row)
        actual = 0 if old is None else int(old["revision"])
        if expected is not None and not is_missing(expected) and int(expected) != actual:
            error = RecordExistsError if int(expected) == 0 and old is not None else ConflictError
            raise error(name, spec.key_text(row), old, plain_record(row), int(expected), actual, key_of(spec, row))
        if old is not None and all(same_value(old[c], row[c]) for c in data_cols):
            unchanged += 1
            continue
        if old is None:
            inserted += 1
        else:
            updated += 1
        new_rows.append({**row, "revision": actual + 1, "saved_at": now, "saved_by": who})
    if missing:
        raise BscValidationError(missing)
    # The new records with the stored dtypes, so that they line up with what is read back.
    rows = from_arrow(spec, to_arrow(spec, pd.DataFrame(new_rows, columns=[c.name for c in spec.all_columns])))
    return Change(name, rows, rows[list(spec.key)], inserted, updated, unchanged,
                  operation=f"upsert {_listed(spec, new_rows)}" if new_rows else "")


@cache
def _defaults(name: str) -> pd.DataFrame:
    """A record of ``name`` with every column at its default (what a new record starts from)."""
    spec = TABLES[name]
    frame, _ = coerce(spec, [{k: None for k in spec.key}])
    return frame


def remove(name: str, current: pd.DataFrame, wanted: pd.DataFrame) -> Change:
    """A deletion of the records keyed by ``wanted`` (with ``revision`` where the caller read one)."""
    spec = TABLES[name]
    stored = matching(current, spec, wanted)
    found = []
    for row in wanted.to_dict("records"):
        key = tuple(row[k] for k in spec.key)
        old = stored.get(key)
        expected = row.get("revision")
        if expected is not None and not is_missing(expected):
            actual = 0 if old is None else int(old["revision"])
            if actual != int(expected):
                raise ConflictError(name, "/".join(map(str, key)), old, {"removed": True}, int(expected), actual,
                                    tuple(map(str, key)))
        if old is not None:
            found.append(old)
    touched = pd.DataFrame(found, columns=list(spec.key)) if found else pd.DataFrame(columns=list(spec.key))
    return Change(name, pd.DataFrame(columns=[c.name for c in spec.all_columns]), touched, deleted=len(found),
                  operation=f"delete {_listed(spec, found)}" if found else "")
