"""Step 6 — Review: pick a period and see the scorecard as the report shows it — headline, perspective
and objective scores, the strategy map coloured by status, the KPI table, and the work that needs attention.

Every part is a section of the period review report (:mod:`bsc_widgets.reports.sections`), so the
workshop and the report never disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ...errors import BscError
from ...model.plan import data_periods, default_period
from ...render.charts import strategy_map
from ...reports import sections
from ...reports.context import ReviewReport, open_review
from ..display import message, show_in, styled, wide
from ..failures import guarded
from ..live import LiveStep
from ..view import Viewable
from ..workshop import no_scorecard

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from ..workshop import Workshop


class ReviewStep(LiveStep, Viewable):
    """The scorecard of the workshop for a review period, recomputed from the store on demand."""

    def __init__(self, workshop: Workshop, today: dt.date | None = None, as_of: str | None = None) -> None:
        self.workshop = workshop
        self.today = today
        """The day deadlines are judged at (default: the end of the period, or the current date if earlier)."""
        self.as_of = as_of or None
        """Show the plan as the store held it at this time (None: as it is now)."""
        self.report: ReviewReport | None = None
        self.figure: go.Figure | None = None
        sid = workshop.scorecard_id
        if sid is None:
            self.widget = no_scorecard()
            return
        self.message = widgets.HTML()
        try:
            periods = data_periods(self.frames(), sid)
        except BscError as error:  # a time that is not one, or before the store existed
            self.widget = widgets.HTML(message(str(error), ok=False))
            return
        self.period = widgets.Dropdown(description="Period:", options=periods, value=default_period(periods, today),
                                       style={"description_width": "60px"})
        self.refresh_button = wide(widgets.Button(description="Refresh", icon="refresh"))
        # HTML goes into HTML widgets and only the figure into an Output widget: several rich
        # outputs (and custom mimetypes) in one Output made nbclient/papermill wait for the
        # kernel's idle message until their timeout.
        self.summary = widgets.HTML()
        self.output = widgets.Output(layout=widgets.Layout(width="100%"))
        self.details = widgets.HTML()
        show = guarded(self.message, lambda: workshop.store.location, doing="read")(lambda _: self.show())
        self.period.observe(show, names="value")
        self.refresh_button.on_click(show)
        self.widget = widgets.VBox([widgets.HBox([self.period, self.refresh_button]), self.message, self.summary,
                                    self.output, self.details])
        if not periods:
            self.message.value = "<i>No actuals yet: record some in step 5, then refresh.</i>"
        self.show()

    def catch_up(self) -> None:
        """Score the period again with what others saved (a review of the plan as it was stays as it is)."""
        if not self.as_of and hasattr(self, "period"):
            self.show()

    def frames(self) -> dict[str, pd.DataFrame]:
        """The plan reviewed: now, or as of :attr:`as_of`."""
        return self.workshop.store.read_all(as_of=self.as_of) if self.as_of else self.workshop.frames()

    def show(self) -> None:
        """Score the chosen period and show the review."""
        if self.period.value is None:
            return
        sid = str(self.workshop.scorecard_id)
        try:
            self.report = open_review(self.workshop.store.location, sid, str(self.period.value),
                                      today=self.today.isoformat() if self.today else "", frames=self.frames())
        except BscError as error:
            self.message.value = message(str(error), ok=False)
            return
        self.message.value = (message(f"The plan as the store held it at {self.as_of} (saves after that are not "
                                      "shown).") if self.as_of else "")
        self.figure = strategy_map(self.report.frames, sid, self.report.review, period=self.report.period)
        self.summary.value = styled(sections.headline(self.report), sections.scores_table(self.report))
        show_in(self.output, self.figure)
        self.details.value = styled(sections.kpi_table(self.report), "<h3>Work that needs attention</h3>",
                                    sections.attention(self.report))
