"""Start a scorecard from a KPI library (used in the KPI workbook and in "Start here")."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..config import remember
from ..io.libraries import list_libraries, load_library, start_scorecard
from .display import message, wide
from .failures import guarded, show_failure
from .mode import in_app

if TYPE_CHECKING:
    from .workshop import Workshop


class LibraryPanel:
    """Pick a sector library, preview its objectives and KPIs, and create a scorecard from it."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        libraries = list_libraries()
        self.library = widgets.Dropdown(description="Library:", style={"description_width": "110px"},
                                        options=[(f"{i.title} ({i.objectives} objectives, {i.kpis} KPIs)", i.name)
                                                 for i in libraries], layout=widgets.Layout(width="560px"))
        self.preview = widgets.HTML()
        self.scorecard_id = widgets.Text(description="Scorecard id:", style={"description_width": "110px"},
                                         placeholder="e.g. clinic")
        self.name = widgets.Text(description="Name:", style={"description_width": "110px"},
                                 placeholder="e.g. St Mary's Clinic")
        self.horizon_start = widgets.Text(description="Horizon from:", style={"description_width": "110px"},
                                          placeholder="e.g. 2026-01")
        self.horizon_end = widgets.Text(description="Horizon to:", style={"description_width": "110px"},
                                        placeholder="e.g. 2028-12")
        self.create_button = wide(widgets.Button(description="Create the scorecard", button_style="primary",
                                                 icon="plus"))
        self.status = widgets.HTML()
        self.library.observe(lambda _: self.show_preview(), names="value")
        self.create_button.on_click(guarded(self.status, lambda: workshop.store.location)(lambda _: self.create()))
        self.widget = widgets.VBox([
            widgets.HTML("<p>Start a new scorecard with the objectives, strategy map and KPIs of a sector library, "
                         "then adapt them to your organisation. Targets, owners and actuals are yours to add.</p>"),
            self.library, self.preview, widgets.HBox([self.scorecard_id, self.name]),
            widgets.HBox([self.horizon_start, self.horizon_end]), self.create_button, self.status])
        self.show_preview()

    def show_preview(self) -> None:
        """List the library's objectives and KPIs."""
        if not self.library.value:
            self.preview.value = "<i>No KPI libraries found.</i>"
            return
        lib = load_library(str(self.library.value))
        kpis = lib.tables["kpis"]
        items = []
        for o in lib.tables["objectives"].itertuples():
            names = ", ".join(html.escape(str(n)) for n in kpis.loc[kpis["objective_id"] == o.objective_id, "name"])
            items.append(f"<li><b>{html.escape(str(o.title))}</b> — {names}</li>")
        self.preview.value = f"<p>{html.escape(lib.description)}</p><ul>{''.join(items)}</ul>"

    def create(self) -> bool:
        """Create the scorecard and make it the one every step works on (in the app: only create it)."""
        sid = self.scorecard_id.value.strip()
        if not sid:
            self.status.value = message("Enter an id for the new scorecard.", ok=False)
            return False
        try:
            start_scorecard(self.workshop.store, str(self.library.value), scorecard_id=sid,
                            name=self.name.value.strip() or None, id_prefix=f"{sid}-",
                            horizon_start=self.horizon_start.value.strip() or None,
                            horizon_end=self.horizon_end.value.strip() or None)
        except Exception as error:  # invalid values, a full or read-only disk, a damaged table, a bug
            show_failure(self.status, error, self.workshop.store.location)
            return False
        if in_app():  # participants never change the server's saved choice
            self.status.value = message(f"Created scorecard '{sid}' from the library. The workshop steps stay on the "
                                        "scorecard the facilitator chose; ask the facilitator to switch to it.")
            return True
        self.workshop.scorecard_id = sid
        remember(self.workshop.store.location, sid)
        self.status.value = message(f"Created scorecard '{sid}' from the library; every step now works on it. "
                                    "Open this step again (Run → Run All Cells) to edit its KPIs.")
        return True
