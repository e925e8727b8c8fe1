"""Questions about a plan that every view asks, answered once: the business rules of the method.

Every function takes the plan as frames (what :meth:`Store.read_all` returns) and is
used by the command line, the workshop forms, the reports and the exports alike, so
that they never disagree:

- which scorecards exist (:func:`require_scorecard` gives the one "unknown scorecard"
  message), a scorecard's departments (:func:`scorecard_family`), top-down order;
- which review periods have data (:func:`data_periods`), the period a review is about
  by default (:func:`default_period`: the last one with data that has ended), and the
  checked parameters of a review (:func:`review_parameters`);
- what is overdue (:func:`overdue`: due before a day and not in a closed status) and
  what needs attention (:func:`attention`: overdue, blocked or unowned work).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .periods import (
    FREQUENCIES,
    convert_index,
    convert_indices,
    first_day,
    frequency,
    last_day,
    parse_period,
    period_at,
    period_columns,
    period_index,
)
from .values import is_blank

Frames = Mapping[str, pd.DataFrame]

CLOSED_STATUSES: tuple[str, ...] = ("done", "cancelled")
"""Task and initiative statuses that can no longer be overdue or need attention."""

ATTENTION_COLUMNS = ("what", "id", "description", "owner", "due", "status", "problem")
"""Columns of :func:`attention`'s frame."""


# ----------------------------------------------------------------------------- scorecards
def unknown_scorecard(scorecard: str, known: Sequence[object]) -> InputError:
    """The error for a scorecard id that is not in the store (naming the ones that are)."""
    names = ", ".join(sorted({str(k) for k in known if isinstance(k, str)})) or "none"
    return InputError(f"unknown scorecard '{scorecard}'; scorecards in this store: {names}")


def require_scorecard(scorecards: pd.DataFrame, scorecard: str) -> pd.Series:
    """The record of ``scorecard``; :class:`InputError` naming the known scorecards if there is none."""
    rows = scorecards[(scorecards["scorecard_id"] == scorecard).to_numpy(dtype=bool)]
    if rows.empty:
        raise unknown_scorecard(scorecard, scorecards["scorecard_id"].tolist())
    return rows.iloc[0]


def scorecard_family(scorecards: pd.DataFrame, scorecard: str) -> list[str]:
    """``scorecard`` and every scorecard that cascades from it, at any depth."""
    require_scorecard(scorecards, scorecard)
    family, frontier = [scorecard], [scorecard]
    while frontier:
        children = scorecards.loc[scorecards["parent_id"].isin(frontier), "scorecard_id"].tolist()
        frontier = [c for c in children if c not in family]
        family += frontier
    return family


def top_down(scorecards: pd.DataFrame) -> list[str]:
    """Scorecard ids, parents before their departments (then by id)."""
    parents = dict(zip(scorecards["scorecard_id"], scorecards["parent_id"], strict=True))
    depth: dict[str, int] = {}
    for sid in parents:
        node, steps = sid, 0
        while isinstance(parents.get(node), str) and steps <= len(parents):
            node, steps = parents[node], steps + 1
        depth[sid] = steps
    return sorted(parents, key=lambda s: (depth[s], s))


def top_scorecard(scorecards: pd.DataFrame) -> str | None:
    """The scorecard a view opens on when none is chosen: the first top-level one (None when there is none)."""
    order = top_down(scorecards)
    return order[0] if order else None


# ----------------------------------------------------------------------------- review periods
def data_periods(frames: Frames, scorecard: str, freq: str | None = None) -> list[str]:
    """Review periods (of ``freq``, default the scorecard's review frequency) that hold actuals.

    They run from the period containing the scorecard's first actual to the one containing
    its last; empty when the scorecard has no actuals.
    """
    card = require_scorecard(frames["scorecards"], scorecard)
    freq = freq or str(card["review_frequency"])
    actuals = frames["actuals"]
    found = period_columns(actuals.loc[(actuals["scorecard_id"] == scorecard).to_numpy(dtype=bool), "period"])
    found = found[found["freq"].notna().to_numpy(dtype=bool)]
    if found.empty:
        return []
    indices = convert_indices(found["index"].to_numpy(dtype=np.int64), found["freq"].to_numpy(), freq)
    return [str(period_at(freq, i)) for i in range(int(indices.min()), int(indices.max()) + 1)]


