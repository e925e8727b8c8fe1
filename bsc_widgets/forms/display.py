"""Showing figures and HTML inside output widgets, the same way in JupyterLab, Voila and tests."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go
from IPython import get_ipython
from IPython.display import display

FIGURE_RENDERER = "plotly_mimetype"
"""Rendered by the jupyterlab-plotly extension that ships with plotly: no CDN, no inlined plotly.js."""


def show_in(output: widgets.Output, *items: Any) -> None:
    """Replace what ``output`` shows with ``items`` (plotly figures or anything IPython can display).

    Outside a kernel (scripts, tests) there is nowhere to show them, so nothing is printed.
    """
    if get_ipython() is None:
        return
    output.clear_output(wait=True)
    with output:
        for item in items:
            if isinstance(item, go.Figure):
                item.show(renderer=FIGURE_RENDERER)
            else:
                display(item)
