"""SMART checks: is each objective, KPI and action plan Specific, Measurable, Achievable, Relevant, Time-bound?

:func:`check_smart` looks at the frames of a store (what :meth:`Store.read_all` returns) and
returns one row per *finding*: a ``level`` (``error``, ``warning`` or ``info``), the SMART
``letter`` it concerns, the record it is about (``scorecard_id``, ``subject_type``,
``subject_id``), a stable ``check`` code, a plain-words ``message`` naming the record, and a
``remedy``.  Findings are advice for the facilitator, not validation: a plan with findings is
still valid data (validation lives in :mod:`bsc_widgets.validation`).  :func:`findings_for`
picks the findings of one record (for forms).

Levels: **error** — the plan cannot be steered or reviewed as it stands (``bsc lint`` exits 1);
**warning** — a weakness worth fixing before the plan is signed off; **info** — a hint.

Thresholds come from :class:`SmartConfig` (defaults in brackets).  Every check:

Objectives

- ``objective-too-short`` (S, warning): the title has fewer than ``min_title_words`` [3] words —
  a label ("Revenue"), not a statement of what should change.
- ``objective-no-description`` (S, warning): the description is empty.
- ``objective-no-kpi`` (M, error): no KPI measures the objective.
- ``objective-no-target`` (M, error): the objective has KPIs, but none has a target inside the
  scorecard's horizon (any target counts when the scorecard has no horizon).
- ``objective-no-owner`` (A, warning): nobody is accountable for the objective.
- ``objective-too-many-kpis`` (A, warning): more than ``max_kpis_per_objective`` [5] KPIs —
  too much to steer by.
- ``objective-no-perspective`` (R, error): the objective names no perspective of its scorecard.
- ``objective-isolated`` (R, warning): the objective is neither cause nor effect of any link of
  the strategy map and supports no parent objective.
- ``objective-not-cascaded`` (R, info): an objective of a department scorecard (one with a
  parent) supports no objective of the parent scorecard.

KPIs and their targets

- ``kpi-no-target`` (M, warning): the KPI has no target inside the horizon.
- ``target-beyond-history`` (A, warning): the KPI has at least ``min_history`` [2] actuals and a
  target needs a change per period of more than ``achievable_factor`` [3.0] times the largest
  period-to-period change seen in those actuals.  The change needed is measured in the improving
  direction (up for higher-is-better, down for lower-is-better, into the band for range KPIs)
  from the latest actual before the target's period (or from the baseline when the target comes
  before every actual), divided by the number of periods in between.  Exactly the factor is fine.
- ``target-jump-from-baseline`` (A, warning): the KPI has fewer than ``min_history`` actuals and
  a target is more than ``baseline_jump`` [0.5 = 50 %] of the baseline above it (higher is
  better), below it (lower is better) or away from it (range KPIs: distance to the band).  When
  the baseline is empty, a single actual stands in for it.  Exactly the threshold is fine.
- ``kpi-no-baseline`` (A, info): the KPI has targets, no baseline and too few actuals, so
  whether its targets are achievable cannot be judged.
- ``kpi-targets-end-early`` (T, warning): the KPI's last target ends before the horizon ends.
- ``kpi-target-outside-horizon`` (T, info): some targets lie wholly outside the horizon.

Initiatives and tasks (cancelled ones are not checked)

- ``initiative-no-tasks`` (S, info): the initiative is not broken into tasks.
- ``initiative-no-objective`` (R, warning): the initiative moves no objective.
- ``initiative-overdue`` (T, warning): due before ``today`` and not done or cancelled.
- ``task-no-success-measure`` (M, warning): the task does not say how success is measured.
- ``task-no-owner`` (A, error): nobody is responsible for the task.
- ``task-no-due`` (T, error): the task has no due date.
- ``task-due-outside-horizon`` (T, warning): the due date lies outside the horizon.
- ``task-overdue`` (T, warning): due before ``today`` and status not one of ``closed_statuses``
  [done, cancelled].

The scorecard as a whole

- ``scorecard-no-horizon`` (T, error): the horizon start or end is empty.
- ``scorecard-no-perspectives`` (R, error): the scorecard has no perspectives.
- ``perspective-empty`` (R, error): a perspective has no objective.
- ``perspective-overloaded`` (R, warning): a perspective holds more than
  ``max_perspective_share`` [0.4 = 40 %] of the scorecard's objectives (exactly 40 % is fine).
- ``scorecard-too-many-objectives`` (A, warning): more than ``max_objectives`` [25]
  objectives — too much to steer by.

The checks that look at many rows (targets above all) are vectorized over the frames;
only the wording of each finding is built row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .periods import PER_YEAR, Period, parse_period, period_containing, period_index
from .schema import PLAN_TABLES
from .validation import empty_frame

__all__ = [
    "CHECKS",
    "FINDING_COLUMNS",
    "LETTERS",
    "LEVELS",
    "SUBJECT_TYPES",
    "CheckSpec",
    "SmartConfig",
    "check_smart",
    "findings_for",
    "subject_label",
]

FINDING_COLUMNS: tuple[str, ...] = (
    "level", "letter", "scorecard_id", "subject_type", "subject_id", "check", "message", "remedy",
)
"""Columns of the frame :func:`check_smart` returns, in order."""

LEVELS: tuple[str, ...] = ("error", "warning", "info")
"""Finding levels, most serious first."""

LETTERS: tuple[str, ...] = ("S", "M", "A", "R", "T")
"""SMART letters: Specific, Measurable, Achievable, Relevant, Time-bound."""

SUBJECT_TYPES: tuple[str, ...] = ("scorecard", "perspective", "objective", "kpi", "initiative", "task")
"""Kinds of record a finding can be about, in the order findings are listed."""

_TOLERANCE = 1e-9
_DROPPED = ("cancelled",)  # cancelled initiatives and tasks are not checked at all
_UNIT = {"M": "month", "Q": "quarter", "A": "year"}


@dataclass(frozen=True)
class SmartConfig:
    """Thresholds of the SMART checks (see the module docstring for what each one drives)."""

    achievable_factor: float = 3.0
    """A target may need at most this many times the largest historical change per period."""
    baseline_jump: float = 0.5
    """Without history, a target may lie at most this share of the baseline beyond it."""
    min_history: int = 2
    """Actuals a KPI needs before its history (not its baseline) judges its targets."""
    max_perspective_share: float = 0.4
    """Largest share of a scorecard's objectives one perspective may hold."""
    max_objectives: int = 25
    """Most objectives a scorecard may have."""
    max_kpis_per_objective: int = 5
    """Most KPIs one objective may have."""
    min_title_words: int = 3
    """Fewest words an objective's title must have."""
    closed_statuses: tuple[str, ...] = ("done", "cancelled")
    """Task and initiative statuses that can no longer be overdue."""

    def __post_init__(self) -> None:
        if self.achievable_factor <= 0 or self.baseline_jump <= 0:
            raise ValueError("achievable_factor and baseline_jump must be greater than 0")
        if not 0 < self.max_perspective_share <= 1:
            raise ValueError("max_perspective_share must be a share between 0 (excluded) and 1")
        if self.min_history < 2:
            raise ValueError("min_history must be at least 2 (a change needs two actuals)")
        if min(self.max_objectives, self.max_kpis_per_objective, self.min_title_words) < 1:
            raise ValueError("max_objectives, max_kpis_per_objective and min_title_words must be at least 1")


