"""A KPI's trend: actuals per period against the target path and red flag (or band), with its forecast."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ...errors import InputError
from ...model.periods import (
    convert_index,
    first_day,
    frequency,
    last_day,
    parse_period,
    period_at,
    period_columns,
    period_index,
)
from ...scoring import Review
from ...scoring.bands import band_zones, kpi_schemes
from ...scoring.forecast import GROWTH, SEASONS, forecast_path
from ..theme import GRID, SERIES_COLOURS
from .figure import figure, scatter, text


def _period_starts(periods: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Start and end dates of period strings (each distinct string parsed once)."""
    found = period_columns(periods)
    return found["start"], found["end"]


def kpi_trend(frames: Mapping[str, pd.DataFrame], kpi_id: str, *, period: str | None = None,
              review: Review | None = None) -> go.Figure:
    """Actuals of a KPI per period (at its own frequency) with its target path and red-flag line.

    Range KPIs show their band instead of target and red flag.  With ``period`` (a review
    period such as ``2026Q3``) only actuals up to the end of that period are drawn and the
    period is shaded; the target path runs on to the last target.  With ``review`` the
    KPI's forecast for that period is drawn as a dotted path from the last actual, period
    by period to the horizon end (the seasonal shape when the model has seasons), inside a
    shaded band of its prediction interval at each period. Ribbons in the colours of the KPI's
    bands show, for each target period, the actuals that fall in each band.
    Raises :class:`~bsc_widgets.errors.InputError` for an unknown KPI.
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
        actuals = actuals[actuals["_end"] <= np.datetime64(last_day(shown), "D")]
    targets = frames["targets"][(frames["targets"]["kpi_id"] == kpi_id).to_numpy(dtype=bool)]
    t_start, _ = _period_starts(targets["period"])
    targets = targets.assign(_x=t_start).sort_values("_x")
    unit = text(kpi["unit"])  # escaped; hover texts show it through %{meta}, never inside the template itself
    decimals = int(kpi["decimals"]) if pd.notna(kpi["decimals"]) else 1
    fmt = f"%{{y:,.{decimals}f}} %{{meta}}" if unit else f"%{{y:,.{decimals}f}}"

    line = {"color": SERIES_COLOURS["target"], "width": 1, "dash": "dash"}
    if kpi["polarity"] == "range":
        data = [scatter(x=targets["_x"], y=targets["upper"], mode="lines", name="band (upper)", line=line,
                         customdata=targets["period"], hovertemplate=f"%{{customdata}}: upper {fmt}"),
                scatter(x=targets["_x"], y=targets["lower"], mode="lines", name="band (lower)", line=line,
                         fill="tonexty", fillcolor=SERIES_COLOURS["band"], customdata=targets["period"],
                         hovertemplate=f"%{{customdata}}: lower {fmt}")]
    else:
        data = [scatter(x=targets["_x"], y=targets["target"], mode="lines", name="target",
                         line={**line, "width": 2}, customdata=targets["period"],
                         hovertemplate=f"%{{customdata}}: target {fmt}"),
                scatter(x=targets["_x"], y=targets["red_flag"], mode="lines", name="red flag",
                         line={"color": SERIES_COLOURS["red_flag"], "width": 1.5, "dash": "dot"},
                         customdata=targets["period"], hovertemplate=f"%{{customdata}}: red flag {fmt}")]
    data.append(scatter(x=actuals["_x"], y=actuals["value"], mode="lines+markers", name="actual",
                         line={"color": SERIES_COLOURS["actual"], "width": 2.5}, marker={"size": 6},
                         customdata=actuals["period"], hovertemplate=f"%{{customdata}}: actual {fmt}"))
    if review is not None and shown is not None and len(actuals):
        data += _forecast(review, kpi, str(shown), actuals, fmt)
    data = _band_shading(frames, match, targets, data) + data  # drawn first: below the lines
    shapes = [] if shown is None else [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": first_day(shown),
         "x1": last_day(shown) + dt.timedelta(days=1),
         "y0": 0, "y1": 1, "fillcolor": SERIES_COLOURS["period"], "line": {"width": 0}, "layer": "below"}]
    for trace in data:
        trace["meta"] = unit
    title = text(kpi["name"]) + (f" ({unit})" if unit else "")
    return figure(data, title={"text": f"<b>{title}</b>", "x": 0, "font": {"size": 14}},
                   height=320, shapes=shapes, margin={"l": 60, "r": 20, "t": 50, "b": 40}, hovermode="x unified",
                   legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
                   xaxis={"gridcolor": GRID}, yaxis={"gridcolor": GRID, "title": {"text": unit}})


BAND_OPACITY = 0.13
"""How strongly the colour bands shade a trend chart (the lines stay readable on them)."""


def _band_shading(frames: Mapping[str, pd.DataFrame], kpi: pd.DataFrame, targets: pd.DataFrame,
                  data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The KPI's colour bands as ribbons along its target path: per target period, the actuals each band spans."""
    polarity = str(kpi.iloc[0]["polarity"])
    bands = kpi_schemes(kpi, frames["scorecards"])[0]
    rows = [(x, band_zones(polarity, row, bands)) for x, row in zip(targets["_x"], targets.to_dict("records"),
                                                                     strict=True)]
    rows = [(x, zones) for x, zones in rows if zones]
    if not rows:
        return []
    xs = [x for x, _ in rows]
    lows = np.array([[lo for *_, lo, _ in zones] for _, zones in rows], dtype=np.float64)
    highs = np.array([[hi for *_, hi in zones] for _, zones in rows], dtype=np.float64)
    drawn = np.concatenate([np.asarray(t["y"], dtype=np.float64) for t in data if t.get("y") is not None]
                            or [np.empty(0)])
    finite = np.concatenate([drawn, lows.ravel(), highs.ravel()])
    finite = finite[np.isfinite(finite)]
    bottom, top = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    pad = (top - bottom) * 0.08 or abs(top) * 0.1 or 1.0
    lows, highs = np.clip(lows, bottom - pad, top + pad), np.clip(highs, bottom - pad, top + pad)
    out, seen = [], set()
    for j, (name, colour, *_) in enumerate(rows[0][1]):
        label = f"{name} band" + (" (above)" if name in seen else "")
        seen.add(name)
        fill = "rgba({}, {}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)), BAND_OPACITY)
        out.append(scatter(x=[*xs, *xs[::-1]], y=[*lows[:, j], *highs[::-1, j]], mode="lines", fill="toself",
                           fillcolor=fill, line={"width": 0}, hoverinfo="skip", showlegend=False, name=label))
    return out


