"""Step 3 — KPIs and targets: every field of a KPI, its targets per period, and a live preview
of where a sample actual would score."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from ...model.bands import BANDS_EXAMPLE, POLICY_HELP, BandScheme
from ...model.coerce import coerce
from ...model.rules import check_expressions
from ...model.schema import TABLES
from ...model.values import is_blank, is_missing
from ...model.words import number
from ...render.theme import status_colour, text_on
from ...scoring.bands import band_codes, band_zones, kpi_schemes
from ...scoring.calculated import latest_value
from ...scoring.formulas import AMBER_FROM, GREEN_FROM, NO_TARGET, preview
from ..coach import SmartCoach
from ..display import message
from ..failures import guarded
from ..fields import LABEL_WIDTH
from ..library import LibraryPanel
from ..live import LiveStep
from ..record_form import RecordForm, sentence
from ..view import Viewable
from ..workshop import no_scorecard
from .objectives import objective_options
from .targets import TargetGrid

if TYPE_CHECKING:
    from ..workshop import Workshop

KPI_FIELDS = ["kpi_id", "objective_id", "name", "definition", "unit", "polarity", "frequency", "aggregation",
              "expression", "target_rule", "baseline", "baseline_period", "weight", "owner", "source", "indicator",
              "decimals", "bands", "missing_policy"]
EXPRESSION_INPUTS = ("kpi_id", "frequency", "aggregation", "expression", "decimals")
"""Fields whose change re-checks the expression and its preview."""
KPI_LABELS = {"objective_id": "Objective", "indicator": "Leading / lagging", "expression": "Expression",
              "target_rule": "Targets of a calculated KPI", "bands": "Colour bands (blank: the scorecard's)",
              "missing_policy": "When an actual is missing (blank: the scorecard's)"}
KPI_HELP = {"bands": f"Only when this KPI needs its own bands: 3 to 6, lowest first, e.g. {BANDS_EXAMPLE}.",
            "missing_policy": f"Only when this KPI differs from its scorecard: {POLICY_HELP}."}
"""Help under the KPI's scoring fields, in plain words."""


