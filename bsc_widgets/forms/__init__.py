"""Guided workshop forms (ipywidgets), one module per workbook step.

A workbook cell is one call: ``ws = open_workshop(store, scorecard)`` then, for example,
``ws.objectives().widget``.  See :mod:`bsc_widgets.forms.workshop` for where the store
comes from.
"""

from .record_form import RecordForm
from .workshop import Workshop, open_workshop

__all__ = ["RecordForm", "Workshop", "open_workshop"]
