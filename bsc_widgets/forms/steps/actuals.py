"""Step 5 — Record actuals: one entry grid per period for every KPI of the scorecard,
comments (analysis and recommendation), and import from a CSV or Excel file.

Above the grid, "Due for <review period>" lists per owner what is still owed for the
review period of the chosen month — the same list, in the same words, as ``bsc due``."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from ...errors import BscError
from ...io.importer import apply_import, plan_import
from ...model.periods import last_day, parse_period, period_containing
from ...model.plan import within
from ...model.values import is_blank, is_missing
from ...render.html import due_html
from ...scoring.due import due
from ..display import message, wide
from ..failures import guarded, show_failure
from ..grid import Key, RecordGrid
from ..live import LiveStep
from ..record_form import RecordForm
from ..roles import lock
from ..view import Viewable
from ..workshop import no_scorecard
from .targets import horizon_periods

if TYPE_CHECKING:
    from ...io.outcome import ImportReport
    from ..workshop import Workshop

SUBJECTS = {"scorecard": ("scorecards", "scorecard_id", "name"), "objective": ("objectives", "objective_id", "title"),
            "kpi": ("kpis", "kpi_id", "name"), "initiative": ("initiatives", "initiative_id", "title")}


class ActualsGrid(RecordGrid):
    """Value and note of every KPI for the month chosen (each KPI in its own period of that month)."""

    compared = ("value", "note")

    def __init__(self, workshop: Workshop, today: dt.date | None = None) -> None:
        super().__init__(workshop.store, "actuals")
        self.workshop = workshop
        self.today = today
        """Date that decides what is overdue and which periods are over (None: the current date)."""
        self.due_box = widgets.HTML()
        self.due_items: pd.DataFrame | None = None
        """What the due list shows (None before it is shown)."""
        card = workshop.scorecard or {}
        months = [str(p) for p in horizon_periods(card.get("horizon_start"), card.get("horizon_end"), "M")]
        this_month = str(period_containing(today or dt.date.today(), "M"))
        default = max([m for m in months if m <= this_month], default=months[0] if months else None)
        self.month = widgets.Dropdown(description="Month:", options=months, value=default,
                                      style={"description_width": "60px"})
        self.rows = widgets.VBox()
        self.cells: dict[str, tuple[str, widgets.Text, widgets.Text, widgets.HTML]] = {}
        self.save_button = wide(widgets.Button(description="Save actuals", button_style="primary", icon="check"))
        self.month.observe(self.guard(lambda _: self.show(), doing="read"), names="value")
        self.save_button.on_click(self.guard(lambda _: self.save()))
        self.widget = widgets.VBox([
            widgets.HTML("<p>Pick a month: each KPI shows the period it is measured in that month "
                         "(the month, its quarter or its year).</p>"),
            self.month, self.due_box, self.rows, self.save_button, self.status])
        self.widget.add_class("bsc-grid-actuals")
        self.show()
        lock("actuals", [self.save_button], self.status)

    def show(self) -> None:
        """Lay out one row per KPI with the stored value and note of its period."""
        self.store = self.workshop.store
        frames = self.workshop.frames()
        self.remember(frames["actuals"])
        self.cells, self.row_messages = {}, {}
        rows: list[widgets.Widget] = []
        if self.month.value is None:
            self.rows.children = [widgets.HTML("<i>Set the scorecard's horizon in step 1 first.</i>")]
            self.mark_drawn()
            return
        self.show_due(frames)
        for k, period, locked, texts in self._rows(frames):
            value = widgets.Text(value=texts["value"], placeholder="value",
                                 layout=widgets.Layout(width="110px", flex="0 0 auto"))
            note = widgets.Text(value=texts["note"], placeholder="note",
                                layout=widgets.Layout(width="260px", flex="0 0 auto"))
            message_box = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
            if locked is not None:  # a closed period: shown, not editable (saving would be refused)
                value.disabled = note.disabled = True
                message_box.value = (f"<span style='color:#5b6770'>{html.escape(str(locked['period']))} is closed "
                                     f"(by {html.escape(str(locked['closed_by']))})</span>")
            unit = "" if is_missing(k.unit) else f" ({html.escape(str(k.unit))})"
            label = widgets.HTML(f"{html.escape(str(k.kpi_id))} — {html.escape(str(k.name))}{unit}",
                                 layout=widgets.Layout(width="380px", flex="0 0 auto"))
            shown = widgets.HTML(period, layout=widgets.Layout(width="80px", flex="0 0 auto"))
            row = widgets.HBox([label, shown, value, note, message_box])
            row.add_class("bsc-grid-row")  # stable hooks for browser tests and custom styles
            rows.append(row)
            self.cells[str(k.kpi_id)] = (period, value, note, message_box)
            self.row_messages[str(k.kpi_id)] = message_box
        self.rows.children = rows or [widgets.HTML("<i>No KPIs yet: add them in step 3.</i>")]
        self.mark_drawn()

    def inputs(self) -> dict[tuple[Key, str], widgets.Text]:
        """Each KPI's value and note boxes, keyed by the actual record (KPI, period) and column."""
        return {cell: box for kpi, (period, value, note, _) in self.cells.items()
                for cell, box in ((((kpi, period), "value"), value), (((kpi, period), "note"), note))}

    def redraw(self) -> None:
        """Show the month's actuals (and what is due) as stored now."""
        self.show()

    def _rows(self, frames: Mapping[str, pd.DataFrame]) -> list[tuple[Any, str, dict[str, Any] | None,
                                                                      dict[str, str]]]:
        """Per KPI of the scorecard: the KPI, its period of the month, the closing that locks it, its boxes' text."""
        sid = self.workshop.scorecard_id
        kpis = frames["kpis"][frames["kpis"]["scorecard_id"] == sid].sort_values(["objective_id", "kpi_id"])
        actuals = frames["actuals"].set_index(["kpi_id", "period"])
        day = last_day(parse_period(str(self.month.value)))
        closed = self.store.closed_periods(scorecard=sid).to_dict("records")
        rows = []
        for k in kpis.itertuples():
            period = str(period_containing(day, str(k.frequency)))
            locked = next((c for c in closed if within(period, c["period"])), None)
            stored = actuals.loc[(k.kpi_id, period)] if (k.kpi_id, period) in actuals.index else None
            texts = {"value": "" if stored is None else f"{stored['value']:g}",
                     "note": "" if stored is None or is_missing(stored["note"]) else str(stored["note"])}
            rows.append((k, period, locked, texts))
        return rows

    def fresh(self) -> tuple[dict[tuple[Key, str], str], pd.DataFrame] | None:
        """What each box would show now, and the actuals read (None: other KPIs or closings, the grid is redrawn).

        Also brings the list of what is due up to date.
        """
        if self.month.value is None:
            return None
        frames = self.workshop.frames()
        rows = self._rows(frames)
        layout = [(str(k.kpi_id), period, locked is not None) for k, period, locked, _ in rows]
        if layout != [(kpi, period, value.disabled) for kpi, (period, value, _, _) in self.cells.items()]:
            return None
        self.show_due(frames)
        return ({((str(k.kpi_id), period), column): text for k, period, _, texts in rows
                 for column, text in texts.items()}, frames["actuals"])

    def show_due(self, frames: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Show what is owed for the review period of the chosen month ("Due for 2026Q3"), per owner."""
        if self.month.value is None or self.workshop.scorecard is None:
            self.due_box.value = ""
            return
        frames = self.workshop.frames() if frames is None else frames
        freq = str(self.workshop.scorecard.get("review_frequency") or "Q")
        period = str(period_containing(last_day(parse_period(str(self.month.value))), freq))
        try:
            items = due(frames, period, self.today or dt.date.today(), scorecard=self.workshop.scorecard_id)
        except BscError as error:
            self.due_box.value = message(str(error), ok=False)
            return
        self.due_box.value = due_html(items, period)
        self.due_items = items

    def row_of(self, key: Key) -> Hashable | None:
        """Each KPI has one row (showing its period of the chosen month)."""
        row = self.cells.get(key[0])
        return key[0] if row is not None and row[0] == key[-1] else None

    def entered(self) -> list[dict[str, Any]]:
        """Rows with a value typed (who and when are recorded)."""
        now = pd.Timestamp.now(tz="UTC")
        return [{"kpi_id": kpi, "period": period, "scorecard_id": self.workshop.scorecard_id,
                 "value": value.value, "note": note.value, "entered_by": self.user, "entered_at": now}
                for kpi, (period, value, note, _) in self.cells.items() if value.value.strip()]

    def save(self) -> bool:
        """Save every typed value; problems are shown next to their KPI and nothing is saved."""
        records = self.entered()
        if not records:
            self.clear_messages()
            self.status.value = message("Type at least one value.", ok=False)
            return False

        def unchanged(record: dict[str, Any]) -> bool:
            old = self.loaded.get(self.key(record))
            if old is None:
                return False
            note = "" if is_missing(old["note"]) else str(old["note"])
            return f"{old['value']:g}" == record["value"].strip() and note == record["note"].strip()

        changed = [r for r in records if not unchanged(r)]
        if not self.save_records(changed):
            return False
        self.status.value = message(f"Saved {self.saved} actual(s).")
        self.show_due()
        return True


class ImportPanel:
    """Upload a CSV or Excel file of actuals: check it, show the report, then import it."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.report: ImportReport | None = None
        self.upload = widgets.FileUpload(accept=".csv,.xlsx", multiple=False, description="Choose file")
        self.kind = widgets.ToggleButtons(options=[("actuals", "actuals"), ("targets", "targets")], value="actuals")
        self.decimal = widgets.Dropdown(options=[("as the file shows", None), ("point: 1234.5", "."),
                                                 ("comma: 1234,5", ",")], value=None,
                                        description="Decimal:", style={"description_width": "60px"},
                                        layout=widgets.Layout(width="220px"))
        self.check_button = wide(widgets.Button(description="Check file", icon="search"))
        self.apply_button = wide(widgets.Button(description="Import", button_style="primary", disabled=True))
        self.result = widgets.HTML()
        self.check_button.on_click(guarded(self.result, self._location, doing="read")(lambda _: self.check()))
        self.apply_button.on_click(guarded(self.result, self._location)(lambda _: self.apply()))
        self.widget = widgets.VBox([
            widgets.HTML("<p>Long layout (one row per KPI and period) or wide (one column per period); KPIs by id "
                         "or name; periods as 2026-03 / 2026Q1 or dates. Nothing is imported unless the whole file "
                         "is valid. Numbers are read with the decimal separator the file shows; when a number "
                         "could be read two ways (1.234), choose it under Decimal.</p>"),
            widgets.HBox([self.upload, self.kind, self.decimal, self.check_button, self.apply_button]), self.result])
        lock("actuals", [self.upload, self.check_button], self.result)

    def _location(self) -> str:
        return self.workshop.store.location

    def check(self, content: bytes | None = None, filename: str | None = None) -> ImportReport | None:
        """Check the uploaded file (or ``content`` named ``filename``) and show the report."""
        if content is None:
            if not self.upload.value:
                self.result.value = message("Choose a file first.", ok=False)
                return None
            item = self.upload.value[0]
            content, filename = bytes(item["content"]), str(item["name"])
        try:
            self.report = plan_import(self.workshop.store, content, table=self.kind.value, filename=filename,
                                      scorecard=self.workshop.scorecard_id, decimal=self.decimal.value)
        except BscError as error:  # the file's own problems
            self.result.value = message(str(error), ok=False)
            return None
        except Exception as error:  # a store that cannot be read
            show_failure(self.result, error, self._location(), doing="read")
            return None
        self.result.value = f"<pre>{message(self.report.as_text(limit=50), ok=self.report.ok)}</pre>"
        self.apply_button.disabled = not self.report.ok
        return self.report

    def apply(self) -> bool:
        """Import the checked file."""
        if self.report is None or not self.report.ok:
            return False
        try:
            result = apply_import(self.workshop.store, self.report)
        except Exception as error:  # a closed period, a full or read-only disk, a damaged table, a bug
            show_failure(self.result, error, self._location())
            return False
        self.apply_button.disabled = True
        self.result.value = message(f"Imported: {result.inserted} new, {result.updated} updated, "
                                    f"{result.unchanged} unchanged.")
        return True


def _comment_label(record: Mapping[str, Any]) -> str:
    """A comment in the picker: its thread (period, subject, kind), its number in it and who wrote it."""
    number = "" if is_missing(record.get("number")) else f" #{record['number']}"
    author = "" if is_blank(record.get("author")) else f" — {record['author']}"
    return f"{record['period']} {record['subject_type']} {record['subject_id']}: {record['kind']}{number}{author}"


class ActualsStep(LiveStep, Viewable):
    """Actuals grid, comments and import for the workshop's scorecard."""

    def __init__(self, workshop: Workshop, today: dt.date | None = None) -> None:
        self.workshop = workshop
        sid = workshop.scorecard_id
        if sid is None:
            self.widget = no_scorecard()
            return
        self.grid = ActualsGrid(workshop, today)
        self.comments = RecordForm(
            workshop.store, "comments", fixed={"scorecard_id": sid},
            fields=["subject_type", "subject_id", "period", "kind", "text", "author"],
            options={"subject_type": [(k, k) for k in SUBJECTS], "subject_id": []},
            labels={"subject_type": "About a", "subject_id": "Which one"},
            noun="comment", describe=_comment_label)
        self.comments.fields["subject_type"].widget.observe(self.comments.guard(lambda _: self._subjects(), "read"),
                                                            names="value")
        self._subjects()
        self.imports = ImportPanel(workshop)
        tabs = widgets.Tab(children=[self.grid.widget, self.comments.widget, self.imports.widget])
        for i, title in enumerate(["Actuals", "Comments", "Import a file"]):
            tabs.set_title(i, title)
        self.widget = tabs

    def show_store(self, frames: dict[str, pd.DataFrame]) -> None:
        """After the grid and the comments caught up: the subjects a comment can be about."""
        self._subjects()

    def _subjects(self) -> None:
        kind = self.comments.fields["subject_type"].get() or "kpi"
        table, key, label = SUBJECTS[kind]
        frame = self.workshop.store.read(table, scorecard=self.workshop.scorecard_id)
        options = [(f"{getattr(r, key)} — {getattr(r, label)}", str(getattr(r, key))) for r in frame.itertuples()]
        self.comments.fields["subject_id"].set_options(options)
