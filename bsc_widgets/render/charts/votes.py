"""The dot-vote ranking: one bar per candidate, most dots on top, coloured by its status."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..theme import CANDIDATE_COLOURS, GRID, INK, MUTED
from .figure import figure, text, wrap

ROW_HEIGHT = 44
"""Pixels per candidate (room for a title on two lines)."""


def vote_ranking(ranked: pd.DataFrame, *, title: str = "Dots per candidate") -> go.Figure:
    """A horizontal bar chart of :func:`bsc_widgets.model.collaboration.ranking`'s frame."""
    rows = ranked.iloc[::-1]  # plotly draws the first category at the bottom
    labels = [f"<b>{text(c)}</b> {wrap(t, 40, 2)}" for c, t in zip(rows["candidate_id"], rows["title"], strict=True)]
    hover = [f"{text(c)}: {n} dots from {v} {'person' if v == 1 else 'people'} — {s}"
             for c, n, v, s in zip(rows["candidate_id"], rows["dots"], rows["voters"], rows["status"], strict=True)]
    bar = {"type": "bar", "orientation": "h", "x": rows["dots"].tolist(), "y": labels,
           "marker": {"color": [CANDIDATE_COLOURS.get(s, MUTED) for s in rows["status"]]},
           "text": [f"{n} · {s}" if s != "proposed" else str(n) for n, s in zip(rows["dots"], rows["status"],
                                                                              strict=True)],
           "textposition": "outside", "cliponaxis": False, "hovertext": hover, "hoverinfo": "text",
           "showlegend": False}
    most = int(rows["dots"].max()) if len(rows) else 0
    return figure([bar], title={"text": title, "x": 0, "font": {"color": INK, "size": 14}},
                  height=max(160, 80 + ROW_HEIGHT * len(rows)), margin={"l": 10, "r": 60, "t": 40, "b": 30},
                  xaxis={"title": "dots", "range": [0, max(5, most * 1.25)], "gridcolor": GRID, "dtick": 1 if most
                         < 12 else None},
                  yaxis={"automargin": True}, bargap=0.35)
