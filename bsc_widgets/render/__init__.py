"""Drawing what the other layers computed: the theme, HTML blocks, charts, plain text and the Excel workbook.

Imports :mod:`bsc_widgets.model`, :mod:`~bsc_widgets.scoring` and :mod:`~bsc_widgets.smart`
(never the store: renderers are given frames, reviews and findings, and compute no rules).

- :mod:`~.theme`: status colours, symbols, fonts (numbers and words come from
  :mod:`bsc_widgets.model.words`);
- :mod:`~.html`: displayable fragments, chips, tables, the attention list, report styles;
- :mod:`~.printing`: the printed page (A4), print styles, the script that fits charts to it;
- :mod:`~.charts`: plotly strategy map, KPI trend, Gantt chart;
- :mod:`~.text`: ``bsc score`` and ``bsc show`` output;
- :mod:`~.xlsx`: the exported workbook.
"""
