"""Plotly figures of a scorecard: strategy map, KPI trend, action-plan Gantt chart, dot-vote ranking.

Every function is a pure function of the plan's frames (what :meth:`Store.read_all`
returns) and, where scores are shown, of a :class:`~bsc_widgets.scoring.Review`: no I/O,
no global state, no rules of their own (what is overdue comes from
:mod:`bsc_widgets.model.plan`).  Colours come from :mod:`bsc_widgets.render.theme`.
Part of :mod:`bsc_widgets.render`: imports the model and the scoring results only.
"""

from .gantt import gantt
from .strategy_map import strategy_map
from .trend import kpi_trend
from .votes import vote_ranking

__all__ = ["gantt", "kpi_trend", "strategy_map", "vote_ranking"]
