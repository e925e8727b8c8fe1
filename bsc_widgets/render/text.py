"""Plain text for the terminal and files: a scored review (``bsc score``) and a plan's outline (``bsc show``)."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping

import pandas as pd

from ..model.bands import ROLLUP_WORDS
from ..model.periods import FREQUENCIES, period_columns
from ..model.plan import overdue, require_scorecard
from ..model.values import is_missing
from ..model.words import MISSING, number, percent
from ..scoring import Review


def review_as_records(review: Review) -> pd.DataFrame:
    """Every result row of every level in one table, with a ``level`` column first."""
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        types = {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
        types |= {c: "Int64" for c in frame.columns if pd.api.types.is_integer_dtype(frame[c].dtype)}
        return frame.astype(types)

    parts = [plain(frame).assign(level=level.rstrip("s")) for level, frame in review.tables().items()]
    out = pd.concat(parts, ignore_index=True)
    return out[["level", *[c for c in out.columns if c != "level"]]]


def _terminal(value: object, decimals: int = 2) -> str:
    return number(value, decimals, ascii_minus=True)


def _band(row: object) -> str:
    """The row's colour band when it is not named like its status (a scheme other than red / amber / green)."""
    band = str(getattr(row, "band", "") or "")
    return f", band {band}" if band and band != str(getattr(row, "status", "")) else ""


def review_as_text(review: Review) -> str:
    """A readable report: per period and scorecard, the headline, perspectives, objectives and KPIs."""
    lines: list[str] = []
    for period in review.periods:
        for card in review.scorecards[review.scorecards["period"] == period].itertuples():
            sid = card.scorecard_id
            lines += [f"{card.name} [{sid}] — {period}",
                      f"Score {_terminal(card.score)} / 10 ({card.status}), coverage {percent(card.coverage)}, "
                      f"change {_terminal(card.score_change)} ({card.trend or 'no previous score'})"
                      f"{_band(card)}, roll-up: {ROLLUP_WORDS[str(card.rollup)]}", ""]
            persp = review.perspectives
            persp = persp[(persp["period"] == period) & (persp["scorecard_id"] == sid)]
            objs = review.objectives
            objs = objs[(objs["period"] == period) & (objs["scorecard_id"] == sid)]
            kpis = review.kpis
            kpis = kpis[(kpis["period"] == period) & (kpis["scorecard_id"] == sid)]
            for p in persp.itertuples():
                lines.append(f"{p.name}: {_terminal(p.score)} ({p.status}{_band(p)}), coverage {percent(p.coverage)}, "
                             f"{p.trend}, roll-up: {ROLLUP_WORDS[str(p.rollup)]}")
                for o in objs[objs["perspective_id"] == p.perspective_id].itertuples():
                    cascade = (f", departments {_terminal(o.cascade_score)}" if o.cascade_children else "")
                    lines.append(f"  {o.objective_id} {o.title}: {_terminal(o.score)} ({o.status}{_band(o)}), "
                                 f"coverage {percent(o.coverage)}{cascade}, roll-up: {ROLLUP_WORDS[str(o.rollup)]}")
                    for k in kpis[kpis["objective_id"] == o.objective_id].itertuples():
                        d = int(k.decimals) if not pd.isna(k.decimals) else 1
                        goal = (f"band {_terminal(k.lower, d)}–{_terminal(k.upper, d)}" if k.polarity == "range"
                                else f"target {_terminal(k.target, d)}")
                        notes = []
                        if k.missing_sub_periods:
                            notes.append(f"{k.missing_sub_periods} of {k.sub_periods} missing")
                        if not k.due:
                            notes.append(f"not due, as of {k.as_of}")
                        if str(k.filled) == "carried":
                            notes.append(f"no actual: {k.carried_from}'s carried forward")
                        elif str(k.filled) in ("zero", "red"):
                            notes.append(f"no actual: counted as {k.filled} (missing-data policy)")
                        if k.target_gaps:
                            notes.append(f"targets incomplete: no target for {k.target_gap_periods}")
                        extra = f" [{'; '.join(notes)}]" if notes else ""
                        carried = "*" if str(k.filled) == "carried" else ""
                        lines.append(f"      {k.kpi_id}: {_terminal(k.actual, d)}{carried} vs {goal} → "
                                     f"{_terminal(k.score)} {k.status}{_band(k)}, {k.trend or MISSING}, "
                                     f"forecast {k.forecast}{extra}")
                        lines += _lineage_lines(review, period, k)
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _lineage_lines(review: Review, period: str, kpi: object) -> list[str]:
    """For a calculated KPI: its expression with its inputs' values, and why it is blank (if it is)."""
    expression = getattr(kpi, "expression", None)
    if is_missing(expression) or not str(expression).strip():
        return []
    rows = review.lineage[(review.lineage["period"] == period) & (review.lineage["kpi_id"] == kpi.kpi_id)]  # type: ignore[attr-defined]
    inputs = ", ".join(f"{r.input_id} {_decimals(r.input_actual, r.input_decimals)}" for r in rows.itertuples())
    out = [f"        calculated as {expression}" + (f" with {inputs}" if inputs else "")]
    reason = getattr(kpi, "calc_missing", "")
    if isinstance(reason, str) and reason:
        out.append(f"        blank: {reason}")
    return out