def _forecast(review: Review, kpi: pd.Series, period: str, actuals: pd.DataFrame, fmt: str) -> list[dict[str, Any]]:
    """The forecast path period by period from the last actual, inside its interval band (none without one).

    The path is the model's (:func:`~bsc_widgets.scoring.forecast.forecast_path`: the
    seasonal shape when the model has seasons, else the line); the band at each period is
    the wider of the model's own interval and the scored (calibrated) interval shrunk
    toward the last actual as (lead / last lead) ** GROWTH, so it ends at the scored interval.
    """
    kpi_id = str(kpi["kpi_id"])
    rows = review.kpis[((review.kpis["kpi_id"] == kpi_id) & (review.kpis["period"] == period)).to_numpy(dtype=bool)]
    if rows.empty or pd.isna(rows.iloc[0]["forecast_value"]) or not str(rows.iloc[0]["forecast_period"]):
        return []
    row = rows.iloc[0]
    freq = str(kpi["frequency"])
    shown = parse_period(period)
    cutoff = convert_index(period_index(shown), frequency(shown), freq)
    if last_day(period_at(freq, cutoff)) > last_day(shown):
        cutoff -= 1  # the KPI's period containing the review's end has not ended: not known yet
    own = period_columns(actuals["period"])
    mine = actuals.assign(_i=own["index"].to_numpy()).loc[(own["freq"] == freq).to_numpy(dtype=bool)]
    mine = mine[mine["_i"] <= cutoff]
    horizon = period_index(parse_period(str(row["forecast_period"])))
    if mine.empty or horizon <= cutoff:
        return []
    first = int(mine["_i"].min())
    values = np.full(horizon - first + 1, np.nan)
    values[mine["_i"].to_numpy(dtype=np.int64) - first] = mine["value"].to_numpy(dtype=np.float64)
    path = forecast_path(values, cutoff - first, horizon - first, SEASONS.get(freq, 0))
    point, half = path.point[0, 0], path.half_width[0, 0]
    interval = float(row["forecast_upper"] - row["forecast_value"])
    steps = np.arange(1, len(point) + 1)
    band = np.fmax(half, interval * (steps / steps[-1]) ** GROWTH)
    labels = [str(period_at(freq, cutoff + int(i))) for i in steps]
    x = [np.datetime64(first_day(period_at(freq, cutoff + int(i))), "D") for i in steps]
    start, last = mine["_x"].iloc[-1], float(mine["value"].iloc[-1])
    fan = scatter(x=[start, *x, *x[::-1], start], y=[last, *(point + band), *(point - band)[::-1], last],
                  mode="lines", fill="toself", fillcolor=SERIES_COLOURS["forecast_band"], line={"width": 0},
                  name="forecast interval (80 %)", hoveron="points",
                  customdata=["last actual", *[f"{p} upper" for p in labels], *[f"{p} lower" for p in labels[::-1]],
                              "last actual"],
                  hovertemplate=f"%{{customdata}}: {fmt}")
    line = scatter(x=[start, *x], y=[last, *point], mode="lines+markers", name=f"forecast ({row['forecast']})",
                   line={"color": SERIES_COLOURS["forecast"], "dash": "dot", "width": 2},
                   marker={"size": [0] * len(x) + [8]}, customdata=["last actual", *labels],
                   hovertemplate=f"%{{customdata}}: forecast {fmt}")
    return [fan, line]