def periods_to_date(frames: Frames, scorecard: str | None = None) -> list[str]:
    """Review periods from the horizon start to the latest actual (at the scorecard's review frequency).

    ``scorecard`` defaults to the first top-level scorecard; the latest actual is the latest
    of ``frames`` (limit them to a scorecard's family first to use only its actuals).
    """
    cards = frames["scorecards"]
    found = period_columns(frames["actuals"]["period"])
    found = found[found["freq"].notna().to_numpy(dtype=bool)]
    if cards.empty or found.empty:
        return []
    top = cards[(cards["scorecard_id"] == scorecard).to_numpy(dtype=bool)] if scorecard else \
        cards[cards["parent_id"].isna().to_numpy(dtype=bool)]
    card = (top if len(top) else cards).iloc[0]
    freq = str(card["review_frequency"])
    latest = int(convert_indices(found["index"].to_numpy(dtype=np.int64), found["freq"].to_numpy(), freq).max())
    first = latest
    if isinstance(card["horizon_start"], str):
        start = parse_period(card["horizon_start"])
        first = min(latest, convert_index(period_index(start), frequency(start), freq))
    return [str(period_at(freq, i)) for i in range(first, latest + 1)]


def data_span(frames: Frames, scorecard: str, freq: str | None = None) -> str:
    """The review periods with data of a scorecard in words, e.g. ``2024Q4 to 2026Q4 (quarterly)``."""
    available = data_periods(frames, scorecard, freq)
    if freq is None:
        freq = str(require_scorecard(frames["scorecards"], scorecard)["review_frequency"])
    if not available:
        return f"no actuals yet ({FREQUENCIES[freq]} reviews)"
    return f"{available[0]} to {available[-1]} ({FREQUENCIES[freq]})"


def default_period(periods: Sequence[str], today: dt.date | None = None) -> str | None:
    """The period a review is about when none is named: the last of ``periods`` that has ended by ``today``.

    When none has ended yet, the last one (None for no periods).
    """
    day = today or dt.date.today()
    ended = [p for p in periods if last_day(parse_period(p)) < day]
    return ended[-1] if ended else (periods[-1] if periods else None)


@dataclass(frozen=True)
class ReviewParameters:
    """Checked parameters of one review: the scorecard, the period and the day deadlines are judged at."""

    scorecard: str
    period: pd.Period
    today: dt.date
    """Date that decides what is overdue: the given date, else the end of the period or the current date."""


def review_parameters(frames: Frames, scorecard: str, period: str, today: str = "") -> ReviewParameters:
    """Check a review's parameters against the data; raise :class:`InputError` saying what to change.

    ``today`` (``YYYY-MM-DD``) defaults to the earlier of the period's last day and the
    current date, so that re-running an old review judges deadlines as they stood then.
    """
    require_scorecard(frames["scorecards"], scorecard)
    try:
        wanted = parse_period(period)
    except ValueError as exc:
        raise InputError(f"period: {exc}; scorecard '{scorecard}' has data from "
                         f"{data_span(frames, scorecard)}") from None
    freq = frequency(wanted)
    available = data_periods(frames, scorecard, freq)
    if not available:
        raise InputError(f"scorecard '{scorecard}' has no actuals yet, so there is nothing to review; "
                         "enter actuals first (or pick another scorecard)")
    if str(wanted) not in available:
        raise InputError(f"period {wanted} is outside the data of scorecard '{scorecard}': its actuals run from "
                         f"{data_span(frames, scorecard, freq)}; pick a period in that range")
    if today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            raise InputError(f"today: {today!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24") from None
    else:
        day = min(last_day(wanted), dt.date.today())
    return ReviewParameters(scorecard, wanted, day)


