"""What the SMART checks are: finding columns, levels, letters, the thresholds and every check's code."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.plan import CLOSED_STATUSES

FINDING_COLUMNS: tuple[str, ...] = (
    "level", "letter", "scorecard_id", "subject_type", "subject_id", "check", "message", "remedy",
)
"""Columns of the frame :func:`check_smart` returns, in order."""

LEVELS: tuple[str, ...] = ("error", "warning", "info")
"""Finding levels, most serious first."""

LETTERS: tuple[str, ...] = ("S", "M", "A", "R", "T")
"""SMART letters: Specific, Measurable, Achievable, Relevant, Time-bound."""

LETTER_NAMES: dict[str, str] = {"S": "Specific", "M": "Measurable", "A": "Achievable", "R": "Relevant",
                                "T": "Time-bound"}
"""What each SMART letter stands for."""

SUBJECT_TYPES: tuple[str, ...] = ("scorecard", "perspective", "objective", "kpi", "initiative", "task")
"""Kinds of record a finding can be about, in the order findings are listed."""

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
    closed_statuses: tuple[str, ...] = CLOSED_STATUSES
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


DEFAULT_CONFIG = SmartConfig()
"""The thresholds the checks use unless told otherwise."""


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
        CheckSpec("kpi-calc-units", "M", "warning", "kpi", "a calculated KPI mixes units"),
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
