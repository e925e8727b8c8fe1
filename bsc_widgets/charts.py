"""Plotly figures of a scorecard: strategy map, KPI trend, action-plan Gantt chart.

Every function is a pure function of the store frames (what :meth:`Store.read_all`
returns) and, where scores are shown, of a :class:`~bsc_widgets.review.Review`: no I/O,
no global state.  Colours are defined once here (:data:`STATUS_COLOURS`,
:data:`SERIES_COLOURS`, ...) and used by the reports and the workbooks alike.

The strategy map draws every box, label and arrow with a handful of scatter traces (one
per status colour) rather than one shape or annotation per objective, so that it stays
fast for large maps (about 20 ms for 200 objectives): the workshop forms redraw it after
every save.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go

from . import scores
from .errors import InputError
from .periods import parse_period
from .review import Review, scorecard_family
from .smart import check_smart

__all__ = [
    "FONT",
    "INITIATIVE_COLOURS",
    "SERIES_COLOURS",
    "STATUS_COLOURS",
    "TASK_COLOURS",
    "gantt",
    "kpi_trend",
    "status_colour",
    "strategy_map",
]

FONT = "Segoe UI, Helvetica Neue, Arial, sans-serif"

STATUS_COLOURS: dict[str, str] = {
    scores.GREEN: "#2e9d5b",
    scores.AMBER: "#f2a900",
    scores.RED: "#d64541",
    scores.NO_DATA: "#b4bcc4",
    scores.NO_TARGET: "#8e99a4",
}
"""Fill colour of each review status (score bands and 'no data' / 'no target')."""

NEUTRAL = "#ffffff"
"""Box fill when no review is shown."""

SERIES_COLOURS: dict[str, str] = {
    "actual": "#1f4e79",
    "target": "#2e9d5b",
    "red_flag": "#d64541",
    "band": "rgba(46, 157, 91, 0.15)",
    "forecast": "#7f6aa8",
    "period": "rgba(31, 78, 121, 0.08)",
    "link": "#5b6770",
    "band_even": "#f3f5f7",
    "band_odd": "#e8ecef",
    "today": "#d64541",
}
"""Colours of chart series and backgrounds."""

INITIATIVE_COLOURS: dict[str, str] = {
    "planned": "#b4bcc4", "active": "#4a7fb5", "on hold": "#f2a900", "done": "#2e9d5b", "cancelled": "#dde1e5",
}
"""Bar colour of each initiative status."""

TASK_COLOURS: dict[str, str] = {
    "not started": "#8e99a4", "in progress": "#4a7fb5", "done": "#2e9d5b", "blocked": "#f2a900",
    "cancelled": "#dde1e5", "overdue": "#d64541",
}
"""Marker colour of each task status ('overdue' wins over the status)."""

_MAX_COLUMNS = 6  # objectives per row of a perspective band
_BOX_W, _BOX_H = 0.86, 0.74  # box size in grid units (a grid cell is 1 x 1)
_LABEL_W = 1.1  # width of the perspective label column, in grid units
_WRAP, _MAX_LINES = 24, 3  # title wrapping in the boxes


def status_colour(status: object) -> str:
    """Fill colour of a review status (grey for anything unknown)."""
    return STATUS_COLOURS.get(str(status), STATUS_COLOURS[scores.NO_DATA])


def _figure(data: list[dict[str, Any]], **layout: Any) -> go.Figure:
    """One figure built in a single step (much faster than adding traces and updating the layout one by one)."""
    return go.Figure(data=data, layout={"font": {"family": FONT, "size": 12}, "paper_bgcolor": "white",
                                        "plot_bgcolor": "white", "hoverlabel": {"font": {"family": FONT}}, **layout})


def _scatter(**trace: Any) -> dict[str, Any]:
    return {"type": "scatter", **trace}


def _wrap(text: object, width: int = _WRAP, lines: int = _MAX_LINES) -> str:
    parts = textwrap.wrap(str(text) if isinstance(text, str) else "", width, max_lines=lines, placeholder=" …")
    return "<br>".join(html.escape(p) for p in parts)


def _gaps(values: npt.NDArray[np.float64]) -> list[float | None]:
    """Row-wise point lists joined by gaps: (n, k) -> n*(k+1) values with None between rows."""
    padded = np.hstack([values, np.full((values.shape[0], 1), np.nan)]).ravel()
    return [None if np.isnan(v) else float(v) for v in padded]


# ----------------------------------------------------------------------------- strategy map
def _map_layout(perspectives: pd.DataFrame, objectives: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Grid positions: objectives get x / y centres; perspectives get their band's top, height and centre."""
    order = {pid: i for i, pid in enumerate(perspectives["perspective_id"])}
    objs = objectives.assign(_band=objectives["perspective_id"].map(order).fillna(len(order)).astype(int))
    objs = objs.sort_values(["_band", "position", "objective_id"], kind="stable").reset_index(drop=True)
    bands = perspectives[["perspective_id", "name"]].reset_index(drop=True)
    if (objs["_band"] == len(order)).any():
        bands = pd.concat([bands, pd.DataFrame({"perspective_id": [""], "name": ["(no perspective)"]})],
                          ignore_index=True)
    counts = objs.groupby("_band").size().reindex(range(len(bands)), fill_value=0).to_numpy()
    columns = int(min(_MAX_COLUMNS, max(int(counts.max()) if len(counts) else 1, 1)))
    rows = np.maximum(-(-counts // columns), 1)
    top = np.concatenate([[0], np.cumsum(rows)[:-1]])
    bands = bands.assign(top=top, height=rows, middle=top + rows / 2)
    k = objs.groupby("_band").cumcount().to_numpy()
    band = objs["_band"].to_numpy()
    row, col = k // columns, k % columns
    in_row = np.minimum(columns, counts[band] - row * columns)
    objs["x"] = col + (columns - in_row) / 2 + 0.5
    objs["y"] = top[band] + row + 0.5
    return objs, bands, columns


def _objective_scores(review: Review | None, period: str | None) -> pd.DataFrame | None:
    if review is None:
        return None
    shown = period or review.periods[-1]
    if shown not in review.periods:
        raise InputError(f"period {shown} is not in the review; it holds {', '.join(review.periods)}")
    rows = review.objectives[review.objectives["period"] == shown]
    return rows.astype({"objective_id": str, "status": str}).set_index("objective_id")


def _arrows(objs: pd.DataFrame, links: pd.DataFrame) -> tuple[list[float | None], list[float | None], list[float]]:
    """Arrow polylines from the border of the cause's box to the border of the effect's box."""
    pos = objs.set_index(objs["objective_id"].astype(str))[["x", "y"]]
    keep = links["cause"].astype(str).isin(pos.index) & links["effect"].astype(str).isin(pos.index)
    links = links[keep.to_numpy(dtype=bool)]
    if links.empty:
        return [], [], []
    a = pos.loc[links["cause"].astype(str)].to_numpy(np.float64)
    b = pos.loc[links["effect"].astype(str)].to_numpy(np.float64)
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.fmin(np.abs((_BOX_W / 2 + 0.02) / d[:, 0]), np.abs((_BOX_H / 2 + 0.02) / d[:, 1]))
    t = np.where(np.isfinite(t), np.minimum(t, 0.49), 0.0)[:, None]
    start, end = a + t * d, b - t * d
    xs = _gaps(np.column_stack([start[:, 0], end[:, 0]]))
    ys = _gaps(np.column_stack([start[:, 1], end[:, 1]]))
    sizes = np.tile([0.0, 11.0, 0.0], len(links)).tolist()
    return xs, ys, sizes


def strategy_map(frames: Mapping[str, pd.DataFrame], scorecard_id: str, review: Review | None = None, *,
                 period: str | None = None) -> go.Figure:
    """The strategy map of a scorecard as a plotly figure.

    Perspectives are horizontal bands (ordered by position, top first), objectives boxes
    with their id and wrapped title, and cause-and-effect links arrows.  With ``review``
    the boxes are coloured by the objective's status in ``period`` (default: the
    review's last period) and show the score; objectives without data are grey.
    Raises :class:`~bsc_widgets.errors.InputError` for an unknown scorecard.
    """
    scorecard_family(frames["scorecards"], scorecard_id)  # raises InputError naming the known scorecards
    persp = frames["perspectives"]
    persp = persp[(persp["scorecard_id"] == scorecard_id).to_numpy(dtype=bool)].sort_values(["position"])
    objs = frames["objectives"]
    objs = objs[(objs["scorecard_id"] == scorecard_id).to_numpy(dtype=bool)]
    objs, bands, columns = _map_layout(persp, objs)
    scored = _objective_scores(review, period)
    ids = objs["objective_id"].astype(str)
    if scored is not None:
        status = ids.map(scored["status"]).fillna(scores.NO_DATA).astype(str)
        score = ids.map(scored["score"]).astype(np.float64)
        score_text = np.where(score.isna(), "no data", score.map("{:.1f} / 10".format))
    else:
        status = pd.Series("", index=objs.index)
        score = pd.Series(np.nan, index=objs.index)
        score_text = np.full(len(objs), "")

    data: list[dict[str, Any]] = []
    total_rows = float(bands["height"].sum()) if len(bands) else 1.0
    shapes = [
        {"type": "rect", "xref": "x", "yref": "y", "x0": -_LABEL_W, "x1": columns, "y0": top, "y1": top + height,
         "fillcolor": SERIES_COLOURS["band_even" if i % 2 == 0 else "band_odd"], "line": {"width": 0},
         "layer": "below"}
        for i, (top, height) in enumerate(zip(bands["top"], bands["height"], strict=True))
    ]
    data.append(_scatter(x=np.full(len(bands), -_LABEL_W / 2), y=bands["middle"], mode="text",
                         text=[f"<b>{_wrap(n, 14, 4)}</b>" for n in bands["name"]], hoverinfo="skip",
                         textfont={"size": 12, "color": "#37424a"}, showlegend=False, name="perspectives"))
    xs, ys, sizes = _arrows(objs, frames["links"][(frames["links"]["scorecard_id"] == scorecard_id)
                                                  .to_numpy(dtype=bool)])
    if xs:
        data.append(_scatter(x=xs, y=ys, mode="lines+markers", hoverinfo="skip", showlegend=False, name="links",
                             line={"color": SERIES_COLOURS["link"], "width": 1.4},
                             marker={"symbol": "arrow", "size": sizes, "angleref": "previous",
                                     "color": SERIES_COLOURS["link"]}))
    corners_x = np.array([-1, 1, 1, -1, -1]) * _BOX_W / 2
    corners_y = np.array([-1, -1, 1, 1, -1]) * _BOX_H / 2
    groups = [("", NEUTRAL)] if scored is None else [(s, STATUS_COLOURS[s]) for s in scores.STATUSES]
    for name, colour in groups:
        mask = (status == name).to_numpy()
        if not mask.any():
            continue
        bx = objs["x"].to_numpy()[mask][:, None] + corners_x[None, :]
        by = objs["y"].to_numpy()[mask][:, None] + corners_y[None, :]
        data.append(_scatter(x=_gaps(bx), y=_gaps(by), mode="lines", fill="toself", fillcolor=colour,
                             line={"color": "#4d5962", "width": 1}, hoverinfo="skip", name=name or "objectives",
                             showlegend=bool(name)))
    titles = [_wrap(t) for t in objs["title"]]
    text_colour = np.where(status.isin([scores.GREEN, scores.RED]), "white", "#1d252c")
    label = [f"<b>{i}</b>  {s}<br>{t}" if s else f"<b>{i}</b><br>{t}"
             for i, s, t in zip(ids, score_text, titles, strict=True)]
    hover = [f"<b>{i}</b> {t}<br>owner: {o if isinstance(o, str) else '—'}"
             + (f"<br>score: {'—' if np.isnan(sc) else f'{sc:.2f}'} ({st})" if st else "")
             for i, t, o, sc, st in zip(ids, objs["title"], objs["owner"], score, status, strict=True)]
    data.append(_scatter(x=objs["x"], y=objs["y"], mode="text", text=label, hovertext=hover, hoverinfo="text",
                         textfont={"size": 11, "color": text_colour.tolist()}, showlegend=False,
                         name="objective titles"))
    axis = {"visible": False, "fixedrange": True}
    return _figure(
        data, shapes=shapes, margin={"l": 10, "r": 10, "t": 10, "b": 10},
        width=int(150 * (columns + _LABEL_W)) + 20, height=int(92 * total_rows) + 40,
        xaxis={**axis, "range": [-_LABEL_W - 0.02, columns + 0.02]},
        yaxis={**axis, "range": [total_rows + 0.02, -0.02]},
        legend={"orientation": "h", "yanchor": "top", "y": -0.01, "x": 0}, showlegend=scored is not None,
        dragmode=False,
    )


# ----------------------------------------------------------------------------- KPI trend
def _period_starts(periods: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Start and end dates of period strings (each distinct string parsed once)."""
    codes, uniques = pd.factorize(periods.astype(str))
    parsed = [parse_period(u) for u in uniques]
    starts = np.array([np.datetime64(p.start, "D") for p in parsed] + [np.datetime64("NaT")])
    ends = np.array([np.datetime64(p.end, "D") for p in parsed] + [np.datetime64("NaT")])
    codes = np.where(codes < 0, len(parsed), codes)
    return pd.Series(starts[codes], index=periods.index), pd.Series(ends[codes], index=periods.index)


def kpi_trend(frames: Mapping[str, pd.DataFrame], kpi_id: str, *, period: str | None = None,
              review: Review | None = None) -> go.Figure:
    """Actuals of a KPI per period (at its own frequency) with its target path and red-flag line.

    Range KPIs show their band instead of target and red flag.  With ``period`` (a review
    period such as ``2026Q3``) only actuals up to the end of that period are drawn and the
    period is shaded; the target path runs on to the last target.  With ``review`` the
    KPI's forecast for that period (the least-squares projection to the horizon end) is
    drawn as a dotted line.  Raises :class:`~bsc_widgets.errors.InputError` for an unknown KPI.
    """
    kpis = frames["kpis"]
    match = kpis[(kpis["kpi_id"] == kpi_id).to_numpy(dtype=bool)]
    if match.empty:
        raise InputError(f"unknown KPI '{kpi_id}'; check the kpi_id in the kpis table")
    kpi = match.iloc[0]
    shown = parse_period(period) if period else None
    actuals = frames["actuals"][(frames["actuals"]["kpi_id"] == kpi_id).to_numpy(dtype=bool)]
    a_start, a_end = _period_starts(actuals["period"])
    actuals = actuals.assign(_x=a_start, _end=a_end).sort_values("_x")
    if shown is not None:
        actuals = actuals[actuals["_end"] <= np.datetime64(shown.end, "D")]
    targets = frames["targets"][(frames["targets"]["kpi_id"] == kpi_id).to_numpy(dtype=bool)]
    t_start, _ = _period_starts(targets["period"])
    targets = targets.assign(_x=t_start).sort_values("_x")
    unit = kpi["unit"] if isinstance(kpi["unit"], str) else ""
    decimals = int(kpi["decimals"]) if pd.notna(kpi["decimals"]) else 1
    fmt = f"%{{y:,.{decimals}f}} {unit}".rstrip()

    line = {"color": SERIES_COLOURS["target"], "width": 1, "dash": "dash"}
    if kpi["polarity"] == "range":
        data = [_scatter(x=targets["_x"], y=targets["upper"], mode="lines", name="band (upper)", line=line,
                         customdata=targets["period"], hovertemplate=f"%{{customdata}}: upper {fmt}"),
                _scatter(x=targets["_x"], y=targets["lower"], mode="lines", name="band (lower)", line=line,
                         fill="tonexty", fillcolor=SERIES_COLOURS["band"], customdata=targets["period"],
                         hovertemplate=f"%{{customdata}}: lower {fmt}")]
    else:
        data = [_scatter(x=targets["_x"], y=targets["target"], mode="lines", name="target",
                         line={**line, "width": 2}, customdata=targets["period"],
                         hovertemplate=f"%{{customdata}}: target {fmt}"),
                _scatter(x=targets["_x"], y=targets["red_flag"], mode="lines", name="red flag",
                         line={"color": SERIES_COLOURS["red_flag"], "width": 1.5, "dash": "dot"},
                         customdata=targets["period"], hovertemplate=f"%{{customdata}}: red flag {fmt}")]
    data.append(_scatter(x=actuals["_x"], y=actuals["value"], mode="lines+markers", name="actual",
                         line={"color": SERIES_COLOURS["actual"], "width": 2.5}, marker={"size": 6},
                         customdata=actuals["period"], hovertemplate=f"%{{customdata}}: actual {fmt}"))
    if review is not None and shown is not None and len(actuals):
        data += _forecast(review, kpi_id, str(shown), actuals, fmt)
    shapes = [] if shown is None else [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": shown.start, "x1": shown.end + dt.timedelta(days=1),
         "y0": 0, "y1": 1, "fillcolor": SERIES_COLOURS["period"], "line": {"width": 0}, "layer": "below"}]
    title = f"{kpi['name']}" + (f" ({unit})" if unit else "")
    return _figure(data, title={"text": f"<b>{html.escape(title)}</b>", "x": 0, "font": {"size": 14}},
                   height=320, shapes=shapes, margin={"l": 60, "r": 20, "t": 50, "b": 40}, hovermode="x unified",
                   legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
                   xaxis={"gridcolor": "#eceff1"}, yaxis={"gridcolor": "#eceff1", "title": {"text": unit}})


def _forecast(review: Review, kpi_id: str, period: str, actuals: pd.DataFrame, fmt: str) -> list[dict[str, Any]]:
    """A dotted line from the last actual to the forecast at the horizon end (none without a forecast)."""
    rows = review.kpis[((review.kpis["kpi_id"] == kpi_id) & (review.kpis["period"] == period)).to_numpy(dtype=bool)]
    if rows.empty or pd.isna(rows.iloc[0]["forecast_value"]) or not str(rows.iloc[0]["forecast_period"]):
        return []
    row = rows.iloc[0]
    end = np.datetime64(parse_period(str(row["forecast_period"])).start, "D")
    return [_scatter(x=[actuals["_x"].iloc[-1], end], y=[actuals["value"].iloc[-1], row["forecast_value"]],
                     mode="lines+markers", name=f"forecast ({row['forecast']})",
                     line={"color": SERIES_COLOURS["forecast"], "dash": "dot", "width": 2}, marker={"size": [0, 8]},
                     customdata=["last actual", str(row["forecast_period"])],
                     hovertemplate=f"%{{customdata}}: forecast {fmt}")]


# ----------------------------------------------------------------------------- Gantt
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
    ini["label"] = [f"<b>{i}</b> {_wrap(t, 40, 1)}" for i, t in zip(ini["initiative_id"], ini["title"], strict=True)]
    tasks["label"] = [f"{i} {_wrap(t, 40, 1)}" for i, t in zip(tasks["task_id"], tasks["description"], strict=True)]
    return ini, tasks


def gantt(frames: Mapping[str, pd.DataFrame], scorecard_id: str, today: dt.date | None = None, *,
          findings: pd.DataFrame | None = None) -> go.Figure:
    """Initiatives and their tasks of a scorecard on a timeline.

    Initiatives are bars from start to due date coloured by status, with a darker inner
    bar for the percent complete; each task is a diamond at its due date on its own row
    under its initiative, coloured by status.  Overdue tasks and initiatives (as the SMART
    checks define them, judged at ``today``, default the current date) are marked with a
    red cross and listed as overdue in the legend; a vertical line marks ``today``.
    ``findings`` may pass :func:`~bsc_widgets.smart.check_smart`'s result for this scorecard
    and ``today`` when the caller has it already.  Raises
    :class:`~bsc_widgets.errors.InputError` for an unknown scorecard.
    """
    day = today or dt.date.today()
    if findings is None:
        findings = check_smart(frames, scorecard_id, today=day)
    overdue = set(findings.loc[findings["check"].isin(["task-overdue", "initiative-overdue"]), "subject_id"])
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
                                           part["percent_complete"].fillna(0), part["owner"].fillna("—")]),
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
        data.append(_scatter(
            x=part["due"], y=part["label"], mode="markers", name=f"task {status}",
            marker={"symbol": "x" if status == "overdue" else "diamond", "size": 12 if status == "overdue" else 10,
                    "color": colour, "line": {"width": 1, "color": "#1d252c"}},
            customdata=np.column_stack([part["owner"].fillna("—"), part["status"].astype(str),
                                        part["due"].dt.date.astype(str)]),
            hovertemplate="%{y}<br>due %{customdata[2]} (%{customdata[1]})<br>owner: %{customdata[0]}"
                          "<extra></extra>"))
    overdue_ini = dated[dated["initiative_id"].isin(overdue).to_numpy(dtype=bool)]
    if len(overdue_ini):
        data.append(_scatter(x=overdue_ini["due"], y=overdue_ini["label"], mode="markers", name="initiative overdue",
                             marker={"symbol": "x", "size": 14, "color": TASK_COLOURS["overdue"]}))
    return _figure(
        data, barmode="overlay", height=max(220, 26 * len(order) + 130), margin={"l": 10, "r": 20, "t": 40, "b": 40},
        shapes=[{"type": "line", "xref": "x", "yref": "paper", "x0": day, "x1": day, "y0": 0, "y1": 1,
                 "line": {"color": SERIES_COLOURS["today"], "width": 1.5, "dash": "dash"}}],
        annotations=[{"x": day, "y": 1, "xref": "x", "yref": "paper", "text": f"today {day.isoformat()}",
                      "showarrow": False, "yanchor": "bottom",
                      "font": {"size": 11, "color": SERIES_COLOURS["today"]}}],
        xaxis={"type": "date", "gridcolor": "#eceff1"},
        yaxis={"categoryorder": "array", "categoryarray": order, "autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0},
    )
