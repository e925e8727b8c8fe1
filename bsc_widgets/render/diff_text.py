"""``bsc diff`` as readable text: the score and status moves between two periods, or the plan changes in between."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..model.values import is_missing
from ..model.words import MISSING, number, plural
from ..scoring.diff import LEVELS, MOVES, PeriodDiff

LEVEL_WORDS = {"scorecards": "Scorecards", "perspectives": "Perspectives", "objectives": "Objectives",
               "kpis": "KPIs"}


def _n(value: object) -> str:
    return number(value, 2, ascii_minus=True)


def _more(hidden: int, how: str) -> list[str]:
    return [f"  … and {hidden} more ({how})"] if hidden > 0 else []


def period_diff_as_text(diff: PeriodDiff, limit: int | None = 20) -> str:
    """Per level, what moved from one period to the other: status changes first, then the biggest score changes.

    At most ``limit`` moves are listed per level (None: all of them).
    """
    lines = [f"Changes from {diff.from_period} to {diff.to_period}: status changes first, then the biggest "
             "score changes.", ""]
    moved = diff.moved()
    for level in LEVELS:
        counts = diff.counts(level)
        summary = ", ".join(f"{counts[m]} {m}" for m in MOVES if counts[m])
        rows = moved[(moved["level"] == level).to_numpy(dtype=bool)]
        lines.append(f"{LEVEL_WORDS[level]}: {summary or 'none'}")
        shown = rows if limit is None else rows.head(limit)
        for r in shown.itertuples(index=False):
            status = f"{r.status_from or MISSING} -> {r.status_to or MISSING}" if r.status_changed \
                else f"{r.status_to} (same)"
            change = f" ({number(r.score_change, 2, sign=True, ascii_minus=True)})" \
                if not is_missing(r.score_change) else ""
            card = f"[{r.scorecard_id}] " if level != "scorecards" else ""
            lines.append(f"  {card}{r.id} {r.label}: {status}, score {_n(r.score_from)} -> {_n(r.score_to)}{change}")
        lines += _more(len(rows) - len(shown), "--all lists every one")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _value(value: Any) -> str:
    if is_missing(value):
        return MISSING
    if isinstance(value, float):
        return number(value, None, ascii_minus=True)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M UTC") if value.tzinfo else value.strftime("%Y-%m-%d")
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def _who(row: Any) -> str:
    parts = [str(row.by)] if not is_missing(row.by) else []
    if not is_missing(row.at):
        parts.append(_value(pd.Timestamp(row.at)))
    return f"  ({', '.join(parts)})" if parts else ""


def plan_diff_as_text(changes: pd.DataFrame, before: str, after: str, readings: Mapping[str, tuple[int, int]],
                      limit: int | None = 20) -> str:
    """Per table, the records added, removed and changed (field by field, with who and when).

    ``readings`` gives each compared table's version before and after (-1: it did not
    exist yet); at most ``limit`` records are listed per table (None: all of them).
    """
    lines = [f"Plan changes from {before} to {after}.", ""]
    if changes.empty:
        lines.append("Nothing changed.")
    for name, (v0, v1) in readings.items():
        rows = changes[(changes["table"] == name).to_numpy(dtype=bool)]
        if rows.empty:
            continue
        groups = rows.groupby(["change", "record"], sort=False)
        counts = pd.Series([change for change, _ in groups.groups]).value_counts()
        span = f"v{v0} -> v{v1}" if v0 >= 0 else f"created -> v{v1}"
        lines.append(f"{name} ({span}): {counts.get('added', 0)} added, {counts.get('changed', 0)} changed, "
                     f"{counts.get('removed', 0)} removed")
        listed = 0
        for (change, record), found in groups:
            if limit is not None and listed >= limit:
                break
            listed += 1
            first = next(found.itertuples(index=False))
            if change == "changed":
                fields = "; ".join(f"{r.field}: {_value(r.before)} -> {_value(r.after)}"
                                   for r in found.itertuples(index=False))
                lines.append(f"  changed  {record}  {fields}{_who(first)}")
            else:
                removed_in = f" in v{int(first.version)}" if not is_missing(first.version) else ""
                lines.append(f"  {change:<8} {record}{removed_in}{_who(first)}")
        lines += _more(groups.ngroups - listed, "--all lists every one; --format csv gives every field")
        lines.append("")
    if not changes.empty:
        total = changes.groupby(["table", "record"]).ngroups
        lines.append(f"{plural(total, 'record')} differ{'s' if total == 1 else ''}.")
    return "\n".join(lines).rstrip() + "\n"
