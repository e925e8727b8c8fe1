"""Plain-text overview of a scorecard (used by ``bsc show``)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import pandas as pd

from .errors import InputError
from .periods import parse_period


def _fmt(value: object, decimals: object = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "—"
    places = 1 if decimals is None or decimals is pd.NA else int(decimals)  # type: ignore[call-overload]
    return f"{float(value):,.{places}f}"  # type: ignore[arg-type]


def _latest(frame: pd.DataFrame, kpi_id: str) -> pd.Series | None:
    rows = frame[frame["kpi_id"] == kpi_id]
    if rows.empty:
        return None
    order = rows["period"].map(lambda p: parse_period(p).end)
    return rows.loc[order.idxmax()]


def describe_scorecard(frames: Mapping[str, pd.DataFrame], scorecard_id: str, width: int = 100) -> str:
    """A readable outline: vision, mission, values, perspectives, objectives, KPIs, action plans."""
    sc = frames["scorecards"]
    card = sc[sc["scorecard_id"] == scorecard_id]
    if card.empty:
        known = ", ".join(sc["scorecard_id"]) or "none"
        raise InputError(f"unknown scorecard '{scorecard_id}'; scorecards in this store: {known}")
    row = card.iloc[0]

    def wrap(label: str, text: object) -> list[str]:
        if not isinstance(text, str) or not text:
            return [f"{label}: —"]
        return textwrap.wrap(f"{label}: {text}", width, subsequent_indent="  ")

    parent = f" (cascades from '{row['parent_id']}')" if isinstance(row["parent_id"], str) else ""
    out = [f"{row['name']} [{scorecard_id}]{parent}", "=" * min(width, 60)]
    out += wrap("Vision", row["vision"]) + wrap("Mission", row["mission"])
    values = row["values"].splitlines() if isinstance(row["values"], str) else []
    out += ["Values:" + ("" if any(v.strip() for v in values) else " —")]
    out += [f"  - {v.strip()}" for v in values if v.strip()]
    out.append(f"Horizon: {row['horizon_start']} to {row['horizon_end']}, reviewed "
               f"{ {'M': 'monthly', 'Q': 'quarterly', 'A': 'annually'}[row['review_frequency']] }")
    persp = frames["perspectives"]
    persp = persp[persp["scorecard_id"] == scorecard_id].sort_values("position")
    objectives = frames["objectives"]
    kpis, targets, actuals = frames["kpis"], frames["targets"], frames["actuals"]
    for p in persp.itertuples():
        out += ["", f"{p.name}"]
        objs = objectives[(objectives["scorecard_id"] == scorecard_id)
                          & (objectives["perspective_id"] == p.perspective_id)].sort_values("position")
        for o in objs.itertuples():
            supports = f" (supports {o.supports})" if isinstance(o.supports, str) else ""
            out.append(f"  {o.objective_id}  {o.title}{supports} — owner: {o.owner or '—'}")
            for k in kpis[kpis["objective_id"] == o.objective_id].itertuples():
                actual = _latest(actuals, k.kpi_id)
                if actual is None:
                    latest = "no actual yet"
                else:
                    tg = targets[(targets["kpi_id"] == k.kpi_id) & (targets["period"] == actual["period"])]
                    if tg.empty:
                        goal = "no target"
                    elif k.polarity == "range":
                        t = tg.iloc[0]
                        goal = f"band {_fmt(t['lower'], k.decimals)}–{_fmt(t['upper'], k.decimals)}"
                    else:
                        goal = f"target {_fmt(tg.iloc[0]['target'], k.decimals)}"
                    latest = f"{actual['period']}: {_fmt(actual['value'], k.decimals)} ({goal})"
                unit = f" {k.unit}" if isinstance(k.unit, str) else ""
                out.append(f"      - {k.name}{unit} [{k.polarity}, {k.frequency}] latest {latest}")
    ini = frames["initiatives"]
    ini = ini[ini["scorecard_id"] == scorecard_id]
    tasks = frames["tasks"]
    if not ini.empty:
        out += ["", "Action plans"]
        today = pd.Timestamp.now().date()
        for i in ini.itertuples():
            own = tasks[tasks["initiative_id"] == i.initiative_id]
            overdue = own[(own["status"] != "done") & (own["status"] != "cancelled")
                          & own["due"].map(lambda d: d is not None and d < today)]
            out.append(f"  {i.initiative_id}  {i.title} — {i.status}, {_fmt(i.percent_complete, 0)}% done, "
                       f"{len(own)} tasks, {len(overdue)} overdue")
    return "\n".join(out)
