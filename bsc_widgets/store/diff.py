"""What changed in the plan between two readings of the store: records added, removed and changed, field by field.

A reading is a version of every table (a :class:`Reading`): the versions current at a
time, the versions a report was pinned to, or one table's version.  :func:`record_changes`
compares two frames of one table (pure); :func:`plan_diff` reads the tables and says who
made each change and when — for added and changed records the last save recorded on the
record, for removed ones the commit that removed it (found by bisecting the history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UnknownVersionError
from ..model.coerce import from_arrow, to_arrow
from ..model.schema import PLAN_TABLES, TABLES
from ..model.values import plain, same_value
from .changes import by_key
from .store import Store, as_moment

DIFF_TABLES: tuple[str, ...] = (*PLAN_TABLES, "closed_periods")
"""Tables a plan diff compares: the plan and the closed periods."""
ABSENT = -1
"""The version of a table that did not exist yet at a reading (it reads as empty)."""
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
COLUMNS = ["table", "record", "change", "field", "before", "after", "by", "at", "version"]
"""Columns of a plan diff: one row per added or removed record, one per changed field of a changed record."""

Reading = Mapping[str, int]
"""A version of each table (:data:`ABSENT` where the table did not exist yet)."""


def versions_at(store: Store, moment: Any, tables: Sequence[str] = DIFF_TABLES) -> dict[str, int]:
    """The version of each table current at ``moment`` (:data:`ABSENT` for a table created later)."""
    at = as_moment(moment)
    found: dict[str, int] = {}
    for name in tables:
        try:
            found[name] = store.version_at(name, at)
        except UnknownVersionError:
            created = store.created_at(name)
            if created is None or created <= at:
                raise  # the history before ``at`` was compacted away: say so
            found[name] = ABSENT
    return found


def _empty(name: str) -> pd.DataFrame:
    spec = TABLES[name]
    return from_arrow(spec, to_arrow(spec, pd.DataFrame(columns=[c.name for c in spec.all_columns])))


def record_changes(name: str, before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The records of table ``name`` added, removed or changed from ``before`` to ``after`` (see :data:`COLUMNS`).

    Records are matched by key; a record whose revision is the same in both is unchanged
    (every save raises it), so only records saved in between are compared field by field.
    ``by`` / ``at`` of added and changed records are their last save; removed records get
    them from :func:`plan_diff`.
    """
    spec = TABLES[name]
    key = list(spec.key)
    a, b = by_key(before, key), by_key(after, key)
    added = b.loc[b.index.difference(a.index, sort=False)]
    removed = a.loc[a.index.difference(b.index, sort=False)]
    both = a.index.intersection(b.index, sort=False)
    old, new = a.loc[both], b.loc[both]
    revised = (old["revision"].to_numpy() != new["revision"].to_numpy()) if len(both) else np.zeros(0, bool)
    old, new = old[revised], new[revised]

    def records(frame: pd.DataFrame, change: str, saved: bool) -> list[dict[str, Any]]:
        return [{"table": name, "record": spec.key_text(r), "change": change, "field": "", "before": None,
                 "after": None, "by": plain(r["saved_by"]) if saved else None,
                 "at": plain(r["saved_at"]) if saved else None, "version": None}
                for r in frame.to_dict("records")]

    rows = records(added, ADDED, True) + records(removed, REMOVED, False)
    for o, n in zip(old.to_dict("records"), new.to_dict("records"), strict=True):
        for field in spec.names:
            if field not in key and not same_value(o[field], n[field]):
                rows.append({"table": name, "record": spec.key_text(n), "change": CHANGED, "field": field,
                             "before": plain(o[field]), "after": plain(n[field]), "by": plain(n["saved_by"]),
                             "at": plain(n["saved_at"]), "version": None})
    return pd.DataFrame(rows, columns=COLUMNS)


def plan_diff(store: Store, before: Reading, after: Reading, tables: Sequence[str] = DIFF_TABLES, *,
              scorecard: str | None = None) -> pd.DataFrame:
    """The plan changes of ``tables`` from reading ``before`` to reading ``after``, table by table.

    ``scorecard`` keeps the records of that scorecard only (tables without a scorecard
    column are compared whole).

    The ``version`` column is filled for removed records: the table version that removed
    them (what ``bsc restore`` would go back before); blank when ``after`` is not later.
    """
    parts = []
    for name in tables:
        v0, v1 = int(before.get(name, ABSENT)), int(after.get(name, ABSENT))
        if v0 == v1:
            continue
        read = cache(
            lambda v, name=name: _empty(name) if v == ABSENT else store.read(name, version=v, scorecard=scorecard))
        found = record_changes(name, read(v0), read(v1))
        if found.empty:
            continue
        if v1 > v0:
            _date_removals(store, name, found, v0, v1, read)
        parts.append(found)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _date_removals(store: Store, name: str, found: pd.DataFrame, v0: int, v1: int, read: Any) -> None:
    """Fill who removed each removed record and when: the first version after ``v0`` without it (bisected)."""
    gone = np.flatnonzero((found["change"] == REMOVED).to_numpy(dtype=bool))
    if not len(gone):
        return
    spec = TABLES[name]
    history = store.history(name).set_index("version")

    @cache
    def records(version: int) -> frozenset[str]:
        return frozenset(spec.key_text(r) for r in read(version)[list(spec.key)].to_dict("records"))

    def present(version: int, record: str) -> bool:
        return record in records(version)

    for position in gone:
        record = str(found.iloc[position]["record"])
        lo, hi = max(v0, 0), v1  # present at lo (or absent table), absent at hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if present(mid, record):
                lo = mid
            else:
                hi = mid
        entry = history.loc[hi] if hi in history.index else None
        found.iat[position, found.columns.get_loc("version")] = hi
        if entry is not None:
            found.iat[position, found.columns.get_loc("by")] = entry["user"] or None
            found.iat[position, found.columns.get_loc("at")] = entry["time"]

