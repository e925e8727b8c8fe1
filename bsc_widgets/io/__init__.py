"""Data in and out: reading CSV / Excel files, the importer, exports, KPI libraries, the embedded sample.

Imports :mod:`bsc_widgets.model`, :mod:`~bsc_widgets.store`, :mod:`~bsc_widgets.scoring` and
:mod:`~bsc_widgets.render` (the Excel workbook).

- :mod:`~.files` reads a file into raw cells that remember their line or cell;
  :mod:`~.mapping` says how to read an unusual file;
- :mod:`~.importer` checks every cell and saves all or nothing; :mod:`~.outcome` is its report;
- :mod:`~.exports` writes xlsx, CSV or parquet;
- :mod:`~.libraries` starts a scorecard from a sector KPI library; :mod:`~.samples` holds
  the embedded sample organisation.

To add an import format, teach :func:`~.files.read_sheet` to read it into a
:class:`~.files.RawSheet`; everything after that is format-independent.
"""
