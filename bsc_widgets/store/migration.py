"""What upgrading a store to the current schema version changes, table by table (``bsc migrate``).

:func:`pending_changes` compares the tables a store holds with the current schema: each
table that :data:`~bsc_widgets.model.schema.SCHEMA_CHANGES` names for a newer version is
either created (a new table) or rewritten with its new columns, which existing records
get with their ``old_value``; ``store_info`` then records the new version.  The store
(:meth:`~bsc_widgets.store.Store.upgrade`) commits each as one version of its table, so
the history keeps the old one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..model.schema import SCHEMA_CHANGES, SCHEMA_VERSION, TABLES
from ..model.values import is_missing


@dataclass(frozen=True)
class PendingChange:
    """One table's part of an upgrade: ``create`` it, ``rewrite`` it with new ``columns``, or record the ``version``."""

    table: str
    action: str
    columns: tuple[str, ...] = ()

    def describe(self, done: bool = False) -> str:
        """The change in words: ``kpis: add the columns expression (blank), …`` (``done``: in the past tense)."""
        if self.action == "create":
            return f"{self.table}: {'created' if done else 'create'} the new table"
        if self.action == "version":
            return f"{self.table}: {'recorded' if done else 'record'} schema version {SCHEMA_VERSION}"
        if not self.columns:
            return f"{self.table}: {'rewrote' if done else 'rewrite'} it in the new layout (no new column)"
        spec = TABLES[self.table]
        added = ", ".join(f"{c} ({_old(spec.column(c).old_value)})" for c in self.columns)
        return f"{self.table}: {'added' if done else 'add'} the column{'s' if len(self.columns) > 1 else ''} {added}"


def _old(value: object) -> str:
    return "blank in existing records" if is_missing(value) else f"{value!r} in existing records"


def upgraded_tables(found: int) -> list[str]:
    """The tables an upgrade from schema version ``found`` creates or rewrites, by name."""
    return sorted({t for v, (_, tables) in SCHEMA_CHANGES.items() if v > found for t in tables})


def pending_changes(found: int, stored: Mapping[str, Sequence[str] | None]) -> list[PendingChange]:
    """What upgrading a store of schema version ``found`` changes (empty when it is current).

    ``stored`` gives the column names each table has now (None for a table not there yet);
    the derived date columns count like any other column.
    """
    if found >= SCHEMA_VERSION:
        return []
    out = []
    for name in upgraded_tables(found):
        columns = stored.get(name)
        if columns is None:
            out.append(PendingChange(name, "create"))
            continue
        new = tuple(c.name for c in TABLES[name].all_columns if c.name not in set(columns))
        out.append(PendingChange(name, "rewrite", new))
    return [*out, PendingChange("store_info", "version")]


def summary(location: str, found: int, changes: Sequence[PendingChange], done: bool) -> str:
    """``bsc migrate``'s report: where the store stands and each change (to be made, or made)."""
    if not changes:
        return (f"{location} is at schema version {found}, the version this bsc-widgets writes: nothing to do.")
    head = (f"Upgraded {location} from schema version {found} to {SCHEMA_VERSION}, one history entry per table:"
            if done else f"{location} has schema version {found}; this bsc-widgets writes version {SCHEMA_VERSION}. "
            "Migrating it will:")
    lines = [head, *(f"  - {c.describe(done)}" for c in changes)]
    if done:
        lines.append("Older versions stay readable (`bsc read --as-of`, `bsc score --as-of`); `bsc history` lists the "
                     "upgrade of each table.")
    else:
        lines.append(f"Nothing was changed (dry run). Run `bsc migrate --store {location}` to upgrade it.")
    return "\n".join(lines)
