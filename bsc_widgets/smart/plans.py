"""SMART checks of initiatives and tasks (cancelled ones are not checked)."""

from __future__ import annotations

import pandas as pd

from ..model.plan import overdue
from ..model.words import capitalised, plural
from .context import DROPPED, Context, bools, present


def _late(ctx: Context, what: str) -> dict[str, int]:
    """Days late of each overdue item of kind ``what`` (the model's overdue rule, with the configured statuses)."""
    items = overdue(ctx.f, None, ctx.day, ctx.config.closed_statuses)
    items = items[(items["what"] == what).to_numpy(dtype=bool)]
    return dict(zip(items["id"], items["days"].astype(int), strict=True))


def _late_text(label: str, due: pd.Timestamp, days: int, status: object) -> str:
    return f"{label} was due on {due.date()} ({plural(days, 'day')} ago) and is still '{status}'."


def check_initiatives(ctx: Context) -> None:
    """Initiatives without tasks, without an objective, or overdue."""
    f = ctx.f
    ini, tasks = f["initiatives"], f["tasks"]
    ini = ini[~ini["status"].isin(DROPPED).to_numpy(dtype=bool)].reset_index(drop=True)
    if ini.empty:
        return
    linked = present(ini["objective_id"])
    with_tasks = ini["initiative_id"].isin(set(tasks["initiative_id"].dropna())).to_numpy(dtype=bool)
    due = pd.to_datetime(ini["due"])
    late = _late(ctx, "initiative")
    for i, row in enumerate(ini.itertuples(index=False)):
        sid, iid = row.scorecard_id, row.initiative_id
        label = ctx.label("initiative", sid, iid)
        if not with_tasks[i]:
            ctx.add("initiative-no-tasks", sid, iid,
                    f"{capitalised(label)} has no tasks yet, so it is not clear who does what by when.",
                    "Break the initiative into tasks, each with an owner, a due date and a success measure.")
        if not linked.iloc[i]:
            ctx.add("initiative-no-objective", sid, iid,
                    f"{capitalised(label)} is not linked to any objective, so it is unclear which part of the "
                    "strategy it moves.",
                    "Pick the objective the initiative moves; if none fits, question whether it belongs in the plan.")
        if str(iid) in late:
            ctx.add("initiative-overdue", sid, iid, _late_text(capitalised(label), due.iloc[i], late[str(iid)],
                                                               row.status),
                    "Update the status if it is finished; otherwise agree a new due date with the owner and "
                    "record why it slipped.")


def check_tasks(ctx: Context) -> None:
    """Tasks without a success measure, owner or due date, due outside the horizon, or overdue."""
    tasks = ctx.f["tasks"]
    tasks = tasks[~tasks["status"].isin(DROPPED).to_numpy(dtype=bool)].reset_index(drop=True)
    if tasks.empty:
        return
    tasks = ctx.with_horizon(tasks)
    owned = present(tasks["owner"])
    measured = present(tasks["success_measure"])
    due = pd.to_datetime(tasks["due"])
    has_due = bools(due.notna())
    outside = has_due & (bools(due < tasks["h_start"]) | bools(due > tasks["h_end"]))
    late = _late(ctx, "task")
    for i, row in enumerate(tasks.itertuples(index=False)):
        sid, tid = row.scorecard_id, row.task_id
        label = f"{capitalised(ctx.label('task', sid, tid))} of {ctx.label('initiative', sid, row.initiative_id)}"
        if not measured.iloc[i]:
            ctx.add("task-no-success-measure", sid, tid,
                    f"{label} does not say how success will be measured, so nobody can tell when it is really done.",
                    "Add a success measure someone can check, e.g. \"order lead time under 3 days for four weeks "
                    "in a row\".")
        if not owned.iloc[i]:
            ctx.add("task-no-owner", sid, tid, f"{label} has no owner, so nobody is responsible for it.",
                    "Name the one person who will do the task or see that it gets done.")
        if not has_due[i]:
            ctx.add("task-no-due", sid, tid, f"{label} has no due date.",
                    f"Enter a due date inside the horizon ({ctx.horizon_text(sid)}).")
        if outside[i]:
            ctx.add("task-due-outside-horizon", sid, tid,
                    f"{label} is due on {due.iloc[i].date()}, outside the scorecard's horizon "
                    f"({ctx.horizon_text(sid)}).",
                    "Move the due date inside the horizon, or extend the horizon if the plan really runs longer.")
        if str(tid) in late:
            ctx.add("task-overdue", sid, tid, _late_text(label, due.iloc[i], late[str(tid)], row.status),
                    "Update the status if it is finished; otherwise agree a new due date with the owner, record "
                    "why it slipped, and remove what blocks it.")
