"""Showing messages, figures and HTML in widgets, the same way in JupyterLab, Voila and tests."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import uuid
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from IPython import get_ipython

from ..config import FIGURES_ENV
from ..model.schema import TABLES
from ..model.values import plain
from ..model.words import day, number
from ..render.html import REPORT_CSS
from ..render.theme import MESSAGE_COLOURS

OK_STYLE = f"color:{MESSAGE_COLOURS['ok']}"
ERROR_STYLE = f"color:{MESSAGE_COLOURS['error']}"
FIGURE_RENDERER = "plotly_mimetype"
"""Rendered by the jupyterlab-plotly extension that ships with plotly: no CDN, no inlined plotly.js."""
PLOTLY_MIME = "application/vnd.plotly.v1+json"


def figure_bundle(figure: go.Figure, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What a page is sent to show ``figure``.

    In JupyterLab: plotly's own mime type, drawn by the jupyterlab-plotly extension.  In the
    workshop app (:data:`~bsc_widgets.config.FIGURES_ENV` is ``script``): a box, the figure
    as JSON, and a call to the page's ``bscDraw``, which draws it with the plotly.js basic
    bundle the app serves (the page's template defines it and loads plotly.js once).
    """
    bundle: dict[str, Any] = pio.renderers[FIGURE_RENDERER].to_mimebundle(figure.to_dict())
    if (os.environ if env is None else env).get(FIGURES_ENV) != "script":
        return bundle
    box = f"bsc-plot-{uuid.uuid4().hex}"
    spec = json.dumps(bundle[PLOTLY_MIME], separators=(",", ":")).replace("<", "\\u003c")  # no </script> inside
    return {"text/html": f"<div class='bsc-plot' id='{box}'></div>"
                         f"<script type='application/json' id='{box}-figure'>{spec}</script>"
                         f"<script>window.bscDraw && window.bscDraw('{box}');</script>"}


def show_in(output: widgets.Output, *items: Any) -> None:
    """Replace what ``output`` shows with ``items`` (plotly figures or anything IPython can display).

    Outside a kernel (scripts, tests) there is nowhere to show them, so nothing is printed.
    The outputs are set on the widget itself rather than captured (``with output:``): a
    capture is tied to the message being handled, and a live refresh of the page
    (:mod:`~bsc_widgets.forms.live`) handles none, so what it drew went nowhere.
    """
    shell = get_ipython()
    if shell is None:
        return
    shown = []
    for item in items:
        if isinstance(item, go.Figure):
            data, metadata = figure_bundle(item), {}
        else:
            data, metadata = shell.display_formatter.format(item)
        shown.append({"output_type": "display_data", "data": data, "metadata": metadata})
    output.outputs = tuple(shown)


NOTHING = "nothing"
"""How a missing value reads in a sentence ("their version: nothing")."""


def shown_value(value: Any, *, quote: bool = False) -> str:
    """A stored or typed value as people write it: ``9`` not ``np.float64(9.0)``, ``nothing`` not ``None``.

    Numbers are rounded to what a reader needs (:func:`~bsc_widgets.model.words.number`),
    dates are ISO days, times to the minute; text is quoted when ``quote``.
    """
    value = plain(value)
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value, None)
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return day(stamp) if (stamp.hour, stamp.minute, stamp.second) == (0, 0, 0) else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return day(value)
    return f"'{value}'" if quote else str(value)


def in_words(text: str, table: str) -> str:
    """``text`` with the raw column names of ``table`` replaced by their labels (``green_from`` -> ``green from``)."""
    spec = TABLES.get(table)
    if spec is None:
        return text
    for name in sorted((n for n in spec.names if "_" in n), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", spec.column(name).label, text)
    return text


def wide(button: widgets.Button) -> widgets.Button:
    """``button`` as wide as its label (ipywidgets cuts labels longer than a fixed width with "…")."""
    button.layout.width = "auto"
    button.layout.min_width = "max-content"
    button.layout.flex = "0 0 auto"
    return button


def message(text: str, *, ok: bool = True, markup: bool = False) -> str:
    """A confirmation (green) or a problem (red, with ⚠) as HTML; ``text`` is escaped unless ``markup``."""
    body = text if markup else html.escape(text)
    return f"<span style='{OK_STYLE if ok else ERROR_STYLE}'>{'' if ok else '⚠ '}{body}</span>"


def styled(*fragments: object) -> str:
    """HTML fragments of :mod:`bsc_widgets.render.html` with the report styles, for an HTML widget."""
    return f"<style>{REPORT_CSS}</style><div class='bsc'>{''.join(str(f) for f in fragments)}</div>"