@dataclass(frozen=True)
class CheckSpec:
    """One check: its code, SMART letter, level, the kind of record it is about, and what it looks for."""

    code: str
    letter: str
    level: str
    subject_type: str
    summary: str


CHECKS: dict[str, CheckSpec] = {
    c.code: c
    for c in (
        CheckSpec("objective-too-short", "S", "warning", "objective", "title is a label, not a statement"),
        CheckSpec("objective-no-description", "S", "warning", "objective", "description is empty"),
        CheckSpec("objective-no-kpi", "M", "error", "objective", "no KPI measures the objective"),
        CheckSpec("objective-no-target", "M", "error", "objective", "no KPI has a target inside the horizon"),
        CheckSpec("objective-no-owner", "A", "warning", "objective", "nobody is accountable"),
        CheckSpec("objective-too-many-kpis", "A", "warning", "objective", "too many KPIs to steer by"),
        CheckSpec("objective-no-perspective", "R", "error", "objective", "not in a perspective of its scorecard"),
        CheckSpec("objective-isolated", "R", "warning", "objective", "not linked into the strategy map"),
        CheckSpec("objective-not-cascaded", "R", "info", "objective", "supports no objective of the parent"),
        CheckSpec("kpi-no-target", "M", "warning", "kpi", "no target inside the horizon"),
        CheckSpec("target-beyond-history", "A", "warning", "kpi", "target needs a change far beyond history"),
        CheckSpec("target-jump-from-baseline", "A", "warning", "kpi", "target far from the baseline"),
        CheckSpec("kpi-no-baseline", "A", "info", "kpi", "achievability cannot be judged"),
        CheckSpec("kpi-targets-end-early", "T", "warning", "kpi", "targets stop before the horizon ends"),
        CheckSpec("kpi-target-outside-horizon", "T", "info", "kpi", "targets outside the horizon"),
        CheckSpec("initiative-no-tasks", "S", "info", "initiative", "not broken into tasks"),
        CheckSpec("initiative-no-objective", "R", "warning", "initiative", "moves no objective"),
        CheckSpec("initiative-overdue", "T", "warning", "initiative", "past its due date and still open"),
        CheckSpec("task-no-success-measure", "M", "warning", "task", "no success measure"),
        CheckSpec("task-no-owner", "A", "error", "task", "nobody is responsible"),
        CheckSpec("task-no-due", "T", "error", "task", "no due date"),
        CheckSpec("task-due-outside-horizon", "T", "warning", "task", "due date outside the horizon"),
        CheckSpec("task-overdue", "T", "warning", "task", "past its due date and still open"),
        CheckSpec("scorecard-no-horizon", "T", "error", "scorecard", "horizon start or end is empty"),
        CheckSpec("scorecard-no-perspectives", "R", "error", "scorecard", "no perspectives"),
        CheckSpec("perspective-empty", "R", "error", "perspective", "perspective has no objective"),
        CheckSpec("perspective-overloaded", "R", "warning", "perspective", "too large a share of the objectives"),
        CheckSpec("scorecard-too-many-objectives", "A", "warning", "scorecard", "too many objectives to steer by"),
    )
}
"""Every check, by code."""