class KpiStep(LiveStep, Viewable):
    """KPIs of the workshop's scorecard, their targets, and the score preview."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.coach = SmartCoach(workshop.scorecard_id)
        sid = workshop.scorecard_id
        if sid is None:
            self.widget = no_scorecard()
            return
        frames = workshop.frames()
        self.form = RecordForm(workshop.store, "kpis", fixed={"scorecard_id": sid}, fields=KPI_FIELDS,
                               options={"objective_id": objective_options(frames, sid)}, noun="KPI",
                               labels=KPI_LABELS, describe=lambda r: f"{r['kpi_id']} — {r['name']}")
        for name, text in KPI_HELP.items():
            self.form.fields[name].help.value = f"<span style='color:#666;font-size:90%'>{html.escape(text)}</span>"
        self.grid = TargetGrid(workshop.store, workshop.scorecard or {})
        self.sample = widgets.Text(description="Sample actual:", style={"description_width": "110px"})
        self.sample_period = widgets.Dropdown(description="Period:", style={"description_width": "60px"})
        self.preview = widgets.HTML()
        self.sample.observe(lambda _: self.update_preview(), names="value")
        self.sample_period.observe(lambda _: self.update_preview(), names="value")
        self.form.on_change(lambda _: self.refresh())
        self.form.selector.observe(self.form.guard(lambda _: self.refresh(), doing="read"), names="value")
        # after the grid's own save (whose message stays next to 'Save targets'): the coach and preview follow
        self.grid.save_button.on_click(guarded(self.preview, lambda: workshop.store.location, doing="read")(
            lambda _: self._targets_saved()))
        self.library = LibraryPanel(workshop)
        self.calculated = widgets.HTML()
        self._expression_messages: list[str] = []  # what check_expression shows next to the field
        self.calculated.add_class("bsc-calculated-preview")
        expression_box = self.form.fields["expression"].box  # the preview sits under the expression's help
        expression_box.children = (*expression_box.children,
                                   widgets.HBox([widgets.HTML(layout=widgets.Layout(width=LABEL_WIDTH)),
                                                 self.calculated]))
        for name in EXPRESSION_INPUTS:  # observed after the form's own checks, so these run second
            self.form.fields[name].widget.observe(lambda _: self.check_expression(), names="value")
        tabs = widgets.Tab(children=[
            widgets.VBox([self.form.widget, self.coach.widget]),
            self.grid.widget,
            widgets.VBox([widgets.HTML("<p>Type an actual to see the score and colour it would get against the "
                                       "target of a period (the bands follow the scoring rules).</p>"),
                          widgets.HBox([self.sample, self.sample_period]), self.preview]),
            self.library.widget,
        ])
        for i, title in enumerate(["KPI", "Targets", "Score preview", "Start from a KPI library"]):
            tabs.set_title(i, title)
        self.widget = tabs
        self.refresh(frames)

    def refresh(self, frames: dict[str, Any] | None = None) -> None:
        """Show the selected KPI's targets, coach findings and preview."""
        frames = frames if frames is not None else self.workshop.frames()
        self.grid.scorecard = self.workshop.scorecard or {}
        self.grid.show(self.form.current)
        self.show_store(frames)

    def show_store(self, frames: dict[str, Any]) -> None:
        """Everything but the targets grid (which keeps what is typed): options, coach, previews."""
        self.form.fields["objective_id"].set_options(objective_options(frames, self.workshop.scorecard_id))
        kpi = self.form.current
        self.sample_period.options = self.grid.periods
        self.coach.refresh(frames, "kpi", str(kpi["kpi_id"]) if kpi else None)
        self.update_preview()
        self.check_expression(frames)

    def check_expression(self, frames: dict[str, Any] | None = None) -> None:
        """Check the expression as typed (next to the field) and preview the latest value it computes."""
        field = self.form.fields["expression"]
        record = self.form.values()
        if is_blank(record.get("expression")):
            self.calculated.value = ""
            return
        frames = frames if frames is not None else self.workshop.frames()
        kpi_id = str(record.get("kpi_id") or "new-kpi")
        typed, _ = coerce(TABLES["kpis"], [{**record, "kpi_id": kpi_id}])
        kpis = frames["kpis"]
        plan = {**frames, "kpis": pd.concat([kpis[kpis["kpi_id"] != kpi_id], typed], ignore_index=True)}
        problems = [p for p in check_expressions(plan) if p.key == (kpi_id,) and p.field == "expression"]
        field.show([*(m for m in field.messages if m not in self._expression_messages),
                    *(sentence(p) for p in problems)])
        self._expression_messages = [sentence(p) for p in problems]
        if problems:
            self.calculated.value = ""
            return
        latest = latest_value(plan, kpi_id)
        digits = int(typed["decimals"].iloc[0]) if not is_missing(typed["decimals"].iloc[0]) else 1
        self.calculated.value = (
            f"<p>Latest computed value: <b>{number(latest.value, digits)}</b> for {html.escape(latest.period)}.</p>"
            if latest.value is not None and latest.period is not None
            else f"<p>No computed value yet: {html.escape(latest.reason)}.</p>")

    def _targets_saved(self) -> None:
        """After 'Save targets': update the coach and the preview; the grid keeps its messages and what was typed."""
        kpi = self.form.current
        self.coach.refresh(self.workshop.frames(), "kpi", str(kpi["kpi_id"]) if kpi else None)
        self.update_preview()

    def update_preview(self) -> None:
        """Score the sample actual against the chosen period's target in the grid."""
        kpi = self.form.current
        if kpi is None or not self.sample_period.value:
            self.preview.value = "<i>Pick a KPI with targets.</i>"
            return
        text = self.sample.value.strip().replace(",", ".")
        if not text:
            self.preview.value = "<i>Type a sample actual.</i>"
            return
        try:
            actual = float(text)
        except ValueError:
            self.preview.value = message("The sample actual must be a number.", ok=False)
            return
        period = self.sample_period.value
        row = {c: self.grid.cells[(period, c)].value.strip() or None for c in self.grid.columns}
        try:
            row = {c: (float(v.replace(",", ".")) if v is not None else None) for c, v in row.items()}
        except ValueError:
            self.preview.value = message(f"The targets of {period} are not numbers.", ok=False)
            return
        card = self.workshop.scorecard or {}
        green = GREEN_FROM if is_missing(card.get("green_from")) else float(card["green_from"])
        amber = AMBER_FROM if is_missing(card.get("amber_from")) else float(card["amber_from"])
        score, status = preview(str(kpi["polarity"]), actual, row, green, amber)
        frames = self.workshop.frames()
        bands = kpi_schemes(pd.DataFrame([{**kpi, "scorecard_id": self.workshop.scorecard_id}]),
                            frames["scorecards"])[0]
        self.preview.value = self._bands(str(kpi["polarity"]), actual, row, score, status, bands)

    @staticmethod
    def _bands(polarity: str, actual: float, row: dict[str, Any], score: float, status: str,
               bands: BandScheme) -> str:
        if status == NO_TARGET:
            return "<b>No target</b> for this period yet: fill in the grid first."
        cells = "".join(f"<td style='background:{colour};color:{text_on(colour)};padding:4px 10px'>"
                        f"<b>{html.escape(name)}</b><br>{html.escape(text)}</td>"
                        for name, colour, text in zone_words(polarity, row, bands))
        position = int(band_codes([[score]], [bands])[0, 0])
        band = bands.bands[position]
        return (f"<table style='border-collapse:collapse'><tr>{cells}</tr></table>"
                f"<p>An actual of <b>{actual:g}</b> scores <b>{number(score)}</b> / 10: band "
                f"<b style='color:{band.colour}'>{html.escape(band.name)}</b>, status "
                f"<b style='color:{status_colour(status)}'>{html.escape(status)}</b>.</p>")


def zone_words(polarity: str, row: dict[str, Any], bands: BandScheme) -> list[tuple[str, str, str]]:
    """The ranges of actuals in each colour band against one target row, in plain words, ordered by actual."""
    zones = sorted(band_zones(polarity, row, bands), key=lambda z: (z[2], z[3]))

    def show(value: float) -> str:
        return number(value, None)

    words = []
    for name, colour, low, high in zones:
        if low == float("-inf"):
            words.append((name, colour, f"below {show(high)}"))
        elif high == float("inf"):
            words.append((name, colour, f"above {show(low)}"))
        else:
            words.append((name, colour, f"{show(low)} – {show(high)}"))
    return words
