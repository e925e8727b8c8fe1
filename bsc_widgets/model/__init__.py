"""The data model and the rules of the method (imports only :mod:`bsc_widgets.errors` and the base modules).

- :mod:`~bsc_widgets.model.schema`: every table and column (the one source of truth);
- :mod:`~bsc_widgets.model.periods`: review periods, an adapter over :class:`pandas.Period`;
- :mod:`~bsc_widgets.model.values` and :mod:`~bsc_widgets.model.words`: missing values, and how
  numbers, percentages and dates are written for people;
- :mod:`~bsc_widgets.model.coerce`: the only parser of user input (numbers, dates, periods, ids);
- :mod:`~bsc_widgets.model.rules`: cross-table validation (:func:`check_plan`);
- :mod:`~bsc_widgets.model.plan`: plan queries and business rules (scorecard family, default
  review period, overdue, needs attention).

This package's ``__init__`` imports nothing, so that ``bsc --help`` can read the schema
without loading pandas.
"""