_LABEL_SOURCE: dict[str, tuple[str, str, str]] = {
    "scorecard": ("scorecards", "scorecard_id", "name"),
    "perspective": ("perspectives", "perspective_id", "name"),
    "objective": ("objectives", "objective_id", "title"),
    "kpi": ("kpis", "kpi_id", "name"),
    "initiative": ("initiatives", "initiative_id", "title"),
    "task": ("tasks", "task_id", "description"),
}
_TYPE_WORD = {"scorecard": "scorecard", "perspective": "perspective", "objective": "objective", "kpi": "KPI",
              "initiative": "initiative", "task": "task"}


# ----------------------------------------------------------------------------- public API
def check_smart(frames: Mapping[str, pd.DataFrame], scorecard_id: str | None = None, *,
                today: dt.date | None = None, config: SmartConfig = SmartConfig()) -> pd.DataFrame:
    """Every SMART finding for one scorecard (or, with ``scorecard_id=None``, for every scorecard).

    ``frames`` maps table names to frames, as :meth:`Store.read_all` returns them (missing tables
    count as empty).  ``today`` (default: the current date) decides what is overdue.  Returns a
    frame with :data:`FINDING_COLUMNS`, sorted by scorecard, subject (type, then id) and SMART
    letter.  Raises :class:`~bsc_widgets.errors.InputError` naming the known scorecards when
    ``scorecard_id`` is unknown.
    """
    plan = _plan_frames(frames, scorecard_id)
    ctx = _Context(plan, config, today or dt.date.today())
    _check_scorecards(ctx)
    _check_objectives(ctx)
    _check_kpis(ctx)
    _check_achievable(ctx)
    _check_initiatives(ctx)
    _check_tasks(ctx)
    return _finish(ctx.rows)


def findings_for(findings: pd.DataFrame, subject_type: str, subject_id: str,
                 scorecard_id: str | None = None) -> pd.DataFrame:
    """The findings about one record (e.g. to show next to a form), in the order given.

    Perspective ids repeat across scorecards: pass ``scorecard_id`` to pick one scorecard's.
    """
    if subject_type not in SUBJECT_TYPES:
        raise ValueError(f"unknown subject type {subject_type!r}; use one of: {', '.join(SUBJECT_TYPES)}")
    mask = (findings["subject_type"] == subject_type) & (findings["subject_id"] == subject_id)
    if scorecard_id is not None:
        mask &= findings["scorecard_id"] == scorecard_id
    return findings[_bools(mask)].reset_index(drop=True)


def subject_label(frames: Mapping[str, pd.DataFrame], subject_type: str, subject_id: str,
                  scorecard_id: str | None = None) -> str:
    """How findings name a record, e.g. ``objective F1 "Grow profitable revenue"``."""
    if subject_type not in _LABEL_SOURCE:
        raise ValueError(f"unknown subject type {subject_type!r}; use one of: {', '.join(SUBJECT_TYPES)}")
    name, key, title_column = _LABEL_SOURCE[subject_type]
    frame = frames[name] if name in frames else empty_frame(name)
    mask = frame[key] == subject_id
    if scorecard_id is not None:
        mask &= frame["scorecard_id"] == scorecard_id
    rows = frame[_bools(mask)]
    title = rows.iloc[0][title_column] if len(rows) else None
    return _label(subject_type, subject_id, title)


# ----------------------------------------------------------------------------- plumbing
class _Context:
    """The frames of the scorecards checked, their horizons, and the findings collected so far."""

    def __init__(self, frames: dict[str, pd.DataFrame], config: SmartConfig, today: dt.date) -> None:
        self.f = frames
        self.config = config
        self.today = pd.Timestamp(today)
        self.rows: list[dict[str, str]] = []
        self.labels: dict[tuple[str, str, str], str] = {}
        for subject_type, (name, key, title_column) in _LABEL_SOURCE.items():
            frame = frames[name]
            for sid, rid, title in zip(frame["scorecard_id"], frame[key], frame[title_column], strict=True):
                self.labels[(subject_type, str(sid), str(rid))] = _label(subject_type, str(rid), title)
        sc = frames["scorecards"]
        self.horizon = pd.DataFrame({
            "h_first": sc["horizon_start"].to_numpy(dtype=object),
            "h_last": sc["horizon_end"].to_numpy(dtype=object),
            "h_start": pd.to_datetime(sc["horizon_start"].map(_start_of)).to_numpy(),
            "h_end": pd.to_datetime(sc["horizon_end"].map(_end_of)).to_numpy(),
        }, index=pd.Index(sc["scorecard_id"].to_numpy(dtype=object), name="scorecard_id"))
        self.horizon = self.horizon[~self.horizon.index.duplicated()]

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Targets that set a goal, with KPI, period and horizon columns (see :func:`_targets`)."""
        return _targets(self)

    def label(self, subject_type: str, scorecard_id: Any, subject_id: Any) -> str:
        return self.labels.get((subject_type, str(scorecard_id), str(subject_id)),
                               f"{_TYPE_WORD[subject_type]} {subject_id}")

    def horizon_text(self, scorecard_id: Any) -> str:
        if scorecard_id not in self.horizon.index:
            return "(no horizon)"
        row = self.horizon.loc[scorecard_id]
        first = row["h_first"] if isinstance(row["h_first"], str) else "?"
        last = row["h_last"] if isinstance(row["h_last"], str) else "?"
        return f"{first} to {last}"

    def with_horizon(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with its scorecard's horizon columns (h_first, h_last, h_start, h_end)."""
        return frame.join(self.horizon, on="scorecard_id")

    def add(self, code: str, scorecard_id: Any, subject_id: Any, message: str, remedy: str) -> None:
        spec = CHECKS[code]
        self.rows.append({
            "level": spec.level, "letter": spec.letter, "scorecard_id": str(scorecard_id),
            "subject_type": spec.subject_type, "subject_id": str(subject_id), "check": code,
            "message": message, "remedy": remedy,
        })


