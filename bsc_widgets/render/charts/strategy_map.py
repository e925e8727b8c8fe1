"""The strategy map: perspectives as rows, objectives as boxes (in their score's colour band), links as arrows.

The map draws every box, label and arrow with a handful of scatter traces (one per status
colour) rather than one shape or annotation per objective, so that it stays fast for
large maps (benchmarks/forms.py): the workshop forms redraw it after every save.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ...errors import InputError
from ...model.plan import require_scorecard
from ...scoring import Review
from ...scoring.bands import card_scheme
from ...scoring.formulas import NO_DATA, NO_TARGET
from ..theme import INK, MISSING, MUTED, SERIES_COLOURS, STATUS_COLOURS, legend, number, text_on
from .figure import figure, gaps, scatter, text, wrap

NEUTRAL = "#ffffff"
"""Box fill when no review is shown."""

_MAX_COLUMNS = 6  # objectives per row of a perspective band
_BOX_W, _BOX_H = 0.86, 0.74  # box size in grid units (a grid cell is 1 x 1)
_LABEL_W = 1.1  # width of the perspective label column, in grid units


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
    return rows.astype({"objective_id": str, "status": str, "band": str}).set_index("objective_id")


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
    xs = gaps(np.column_stack([start[:, 0], end[:, 0]]))
    ys = gaps(np.column_stack([start[:, 1], end[:, 1]]))
    sizes = np.tile([0.0, 11.0, 0.0], len(links)).tolist()
    return xs, ys, sizes


def strategy_map(frames: Mapping[str, pd.DataFrame], scorecard_id: str, review: Review | None = None, *,
                 period: str | None = None) -> go.Figure:
    """The strategy map of a scorecard as a plotly figure.

    Perspectives are horizontal bands (ordered by position, top first), objectives boxes
    with their id and wrapped title, and cause-and-effect links arrows.  With ``review``
    the boxes are coloured by the band of the objective's score in ``period`` (default:
    the review's last period; the scorecard's colour bands, listed in the legend) and
    show the score; objectives without data are grey.
    Raises :class:`~bsc_widgets.errors.InputError` for an unknown scorecard.
    """
    require_scorecard(frames["scorecards"], scorecard_id)  # InputError naming the known scorecards
    persp = frames["perspectives"]
    persp = persp[(persp["scorecard_id"] == scorecard_id).to_numpy(dtype=bool)].sort_values(["position"])
    objs = frames["objectives"]
    objs = objs[(objs["scorecard_id"] == scorecard_id).to_numpy(dtype=bool)]
    objs, bands, columns = _map_layout(persp, objs)
    scored = _objective_scores(review, period)
    ids = objs["objective_id"].astype(str)
    colour_bands = card_scheme(frames["scorecards"], scorecard_id)
    if scored is not None:
        status = ids.map(scored["status"]).fillna(NO_DATA).astype(str)
        band = ids.map(scored["band"]).fillna("").astype(str)
        score = ids.map(scored["score"]).astype(np.float64)
        score_text = np.where(score.isna(), "no data", score.map(lambda s: f"{number(s, 1)} / 10"))
    else:
        status = pd.Series("", index=objs.index)
        band = pd.Series("", index=objs.index)
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
    data.append(scatter(x=np.full(len(bands), -_LABEL_W / 2), y=bands["middle"], mode="text",
                         text=[f"<b>{wrap(n, 14, 4)}</b>" for n in bands["name"]], hoverinfo="skip",
                         textfont={"size": 12, "color": INK}, showlegend=False, name="perspectives"))
    xs, ys, sizes = _arrows(objs, frames["links"][(frames["links"]["scorecard_id"] == scorecard_id)
                                                  .to_numpy(dtype=bool)])
    if xs:
        data.append(scatter(x=xs, y=ys, mode="lines+markers", hoverinfo="skip", showlegend=False, name="links",
                             line={"color": SERIES_COLOURS["link"], "width": 1.4},
                             marker={"symbol": "arrow", "size": sizes, "angleref": "previous",
                                     "color": SERIES_COLOURS["link"]}))
    corners_x = np.array([-1, 1, 1, -1, -1]) * _BOX_W / 2
    corners_y = np.array([-1, -1, 1, 1, -1]) * _BOX_H / 2
    # One trace per band, highest first, so that the legend reads as the scheme (empty bands too).
    groups = [("", "", NEUTRAL)] if scored is None else [
        *((name, f"{name} ({span})", colour) for name, colour, span in legend(colour_bands)),
        *((s, s, STATUS_COLOURS[s]) for s in (NO_DATA, NO_TARGET))]
    fills = {name: colour for name, _, colour in groups}
    for name, shown_name, colour in groups:
        mask = (band.where(band != "", status) == name).to_numpy()
        if scored is not None and not mask.any() and name not in (NO_DATA, NO_TARGET):  # an empty band: legend only
            data.append(scatter(x=[None], y=[None], mode="lines", fill="toself", fillcolor=colour,
                                line={"color": MUTED, "width": 1}, name=shown_name, hoverinfo="skip"))
            continue
        if not mask.any():
            continue
        bx = objs["x"].to_numpy()[mask][:, None] + corners_x[None, :]
        by = objs["y"].to_numpy()[mask][:, None] + corners_y[None, :]
        data.append(scatter(x=gaps(bx), y=gaps(by), mode="lines", fill="toself", fillcolor=colour,
                             line={"color": MUTED, "width": 1}, hoverinfo="skip", name=shown_name or "objectives",
                             showlegend=bool(name)))
    titles = [wrap(t) for t in objs["title"]]
    text_colour = band.where(band != "", status).map(fills).map(lambda c: text_on(c) if isinstance(c, str) else INK)
    text_colour = text_colour.to_numpy(dtype=object)
    label = [f"<b>{text(i)}</b>  {s}<br>{t}" if s else f"<b>{text(i)}</b><br>{t}"
             for i, s, t in zip(ids, score_text, titles, strict=True)]
    hover = [f"<b>{text(i)}</b> {text(t)}<br>owner: {text(o, MISSING)}"
             + (f"<br>score: {number(sc)} ({st}{', band ' + text(b) if b else ''})" if st else "")
             for i, t, o, sc, st, b in zip(ids, objs["title"], objs["owner"], score, status, band, strict=True)]
    data.append(scatter(x=objs["x"], y=objs["y"], mode="text", text=label, hovertext=hover, hoverinfo="text",
                         textfont={"size": 11, "color": text_colour.tolist()}, showlegend=False,
                         name="objective titles"))
    axis = {"visible": False, "fixedrange": True}
    return figure(
        data, shapes=shapes, margin={"l": 10, "r": 10, "t": 10, "b": 10},
        width=int(150 * (columns + _LABEL_W)) + 20, height=int(92 * total_rows) + 40,
        xaxis={**axis, "range": [-_LABEL_W - 0.02, columns + 0.02]},
        yaxis={**axis, "range": [total_rows + 0.02, -0.02]},
        legend={"orientation": "h", "yanchor": "top", "y": -0.01, "x": 0}, showlegend=scored is not None,
        dragmode=False,
    )


