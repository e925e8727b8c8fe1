"""Who owes what for a review period: missing actuals, missing targets, overdue work (the plan-level part).

Each function takes the plan as frames (what :meth:`Store.read_all` returns), the review
period and the scorecards to look at, and returns rows with :data:`DUE_COLUMNS`, one per
thing owed, with the person who owes it (the KPI's, task's or initiative's owner;
:data:`NOBODY` when none is recorded) and the problem in plain words.  The rules:

- **Actual missing**: a KPI owes an actual for each of its own periods that *ends* within
  the review period and has ended before ``today`` (a monthly KPI owes the three months of
  a quarter, a quarterly KPI its quarter, an annual KPI only in the review period holding
  the end of its year, as the scoring engine counts it), inside its scorecard's horizon.
- **Target missing**: a KPI owes a target (a target value, or both bounds of a band) for
  each of its own periods that ends after the review period, up to its scorecard's horizon
  end (without a horizon end: those ending in the next review period).
- **Overdue work**: the tasks and initiatives :func:`~bsc_widgets.model.plan.overdue`
  lists at ``today``, worded as :func:`~bsc_widgets.model.plan.attention` words them.

A calculated KPI (one with an ``expression``, when the store has that column) owes no
actual, and one whose targets are calculated (``target_rule``) owes no target.
:mod:`bsc_widgets.scoring.due` adds the comments asked for (red KPIs of a period that is over) and puts the
list together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from .periods import (
    PERIOD_NOUNS,
    convert_index,
    frequency,
    last_day,
    parse_period,
    period_at,
    period_containing,
    period_index,
)
from .plan import CLOSED_STATUSES, attention, overdue, require_scorecard
from .values import is_blank

Frames = Mapping[str, pd.DataFrame]

DUE_COLUMNS = ("owner", "scorecard_id", "what", "id", "name", "periods", "due", "problem")
"""Columns of a due list: who owes it, where, what kind (:data:`KINDS`), which record, its name, the
period(s) concerned, the deadline (tasks and initiatives) and the problem in plain words."""

KINDS = ("actual", "comment", "target", "task", "initiative")
"""The kinds of things owed, in the order a due list shows them for each owner."""

NOBODY = "nobody"
"""The owner shown for records that name none."""

CALCULATED = {"actual": "expression", "target": "target_rule"}
"""The KPI column that makes its actuals / targets calculated rather than typed (so nobody owes them): an
``expression`` that is filled, a ``target_rule`` of "expression"; a store without the column has none."""

UNTIL = 4_000_000
"""A period index later than any real period (a horizon without an end, in index arithmetic)."""


def empty_due() -> pd.DataFrame:
    """A due list with nothing on it."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in DUE_COLUMNS})


def owners_of(frame: pd.DataFrame) -> np.ndarray:
    """The ``owner`` column with :data:`NOBODY` where it is blank."""
    owners = frame["owner"].astype(object).to_numpy()
    return np.where([is_blank(o) for o in owners], NOBODY, owners).astype(object)


# ----------------------------------------------------------------------------- checks
def due_period(frames: Frames, period: str, scorecards: Sequence[str]) -> pd.Period:
    """``period`` parsed; :class:`InputError` naming it and the fix when it is no period or outside every horizon."""
    try:
        wanted = parse_period(period)
    except ValueError as exc:
        raise InputError(f"period: {exc}") from None
    cards = frames["scorecards"]
    spans = []
    for sid in scorecards:
        card = require_scorecard(cards, sid)
        start, end = _horizon(card)
        if (start is None or last_day(wanted) >= start[0]) and (end is None or wanted.start_time.date() <= end[1]):
            return wanted
        spans.append((sid, f"{card['horizon_start'] or 'open'} to {card['horizon_end'] or 'open'}"))
    where = (f"scorecard {spans[0][0]} ({spans[0][1]})" if len(spans) == 1 else
             f"every scorecard ({'; '.join(f'{sid}: {span}' for sid, span in spans)})")
    raise InputError(f"period {wanted} is outside the planning horizon of {where}; pick a period inside it, or "
                     "widen the horizon in step 1 of the workshop")