def _plan_frames(frames: Mapping[str, pd.DataFrame], scorecard_id: str | None) -> dict[str, pd.DataFrame]:
    full = {name: frames[name] if name in frames else empty_frame(name) for name in PLAN_TABLES}
    if scorecard_id is None:
        return {name: frame.reset_index(drop=True) for name, frame in full.items()}
    known = full["scorecards"]["scorecard_id"]
    if not _bools(known == scorecard_id).any():
        names = ", ".join(sorted(str(s) for s in known.dropna())) or "none"
        raise InputError(f"unknown scorecard '{scorecard_id}'; scorecards in this store: {names}")
    return {name: frame[_bools(frame["scorecard_id"] == scorecard_id)].reset_index(drop=True)
            for name, frame in full.items()}


def _finish(rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    if frame.empty:
        return frame.astype({c: "str" for c in FINDING_COLUMNS})
    ranks = {
        "_type": frame["subject_type"].map({t: i for i, t in enumerate(SUBJECT_TYPES)}),
        "_letter": frame["letter"].map({t: i for i, t in enumerate(LETTERS)}),
        "_level": frame["level"].map({t: i for i, t in enumerate(LEVELS)}),
    }
    frame = frame.assign(**ranks).sort_values(
        ["scorecard_id", "_type", "subject_id", "_letter", "_level", "check", "message"], kind="stable")
    return frame.drop(columns=list(ranks)).reset_index(drop=True).astype({c: "str" for c in FINDING_COLUMNS})


def _bools(mask: pd.Series | np.ndarray) -> np.ndarray:
    """A plain boolean array (missing counts as False)."""
    if isinstance(mask, pd.Series):
        return mask.to_numpy(dtype=bool, na_value=False)
    return np.asarray(mask, dtype=bool)


def _present(series: pd.Series) -> pd.Series:
    """True where a text value is there and not blank."""
    lengths = series.astype("string").str.strip().str.len()
    return pd.Series(_bools(lengths > 0), index=series.index)


def _label(subject_type: str, subject_id: str, title: Any) -> str:
    word = _TYPE_WORD[subject_type]
    if not isinstance(title, str) or not title.strip():
        return f"{word} {subject_id}"
    text = " ".join(title.split())
    if len(text) > 70:
        text = text[:69].rstrip() + "…"
    return f'{word} {subject_id} "{text}"'


def _period(text: Any) -> Period | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_period(text)
    except ValueError:
        return None


def _start_of(text: Any) -> pd.Timestamp | None:
    period = _period(text)
    return None if period is None else pd.Timestamp(period.start)


def _end_of(text: Any) -> pd.Timestamp | None:
    period = _period(text)
    return None if period is None else pd.Timestamp(period.end)


def _period_columns(frame: pd.DataFrame, column: str = "period") -> pd.DataFrame:
    """``frame`` with the frequency, ordinal, start and end of its period column.

    Each distinct period is parsed once; the rows are then filled by vectorized lookups.
    """
    parsed = {p: _period(p) for p in pd.unique(frame[column].dropna())}
    valid = {p: v for p, v in parsed.items() if v is not None}
    periods = frame[column].astype(object)
    return frame.assign(
        freq=periods.map({p: v.freq for p, v in valid.items()}),
        ord=pd.to_numeric(periods.map({p: period_index(v) for p, v in valid.items()}), errors="coerce"),
        p_start=pd.to_datetime(periods.map({p: pd.Timestamp(v.start) for p, v in valid.items()})),
        p_end=pd.to_datetime(periods.map({p: pd.Timestamp(v.end) for p, v in valid.items()})),
    )


def _num(value: Any) -> str:
    """A number in plain words: 9,080 / 12.5 / 0.333."""
    if value is None or pd.isna(value):
        return "?"
    number = float(value)
    if number in (float("inf"), float("-inf")):
        return "unlimited"
    if abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:.3g}" if abs(number) < 1 else f"{round(number, 2):g}"


def _plural(count: int, word: str) -> str:
    """``1 word``, ``3 words``, ``no words``."""
    return f"{count or 'no'} {word}" + ("" if count == 1 else "s")


def _over(values: pd.Series, limit: pd.Series | float) -> pd.Series:
    """``values > limit`` with a little slack, so that exactly the limit is not flagged."""
    slack = _TOLERANCE * np.maximum(1.0, np.abs(limit))
    return pd.Series(_bools(values > limit + slack), index=values.index)


