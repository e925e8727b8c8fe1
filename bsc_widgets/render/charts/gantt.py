"""The action plans on a timeline: initiatives as bars, their tasks as diamonds, overdue work marked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ...model.plan import overdue_ids, require_scorecard
from ..theme import GRID, INITIATIVE_COLOURS, INK, MISSING, SERIES_COLOURS, TASK_COLOURS
from .figure import figure, scatter, text, wrap

LABEL_WIDTH, LABEL_LINES = 36, 4
"""Row labels wrap at this many characters, on up to this many lines (whole titles in the sample)."""


def _gantt_rows(frames: Mapping[str, pd.DataFrame], scorecard_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    ini = frames["initiatives"]
    ini = ini[(ini["scorecard_id"] == scorecard_id).to_numpy(dtype=bool)].copy()
    ini["start"] = pd.to_datetime(ini["start"])
    ini["due"] = pd.to_datetime(ini["due"])
    ini = ini.sort_values(["start", "due", "initiative_id"], na_position="last").reset_index(drop=True)
    tasks = frames["tasks"]
    tasks = tasks[(tasks["scorecard_id"] == scorecard_id).to_numpy(dtype=bool)].copy()
    tasks["due"] = pd.to_datetime(tasks["due"])
    tasks["_i"] = tasks["initiative_id"].map(pd.Series(np.arange(len(ini)), index=ini["initiative_id"]))
    tasks = tasks.sort_values(["_i", "due", "task_id"], na_position="last").reset_index(drop=True)
    ini["label"] = [f"<b>{text(i)}</b> {wrap(t, LABEL_WIDTH, LABEL_LINES)}"
                    for i, t in zip(ini["initiative_id"], ini["title"], strict=True)]
    tasks["label"] = [f"{text(i)} {wrap(t, LABEL_WIDTH, LABEL_LINES)}"
                      for i, t in zip(tasks["task_id"], tasks["description"], strict=True)]
    return ini, tasks


def _row_height(labels: list[str]) -> int:
    """Pixels per row: room for the longest wrapped label (16 px a line)."""
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    return max(26, 16 * lines + 6)


def _owners(rows: pd.DataFrame) -> list[str]:
    """The owners as hover text (escaped: plotly draws markup in the values a hovertemplate shows)."""
    return [text(o, MISSING) for o in rows["owner"]]


def gantt(frames: Mapping[str, pd.DataFrame], scorecard_id: str, today: dt.date | None = None, *,
          overdue: Collection[str] | None = None, as_of_label: str = "today") -> go.Figure:
    """Initiatives and their tasks of a scorecard on a timeline.

    Initiatives are bars from start to due date coloured by status, with a darker inner
    bar for the percent complete; each task is a diamond at its due date on its own row
    under its initiative, coloured by status.  ``overdue`` names the tasks and initiatives
    to mark with a red cross (listed as overdue in the legend); by default those
    :func:`bsc_widgets.model.plan.overdue` finds at ``today`` (default: the current date),
    which a vertical line marks, labelled ``as_of_label`` and the date (a report says "as of": the
    date it judges deadlines at).
    """
    day = today or dt.date.today()
    if overdue is None:
        overdue = overdue_ids(frames, scorecard_id, day)
    require_scorecard(frames["scorecards"], scorecard_id)
    ini, tasks = _gantt_rows(frames, scorecard_id)
    order: list[str] = []
    for row in ini.itertuples(index=False):
        order.append(row.label)
        order += tasks.loc[tasks["initiative_id"] == row.initiative_id, "label"].tolist()
    order += tasks.loc[tasks["_i"].isna(), "label"].tolist()

    data: list[dict[str, Any]] = []
    dated = ini.dropna(subset=["start", "due"])
    duration = (dated["due"] - dated["start"]).dt.total_seconds() * 1000
    for status, colour in INITIATIVE_COLOURS.items():
        sel = (dated["status"] == status).to_numpy(dtype=bool)
        if not sel.any():
            continue
        part = dated[sel]
        data.append({
            "type": "bar", "base": part["start"], "x": duration[sel], "y": part["label"], "orientation": "h",
            "name": f"initiative {status}", "marker": {"color": colour}, "width": 0.7,
            "customdata": np.column_stack([part["start"].dt.date.astype(str), part["due"].dt.date.astype(str),
                                           part["percent_complete"].fillna(0), _owners(part)]),
            "hovertemplate": "%{y}<br>%{customdata[0]} → %{customdata[1]}<br>%{customdata[2]:.0f}% complete"
                             "<br>owner: %{customdata[3]}<extra></extra>"})
    data.append({"type": "bar", "base": dated["start"], "x": duration * dated["percent_complete"].fillna(0) / 100,
                 "y": dated["label"], "orientation": "h", "name": "% complete", "width": 0.25,
                 "marker": {"color": "rgba(29, 37, 44, 0.55)"}, "hoverinfo": "skip"})
    is_overdue = tasks["task_id"].isin(overdue).to_numpy(dtype=bool)
    kind = np.where(is_overdue, "overdue", tasks["status"].astype(str))
    for status, colour in TASK_COLOURS.items():
        sel = (kind == status) & tasks["due"].notna().to_numpy()
        if not sel.any():
            continue
        part = tasks[sel]
        data.append(scatter(
            x=part["due"], y=part["label"], mode="markers", name=f"task {status}",
            marker={"symbol": "x" if status == "overdue" else "diamond", "size": 12 if status == "overdue" else 10,
                    "color": colour, "line": {"width": 1, "color": INK}},
            customdata=np.column_stack([_owners(part), part["status"].astype(str),
                                        part["due"].dt.date.astype(str)]),
            hovertemplate="%{y}<br>due %{customdata[2]} (%{customdata[1]})<br>owner: %{customdata[0]}"
                          "<extra></extra>"))
    overdue_ini = dated[dated["initiative_id"].isin(overdue).to_numpy(dtype=bool)]
    if len(overdue_ini):
        data.append(scatter(x=overdue_ini["due"], y=overdue_ini["label"], mode="markers", name="initiative overdue",
                             marker={"symbol": "x", "size": 14, "color": TASK_COLOURS["overdue"]}))
    return figure(
        data, barmode="overlay", height=max(220, _row_height(order) * len(order) + 130),
        margin={"l": 10, "r": 20, "t": 40, "b": 40},
        shapes=[{"type": "line", "xref": "x", "yref": "paper", "x0": day, "x1": day, "y0": 0, "y1": 1,
                 "line": {"color": SERIES_COLOURS["today"], "width": 1.5, "dash": "dash"}}],
        annotations=[{"x": day, "y": 1, "xref": "x", "yref": "paper", "text": f"{text(as_of_label)} {day.isoformat()}",
                      "showarrow": False, "yanchor": "bottom",
                      "font": {"size": 11, "color": SERIES_COLOURS["today"]}}],
        xaxis={"type": "date", "gridcolor": GRID},
        yaxis={"categoryorder": "array", "categoryarray": order, "autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0},
    )
