"""The scoring formulas: 0-10 scores, statuses and trend labels (pure, vectorized numpy).

Rules (see docs/scoring.md for worked examples):

- higher / lower is better, actual a, target t, red flag r (t != r)::

      score = clip(10/3 * (1 + (a - r) / (t - r)), 0, 10)

  a = r scores 3.33, a = t scores 6.67, a = t + (t - r) scores 10.  For lower-is-better
  KPIs t < r and the same formula applies.
- range KPIs, band [L, U], tolerance w > 0, m = (L + U) / 2, h = (U - L) / 2: inside the
  band ``10 - 10/3 * |a - m| / h``; outside, with e the distance to the nearest bound,
  ``clip(10/3 * (2 - e / w), 0, 10)``.
- status: green when score >= green_from (20/3), amber when score >= amber_from (10/3),
  red below; "no data" without an actual and "no target" without a target.  Thresholds
  are read as a person means them (:func:`threshold`): 6.67 typed is exactly 20/3 (the score
  on target), 3.33 exactly 10/3 (the score at the red flag); :func:`reaches` is the one
  comparison of a score with a threshold.
- trend: the change against the previous review period; |change| < 0.1 is flat.

:func:`actual_at` inverts the formulas (the actual that scores exactly a given score),
which the KPI step uses to show the colour bands of a target; :func:`preview` scores one
sample actual.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

GREEN_FROM = 20 / 3
"""Default green threshold: exactly 20/3 (shown as 6.67), the score of a KPI on target."""
AMBER_FROM = 10 / 3
"""Default amber threshold: exactly 10/3 (shown as 3.33), the score of a KPI at its red flag."""
TYPED = 0.005
"""How far a threshold a person typed may be from 20/3 or 10/3 and still mean it (6.67, 6.667, 3.33)."""
NOISE = 1e-9
"""Differences below this are floating-point rounding, not a lower score (10 - 10/3 < 20/3 in floats)."""
FLAT_BELOW = 0.1

GREEN, AMBER, RED, NO_DATA, NO_TARGET = "green", "amber", "red", "no data", "no target"
STATUSES = (GREEN, AMBER, RED, NO_DATA, NO_TARGET)
UP, DOWN, FLAT = "up", "down", "flat"


def _f(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def score_directional(actual: npt.ArrayLike, target: npt.ArrayLike, red_flag: npt.ArrayLike) -> FloatArray:
    """Score of higher- or lower-is-better KPIs (NaN where an input is missing or t == r)."""
    a, t, r = _f(actual), _f(target), _f(red_flag)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        raw = 10 / 3 * (1 + (a - r) / (t - r))
    raw = np.where(t == r, np.nan, raw)
    return np.clip(raw, 0.0, 10.0)


def score_range(actual: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike,
                tolerance: npt.ArrayLike) -> FloatArray:
    """Score of range KPIs: 10 in the middle of the band, 6.67 at its edges, 0 at 2 tolerances outside."""
    a, lo, up, w = _f(actual), _f(lower), _f(upper), _f(tolerance)
    middle, half = (lo + up) / 2, (up - lo) / 2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inside = 10 - 10 / 3 * np.abs(a - middle) / half
        distance = np.maximum(lo - a, a - up)
        outside = np.clip(10 / 3 * (2 - distance / w), 0.0, 10.0)
    valid = (lo < up) & (w > 0)
    score = np.where((a >= lo) & (a <= up), inside, outside)
    return np.where(valid, score, np.nan)


def score(polarity: npt.ArrayLike, actual: npt.ArrayLike, target: npt.ArrayLike, red_flag: npt.ArrayLike,
          lower: npt.ArrayLike, upper: npt.ArrayLike, tolerance: npt.ArrayLike) -> FloatArray:
    """Score for a mix of KPIs: the range formula where polarity is 'range', else the directional one."""
    is_range = np.asarray(polarity) == "range"
    return np.where(is_range, score_range(actual, lower, upper, tolerance),
                    score_directional(actual, target, red_flag))


def has_target(polarity: npt.ArrayLike, target: npt.ArrayLike, red_flag: npt.ArrayLike, lower: npt.ArrayLike,
               upper: npt.ArrayLike, tolerance: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether each row has what its polarity needs to be scored."""
    is_range = np.asarray(polarity) == "range"
    directional = ~np.isnan(_f(target)) & ~np.isnan(_f(red_flag))
    band = ~np.isnan(_f(lower)) & ~np.isnan(_f(upper)) & ~np.isnan(_f(tolerance))
    return np.where(is_range, band, directional)


def threshold(value: npt.ArrayLike) -> FloatArray:
    """The score a green or amber threshold means: a value within :data:`TYPED` of 20/3 or 10/3 — 6.67,
    6.667, 3.33, what a person types for "on target" or "at the red flag" — is exactly 20/3 or 10/3;
    any other value is itself."""
    t = _f(value)
    for exact in (AMBER_FROM, GREEN_FROM):
        t = np.where(np.abs(t - exact) <= TYPED, exact, t)
    return t