# ----------------------------------------------------------------------------- the scorecard
def _check_scorecards(ctx: _Context) -> None:
    cfg, f = ctx.config, ctx.f
    objectives, perspectives = f["objectives"], f["perspectives"]
    for card in f["scorecards"].itertuples(index=False):
        sid = card.scorecard_id
        label = ctx.label("scorecard", sid, sid)
        missing = [name for name, value in (("start", card.horizon_start), ("end", card.horizon_end))
                   if _period(value) is None]
        if missing:
            ctx.add("scorecard-no-horizon", sid, sid,
                    f"{_cap(label)} has no horizon {' or '.join(missing)}, so nobody can say by when the "
                    "objectives are to be reached.",
                    "Enter the first and last period of the plan (e.g. horizon start 2026-01, end 2028-12); "
                    "then give every KPI targets up to the end.")
        own = objectives[_bools(objectives["scorecard_id"] == sid)]
        persp = perspectives[_bools(perspectives["scorecard_id"] == sid)].sort_values("position")
        total = len(own)
        if total > cfg.max_objectives:
            ctx.add("scorecard-too-many-objectives", sid, sid,
                    f"{_cap(label)} has {total} objectives; more than {cfg.max_objectives} is too much to steer by — "
                    "attention and money get spread too thin.",
                    "Merge overlapping objectives and move operational ones into department scorecards or "
                    "action plans, until the map fits on one page.")
        if persp.empty:
            ctx.add("scorecard-no-perspectives", sid, sid,
                    f"{_cap(label)} has no perspectives, so its objectives cannot be balanced or placed on a map.",
                    "Add perspectives (e.g. Financial, Customer, Internal Processes, Learning & Growth), "
                    "then place each objective in one of them.")
            continue
        counts = own["perspective_id"].value_counts()
        for p in persp.itertuples(index=False):
            plabel = ctx.label("perspective", sid, p.perspective_id)
            count = int(counts.get(p.perspective_id, 0))
            if count == 0:
                ctx.add("perspective-empty", sid, p.perspective_id,
                        f"{_cap(plabel)} of {label} has no objective, so the scorecard is out of balance: "
                        "nothing says what this perspective must deliver.",
                        f"Agree at least one objective for {plabel}, or remove the perspective if the "
                        "organisation really does not need it.")
            elif count / total > cfg.max_perspective_share + _TOLERANCE:
                ctx.add("perspective-overloaded", sid, p.perspective_id,
                        f"{_cap(plabel)} holds {count} of the {total} objectives of {label} "
                        f"({count / total:.0%}); more than {cfg.max_perspective_share:.0%} in one perspective "
                        "means the strategy leans on one side.",
                        "Merge similar objectives in this perspective, or ask what the other perspectives must "
                        "deliver to make these happen.")


# ----------------------------------------------------------------------------- objectives
def _check_objectives(ctx: _Context) -> None:
    cfg, f = ctx.config, ctx.f
    obj, kpis, links = f["objectives"], f["kpis"], f["links"]
    if obj.empty:
        return
    words = obj["title"].astype("string").str.count(r"\S*\w\S*").fillna(0).astype(int)
    described = _present(obj["description"])
    owned = _present(obj["owner"])
    kpi_count = obj["objective_id"].map(kpis["objective_id"].value_counts()).fillna(0).astype(int)
    pairs = set(zip(f["perspectives"]["scorecard_id"], f["perspectives"]["perspective_id"], strict=True))
    in_perspective = [(s, p) in pairs for s, p in zip(obj["scorecard_id"], obj["perspective_id"], strict=True)]
    linked = set(links["cause"].dropna()) | set(links["effect"].dropna())
    in_map = obj["objective_id"].isin(linked).to_numpy(dtype=bool)
    supports = _present(obj["supports"])
    parent_of = dict(zip(f["scorecards"]["scorecard_id"], f["scorecards"]["parent_id"], strict=True))
    targeted = _kpis_with_targets_in_horizon(ctx)
    kpi_names = kpis.groupby("objective_id")["kpi_id"].agg(lambda s: ", ".join(sorted(map(str, s))))
    objective_targeted = set(kpis.loc[kpis["kpi_id"].isin(targeted).to_numpy(dtype=bool), "objective_id"])

    for i, o in enumerate(obj.itertuples(index=False)):
        sid, oid = o.scorecard_id, o.objective_id
        label = ctx.label("objective", sid, oid)
        if words.iloc[i] < cfg.min_title_words:
            ctx.add("objective-too-short", sid, oid,
                    f"The title of {label} has only {_plural(int(words.iloc[i]), 'word')}: that is a label, "
                    "not a statement of what should change.",
                    f"Rewrite the title as a short statement of at least {cfg.min_title_words} words with a verb "
                    "and what should improve, e.g. \"Grow profitable revenue in our core markets\".")
        if not described.iloc[i]:
            ctx.add("objective-no-description", sid, oid,
                    f"{_cap(label)} has no description, so people will read different things into it.",
                    "Add a sentence or two saying what will be different when the objective is reached, "
                    "for whom, and by when.")
        count = int(kpi_count.iloc[i])
        if count == 0:
            ctx.add("objective-no-kpi", sid, oid,
                    f"{_cap(label)} has no KPI, so nobody can tell whether it is being reached.",
                    "Add at least one KPI that shows progress on this objective, with a baseline and a target "
                    "for each period of the horizon.")
        elif oid not in objective_targeted:
            ctx.add("objective-no-target", sid, oid,
                    f"{_cap(label)} has {_plural(count, 'KPI')} ({kpi_names.get(oid, '')}), but "
                    f"{'none of them has a' if count > 1 else 'it has no'} target inside the horizon "
                    f"({ctx.horizon_text(sid)}), so the objective cannot be scored.",
                    f"Enter targets for at least one of its KPIs for the periods {ctx.horizon_text(sid)}.")
        if count > cfg.max_kpis_per_objective:
            ctx.add("objective-too-many-kpis", sid, oid,
                    f"{_cap(label)} has {count} KPIs; more than {cfg.max_kpis_per_objective} is too much to steer "
                    "by and blurs what matters.",
                    "Keep the two or three KPIs that show best whether the objective is reached; move the "
                    "others to a department scorecard or an operational report.")
        if not owned.iloc[i]:
            ctx.add("objective-no-owner", sid, oid,
                    f"{_cap(label)} has no owner, so nobody is accountable for reaching it.",
                    "Name one person (not a team) who answers for the objective in reviews.")
        if not in_perspective[i]:
            ctx.add("objective-no-perspective", sid, oid,
                    f"{_cap(label)} is not in any perspective of its scorecard, so it has no place on the "
                    "strategy map.",
                    "Choose the perspective the objective belongs to (Financial, Customer, Internal Processes, "
                    "Learning & Growth, or your own names).")
        if not in_map[i] and not supports.iloc[i]:
            ctx.add("objective-isolated", sid, oid,
                    f"{_cap(label)} is not linked to any other objective on the strategy map and supports no "
                    "parent objective, so it is unclear why it matters to the strategy.",
                    "Draw at least one cause-and-effect link: which objective does it drive, or which drives it? "
                    "If you find none, consider dropping it.")
        parent = parent_of.get(sid)
        if isinstance(parent, str) and parent and not supports.iloc[i]:
            ctx.add("objective-not-cascaded", sid, oid,
                    f"{_cap(label)} belongs to a department scorecard but supports no objective of the parent "
                    f"scorecard '{parent}'.",
                    f"Pick the objective of scorecard '{parent}' that this one helps to reach (field 'supports').")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _targets(ctx: _Context) -> pd.DataFrame:
    """Targets that set a goal, with their KPI, period columns and the scorecard's horizon."""
    kpis = ctx.f["kpis"][["kpi_id", "scorecard_id", "objective_id", "polarity", "frequency", "baseline",
                          "baseline_period", "name"]].drop_duplicates("kpi_id")
    tg = ctx.f["targets"][["kpi_id", "period", "target", "lower", "upper"]]
    tg = tg.merge(kpis, on="kpi_id", how="inner")
    ranged = _bools(tg["polarity"] == "range")
    has_goal = np.where(ranged, _bools(tg["lower"].notna() & tg["upper"].notna()), _bools(tg["target"].notna()))
    tg = _period_columns(tg[has_goal].reset_index(drop=True))
    tg = ctx.with_horizon(tg)
    after_start = _bools(tg["p_end"] >= tg["h_start"]) | _bools(tg["h_start"].isna())
    before_end = _bools(tg["p_start"] <= tg["h_end"]) | _bools(tg["h_end"].isna())
    return tg.assign(in_horizon=after_start & before_end & _bools(tg["p_start"].notna()))


