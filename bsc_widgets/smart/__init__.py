"""SMART checks: is each objective, KPI and action plan Specific, Measurable, Achievable, Relevant, Time-bound?

:func:`check_smart` looks at the frames of a store (what :meth:`Store.read_all` returns) and
returns one row per *finding*: a ``level`` (``error``, ``warning`` or ``info``), the SMART
``letter`` it concerns, the record it is about (``scorecard_id``, ``subject_type``,
``subject_id``), a stable ``check`` code, a plain-words ``message`` naming the record, and a
``remedy``.  Findings are advice for the facilitator, not validation: a plan with findings is
still valid data (validation lives in :mod:`bsc_widgets.model.rules`).  :func:`findings_for`
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

- ``kpi-no-target`` (M, warning): the KPI has no target inside the horizon (a calculated KPI whose
  targets its expression computes is not reported: its inputs' targets are).
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
- ``kpi-calc-units`` (M, warning): a calculated KPI's expression adds or compares KPIs of
  different units, or divides one percentage by another while the KPI's unit is '%'.
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
The checks live in one module per subject (:mod:`~.scorecards`, :mod:`~.kpis`, :mod:`~.plans`);
:mod:`~.catalogue` lists them and :mod:`~.context` holds what they share.  This package
imports :mod:`bsc_widgets.model` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from ..model.rules import empty_frame
from .calculated import check_calculated
from .catalogue import (
    CHECKS,
    DEFAULT_CONFIG,
    FINDING_COLUMNS,
    LETTER_NAMES,
    LETTERS,
    LEVELS,
    SUBJECT_TYPES,
    CheckSpec,
    SmartConfig,
)
from .context import _LABEL_SOURCE, Context, bools, finish, label_of, plan_frames
from .kpis import check_achievable, check_kpis
from .plans import check_initiatives, check_tasks
from .scorecards import check_objectives, check_scorecards

__all__ = [
    "CHECKS",
    "FINDING_COLUMNS",
    "LETTERS",
    "LETTER_NAMES",
    "LEVELS",
    "SUBJECT_TYPES",
    "CheckSpec",
    "SmartConfig",
    "check_smart",
    "findings_for",
    "subject_label",
]


def check_smart(frames: Mapping[str, pd.DataFrame], scorecard_id: str | None = None, *,
                today: dt.date | None = None, config: SmartConfig = DEFAULT_CONFIG) -> pd.DataFrame:
    """Every SMART finding for one scorecard (or, with ``scorecard_id=None``, for every scorecard).

    ``frames`` maps table names to frames, as :meth:`Store.read_all` returns them (missing tables
    count as empty).  ``today`` (default: the current date) decides what is overdue.  Returns a
    frame with :data:`FINDING_COLUMNS`, sorted by scorecard, subject (type, then id) and SMART
    letter.  Raises :class:`~bsc_widgets.errors.InputError` naming the known scorecards when
    ``scorecard_id`` is unknown.
    """
    plan = plan_frames(frames, scorecard_id)
    ctx = Context(plan, config, today or dt.date.today())
    check_scorecards(ctx)
    check_objectives(ctx)
    check_kpis(ctx)
    check_achievable(ctx)
    check_calculated(ctx)
    check_initiatives(ctx)
    check_tasks(ctx)
    return finish(ctx.rows)


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
    return findings[bools(mask)].reset_index(drop=True)


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
    rows = frame[bools(mask)]
    title = rows.iloc[0][title_column] if len(rows) else None
    return label_of(subject_type, subject_id, title)