IN_PROGRESS_BELOW = 0.8
"""Coverage (share of the KPI weight with data) below which a review period is "in progress" even after it ended."""


@dataclass(frozen=True)
class PeriodProgress:
    """Whether a review period can be read as finished: ended, and enough of its data in."""

    ends: dt.date
    ended: bool
    coverage: float | None
    in_progress: bool
    reason: str
    """Why it is in progress, in words ("" when it is not)."""

    @property
    def label(self) -> str:
        """``"in progress (ends 31 Dec 2026, coverage 55%)"``, or ``""`` for a finished period."""
        return f"in progress ({self.reason})" if self.in_progress else ""


def period_progress(period: pd.Period, coverage: float | None, now: dt.date) -> PeriodProgress:
    """Is ``period`` in progress at ``now``: not ended yet, or its coverage below :data:`IN_PROGRESS_BELOW`?

    Its scores and its change against the previous period are then provisional: data is
    still coming in.
    """
    ends = last_day(period)
    ended = ends < now
    low = coverage is None or coverage != coverage or coverage < IN_PROGRESS_BELOW
    shown = "no data" if coverage is None or coverage != coverage else f"{coverage:.0%}"
    reasons = []
    if not ended:
        reasons.append(f"ends {ends.day} {ends:%b %Y}")
    if low or not ended:
        reasons.append(f"coverage {shown}" + (f", below {IN_PROGRESS_BELOW:.0%}" if low and ended else ""))
    in_progress = not ended or low
    return PeriodProgress(ends, ended, None if shown == "no data" else coverage, in_progress,
                          ", ".join(reasons) if in_progress else "")


# ----------------------------------------------------------------------------- action plans
def _of(frame: pd.DataFrame, scorecard: str | None) -> pd.DataFrame:
    if scorecard is None:
        return frame
    return frame[(frame["scorecard_id"] == scorecard).to_numpy(dtype=bool)]


def _open(frame: pd.DataFrame, closed: Sequence[str]) -> np.ndarray:
    return ~frame["status"].isin(list(closed)).to_numpy(dtype=bool)


def overdue(frames: Frames, scorecard: str | None, today: dt.date,
            closed_statuses: Sequence[str] = CLOSED_STATUSES) -> pd.DataFrame:
    """Tasks and initiatives due before ``today`` whose status is not closed, most overdue first.

    One row each: ``what`` (task / initiative), ``id``, ``due``, ``days`` (how many days
    late) and ``status``.  ``scorecard=None`` looks at every scorecard.
    """
    day = pd.Timestamp(today)
    parts = []
    for what, table, key in (("task", "tasks", "task_id"), ("initiative", "initiatives", "initiative_id")):
        frame = _of(frames[table], scorecard)
        due = pd.to_datetime(frame["due"])
        late = (due < day).to_numpy(dtype=bool) & _open(frame, closed_statuses)
        rows = frame[late]
        parts.append(pd.DataFrame({"what": what, "id": rows[key].astype(str).to_numpy(),
                                   "due": rows["due"].to_numpy(), "days": (day - due[late]).dt.days.to_numpy(),
                                   "status": rows["status"].astype(str).to_numpy()}))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["days", "what", "id"], ascending=[False, False, True], kind="stable").reset_index(drop=True)


def overdue_ids(frames: Frames, scorecard: str | None, today: dt.date,
                closed_statuses: Sequence[str] = CLOSED_STATUSES) -> set[str]:
    """Ids of the tasks and initiatives :func:`overdue` lists."""
    return set(overdue(frames, scorecard, today, closed_statuses)["id"])