def _kpis_with_targets_in_horizon(ctx: _Context) -> set[str]:
    tg = ctx.targets
    return set(tg.loc[tg["in_horizon"].to_numpy(dtype=bool), "kpi_id"])


# ----------------------------------------------------------------------------- KPIs: M and T
def _check_kpis(ctx: _Context) -> None:
    kpis = ctx.f["kpis"]
    if kpis.empty:
        return
    tg = ctx.targets
    inside = tg[tg["in_horizon"].to_numpy(dtype=bool)]
    outside = tg[~tg["in_horizon"].to_numpy(dtype=bool) & tg["p_start"].notna().to_numpy(dtype=bool)]
    last = inside.sort_values("p_end").drop_duplicates("kpi_id", keep="last").set_index("kpi_id")
    for k in kpis.itertuples(index=False):
        sid, kid = k.scorecard_id, k.kpi_id
        label = ctx.label("kpi", sid, kid)
        of = f" of {ctx.label('objective', sid, k.objective_id)}"
        unit = _UNIT.get(k.frequency, "period")
        if kid not in last.index:
            ctx.add("kpi-no-target", sid, kid,
                    f"{_cap(label)}{of} has no target inside the horizon ({ctx.horizon_text(sid)}), so it "
                    "cannot be scored.",
                    f"Enter a target and a red flag for every {unit} of the horizon ({ctx.horizon_text(sid)}).")
        else:
            row = last.loc[kid]
            if pd.notna(row["h_end"]) and row["p_end"] < row["h_end"]:
                ctx.add("kpi-targets-end-early", sid, kid,
                        f"{_cap(label)}{of} has targets only up to {row['period']}, but the horizon runs to "
                        f"{row['h_last']}; after that the plan says nothing about where the KPI should be.",
                        f"Add targets for every {unit} after {row['period']} up to {row['h_last']}.")
        own_outside = outside[_bools(outside["kpi_id"] == kid)]
        if len(own_outside):
            examples = ", ".join(sorted(own_outside["period"].astype(str))[:3])
            ctx.add("kpi-target-outside-horizon", sid, kid,
                    f"{_cap(label)} has {_plural(len(own_outside), 'target')} outside the horizon "
                    f"({ctx.horizon_text(sid)}), e.g. {examples}.",
                    "Delete targets outside the plan period, or extend the scorecard's horizon if the plan really "
                    "runs longer.")


