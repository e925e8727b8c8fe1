"""Step 4 — Action plans: initiatives per objective, their tasks, the Gantt view, and the
tasks that need attention (overdue, blocked) and initiatives nobody owns."""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from ..smart import SmartConfig, check_smart
from .coach import SmartCoach
from .display import show_in
from .fields import is_missing
from .objectives import objective_options
from .record_form import RecordForm
from .workshop import no_scorecard

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .workshop import Workshop

INITIATIVE_FIELDS = ["initiative_id", "objective_id", "title", "description", "owner", "start", "due", "budget",
                     "status", "percent_complete"]
TASK_FIELDS = ["task_id", "initiative_id", "description", "owner", "due", "status", "done_on", "success_measure"]


def attention(frames: dict[str, pd.DataFrame], scorecard_id: str, today: dt.date | None = None,
              findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tasks that are overdue or blocked and open initiatives nobody owns, most urgent first.

    "Overdue" is the SMART check's ``task-overdue`` (pass its ``findings`` when already computed).
    """
    today = today or dt.date.today()
    if findings is None:
        findings = check_smart(frames, scorecard_id, today=today)
    late = set(findings.loc[findings["check"] == "task-overdue", "subject_id"]) if len(findings) else set()
    closed = set(SmartConfig().closed_statuses)
    tasks = frames["tasks"]
    tasks = tasks[tasks["scorecard_id"] == scorecard_id]
    overdue = tasks[tasks["task_id"].isin(late)]
    blocked = tasks[(tasks["status"] == "blocked") & ~tasks["task_id"].isin(late)]
    ini = frames["initiatives"]
    ini = ini[(ini["scorecard_id"] == scorecard_id) & ~ini["status"].isin(closed)]
    unowned = ini[ini["owner"].isna()]
    rows: list[dict[str, Any]] = []
    for t in overdue.sort_values("due").itertuples():
        rows.append({"what": "task", "id": t.task_id, "description": t.description, "owner": t.owner,
                     "due": t.due, "problem": f"overdue by {(today - t.due).days} days ({t.status})"})
    for t in blocked.itertuples():
        rows.append({"what": "task", "id": t.task_id, "description": t.description, "owner": t.owner,
                     "due": t.due, "problem": "blocked"})
    for i in unowned.itertuples():
        rows.append({"what": "initiative", "id": i.initiative_id, "description": i.title, "owner": None,
                     "due": i.due, "problem": "nobody owns it"})
    return pd.DataFrame(rows, columns=["what", "id", "description", "owner", "due", "problem"])


def attention_html(items: pd.DataFrame) -> str:
    """The attention list as an HTML table."""
    if items.empty:
        return "<i>Nothing overdue, blocked or unowned.</i>"
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{c}</th>" for c in items.columns)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 8px'>{html.escape('' if is_missing(v) else str(v))}"
                                    "</td>" for v in row) + "</tr>" for row in items.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


class ActionPlanStep:
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
        self.tasks.selector.observe(lambda _: self._coach(), names="value")
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
        """Re-read the store: drop-downs, attention list, Gantt chart and coach."""
        from ..charts import gantt

        frames = frames if frames is not None else self.workshop.frames()
        sid = str(self.workshop.scorecard_id)
        self.initiatives.fields["objective_id"].set_options(objective_options(frames, sid))
        self.tasks.fields["initiative_id"].set_options(self._initiative_options(frames))
        self._coach(frames)
        findings = self.coach.findings if self.today is None else check_smart(frames, sid, today=self.today)
        self.items = attention(frames, sid, self.today, findings)
        self.attention.value = attention_html(self.items)
        self.figure = gantt(frames, sid, today=self.today, findings=findings)
        show_in(self.gantt, self.figure)
