"""A form for the records of one table: pick, edit, check, save, remove, undo, resolve conflicts.

The form is a thin view: values are checked by :mod:`bsc_widgets.model.coerce` as they are
typed and by the store (all rules) when saved; the store's own messages are shown next
to the fields.  Typed input is never cleared by an error.  A save carries the revision
the form loaded, so a concurrent edit of the same record is shown as a conflict with
both versions and a choice, never overwritten silently.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..config import current_user
from ..errors import BscValidationError, ConflictError, Problem, RecordExistsError
from ..model.coerce import coerce
from ..model.schema import TABLES
from ..model.values import is_missing
from ..model.words import capitalised
from ..render.theme import STATUS_COLOURS
from ..scoring.formulas import AMBER
from ..store import SaveResult, Store
from .display import in_words, message, shown_value, wide
from .failures import guarded, show_failure
from .fields import Field, Options, replace_options
from .roles import lock

NEW = "__new__"

Listener = Callable[["RecordForm"], None]


def sentence(problem: Problem) -> str:
    """A problem as plain sentences: 'Must be a number. Enter a number such as 12.5.'

    Column names in the rule's words become field labels, and the value entered is written
    as people write it (``9``, ``'heavy'``), never as a Python repr.
    """
    typed = problem.value is not None and problem.code != "required"
    shown = f" (you entered {shown_value(problem.value, quote=True)})" if typed else ""
    text = f"{capitalised(problem.message)}{shown}. {capitalised(problem.fix)}."
    return in_words(text, problem.table)


def _same(a: Any, b: Any) -> bool:
    if is_missing(a) and is_missing(b):
        return True
    if is_missing(a) or is_missing(b):
        return False
    try:
        if bool(a == b) or str(a).strip() == str(b).strip():
            return True
        return float(str(a).replace(",", ".")) == float(str(b).replace(",", "."))  # 1.0 stored, "1" typed
    except (TypeError, ValueError):
        return False


def _revision(record: Mapping[str, Any] | None) -> int:
    """A stored record's revision (0: no record)."""
    value = (record or {}).get("revision")
    return 0 if value is None or is_missing(value) else int(value)


