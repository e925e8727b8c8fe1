"""Who owes what for a review period: the whole due list (``bsc due``, the workshop's actuals step).

:mod:`bsc_widgets.model.due` finds the missing actuals, the missing targets of coming
periods and the overdue work; this module adds the **comments asked for** — a KPI that is
red in a review period that is over (and due in it) with no analysis comment for that period — and
puts them together, one row per thing owed, ordered by owner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from ..errors import InputError
from ..model.due import (
    DUE_COLUMNS,
    due_period,
    empty_due,
    in_order,
    missing_actuals,
    missing_targets,
    overdue_work,
    owners_of,
    select_owner,
)
from ..model.periods import last_day
from ..model.plan import require_scorecard, top_down
from .formulas import RED
from .review import score_review

Frames = Mapping[str, pd.DataFrame]


def comments_asked(frames: Frames, period: pd.Period, today: dt.date, scorecards: list[str]) -> pd.DataFrame:
    """Red KPIs of ``scorecards`` due in ``period`` that have no analysis comment for it, with their owners.

    Only once ``period`` is over by ``today``: a KPI red on part of a period's data is not asked about yet.
    """
    if last_day(period) >= today:
        return empty_due()
    kpis = score_review(frames, [str(period)]).kpis
    red = kpis[(kpis["status"] == RED).to_numpy(dtype=bool) & kpis["due"].to_numpy(dtype=bool)
               & kpis["scorecard_id"].isin(scorecards).to_numpy(dtype=bool)]
    comments = frames["comments"]
    analysed = comments[((comments["subject_type"] == "kpi") & (comments["kind"] == "analysis")
                         & (comments["period"] == str(period))).to_numpy(dtype=bool)]
    red = red[~red["kpi_id"].isin(analysed["subject_id"]).to_numpy(dtype=bool)]
    if red.empty:
        return empty_due()
    owners = frames["kpis"].set_index("kpi_id").loc[red["kpi_id"]]
    return pd.DataFrame({
        "owner": owners_of(owners), "scorecard_id": red["scorecard_id"].astype(str).to_numpy(), "what": "comment",
        "id": red["kpi_id"].astype(str).to_numpy(), "name": red["name"].astype(str).to_numpy(),
        "periods": str(period), "due": None,
        "problem": f"red in {period} and no analysis comment says why",
    }, columns=list(DUE_COLUMNS))


def due(frames: Frames, period: str, today: dt.date, scorecard: str | None = None,
        owner: str | None = None) -> pd.DataFrame:
    """Everything owed for review ``period`` at ``today``: one row per item (columns: ``model.due.DUE_COLUMNS``).

    ``scorecard`` limits it to one scorecard (default: every scorecard), ``owner`` to the
    owners whose name contains it.  :class:`~bsc_widgets.errors.InputError` names an unknown
    scorecard, a period outside the horizon or an owner who owns nothing, with the fix.
    """
    if scorecard is not None:
        require_scorecard(frames["scorecards"], scorecard)
    cards = [scorecard] if scorecard is not None else top_down(frames["scorecards"])
    if not cards:
        raise InputError("this store has no scorecard yet, so nothing can be due; create one first (step 1 of the "
                         "workshop, or `bsc init DIR --template NAME`)")
    wanted = due_period(frames, period, cards)
    parts = [missing_actuals(frames, wanted, today, cards), comments_asked(frames, wanted, today, cards),
             missing_targets(frames, wanted, cards), overdue_work(frames, today, cards)]
    items = pd.concat([p for p in parts if len(p)] or [empty_due()], ignore_index=True)
    return in_order(select_owner(items, frames, cards, owner))
