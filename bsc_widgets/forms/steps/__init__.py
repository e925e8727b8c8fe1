"""The workshop steps, one module per guided workbook (00 start here … 06 review).

Part of :mod:`bsc_widgets.forms`: the steps use the forms' widgets and every layer below
(model, store, scoring, smart, render, io, reports); they compute no rules themselves.

To add a step: write a class here that takes the :class:`~bsc_widgets.forms.workshop.Workshop`
and builds ``self.widget`` from :class:`~bsc_widgets.forms.record_form.RecordForm`,
:class:`~bsc_widgets.forms.grid.RecordGrid` and the renderers; give the workshop a method
that returns it; and call that method from a new thin workbook.
"""
