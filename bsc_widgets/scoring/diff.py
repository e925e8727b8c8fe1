"""What changed between two review periods: score and status moves per KPI, objective, perspective, scorecard.

:func:`period_diff` scores both periods (they may have different frequencies) and
lines up each record's results; :func:`compare_reviews` does the lining-up for reviews
already scored.  ``bsc diff --from 2026Q2 --to 2026Q3`` and the report's "what changed
since the last review" both read this table, so they always agree.

A move is ranked by how far it went: a change of status first (a colour crossed), then
the size of the score change.  Statuses are ordered red < amber < green; a move from or
to "no data" / "no target" is "data gained" / "data lost", not better or worse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .formulas import AMBER, GREEN, RED
from .review import Review, score_review

LEVELS: dict[str, tuple[str, str]] = {
    "scorecards": ("scorecard_id", "name"),
    "perspectives": ("perspective_id", "name"),
    "objectives": ("objective_id", "title"),
    "kpis": ("kpi_id", "name"),
}
"""Each result level of a :class:`Review`: the column that names a record and the column that labels it."""

RANK = {RED: 0, AMBER: 1, GREEN: 2}
"""Order of the colour statuses (better is higher)."""

IMPROVED, WORSENED, GAINED, LOST, SAME = "improved", "worsened", "data gained", "data lost", "same status"
MOVES = (IMPROVED, WORSENED, GAINED, LOST, SAME)
"""How a record's status moved."""

COLUMNS = ["level", "scorecard_id", "id", "label", "score_from", "score_to", "score_change", "status_from",
           "status_to", "move", "status_changed"]
"""Columns of :attr:`PeriodDiff.changes` (one row per record present in either period)."""


@dataclass(frozen=True)
class PeriodDiff:
    """Score and status changes between two review periods, ranked by movement within each level."""

    from_period: str
    to_period: str
    changes: pd.DataFrame
    """One row per record and level (see :data:`COLUMNS`), biggest movers first within a level."""

    def level(self, name: str) -> pd.DataFrame:
        """The rows of one level: ``"kpis"``, ``"objectives"``, ``"perspectives"`` or ``"scorecards"``."""
        return self.changes[(self.changes["level"] == name).to_numpy(dtype=bool)]

    def moved(self, min_change: float = 0.005) -> pd.DataFrame:
        """The rows whose status changed or whose score changed by at least ``min_change``."""
        c = self.changes
        mask = c["status_changed"].to_numpy(dtype=bool) | (c["score_change"].abs() >= min_change).to_numpy(dtype=bool)
        return c[mask]

    def counts(self, name: str) -> dict[str, int]:
        """How many records of a level moved each way (every move of :data:`MOVES`)."""
        found = self.level(name)["move"].value_counts()
        return {move: int(found.get(move, 0)) for move in MOVES}


def _move(before: str, after: str) -> str:
    if before == after:
        return SAME
    if before in RANK and after in RANK:
        return IMPROVED if RANK[after] > RANK[before] else WORSENED
    if after in RANK:
        return GAINED
    if before in RANK:
        return LOST
    return SAME  # neither side has a colour (e.g. "no data" to "no target")


def _side(frame: pd.DataFrame, period: str, id_col: str, label_col: str) -> pd.DataFrame:
    rows = frame[(frame["period"].astype(str) == period).to_numpy(dtype=bool)]
    return pd.DataFrame({
        "scorecard_id": rows["scorecard_id"].astype(str).to_numpy(),
        "id": rows[id_col].astype(str).to_numpy(),
        "label": rows[label_col].astype(str).to_numpy(),
        "score": rows["score"].to_numpy(np.float64),
        "status": rows["status"].astype(str).to_numpy(),
    })


def compare_levels(before: pd.DataFrame, after: pd.DataFrame, level: str) -> pd.DataFrame:
    """Line up one level's results of two periods (``before`` / ``after`` from :func:`_side`) and rank the moves."""
    merged = before.merge(after, on=["scorecard_id", "id"], how="outer", suffixes=("_from", "_to"), sort=False)
    label = merged["label_to"].fillna(merged["label_from"]).astype(str)
    status_from = merged["status_from"].fillna("").astype(str)
    status_to = merged["status_to"].fillna("").astype(str)
    change = merged["score_to"] - merged["score_from"]
    out = pd.DataFrame({
        "level": level,
        "scorecard_id": merged["scorecard_id"],
        "id": merged["id"],
        "label": label,
        "score_from": merged["score_from"],
        "score_to": merged["score_to"],
        "score_change": change,
        "status_from": status_from,
        "status_to": status_to,
        "move": [_move(a, b) for a, b in zip(status_from, status_to, strict=True)],
        "status_changed": (status_from != status_to).to_numpy(dtype=bool),
    }, columns=COLUMNS)
    order = np.lexsort((out["id"].to_numpy(), -np.nan_to_num(change.abs().to_numpy(np.float64), nan=-1.0),
                        ~out["status_changed"].to_numpy(dtype=bool)))
    return out.iloc[order].reset_index(drop=True)


def compare_reviews(before: Review, from_period: str, after: Review, to_period: str) -> PeriodDiff:
    """The changes from ``from_period`` of ``before`` to ``to_period`` of ``after`` (reviews already scored)."""
    parts = []
    for level, (id_col, label_col) in LEVELS.items():
        a = _side(before.tables()[level], from_period, id_col, label_col)
        b = _side(after.tables()[level], to_period, id_col, label_col)
        parts.append(compare_levels(a, b, level))
    return PeriodDiff(from_period, to_period, pd.concat(parts, ignore_index=True))


def period_diff(frames: Mapping[str, pd.DataFrame], from_period: str, to_period: str,
                scorecard: str | None = None) -> PeriodDiff:
    """Score ``from_period`` and ``to_period`` and say what moved (every scorecard, or ``scorecard`` alone)."""
    before = score_review(frames, from_period, scorecard)
    after = score_review(frames, to_period, scorecard)
    return compare_reviews(before, before.periods[0], after, after.periods[0])