def _horizon(card: pd.Series) -> tuple[tuple[dt.date, dt.date] | None, tuple[dt.date, dt.date] | None]:
    """The first and last day of the horizon's first and last periods (None for an open end)."""
    out: list[tuple[dt.date, dt.date] | None] = []
    for column in ("horizon_start", "horizon_end"):
        value = card[column]
        if isinstance(value, str) and value.strip():
            parsed = parse_period(value)
            out.append((parsed.start_time.date(), last_day(parsed)))
        else:
            out.append(None)
    return out[0], out[1]


def select_owner(items: pd.DataFrame, frames: Frames, scorecards: Sequence[str], owner: str | None) -> pd.DataFrame:
    """The rows of ``items`` owed by ``owner`` (case-insensitive, part of the name is enough: ``Lena Hoffmann``
    matches ``CRM Manager – Lena Hoffmann``); every row for None.

    :class:`InputError` naming ``owner`` and the known owners when nobody in ``scorecards`` matches it.
    """
    if owner is None:
        return items
    known = known_owners(frames, scorecards)
    wanted = owner.strip().casefold()
    matching = {o for o in known if wanted and wanted in o.casefold()}
    if not matching:
        raise InputError(f"owner '{owner}' owns no KPI, task or initiative in "
                         f"{'scorecard ' + scorecards[0] if len(scorecards) == 1 else 'this store'}; owners are: "
                         f"{', '.join(sorted(known)) or 'none'}. Fix: give one of these names (or part of one)")
    return items[items["owner"].isin(matching).to_numpy(dtype=bool)].reset_index(drop=True)


def known_owners(frames: Frames, scorecards: Sequence[str]) -> set[str]:
    """Every owner of a KPI, task or initiative of ``scorecards`` (with :data:`NOBODY` when some have none)."""
    found: set[str] = set()
    for table in ("kpis", "tasks", "initiatives"):
        frame = frames[table]
        found.update(owners_of(frame[frame["scorecard_id"].isin(list(scorecards)).to_numpy(dtype=bool)]).tolist())
    return found


# ----------------------------------------------------------------------------- KPI periods
def _kpis(frames: Frames, scorecards: Sequence[str], calculated: str) -> pd.DataFrame:
    """KPIs of ``scorecards``, without those whose ``calculated`` column (expression, target_rule) is filled."""
    kpis = frames["kpis"]
    kpis = kpis[kpis["scorecard_id"].isin(list(scorecards)).to_numpy(dtype=bool)]
    if calculated == "target_rule" and calculated in kpis.columns:  # "typed" (the default) or "expression"
        kpis = kpis[(kpis[calculated] != "expression").to_numpy(dtype=bool)]
    elif calculated in kpis.columns:
        kpis = kpis[kpis[calculated].map(is_blank).to_numpy(dtype=bool)]
    return kpis.reset_index(drop=True)