# ----------------------------------------------------------------------------- KPIs: Achievable
def _need(polarity: pd.Series, target: pd.Series, lower: pd.Series, upper: pd.Series,
          reference: pd.Series) -> pd.Series:
    """Change needed from ``reference`` in the improving direction (negative: already there)."""
    into_band = np.maximum(np.maximum(lower - reference, reference - upper), 0.0)
    values = np.select(
        [_bools(polarity == "higher"), _bools(polarity == "lower"), _bools(polarity == "range")],
        [(target - reference).to_numpy(dtype=float), (reference - target).to_numpy(dtype=float),
         into_band.to_numpy(dtype=float)],
        default=np.nan,
    )
    return pd.Series(values, index=reference.index, dtype=float)


def _baselineperiod_index(baseline_period: Any, frequency: Any) -> float:
    period = _period(baseline_period)
    if period is None or frequency not in PER_YEAR:
        return np.nan
    return float(period_index(period_containing(period.end, str(frequency))))


def _check_achievable(ctx: _Context) -> None:
    cfg, f = ctx.config, ctx.f
    tg = ctx.targets
    if tg.empty:
        return
    tg = tg[_bools(tg["freq"] == tg["frequency"])]
    kinfo = f["kpis"].drop_duplicates("kpi_id")
    frequency = dict(zip(kinfo["kpi_id"], kinfo["frequency"], strict=True))

    # History: the largest change per period between consecutive actuals of each KPI.
    act = _period_columns(f["actuals"][["kpi_id", "period", "value"]])
    act = act[_bools(act["freq"] == act["kpi_id"].map(frequency)) & _bools(act["value"].notna())]
    act = act.assign(ord=act["ord"].astype("int64")).sort_values(["kpi_id", "ord"], kind="stable")
    steps = act.groupby("kpi_id", sort=False)
    act = act.assign(step=steps["value"].diff().abs() / steps["ord"].diff())
    history = act.groupby("kpi_id").agg(n_actuals=("value", "size"), max_step=("step", "max"),
                                        last_actual=("value", "last"))

    # Reference of each target: the latest actual before its period, else the baseline.
    base_ord = {k: _baselineperiod_index(bp, fr) for k, bp, fr in
                zip(kinfo["kpi_id"], kinfo["baseline_period"], kinfo["frequency"], strict=True)}
    tg = tg.assign(ord=tg["ord"].astype("int64"))
    first = tg.groupby("kpi_id")["ord"].min() - 1
    base_ord_col = tg["kpi_id"].map(base_ord).astype(float).fillna(tg["kpi_id"].map(first).astype(float))
    tg = tg.assign(base_ord=base_ord_col).sort_values("ord", kind="stable")
    ref = act[["kpi_id", "ord", "value", "period"]].rename(
        columns={"ord": "ref_ord", "value": "ref_value", "period": "ref_period"}).sort_values("ref_ord")
    tg = pd.merge_asof(tg, ref, left_on="ord", right_on="ref_ord", by="kpi_id", allow_exact_matches=False,
                       direction="backward")
    tg = tg.join(history, on="kpi_id")
    tg["n_actuals"] = tg["n_actuals"].fillna(0).astype(int)
    from_actual = _bools(tg["ref_value"].notna())
    use_base = ~from_actual & _bools(tg["baseline"].notna()) & _bools(tg["base_ord"] < tg["ord"])
    tg["ref_value"] = tg["ref_value"].astype(float).where(~use_base, tg["baseline"])
    tg["ref_ord"] = tg["ref_ord"].astype(float).where(~use_base, tg["base_ord"])
    tg["ref_kind"] = np.where(from_actual, "actual", np.where(use_base, "baseline", ""))

    # With history: change needed per period against the largest change seen.
    enough = _bools(tg["n_actuals"] >= cfg.min_history)
    need = _need(tg["polarity"], tg["target"], tg["lower"], tg["upper"], tg["ref_value"])
    per_period = need / (tg["ord"] - tg["ref_ord"])
    limit = cfg.achievable_factor * tg["max_step"]
    flag_history = enough & _bools(_over(per_period, limit))

    # Without history: distance from the baseline (or the one actual) against a share of it.
    base = tg["baseline"].astype(float).fillna(tg["last_actual"].astype(float))
    need_base = _need(tg["polarity"], tg["target"], tg["lower"], tg["upper"], base)
    allowed = cfg.baseline_jump * base.abs()
    flag_base = ~enough & _bools(_over(need_base, allowed))

    tg = tg.assign(per_period=per_period, limit=limit, need_base=need_base, base=base,
                   ratio=np.where(flag_history, per_period / limit, need_base / allowed))
    flagged = tg[flag_history | flag_base]
    counts = flagged["kpi_id"].value_counts()
    worst = flagged.sort_values(["ratio", "ord"], ascending=[False, True]).drop_duplicates("kpi_id")
    for row in worst.itertuples(index=False):
        _report_achievable(ctx, row, int(counts[row.kpi_id]))

    no_base = tg[~enough & _bools(base.isna())].drop_duplicates("kpi_id")
    for row in no_base.itertuples(index=False):
        ctx.add("kpi-no-baseline", row.scorecard_id, row.kpi_id,
                f"{_cap(ctx.label('kpi', row.scorecard_id, row.kpi_id))} has targets but no baseline and "
                f"{_plural(int(row.n_actuals), 'actual')}, so nobody can judge whether its targets are realistic.",
                "Enter the baseline (the value before the plan started, and its period), or record the actuals "
                "of the last periods.")


