"""What every chart shares: one-step figure construction, scatter traces, wrapped and escaped labels."""

from __future__ import annotations

import html
import textwrap
from typing import Any

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go

from ..theme import FONT

WRAP, MAX_LINES = 24, 3  # title wrapping in boxes


def figure(data: list[dict[str, Any]], **layout: Any) -> go.Figure:
    """One figure built in a single step (much faster than adding traces and updating the layout one by one)."""
    return go.Figure(data=data, layout={"font": {"family": FONT, "size": 12}, "paper_bgcolor": "white",
                                        "plot_bgcolor": "white", "hoverlabel": {"font": {"family": FONT}}, **layout})


def scatter(**trace: Any) -> dict[str, Any]:
    """A scatter trace as a dict (plotly validates it once, when the figure is built)."""
    return {"type": "scatter", **trace}


def text(value: object, missing: str = "") -> str:
    """A value of the plan as text plotly draws literally (``missing`` when it is not text).

    plotly reads a subset of HTML in every text it draws — labels, hover text (the values a
    ``hovertemplate`` puts in included), titles, axis titles and legends: ``<a href>`` becomes
    a link, ``<b>`` bold, ``<br>`` a line break, and entities such as ``&amp;`` are decoded.
    Every value of the plan a chart shows goes through here: ``<``, ``>`` and ``&`` are
    escaped.  Quotes are left alone, since plotly does not decode ``&quot;``.
    """
    return html.escape(value, quote=False) if isinstance(value, str) else missing


def wrap(value: object, width: int = WRAP, lines: int = MAX_LINES) -> str:
    """``value`` escaped (:func:`text`) and wrapped into at most ``lines`` lines of ``width`` characters,
    joined by ``<br>``."""
    parts = textwrap.wrap(value if isinstance(value, str) else "", width, max_lines=lines, placeholder=" …")
    return "<br>".join(text(p) for p in parts)


def gaps(values: npt.NDArray[np.float64]) -> list[float | None]:
    """Row-wise point lists joined by gaps: (n, k) -> n*(k+1) values with None between rows."""
    padded = np.hstack([values, np.full((values.shape[0], 1), np.nan)]).ravel()
    return [None if np.isnan(v) else float(v) for v in padded]


