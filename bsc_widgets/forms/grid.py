"""A grid of records edited in place (actuals of a month, targets of a KPI) whose saves never overwrite silently.

Every row remembers the revision of the record it showed.  A save first compares those
revisions with the store: when someone else saved one of the records meanwhile, nothing
is saved, the row says who changed it and to what, and the next save (after the user has
seen it) keeps the typed value.  The store checks the revisions again when it commits,
so a save that races another one is refused the same way.  Problems are shown next to
their row; typed values are never cleared.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..config import current_user
from ..errors import BscValidationError, ConflictError
from ..model.schema import TABLES
from ..model.values import is_blank, is_missing, plain_record, same_value
from ..store import Store
from .display import message
from .failures import guarded, show_failure
from .fields import as_text
from .record_form import sentence

Key = tuple[str, ...]


class RecordGrid:
    """Base of the editable grids: revisions, saving, and messages next to rows.

    A subclass lays out its rows, registers each row's message widget in
    :attr:`row_messages`, calls :meth:`remember` with the stored records it shows, and
    implements :meth:`row_of` (which row shows a record key).
    """

    compared: tuple[str, ...] = ()
    """The columns a row lets the user type (compared with someone else's save); empty: every data column."""

    def __init__(self, store: Store, table: str, *, user: str | None = None) -> None:
        self.store = store
        self.table = table
        self.spec = TABLES[table]
        self.user = user or current_user()
        self.loaded: dict[Key, dict[str, Any]] = {}
        self.row_messages: dict[Hashable, widgets.HTML] = {}
        self.status = widgets.HTML()
        self.saved = 0
        """How many records the last successful save inserted, updated or removed."""

    # ------------------------------------------------------------ what a subclass provides
    def row_of(self, key: Key) -> Hashable | None:
        """The row that shows the record with ``key`` (None when no row shows it)."""
        raise NotImplementedError

    def inputs(self) -> dict[tuple[Key, str], widgets.Text]:
        """The grid's text boxes by (record key, column) — what :meth:`catch_up` keeps when typed."""
        raise NotImplementedError

    def redraw(self) -> None:
        """Lay the rows out again from the store (what :meth:`catch_up` calls when the rows changed)."""
        raise NotImplementedError

    def fresh(self) -> tuple[dict[tuple[Key, str], str], pd.DataFrame] | None:
        """What each box would show from the store now, and the records read; None when the rows changed."""
        return None

    # ------------------------------------------------------------ live
    def mark_drawn(self) -> None:
        """Remember what each box shows as drawn from the store (a subclass calls this after laying out rows)."""
        self.drawn = {cell: box.value for cell, box in self.inputs().items()}

    def typed(self) -> dict[tuple[Key, str], str]:
        """What was typed and not saved yet: the boxes that no longer show what was drawn."""
        drawn = getattr(self, "drawn", {})
        return {cell: box.value for cell, box in self.inputs().items() if box.value != drawn.get(cell, box.value)}

    def catch_up(self) -> None:
        """Follow saves made elsewhere (a live page): redraw the rows, keep every typed value and message.

        A row being typed whose record someone else saved meanwhile says so (who, which
        values), as a save would; saving keeps the typed value.
        """
        typed, before = self.typed(), dict(self.loaded)
        fresh = self.fresh()
        if fresh is not None:  # the same rows: change what the boxes show in place (focus and typing stay)
            texts, records = fresh
            self.remember(records)
            boxes = self.inputs()
            for cell, text in texts.items():
                if cell not in typed and boxes[cell].value != text:
                    boxes[cell].value = text
            self.drawn = dict(texts)
        else:
            self._redraw_keeping(typed)
        mine: dict[Key, dict[str, Any]] = {}
        for (key, column), value in typed.items():
            mine.setdefault(key, {})[column] = value
        changed = {key: self.loaded.get(key) for key in mine
                   if _revision_of(before.get(key)) != _revision_of(self.loaded.get(key))}
        if changed:
            self._show_changed(changed, mine, live=True)

    def _redraw_keeping(self, typed: Mapping[tuple[Key, str], str]) -> None:
        """Lay the rows out again, then put back what was typed and the messages shown."""
        status = self.status.value
        notes = {row: box.value for row, box in self.row_messages.items() if box.value}
        self.redraw()
        self.status.value = status
        for row, text in notes.items():
            if row in self.row_messages:
                self.row_messages[row].value = text
        boxes = self.inputs()
        for cell, value in typed.items():
            if cell in boxes and not boxes[cell].disabled:
                boxes[cell].value = value

    # ------------------------------------------------------------ failures
    def guard(self, handler: Callable[..., Any], doing: str = "save") -> Callable[..., Any]:
        """``handler`` with any store failure shown next to the grid's Save button; typed values stay."""
        return guarded(self.status, lambda: self.store.location, doing=doing)(handler)

    # ------------------------------------------------------------ revisions
    def key(self, record: Mapping[str, Any]) -> Key:
        """A record's key as a tuple of text."""
        return tuple(str(record.get(k)) for k in self.spec.key)

    def remember(self, stored: pd.DataFrame) -> None:
        """Remember the stored records the grid shows (and their revisions)."""
        self.loaded = {self.key(row): plain_record(row) for row in stored.to_dict("records")}

    def revision(self, key: Key) -> int:
        """The revision the grid showed for ``key`` (0: the record did not exist)."""
        value = self.loaded.get(key, {}).get("revision")
        return 0 if value is None or is_missing(value) else int(value)

    def _changed_meanwhile(self, keys: Iterable[Key]) -> dict[Key, dict[str, Any] | None]:
        """The records among ``keys`` whose stored revision is no longer the one shown: key -> record now."""
        wanted = set(keys)
        if not wanted:
            return {}
        now = {self.key(r): plain_record(r) for r in self.store.read(self.table).to_dict("records")}
        changed = {}
        for key in wanted:
            stored = now.get(key)
            actual = 0 if stored is None else int(stored["revision"])
            if actual != self.revision(key):
                changed[key] = stored
        return changed

    # ------------------------------------------------------------ saving
    def clear_messages(self) -> None:
        """Remove every row message and the status line."""
        for widget in self.row_messages.values():
            widget.value = ""
        self.status.value = ""

    def tell_row(self, key: Key, text: str, *, markup: bool = False) -> bool:
        """Add a problem message to the row that shows ``key``; False when no row shows it."""
        row = self.row_of(key)
        target = self.row_messages.get(row) if row is not None else None
        if target is None:
            return False
        shown = message(text, ok=False, markup=markup)
        target.value = f"{target.value}<br>{shown}" if target.value else shown
        return True

    def save_records(self, records: Sequence[dict[str, Any]], removed: Sequence[Key] = ()) -> bool:
        """Save ``records`` and remove the records keyed ``removed``, all or nothing; show what went wrong.

        Each record and removal carries the revision the grid showed.  Returns True when
        everything was saved.
        """
        self.clear_messages()
        try:
            changed = self._changed_meanwhile([*(self.key(r) for r in records), *removed])
        except Exception as error:  # a store that cannot be read: say so, keep what was typed
            show_failure(self.status, error, self.store.location)
            return False
        if changed:
            self._show_changed(changed, {self.key(r): r for r in records})
            return False
        upserts = [{**r, "revision": self.revision(self.key(r))} for r in records]
        deletes = [{**dict(zip(self.spec.key, key, strict=True)), "revision": self.revision(key)} for key in removed]
        self.saved = 0
        try:
            if upserts:
                done = self.store.upsert(self.table, upserts, user=self.user)
                self.saved += done.inserted + done.updated
            if deletes:
                self.saved += self.store.delete(self.table, deletes, user=self.user).deleted
        except BscValidationError as error:
            unplaced = [p for p in error.problems if not self.tell_row(p.key, self.describe(p.field, sentence(p)))]
            others = " ".join(f"{p.record}: {sentence(p)}" for p in unplaced)
            self.status.value = message(f"Not saved: {len(error.problems)} problem(s), shown next to the rows. "
                                        f"{others}".strip(), ok=False)
            return False
        except ConflictError as error:  # someone saved between the check above and the commit
            raced = self._changed_meanwhile([*(self.key(r) for r in records), *removed])
            self._show_changed(raced or {error.key: error.theirs}, {self.key(r): r for r in records})
            return False
        except Exception as error:  # a closed period, a full or read-only disk, a damaged table, a bug
            show_failure(self.status, error, self.store.location)
            return False
        try:
            self.remember(self.store.read(self.table))
            self.mark_drawn()
        except Exception as error:  # saved, but not read back: the next save compares with the store
            show_failure(self.status, error, self.store.location, doing="read", lead="Saved, but the grid could not "
                                                                                     "read the store back:")
            return False
        return True

    def describe(self, field: str, text: str) -> str:
        """How a problem of ``field`` reads next to a row (a grid with several value columns names the column)."""
        return text

    def _show_changed(self, changed: Mapping[Key, dict[str, Any] | None], mine: Mapping[Key, dict[str, Any]],
                      live: bool = False) -> None:
        """Say next to each row what someone else saved there; ``live``: seen while typing, before any save."""
        for key, theirs in changed.items():
            self.loaded[key] = dict(theirs) if theirs is not None else {}
            if theirs is None:
                text = "Someone else removed this record meanwhile. Save again to enter yours."
            else:
                typed = mine.get(key, {})
                fields = [c for c in (self.compared or self.spec.names) if c not in self.spec.key and c in typed
                          and not (is_blank(theirs.get(c)) and is_blank(typed.get(c)))
                          and not same_value(theirs.get(c), typed.get(c))]
                values = ", ".join(f"{self.spec.column(c).label} {_shown(theirs.get(c))}" for c in fields)
                who = theirs.get("saved_by") or "someone else"
                text = (f"{who} saved {values or 'this record'} here while you were typing. Save again to keep "
                        "your value, or type theirs.")
            if not self.tell_row(key, text):
                self.status.value = message(text, ok=False)
        self.status.value = message(
            f"{len(changed)} row(s) you are typing were just saved by someone else (shown next to the rows). "
            "Nothing was overwritten; save to keep your values." if live else
            f"Not saved: {len(changed)} value(s) were changed by someone else meanwhile "
            "(shown next to the rows). Nothing was overwritten.", ok=False)


def _revision_of(record: Mapping[str, Any] | None) -> int:
    value = (record or {}).get("revision")
    return 0 if value is None or is_missing(value) else int(value)


def _shown(value: Any) -> str:
    """A value someone saved, as it would be typed into the row (no thousands separators: ``9100``)."""
    if is_missing(value):
        return "(empty)"
    return f"'{value}'" if isinstance(value, str) else as_text(value)
