"""What a workbook cell shows: the step's form, or one line of text where no widget can be drawn.

A cell ends with ``ws.objectives().view()``.  JupyterLab and Voila draw the form; a
notebook opened before its cells have run (or any viewer without the widget state) shows
the text/plain line :data:`RUN_HINT` instead of a ``VBox(children=(Tab(…`` repr.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

RUN_HINT = "Run this cell to open the form."
"""The text shown in place of the form before the cell runs."""


class StepView:
    """A step's widget as a cell's result: the widget view, with :data:`RUN_HINT` as its plain-text form."""

    def __init__(self, widget: widgets.Widget) -> None:
        self.widget = widget

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = RUN_HINT
        return bundle

    def __repr__(self) -> str:
        return RUN_HINT


class Viewable:
    """Mixin of the workshop steps: :meth:`view` is what a workbook cell ends with."""

    widget: widgets.Widget

    def view(self) -> StepView:
        """The step's form for a workbook cell (plain text before the cell runs: :data:`RUN_HINT`)."""
        return StepView(self.widget)
