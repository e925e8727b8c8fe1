"""Guided workshop forms (ipywidgets): the record form, the revision-aware grid, and one view per workbook step.

Imports every layer below it (model, store, scoring, smart, render, io, reports); nothing
imports it but the workbooks.  A workbook cell is one call: ``ws = open_workshop(store,
scorecard)`` then, for example, ``ws.objectives().widget``.  The views compute nothing:
rules come from :mod:`bsc_widgets.model.plan`, scores from :mod:`bsc_widgets.scoring`, HTML
from :mod:`bsc_widgets.render` and the report's sections.
"""

from .record_form import RecordForm
from .workshop import Workshop, open_workshop

__all__ = ["RecordForm", "Workshop", "open_workshop"]