def reaches(score_: npt.ArrayLike, threshold_: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether scores reach a threshold: score >= :func:`threshold` of it, rounding noise (:data:`NOISE`) ignored.

    So a KPI exactly on target is green with ``green_from`` 20/3, 6.67 or 6.667, and a
    range KPI exactly at the edge of its band (which computes as 6.666666666666666) too.
    """
    return _f(score_) >= threshold(threshold_) - NOISE


def status_codes(score_: npt.ArrayLike, has_actual: npt.ArrayLike, has_target_: npt.ArrayLike,
                 green_from: npt.ArrayLike = GREEN_FROM,
                 amber_from: npt.ArrayLike = AMBER_FROM) -> npt.NDArray[np.int8]:
    """Status as positions in :data:`STATUSES` (cheap to turn into a categorical column)."""
    s = _f(score_)
    return np.select(
        [~np.asarray(has_actual, bool), ~np.asarray(has_target_, bool) | np.isnan(s), reaches(s, green_from),
         reaches(s, amber_from)],
        [3, 4, 0, 1], 2,
    ).astype(np.int8)


def status(score_: npt.ArrayLike, has_actual: npt.ArrayLike, has_target_: npt.ArrayLike,
           green_from: npt.ArrayLike = GREEN_FROM, amber_from: npt.ArrayLike = AMBER_FROM) -> npt.NDArray[np.str_]:
    """Status labels: green / amber / red, or 'no data' / 'no target'."""
    return np.asarray(STATUSES)[status_codes(score_, has_actual, has_target_, green_from, amber_from)]


def rollup_status_codes(score_: npt.ArrayLike, green_from: npt.ArrayLike = GREEN_FROM,
                        amber_from: npt.ArrayLike = AMBER_FROM) -> npt.NDArray[np.int8]:
    """Status of rolled-up scores as positions in :data:`STATUSES` ('no data' when there is no score)."""
    return status_codes(score_, ~np.isnan(_f(score_)), np.ones(np.shape(score_), bool), green_from, amber_from)


TRENDS = ("", FLAT, UP, DOWN)


def trend_codes(change: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Trend as positions in :data:`TRENDS`."""
    d = _f(change)
    return np.select([np.isnan(d), np.abs(d) < FLAT_BELOW, d > 0], [0, 1, 2], 3).astype(np.int8)


def trend(change: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """'up', 'down' or 'flat' (|change| < 0.1); empty where there is no previous score."""
    return np.asarray(TRENDS)[trend_codes(change)]


TARGET_FIELDS = ("target", "red_flag", "lower", "upper", "tolerance")
"""The fields of a target row (directional KPIs use target and red flag, range KPIs the band)."""


def _row(row: Mapping[str, Any]) -> dict[str, float]:
    values = {}
    for name in TARGET_FIELDS:
        value = row.get(name)
        values[name] = np.nan if value is None or value != value else float(value)
    return values


def preview(polarity: str, actual: float, row: Mapping[str, Any], green_from: float = GREEN_FROM,
            amber_from: float = AMBER_FROM) -> tuple[float, str]:
    """Score and status one sample ``actual`` gets against one target row (a mapping of :data:`TARGET_FIELDS`)."""
    v = _row(row)
    kind = np.array([polarity])
    value = float(score(kind, actual, v["target"], v["red_flag"], v["lower"], v["upper"], v["tolerance"])[0])
    has = bool(has_target(kind, v["target"], v["red_flag"], v["lower"], v["upper"], v["tolerance"])[0])
    return value, str(status([value], [True], [has], green_from, amber_from)[0])


def actual_at(polarity: str, row: Mapping[str, Any], score_: float) -> tuple[float, float]:
    """The actuals (low, high) at which a KPI scores exactly ``score_`` against one target row.

    The inverse of :func:`score_directional` (low == high) and of :func:`score_range`
    (the two actuals on either side of the band's middle, or of the band).
    """
    v = _row(row)
    if polarity == "range":
        lo, up, w = v["lower"], v["upper"], v["tolerance"]
        if score_ >= GREEN_FROM:  # inside the band: 10 - 10/3 * |a - m| / h
            middle, half = (lo + up) / 2, (up - lo) / 2
            d = (10 - score_) * 3 / 10 * half
            return middle - d, middle + d
        e = (2 - 3 * score_ / 10) * w  # outside: 10/3 * (2 - e / w)
        return lo - e, up + e
    t, r = v["target"], v["red_flag"]
    a = r + (3 * score_ / 10 - 1) * (t - r)
    return a, a


def colour_zones(polarity: str, row: Mapping[str, Any], green_from: float = GREEN_FROM,
                 amber_from: float = AMBER_FROM) -> list[tuple[str, float, float]]:
    """The ranges of actuals that score red, amber and green against one target row, worst first.

    Each zone is (status, from, to) with -inf / inf at the open ends; range KPIs have five
    zones (red, amber, green, amber, red), directional KPIs three, ordered by actual.
    """
    g_lo, g_hi = actual_at(polarity, row, float(threshold(green_from)))
    a_lo, a_hi = actual_at(polarity, row, float(threshold(amber_from)))
    inf = float("inf")
    if polarity == "range":
        return [(RED, -inf, a_lo), (AMBER, a_lo, g_lo), (GREEN, g_lo, g_hi), (AMBER, g_hi, a_hi), (RED, a_hi, inf)]
    if polarity == "higher":
        return [(RED, -inf, a_lo), (AMBER, a_lo, g_lo), (GREEN, g_lo, inf)]
    return [(GREEN, -inf, g_lo), (AMBER, g_lo, a_lo), (RED, a_lo, inf)]
