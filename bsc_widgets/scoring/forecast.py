"""Forecasts: where each KPI is heading at the end of the horizon, with a prediction interval, and the call.

The rule (docs/scoring.md, section 8, has a worked example):

- Only the actuals known at the end of the review period (its *cutoff*) count.
- **Seasonal model** when the unbroken run of actuals ending at the cutoff covers at least
  two full seasons (12 months, or 14 quarters: the library's heuristic start needs
  10 + 2 · ⌊m/2⌋ points) *and* the seasons differ significantly from a straight line
  (F-test of seasonal means on top of the line, p < :data:`SEASONAL_P`): statsmodels'
  ETS model with additive errors, an additive damped trend and additive seasons, whose
  prediction interval comes from the library.
- **Straight line** otherwise, with at least :data:`MIN_POINTS` actuals: the least-squares
  line through the actuals up to the cutoff and its ordinary-least-squares prediction
  interval (Student's t with n − 2 degrees of freedom).  This path is vectorized over all
  KPIs and review periods; the seasonal fits run one KPI and review period at a time,
  only for the review periods asked for, and are cached per series.
- The interval holds :data:`LEVEL` (80 %) of the outcomes the model expects.  The call:
  **on course** when the whole interval meets the target (≥ for higher, ≤ for lower is
  better, inside the band for range KPIs), **off course** when the whole interval misses
  it, **uncertain** when the target (or a band edge) lies inside the interval, and
  **insufficient data** with fewer than 3 actuals, no horizon, or no target there.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ON_COURSE, OFF_COURSE, INSUFFICIENT, UNCERTAIN = "on course", "off course", "insufficient data", "uncertain"
FORECASTS = (ON_COURSE, OFF_COURSE, INSUFFICIENT, UNCERTAIN)  # the codes of the ``forecast`` column, in order
MIN_POINTS = 3
LEVEL = 0.8  # share of outcomes inside the prediction interval
SEASONS = {"M": 12, "Q": 4}  # periods per season by KPI frequency (annual KPIs have none)
SEASONAL_P = 0.001  # seasons are modelled only when they differ from a line this clearly
_ROUNDING = 1e-12  # a residual sum of squares below this share of the total is floating-point rounding


def min_seasonal_points(season: int) -> int:
    """Consecutive actuals the seasonal model needs: two full seasons and the library's heuristic start."""
    return max(2 * season, 10 + 2 * (season // 2))


def forecast(values: FloatArray, targets: Mapping[str, FloatArray], cutoff: IntArray, horizon_col: IntArray,
             polarity: npt.NDArray[np.str_], season: int = 0,
             fit: npt.NDArray[np.bool_] | None = None) -> dict[str, npt.NDArray[np.generic]]:
    """Forecasts of K KPIs at their horizon end, for P review periods.

    ``values`` is the (K, W) grid of actuals (NaN where none), ``targets`` the (K, W) grids
    of the target fields, ``cutoff`` the (P,) last grid column known at each review period,
    ``horizon_col`` the (K,) grid column of each KPI's horizon end (out of range for none),
    ``season`` the periods per season (0: never seasonal) and ``fit`` the (P,) review
    periods whose seasonal models are fitted (all when None; the others use the line).
    Returns (K, P) arrays forecast_value, forecast_lower, forecast_upper, forecast_target
    and the codes ``forecast`` (into :data:`FORECASTS`).
    """
    width = values.shape[1]
    valid_h = (horizon_col >= 0) & (horizon_col < width)
    point, lower, upper = line_forecast(values, cutoff, np.where(valid_h, horizon_col, -1))
    if season and len(cutoff):
        wanted = np.ones(len(cutoff), dtype=bool) if fit is None else fit
        cases = seasonal_cases(values, cutoff, horizon_col, season, wanted) & valid_h[:, None]
        start = _run_start(values, cutoff)
        for k, p in np.argwhere(cases):
            c = int(cutoff[p])
            result = seasonal_forecast(tuple(values[k, start[k, p]:c + 1].tolist()), season,
                                       int(horizon_col[k]) - c)
            if result is not None:
                point[k, p], lower[k, p], upper[k, p] = result
    h = np.where(valid_h, horizon_col, 0)
    target = {f: np.where(valid_h, g[np.arange(len(h)), h], np.nan)[:, None] for f, g in targets.items()}
    code = call(point, lower, upper, target["target"], target["lower"], target["upper"], polarity[:, None])
    shown_target = np.where(polarity[:, None] == "range", np.nan, target["target"])
    return {"forecast_value": point, "forecast_lower": lower, "forecast_upper": upper,
            "forecast_target": np.broadcast_to(shown_target, point.shape).copy(), "forecast": code}


def call(point: FloatArray, lower: FloatArray, upper: FloatArray, target: FloatArray, band_lower: FloatArray,
         band_upper: FloatArray, polarity: npt.NDArray[np.str_]) -> npt.NDArray[np.int8]:
    """Codes into :data:`FORECASTS` for forecasts with intervals [lower, upper] (arrays broadcast)."""
    is_range = polarity == "range"
    lower_better = polarity == "lower"
    with np.errstate(invalid="ignore"):
        on = np.where(is_range, (lower >= band_lower) & (upper <= band_upper),
                      np.where(lower_better, upper <= target, lower >= target))
        off = np.where(is_range, (upper < band_lower) | (lower > band_upper),
                       np.where(lower_better, lower > target, upper < target))
    has = np.where(is_range, ~np.isnan(band_lower) & ~np.isnan(band_upper), ~np.isnan(target))
    code = np.where(on, 0, np.where(off, 1, 3))
    return np.where(np.isnan(point) | ~has, 2, code).astype(np.int8)


def line_forecast(values: FloatArray, cutoff: IntArray, horizon_col: IntArray) -> tuple[FloatArray, ...]:
    """Least-squares line through the actuals up to each cutoff, at the horizon column, with its interval.

    Returns (K, P) point, lower and upper (NaN with fewer than :data:`MIN_POINTS` actuals or
    a negative ``horizon_col``).  The interval is the OLS prediction interval at :data:`LEVEL`.
    """
    present = ~np.isnan(values)
    x = np.arange(values.shape[1], dtype=np.float64)
    y = np.where(present, values, 0.0)
    # Sums over the columns up to each cutoff, as matrix products with a (columns x periods) mask.
    upto = (x[:, None] <= cutoff[None, :]).astype(np.float64)
    p = present.astype(np.float64)
    n = p @ upto
    sx, sxx = p @ (x[:, None] * upto), p @ (x[:, None] ** 2 * upto)
    sy, sxy, syy = y @ upto, y @ (x[:, None] * upto), (y * y) @ upto
    h = np.where(horizon_col >= 0, horizon_col, np.nan).astype(np.float64)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x, mean_y = sx / n, sy / n
        vxx, vxy, vyy = sxx - n * mean_x ** 2, sxy - n * mean_x * mean_y, syy - n * mean_y ** 2
        slope = vxy / vxx
        point = mean_y + slope * (h - mean_x)
        rss = vyy - slope * vxy
        rss = np.where(rss <= _ROUNDING * np.abs(vyy), 0.0, rss)
        spread = np.sqrt(rss / (n - 2) * (1 + 1 / n + (h - mean_x) ** 2 / vxx))
    # Student's t for each possible number of degrees of freedom, looked up (n counts columns).
    from scipy import stats  # imported when a forecast is made: ~1 s a workshop kernel never needs

    quantiles = stats.t.ppf((1 + LEVEL) / 2, np.arange(1, values.shape[1] + 1))
    q = quantiles[np.clip(n.astype(np.int64) - 3, 0, values.shape[1] - 1)]
    enough = n >= MIN_POINTS
    point = np.where(enough, point, np.nan)
    return point, np.where(enough, point - q * spread, np.nan), np.where(enough, point + q * spread, np.nan)


def _run_start(values: FloatArray, cutoff: IntArray) -> IntArray:
    """(K, P) first column of the unbroken run of actuals that ends at each cutoff (cutoff + 1 when none)."""
    cols = np.arange(values.shape[1])
    last_gap = np.maximum.accumulate(np.where(np.isnan(values), cols[None, :], -1), axis=1)
    c = np.clip(cutoff, 0, values.shape[1] - 1)
    return np.where(cutoff[None, :] >= 0, last_gap[:, c] + 1, 0).astype(np.int64)


def seasonal_cases(values: FloatArray, cutoff: IntArray, horizon_col: IntArray, season: int,
                   fit: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.bool_]:
    """(K, P) where the seasonal model applies: a long enough unbroken run, a later horizon, significant seasons.

    Seasons are significant when adding a mean per season to the least-squares line
    reduces the residual sum of squares so much that the F-test gives p < :data:`SEASONAL_P`.
    The test runs on the unbroken run of actuals ending at each cutoff, from cumulative
    sums, for all candidate KPIs and cutoffs at once (only the cutoffs in ``fit``, when given).
    """
    start = _run_start(values, cutoff)
    cases = ((cutoff[None, :] - start + 1 >= min_seasonal_points(season))
             & (horizon_col[:, None] > cutoff[None, :]))
    if fit is not None:
        cases &= fit[None, :]
    kk, pp = np.nonzero(cases)
    if not len(kk):
        return cases
    begin, end = start[kk, pp], cutoff[pp]  # the run: columns begin .. end, all with an actual
    y = np.where(np.isnan(values), 0.0, values)
    x = np.arange(values.shape[1], dtype=np.float64)[None, :]
    # Sums over the run (closed form for the columns, cumulative sums for the values).
    n = (end - begin + 1).astype(np.float64)
    sx = (begin + end) * n / 2
    sxx = (_squares_upto(end) - _squares_upto(begin - 1)).astype(np.float64)

    def run_sum(a: FloatArray) -> FloatArray:
        total = np.concatenate([np.zeros((len(a), 1)), np.cumsum(a, axis=1)], axis=1)
        return total[kk, end + 1] - total[kk, begin]

    sy, sxy, syy = run_sum(y), run_sum(x * y), run_sum(y * y)
    # Per season class (column mod season): its columns in the run and the sum of its values there.
    last = end[:, None] - season + 1 + np.arange(season)[None, :]  # the class's last column in the run
    count = (last - begin[:, None]) // season + 1
    first = last - season * (count - 1)
    ns, sxs = count.astype(np.float64), (first + last) * count / 2
    padded = np.concatenate([y, np.zeros((len(y), (-y.shape[1]) % season))], axis=1)
    by_class = np.cumsum(padded.reshape(len(y), -1, season), axis=1).reshape(len(y), -1)
    by_class = np.concatenate([np.zeros((len(y), season)), by_class], axis=1)  # column j is at j + season
    sys_ = by_class[kk[:, None], last + season] - by_class[kk[:, None], first]  # first - season + season
    # Within-season sums of squares: the line with one mean per season (Frisch-Waugh).
    wxx = sxx - (sxs ** 2 / ns).sum(axis=1)
    wxy = sxy - (sxs * sys_ / ns).sum(axis=1)
    wyy = syy - (sys_ ** 2 / ns).sum(axis=1)
    vxx, vxy, vyy = sxx - sx ** 2 / n, sxy - sx * sy / n, syy - sy ** 2 / n
    rss_line = np.maximum(vyy - vxy ** 2 / vxx, 0.0)
    rss_seasons = np.maximum(wyy - wxy ** 2 / wxx, 0.0)
    rss_seasons = np.where(rss_seasons <= _ROUNDING * np.abs(vyy), 0.0, rss_seasons)
    test = rss_line > _ROUNDING * np.abs(vyy)
    with np.errstate(divide="ignore"):
        f = ((rss_line - rss_seasons) / (season - 1)) / (rss_seasons / (n - season - 1))
    p_value = np.ones(len(kk))
    from scipy import stats

    p_value[test] = stats.f.sf(f[test], season - 1, n[test] - season - 1)
    out = np.zeros_like(cases)
    out[kk, pp] = test & (p_value < SEASONAL_P)
    return out


def _squares_upto(j: IntArray) -> IntArray:
    """0² + 1² + ... + j² (0 for j < 0)."""
    j = np.maximum(j, -1)
    return j * (j + 1) * (2 * j + 1) // 6


@lru_cache(maxsize=16384)
def seasonal_forecast(run: tuple[float, ...], season: int, steps: int) -> tuple[float, float, float] | None:
    """Point forecast and prediction interval ``steps`` periods after the end of ``run`` (None if the fit fails).

    statsmodels' ETS model: additive errors, additive damped trend, additive seasons of
    ``season`` periods, heuristic initial states; the interval at :data:`LEVEL`.
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # imported on first use: slow to import

    y = pd.Series(run, dtype=np.float64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence and numerical warnings of the optimiser
            fitted = ETSModel(y, error="add", trend="add", damped_trend=True, seasonal="add",
                              seasonal_periods=season, initialization_method="heuristic").fit(disp=False)
            frame = fitted.get_prediction(start=len(y) + steps - 1, end=len(y) + steps - 1).summary_frame(
                alpha=1 - LEVEL)
    except (ValueError, np.linalg.LinAlgError):
        return None
    row = frame.iloc[-1]
    out = float(row["mean"]), float(row["pi_lower"]), float(row["pi_upper"])
    return out if all(np.isfinite(out)) else None
