"""KPI-periods whose targets are incomplete: a sub-period with an actual has no target while another has one.

The scoring engine does not score such a KPI-period (it would compare, say, three months
of a ``sum`` KPI with two months of target); :func:`incomplete_targets` lists them for
every review period with data, so that ``bsc validate`` and ``bsc lint`` can name them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..errors import Problem
from ..model.plan import data_periods, top_down
from .review import score_review

COLUMNS = ["scorecard_id", "kpi_id", "name", "period", "aggregation", "target_gap_periods"]


def incomplete_targets(frames: Mapping[str, pd.DataFrame], scorecard: str | None = None) -> pd.DataFrame:
    """Every incomplete KPI-period of ``scorecard`` (default: every scorecard), at its review frequency."""
    cards = [scorecard] if scorecard else top_down(frames["scorecards"])
    parts = []
    for sid in cards:
        periods = data_periods(frames, sid)
        if not periods:
            continue
        kpis = score_review(frames, periods, sid, forecast=False).kpis  # the gaps need no forecast
        found = kpis[(kpis["target_gaps"] > 0).to_numpy(dtype=bool)]
        parts.append(found.assign(**{c: found[c].astype(str) for c in ("scorecard_id", "kpi_id", "name", "period",
                                                                          "aggregation")})[COLUMNS])
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)


def target_gap_problems(frames: Mapping[str, pd.DataFrame], scorecard: str | None = None) -> list[Problem]:
    """The incomplete KPI-periods as problems of the targets table (code ``target_incomplete``)."""
    return [Problem(
        "targets", (row.kpi_id, row.period), "target",
        None,
        f"the targets of {row.period} are incomplete: {row.target_gap_periods} "
        f"{'has an actual' if ',' not in row.target_gap_periods else 'have actuals'} but no target, so the KPI "
        f"({row.aggregation} of its sub-periods) is not scored for {row.period}",
        f"enter the target (and red flag, or the band) of {row.target_gap_periods} for KPI '{row.kpi_id}'",
        "target_incomplete",
    ) for row in incomplete_targets(frames, scorecard).itertuples(index=False)]