class RecordForm:
    """Edit the records of ``table`` (optionally only those matching ``fixed`` values)."""

    def __init__(self, store: Store, table: str, *, fixed: Mapping[str, Any] | None = None,
                 fields: Sequence[str] | None = None, options: Mapping[str, Options] | None = None,
                 labels: Mapping[str, str] | None = None, describe: Callable[[Mapping[str, Any]], str] | None = None,
                 noun: str | None = None, user: str | None = None, single: bool = False) -> None:
        self.store = store
        self.table = table
        self.spec = TABLES[table]
        self.fixed = dict(fixed or {})
        self.noun = noun or table.rstrip("s")
        self.user = user or current_user()
        self.describe = describe or (lambda r: self.spec.key_text(dict(r)))
        shown = list(fields) if fields is not None else [n for n in self.spec.names if n not in self.fixed]
        self.fields = {name: Field(self.spec.column(name), (options or {}).get(name), (labels or {}).get(name))
                       for name in shown}
        self.current: dict[str, Any] | None = None  # the stored record being edited
        self.last_save: tuple[dict[str, Any], int] | None = None  # (key, table version) for undo
        self.listeners: list[Listener] = []
        self.conflict_error: ConflictError | None = None
        self.touched: set[str] = set()
        self._idle = ""  # what the status line shows with nothing to say (a role's note)

        self.selector = widgets.Dropdown(description=f"{capitalised(self.noun)}:", options=[],
                                         layout=widgets.Layout(width="560px"), style={"description_width": "150px"})
        self.save_button = wide(widgets.Button(description="Save", button_style="primary", icon="check"))
        self.new_button = wide(widgets.Button(description=f"New {self.noun}", icon="plus"))
        self.remove_button = wide(widgets.Button(description="Remove…", icon="trash"))
        self.undo_button = wide(widgets.Button(description="Undo last change", icon="undo", disabled=True))
        self.confirm_button = wide(widgets.Button(description="Yes, remove it", button_style="danger"))
        self.cancel_button = wide(widgets.Button(description="Cancel"))
        self.confirm_text = widgets.HTML()
        self.confirm_box = widgets.HBox([self.confirm_text, self.confirm_button, self.cancel_button],
                                        layout=widgets.Layout(display="none"))
        self.status = widgets.HTML()
        self.keep_mine_button = wide(widgets.Button(description="Save my version", button_style="warning"))
        self.take_theirs_button = wide(widgets.Button(description="Use their version"))
        self.merge_button = wide(widgets.Button(description="Combine both", button_style="info"))
        self.conflict_text = widgets.HTML()
        self.conflict_box = widgets.VBox(
            [self.conflict_text, widgets.HBox([self.merge_button, self.keep_mine_button, self.take_theirs_button])],
            layout=widgets.Layout(display="none", border=f"2px solid {STATUS_COLOURS[AMBER]}", padding="6px"))
        self.widget = widgets.VBox([
            self.selector,
            *[f.box for f in self.fields.values()],
            widgets.HBox([self.save_button, self.new_button, self.remove_button, self.undo_button]),
            self.status, self.confirm_box, self.conflict_box,
        ])
        self.widget.add_class(f"bsc-form-{table}")  # stable hooks for browser tests and custom styles
        self.status.add_class("bsc-status")
        self.conflict_box.add_class("bsc-conflict")

        self.selector.observe(self._on_select, names="value")
        for field in self.fields.values():
            field.widget.observe(lambda change, name=field.name: self._on_edit(name), names="value")
        self.save_button.on_click(self.guard(lambda _: self.save()))
        self.new_button.on_click(self.guard(lambda _: self.new(), doing="read"))
        self.remove_button.on_click(lambda _: self.ask_remove())
        self.confirm_button.on_click(self.guard(lambda _: self.remove(), doing="remove"))
        self.cancel_button.on_click(lambda _: self._hide_confirm())
        self.undo_button.on_click(self.guard(lambda _: self.undo(), doing="undo"))
        self.keep_mine_button.on_click(self.guard(lambda _: self.keep_mine()))
        self.take_theirs_button.on_click(self.guard(lambda _: self.take_theirs(), doing="read"))
        self.merge_button.on_click(self.guard(lambda _: self.combine(), doing="read"))
        self.single = single
        if single:  # one record, chosen by ``fixed``: no picking, adding or removing
            for control in (self.selector, self.new_button, self.remove_button):
                control.layout.display = "none"
        self.refresh()
        if single:
            self.load(self._find(self.spec.key_text(self.fixed)))
        self.locked = lock(table, [self.save_button, self.new_button, self.remove_button], self.status)
        """True when the member this page serves cannot change the table (the store refuses it too)."""
        self._idle = self.status.value if self.locked else ""

    # ------------------------------------------------------------ records
    def records(self) -> pd.DataFrame:
        """The stored records this form edits."""
        frame = self.store.read(self.table, scorecard=self.fixed.get("scorecard_id"))
        for name, value in self.fixed.items():
            if name != "scorecard_id" and name in frame.columns:
                frame = frame[frame[name] == value]
        return frame.reset_index(drop=True)

    def refresh(self, select: Mapping[str, Any] | None = None) -> None:
        """Re-read the records offered in the selector (and select ``select`` if given)."""
        frame = self.records()
        options: list[tuple[str, Any]] = [(f"(new {self.noun})", NEW)]
        for row in frame.to_dict("records"):
            options.append((self.describe(row), self.spec.key_text(row)))
        wanted = self.spec.key_text(dict(select)) if select is not None else (
            self.spec.key_text(self.current) if self.current else NEW)
        self.selector.unobserve(self._on_select, names="value")
        replace_options(self.selector, options, wanted if wanted in [v for _, v in options] else NEW)
        self.selector.observe(self._on_select, names="value")

    def edited(self) -> bool:
        """True when a field shows something else than the record loaded (unsaved typing)."""
        base = self.current or {name: self.spec.column(name).default for name in self.fields}
        return any(not _same(field.get(), base.get(name)) for name, field in self.fields.items())

    def catch_up(self) -> None:
        """Follow saves made elsewhere (a live page): re-read the list, never wipe what is typed.

        The selector offers the records as stored now.  When the record shown changed in the
        store: without unsaved typing the form shows the new version (and says who saved
        it); with typing, the conflict panel shows both versions and the choices of a save
        conflict — nothing typed is replaced.
        """
        self.refresh()
        if self.current is None:
            return
        key = self.spec.key_text(self.current)
        stored = self._find(key)
        if stored is not None and _revision(stored) == _revision(self.current):
            return
        shown = self.conflict_error
        if shown is not None and (shown.theirs is None) == (stored is None) and \
                shown.actual_revision == _revision(stored):
            return  # already showing this conflict
        if not self.edited():
            gone = self.describe(self.current)
            if stored is None:
                self.new()
                self.say(f"{capitalised(self.noun)} {gone} was removed by someone else.", ok=False)
                return
            self.load(stored)
            self.refresh(select=stored)
            self.say(f"{stored.get('saved_by') or 'Someone else'} saved a newer version of this {self.noun}: "
                     "it is shown now.")
            return
        self._show_conflict(ConflictError(
            table=self.table, record=key, theirs=stored, yours=self.values(),
            expected_revision=_revision(self.current), actual_revision=_revision(stored)), live=True)

    def _find(self, key_text: str) -> dict[str, Any] | None:
        for row in self.records().to_dict("records"):
            if self.spec.key_text(row) == key_text:
                return {k: (None if is_missing(v) else v) for k, v in row.items()}
        return None

    def guard(self, handler: Callable[..., Any], doing: str = "save") -> Callable[..., Any]:
        """``handler`` with any store failure shown next to the Save button (see :mod:`~bsc_widgets.forms.failures`)."""
        return guarded(self.status, lambda: self.store.location, doing=doing)(handler)

    def fail(self, error: BaseException, doing: str = "save", lead: str = "") -> None:
        """Show why the store could not ``doing`` (save, remove, undo, read) next to the Save button."""
        show_failure(self.status, error, self.store.location, doing=doing, lead=lead)

    def _on_select(self, change: Mapping[str, Any]) -> None:
        try:
            self._select(change)
        except Exception as error:  # a store that cannot be read: say so, keep the form
            self.fail(error, doing="read")

    def _select(self, change: Mapping[str, Any]) -> None:
        if change["new"] == NEW:
            self.new()
        else:
            self.load(self._find(change["new"]))

    def load(self, record: Mapping[str, Any] | None) -> None:
        """Show a stored record for editing (None: an empty new record)."""
        self.current = dict(record) if record is not None else None
        self.touched = set()
        for name, field in self.fields.items():
            column = self.spec.column(name)
            value = record.get(name) if record is not None else column.default
            field.set(value)
            field.show([])
            field.widget.disabled = record is not None and name in self.spec.key
        self._hide_conflict()
        self._hide_confirm()

    def new(self) -> None:
        """Start a new record."""
        self.load(None)
        if self.selector.value != NEW:
            self.selector.unobserve(self._on_select, names="value")
            self.selector.value = NEW
            self.selector.observe(self._on_select, names="value")
        self.say("")

    def values(self) -> dict[str, Any]:
        """The record as entered (fixed values, and key values the form does not show, included)."""
        hidden = {k: self.current[k] for k in self.spec.key if k not in self.fields and self.current}
        return {**hidden, **self.fixed, **{name: field.get() for name, field in self.fields.items()}}

    # ------------------------------------------------------------ checking
    def _on_edit(self, name: str) -> None:
        self.touched.add(name)
        self.check(only=self.touched)

    def check(self, only: set[str] | None = None) -> list[Problem]:
        """Check the entered values against the record rules; show problems next to the fields."""
        _, problems = coerce(self.spec, [self.values()])
        self.show_problems(problems, only=only)
        return problems

    def show_problems(self, problems: Sequence[Problem], only: set[str] | None = None) -> None:
        """Show each problem next to its field; problems of other fields go to the status line."""
        by_field: dict[str, list[str]] = {}
        for problem in problems:
            by_field.setdefault(problem.field, []).append(sentence(problem))
        for name, field in self.fields.items():
            if only is None or name in only:
                field.show(by_field.get(name, []))

    @property
    def problems_shown(self) -> dict[str, str]:
        """The messages currently shown next to fields, by field name."""
        return {name: field.problem_text for name, field in self.fields.items() if field.problem_text}

    # ------------------------------------------------------------ saving
    def say(self, text: str, ok: bool = True) -> None:
        """Show a status message under the buttons."""
        self.status.value = message(text, ok=ok) if text else self._idle

    def save(self, revision: int | None = None) -> SaveResult | None:
        """Save the entered record; show what is wrong instead when it cannot be saved."""
        record = self.values()
        record["revision"] = revision if revision is not None else int((self.current or {}).get("revision") or 0)
        try:
            result = self.store.upsert(self.table, [record], user=self.user)
        except BscValidationError as error:
            self.show_problems(error.problems)
            others = [p for p in error.problems if p.field not in self.fields]
            shown = len(error.problems) - len(others)
            text = f"Not saved: {shown} problem(s) are shown next to the fields." if shown else "Not saved."
            self.say(" ".join([text, *(f"{p.table} '{p.record}': {sentence(p)}" for p in others)]), ok=False)
            return None
        except RecordExistsError as error:
            self._show_taken(error)
            return None
        except ConflictError as error:
            self._show_conflict(error)
            return None
        except Exception as error:  # a closed period, a full or read-only disk, a damaged table, a bug
            self.fail(error)
            return None
        try:
            self._saved(result, record)
        except Exception as error:  # saved, but the store cannot be read back
            self.fail(error, doing="read", lead=f"Saved {self.noun} {self.describe(record)}, but the page could not "
                                                 "be brought up to date:")
        return result

    def _saved(self, result: SaveResult, record: dict[str, Any]) -> None:
        """After a save: show the saved record, offer undo, tell the listeners."""
        # The saved key, with what the store filled in (a comment's number in its thread).
        key = dict(zip(self.spec.key, result.keys[0], strict=True)) if result.keys else {
            k: record.get(k) for k in self.spec.key}
        saved = self._find(self.spec.key_text(key))
        if result.version is not None:
            self.last_save = (key, result.version)
            self.undo_button.disabled = False
        self.current = saved
        for name in self.spec.key:
            if name in self.fields:
                self.fields[name].widget.disabled = True
        self.show_problems([])
        self._hide_conflict()
        what = "No changes to save." if result.version is None else f"Saved {self.noun} {self.describe(record)}."
        self.say(what)
        self.refresh(select=key)
        self._notify()

    def ask_remove(self) -> None:
        """Ask for confirmation before removing the record shown."""
        if self.current is None:
            self.say(f"Pick a saved {self.noun} first.", ok=False)
            return
        self.confirm_text.value = (f"<b>Remove {html.escape(self.noun)} "
                                   f"{html.escape(self.describe(self.current))}?</b> &nbsp;")
        self.confirm_box.layout.display = "flex"

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"

    def remove(self) -> SaveResult | None:
        """Remove the record shown (after confirmation); refused while other records use it."""
        self._hide_confirm()
        if self.current is None:
            return None
        key = {k: self.current[k] for k in self.spec.key}
        try:
            result = self.store.delete(self.table, [{**key, "revision": self.current.get("revision")}],
                                       user=self.user)
        except BscValidationError as error:
            users = [p for p in error.problems if p.code != "in_use"]
            fixes = [p.fix for p in error.problems if p.code == "in_use"]
            self.say("Not removed: " + " ".join(f"{p.table} '{p.record}': {p.message}." for p in users)
                     + "".join(f" {capitalised(fix)}." for fix in fixes), ok=False)
            return None
        except ConflictError as error:
            self._show_conflict(error)
            return None
        except Exception as error:  # see save()
            self.fail(error, doing="remove")
            return None
        self.last_save = (key, result.version or 0)
        self.undo_button.disabled = False
        self.say(f"Removed {self.noun} {self.describe(self.current)}. Use 'Undo last change' to bring it back.")
        self.current = None
        self.refresh()
        self.new()
        self._notify()
        return result

    def undo(self) -> SaveResult | None:
        """Undo this form's last save or removal."""
        if self.last_save is None:
            return None
        key, version = self.last_save
        try:
            result = self.store.undo_save(self.table, key, version, user=self.user)
        except Exception as error:  # see save()
            self.fail(error, doing="undo")
            return None
        self.last_save = None
        self.undo_button.disabled = True
        self.refresh(select=key)
        self.load(self._find(self.spec.key_text(key)))
        self.say("Last change undone.")
        self._notify()
        return result

    # ------------------------------------------------------------ conflicts
    def _show_taken(self, error: RecordExistsError) -> None:
        """A new record's id is already used: say so next to the id; nothing to merge, nothing overwritten."""
        self._hide_conflict()
        who = (error.theirs or {}).get("saved_by") or "someone"
        text = (f"{error.record} already exists (saved by {who}). Pick it in the list above to edit it, or choose "
                "another id.")
        shown = [name for name in self.spec.key if name in self.fields and not self.fields[name].widget.disabled]
        for name in shown[-1:]:
            self.fields[name].show([text])
        self.say(f"Not saved: {self.noun} {text}", ok=False)

    def _show_conflict(self, error: ConflictError, live: bool = False) -> None:
        """Show both versions and the choices; ``live``: seen while typing (nothing was tried yet)."""
        self.conflict_error = error
        theirs = error.theirs or {}
        mine = self.values()
        rows = []
        cell = "style='text-align:left;padding:2px 12px 2px 0;vertical-align:top'"
        for name in self.fields:
            a, b = theirs.get(name), mine.get(name)
            if not _same(a, b):
                label = self.fields[name].label_text
                rows.append(f"<tr><td {cell}>{html.escape(label)}</td><td {cell}>{html.escape(shown_value(a))}</td>"
                            f"<td {cell}>{html.escape(shown_value(b))}</td></tr>")
        who = theirs.get("saved_by") or "someone else"
        unsaved = "Your changes are not saved yet." if live else "Nothing was saved."
        head = (f"<b>Someone else changed this {html.escape(self.noun)} while you were editing it</b> "
                f"(saved by {html.escape(str(who))}). {unsaved} Choose what to keep:"
                if error.theirs is not None else
                f"<b>This {html.escape(self.noun)} was removed by someone else while you were editing it.</b> "
                f"{unsaved} Save to enter it again.")
        table = (f"<table style='border-collapse:collapse'><tr><th {cell}>field</th><th {cell}>their version</th>"
                 f"<th {cell}>your version</th></tr>" + "".join(rows) + "</table>") if rows else ""
        self.conflict_text.value = head + table
        self.conflict_box.layout.display = "flex"
        self.say("Someone else saved this record while you were editing it: see the two versions below."
                 if live else "Save conflict: see the two versions below.", ok=False)

    def _hide_conflict(self) -> None:
        self.conflict_error = None
        self.conflict_box.layout.display = "none"

    def keep_mine(self) -> SaveResult | None:
        """Resolve a conflict by saving your changes over theirs.

        Only the fields you changed are saved; the others keep their version (a field you
        did not change was never your decision, so their newer value stays).
        """
        error = self.conflict_error
        if error is None:
            return None
        if error.theirs is not None and self.current is not None:
            base, mine = self.current, self.values()
            for name, field in self.fields.items():
                if name not in self.spec.key and _same(mine.get(name), base.get(name)):
                    field.set(error.theirs.get(name))
        return self.save(revision=error.actual_revision)

    def take_theirs(self) -> None:
        """Resolve a conflict by showing their version (the entered values are dropped)."""
        error = self.conflict_error
        if error is None:
            return
        self.load(error.theirs)
        self.say("Showing their version; your changes were dropped.")

    def combine(self) -> None:
        """Resolve a conflict by combining both: their changes where you changed nothing, yours elsewhere.

        The combined record is shown, not saved: check it and press Save.
        """
        error = self.conflict_error
        if error is None or error.theirs is None:
            return
        base, theirs, mine = self.current or {}, error.theirs, self.values()
        both = [n for n in self.fields if not _same(mine.get(n), base.get(n))
                and not _same(theirs.get(n), base.get(n)) and not _same(mine.get(n), theirs.get(n))]
        combined = {n: (theirs.get(n) if _same(mine.get(n), base.get(n)) else mine.get(n)) for n in self.fields}
        self.current = dict(theirs)
        for name, value in combined.items():
            self.fields[name].set(value)
        self._hide_conflict()
        note = (f" Both changed {', '.join(self.fields[n].label_text for n in both)}: your value is kept there."
                if both else "")
        self.say("Combined their changes with yours; check and press Save." + note)

    # ------------------------------------------------------------ listeners
    def on_change(self, listener: Listener) -> None:
        """Call ``listener(form)`` after every save, removal or undo."""
        self.listeners.append(listener)

    def _notify(self) -> None:
        for listener in self.listeners:
            listener(self)
