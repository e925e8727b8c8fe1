"""Step 4 — Action plans: initiatives per objective, their tasks, the Gantt view, and the work that
needs attention (the rule of :func:`bsc_widgets.model.plan.attention`, the same list the review shows)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from ...model.plan import attention, overdue_ids
from ...render.charts import gantt
from ...render.html import attention_table
from ..coach import SmartCoach
from ..display import show_in, styled
from ..live import LiveStep
from ..record_form import RecordForm
from ..view import Viewable
from ..workshop import no_scorecard
from .objectives import objective_options

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..workshop import Workshop

INITIATIVE_FIELDS = ["initiative_id", "objective_id", "title", "description", "owner", "start", "due", "budget",
                     "status", "percent_complete"]
TASK_FIELDS = ["task_id", "initiative_id", "description", "owner", "due", "status", "done_on", "success_measure"]


class ActionPlanStep(LiveStep, Viewable):
    """Initiatives and tasks of the workshop's scorecard."""

    def __init__(self, workshop: Workshop, today: dt.date | None = None) -> None:
        self.workshop = workshop
        self.today = today
        self.figure: go.Figure | None = None
        self.items = pd.DataFrame()
        self.coach = SmartCoach(workshop.scorecard_id)
        sid = workshop.scorecard_id
        if sid is None:
            self.widget = no_scorecard()
            return
        frames = workshop.frames()
        self.initiatives = RecordForm(workshop.store, "initiatives", fixed={"scorecard_id": sid},
                                      fields=INITIATIVE_FIELDS,
                                      options={"objective_id": objective_options(frames, sid)},
                                      labels={"objective_id": "Objective", "percent_complete": "% complete"},
                                      noun="initiative", describe=lambda r: f"{r['initiative_id']} — {r['title']}")
        self.tasks = RecordForm(workshop.store, "tasks", fixed={"scorecard_id": sid}, fields=TASK_FIELDS,
                                options={"initiative_id": self._initiative_options(frames)},
                                labels={"initiative_id": "Initiative", "done_on": "Done on"}, noun="task",
                                describe=lambda r: f"{r['task_id']} — {r['description']}")
        self.gantt = widgets.Output(layout=widgets.Layout(width="100%"))
        self.attention = widgets.HTML()
        for form in (self.initiatives, self.tasks):
            form.on_change(lambda _: self.refresh())
        self.tasks.selector.observe(self.tasks.guard(lambda _: self._coach(), doing="read"), names="value")
        tabs = widgets.Tab(children=[self.initiatives.widget, widgets.VBox([self.tasks.widget, self.coach.widget])])
        tabs.set_title(0, "Initiatives")
        tabs.set_title(1, "Tasks")
        self.widget = widgets.VBox([tabs, widgets.HTML("<h3>Needs attention</h3>"), self.attention,
                                    widgets.HTML("<h3>Timeline</h3>"), self.gantt])
        self.refresh(frames)

    def _initiative_options(self, frames: dict[str, pd.DataFrame]) -> list[tuple[str, str]]:
        ini = frames["initiatives"]
        ini = ini[ini["scorecard_id"] == self.workshop.scorecard_id].sort_values("initiative_id")
        return [(f"{r.initiative_id} — {r.title}", str(r.initiative_id)) for r in ini.itertuples()]

    def _coach(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        task = self.tasks.current
        self.coach.refresh(frames if frames is not None else self.workshop.frames(), "task",
                           str(task["task_id"]) if task else None)

    def refresh(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        """Re-read the store: drop-downs, the coach, what needs attention and the timeline."""
        frames = frames if frames is not None else self.workshop.frames()
        sid = str(self.workshop.scorecard_id)
        day = self.today or dt.date.today()
        self.initiatives.fields["objective_id"].set_options(objective_options(frames, sid))
        self.tasks.fields["initiative_id"].set_options(self._initiative_options(frames))
        self._coach(frames)
        self.items = attention(frames, sid, day)
        self.attention.value = styled(attention_table(self.items))
        self.figure = gantt(frames, sid, today=day, overdue=overdue_ids(frames, sid, day))
        show_in(self.gantt, self.figure)