def _bounds(frames: Frames, kpis: pd.DataFrame, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """Per KPI, the indices (at ``freq``) of the first and last period of its scorecard's horizon."""
    cards = frames["scorecards"].set_index("scorecard_id")
    first, last = {}, {}
    for sid in kpis["scorecard_id"].unique():
        start, end = cards.loc[sid, "horizon_start"], cards.loc[sid, "horizon_end"]
        first[sid] = (period_index(period_containing(parse_period(start).start_time.date(), freq))
                      if isinstance(start, str) and start.strip() else -UNTIL)
        last[sid] = (convert_index(period_index(parse_period(end)), frequency(parse_period(end)), freq)
                     if isinstance(end, str) and end.strip() else UNTIL)
    sids = kpis["scorecard_id"]
    return sids.map(first).to_numpy(dtype=np.int64), sids.map(last).to_numpy(dtype=np.int64)


def _grid(kpis: pd.DataFrame, freq: str, lo: np.ndarray, hi: np.ndarray) -> pd.DataFrame:
    """Every (KPI, period) with the period index between ``lo`` and ``hi`` (per KPI, inclusive), KPI order kept."""
    count = np.maximum(hi - lo + 1, 0)
    rows = np.repeat(np.arange(len(kpis)), count)
    offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    index = np.repeat(lo, count) + offsets
    labels = {i: str(period_at(freq, int(i))) for i in np.unique(index)}
    return pd.DataFrame({"row": rows, "index": index,
                         "period": np.array([labels[i] for i in index.tolist()], dtype=object)})


def _kpi_rows(kpis: pd.DataFrame, what: str, periods: Sequence[str], problems: Sequence[str],
              rows: np.ndarray) -> pd.DataFrame:
    picked = kpis.iloc[rows]
    return pd.DataFrame({
        "owner": owners_of(picked), "scorecard_id": picked["scorecard_id"].astype(str).to_numpy(),
        "what": what, "id": picked["kpi_id"].astype(str).to_numpy(), "name": picked["name"].astype(str).to_numpy(),
        "periods": list(periods), "due": None, "problem": list(problems),
    }, columns=list(DUE_COLUMNS))


def missing_actuals(frames: Frames, period: pd.Period, today: dt.date, scorecards: Sequence[str]) -> pd.DataFrame:
    """One row per KPI and own period ending within ``period`` (and before ``today``) that has no actual."""
    kpis = _kpis(frames, scorecards, CALCULATED["actual"])
    ends = last_day(period)
    window_start = period.start_time.date()
    parts = []
    for freq, group in kpis.groupby("frequency", sort=True):
        freq = str(freq)
        first = period_index(period_containing(window_start, freq))
        last = period_index(period_containing(ends, freq))
        if last_day(period_at(freq, last)) > ends:  # a coarser KPI period not over at the end of the review period
            last -= 1
        while last >= first and last_day(period_at(freq, last)) >= today:  # not over yet: nothing owed
            last -= 1
        group = group.reset_index(drop=True)
        lo, hi = _bounds(frames, group, freq)
        grid = _grid(group, freq, np.maximum(lo, first), np.minimum(hi, last))
        parts.append((group, grid))
    actuals = frames["actuals"]
    have = pd.MultiIndex.from_arrays([actuals["kpi_id"].astype(str), actuals["period"].astype(str)])
    out = [empty_due()]
    for group, grid in parts:
        keys = pd.MultiIndex.from_arrays([group["kpi_id"].astype(str).to_numpy()[grid["row"].to_numpy()],
                                          grid["period"].to_numpy()])
        missing = grid[~keys.isin(have)]
        out.append(_kpi_rows(group, "actual", missing["period"].tolist(),
                             [f"no actual for {p}" for p in missing["period"]], missing["row"].to_numpy()))
    return _concat(out)


def missing_targets(frames: Frames, period: pd.Period, scorecards: Sequence[str]) -> pd.DataFrame:
    """One row per KPI whose own periods after ``period`` (within the horizon) lack a target; all of them named."""
    kpis = _kpis(frames, scorecards, CALCULATED["target"])
    ends = last_day(period)
    following = period + 1
    targets = frames["targets"]
    has = targets["target"].notna() | (targets["lower"].notna() & targets["upper"].notna())
    set_ = pd.MultiIndex.from_arrays([targets["kpi_id"].astype(str), targets["period"].astype(str)])[
        has.to_numpy(dtype=bool)]
    out = [empty_due()]
    for freq, group in kpis.groupby("frequency", sort=True):
        freq = str(freq)
        group = group.reset_index(drop=True)
        first = period_index(period_containing(ends, freq))
        if last_day(period_at(freq, first)) <= ends:  # over with the review period: not a coming one
            first += 1
        lo, hi = _bounds(frames, group, freq)
        open_end = hi >= UNTIL
        next_end = period_index(period_containing(last_day(following), freq))
        hi = np.where(open_end, next_end, hi)
        grid = _grid(group, freq, np.maximum(lo, first), hi)
        keys = pd.MultiIndex.from_arrays([group["kpi_id"].astype(str).to_numpy()[grid["row"].to_numpy()],
                                          grid["period"].to_numpy()])
        missing = grid[~keys.isin(set_)]
        if missing.empty:
            continue
        spans = missing.groupby("row", sort=True).agg(first=("period", "first"), last=("period", "last"),
                                                      count=("period", "size"), lo=("index", "min"),
                                                      hi=("index", "max"))
        words = [_span(str(r.first), str(r.last), int(r.count), int(r.hi) - int(r.lo) + 1, freq)
                 for r in spans.itertuples()]
        out.append(_kpi_rows(group, "target", [w[0] for w in words],
                             [f"no target for {w[1]}" for w in words], spans.index.to_numpy()))
    return _concat(out)


def _span(first: str, last: str, count: int, width: int, freq: str) -> tuple[str, str]:
    """The periods concerned (``2027-01 to 2027-12``) and their words (``… (12 months)``; gaps say ``12 of 14``)."""
    if count == 1:
        return first, first
    noun = PERIOD_NOUNS[freq] + "s"
    periods = f"{first} to {last}"
    return periods, f"{count} {noun} from {first} to {last}" if count == width else \
        f"{count} of the {width} {noun} from {first} to {last}"


# ----------------------------------------------------------------------------- action plans
def overdue_work(frames: Frames, today: dt.date, scorecards: Sequence[str],
                 closed_statuses: Sequence[str] = CLOSED_STATUSES) -> pd.DataFrame:
    """Tasks and initiatives overdue at ``today`` (:func:`~bsc_widgets.model.plan.overdue`), with their owners."""
    mine = {table: frames[table][frames[table]["scorecard_id"].isin(list(scorecards)).to_numpy(dtype=bool)]
            for table in ("tasks", "initiatives")}
    plan = {**frames, **mine}
    late = overdue(plan, None, today, closed_statuses)
    if late.empty:
        return empty_due()
    items = attention(plan, None, today, closed_statuses)
    keys = pd.MultiIndex.from_frame(items[["what", "id"]])
    items = items[keys.isin(pd.MultiIndex.from_frame(late[["what", "id"]]))]
    where = pd.concat([pd.DataFrame({"what": what, "id": mine[table][key].astype(str).to_numpy(),
                                     "scorecard_id": mine[table]["scorecard_id"].astype(str).to_numpy()})
                       for what, table, key in (("task", "tasks", "task_id"),
                                                ("initiative", "initiatives", "initiative_id"))])
    items = items.merge(where, on=["what", "id"], how="left", validate="one_to_one")
    return pd.DataFrame({
        "owner": owners_of(items), "scorecard_id": items["scorecard_id"].to_numpy(), "what": items["what"].to_numpy(),
        "id": items["id"].to_numpy(), "name": items["description"].astype(str).to_numpy(), "periods": "",
        "due": items["due"].to_numpy(),
        "problem": [f"{p} ({s})" for p, s in zip(items["problem"], items["status"], strict=True)],
    }, columns=list(DUE_COLUMNS))


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    found = [p for p in parts if len(p)]
    return pd.concat(found, ignore_index=True) if found else empty_due()


def in_order(items: pd.DataFrame) -> pd.DataFrame:
    """``items`` by owner (:data:`NOBODY` last), then kind (:data:`KINDS`), scorecard, id and period."""
    if items.empty:
        return items.reset_index(drop=True)
    kind = items["what"].map({k: i for i, k in enumerate(KINDS)})
    nobody = items["owner"] == NOBODY
    ordered = items.assign(_n=nobody, _o=items["owner"].str.casefold(), _k=kind)
    ordered = ordered.sort_values(["_n", "_o", "_k", "scorecard_id", "id", "periods"], kind="stable")
    return ordered.drop(columns=["_n", "_o", "_k"]).reset_index(drop=True)
