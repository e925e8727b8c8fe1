"""Step 6 — Review: pick a period and see the scorecard — overall and perspective scores, the
strategy map coloured by status, the KPI table, and the action items that need attention."""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..errors import BscError
from ..periods import parse_period
from ..report_data import data_periods
from .action_plans import attention, attention_html
from .display import show_in
from .workshop import no_scorecard

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..report_sections import ReviewReport
    from .workshop import Workshop


def default_period(periods: list[str], today: dt.date | None = None) -> str | None:
    """The last period that has ended (the one a review is usually about), else the last one."""
    today = today or dt.date.today()
    ended = [p for p in periods if parse_period(p).end < today]
    return ended[-1] if ended else (periods[-1] if periods else None)


class ReviewStep:
    """The scorecard of the workshop for a review period, recomputed from the store on demand."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.report: ReviewReport | None = None
        self.figure: go.Figure | None = None
        sid = workshop.scorecard_id
        if sid is None:
            self.widget = no_scorecard()
            return
        periods = data_periods(workshop.frames(), sid)
        self.period = widgets.Dropdown(description="Period:", options=periods, value=default_period(periods),
                                       style={"description_width": "60px"})
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        # HTML goes into HTML widgets and only the figure into an Output widget: several rich
        # outputs (and custom mimetypes) in one Output made nbclient/papermill wait for the
        # kernel's idle message until their timeout.
        self.summary = widgets.HTML()
        self.output = widgets.Output(layout=widgets.Layout(width="100%"))
        self.details = widgets.HTML()
        self.message = widgets.HTML()
        self.period.observe(lambda _: self.show(), names="value")
        self.refresh_button.on_click(lambda _: self.show())
        self.widget = widgets.VBox([widgets.HBox([self.period, self.refresh_button]), self.message, self.summary,
                                    self.output, self.details])
        if not periods:
            self.message.value = "<i>No actuals yet: record some in step 5, then refresh.</i>"
        self.show()

    def show(self) -> None:
        """Score the chosen period and show the review."""
        from ..charts import strategy_map
        from ..report_sections import REPORT_CSS, headline, kpi_table, open_review, scores_table

        if self.period.value is None:
            return
        sid = str(self.workshop.scorecard_id)
        try:
            self.report = open_review(self.workshop.store.location, sid, str(self.period.value))
        except BscError as error:
            self.message.value = f"<span style='color:#b00020'>{html.escape(str(error))}</span>"
            return
        self.message.value = ""
        frames = self.report.frames
        self.figure = strategy_map(frames, sid, self.report.review, period=str(self.period.value))
        items = attention(dict(frames), sid, self.report.params.today)
        self.summary.value = f"<style>{REPORT_CSS}</style>{headline(self.report)}{scores_table(self.report)}"
        show_in(self.output, self.figure)
        self.details.value = (f"<style>{REPORT_CSS}</style>{kpi_table(self.report)}"
                              f"<h3>Action items that need attention</h3>{attention_html(items)}")