def _report_achievable(ctx: _Context, row: Any, count: int) -> None:
    cfg = ctx.config
    sid, kid = row.scorecard_id, row.kpi_id
    label = f"{_cap(ctx.label('kpi', sid, kid))} of {ctx.label('objective', sid, row.objective_id)}"
    goal = (f"band {_num(row.lower)} to {_num(row.upper)}" if row.polarity == "range"
            else f"target of {_num(row.target)}")
    more = f" {_plural(count - 1, 'more target')} {'is' if count == 2 else 'are'} like this." if count > 1 else ""
    unit = _UNIT.get(row.frequency, "period")
    if row.n_actuals >= cfg.min_history:
        if row.ref_kind == "actual":
            start = f"the actual of {_num(row.ref_value)} in {row.ref_period}"
        else:
            start = f"the baseline of {_num(row.ref_value)}"
        ctx.add("target-beyond-history", sid, kid,
                f"{label}: the {goal} for {row.period} needs an improvement of {_num(row.per_period)} per {unit} "
                f"from {start}, but the largest change per {unit} in its actuals so far is "
                f"{_num(row.limit / cfg.achievable_factor)} — more than {cfg.achievable_factor:g} times that is "
                f"unlikely without a step change.{more}",
                "Check the target with the KPI owner: make it less steep, reach it over more periods, or name the "
                "initiative that makes the step change possible (and note it in the KPI's definition).")
        return
    where = {"higher": "above", "lower": "below"}.get(row.polarity, "away from")
    what = "band" if row.polarity == "range" else "target"
    base_text = "baseline" if pd.notna(row.baseline) else "only actual"
    if row.base == 0:
        size = f"is {_num(row.need_base)} {where} a {base_text} of 0"
    else:
        size = f"lies {row.need_base / abs(row.base):.0%} {where} the {base_text} of {_num(row.base)}"
    ctx.add("target-jump-from-baseline", sid, kid,
            f"{label} has no history yet ({_plural(int(row.n_actuals), 'actual')}), and the {goal} for "
            f"{row.period} {size}; a {what} more than {cfg.baseline_jump:.0%} {where} the starting point is rarely "
            f"reached.{more}",
            "Check the target against what similar organisations or past years achieved; lower it or spread it over "
            "more periods, and record actuals so the trend can be judged.")


# ----------------------------------------------------------------------------- initiatives and tasks
def _check_initiatives(ctx: _Context) -> None:
    cfg, f = ctx.config, ctx.f
    ini, tasks = f["initiatives"], f["tasks"]
    ini = ini[~ini["status"].isin(_DROPPED).to_numpy(dtype=bool)].reset_index(drop=True)
    if ini.empty:
        return
    linked = _present(ini["objective_id"])
    with_tasks = ini["initiative_id"].isin(set(tasks["initiative_id"].dropna())).to_numpy(dtype=bool)
    due = pd.to_datetime(ini["due"])
    open_ = ~ini["status"].isin(cfg.closed_statuses).to_numpy(dtype=bool)
    overdue = _bools(due < ctx.today) & open_
    for i, row in enumerate(ini.itertuples(index=False)):
        sid, iid = row.scorecard_id, row.initiative_id
        label = ctx.label("initiative", sid, iid)
        if not with_tasks[i]:
            ctx.add("initiative-no-tasks", sid, iid,
                    f"{_cap(label)} has no tasks yet, so it is not clear who does what by when.",
                    "Break the initiative into tasks, each with an owner, a due date and a success measure.")
        if not linked.iloc[i]:
            ctx.add("initiative-no-objective", sid, iid,
                    f"{_cap(label)} is not linked to any objective, so it is unclear which part of the strategy "
                    "it moves.",
                    "Pick the objective the initiative moves; if none fits, question whether it belongs in the plan.")
        if overdue[i]:
            days = (ctx.today - due.iloc[i]).days
            ctx.add("initiative-overdue", sid, iid,
                    f"{_cap(label)} was due on {due.iloc[i].date()} ({_plural(days, 'day')} ago) and is still "
                    f"'{row.status}'.",
                    "Update the status if it is finished; otherwise agree a new due date with the owner and "
                    "record why it slipped.")


def _check_tasks(ctx: _Context) -> None:
    cfg = ctx.config
    tasks = ctx.f["tasks"]
    tasks = tasks[~tasks["status"].isin(_DROPPED).to_numpy(dtype=bool)].reset_index(drop=True)
    if tasks.empty:
        return
    tasks = ctx.with_horizon(tasks)
    owned = _present(tasks["owner"])
    measured = _present(tasks["success_measure"])
    due = pd.to_datetime(tasks["due"])
    has_due = _bools(due.notna())
    outside = has_due & (_bools(due < tasks["h_start"]) | _bools(due > tasks["h_end"]))
    open_ = ~tasks["status"].isin(cfg.closed_statuses).to_numpy(dtype=bool)
    overdue = has_due & _bools(due < ctx.today) & open_
    for i, row in enumerate(tasks.itertuples(index=False)):
        sid, tid = row.scorecard_id, row.task_id
        label = f"{_cap(ctx.label('task', sid, tid))} of {ctx.label('initiative', sid, row.initiative_id)}"
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
        if overdue[i]:
            days = (ctx.today - due.iloc[i]).days
            ctx.add("task-overdue", sid, tid,
                    f"{label} was due on {due.iloc[i].date()} ({_plural(days, 'day')} ago) and is still "
                    f"'{row.status}'.",
                    "Update the status if it is finished; otherwise agree a new due date with the owner, record "
                    "why it slipped, and remove what blocks it.")