def attention(frames: Frames, scorecard: str | None, today: dt.date,
              closed_statuses: Sequence[str] = CLOSED_STATUSES) -> pd.DataFrame:
    """Work that needs attention, most urgent first: overdue work, blocked tasks, open work nobody owns.

    ``scorecard=None`` looks at every scorecard.

    One row per item with :data:`ATTENTION_COLUMNS`; ``problem`` says why in plain words
    (``overdue by 12 days``, ``blocked``, ``nobody owns it``).  An item is listed once,
    for its most urgent problem.
    """
    rows: list[dict[str, object]] = []
    listed: set[tuple[str, str]] = set()
    tasks = _of(frames["tasks"], scorecard)
    initiatives = _of(frames["initiatives"], scorecard)
    details = {
        "task": tasks.set_index(tasks["task_id"].astype(str)),
        "initiative": initiatives.set_index(initiatives["initiative_id"].astype(str)),
    }
    text_column = {"task": "description", "initiative": "title"}

    def add(what: str, ident: str, problem: str) -> None:
        if (what, ident) in listed:
            return
        listed.add((what, ident))
        row = details[what].loc[ident]
        rows.append({"what": what, "id": ident, "description": row[text_column[what]],
                     "owner": None if is_blank(row["owner"]) else row["owner"], "due": row["due"],
                     "status": str(row["status"]), "problem": problem})

    for item in overdue(frames, scorecard, today, closed_statuses).itertuples(index=False):
        add(str(item.what), str(item.id), f"overdue by {item.days} day{'s' if item.days != 1 else ''}")
    blocked = tasks[(tasks["status"] == "blocked").to_numpy(dtype=bool)]
    for ident in blocked["task_id"].astype(str):
        add("task", ident, "blocked")
    for what, frame, key in (("task", tasks, "task_id"), ("initiative", initiatives, "initiative_id")):
        unowned = frame[_open(frame, closed_statuses) & frame["owner"].map(is_blank).to_numpy(dtype=bool)]
        for ident in unowned[key].astype(str):
            add(what, ident, "nobody owns it")
    return pd.DataFrame(rows, columns=list(ATTENTION_COLUMNS))


THREAD = ("subject_type", "subject_id", "period", "kind")
"""The columns that make a thread of comments (comments also carry a ``number`` in it)."""


def latest_comments(comments: pd.DataFrame) -> pd.DataFrame:
    """The latest comment of each thread (subject, period and kind): what one-line views show."""
    if comments.empty:
        return comments
    ordered = comments.sort_values([*THREAD, "number"], kind="stable")
    return ordered.drop_duplicates(subset=list(THREAD), keep="last").reset_index(drop=True)


# ----------------------------------------------------------------------------- closed periods
PERIOD_LOCKED_TABLES = ("actuals", "targets", "comments")
"""Tables whose records a closed period locks (by their ``scorecard_id`` and ``period``)."""


def within(period: object, closed: object) -> bool:
    """True when ``period`` is ``closed`` or one of its sub-periods (2026-05 and 2026Q2 are within 2026Q2 and 2026)."""
    try:
        inner, outer = parse_period(period), parse_period(closed)
    except ValueError:
        return False
    return first_day(outer) <= first_day(inner) and last_day(inner) <= last_day(outer)


def closing(rows: pd.DataFrame, closed: pd.DataFrame) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The rows (with ``scorecard_id`` and ``period``) that a closed period locks: (row, its closing record) pairs."""
    if rows.empty or closed.empty:
        return []
    found = []
    pairs = rows[["scorecard_id", "period"]].astype(object).drop_duplicates()
    for close in closed.to_dict("records"):
        mine = pairs[(pairs["scorecard_id"] == close["scorecard_id"]).to_numpy(dtype=bool)]
        for period in mine["period"]:
            if within(period, close["period"]):
                row = rows[((rows["scorecard_id"] == close["scorecard_id"]) & (rows["period"] == period))
                           .to_numpy(dtype=bool)].iloc[0]
                found.append((row.to_dict(), close))
    return found