def _decimals(value: object, decimals: object = 1) -> str:
    places = 1 if is_missing(decimals) else int(decimals)  # type: ignore[call-overload]
    return _terminal(value, places)


def _latest(frame: pd.DataFrame, kpi_id: str) -> pd.Series | None:
    rows = frame[frame["kpi_id"] == kpi_id]
    if rows.empty:
        return None
    order = period_columns(rows["period"])["end"]
    return rows.loc[order.idxmax()]


def describe_scorecard(frames: Mapping[str, pd.DataFrame], scorecard_id: str, width: int = 100,
                       today: dt.date | None = None) -> str:
    """A readable outline: vision, mission, values, perspectives, objectives, KPIs, action plans.

    ``today`` (default: the current date) decides which tasks are overdue.
    """
    row = require_scorecard(frames["scorecards"], scorecard_id)

    def wrap(label: str, text: object) -> list[str]:
        if not isinstance(text, str) or not text:
            return [f"{label}: {MISSING}"]
        return textwrap.wrap(f"{label}: {text}", width, subsequent_indent="  ")

    parent = f" (cascades from '{row['parent_id']}')" if isinstance(row["parent_id"], str) else ""
    out = [f"{row['name']} [{scorecard_id}]{parent}", "=" * min(width, 60)]
    out += wrap("Vision", row["vision"]) + wrap("Mission", row["mission"])
    values = row["values"].splitlines() if isinstance(row["values"], str) else []
    out += ["Values:" + ("" if any(v.strip() for v in values) else f" {MISSING}")]
    out += [f"  - {v.strip()}" for v in values if v.strip()]
    out.append(f"Horizon: {row['horizon_start']} to {row['horizon_end']}, "
               f"{FREQUENCIES[row['review_frequency']]} reviews")
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
            owner = MISSING if is_missing(o.owner) else o.owner
            out.append(f"  {o.objective_id}  {o.title}{supports} — owner: {owner}")
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
                        goal = f"band {_decimals(t['lower'], k.decimals)}–{_decimals(t['upper'], k.decimals)}"
                    else:
                        goal = f"target {_decimals(tg.iloc[0]['target'], k.decimals)}"
                    latest = f"{actual['period']}: {_decimals(actual['value'], k.decimals)} ({goal})"
                unit = f" {k.unit}" if isinstance(k.unit, str) else ""
                out.append(f"      - {k.name}{unit} [{k.polarity}, {k.frequency}] latest {latest}")
    ini = frames["initiatives"]
    ini = ini[ini["scorecard_id"] == scorecard_id]
    tasks = frames["tasks"]
    if not ini.empty:
        out += ["", "Action plans"]
        late = set(overdue(frames, scorecard_id, today or dt.date.today())["id"])
        for i in ini.itertuples():
            own = tasks[tasks["initiative_id"] == i.initiative_id]
            count = int(own["task_id"].astype(str).isin(late).sum())
            out.append(f"  {i.initiative_id}  {i.title} — {i.status}, {_terminal(i.percent_complete, 0)}% done, "
                       f"{len(own)} tasks, {count} overdue")
    return "\n".join(out)
