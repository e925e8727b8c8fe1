"""What every SMART check works with: the frames checked, labels, horizons, findings, and small helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..model.periods import is_period, period_columns
from ..model.plan import require_scorecard
from ..model.rules import empty_frame
from ..model.schema import PLAN_TABLES
from ..model.words import number
from .catalogue import CHECKS, FINDING_COLUMNS, LETTERS, LEVELS, SUBJECT_TYPES, SmartConfig

TOLERANCE = 1e-9
DROPPED = ("cancelled",)  # cancelled initiatives and tasks are not checked at all

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




class Context:
    """The frames of the scorecards checked, their horizons, and the findings collected so far."""

    def __init__(self, frames: dict[str, pd.DataFrame], config: SmartConfig, today: dt.date) -> None:
        self.f = frames
        self.config = config
        self.day = today
        self.today = pd.Timestamp(today)
        self.rows: list[dict[str, str]] = []
        self.labels: dict[tuple[str, str, str], str] = {}
        for subject_type, (name, key, title_column) in _LABEL_SOURCE.items():
            frame = frames[name]
            for sid, rid, title in zip(frame["scorecard_id"], frame[key], frame[title_column], strict=True):
                self.labels[(subject_type, str(sid), str(rid))] = label_of(subject_type, str(rid), title)
        sc = frames["scorecards"]
        self.horizon = pd.DataFrame({
            "h_first": sc["horizon_start"].to_numpy(dtype=object),
            "h_last": sc["horizon_end"].to_numpy(dtype=object),
            "h_start": period_columns(sc["horizon_start"])["start"].to_numpy(),
            "h_end": period_columns(sc["horizon_end"])["end"].to_numpy(),
        }, index=pd.Index(sc["scorecard_id"].to_numpy(dtype=object), name="scorecard_id"))
        self.horizon = self.horizon[~self.horizon.index.duplicated()]

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Targets that set a goal, with KPI, period and horizon columns (see :func:`~.kpis.goal_targets`)."""
        from .kpis import goal_targets

        return goal_targets(self)

    def label(self, subject_type: str, scorecard_id: Any, subject_id: Any) -> str:
        """How findings name a record of the frames checked."""
        return self.labels.get((subject_type, str(scorecard_id), str(subject_id)),
                               f"{_TYPE_WORD[subject_type]} {subject_id}")

    def horizon_text(self, scorecard_id: Any) -> str:
        """The scorecard's horizon as text: ``2026-01 to 2028-12``."""
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
        """Record a finding of check ``code``."""
        spec = CHECKS[code]
        self.rows.append({
            "level": spec.level, "letter": spec.letter, "scorecard_id": str(scorecard_id),
            "subject_type": spec.subject_type, "subject_id": str(subject_id), "check": code,
            "message": message, "remedy": remedy,
        })


def plan_frames(frames: Mapping[str, pd.DataFrame], scorecard_id: str | None) -> dict[str, pd.DataFrame]:
    """Every plan table (missing ones empty), limited to ``scorecard_id`` unless it is None."""
    full = {name: frames[name] if name in frames else empty_frame(name) for name in PLAN_TABLES}
    if scorecard_id is None:
        return {name: frame.reset_index(drop=True) for name, frame in full.items()}
    require_scorecard(full["scorecards"], scorecard_id)
    return {name: frame[bools(frame["scorecard_id"] == scorecard_id)].reset_index(drop=True)
            for name, frame in full.items()}


def finish(rows: list[dict[str, str]]) -> pd.DataFrame:
    """The findings as a frame with :data:`FINDING_COLUMNS`, in the documented order."""
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


def bools(mask: pd.Series | np.ndarray) -> np.ndarray:
    """A plain boolean array (missing counts as False)."""
    if isinstance(mask, pd.Series):
        return mask.to_numpy(dtype=bool, na_value=False)
    return np.asarray(mask, dtype=bool)


def present(series: pd.Series) -> pd.Series:
    """True where a text value is there and not blank."""
    lengths = series.astype("string").str.strip().str.len()
    return pd.Series(bools(lengths > 0), index=series.index)


def label_of(subject_type: str, subject_id: str, title: Any) -> str:
    """How findings name a record: ``objective F1 "Grow profitable revenue"``."""
    word = _TYPE_WORD[subject_type]
    if not isinstance(title, str) or not title.strip():
        return f"{word} {subject_id}"
    text = " ".join(title.split())
    if len(text) > 70:
        text = text[:69].rstrip() + "…"
    return f'{word} {subject_id} "{text}"'


def has_period(value: Any) -> bool:
    """True when ``value`` is a period string."""
    return is_period(value)


def with_periods(frame: pd.DataFrame, column: str = "period") -> pd.DataFrame:
    """``frame`` with the frequency (``freq``), running number (``ord``), ``p_start`` and ``p_end`` of its periods."""
    periods = period_columns(frame[column])
    return frame.assign(freq=periods["freq"].to_numpy(), ord=periods["index"].to_numpy(dtype=float, na_value=np.nan),
                        p_start=periods["start"].to_numpy(), p_end=periods["end"].to_numpy())


def number_text(value: Any) -> str:
    """A number in findings: in plain words (9,080 / 12.5 / 0.333)."""
    return number(value, None, ascii_minus=True)


def over(values: pd.Series, limit: pd.Series | float) -> pd.Series:
    """``values > limit`` with a little slack, so that exactly the limit is not flagged."""
    slack = TOLERANCE * np.maximum(1.0, np.abs(limit))
    return pd.Series(bools(values > limit + slack), index=values.index)
